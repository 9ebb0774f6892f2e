"""Reading letters from files: PDFs built here with fpdf2 (one page, many pages with running header
and page numbers), text files, and files that are neither."""
from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from pdfs import letterhead
from fpdf.enums import AccessPermission, EncryptionMethod

from engine.letters.extract import letter_to_case
from engine.letters.reader import LetterError, collapse, read_letter
from engine.cases.vocab import Outcome, Service

HEADER = "Final Determination Letter for IMR Case Number CM13-0000004"


_Letterhead = letterhead(HEADER)


def make_pdf(path: Path, text: str, *, letterhead: bool = True, width: float = 0) -> Path:
    pdf = _Letterhead() if letterhead else FPDF()
    pdf.set_auto_page_break(True, 15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in text.split("\n"):
        if line.strip():
            # multi_cell re-wraps long lines: the PDF's own line breaks fall mid-sentence.
            pdf.multi_cell(width, 5, line.strip(), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_multi_page_pdf_of_a_seed(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    path = make_pdf(tmp_path / "004.pdf", seed_texts["004"])
    letter = read_letter(str(path))
    assert letter.text.count("\f") >= 1  # more than one page
    assert "Page 1 of" in letter.text and "Page 1 of" not in letter.body
    assert HEADER not in letter.body
    assert [(i.service, i.outcome, i.quantity) for i in letter.items] == [
        (Service.mri_lumbar, Outcome.upheld, 1), (Service.acupuncture, Outcome.upheld, 1)
    ]
    assert letter.items[1].maximus_guideline == (
        "Decision based on MTUS Chronic Pain Treatment Guidelines ACUPUNCTURE MEDICAL TREATMENT "
        "GUIDELINES, pages 8-9 Page(s): 8-9."
    )
    case = letter_to_case(letter)
    assert case.case_id == "004" and case.claimant.age == 40
    raw = collapse(letter.text)
    for evidence in case.evidence.values():
        quotes = evidence.quote if isinstance(evidence.quote, list) else [evidence.quote]
        assert all(q in raw for q in quotes)


def test_narrow_pdf_breaks_titles_and_moves_outcomes(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    path = make_pdf(tmp_path / "003.pdf", seed_texts["003"], width=90)
    letter = read_letter(str(path))
    assert [(i.title, i.outcome, i.quantity) for i in letter.items] == [
        ("12 sessions of Bio behavioral therapy for the cervical lumbar", Outcome.overturned, 12),
        ("12 sessions of acupuncture for the cervical lumbar", Outcome.upheld, 12),
    ]


@pytest.mark.parametrize("key", ["000", "001", "002"])
def test_single_column_pdfs_of_the_other_seeds(tmp_path: Path, seed_texts: dict[str, str], key: str) -> None:
    from_text = read_letter_text(tmp_path, seed_texts[key])
    from_pdf = read_letter(str(make_pdf(tmp_path / f"{key}.pdf", seed_texts[key])))
    assert [(i.title, i.outcome, i.quantity, i.maximus_guideline) for i in from_pdf.items] == [
        (i.title, i.outcome, i.quantity, i.maximus_guideline) for i in from_text.items
    ]


def read_letter_text(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "letter.txt"
    path.write_text(text, encoding="utf-8")
    return read_letter(str(path))


def test_text_file_with_windows_line_ends_and_bom(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    path = tmp_path / "000.txt"
    path.write_bytes(b"\xef\xbb\xbf" + seed_texts["000"].replace("\n", "\r\n").encode("utf-8"))
    letter = read_letter(str(path))
    assert [i.title for i in letter.items] == ["ACUPUNCTURE X 12"]


def test_text_file_in_windows_1252(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    path = tmp_path / "000.txt"
    path.write_bytes(seed_texts["000"].replace("patient", "patient\u2019s").encode("cp1252"))
    assert read_letter(str(path)).items[0].quantity == 12


def _error(path: Path) -> str:
    with pytest.raises(LetterError) as e:
        read_letter(str(path))
    return str(e.value)


def test_text_named_pdf(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    path = tmp_path / "letter.pdf"
    path.write_text(seed_texts["000"], encoding="utf-8")
    assert _error(path) == f"{path}: named .pdf but is not a PDF (no %PDF- header)"


def test_empty_files(tmp_path: Path) -> None:
    for name in ("empty.pdf", "empty.txt", "blank.txt"):
        path = tmp_path / name
        path.write_bytes(b"" if name.startswith("empty") else b"  \n\n \t")
        assert _error(path) == f"{path}: empty file"


def test_garbage_files(tmp_path: Path) -> None:
    noise = bytes((i * 7919 + 13) % 256 for i in range(4000))
    path = tmp_path / "noise.txt"
    path.write_bytes(noise)
    assert _error(path) == f"{path}: not a PDF or text file"
    controls = tmp_path / "controls.txt"
    controls.write_bytes(bytes(range(1, 32)) * 20)
    assert _error(controls) == f"{controls}: not a PDF or text file"
    words = tmp_path / "words.txt"
    words.write_text("just some words, nothing like a letter\n", encoding="utf-8")
    assert "no disputed item found" in _error(words)


def test_damaged_pdfs(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    whole = make_pdf(tmp_path / "whole.pdf", seed_texts["000"]).read_bytes()
    header_only = tmp_path / "header.pdf"
    header_only.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    assert "PDF" in _error(header_only)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(whole[: len(whole) // 3])
    message = _error(truncated)
    assert message.startswith(f"{truncated}: ") and "PDF" in message


def test_pdf_without_text(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60)  # a scanned page looks like this to a text extractor
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    assert _error(path) == f"{path}: PDF has no extractable text (a scanned image? run OCR first)"


def _encrypted(path: Path, text: str, **how: object) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in text.split("\n"):
        if line.strip():
            pdf.multi_cell(0, 5, line.strip(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_encryption(owner_password="owner", **how)  # type: ignore[arg-type]
    pdf.output(str(path))
    return path


@pytest.mark.parametrize("method", [EncryptionMethod.AES_128, EncryptionMethod.RC4])
def test_encrypted_with_an_empty_user_password_as_published(
    tmp_path: Path, seed_texts: dict[str, str], method: EncryptionMethod
) -> None:
    # The DWC publishes every letter AES-encrypted with an empty user password and copying disallowed.
    path = _encrypted(tmp_path / "published.pdf", seed_texts["000"], encryption_method=method,
                      permissions=AccessPermission.PRINT_LOW_RES)
    assert b"/Encrypt" in path.read_bytes()
    from_pdf = read_letter(str(path))
    from_text = read_letter_text(tmp_path, seed_texts["000"])
    assert [(i.title, i.outcome) for i in from_pdf.items] == [(i.title, i.outcome) for i in from_text.items]


def test_encrypted_pdf_with_a_password(tmp_path: Path) -> None:
    path = _encrypted(tmp_path / "locked.pdf", "ACUPUNCTURE X 12: Upheld", user_password="user",
                      encryption_method=EncryptionMethod.AES_128)
    assert _error(path) == f"{path}: PDF is protected by a password (cannot be opened without it)"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert _error(tmp_path / "nope.pdf") == f"{tmp_path / 'nope.pdf'}: no such file"
    assert _error(tmp_path) == f"{tmp_path}: is a directory, expected a letter file"
