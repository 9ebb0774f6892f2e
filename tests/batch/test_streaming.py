"""Batches: each input decided in isolation, in order, streamed; covered letters decided once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus import LETTERS, SEEDS, copy_seed_cases
from engine.run import batch
from engine.run.batch import covered_letters, letter_named, run_batch
from helpers import book


def test_anything_a_loader_raises_is_that_inputs_one_line_error_and_the_batch_goes_on(tmp_path, monkeypatch):
    files = [str(p) for p in copy_seed_cases(tmp_path)]
    real = batch.load_input
    failures = {files[1]: ValueError("secret patient words"), files[3]: RecursionError()}

    def load(path):
        if path in failures:
            raise failures[path]
        return real(path)

    monkeypatch.setattr(batch, "load_input", load)
    outcomes = list(run_batch(files, book(), jobs=1))
    assert [o.source for o in outcomes] == files
    assert outcomes[1].error == f"{files[1]}: could not be read (ValueError)"
    assert outcomes[3].error == f"{files[3]}: nested too deeply to read"
    assert "secret" not in outcomes[1].error
    assert all(o.decision is not None for n, o in enumerate(outcomes) if n not in (1, 3))


def test_an_engine_failure_is_that_inputs_error_without_the_facts(tmp_path, monkeypatch):
    from engine.errors import EvaluationError

    files = [str(p) for p in copy_seed_cases(tmp_path)]
    real = batch.decide_case

    def decide(case, *a, **k):
        if case.case_id and case.case_id.startswith("002"):
            raise EvaluationError('durable_rules rejected a fact in acupuncture@x: {"age": 48}')
        return real(case, *a, **k)

    monkeypatch.setattr(batch, "decide_case", decide)
    outcomes = list(run_batch(files, book(), jobs=1))
    bad = [o for o in outcomes if o.error]
    assert len(bad) == 1 and bad[0].engine_error
    assert bad[0].error.endswith("rule engine error: durable_rules rejected a fact in acupuncture@x")
    assert sum(o.decision is not None for o in outcomes) == len(files) - 1


def test_keyboard_interrupt_still_stops_the_batch(tmp_path, monkeypatch):
    files = [str(p) for p in copy_seed_cases(tmp_path)]

    def load(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "load_input", load)
    with pytest.raises(KeyboardInterrupt):
        list(run_batch(files, book(), jobs=1))


def test_the_first_result_comes_before_the_later_inputs_are_loaded(tmp_path, monkeypatch):
    # A directory of case files and letters (covered ones among them): nothing is loaded ahead.
    copy_seed_cases(tmp_path / "cases")
    for p in LETTERS.glob("*.txt"):
        (tmp_path / "letters").mkdir(exist_ok=True)
        (tmp_path / "letters" / p.name).write_bytes(p.read_bytes())
    loaded = []
    real = batch.load_input
    monkeypatch.setattr(batch, "load_input", lambda path: loaded.append(path) or real(path))
    outcomes = run_batch([str(tmp_path)], book(), jobs=1)
    first = next(outcomes)
    assert first.decision is not None and loaded == [first.source]
    assert len(list(outcomes)) == 9


def test_a_letter_named_by_a_case_file_is_reported_as_covered_not_decided(tmp_path, monkeypatch):
    letters = tmp_path / "letters"
    letters.mkdir()
    for p in LETTERS.glob("*.txt"):
        (letters / p.name).write_bytes(p.read_bytes())
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "a.yaml").write_text((SEEDS / "000_bf7d8071a34f0d43.yaml").read_text().replace(
        "letter: ../letters/000_bf7d8071a34f0d43.txt", "letter: ../letters/000_bf7d8071a34f0d43.txt  # built from"))
    (cases / "b.json").write_text(json.dumps({"letter": "../letters/001_ad367bf2306aa9ab.txt",
                                              "requests": [{"text": "x", "service": "acupuncture"}]}))
    outcomes = list(run_batch([str(cases), str(letters)], book(), jobs=1))
    covered = {Path(o.source).name: Path(o.covered_by).name for o in outcomes if o.covered_by}
    assert covered == {"000_bf7d8071a34f0d43.txt": "a.yaml", "001_ad367bf2306aa9ab.txt": "b.json"}
    assert sum(o.decision is not None for o in outcomes) == 2 + 3


def test_letter_named_reads_plain_entries_only(tmp_path):
    cases = {
        "plain.yaml": ("case_id: x\nletter: l.txt\n", "l.txt"),
        "quoted.yaml": ("letter: 'my letter.txt'\n", "my letter.txt"),
        "nested.yaml": ("claimant:\n  letter: l.txt\n", None),
        "json.json": ('{"case_id": "x", "letter": "d\\u00e9j\\u00e0.txt"}', "déjà.txt"),
        "none.yaml": ("requests: []\n", None),
    }
    for name, (text, expected) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert letter_named(str(tmp_path / name)) == expected, name


def test_no_scan_ahead_when_a_run_has_only_case_files_or_only_letters(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "letter_named", lambda path: pytest.fail("scanned"))
    assert covered_letters([str(p) for p in SEEDS.glob("*.yaml")]) == {}
    assert covered_letters([str(p) for p in LETTERS.glob("*.txt")]) == {}
