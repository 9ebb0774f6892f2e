"""The fast PDF path (pdfium) is taken only on files proven intact; a damaged file goes to pypdf,
which reads it or says in one line that it is damaged. PDFs are built here (fpdf2, pypdf's writer)."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Callable

import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from pypdf import PdfReader, PdfWriter

from engine.letters import pdf, pdfcheck
from engine.letters.reader import LetterError, collapse

LINES = [f"Line {i}: a request for acupuncture x {i % 9 + 1}, reviewed and Upheld." for i in range(70)]


def _fpdf(encryption: EncryptionMethod | None = None) -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=11)
    for line in LINES:  # two pages
        doc.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    if encryption is not None:
        doc.set_encryption(owner_password="owner", encryption_method=encryption)
    return bytes(doc.output())


def _pypdf_aes() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_fpdf())))
    writer.encrypt("", "owner", algorithm="AES-128")  # as the DWC publishes: empty user password
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BUILDERS: dict[str, Callable[[], bytes]] = {
    "plain": _fpdf,
    "fpdf AES-128": lambda: _fpdf(EncryptionMethod.AES_128),
    "pypdf AES-128": _pypdf_aes,
}


@pytest.fixture
def pypdf_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every file the slow path is asked to read."""
    calls: list[str] = []
    slow = pdf.pypdf_text

    def spy(data: bytes, source: str) -> str:
        calls.append(source)
        return slow(data, source)

    monkeypatch.setattr(pdf, "pypdf_text", spy)
    return calls


@pytest.mark.parametrize("kind", BUILDERS)
def test_intact_pdf_is_read_by_pdfium_as_pypdf_reads_it(kind: str, pypdf_calls: list[str]) -> None:
    data = BUILDERS[kind]()
    assert pdfcheck.intact(data).pages == 2
    text = pdf.pdf_text(data, "letter.pdf")
    assert pypdf_calls == []
    assert text.count("\f") == 1 and "\x02" not in text and "\r" not in text
    assert collapse(text) == collapse(pdf.pypdf_text(data, "letter.pdf"))


def _content_stream(data: bytes) -> re.Match[bytes]:
    m = re.search(rb"/Length (\d+)\s*>>\s*stream\n", data)
    assert m
    return m


def _truncated_stream(data: bytes) -> bytes:
    m = _content_stream(data)  # ten bytes of the stream gone, its /Length as it was
    return data[:m.end() + 20] + data[m.end() + 30:]


def _bad_length(data: bytes) -> bytes:
    m = _content_stream(data)
    return data[:m.start(1)] + str(int(m.group(1)) - 7).encode() + data[m.end(1):]


def _flipped_byte(data: bytes) -> bytes:
    m = _content_stream(data)  # same length, one byte of the compressed text changed
    at = m.end() + int(m.group(1)) // 2
    return data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1:]


def _moved_object(data: bytes) -> bytes:
    # One space before an object: its offset no longer matches the cross-reference table.
    at = data.index(b"\n3 0 obj") + 1
    return data[:at] + b" " + data[at:]


