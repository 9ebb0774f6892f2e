"""Naming what an item's title asks for: the two-level taxonomy and the medication lexicon."""
from __future__ import annotations

import pytest

from engine.cases.terms import classify, find_drugs
from engine.cases.vocab import SERVICE_CATEGORY, Category, DrugClass, Service, category


def test_every_service_has_one_category() -> None:
    assert set(SERVICE_CATEGORY) == {s.value for s in Service}
    assert category("physical_therapy") is Category.rehabilitation


@pytest.mark.parametrize("title,service,drug,drug_class", [
    ("Physical therapy 2 times a week for 6 weeks, lumbar spine", Service.physical_therapy, None, None),
    ("MRI of the left knee without contrast", Service.mri_other, None, None),
    ("MRI of the lumbar spine", Service.mri_lumbar, None, None),
    ("EMG/NCV of the bilateral upper extremities", Service.electrodiagnostic, None, None),
    ("X-rays of the cervical spine", Service.x_ray, None, None),
    ("Urine drug screen", Service.lab_test, None, None),
    ("Pre-operative CBC", Service.lab_test, None, None),
    ("Pre-operative PT/PTT", Service.lab_test, None, None),
    ("Preoperative medical clearance", Service.preoperative_evaluation, None, None),
    ("Associated surgical service: cold therapy unit, 7 day rental", Service.durable_medical_equipment,
     None, None),
    ("Right shoulder arthroscopy with subacromial decompression", Service.surgery, None, None),
    ("Assistant surgeon", Service.surgical_assistant, None, None),
    ("Follow-up visit in 4 weeks", Service.office_visit, None, None),
    ("Referral to a pain management specialist", Service.consultation, None, None),
    ("Medication management consultation", Service.consultation, None, None),
    ("Home health aide 4 hours a day", Service.home_health, None, None),
    ("Lumbar brace", Service.durable_medical_equipment, None, None),
    ("Transportation to medical appointments", Service.transportation, None, None),
    ("Norco 10/325mg #90", Service.opioid, "hydrocodone", DrugClass.opioid),
    ("Retrospective Omeprazole 20mg #60", Service.gi_protective, "omeprazole", DrugClass.proton_pump_inhibitor),
    ("Pepcid 20mg", Service.gi_protective, "famotidine", DrugClass.h2_blocker),
    ("Flexeril 7.5mg #30", Service.muscle_relaxant, "cyclobenzaprine", DrugClass.muscle_relaxant),
    ("Lidoderm 5% patch #30", Service.topical_analgesic, "lidocaine", DrugClass.topical_analgesic),
    ("Flurbiprofen 20%/lidocaine 5% cream 180g", Service.topical_analgesic, "flurbiprofen/lidocaine",
     DrugClass.compound),
    ("Ketoprofen 20% in cream base", Service.topical_analgesic, "ketoprofen", DrugClass.topical_analgesic),
    ("Gabapentin 300mg #90", Service.anti_epilepsy_drug, "gabapentin", DrugClass.anti_epilepsy_drug),
    ("Synapryn 10mg/ml oral suspension", Service.opioid, "tramadol", DrugClass.opioid),
    ("Anti-inflammatory medication", Service.nsaid, None, DrugClass.nsaid),
    ("Something nobody has heard of", Service.other, None, None),
])
def test_titles(title: str, service: Service, drug: str | None, drug_class: DrugClass | None) -> None:
    named = classify(title)
    assert (named.service, named.drug, named.drug_class) == (service, drug, drug_class)


def test_drug_names_are_whole_words_in_any_case() -> None:
    assert [d.name for d, _ in find_drugs("NORCO and ultram ER; somatic pain")] == ["hydrocodone", "tramadol"]


@pytest.mark.parametrize("title,service,drug,drug_class", [
    # a manufactured topical is its ingredients: one makes that drug as a topical, several a compound
    ("Salonpas patch #30", Service.topical_analgesic, "methyl salicylate/menthol", DrugClass.compound),
    ("Flector 1.3% patch #60", Service.topical_analgesic, "diclofenac", DrugClass.topical_analgesic),
    ("AneCream 4% 30g", Service.topical_analgesic, "lidocaine", DrugClass.topical_analgesic),
    ("LidoPro lotion 121g", Service.topical_analgesic, "capsaicin/lidocaine/menthol/methyl salicylate",
     DrugClass.compound),
    # ...each ingredient once, however it is named
    ("LidoPro (lidocaine, capsaicin) ointment", Service.topical_analgesic,
     "capsaicin/lidocaine/menthol/methyl salicylate", DrugClass.compound),
    # every drug a compound names is an ingredient, of whatever class
    ("Ketoprofen 10%/dextromethorphan 5% cream", Service.topical_analgesic, "ketoprofen/dextromethorphan",
     DrugClass.compound),
    # an oral combination is the ingredient that decides its class
    ("Trezix capsules #40", Service.opioid, "dihydrocodeine", DrugClass.opioid),
    ("Fioricet #30", Service.medication_other, "butalbital", DrugClass.other),
    ("Tramadol/acetaminophen 37.5/325mg #60", Service.opioid, "tramadol", DrugClass.opioid),
    ("Duexis 800/26.6mg #90", Service.nsaid, "ibuprofen", DrugClass.nsaid),
])
def test_products_and_combinations(title: str, service: Service, drug: str, drug_class: DrugClass) -> None:
    named = classify(title)
    assert (named.service, named.drug, named.drug_class) == (service, drug, drug_class)


def test_generic_names_are_single_drugs() -> None:
    from engine.cases.terms import generic_names
    names = generic_names()
    assert all("/" not in n for n in names) and {"menthol", "methyl salicylate", "butalbital"} <= set(names)
