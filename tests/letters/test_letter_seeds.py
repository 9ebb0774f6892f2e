"""The five real letters: sections, reviewer credentials, and exactly their items and outcomes."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.letters.reader import Layout, Letter, collapse, parse_letter, read_letter
from engine.cases.vocab import BodyRegion, Outcome, Service

ACUP_LINE = "Decision based on MTUS Acupuncture Treatment Guidelines."

# key -> [(title, service, outcome, quantity, MAXIMUS guideline line)]
EXPECTED = {
    "000": [("ACUPUNCTURE X 12", Service.acupuncture, Outcome.upheld, 12, ACUP_LINE)],
    "001": [(
        "Acupuncture 1xWk x 6Wks cervical spine and left upper extremity",
        Service.acupuncture, Outcome.upheld, 6, ACUP_LINE,
    )],
    "002": [
        ("ACUPUNCTURE X 12 FOR THE LUMBAR", Service.acupuncture, Outcome.upheld, 12, ACUP_LINE),
        (
            "MASSAGE THERAPY X 12 ON THE LUMBAR", Service.massage_therapy, Outcome.upheld, 12,
            "Decision based on MTUS Chronic Pain Treatment Guidelines : CHRONIC PAIN MEDICAL "
            "TREATMENT GUIDELINES, MASSAGE THERAPY, Page(s): 60.",
        ),
    ],
    "003": [
        (
            "12 sessions of Bio behavioral therapy for the cervical lumbar", Service.psychotherapy,
            Outcome.overturned, 12,
            "Decision based on MTUS Chronic Pain Treatment Guidelines psychological treatment Page(s): 101.",
        ),
        ("12 sessions of acupuncture for the cervical lumbar", Service.acupuncture, Outcome.upheld, 12,
         ACUP_LINE),
    ],
    "004": [
        (
            "Magnetic Resonance Imaging (MRI) Of The Lumbar Spine 10/3/2013 and 11/17/2013",
            Service.mri_lumbar, Outcome.upheld, 1,
            "Decision based on MTUS ACOEM Chapter 12 Low Back Complaints Page(s): 303-304.",
        ),
        (
            "ONE SESSION OF ACUPUNCTURE BETWEEN 10/3/2013 AND 11/17/2013", Service.acupuncture,
            Outcome.upheld, 1,
            "Decision based on MTUS Chronic Pain Treatment Guidelines ACUPUNCTURE MEDICAL TREATMENT "
            "GUIDELINES, pages 8-9 Page(s): 8-9.",
        ),
    ],
}


@pytest.fixture(scope="module")
def letters(seeds: dict[str, Path]) -> dict[str, Letter]:
    return {key: read_letter(str(path)) for key, path in seeds.items()}


def test_eight_items_in_all(letters: dict[str, Letter]) -> None:
    assert sum(len(letter.items) for letter in letters.values()) == 8


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_items_titles_outcomes_quantities_guidelines(letters: dict[str, Letter], key: str) -> None:
    letter = letters[key]
    got = [(i.title, i.service, i.outcome, i.quantity, i.maximus_guideline) for i in letter.items]
    assert got == EXPECTED[key]
    assert [i.number for i in letter.items] == list(range(1, len(letter.items) + 1))


def test_quantity_notations_of_the_seeds(letters: dict[str, Letter]) -> None:
    one = letters["001"].items[0]
    assert (one.quantity, one.frequency_per_week, one.duration_weeks) == (6, 1, 6)
    mri, session = letters["004"].items
    assert mri.quantity == 1 and mri.quantity_implied
    assert session.quantity == 1 and not session.quantity_implied
    assert all(i.frequency_per_week is None for k in ("000", "002", "003") for i in letters[k].items)


def test_item_regions_and_dates(letters: dict[str, Letter]) -> None:
    assert letters["001"].items[0].body_regions == [BodyRegion.cervical_spine, BodyRegion.upper_extremity]
    assert letters["003"].items[0].body_regions == [BodyRegion.lumbar_spine, BodyRegion.cervical_spine]
    assert letters["000"].items[0].body_regions == []
    assert letters["004"].items[1].dates == [dt.date(2013, 10, 3), dt.date(2013, 11, 17)]


def test_claims_administrator_lines_and_rationales(letters: dict[str, Letter]) -> None:
    psych = letters["003"].items[0]
    assert psych.claims_administrator_guideline == (
        "Decision based on MTUS ACOEM Chapter 8 Neck and Upper Back Complaints, Chapter 12 Low Back "
        "Complaints,Acupuncture Treatment Guidelines."
    )
    assert psych.rationale is not None
    assert psych.rationale.startswith("According to the guidelines, psychotherapy is recommended")
    assert psych.rationale.endswith("is appropriate and medically necessary.")
    # The rationale stops where the next item's title begins.
    assert "12 sessions of acupuncture" not in psych.rationale
    massage = letters["002"].items[1]
    assert massage.claims_administrator_guideline is not None
    assert massage.claims_administrator_guideline.endswith("Manual Therapy And Manipulation Page(s): 60.")


def test_sections_and_layout(letters: dict[str, Letter]) -> None:
    for letter in letters.values():
        assert letter.layout is Layout.final_determination
        assert letter.method is not None and letter.summary is not None and letter.issues is not None
        assert letter.summary.text.startswith("The expert reviewer developed the following clinical")
        assert "IMR ISSUES" not in letter.summary.text
        assert letter.issues.heading == "IMR ISSUES, DECISIONS AND RATIONALES"
        assert letter.cover is None and letter.documents_reviewed is None


def test_credentials(letters: dict[str, Letter]) -> None:
    c = {key: letter.credentials for key, letter in letters.items()}
    assert c["000"].licensure_states == ["California"]
    assert c["000"].specialties == ["Acupuncture"] and c["000"].board_certified is False
    assert c["000"].statement == (
        "The expert reviewer is licensed in Acupuncture and is licensed to practice in California."
    )
    assert c["001"].licensure_states == ["Texas", "Ohio", "California"]
    assert c["001"].specialties == ["Preventive Medicine", "Occupational Medicine"]
    assert c["001"].board_certified is None and c["001"].statement is None
    assert c["002"].specialties == ["Chiropractic & Acupuncture"] and c["002"].board_certified is True
    assert c["003"].licensure_states == ["Arizona", "California"] and c["003"].specialties == ["Family Practice"]
    assert c["004"].specialties == ["Physical Medicine & Rehabilitation"]


def test_spans_point_at_the_words(letters: dict[str, Letter]) -> None:
    for letter in letters.values():
        raw = collapse(letter.text)
        for item in letter.items:
            assert letter.quote(item.title_span) == item.title
            heading = letter.quote(item.heading_span)
            assert isinstance(heading, str) and heading.startswith(item.title)
            assert heading.endswith(item.outcome.value)
            assert heading.replace(":  ", ": ") in raw or heading in raw
            for span in (item.maximus_span, item.claims_administrator_span, item.rationale_span):
                assert span is not None
                quote = letter.quote(span)
                assert isinstance(quote, str) and quote in raw


def test_parse_letter_equals_read_letter(seeds: dict[str, Path], letters: dict[str, Letter]) -> None:
    path = seeds["003"]
    parsed = parse_letter(path.read_text(encoding="utf-8"), str(path))
    assert parsed == letters["003"]


def test_repr_does_not_carry_letter_text(letters: dict[str, Letter]) -> None:
    letter = letters["002"]
    assert "Board Certified" not in repr(letter.items[0])
    assert "59 year old" not in repr(letter)
