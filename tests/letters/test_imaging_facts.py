"""Facts of imaging and electrodiagnostic requests read from letters (engine.letters.imaging_facts): findings
by region, the studies a title names, the order date. The letters are written here."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.letters.extract import letter_to_case
from engine.cases.facts import Case, dump_case, parse_case
from engine.letters.imaging_facts import studies
from engine.letters.reader import parse_letter


def letter(summary: str, *, title: str = "MRI of the right knee: Upheld") -> Case:
    text = (
        "HOW THE IMR FINAL DETERMINATION WAS MADE\nThe expert reviewer was selected.\n"
        f"CLINICAL CASE SUMMARY\n{summary}\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "The Final Determination was based on decisions for the disputed items/services set forth below:\n"
        f"{title}\nClaims Administrator guideline: Decision based on MTUS.\n"
        "MAXIMUS guideline: Decision based on MTUS Knee Complaints 2004, Section(s): Special Studies.\n"
        "Decision rationale: Not necessary.\n"
    )
    return letter_to_case(parse_letter(text, "cases/imaging.txt"))


def found(case: Case) -> set[tuple[str, str]]:
    return {(f.body_region.value, f.finding.value) for f in case.regional_findings}


def test_knee_findings_with_their_region() -> None:
    case = letter("The worker fell at work. Examination of the right knee showed a 2+ effusion and medial "
                  "joint line tenderness. McMurray's test was positive. He says the knee gives way.")
    assert found(case) == {("knee", "effusion"), ("knee", "derangement_sign"), ("knee", "mechanical_symptoms")}


def test_negated_and_hypothetical_findings_are_not_recorded() -> None:
    case = letter("There was no joint effusion of the left knee. Lachman test was negative. The plan is an "
                  "MRI of the shoulder to rule out a fracture. She denies numbness in the hands.")
    assert found(case) == set()


def test_a_test_names_its_joint() -> None:
    # "arm" is in the test's name; the drop arm test is a test of the shoulder.
    case = letter("The drop arm test was positive on the left.", title="MRI of the left shoulder: Upheld")
    assert found(case) == {("shoulder", "derangement_sign")}


def test_a_red_flag_belongs_to_its_own_clause() -> None:
    case = letter("Diagnoses include a medial meniscus tear of the right knee, and a vertebral fracture.")
    assert ("knee", "red_flag") not in found(case)
    case = letter("Radiographs of the cervical spine showed a fracture at C2.")
    assert found(case) == {("cervical_spine", "red_flag")}


def test_nerve_findings_take_the_region_named_after_them() -> None:
    case = letter("He reports pain in the right knee with numbness and tingling down the left arm. There was "
                  "decreased sensation in the L5 dermatome. Thenar atrophy was seen.",
                  title="EMG of the left upper extremity: Upheld")
    assert found(case) == {("upper_extremity", "paresthesia"), ("lumbar_spine", "nerve_deficit"),
                           ("wrist_hand", "nerve_deficit")}


def test_a_sentence_without_a_region_speaks_of_the_one_before() -> None:
    case = letter("She was examined for pain of the right wrist. There was decreased sensation.")
    assert found(case) == {("wrist_hand", "nerve_deficit")}


def test_guideline_sentences_are_not_findings() -> None:
    case = letter("Guidelines recommend imaging of the knee when there is an effusion or locking.")
    assert found(case) == set()


def test_every_finding_has_its_words() -> None:
    case = letter("Examination of the right knee showed an effusion.")
    assert case.evidence["regional_findings[0]"].quote == "effusion"


@pytest.mark.parametrize("title, expected", [
    ("EMG/NCV of the bilateral lower extremities", ["emg", "ncs"]),
    ("Nerve conduction study of the right upper extremity", ["ncs"]),
    ("Electromyography of the left arm", ["emg"]),
    ("SSEP of the lumbar and lower extremities", ["ssep"]),
    ("Electrodiagnostic studies of the arms", []),
])
def test_studies_named_by_a_title(title: str, expected: list[str]) -> None:
    assert studies(title) == expected


def test_electrodiagnostic_request_carries_its_studies() -> None:
    case = letter("She has numbness of the fingers.", title="EMG/NCS of the right upper extremity: Upheld")
    assert [s.value for s in case.requests[0].studies] == ["emg", "ncs"]


def test_order_date_from_the_request_for_authorization() -> None:
    case = letter("The injury happened on 10/01/2016. A Request for Authorization dated 10/20/2016 was received.")
    assert case.requests[0].ordered_on == dt.date(2016, 10, 20)
    assert case.evidence["requests[0].ordered_on"].quote.startswith("Request for Authorization")


def test_an_order_date_of_another_service_is_not_taken() -> None:
    case = letter("On a 12/01/2016 RFA form, 8 sessions of physical therapy were ordered.",
                  title="EMG of the left upper extremity: Upheld")
    assert case.requests[0].ordered_on is None


def test_case_with_regional_findings_round_trips() -> None:
    case = letter("Examination of the right knee showed an effusion. A Request for Authorization dated "
                  "10/20/2016 was received.")
    assert parse_case(dump_case(case)) == case
