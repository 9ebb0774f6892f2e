"""Page furniture is removed only where it is furniture: item headings at page edges are kept.

Multi-page PDFs are built here with fpdf2, every page under a running header and over a page-number
footer, with the disputed items placed first and last on their pages. Two titles that differ only in
digits ("ACUPUNCTURE X 12" and "ACUPUNCTURE X 6") look like one running line when digits are ignored.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from pdfs import letterhead

from engine.letters.reader import LetterError, parse_letter, read_letter
from engine.cases.vocab import Outcome

HEADER = "Final Determination Letter for IMR Case Number CM13-0000009"

OPENING = [
    "HOW THE IMR FINAL DETERMINATION WAS MADE",
    "MAXIMUS Federal Services sent the complete case file to an expert reviewer.",
    "CLINICAL CASE SUMMARY",
    "This is a 40 year old male patient with chronic low back pain.",
    "IMR ISSUES, DECISIONS AND RATIONALES",
    "The Final Determination was based on decisions for the disputed items/services set forth below:",
]


def block(title: str, outcome: str = "Upheld") -> list[str]:
    return [
        f"{title}: {outcome}",
        "Claims Administrator guideline: Decision based on MTUS Acupuncture Treatment Guidelines.",
        "MAXIMUS guideline: Decision based on MTUS Acupuncture Treatment Guidelines.",
        "Decision rationale: The guidelines allow a trial of 3-6 sessions; the request exceeds it, "
        "so it is not medically necessary.",
    ]


_Letterhead = letterhead(HEADER)


def paged_pdf(path: Path, pages: list[list[str]]) -> Path:
    """One PDF page per list of lines, each under the running header and over the footer."""
    pdf = _Letterhead()
    pdf.set_auto_page_break(False)
    for lines in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        for line in lines:
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def titles(letter) -> list[tuple[str, Outcome]]:
    return [(i.title, i.outcome) for i in letter.items]


def test_items_whose_titles_differ_only_in_digits_at_page_tops(tmp_path: Path) -> None:
    # The 3-page letter: each item heading is the first line under the running header.
    pages = [OPENING, block("ACUPUNCTURE X 12"), block("ACUPUNCTURE X 6") + block("ACUPUNCTURE X 8", "Overturned")]
    letter = read_letter(str(paged_pdf(tmp_path / "three.pdf", pages)))
    assert titles(letter) == [("ACUPUNCTURE X 12", Outcome.upheld), ("ACUPUNCTURE X 6", Outcome.upheld),
                              ("ACUPUNCTURE X 8", Outcome.overturned)]
    # The real furniture still goes: 3 headers and 3 footers.
    assert HEADER not in letter.body and "Page 2 of" not in letter.body
    assert letter.furniture_lines == 6


def test_items_at_page_bottoms_and_tops_of_a_long_letter(tmp_path: Path) -> None:
    # Every page but the first ends with a heading whose block goes on over the page break, and
    # starts with the rest of the previous block: 40 pages, 40 items, all kept.
    n = 40
    pages = [OPENING + [f"ACUPUNCTURE X {1}: Upheld"]]
    for k in range(2, n + 1):
        pages.append(block("x")[1:] + [f"ACUPUNCTURE X {k}: Upheld"])
    pages.append(block("x")[1:])
    letter = read_letter(str(paged_pdf(tmp_path / "long.pdf", pages)))
    assert [i.title for i in letter.items] == [f"ACUPUNCTURE X {k}" for k in range(1, n + 1)]
    assert all(i.maximus_guideline for i in letter.items)  # block labels at page tops are kept too


def test_necessity_wording_at_page_edges_is_kept() -> None:
    # 2013 wording, as text with form feeds between pages.
    pages = [
        "Notice of Independent Medical Review Determination\nCLINICAL CASE SUMMARY\nA 50 year old.\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n1. Acupuncture x 12 is not medically necessary and appropriate.",
        "Case CM13-1\n2. Acupuncture x 6 is not medically necessary and appropriate.\n"
        "The Claims Administrator based its decision on the MTUS.\nRationale for the Decision: none.",
        "Case CM13-2\n3. Acupuncture x 8 is medically necessary and appropriate.\n"
        "The Claims Administrator based its decision on the MTUS.",
    ]
    letter = parse_letter("\n\f\n".join(pages), "n.txt")
    assert [i.outcome for i in letter.items] == [Outcome.upheld, Outcome.upheld, Outcome.overturned]
    assert "Case CM13-" not in letter.body  # the running line (digits ignored) is still removed


def test_a_running_line_on_too_few_pages_of_a_long_letter_is_not_furniture() -> None:
    # "Guideline note 1" stands at the top of 2 of 8 pages: the letter's own words, kept.
    pages = ["Header\nGuideline note 1\nbody a" if k in (2, 5) else f"Header\nbody {k}" for k in range(8)]
    pages[0] = "Header\nIMR ISSUES, DECISIONS AND RATIONALES\nACUPUNCTURE X 1: Upheld\nDecision rationale: none."
    letter = parse_letter("\n\f\n".join(pages), "r.txt")
    assert letter.body.count("Guideline note") == 2
    assert "Header" not in letter.body


def test_a_damaged_pdf_says_its_text_could_not_be_read(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import re

    good = paged_pdf(tmp_path / "good.pdf", [OPENING, block("ACUPUNCTURE X 12"), block("ACUPUNCTURE X 6")])
    data = bytearray(good.read_bytes())
    starts = [m.end() for m in re.finditer(rb"stream\r?\n", bytes(data))]
    for j in range(starts[1] + 20, starts[1] + 60):  # scramble the middle of the second page
        data[j] ^= 0x55
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(data))
    with pytest.raises(LetterError) as err:
        read_letter(str(bad))
    assert "PDF text could not be read" in str(err.value)
    assert "IMR ISSUES" not in str(err.value)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""  # pypdf's own log lines are kept quiet
