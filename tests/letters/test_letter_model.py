"""The letter model from the header down, on letters written here in the published layout: header
table (with PDF line breaks), citations, partial approvals, the taxonomy, the judged date."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.cases.citations import CitationKind, parse_citations
from engine.decide.decision import decide_case
from engine.cases.document import fact_document
from engine.letters.extract import AUTHORIZED_PART, letter_to_case
from engine.letters.reader import parse_letter
from engine.rules.rulebook import load_rulebook
from engine.cases.vocab import Category, DrugClass, Outcome, Service

HEADER = """\
Case Number: CM16-0999999
Date Assigned: 12/07/2016 Date of Injury:  10/23/2014
Decision Date: 01/10/2017 UR Denial Date:  11/30/2016
Priority:  Standard Application
Received:
12/01/2016
"""

BODY = """\
HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer.

The Expert Reviewer has the following credentials:
State(s) of Licensure: California, Nevada
Certification(s)/Specialty: Physical Medicine & Rehabilitation

CLINICAL CASE SUMMARY
The expert reviewer developed the following clinical case summary based on a review of the
case file, including all medical records:

This 50-year-old woman hurt her low back at work. She has had physical therapy. She takes Norco
and anti-inflammatory medications.

IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:

Chiropractic manipulation times 12 was the original request. Chiropractic manipulation times 6
was authorized by the Claims Administrator. The remaining IMR eligible portion of the original
request, Chiropractic manipulation times 6 is: Upheld

Claims Administrator guideline: The Claims Administrator did not cite any medical evidence for its
decision.

MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Manual
therapy & manipulation.

Decision rationale: Six visits were authorized for a trial; the rest is not supported yet.

Tramadol 50mg #60: Overturned

Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.

MAXIMUS guideline: Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3.9 Opioids for
Chronic Pain and Chronic Opioid Treatment: Maintenance. Decision based on Non-MTUS Citation Official
Disability Guidelines (ODG), Pain Chapter, Opioids.

