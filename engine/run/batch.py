"""Running many inputs: expanding paths, deciding each input in isolation, streaming the results.

Each input is read, validated and decided on its own: whatever it raises becomes that input's one-line
error (naming the file, never a value from it) and the batch goes on. Results come out in input
order, one ``Outcome`` per input, as each is decided: nothing is loaded ahead, so the first result
appears after the first input and memory does not grow with the number of inputs. ``jobs > 1`` decides
in worker processes (``engine.run.parallel``) with the same results in the same order.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import yaml

from engine.decide.decision import CaseDecision, decide_case
from engine.errors import EvaluationError, InputError
from engine.cases.facts import Case, load_case
from engine.rules.rulebook import Rulebook
from engine.cases.sources import bundled_dir

CASE_SUFFIXES = (".yaml", ".yml", ".json")
LETTER_SUFFIXES = (".txt", ".pdf")
# Starting worker processes costs more than it saves on a handful of inputs.
MIN_PARALLEL_INPUTS = 8


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
    engine_error: bool = False  # the error came from the rule engine, not from the input
    digest: str | None = None  # sha256 of the input's bytes, when asked for
    skipped: bool = False  # already decided (a resumed run): not decided again
    case_id: str | None = None
    entries: list[Any] | None = None  # audit mode: the input's audit entries (engine.reports.consistency.AuditEntry)


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]


@dataclass(frozen=True)
class Options:
    """How each input is decided; sent as is to worker processes, so plain and picklable."""

    with_rationale: bool = False
    today: dt.date | None = None
    explain: bool = False
    advise: bool = False
    audit: bool = False  # return audit entries instead of the case and its decision


def is_letter(path: str) -> bool:
    return Path(path).suffix.lower() in LETTER_SUFFIXES


def load_input(path: str) -> Case:
    """The case an input holds: a case file as written, or the case read from a letter."""
    if is_letter(path):
        from engine.letters.extract import letter_to_case
        from engine.letters.intake import read_letter_bounded

        return letter_to_case(read_letter_bounded(path))
    return load_case(path)


def display_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def digest_of(path: str) -> str | None:
    """sha256 of a file's bytes; None for standard input or an unreadable file (its load reports why)."""
    if path == "-":
        return None
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def decide_input(path: str, book: Rulebook, options: Options) -> Outcome:
    """Load, validate and decide one input; anything it raises becomes its one-line error.

    KeyboardInterrupt and SystemExit are not caught: they stop the batch.
    """
    source = display_name(path)
    try:
        case = load_input(path)
    except InputError as e:
        return Outcome(source=source, error=str(e))
    except RecursionError:
        return Outcome(source=source, error=f"{source}: nested too deeply to read")
    except MemoryError:
        return Outcome(source=source, error=f"{source}: too large to read in the memory available")
    except Exception as e:  # noqa: BLE001 - one input must never stop the batch
        return Outcome(source=source, error=f"{source}: could not be read ({type(e).__name__})")
    used = case.with_rationale() if options.with_rationale else case
    try:
        decision = decide_case(used, book, source=source, today=options.today, explain=options.explain)
        if options.advise:
            from engine.decide.advice import advise_case

            advise_case(used, decision, book, options.today)
        if options.audit:
            from engine.reports.consistency import audit_entries

            entries = audit_entries(case, used, decision, book, options.today)
            return Outcome(source=source, case_id=case.case_id, entries=entries)
    except EvaluationError as e:
        # The engine's message may quote the fact it rejected; keep only what failed, never a value.
        return Outcome(source=source, engine_error=True,
                       error=f"{source}: rule engine error: {str(e).split(': ')[0]}")
    except RecursionError:
        return Outcome(source=source, error=f"{source}: nested too deeply to decide")
    except Exception as e:  # noqa: BLE001
        return Outcome(source=source, engine_error=True,
                       error=f"{source}: could not be decided ({type(e).__name__})")
    return Outcome(source=source, case=case, case_id=case.case_id, decision=decision)


# A case file's top-level `letter:` entry, read without parsing the file (see covered_letters).
_LETTER_YAML = re.compile(r"^letter:[ \t]*(\S.*?)[ \t]*$", re.M)
_LETTER_JSON = re.compile(r'"letter"\s*:\s*("(?:[^"\\\n]|\\.)*")')


