"""Running many inputs: expanding paths, loading each one, and accounting for every input.

One bad file is reported (a one-line error) and the rest still run; the result lists every input
with what became of it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .audit import AuditItem
from .decision import CaseDecision, decide_case
from .errors import InputError
from .facts import Case, load_case
from .rulebook import Rulebook

CASE_SUFFIXES = (".yaml", ".yml", ".json")


def default_cases_dir() -> Path:
    """The bundled cases: beside the package in a checkout, inside it in an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "cases", here / "_bundled" / "cases"):
        if candidate.is_dir():
            return candidate
    raise InputError(str(here), "no bundled cases directory found (expected cases/ beside engine/)")


def expand(paths: Iterable[str], suffixes: tuple[str, ...] = CASE_SUFFIXES) -> list[str]:
    """Files named, and the matching files below any directory named (sorted), in order."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            out.extend(sorted(str(f) for f in path.rglob("*") if f.is_file() and f.suffix.lower() in suffixes))
        else:
            out.append(p)
    return out


@dataclass
class Outcome:
    """What became of one input: its decision, or the error that stopped it."""

    source: str
    decision: CaseDecision | None = None
    case: Case | None = None
    error: str | None = None


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]


def load_inputs(path: str) -> list[Case]:
    """The case(s) one input holds."""
    return [load_case(path)]


def run_batch(paths: Iterable[str], book: Rulebook, *, with_rationale: bool = False,
              today: dt.date | None = None) -> Iterable[Outcome]:
    """Decide every case of every input, yielding one Outcome per input as soon as it is done."""
    for path in expand(paths):
        source = "<stdin>" if path == "-" else path
        try:
            cases = load_inputs(path)
        except InputError as e:
            yield Outcome(source=e.source, error=str(e))
            continue
        for case in cases:
            used = case.with_rationale() if with_rationale else case
            yield Outcome(source=source, case=case, decision=decide_case(used, book, source=source, today=today))


def audit_items(case: Case, decision: CaseDecision) -> list[AuditItem]:
    """One audit item per request that carries an actual determination."""
    items = []
    for request, d in zip(case.requests, decision.decisions):
        if request.determination is None:
            continue
        items.append(AuditItem(
            case_id=case.case_id or decision.source, request=request.text, service=d.service,
            cited_guideline=request.determination.guideline, actual=request.determination.outcome.value,
            predicted=d.outcome, rules=d.rules, citations=d.citations,
            rationale=d.rationale if d.outcome is not None else (d.no_prediction or d.rationale),
        ))
    return items
