"""The medication rule families: NSAIDs, gastro-protective drugs, muscle relaxants, benzodiazepines,
antidepressants, anti-epilepsy drugs, sleep aids, compound drugs and the 2016 opioid guideline.
Each rule at its boundary, and the periods the files are in force."""
from __future__ import annotations

from typing import Any

import pytest

from helpers import decide

DAY_2016 = "2016-12-01"  # within the 2016 edition (requests from 2016-07-29)
DAY_2009 = "2014-06-01"


def med(drug: str, drug_class: str, service: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"service": service or drug_class, "quantity": 30, "drug": drug, "drug_class": drug_class,
            "date": DAY_2016, **extra}


# ------------------------------------------------------------------------------------------ NSAIDs


def test_a_first_nsaid_is_the_short_term_option_in_both_editions() -> None:
    for day in (DAY_2009, DAY_2016):
        d = decide(med("naproxen", "nsaid", continuing=False, date=day))
        assert (d.outcome, d.rules) == ("Overturned", ["nsaid.first_prescription.short_term_option"])
    d = decide(med("naproxen", "nsaid", continuing=False))
    assert any("MTUS Chronic Pain Medical Treatment Guidelines (2016)" in c for c in d.citations)


def test_a_second_nsaid_is_not_added() -> None:
    d = decide(med("diclofenac", "nsaid", continuing=False), medications=[{"name": "Mobic"}])
    assert (d.outcome, d.rules) == ("Upheld", ["nsaid.another_nsaid_in_use"])
    # The same drug of record is not "another" NSAID: the request continues it.
    same = decide(med("meloxicam", "nsaid", continuing=False), medications=[{"name": "Mobic"}])
    assert same.rules == ["nsaid.first_prescription.short_term_option"]


@pytest.mark.parametrize("pain, function, fired", [
    (None, None, True), ("documented", None, True), (None, "documented", True), ("none", "documented", True),
    ("documented", "documented", False),
])
def test_a_continued_nsaid_needs_pain_and_function_documented(pain, function, fired) -> None:
    request = med("ibuprofen", "nsaid", continuing=True)
    request.update({k: v for k, v in (("pain_response", pain), ("function_response", function)) if v})
    d = decide(request)
    assert ("nsaid.continued.response_not_documented" in d.rules) is fired
    if not fired:  # no criterion decides it: the default, not an encoded criterion
        assert (d.outcome, d.rules) == ("Upheld", [])


@pytest.mark.parametrize("age, risks, fired", [
    (65, None, True), (None, None, True), (40, [], True), (66, None, False), (40, ["anticoagulant"], False),
])
def test_celecoxib_needs_a_gi_risk_factor(age, risks, fired) -> None:
    d = decide(med("celecoxib", "nsaid", continuing=False), claimant={"age": age},
               gastrointestinal={"risk_factors": risks})
    assert ("nsaid.cox2.gi_risk_not_documented" in d.rules) is fired
    assert "nsaid.first_prescription.short_term_option" not in d.rules  # not a non-selective NSAID


# --------------------------------------------------------------------------- gastro-protective drugs


@pytest.mark.parametrize("age, outcome, rule", [
    (65, "Upheld", "gi_protective.risk.not_documented"),
    (66, "Overturned", "gi_protective.risk.with_nsaid"),
])
def test_a_ppi_at_the_age_boundary(age, outcome, rule) -> None:
    d = decide(med("omeprazole", "proton_pump_inhibitor", "gi_protective"), claimant={"age": age},
               medications=[{"name": "naproxen"}])
    assert (d.outcome, d.rules) == (outcome, [rule])


def test_a_ppi_with_a_risk_factor_and_an_nsaid() -> None:
    d = decide(med("pantoprazole", "proton_pump_inhibitor", "gi_protective"), claimant={"age": 40},
               medications=[{"name": "naproxen"}], gastrointestinal={"risk_factors": ["peptic_ulcer_history"]})
    assert (d.outcome, d.rules) == ("Overturned", ["gi_protective.risk.with_nsaid"])
    # Without an NSAID of record the NSAID section's indication is not met, nor denied.
    alone = decide(med("pantoprazole", "proton_pump_inhibitor", "gi_protective"), claimant={"age": 40},
                   gastrointestinal={"risk_factors": ["peptic_ulcer_history"]})
    assert alone.rules == []


def test_two_nsaids_of_record_are_a_risk_factor() -> None:
    d = decide(med("famotidine", "h2_blocker", "gi_protective"), claimant={"age": 40},
               medications=[{"name": "naproxen"}, {"name": "Celebrex"}])
    assert (d.outcome, d.rules) == ("Overturned", ["gi_protective.risk.with_nsaid"])


def test_gi_complaints_alone_leave_the_choice_to_the_guideline() -> None:
    d = decide(med("omeprazole", "proton_pump_inhibitor", "gi_protective"), claimant={"age": 40},
               medications=[{"name": "naproxen"}], gastrointestinal={"symptoms": True})
    assert (d.outcome, d.rules) == ("Upheld", [])  # "no MTUS criterion met", not an encoded finding