def letter_named(path: str) -> str | None:
    """The `letter:` a case file names, found by a cheap scan of its text (no YAML parsing).

    Only a plain top-level ``letter: name`` (YAML, as ``imr parse -o`` writes it) or ``"letter":
    "name"`` (JSON) is recognised; anything else is not a cover, so its letter is decided on its own.
    """
    try:
        with open(path, "rb") as f:
            text = f.read(1 << 20).decode("utf-8", errors="replace")
    except OSError:
        return None
    m = _LETTER_JSON.search(text) if text.lstrip().startswith("{") else _LETTER_YAML.search(text)
    if m is None:
        return None
    raw = m.group(1)
    try:
        if raw.startswith('"') and raw.endswith('"') and text.lstrip().startswith("{"):
            value = json.loads(raw)
        else:
            value = yaml.safe_load(raw)
    except (ValueError, yaml.YAMLError):
        return None
    return value if isinstance(value, str) and value else None


def covered_letters(files: list[str]) -> dict[Path, str]:
    """Letter path -> the case file of this run that was built from it (its ``letter:``).

    Scans case files only when the run holds letters too: a run of case files only, or of letters
    only, reads nothing ahead. A case file that names a letter covers it even when the case file
    itself then fails to load: that input's error is reported, and the letter is not decided twice.
    """
    if not any(is_letter(p) for p in files) or all(is_letter(p) or p == "-" for p in files):
        return {}
    covered: dict[Path, str] = {}
    for path in files:
        if is_letter(path) or path == "-":
            continue
        name = letter_named(path)
        if name:
            covered.setdefault((Path(path).parent / name).resolve(), path)
    return covered


Skip = Callable[[str, "str | None"], bool]


def _plan(files: list[str], covered: dict[Path, str], digests: bool, skip: Skip | None) -> Iterator[tuple[str, Outcome | None]]:
    """Each input with its outcome when it needs no deciding (covered or skipped), else None."""
    for path in files:
        source = display_name(path)
        digest = digest_of(path) if digests else None
        if covered and is_letter(path):
            cover = covered.get(Path(path).resolve())
            if cover is not None:
                yield path, Outcome(source=source, covered_by=cover, digest=digest)
                continue
        if skip is not None and skip(source, digest):
            yield path, Outcome(source=source, digest=digest, skipped=True)
            continue
        yield path, Outcome(source=source, digest=digest) if digests else None


def run_batch(paths: Iterable[str], book: Rulebook, *, with_rationale: bool = False,
              today: dt.date | None = None, letters: bool = True, explain: bool = False,
              advise: bool = False, audit: bool = False, jobs: int = 1,
              rules: list[str] | None = None, digests: bool = False, skip: Skip | None = None,
              expanded: bool = False) -> Iterator[Outcome]:
    """Decide every input, yielding one Outcome per input, in input order, as soon as it is done.

    Directories give their case files and (with ``letters``) their letters. A letter that a case
    file of the same run was built from (its ``letter:``) is not decided twice: its Outcome says
    which case file covers it. ``skip(source, digest)`` true means the input is already decided
    (a resumed run): its Outcome is ``skipped``. ``jobs > 1`` decides in that many processes, each
    of which loads the rulebook once (from ``rules``, the same paths ``book`` was loaded from).
    """
    suffixes = CASE_SUFFIXES + (LETTER_SUFFIXES if letters else ())
    files = list(paths) if expanded else expand(paths, suffixes)
    options = Options(with_rationale=with_rationale, today=today, explain=explain, advise=advise, audit=audit)
    plan = _plan(files, covered_letters(files), digests, skip)
    if jobs > 1 and len(files) >= MIN_PARALLEL_INPUTS and "-" not in files:
        from engine.run.parallel import decide_parallel

        yield from decide_parallel(plan, book, options, jobs, rules)
        return
    for path, ready in plan:
        if ready is not None and (ready.covered_by or ready.skipped):
            yield ready
            continue
        outcome = decide_input(path, book, options)
        if ready is not None:
            outcome.digest = ready.digest
        yield outcome