def _cut_file(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def _renamed_filter(data: bytes) -> bytes:
    # Syntax whole, lengths whole: the stream now reads as unfiltered (pdfium would draw garbage).
    return data.replace(b"/Filter /FlateDecode", b"/Fjlter /FlateDecode", 1)


def _free_reference(data: bytes) -> bytes:
    assert b"/Contents 4 0 R" in data
    return data.replace(b"/Contents 4 0 R", b"/Contents 0 0 R", 1)


DAMAGE = {"truncated stream": _truncated_stream, "bad /Length": _bad_length, "flipped byte": _flipped_byte,
          "moved object": _moved_object, "cut file": _cut_file, "renamed /Filter": _renamed_filter,
          "reference to a free object": _free_reference}


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("kind", ["plain", "fpdf AES-128"])
def test_damaged_pdf_falls_back_to_pypdf(kind: str, damage: str, pypdf_calls: list[str], tmp_path: Path) -> None:
    data = DAMAGE[damage](BUILDERS[kind]())
    with pytest.raises(pdfcheck.NotProven):
        pdfcheck.intact(data)
    source = str(tmp_path / "damaged.pdf")
    try:
        text = pdf.pdf_text(data, source)
    except LetterError as e:
        assert pypdf_calls == [source]
        message = str(e)
        assert message.startswith(f"{source}: PDF ") and "\n" not in message
        assert "Line 1" not in message and "acupuncture" not in message
    else:  # pypdf read it whole
        assert pypdf_calls == [source]
        assert collapse(text) == collapse(pdf.pypdf_text(_fpdf(), source))


def test_page_count_disagreeing_with_the_file_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _fpdf()
    monkeypatch.setattr(pdf, "intact", lambda data: pdfcheck.Evidence(pages=3))
    assert pdf.pdfium_text(data) is None


def test_bounds_still_hold(monkeypatch: pytest.MonkeyPatch, pypdf_calls: list[str]) -> None:
    data = _fpdf()
    monkeypatch.setattr(pdfcheck, "MAX_PDF_INFLATED_BYTES", 100)
    with pytest.raises(pdfcheck.NotProven):
        pdfcheck.intact(data)
    monkeypatch.undo()
    monkeypatch.setattr(pdf, "MAX_PDF_PAGES", 1)
    with pytest.raises(LetterError, match=r"^big\.pdf: PDF has more than 1 pages$"):
        pdf.pdf_text(data, "big.pdf")
    monkeypatch.setattr(pdf, "MAX_PDF_PAGES", 500)
    monkeypatch.setattr(pdf, "MAX_LETTER_CHARS", 100)
    with pytest.raises(LetterError, match=r"^long\.pdf: PDF text is longer than 100 characters$"):
        pdf.pdf_text(data, "long.pdf")


@pytest.mark.parametrize("data", [
    b"", b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj\n<<" * 50, bytes(range(256)) * 8,
    # Long runs cost linear time (a backtracking pattern would take minutes here).
    b"%PDF-1.4\n1 0 obj\n[" + b"1 " * 300_000 + b"0 R]\nendobj\n", b"%PDF-1.4\n1 0 obj\n(" + b"\\(" * 300_000,
    b"%PDF-1.4\n1 0 obj\n[" + b"7" * 300_000 + b"x]\nendobj\n",
])
def test_garbage_is_never_proven(data: bytes) -> None:
    with pytest.raises(pdfcheck.NotProven):
        pdfcheck.intact(data)


def _png_up(rows: list[bytes], kinds: list[int]) -> bytes:
    out, previous = b"", bytes(len(rows[0]))
    for row, kind in zip(rows, kinds):
        out += bytes([kind]) + (bytes((a - b) & 0xFF for a, b in zip(row, previous)) if kind == 2 else row)
        previous = row
    return out


@pytest.mark.parametrize("columns", [1, 4, 5, 8])
def test_xref_rows_undo_png_up_prediction_byte_by_byte(columns: int) -> None:
    import random

    rnd = random.Random(columns)
    rows = [bytes(rnd.randrange(256) for _ in range(columns)) for _ in range(60)]
    rows[1] = b"\xff" * columns  # every byte carries when the next row adds to it
    kinds = [rnd.choice((0, 2)) for _ in rows]
    want = [int.from_bytes(row, "big") for row in rows]
    assert pdfcheck._rows(_png_up(rows, kinds), columns, True) == want
    assert pdfcheck._rows(b"".join(rows), columns, False) == want
    with pytest.raises(pdfcheck.NotProven):
        pdfcheck._rows(_png_up(rows, kinds)[:-1], columns, True)
    with pytest.raises(pdfcheck.NotProven):
        pdfcheck._rows(b"\x01" + bytes(columns), columns, True)  # a predictor other than None or Up


@pytest.mark.parametrize("text", [
    b"<< /A 1 /A 2 >>",  # a key twice
    b"<< (A) 1 >>",  # a key that is not a name
    b"<< /A " * 40 + b"1" + b" >>" * 40,  # nested deeper than the bound
])
def test_malformed_dictionaries_are_not_proven(text: bytes) -> None:
    with pytest.raises(pdfcheck.NotProven):
        pdfcheck._value(text, 0, [1000])


def test_dictionary_keys_count_against_the_token_bound() -> None:
    text = b"<< /A 1 /B 2 >>"
    assert pdfcheck._value(text, 0, [5]) == ({b"A": 1, b"B": 2}, len(text))
    with pytest.raises(pdfcheck.NotProven):
        pdfcheck._value(text, 0, [4])


def test_a_fonts_widths_count_its_codes() -> None:
    widths = pdfcheck._Object(7, 0, 0, [278, 0, 333])
    pdfcheck._widths_counted(32, 34, [278, 0, 333], {})
    pdfcheck._widths_counted(32, 34, pdfcheck.Ref(7, 0), {7: widths})
    pdfcheck._widths_counted(32, 34, pdfcheck.Ref(8, 0), {7: widths})  # compressed: inflate covers it
    for first, last, array in [(32, 35, [278, 0, 333]), (32, 33, [278, 0, 333]), (None, 34, [278, 0, 333]),
                               (32, 34, pdfcheck.Ref(7, 0)), (32, 34, 5)]:
        objects = {7: pdfcheck._Object(7, 0, 0, [278, 0])} if isinstance(array, pdfcheck.Ref) else {}
        with pytest.raises(pdfcheck.NotProven):
            pdfcheck._widths_counted(first, last, array, objects)


def test_compressed_fonts_widths_are_counted_in_their_own_object() -> None:
    content = (b"5 0 6 69 "
               b"<</Type/Font/Subtype/TrueType/FirstChar 32/LastChar 34/Widths 7 0 R>>"
               b"<</Type/Font/Subtype/TrueType/FirstChar 65/LastChar 66/Widths 8 0 R>>")
    first = content.index(b"<<")
    spans = [(first, first + 69), (first + 69, len(content))]
    good = {7: pdfcheck._Object(7, 0, 0, [1, 2, 3]), 8: pdfcheck._Object(8, 0, 0, [4, 5])}
    pdfcheck._compressed_fonts_widths(content, spans, good)
    with pytest.raises(pdfcheck.NotProven):  # one width of the second font lost
        pdfcheck._compressed_fonts_widths(content, spans, {**good, 8: pdfcheck._Object(8, 0, 0, [45])})
