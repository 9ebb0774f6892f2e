"""The other layouts (synthetic letters, our best reconstruction of their headings) and PDF-text
damage: broken lines, doubled blank lines, page furniture, outcomes on the next line, errors."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.letters.extract import letter_to_case
from engine.letters.reader import Layout, LetterError, collapse, parse_letter
from engine.cases.vocab import Outcome, Service

NOTICE_2013 = """\
Notice of Independent Medical Review Determination

Dated: 12/20/2013

IMR Case Number: CM13-0012345          Date of Injury: 03/15/2011
Claims Number: 0000000                 UR Denial Date: 07/22/2013
Priority: Standard                     Application Received: 08/01/2013
Employee Name: [redacted]
Treatment(s) in Dispute Listed on IMR Application:
acupuncture 2 times a week for 4 weeks for the low back; chiropractic x 6

Dear Mr. [redacted]:

MAXIMUS Federal Services has completed the independent medical review (IMR) in the above workers'
compensation case. This letter provides you with the IMR Final Determination and explains how the
determination was made.

Final Determination: OVERTURN in part.
\f
Final Determination Letter for IMR Case Number CM13-0012345

HOW THE IMR FINAL DETERMINATION WAS MADE

MAXIMUS Federal Services sent the complete case file to an expert reviewer. The expert reviewer is
Board Certified in Physical Medicine and Rehabilitation, has a subspecialty in Pain Medicine and is
licensed to practice in California.

CLINICAL CASE SUMMARY

The expert reviewer developed the following clinical case summary based on a review of the case
file, including all medical records:

The patient is a 47 year old man who injured his low back at work. He has had 8 sessions of
chiropractic treatment. He is working modified duty.

IMR ISSUES, DECISIONS AND RATIONALES

The Final Determination was based on decisions for the disputed items/services set forth below:

1. Acupuncture 2 times a week for 4 weeks for the low back is not medically necessary and
appropriate.

The Claims Administrator based its decision on the MTUS Acupuncture Medical Treatment Guidelines.

The Expert Reviewer based his/her decision on the MTUS Acupuncture Medical Treatment Guidelines.

Rationale for the Decision:

An initial trial is 3 to 6 treatments; eight were requested. The request is not medically
necessary and appropriate.
\f
Final Determination Letter for IMR Case Number CM13-0012345

2. Chiropractic x 6 is medically necessary and appropriate.

The Claims Administrator based its decision on the MTUS Chronic Pain Medical Treatment Guidelines,
which is part of the MTUS.

The Expert Reviewer based his/her decision on the MTUS Chronic Pain Medical Treatment Guidelines,
Manual Therapy and Manipulation, page 58.

Rationale for the Decision:

Manipulation is recommended with functional improvement, which is documented here. The request is
medically necessary and appropriate.
"""

LATER = """\
IMR Case Number: CM16-0004321

HOW THE IMR FINAL DETERMINATION WAS MADE

MAXIMUS Federal Services sent the complete case file to an expert reviewer.

The Expert Reviewer has the following credentials:
State(s) of Licensure: California
Certification(s)/Specialty: Anesthesiology, Pain Medicine

CLINICAL CASE SUMMARY

The injured worker is a 61 year old woman with a date of injury of 04/02/2014. She is off work.
On 03/02/2016 utilization review non-certified acupuncture and electro-acupuncture.

DOCUMENTS REVIEWED

Utilization review determination dated 03/02/2016; progress reports from the treating provider.

IMR DECISION(S) AND RATIONALE(S)

The Final Determination was based on decisions for the disputed items/services set forth below:

Acupuncture 2x3 for the lumbar spine: Overturned

Claims Administrator guideline: Decision based on MTUS Acupuncture Treatment Guidelines.

MAXIMUS guideline: Decision based on MTUS Acupuncture Treatment Guidelines.

Decision rationale: No prior acupuncture is documented; a trial of six is within the guidelines.

Electro-acupuncture twice a week for six weeks for the
cervical spine:

Upheld

Claims Administrator guideline: Decision based on MTUS Acupuncture Treatment Guidelines.

MAXIMUS guideline: Decision based on MTUS Acupuncture Treatment Guidelines.

