"""Facts read for equipment, home health and laboratory requests, the homebound status, and the
earlier course a request's title implies (engine/letters/equipment_facts.py, engine/letters/course_facts.py). The
letters are written here, in the layout of the real ones; no text of a real letter."""
from __future__ import annotations

import pytest

from engine.letters.extract import letter_to_case
from engine.letters.reader import parse_letter


def case_of(summary: str, *titles: str):
    items = "".join(
        f"{title}: Upheld\nClaims Administrator guideline: Decision based on MTUS.\n"
        "MAXIMUS guideline: Decision based on MTUS.\nDecision rationale: Not necessary.\n"
        for title in titles)
    text = ("HOW THE IMR FINAL DETERMINATION WAS MADE\nThe expert reviewer was selected.\n"
            f"CLINICAL CASE SUMMARY\n{summary}\n"
            "IMR ISSUES, DECISIONS AND RATIONALES\n"
            "The Final Determination was based on decisions for the disputed items/services set forth below:\n"
            f"{items}")
    return letter_to_case(parse_letter(text, "cases/small.txt"))


@pytest.mark.parametrize("title, kind", [
    ("Lumbosacral brace", "lumbar_support"),
    ("LSO back brace for purchase", "lumbar_support"),
    ("Hot/cold pack", "heat_cold"),
    ("Heating pad for the neck", "heat_cold"),
    ("Ice/heat wrap", "heat_cold"),
    ("Cold therapy unit rental for 7 days", "cold_therapy_unit"),
    ("Continuous-flow cryotherapy", "cold_therapy_unit"),
    ("Right thumb spica splint", "wrist_splint"),
    ("Left wrist brace", "wrist_splint"),
    ("Front wheeled walker", "other"),
])
def test_the_kind_of_device(title: str, kind: str) -> None:
    request = case_of("The worker has pain.", title).requests[0]
    assert request.service.value == "durable_medical_equipment"
    assert request.equipment.value == kind


def test_cold_therapy_with_a_surgery_is_the_post_operative_unit() -> None:
    request = case_of("The worker has pain.", "Associated surgical service: Ice pack").requests[0]
    assert request.post_surgical is True
    assert request.equipment.value == "cold_therapy_unit"


@pytest.mark.parametrize("title, care, hours", [
    ("Home health aide 4 hours per day, 3 days a week to help with bathing", "personal_care", 12.0),
    ("Home health nurse visits for dressing changes", "skilled", None),
    ("Home health care 20 hours per week for cleaning and laundry", "domestic", 20.0),
])
def test_home_care_and_hours(title: str, care: str, hours: float | None) -> None:
    request = case_of("The worker had surgery.", title).requests[0]
    assert request.service.value == "home_health"
    assert (request.home_care.value, request.hours_per_week) == (care, hours)


@pytest.mark.parametrize("title, lab", [("Urine drug screen", "drug_screen"), ("Urine toxicology", "drug_screen"),
                                        ("Lab test: CBC", "blood_test")])
def test_the_kind_of_laboratory_test(title: str, lab: str) -> None:
    request = case_of("The worker takes medication.", title).requests[0]
    assert (request.service.value, request.lab.value) == ("lab_test", lab)


@pytest.mark.parametrize("sentence, homebound", [
    ("Since the fall she is homebound and walks with help.", True),
    ("He is confined to his home after the operation.", True),
    ("The injured worker is not homebound and drives to visits.", False),
    ("He may be homebound after the procedure.", None),
    ("He walks daily in the park.", None),
])
def test_homebound(sentence: str, homebound: bool | None) -> None:
    case = case_of(f"The worker had surgery. {sentence}", "Home health aide visits")
    assert case.claimant.homebound is homebound
    if homebound is not None:
        assert case.evidence["claimant.homebound"].quote.startswith(sentence.split()[0])


def test_an_additional_course_implies_an_earlier_one_of_unknown_count() -> None:
    case = case_of("The worker has low back pain.", "Additional physical therapy 2 times a week for 3 weeks")
    assert [(t.modality.value, t.sessions) for t in case.treatments] == [("physical_therapy", None)]
    assert "treatments[0]" in case.evidence
    # a count the summary gives is kept
    case = case_of("She completed 6 sessions of physical therapy.", "Continue physical therapy x 4")
    assert [(t.modality.value, t.sessions) for t in case.treatments] == [("physical_therapy", 6)]
    # a first course is not made an extension
    case = case_of("The worker has low back pain.", "Physical therapy x 6")
    assert case.treatments == []
    # nor is equipment a course
    case = case_of("The worker has low back pain.", "Additional lumbar brace")
    assert case.treatments == []