# ---------------------------------------------------------------------------------- muscle relaxants


@pytest.mark.parametrize("weeks, fired", [(2, False), (3, False), (3.1, True), (8, True)])
def test_muscle_relaxants_are_for_three_weeks(weeks, fired) -> None:
    d = decide(med("cyclobenzaprine", "muscle_relaxant", continuing=True, use_weeks=weeks), exam={"muscle_spasm": True})
    assert ("muscle_relaxant.beyond_short_course" in d.rules) is fired
    assert d.outcome == "Upheld"  # a continued course, even a short one, has no criterion for it


def test_a_continued_muscle_relaxant_of_unknown_length() -> None:
    d = decide(med("orphenadrine", "muscle_relaxant", continuing=True), exam={"muscle_spasm": True})
    assert d.rules == ["muscle_relaxant.continued.short_course_not_documented"]


@pytest.mark.parametrize("spasm, purpose, outcome", [
    (True, None, "Overturned"), (None, "flare_up", "Overturned"), (False, None, "Upheld"), (None, None, "Upheld"),
])
def test_a_first_course_needs_an_acute_exacerbation(spasm, purpose, outcome) -> None:
    request = med("cyclobenzaprine", "muscle_relaxant", continuing=False)
    if purpose:
        request["purpose"] = purpose
    d = decide(request, exam={"muscle_spasm": spasm})
    assert d.outcome == outcome
    assert d.rules == (["muscle_relaxant.acute_spasm.short_course"] if outcome == "Overturned"
                       else ["muscle_relaxant.acute_spasm.not_documented"])


def test_carisoprodol_is_not_recommended() -> None:
    d = decide(med("carisoprodol", "muscle_relaxant", continuing=False), exam={"muscle_spasm": True})
    assert (d.outcome, d.rules) == ("Upheld", ["muscle_relaxant.carisoprodol.not_recommended"])


# ----------------------------------------------------------------------------------- benzodiazepines


@pytest.mark.parametrize("weeks, fired", [(4, False), (4.1, True)])
def test_benzodiazepines_are_limited_to_four_weeks(weeks, fired) -> None:
    d = decide(med("alprazolam", "benzodiazepine", continuing=True, use_weeks=weeks), conditions=["anxiety"])
    assert ("benzodiazepine.long_term" in d.rules) is fired
    assert ("benzodiazepine.continued.duration_not_documented" in d.rules) is False


def test_a_benzodiazepine_needs_an_indication() -> None:
    d = decide(med("diazepam", "benzodiazepine", continuing=False), conditions=["sprain_strain"])
    assert d.rules == ["benzodiazepine.indication.not_documented"]
    for condition in ("anxiety", "insomnia", "spasticity"):
        assert decide(med("diazepam", "benzodiazepine", continuing=False), conditions=[condition]).rules == []
    unknown = decide(med("diazepam", "benzodiazepine", continuing=True), conditions=["anxiety"])
    assert unknown.rules == ["benzodiazepine.continued.duration_not_documented"]


# ------------------------------------------------------------------- antidepressants, AEDs, sleep aids


@pytest.mark.parametrize("condition, fired", [
    ("anxiety", True), ("sprain_strain", True), ("radiculopathy", False), ("depression", False), ("chronic_pain", False),
])
def test_antidepressant_indications(condition, fired) -> None:
    d = decide(med("nortriptyline", "antidepressant", continuing=False), conditions=[condition])
    assert ("antidepressant.indication.not_documented" in d.rules) is fired


def test_a_continued_antidepressant_needs_its_effect_documented() -> None:
    request = med("duloxetine", "antidepressant", continuing=True)
    assert decide(request, conditions=["radiculopathy"]).rules == ["antidepressant.continued.response_not_documented"]
    request.update(pain_response="documented", function_response="documented")
    assert decide(request, conditions=["radiculopathy"]).rules == []


@pytest.mark.parametrize("condition, outcome, rule", [
    ("radiculopathy", "Overturned", "aed.neuropathic_pain.first_prescription"),
    ("neuralgia", "Overturned", "aed.neuropathic_pain.first_prescription"),
    ("sprain_strain", "Upheld", "aed.neuropathic_pain.not_documented"),
])
def test_aeds_are_for_neuropathic_pain(condition, outcome, rule) -> None:
    d = decide(med("gabapentin", "anti_epilepsy_drug", continuing=False), conditions=[condition])
    assert (d.outcome, d.rules) == (outcome, [rule])


def test_a_continued_aed_needs_its_response_documented() -> None:
    d = decide(med("pregabalin", "anti_epilepsy_drug", continuing=True, pain_response="documented"),
               conditions=["radiculopathy"])
    assert (d.outcome, d.rules) == ("Upheld", ["aed.continued.response_not_documented"])