Decision rationale: Function and pain are documented as improved on the medication.
"""


def test_header_table_with_broken_lines() -> None:
    h = parse_letter(HEADER + BODY, "h.txt").header
    assert (h.case_number, h.date_assigned, h.date_of_injury, h.decision_date, h.ur_denial_date,
            h.application_received, h.priority) == (
        "CM16-0999999", dt.date(2016, 12, 7), dt.date(2014, 10, 23), dt.date(2017, 1, 10),
        dt.date(2016, 11, 30), dt.date(2016, 12, 1), "standard")
    start, end = h.spans["decision_date"]
    assert parse_letter(HEADER + BODY, "h.txt").body[start:end] == "01/10/2017"


def test_reviewer_credentials() -> None:
    c = parse_letter(HEADER + BODY, "h.txt").credentials
    assert c.licensure_states == ["California", "Nevada"]
    assert c.specialties == ["Physical Medicine & Rehabilitation"]


def test_partial_approval_is_the_disputed_remainder() -> None:
    chiro, tramadol = parse_letter(HEADER + BODY, "h.txt").items
    assert chiro.title == "Chiropractic manipulation times 6"
    assert chiro.original_request == "Chiropractic manipulation times 12"
    assert chiro.authorized == "Chiropractic manipulation times 6"
    assert (chiro.quantity, chiro.authorized_quantity, chiro.outcome) == (6, 6, Outcome.upheld)
    assert chiro.citations[0].sections == ["Manual therapy & manipulation"]
    assert (tramadol.service, tramadol.category, tramadol.drug, tramadol.drug_class) == (
        Service.opioid, Category.pharmaceuticals, "tramadol", DrugClass.opioid)


def test_authorized_sessions_count_as_earlier_treatment() -> None:
    case = letter_to_case(parse_letter(HEADER + BODY, "h.txt"))
    [course] = [t for t in case.treatments if t.modality.value == "chiropractic"]
    assert (course.sessions, course.approved, course.notes) == (6, 6, AUTHORIZED_PART)
    doc = fact_document(case, case.requests[0], dt.date(2017, 1, 10))
    assert doc["request"]["prior_sessions"] == 6 and doc["request"]["total_with_prior"] == 12


def test_summary_medications_by_name_and_by_class() -> None:
    case = letter_to_case(parse_letter(HEADER + BODY, "h.txt"))
    assert [(m.name, m.opioid) for m in case.medications] == [("Norco", True), ("nsaid", False)]


def test_requests_are_judged_as_of_the_decision_date() -> None:
    case = letter_to_case(parse_letter(HEADER + BODY, "h.txt"))
    assert {(r.judged_on, r.judged_basis) for r in case.requests} == {
        (dt.date(2017, 1, 10), "the letter's Decision Date")}
    doc = fact_document(case, case.requests[0], case.requests[0].judged_on)
    assert doc["request"]["months_since_injury"] == pytest.approx(26.6, abs=0.1)
    decision = decide_case(case, load_rulebook())
    assert all(d.date_used == dt.date(2017, 1, 10) for d in decision.decisions)


def test_an_undated_letter_is_judged_in_the_period_of_the_cited_edition() -> None:
    text = BODY.replace("This 50-year-old woman", "This 50-year-old woman, injured on 10/23/2014,")
    case = letter_to_case(parse_letter(text, "undated.txt"))
    chiro = case.requests[0]
    assert chiro.date is None and chiro.judged_on == dt.date(2017, 11, 30)
    assert "Chronic Pain Medical Treatment (2016)" in (chiro.judged_basis or "")
    d = decide_case(case, load_rulebook(), today=dt.date(2014, 1, 1)).decisions[0]
    assert d.date_used == dt.date(2017, 11, 30) and "last day of the period" in (d.date_basis or "")


def test_months_since_are_counted_to_the_judged_day_not_the_request_date() -> None:
    # An undated request judged as of --today: months since injury come from that day.
    case = letter_to_case(parse_letter(HEADER.replace("Decision Date: 01/10/2017", "") + BODY, "x.txt"))
    request = case.requests[0].model_copy(update={"judged_on": None, "date": None})
    assert fact_document(case, request)["request"]["months_since_injury"] is None
    doc = fact_document(case, request, dt.date(2014, 12, 23))
    assert doc["request"]["months_since_injury"] == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize("line,expected", [
    ("Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies, Summary.",
     [("mtus", "Low Back Complaints", 2004, ["Special Studies", "Summary"], None, None)]),
    ("Decision based on MTUS Acupuncture Treatment 2007, and Chronic Pain Medical Treatment 2016, "
     "Section(s): Topical analgesics.",
     [("mtus", "Acupuncture Treatment", 2007, [], None, None),
      ("mtus", "Chronic Pain Medical Treatment", 2016, ["Topical analgesics"], None, None)]),
    ("Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): TENS, chronic pain "
     "(transcutaneous electrical nerve stimulation).",
     [("mtus", "Chronic Pain Medical Treatment", 2016,
       ["TENS, chronic pain (transcutaneous electrical nerve stimulation)"], None, None)]),
    ("The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines. "
     "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Knee & Leg, MRIs.",
     [("non_mtus", "ODG", None, [], "Knee & Leg", "MRIs")]),
    ("The Expert Reviewer did not cite any medical evidence for its decision.",
     [("none", None, None, [], None, None)]),
    ("Decision based on MTUS Chronic Pain Treatment Guidelines massage therapy Page(s): 60.",
     [("mtus", "Chronic Pain Medical Treatment", None, ["massage therapy"], None, None)]),
    (None, []),
])
def test_guideline_lines(line: str | None, expected: list[tuple]) -> None:  # type: ignore[type-arg]
    got = [(c.kind.value, c.guideline, c.edition_year, c.sections, c.chapter, c.topic)
           for c in parse_citations(line)]
    assert got == expected


def test_pages_are_kept_for_the_2009_guidelines() -> None:
    [c] = parse_citations("Decision based on MTUS Chronic Pain Treatment Guidelines Page(s): 98-99.")
    assert (c.kind, c.pages, c.edition_year) == (CitationKind.mtus, "98-99", None)
