"""The results file of an audit run (``imr audit --out FILE``): one JSON line per input, resumable.

Each line is an ``InputRecord``: the input's name, the sha256 of its bytes, the version of the rule
set and settings it was decided with, and what became of it (its audit entries, its error, or the
case file that covers it). A line is written with one ``write`` and flushed, so a run that is
killed leaves at most one partly written last line.

Resuming (``--resume``) reads the file, drops a partly written last line (and any line that is not a
whole record), and skips every input whose name, content hash and version match a record: a changed
letter, a changed rule file or other settings are decided again. Records are appended in input
order; if the file then holds records of inputs no longer in the run, stale versions, or records
out of order, it is rewritten (to a temporary file, then renamed) in input order at the end.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine import __version__
from engine.reports.consistency import AuditEntry
from engine.errors import InputError
from engine.rules.rulebook import rule_files


class InputRecord(BaseModel):
    """What became of one input of an audit run."""

    model_config = ConfigDict(extra="ignore")

    source: str
    sha256: str | None = Field(None, description="of the input's bytes; None for standard input")
    version: str = Field(description="rule files' content, engine version and settings, hashed")
    status: Literal["decided", "error", "covered"]
    case_id: str | None = None
    items: list[AuditEntry] = Field(default_factory=list)
    error: str | None = None
    covered_by: str | None = None

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.source, self.sha256, self.version)


def rules_version(paths: Iterable[str | Path] | None = None) -> str:
    """A hash of the rule files' names and bytes and of the engine version: changes with any rule."""
    h = hashlib.sha256(f"imr-engine {__version__}\n".encode())
    for path in rule_files(paths):
        h.update(path.name.encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
        h.update(b"\0")
    return h.hexdigest()[:16]


def run_version(rules: str, *, with_rationale: bool, today: dt.date) -> str:
    """The version a record is valid for: the rules, and the settings that change a decision."""
    settings = json.dumps({"rules": rules, "with_rationale": with_rationale, "today": today.isoformat()})
    return hashlib.sha256(settings.encode()).hexdigest()[:16]


def read_records(path: str | Path) -> Iterator[InputRecord]:
    """Every whole record of a results file, in file order (a partial or damaged line is skipped)."""
    for _, _, record in _scan(Path(path)):
        if record is not None:
            yield record


def _scan(path: Path) -> Iterator[tuple[int, bytes, InputRecord | None]]:
    with open(path, "rb") as f:
        offset = 0
        for line in f:
            record = None
            if line.endswith(b"\n"):
                try:
                    record = InputRecord.model_validate_json(line)
                except (ValidationError, ValueError):
                    record = None
            yield offset, line, record
            offset += len(line)


class ResultsFile:
    """Appends records to a results file; with ``resume``, knows what the file already holds."""

    def __init__(self, path: str | Path, resume: bool = False):
        self.path = Path(path)
        self.index: dict[tuple[str, str | None, str], tuple[int, int]] = {}  # key -> (offset, length)
        self.order: list[tuple[str, str | None, str] | None] = []  # file order, None: a bad line
        self.wanted: list[tuple[str, str | None, str]] = []  # input order of this run
        try:
            if resume and self.path.exists():
                self._read_existing()
                self._file = open(self.path, "ab")
            else:
                self._file = open(self.path, "wb")
        except OSError as e:
            raise InputError(str(self.path), f"cannot write the results file: {e.strerror}") from None

    def _read_existing(self) -> None:
        end = 0
        for offset, line, record in _scan(self.path):
            if not line.endswith(b"\n"):
                break  # a partly written last line: drop it, its input is decided again
            end = offset + len(line)
            if record is None:
                self.order.append(None)
                continue
            if record.status != "error":  # an input that failed is tried again
                self.index.setdefault(record.key, (offset, len(line)))
            self.order.append(record.key)
        if end != self.path.stat().st_size:
            with open(self.path, "r+b") as f:
                f.truncate(end)

    def has(self, key: tuple[str, str | None, str]) -> bool:
        return key in self.index

    def expect(self, key: tuple[str, str | None, str]) -> None:
        """Note the next input of the run, in order (decided now or already in the file)."""
        self.wanted.append(key)

    def write(self, record: InputRecord) -> None:
        line = record.model_dump_json(exclude_none=False).encode() + b"\n"
        offset = self._file.tell()
        self._file.write(line)
        self._file.flush()
        self.index.setdefault(record.key, (offset, len(line)))
        self.order.append(record.key)

    def record(self, key: tuple[str, str | None, str]) -> InputRecord:
        offset, length = self.index[key]
        with open(self.path, "rb") as f:
            f.seek(offset)
            return InputRecord.model_validate_json(f.read(length))

    def close(self, complete: bool = True) -> None:
        """Close; when the run went through every input, leave the file in input order, nothing stale."""
        self._file.close()
        if complete and self.order != self.wanted:
            self._rewrite()

    def _rewrite(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(self.path, "rb") as src, open(tmp, "wb") as dst:
            for key in self.wanted:
                offset, length = self.index[key]
                src.seek(offset)
                dst.write(src.read(length))
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, self.path)

    def records(self) -> Iterator[InputRecord]:
        """The records of this run's inputs, in input order (after ``close``)."""
        if self.order == self.wanted:
            yield from read_records(self.path)
            return
        for key in self.wanted:  # pragma: no cover - close() rewrites the file in this order
            yield self.record(key)


def record_of(outcome: Any, version: str) -> InputRecord:
    """The record of a decided, failed or covered Outcome (engine.run.batch.Outcome)."""
    base = dict(source=outcome.source, sha256=outcome.digest, version=version)
    if outcome.error:
        return InputRecord(**base, status="error", error=outcome.error)
    if outcome.covered_by:
        return InputRecord(**base, status="covered", covered_by=outcome.covered_by)
    return InputRecord(**base, status="decided", case_id=outcome.case_id, items=outcome.entries or [])
