"""Fuzzing the command line in process over mutated case files, rule files and letters.

Each example is a batch of mutated inputs (see tests/fuzzing.py) run as `imr check --json` or
`imr parse --json`: the exit status is 0, 2 or 3, standard error holds no traceback and only lines
that name an input, every input is in the output once, in order (decided or as its error), and no
error message holds a planted marker. Derandomised, and short; `benchmarks/fuzz_hostile.py` is the
long run.
"""
from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzing

SETTINGS = settings(max_examples=15, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _round(kind: str, seed: int) -> fuzzing.Tally:
    tally = fuzzing.Tally()
    with tempfile.TemporaryDirectory() as directory:
        fuzzing.fuzz_round(tally, Path(directory), random.Random(seed), kind, batch=4)
    return tally


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_mutated_case_files(seed: int) -> None:
    tally = _round("case", seed)
    assert tally.problems() == []


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_mutated_rule_files(seed: int) -> None:
    tally = _round("rule", seed)
    assert tally.problems() == []


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_mutated_letters(seed: int) -> None:
    tally = _round("letter", seed)
    assert tally.problems() == []


def test_the_harness_sees_a_leak_a_lost_input_and_a_crash(tmp_path, monkeypatch) -> None:
    # The checks above could pass by seeing nothing: show that each kind of failure is caught.
    from engine.run import batch
    from engine.cases import validation

    bad = tmp_path / "bad.yaml"
    bad.write_text("requests: [{text: x, service: 'Jane Doe Zqx42Mark'}]\n")
    good = str(fuzzing.CASE_BASES[0])
    monkeypatch.setattr(validation, "describe", lambda error: f"got {error.get('input')!r}")
    tally = fuzzing.Tally()
    fuzzing.check_batch(tally, [str(bad), good])
    assert tally.leaks and not tally.lost
    monkeypatch.undo()

    original = batch.run_batch
    monkeypatch.setattr(batch, "run_batch", lambda paths, *a, **k: list(original(paths, *a, **k))[1:])
    tally = fuzzing.Tally()
    fuzzing.check_batch(tally, [str(bad), good])
    assert tally.lost
    monkeypatch.undo()

    def explode(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(batch, "run_batch", explode)
    tally = fuzzing.Tally()
    fuzzing.check_batch(tally, [good])
    assert tally.crashes
