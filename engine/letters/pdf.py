"""The text of a PDF letter: pdfium when the file is proven intact, pypdf otherwise.

pdfium (pypdfium2) reads a letter's text in about a fifteenth of pypdf's time and gives the same
letter once its line-end hyphen mark is read back as a hyphen and a line break, but it reads a
damaged file without a word. So it is trusted only with a file that ``pdfcheck.intact`` proves
whole and whose page count it agrees with; every other file, and anything pdfium refuses, is read by
pypdf exactly as before, which turns damage, passwords, size and missing text into one-line errors.
"""
from __future__ import annotations

import io
import logging
import threading
import warnings
from contextlib import contextmanager
from typing import Iterator

from engine.letters.pdfcheck import NotProven, intact
from engine.limits import MAX_LETTER_CHARS, MAX_PDF_PAGES

# pdfium is not thread-safe (`imr serve` reads letters on worker threads).
_PDFIUM = threading.Lock()


def pdf_text(data: bytes, source: str) -> str:
    """The letter's text, pages joined by form feeds; LetterError when it cannot be read whole."""
    text = pdfium_text(data)
    return text if text is not None else pypdf_text(data, source)


def pdfium_text(data: bytes) -> str | None:
    """The text by pdfium, or None when the file is not proven intact or pdfium cannot say it all."""
    try:
        evidence = intact(data)
    except NotProven:
        return None
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return None
        try:
            count = len(pdf)
            if count != evidence.pages or not 0 < count <= MAX_PDF_PAGES:
                return None
            pages, chars = [], 0
            for i in range(count):
                page = pdf[i]
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_bounded()
                finally:
                    textpage.close()
                    page.close()
                pages.append(_as_pypdf_breaks(text))
                chars += len(pages[-1])
                if chars > MAX_LETTER_CHARS:
                    return None
        finally:
            pdf.close()
    if not any(page.strip() for page in pages):
        return None
    # A form feed between pages lets the cleaner find repeated page headers and footers.
    return "\n\f\n".join(pages)


def _as_pypdf_breaks(text: str) -> str:
    # pdfium marks a word broken at a line end with \x02 (U+FFFE from other calls) where pypdf keeps
    # the hyphen and the break; str.replace is several times faster than str.translate here.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x02" in text or "\ufffe" in text:
        text = text.replace("\x02", "-\n").replace("\ufffe", "-\n")
    return text


class _PdfLog(logging.Handler):
    """Keeps pypdf's log records (it logs damage and goes on) instead of letting them print."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _quiet_pypdf() -> Iterator[_PdfLog]:
    """pypdf's own log lines and warnings must not reach standard error before our one line."""
    log = logging.getLogger("pypdf")
    handler = _PdfLog()
    saved = (log.handlers[:], log.propagate, log.level)
    log.handlers, log.propagate = [handler], False
    log.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield handler
    finally:
        log.handlers, log.propagate = saved[0], saved[1]
        log.setLevel(saved[2])


def pypdf_text(data: bytes, source: str) -> str:
    """The text by pypdf; every way the file falls short is a one-line LetterError."""
    from pypdf import PdfReader

    from engine.letters.reader import LetterError  # here: reader imports this module

    # pypdf raises many kinds of errors on damaged files; each means "cannot read this PDF".
    with _quiet_pypdf() as log:
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except Exception:
                    opened = 0
                if not opened:
                    raise LetterError(source, "PDF is protected by a password (cannot be opened without it)")
            if len(reader.pages) > MAX_PDF_PAGES:
                raise LetterError(source, f"PDF has more than {MAX_PDF_PAGES} pages")
            pages, chars = [], 0
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                chars += len(pages[-1])
                if chars > MAX_LETTER_CHARS:
                    raise LetterError(source, f"PDF text is longer than {MAX_LETTER_CHARS:,} characters")
        except LetterError:
            raise
        except Exception as e:
            if type(e).__name__ == "DependencyError":  # pypdf's name for "cryptography is not installed"
                raise LetterError(source, "PDF is AES-encrypted and the 'cryptography' package that "
                                  "decrypts it is not installed (pip install cryptography)") from None
            raise LetterError(source, f"PDF text could not be read: the file is damaged ({type(e).__name__})") from None
    # A damaged page or content stream loses text (items!) without an exception: pypdf only logs it
    # and goes on. None of the 140 published letters makes it log anything.
    if any(r.levelno >= logging.WARNING for r in log.records):
        raise LetterError(source, "PDF text could not be read completely: the file is damaged "
                          "(a page or content stream is broken)")
    if not any(page.strip() for page in pages):
        raise LetterError(source, "PDF has no extractable text (a scanned image? run OCR first)")
    return "\n\f\n".join(pages)