Decision rationale: Twelve treatments exceed an initial trial.
"""


def test_2013_notice_layout() -> None:
    letter = parse_letter(NOTICE_2013, "notice.txt")
    assert letter.layout is Layout.notice_2013
    assert letter.cover is not None and "UR Denial Date" in letter.cover.text
    first, second = letter.items
    assert first.title == "Acupuncture 2 times a week for 4 weeks for the low back"
    assert first.outcome is Outcome.upheld and first.service is Service.acupuncture
    assert (first.quantity, first.frequency_per_week, first.duration_weeks) == (8, 2, 4)
    assert first.claims_administrator_guideline == "the MTUS Acupuncture Medical Treatment Guidelines."
    assert first.maximus_guideline == "the MTUS Acupuncture Medical Treatment Guidelines."
    assert first.rationale is not None and first.rationale.startswith("An initial trial is 3 to 6")
    assert "Final Determination Letter" not in letter.body  # running page header removed
    assert second.title == "Chiropractic x 6"
    assert second.outcome is Outcome.overturned and second.service is Service.chiropractic
    assert second.quantity == 6
    assert second.maximus_guideline == (
        "the MTUS Chronic Pain Medical Treatment Guidelines, Manual Therapy and Manipulation, page 58."
    )
    creds = letter.credentials
    assert creds.board_certified is True and creds.licensure_states == ["California"]
    assert creds.specialties == ["Physical Medicine and Rehabilitation", "Pain Medicine"]


def test_2013_notice_case_uses_cover_dates() -> None:
    case = letter_to_case(parse_letter(NOTICE_2013, "letters/notice-1.txt"))
    assert case.case_id == "notice-1"
    assert case.claimant.date_of_injury == dt.date(2011, 3, 15)
    assert [r.date for r in case.requests] == [dt.date(2013, 7, 22)] * 2
    assert case.requests[1].determination is not None
    assert case.requests[1].determination.guideline == (
        "MTUS Chronic Pain Medical Treatment Guidelines, Manual Therapy and Manipulation, page 58"
    )
    assert case.requests[1].determination.claims_administrator_guideline == (
        "MTUS Chronic Pain Medical Treatment Guidelines"
    )
    assert case.claimant.sex.value == "male" and case.claimant.age == 47
    assert case.claimant.work_status.value == "modified_duty"
    chiro = next(t for t in case.treatments if t.modality.value == "chiropractic")
    assert chiro.sessions == 8


def test_later_layout() -> None:
    letter = parse_letter(LATER, "later.txt")
    assert letter.layout is Layout.decisions_rationales
    assert letter.documents_reviewed is not None
    assert letter.documents_reviewed.text.startswith("Utilization review determination dated")
    assert letter.issues is not None and letter.issues.heading == "IMR DECISION(S) AND RATIONALE(S)"
    first, second = letter.items
    assert (first.title, first.outcome, first.quantity) == (
        "Acupuncture 2x3 for the lumbar spine", Outcome.overturned, 6)
    # A title broken over two lines, its outcome alone on the line after.
    assert second.title == "Electro-acupuncture twice a week for six weeks for the cervical spine"
    assert second.outcome is Outcome.upheld and second.service is Service.electroacupuncture
    assert (second.quantity, second.frequency_per_week, second.duration_weeks) == (12, 2, 6)
    assert letter.credentials.specialties == ["Anesthesiology", "Pain Medicine"]
    case = letter_to_case(letter)
    assert case.claimant.date_of_injury == dt.date(2014, 4, 2)
    assert case.claimant.sex.value == "female" and case.claimant.work_status.value == "off_work"
    assert [r.date for r in case.requests] == [dt.date(2016, 3, 2)] * 2


def _seed(seed_texts: dict[str, str], key: str) -> str:
    return seed_texts[key]


def test_page_furniture_inside_sections_is_cut_and_quotes_split(seed_texts: dict[str, str]) -> None:
    text = _seed(seed_texts, "002").replace(
        "He is not \n\ncurrently working.", "He is not \n\nPage 2 of 4\n\ncurrently working."
    ).replace(
        "MAXIMUS guideline: Decision based on MTUS Acupuncture Treatment Guidelines.",
        "MAXIMUS guideline: Decision based on MTUS Acupuncture\n\n- 3 -\n\nTreatment Guidelines.",
    )
    assert "Page 2 of 4" in text and "- 3 -" in text
    letter = parse_letter(text, "paged.txt")
    assert "Page 2 of 4" not in letter.body and "- 3 -" not in letter.body
    assert letter.furniture_lines == 2
    assert letter.items[0].maximus_guideline == "Decision based on MTUS Acupuncture Treatment Guidelines."
    case = letter_to_case(letter)
    assert case.claimant.work_status.value == "off_work"
    quote = case.evidence["claimant.work_status"].quote
    assert quote == ["He is not", "currently working."]
    raw = collapse(text)
    assert all(piece in raw for piece in quote)


def test_form_feed_pages_with_running_header_and_footer(seed_texts: dict[str, str]) -> None:
    lines = [line for line in _seed(seed_texts, "004").split("\n") if line.strip()]
    pages = [lines[i:i + 20] for i in range(0, len(lines), 20)]
    text = "\f".join(
        "\n".join(["CM13-0004321 IMR Determination", *page, f"Confidential - page {n + 1}"])
        for n, page in enumerate(pages)
    )
    letter = parse_letter(text, "paged.txt")
    assert "CM13-0004321" not in letter.body and letter.furniture_lines == 2 * len(pages)
    assert "Confidential" not in letter.body
    assert [i.outcome for i in letter.items] == [Outcome.upheld, Outcome.upheld]
    assert letter.items[0].quantity == 1 and letter.items[1].quantity == 1


def test_lines_broken_mid_sentence_and_no_blank_lines(seed_texts: dict[str, str]) -> None:
    # Re-flow every line at 40 columns with single newlines: the same letter must come out.
    text = collapse(_seed(seed_texts, "003"))
    # Headings stay on their own lines, as in a PDF; everything else is re-flowed.
    headings = ("HOW THE IMR FINAL DETERMINATION WAS MADE", "CLINICAL CASE SUMMARY",
                "IMR ISSUES, DECISIONS AND RATIONALES")
    for heading in headings:
        text = text.replace(heading, f"\x00{heading}\x00")
    chunks = [c.strip() for c in text.split("\x00") if c.strip()]
    reflowed = "\n".join(c if c in headings else _reflow(c, 40) for c in chunks)
    # Titles are broken over lines, and run on from the line before and into the line after.
    assert "12 sessions of Bio behavioral therapy for the cervical lumbar" not in reflowed
    assert "set forth below: 12 sessions of Bio" in reflowed
    letter = parse_letter(reflowed, "reflowed.txt")
    assert [(i.title, i.outcome) for i in letter.items] == [
        ("12 sessions of Bio behavioral therapy for the cervical lumbar", Outcome.overturned),
        ("12 sessions of acupuncture for the cervical lumbar", Outcome.upheld),
    ]


def _reflow(text: str, width: int) -> str:
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + len(word) > width:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def test_rationale_and_next_title_run_together_on_one_line(seed_texts: dict[str, str]) -> None:
    text = _seed(seed_texts, "003").replace(
        "medically necessary. \n\n \n\n12 sessions of acupuncture", "medically necessary. 12 sessions of acupuncture"
    )
    assert "necessary. 12 sessions of acupuncture" in text
    letter = parse_letter(text, "merged.txt")
    assert letter.items[1].title == "12 sessions of acupuncture for the cervical lumbar"
    assert letter.items[0].rationale is not None
    assert letter.items[0].rationale.endswith("appropriate and medically necessary.")


def test_heading_running_into_text_on_one_line(seed_texts: dict[str, str]) -> None:
    text = _seed(seed_texts, "000").replace(
        "IMR ISSUES, DECISIONS AND RATIONALES \n\nThe Final",
        "IMR ISSUES, DECISIONS AND RATIONALES The Final",
    )
    letter = parse_letter(text, "inline.txt")
    assert letter.issues is not None and letter.issues.text.startswith("The Final Determination")
    assert [i.title for i in letter.items] == ["ACUPUNCTURE X 12"]


def test_outcome_words_in_other_cases(seed_texts: dict[str, str]) -> None:
    text = _seed(seed_texts, "000").replace("ACUPUNCTURE X 12: Upheld", "ACUPUNCTURE X 12:\nUPHELD")
    assert parse_letter(text, "upper.txt").items[0].outcome is Outcome.upheld


def test_no_issues_heading_but_items_still_found(seed_texts: dict[str, str]) -> None:
    text = _seed(seed_texts, "002").replace("IMR ISSUES, DECISIONS AND RATIONALES", "")
    letter = parse_letter(text, "noheading.txt")
    assert letter.issues is None
    assert [i.title for i in letter.items] == ["ACUPUNCTURE X 12 FOR THE LUMBAR", "MASSAGE THERAPY X 12 ON THE LUMBAR"]


def test_errors_name_the_file_and_what_is_missing(seed_texts: dict[str, str]) -> None:
    with pytest.raises(LetterError) as e:
        parse_letter("Dear claimant, nothing to see here.", "a/b.txt")
    assert str(e.value) == (
        "a/b.txt: no 'IMR ISSUES, DECISIONS AND RATIONALES' section and no disputed item found"
    )
    assert isinstance(e.value, InputError)
    summary_only = _seed(seed_texts, "000").split("IMR ISSUES")[0] + "IMR ISSUES, DECISIONS AND RATIONALES\n"
    with pytest.raises(LetterError, match=r"^c\.txt: no disputed item with an outcome"):
        parse_letter(summary_only, "c.txt")
    with pytest.raises(LetterError, match="empty letter"):
        parse_letter(" \n\n \f ", "d.txt")


def test_unnumbered_necessity_wording_needs_the_guideline_lines() -> None:
    body = (
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "Acupuncture x 6 is not medically necessary and appropriate.\n"
        "The Claims Administrator based its decision on the MTUS.\n"
        "The Expert Reviewer based his/her decision on the MTUS.\n"
        "Rationale for the Decision: The MRI is not medically necessary and appropriate.\n"
    )
    letter = parse_letter(body, "n.txt")
    assert [(i.title, i.outcome) for i in letter.items] == [("Acupuncture x 6", Outcome.upheld)]


def test_source_path_objects_are_not_needed(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    path = tmp_path / "x.txt"
    path.write_text(_seed(seed_texts, "000"), encoding="utf-8")
    assert parse_letter(path.read_text(), str(path)).source == str(path)