def test_sleep_aids_need_insomnia_and_are_encoded_only_for_2016() -> None:
    assert decide(med("zolpidem", "sleep_aid"), conditions=["sprain_strain"]).rules == ["sleep_aid.insomnia.not_documented"]
    assert decide(med("zolpidem", "sleep_aid"), conditions=["insomnia"]).rules == []
    assert decide(med("zolpidem", "sleep_aid", date=DAY_2009), conditions=["sprain_strain"]).outcome is None


# ---------------------------------------------------------------------------------- compound drugs


@pytest.mark.parametrize("failed, fired", [(None, True), (False, True), (True, False)])
def test_a_compounded_kit_comes_after_first_line_drugs(failed, fired) -> None:
    request = med("cyclobenzaprine", "muscle_relaxant", compounded=True, continuing=False, first_line_failed=failed)
    d = decide(request, exam={"muscle_spasm": True})
    assert ("compound.first_line.not_documented" in d.rules) is fired
    assert d.outcome == ("Upheld" if fired else "Overturned")


# ------------------------------------------------------------------------------------------ opioids


def opioid(**extra: Any) -> dict[str, Any]:
    return med("tramadol", "opioid", **extra)


@pytest.mark.parametrize("injury, outcome", [
    ("2016-09-03", "Overturned"),  # 89 days (2.92 months) before the request
    ("2016-08-31", "Upheld"),      # 92 days (3.02 months): chronic-pain criteria apply
])
def test_a_severe_acute_injury_in_its_first_three_months(injury, outcome) -> None:
    d = decide(opioid(continuing=False), claimant={"date_of_injury": injury}, conditions=["fracture"])
    assert d.outcome == outcome
    if outcome == "Overturned":
        assert d.rules == ["opioid.acute.severe_injury"]
        assert any("8 CCR 9792.24.4, section 1.3" in c for c in d.citations)


def test_the_phase_is_counted_to_the_request_not_the_review() -> None:
    request = opioid(continuing=False, date="2016-11-29", judged_on="2017-01-20")
    d = decide(request, claimant={"date_of_injury": "2016-10-18"}, conditions=["fracture"])
    assert d.rules == ["opioid.acute.severe_injury"]


@pytest.mark.parametrize("continuing", [False, None])
def test_an_opioid_without_failed_first_line_treatment(continuing) -> None:
    d = decide(opioid(continuing=continuing), conditions=["sprain_strain"])
    assert "opioid.first_line.not_documented" in d.rules
    assert ("opioid.initiation.monitoring_not_documented" in d.rules) is (continuing is False)


def test_an_opioid_of_unknown_start_with_its_benefit_documented_is_not_judged_as_a_new_trial() -> None:
    d = decide(opioid(pain_response="documented", function_response="documented"), conditions=["sprain_strain"])
    assert d.rules == []  # neither the initiation nor the maintenance criteria are known to apply
    half = decide(opioid(pain_response="documented"), conditions=["sprain_strain"])
    assert half.rules == ["opioid.first_line.not_documented"]


@pytest.mark.parametrize("cures, uds, outcome", [
    (True, True, "Overturned"), (True, None, "Upheld"), (None, True, "Upheld"), (False, True, "Upheld"),
])
def test_an_opioid_trial_needs_cures_and_a_drug_screen(cures, uds, outcome) -> None:
    d = decide(opioid(continuing=False, first_line_failed=True),
               opioid_monitoring={"cures_checked": cures, "urine_drug_screen": uds})
    assert d.outcome == outcome
    assert d.rules == (["opioid.initiation.criteria_met"] if outcome == "Overturned"
                       else ["opioid.initiation.monitoring_not_documented"])


@pytest.mark.parametrize("pain, function, uds, outcome", [
    ("documented", "documented", True, "Overturned"),
    ("documented", None, True, "Upheld"),
    (None, "documented", True, "Upheld"),
    ("documented", "documented", None, "Upheld"),  # no criterion: the default
])
def test_continued_opioids_need_the_four_as(pain, function, uds, outcome) -> None:
    request = opioid(continuing=True)
    request.update({k: v for k, v in (("pain_response", pain), ("function_response", function)) if v})
    d = decide(request, opioid_monitoring={"urine_drug_screen": uds})
    assert d.outcome == outcome
    if pain and function:
        assert "opioid.maintenance.four_as_not_documented" not in d.rules
    else:
        assert d.rules == ["opioid.maintenance.four_as_not_documented"]


def test_aberrant_behaviour_stops_a_continuation() -> None:
    d = decide(opioid(continuing=True, pain_response="documented", function_response="documented"),
               opioid_monitoring={"urine_drug_screen": True, "aberrant_behavior": True})
    assert (d.outcome, d.rules) == ("Upheld", ["opioid.maintenance.aberrant_behavior"])


def test_the_2016_opioid_guideline_is_not_applied_before_its_period() -> None:
    d = decide(opioid(continuing=False, date=DAY_2009))
    assert d.outcome is None and "opioid" in (d.no_prediction or "")
