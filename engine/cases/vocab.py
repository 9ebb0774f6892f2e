"""Controlled vocabularies shared by case files and rule files.

A case file and a rule file must speak of the same services, regions and conditions; a value outside
these lists is an input error, not a silent miss. Extend a list here (and in the README) to add one.
"""
from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    def __str__(self) -> str:  # so f-strings and YAML dumps show the plain value
        return self.value


class Service(StrEnum):
    """A requested service, as a disputed IMR item names it."""

    acupuncture = "acupuncture"
    electroacupuncture = "electroacupuncture"
    massage_therapy = "massage_therapy"
    chiropractic = "chiropractic"
    physical_therapy = "physical_therapy"
    occupational_therapy = "occupational_therapy"
    aquatic_therapy = "aquatic_therapy"
    psychotherapy = "psychotherapy"
    biofeedback = "biofeedback"
    mri_lumbar = "mri_lumbar"
    mri_cervical = "mri_cervical"
    functional_restoration_program = "functional_restoration_program"
    tens = "tens"
    epidural_steroid_injection = "epidural_steroid_injection"
    trigger_point_injection = "trigger_point_injection"
    # Added with the service taxonomy (see Category); no rules are encoded for these yet.
    rehabilitation_other = "rehabilitation_other"
    opioid = "opioid"
    nsaid = "nsaid"
    gi_protective = "gi_protective"
    muscle_relaxant = "muscle_relaxant"
    benzodiazepine = "benzodiazepine"
    anti_epilepsy_drug = "anti_epilepsy_drug"
    antidepressant = "antidepressant"
    topical_analgesic = "topical_analgesic"
    sleep_aid = "sleep_aid"
    medication_other = "medication_other"
    mri_other = "mri_other"
    ct_scan = "ct_scan"
    x_ray = "x_ray"
    electrodiagnostic = "electrodiagnostic"
    lab_test = "lab_test"
    functional_capacity_evaluation = "functional_capacity_evaluation"
    diagnostic_other = "diagnostic_other"
    joint_injection = "joint_injection"
    injection_other = "injection_other"
    surgery = "surgery"
    surgical_assistant = "surgical_assistant"
    preoperative_evaluation = "preoperative_evaluation"
    office_visit = "office_visit"
    consultation = "consultation"
    durable_medical_equipment = "durable_medical_equipment"
    psychological_evaluation = "psychological_evaluation"
    inpatient_rehabilitation = "inpatient_rehabilitation"
    program_other = "program_other"
    home_health = "home_health"
    transportation = "transportation"
    other = "other"


class Category(StrEnum):
    """The first level of the service taxonomy: the categories the DWC and the CWCI report IMR by."""

    pharmaceuticals = "pharmaceuticals"
    rehabilitation = "rehabilitation"
    diagnostics = "diagnostics"
    injections = "injections"
    surgery = "surgery"
    evaluation_management = "evaluation_management"
    durable_medical_equipment = "durable_medical_equipment"
    behavioral_health = "behavioral_health"
    programs = "programs"
    home_health = "home_health"
    other = "other"


_CATEGORY_SERVICES: dict[Category, tuple[str, ...]] = {
    Category.pharmaceuticals: (
        "opioid", "nsaid", "gi_protective", "muscle_relaxant", "benzodiazepine", "anti_epilepsy_drug",
        "antidepressant", "topical_analgesic", "sleep_aid", "medication_other"),
    Category.rehabilitation: (
        "acupuncture", "electroacupuncture", "massage_therapy", "chiropractic", "physical_therapy",
        "occupational_therapy", "aquatic_therapy", "tens", "rehabilitation_other"),
    Category.diagnostics: (
        "mri_lumbar", "mri_cervical", "mri_other", "ct_scan", "x_ray", "electrodiagnostic", "lab_test",
        "functional_capacity_evaluation", "diagnostic_other"),
    Category.injections: (
        "epidural_steroid_injection", "trigger_point_injection", "joint_injection", "injection_other"),
    Category.surgery: ("surgery", "surgical_assistant", "preoperative_evaluation"),
    Category.evaluation_management: ("office_visit", "consultation"),
    Category.durable_medical_equipment: ("durable_medical_equipment",),
    Category.behavioral_health: ("psychotherapy", "biofeedback", "psychological_evaluation"),
    Category.programs: ("functional_restoration_program", "inpatient_rehabilitation", "program_other"),
    Category.home_health: ("home_health",),
    Category.other: ("transportation", "other"),
}
SERVICE_CATEGORY: dict[str, Category] = {
    service: category for category, services in _CATEGORY_SERVICES.items() for service in services
}


