"""Resource bounds on every input, so that no file can exhaust the machine or stall a batch.

The defaults are far above any real case file, rule file or IMR letter (the largest of the 140
published letters is a 100 KB PDF of 9 pages and 4 items) and low enough that the worst input
allowed is read in about a second. Three can be raised by environment variables, read when an input
is read (documented in README.md, "Limits"):

* ``IMR_MAX_FILE_MB``   (default 2)   size of a case file or rule file, in MB (1 MB = 1,000,000 bytes)
* ``IMR_MAX_LETTER_MB`` (default 10)  size of a letter file (PDF or text), in MB
* ``IMR_MAX_ITEMS``     (default 1000) entries in one list of a case or rule file, and
  disputed items in one letter (the letter bound is a tenth of it: 100 by default)

The others are fixed because nothing real comes near them: see the constants below.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

# Nodes of a YAML/JSON document once aliases are expanded: a case file with 1,000 diagnoses has
# about 5,000; the bundled rule files fewer than 2,000 each.
MAX_NODES = 200_000
# Nesting of mappings and lists: the case format is 5 levels deep, rule conditions rarely 6.
MAX_DEPTH = 64
# Alias references (*name) in one YAML document.
MAX_ALIASES = 100
# Digits of an integer: more is never a count, and Python refuses above 4,300 anyway.
MAX_DIGITS = 30
# Characters of a letter's text once read from the PDF or file (real letters: 5,000-40,000), and
# pages of a PDF (real letters: 3-12).
MAX_LETTER_CHARS = 1_000_000
MAX_PDF_PAGES = 500
# Bytes the streams of one PDF may inflate to while it is checked for damage before the fast text
# library reads it (real letters: under 1 MB); a file beyond it is read the slow way, as before.
MAX_PDF_INFLATED_BYTES = 50_000_000


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    letter_bytes: int
    items: int

    @property
    def letter_items(self) -> int:
        return max(1, self.items // 10)


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        from engine.errors import InputError

        raise InputError(name, "expected a positive number (environment variable)")
    return value


def current() -> Limits:
    """The limits in force now (environment variables override the defaults)."""
    return Limits(
        file_bytes=int(_env_number("IMR_MAX_FILE_MB", 2) * 1_000_000),
        letter_bytes=int(_env_number("IMR_MAX_LETTER_MB", 10) * 1_000_000),
        items=int(_env_number("IMR_MAX_ITEMS", 1000)),
    )


def megabytes(n: int) -> str:
    mb = n / 1_000_000
    return f"{mb:g} MB"
