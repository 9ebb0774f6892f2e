"""The period each cited guideline edition was the MTUS (data: ``engine/data/editions.yaml``).

A letter that states no date of its own is judged in the period of the edition its reviewer cites.
Of several editions cited, the one whose period is shortest says most. The day within the period is
its last day: the latest the cited edition was applied, so that "months since injury" errs long
rather than negative.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import yaml

if TYPE_CHECKING:  # imported where used: `imr check` reads licensed_from() only, no citation
    from engine.cases.citations import Citation


@dataclass(frozen=True)
class Period:
    guideline: str
    edition: str  # "2016", or "cited by page"
    start: dt.date
    end: dt.date

    def words(self) -> str:
        return (f"no date in the letter: judged as of {self.end.isoformat()}, the last day of the period "
                f"in which the cited MTUS {self.guideline} ({self.edition}) applied "
                f"({self.start.isoformat()} to {self.end.isoformat()})")


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load((Path(__file__).parent.parent / "data" / "editions.yaml").read_text(encoding="utf-8"))


def licensed_from() -> dt.date:
    """The first day of the MTUS whose guidelines (the current ACOEM ones) are licensed, not public."""
    return _data()["licensed_from"]


@lru_cache(maxsize=1)
def _periods() -> dict[tuple[str, int | None, bool], Period]:
    out = {}
    for e in _data()["editions"]:
        by_page = bool(e.get("by_page"))
        year = e.get("edition_year")
        edition = "cited by page" if by_page else str(year)
        out[(e["guideline"].lower(), year, by_page)] = Period(e["guideline"], edition, e["from"], e["to"])
    return out


def period_of(citations: Iterable[Citation]) -> Period | None:
    """The period of the cited MTUS editions (the shortest when several are cited), or None."""
    from engine.cases.citations import CitationKind

    periods = _periods()
    found = []
    for c in citations:
        if c.kind is not CitationKind.mtus or not c.guideline:
            continue
        key = (c.guideline.lower(), c.edition_year, c.edition_year is None and c.pages is not None)
        if key in periods:
            found.append(periods[key])
    return min(found, key=lambda p: (p.end - p.start, p.end)) if found else None