def category(service: str) -> Category:
    """The category of a service (every Service has one; a test checks it)."""
    return SERVICE_CATEGORY[service]


class DrugClass(StrEnum):
    """The class of a requested medication (the second level under pharmaceuticals, refined)."""

    opioid = "opioid"
    nsaid = "nsaid"
    proton_pump_inhibitor = "proton_pump_inhibitor"
    h2_blocker = "h2_blocker"
    muscle_relaxant = "muscle_relaxant"
    benzodiazepine = "benzodiazepine"
    anti_epilepsy_drug = "anti_epilepsy_drug"
    antidepressant = "antidepressant"
    topical_analgesic = "topical_analgesic"
    compound = "compound"
    sleep_aid = "sleep_aid"
    antiemetic = "antiemetic"
    other = "other"


# Services that share one course: electro-acupuncture is acupuncture with current through the
# needles (8 CCR 9792.24.1(a)(2)), so sessions of either count toward the same trial and extension.
SERVICE_FAMILY: dict[str, str] = {"electroacupuncture": "acupuncture"}


def family(service: str) -> str:
    return SERVICE_FAMILY.get(service, service)


class OtherModality(StrEnum):
    """Treatments of record that are not themselves requested services."""

    home_exercise = "home_exercise"
    medication = "medication"
    injection = "injection"
    surgery = "surgery"
    bracing = "bracing"
    self_care = "self_care"
    work_modification = "work_modification"


MODALITIES: tuple[str, ...] = tuple(s.value for s in Service) + tuple(m.value for m in OtherModality)


class Sex(StrEnum):
    female = "female"
    male = "male"
    unknown = "unknown"


class WorkStatus(StrEnum):
    full_duty = "full_duty"
    modified_duty = "modified_duty"
    off_work = "off_work"
    unknown = "unknown"


class Condition(StrEnum):
    chronic_pain = "chronic_pain"
    radiculopathy = "radiculopathy"
    myalgia = "myalgia"
    myositis = "myositis"
    neuralgia = "neuralgia"
    neuritis = "neuritis"
    crps = "crps"
    myofascial_pain = "myofascial_pain"
    neuropathic_pain = "neuropathic_pain"
    phantom_limb_pain = "phantom_limb_pain"
    spasticity = "spasticity"
    multiple_sclerosis = "multiple_sclerosis"
    sprain_strain = "sprain_strain"
    herniated_disc = "herniated_disc"
    bursitis = "bursitis"
    carpal_tunnel_syndrome = "carpal_tunnel_syndrome"
    depression = "depression"
    anxiety = "anxiety"
    extreme_obesity = "extreme_obesity"
    # Added with the medication rules (indications the medication sections name).
    fracture = "fracture"
    osteoarthritis = "osteoarthritis"
    insomnia = "insomnia"
    de_quervain_tenosynovitis = "de_quervain_tenosynovitis"


class BodyRegion(StrEnum):
    lumbar_spine = "lumbar_spine"
    cervical_spine = "cervical_spine"
    thoracic_spine = "thoracic_spine"
    shoulder = "shoulder"
    elbow = "elbow"
    forearm = "forearm"
    wrist_hand = "wrist_hand"
    upper_extremity = "upper_extremity"
    hip = "hip"
    knee = "knee"
    ankle_foot = "ankle_foot"
    lower_extremity = "lower_extremity"
    head = "head"
    other = "other"


class Improvement(StrEnum):
    """A treatment's documented effect on function (8 CCR 9792.20(f))."""

    documented = "documented"
    none = "none"
    unknown = "unknown"


class AdlChange(StrEnum):
    improved = "improved"
    unchanged = "unchanged"
    worse = "worse"
    unknown = "unknown"


class RestrictionChange(StrEnum):
    reduced = "reduced"
    unchanged = "unchanged"
    increased = "increased"
    unknown = "unknown"


class MedicationChange(StrEnum):
    reduced = "reduced"
    unchanged = "unchanged"
    increased = "increased"
    unknown = "unknown"


class Neurologic(StrEnum):
    intact = "intact"
    equivocal = "equivocal"
    nerve_compromise = "nerve_compromise"
    unknown = "unknown"


