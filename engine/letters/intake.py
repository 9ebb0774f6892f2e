"""Reading a letter within the bounds of ``engine.limits``: refused at once when too large.

``engine.letters.reader`` reads a letter's text; this checks, before it does, that the file is a letter
at all (a case file given to `imr parse` is not) and is not too large to read in bounded time, and
after it, that the letter's disputed items are within bounds.
"""
from __future__ import annotations

from pathlib import Path

from engine import limits
from engine.letters.reader import Letter, LetterError, read_letter

CASE_FILE_SUFFIXES = (".yaml", ".yml", ".json")


def read_letter_bounded(path: str) -> Letter:
    """``read_letter``, refusing case files, oversized files and letters with too many items."""
    p = Path(path)
    source = str(p)
    if p.suffix.lower() in CASE_FILE_SUFFIXES:
        raise LetterError(source, f"is a case file ({p.suffix.lower()}), not a letter: letters are .txt or "
                          ".pdf files (a case file is decided by `imr check`)")
    if p.is_symlink() and not p.exists():
        raise LetterError(source, "broken symbolic link (its target does not exist)")
    if p.is_dir():
        raise LetterError(source, "is a directory with no letters in it (*.txt, *.pdf)")
    bounds = limits.current()
    pdf = p.suffix.lower() == ".pdf"
    # A text letter is read in about 4 s per million characters: bound it by its text, a PDF by its
    # bytes (its text is bounded again as it is extracted).
    limit = bounds.letter_bytes if pdf else min(bounds.letter_bytes, limits.MAX_LETTER_CHARS)
    try:
        size = p.stat().st_size
    except OSError:
        size = 0  # read_letter says what is wrong with the path
    if size > limit:
        hint = "raise it with IMR_MAX_LETTER_MB" if pdf or limit == bounds.letter_bytes else "fixed"
        raise LetterError(source, f"letter file is larger than the {limits.megabytes(limit)} limit ({hint})")
    letter = read_letter(path)
    if len(letter.items) > bounds.letter_items:
        raise LetterError(source, f"more than {bounds.letter_items} disputed items (the limit is a tenth of "
                          "IMR_MAX_ITEMS)")
    return letter
