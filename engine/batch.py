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
from .sources import bundled_dir

CASE_SUFFIXES = (".yaml", ".yml", ".json")
LETTER_SUFFIXES = (".txt", ".pdf")


def default_cases_dir() -> Path:
    return bundled_dir("cases")


def expand(paths: Iterable[str], suffixes: tuple[str, ...] = CASE_SUFFIXES) -> list[str]:
    """Files named, and the matching files below any directory named (sorted), in order."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            # A broken symbolic link is listed too, so that it is reported rather than skipped; a
            # directory with nothing to read stays itself, so that it is reported as such.
            found = sorted(str(f) for f in path.rglob("*") if f.suffix.lower() in suffixes
                           and (f.is_file() or (f.is_symlink() and not f.exists())))
            out.extend(found or [p])
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
    covered_by: str | None = None  # a letter already represented by this case file


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]


def is_letter(path: str) -> bool:
    return Path(path).suffix.lower() in LETTER_SUFFIXES


def load_input(path: str) -> Case:
    """The case an input holds: a case file as written, or the case read from a letter."""
    if is_letter(path):
        from .extract import letter_to_case
        from .intake import read_letter_bounded

        return letter_to_case(read_letter_bounded(path))
    return load_case(path)


def run_batch(paths: Iterable[str], book: Rulebook, *, with_rationale: bool = False,
              today: dt.date | None = None, letters: bool = True, explain: bool = False,
              advise: bool = False) -> Iterable[Outcome]:
    """Decide every input, yielding one Outcome per input as soon as it is done.

    Directories give their case files and (with ``letters``) their letters. A letter that a case
    file of the same run was built from (its ``letter:``) is not decided twice: its Outcome says
    which case file covers it.
    """
    suffixes = CASE_SUFFIXES + (LETTER_SUFFIXES if letters else ())
    files = expand(paths, suffixes)
    loaded: list[tuple[str, Case | None, str | None]] = []
    covered: dict[Path, str] = {}
    for path in files:
        if is_letter(path):
            continue
        try:
            case = load_input(path)
        except InputError as e:
            loaded.append((path, None, str(e)))
            continue
        loaded.append((path, case, None))
        if case.letter and path != "-":
            covered[(Path(path).parent / case.letter).resolve()] = path
    results = iter(loaded)
    for path in files:
        source = "<stdin>" if path == "-" else path
        if is_letter(path):
            if Path(path).resolve() in covered:
                yield Outcome(source=source, covered_by=covered[Path(path).resolve()])
                continue
            try:
                case, error = load_input(path), None
            except InputError as e:
                case, error = None, str(e)
        else:
            _, case, error = next(results)
        if case is None:
            yield Outcome(source=source, error=error)
            continue
        used = case.with_rationale() if with_rationale else case
        decision = decide_case(used, book, source=source, today=today, explain=explain)
        if advise:
            from .advice import advise_case

            advise_case(used, decision, book, today)
        yield Outcome(source=source, case=case, decision=decision)


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
