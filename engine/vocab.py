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
