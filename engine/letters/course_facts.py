"""Earlier treatment implied by a request's own wording.

A request titled "Additional physical therapy ..." or "Continue acupuncture ..." says that a course
of the same treatment was already given, even when the clinical case summary does not list it. The
case format reads a modality missing from the treatment of record as "not given" (0 sessions), which
would make such a request look like a first course. Here the wording adds the modality with an
unknown number of sessions: earlier treatment on record, count not documented.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from engine.cases import prefilter
from engine.cases.vocab import Category

if TYPE_CHECKING:  # the collector lives in engine.letters.extract, which calls this module
    from engine.letters.extract import _Facts
    from engine.letters.reader import Item

# Courses of treatment counted in sessions (the categories whose earlier sessions the rules count).
_COURSES = {Category.rehabilitation, Category.behavioral_health, Category.programs}
# The title opens with a word that continues a course. "Repeat" is left out: for a course it may be
# the name of a new one ("repeat course"), and it is rare in titles of sessions.
_CONTINUES = prefilter.compile(r"^\s*(?:additional|continued?|continuation\s+of|further|more|extended)\b", re.I)


def continued_courses(f: _Facts, items: list[Item]) -> None:
    """Record the earlier course a request's title implies, when the summary lists none."""
    for item in items:
        if item.category not in _COURSES or not _CONTINUES.match(item.title):
            continue
        if any(t["modality"] == item.service.value for t in f.treatments):
            continue
        f.treatment(item.service, item.title_span)  # sessions not set: unknown
