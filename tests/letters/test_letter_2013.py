"""The 2013 layout, from its real structure: a dated notice line, decisions as "N) MAXIMUS ... has
determined the request for X is (not) medically necessary and appropriate." listed twice, "Medical
Qualifications of the Expert Reviewer:", "Case Summary:" after a disclaimer, and per-item blocks
"N) Regarding the request for X:". The letters here are written for the test, not copied."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.cases.citations import CitationKind
from engine.decide.decision import decide_case
from engine.letters.extract import letter_to_case
from engine.letters.reader import Layout, parse_letter
from engine.rules.rulebook import load_rulebook
from engine.cases.vocab import Category, Outcome, Service

NOTICE = """\
Independent Medical Review Final Determination Letter    Notice of Independent Medical Review Determination Dated: 9/26/2013

IMR Case Number: CM13-0099999        Date of Injury: 3/4/2011
Claims Number: [redacted]            UR Denial Date: 7/15/2013
Priority: Standard                   Application Received: 7/30/2013
Employee Name: [redacted]
Provider Name: [redacted]
Treatment(s) in Dispute Listed on IMR Application: physical therapy; MRI of the lumbar spine

Dear [redacted]:

MAXIMUS Federal Services, Inc. has completed the Independent Medical Review (IMR) of the above
workers' compensation case. This letter provides you with the IMR Final Determination and explains
how the determination was made.

Final Determination: OVERTURN in part. This means we decided that some of the disputed items are
medically necessary and appropriate.

1) MAXIMUS Federal Services, Inc. has determined the request for physical therapy 2 times a week
for 6 weeks for the lumbar spine is not medically necessary and appropriate.
2) MAXIMUS Federal Services, Inc. has determined the request for MRI of the lumbar spine is
medically necessary and appropriate.
\f
Final Determination Letter for IMR Case Number CM13-0099999

INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE

The application for Independent Medical Review was received on 7/30/2013. A Utilization Review
(UR) denial was issued on 7/15/2013. The case was assigned to MAXIMUS Federal Services, Inc. for
review on 8/20/2013.

1) MAXIMUS Federal Services, Inc. hasdetermined the request for physical therapy 2 times a week
for 6 weeks for the lumbar spine is notmedically necessary and appropriate.
2) MAXIMUS Federal Services, Inc. has determined the request for MRI of the lumbar spine is
medically necessary and appropriate.

Medical Qualifications of the Expert Reviewer:
The expert reviewer is Board Certified in Physical Medicine and Rehabilitation, has a subspecialty
in Pain Medicine and is licensed to practice in California.

Case Summary:
The summary below is taken from the utilization review decision and the medical records; it may
not include every document in the case file.

The patient is a 44 year old man who hurt his low back lifting boxes at work on 3/4/2011. He has
had 24 sessions of physical therapy without lasting benefit. Straight leg raise is positive on the
left with decreased sensation in the L5 dermatome. He is off work.

1) Regarding the request for physical therapy 2 times a week for 6 weeks for the lumbar spine:

Medical Treatment Guideline(s) used by the Claims Administrator: The Claims Administrator based its
decision on the MTUS Chronic Pain Medical Treatment Guidelines, pages 98-99.

Medical Treatment Guideline(s) used by the Expert Reviewer: The Expert Reviewer based his/her
decision on the MTUS Chronic Pain Medical Treatment Guidelines, Physical Medicine, pages 98-99.

Rationale for the Decision: The patient has had more visits than the guideline allows without
functional improvement. The request is not medically necessary and appropriate.

2) Regarding the request for MRI of the lumbar spine:

Medical Treatment Guideline(s) used by the Claims Administrator: The Claims Administrator based its
decision on the ACOEM guidelines.

Medical Treatment Guideline(s) used by the Expert Reviewer: The Expert Reviewer based his/her
decision on the MTUS ACOEM Chapter 12 Low Back Complaints, pages 303-304.

Rationale for the Decision: Unequivocal findings of nerve compromise on examination. The request
is medically necessary and appropriate.
"""


def test_header_of_the_2013_notice() -> None:
    h = parse_letter(NOTICE, "notice2013.txt").header
    assert h.case_number == "CM13-0099999"
    assert h.decision_date == dt.date(2013, 9, 26)
    assert h.date_of_injury == dt.date(2011, 3, 4)
    assert h.ur_denial_date == dt.date(2013, 7, 15)
    assert h.application_received == dt.date(2013, 7, 30)
    assert h.date_assigned == dt.date(2013, 8, 20)
    assert h.priority == "standard"


def test_items_are_read_once_each_from_the_repeated_list() -> None:
    letter = parse_letter(NOTICE, "notice2013.txt")
    assert letter.layout is Layout.notice_2013
    assert [(i.title, i.outcome, i.service, i.category) for i in letter.items] == [
        ("physical therapy 2 times a week for 6 weeks for the lumbar spine", Outcome.upheld,
         Service.physical_therapy, Category.rehabilitation),
        ("MRI of the lumbar spine", Outcome.overturned, Service.mri_lumbar, Category.diagnostics),
    ]
    pt, mri = letter.items
    assert (pt.quantity, pt.frequency_per_week, pt.duration_weeks) == (12, 2, 6)
    assert pt.rationale is not None and pt.rationale.startswith("The patient has had more visits")
    [cited] = pt.citations
    assert (cited.kind, cited.guideline, cited.edition_year, cited.pages) == (
        CitationKind.mtus, "Chronic Pain Medical Treatment", None, "98-99")
    [cited] = mri.citations
    assert (cited.guideline, cited.pages) == ("Low Back Complaints", "303-304")


def test_reviewer_and_summary_sections() -> None:
    letter = parse_letter(NOTICE, "notice2013.txt")
    assert letter.credentials.board_certified is True
    assert "Physical Medicine and Rehabilitation" in letter.credentials.specialties
    assert letter.credentials.licensure_states == ["California"]
    assert letter.summary is not None and "44 year old man" in letter.summary.text
    case = letter_to_case(letter)
    assert case.claimant.age == 44 and case.claimant.date_of_injury == dt.date(2011, 3, 4)


@pytest.mark.parametrize("lost", ["notmedically necessary", "not medicallynecessary", "not medically necessary"])
def test_lost_spaces_keep_the_outcome(lost: str) -> None:
    text = NOTICE.replace("is notmedically necessary", f"is {lost}").replace(
        "is not medically necessary and appropriate.\n2)", f"is {lost} and appropriate.\n2)")
    assert [i.outcome for i in parse_letter(text, "t.txt").items] == [Outcome.upheld, Outcome.overturned]


def test_every_request_is_judged_as_of_the_decision_date() -> None:
    case = letter_to_case(parse_letter(NOTICE, "notice2013.txt"))
    assert {r.judged_on for r in case.requests} == {dt.date(2013, 9, 26)}
    decision = decide_case(case, load_rulebook())
    for d in decision.decisions:
        assert d.date_used == dt.date(2013, 9, 26) and d.date_basis == "the letter's Decision Date"