class TestResult(StrEnum):
    """A study's bearing on the clinical question (e.g. EMG/NCS or imaging showing nerve compromise)."""

    positive = "positive"
    negative = "negative"
    unknown = "unknown"


class Purpose(StrEnum):
    """Why a course of care is requested (CPMTG pp. 58-60 treat maintenance care differently)."""

    therapeutic = "therapeutic"
    maintenance = "maintenance"
    flare_up = "flare_up"
    unknown = "unknown"


class Acquisition(StrEnum):
    """How a device is requested (CPMTG pp. 114-116: a one-month TENS rental trial comes before purchase)."""

    rental = "rental"
    purchase = "purchase"
    unknown = "unknown"


class InjectionApproach(StrEnum):
    """The route of an epidural steroid injection (CPMTG p. 46 limits levels per session by route)."""

    transforaminal = "transforaminal"
    interlaminar = "interlaminar"
    unknown = "unknown"


class RedFlag(StrEnum):
    cauda_equina = "cauda_equina"
    fracture = "fracture"
    tumor = "tumor"
    infection = "infection"
    progressive_deficit = "progressive_deficit"


class Outcome(StrEnum):
    upheld = "Upheld"
    overturned = "Overturned"


class EvidenceSource(StrEnum):
    """Where in a letter a fact was read: the clinical case summary, the reviewer's rationale, or the
    determination lines (item title, decision, guideline cited)."""

    summary = "summary"
    rationale = "rationale"
    determination = "determination"  # the letter's list of disputed items, decisions and guideline lines


class GiRiskFactor(StrEnum):
    """A risk factor for gastrointestinal events on NSAIDs (CPMTG, NSAIDs, GI symptoms & cardiovascular
    risk): the indication for a proton pump inhibitor, an H2 blocker or a COX-2 selective NSAID.
    Age over 65 is the claimant's age, not a member here."""

    peptic_ulcer_history = "peptic_ulcer_history"
    gi_bleeding_history = "gi_bleeding_history"
    perforation_history = "perforation_history"
    aspirin = "aspirin"
    corticosteroid = "corticosteroid"
    anticoagulant = "anticoagulant"
    high_dose_nsaid = "high_dose_nsaid"
    multiple_nsaids = "multiple_nsaids"


class Equipment(StrEnum):
    """The kind of device a durable medical equipment request names (the kinds the MTUS speaks to)."""

    lumbar_support = "lumbar_support"        # back brace, lumbar support or corset (ACOEM ch. 12)
    heat_cold = "heat_cold"                  # hot or cold packs, pads, wraps for self-application
    cold_therapy_unit = "cold_therapy_unit"  # continuous-flow cryotherapy, cold compression units
    wrist_splint = "wrist_splint"            # wrist or thumb brace or splint (ACOEM ch. 11)
    other = "other"
    unknown = "unknown"


class HomeCare(StrEnum):
    """What a home health request provides (the kinds of service the chronic pain guideline names)."""

    skilled = "skilled"              # a licensed professional's care: nursing, wound care, IV drugs, therapy
    personal_care = "personal_care"  # an aide's help with activities of daily living, transfers
    domestic = "domestic"            # shopping, cleaning, laundry
    unknown = "unknown"


class LabTest(StrEnum):
    """The kind of laboratory test a request names."""

    drug_screen = "drug_screen"  # urine (or other) drug testing
    blood_test = "blood_test"
    other = "other"
    unknown = "unknown"


class RegionalFinding(StrEnum):
    """A finding of the history or examination that concerns one body region (imaging and
    electrodiagnostic criteria of the ACOEM 2004 chapters are judged on the region requested)."""

    red_flag = "red_flag"  # fracture, dislocation, tumor, infection of the region
    effusion = "effusion"  # joint effusion (knee, ankle)
    unable_to_bear_weight = "unable_to_bear_weight"
    mechanical_symptoms = "mechanical_symptoms"  # locking, catching, giving way, instability
    derangement_sign = "derangement_sign"  # a positive test for a tear or instability (McMurray, Lachman, drop arm...)
    nerve_deficit = "nerve_deficit"  # decreased sensation, reflexes or strength, atrophy, in the region
    paresthesia = "paresthesia"  # numbness, tingling, pins and needles, in the region


class ElectrodiagnosticStudy(StrEnum):
    """A study an electrodiagnostic request names."""

    emg = "emg"  # needle electromyography
    ncs = "ncs"  # nerve conduction studies (NCS/NCV)
    ssep = "ssep"  # somatosensory evoked potentials
