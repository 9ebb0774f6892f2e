"""Dates as letters write them: "11/18/2016", "11-18-16", "2016-11-18", "November 18, 2016"."""
from __future__ import annotations

import datetime as dt
import re

Span = tuple[int, int]

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_NAME = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_MONTH_DATE = re.compile(rf"\b(?P<mon>{_MONTH_NAME})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b", re.I)
_NUMERIC_DATE = re.compile(
    r"(?<![\d/-])(?P<m>\d{1,2})(?P<sep>[/-])(?P<d>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\d/])"
)
_ISO_DATE = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")
DATE_PATTERN = (
    rf"(?:{_MONTH_NAME}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})(?![\d/])|\d{1,2}-\d{1,2}-(?:\d{4}|\d{2})(?![\d/])"
    r"|\d{4}-\d{2}-\d{2})"
)


def find_dates(text: str) -> list[tuple[dt.date, Span]]:
    """Every valid calendar date written in ``text`` (m/d/yy[yy], yyyy-mm-dd, "January 1, 2013")."""
    found: list[tuple[dt.date, Span]] = []
    for m in _MONTH_DATE.finditer(text):
        _add_date(found, int(m.group("year")), _MONTHS[m.group("mon")[:3].lower()], int(m.group("day")), m)
    for m in _ISO_DATE.finditer(text):
        _add_date(found, int(m.group("y")), int(m.group("m")), int(m.group("d")), m)
    for m in _NUMERIC_DATE.finditer(text):
        year = int(m.group("y"))
        if len(m.group("y")) == 2:
            year += 2000 if year <= 49 else 1900
        if not any(s <= m.start() < e for _, (s, e) in found):
            _add_date(found, year, int(m.group("m")), int(m.group("d")), m)
    return sorted(found, key=lambda f: f[1])


def _add_date(found: list[tuple[dt.date, Span]], y: int, m: int, d: int, match: re.Match[str]) -> None:
    try:
        found.append((dt.date(y, m, d), match.span()))
    except ValueError:
        pass  # not a calendar date (13/45/2013, 45/20/25 range-of-motion figures)


def parse_date(text: str) -> dt.date | None:
    dates = find_dates(text)
    return dates[0][0] if dates else None
