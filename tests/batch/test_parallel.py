"""--jobs N: the same outcomes, in the same order, as one process; each input decided once."""
from __future__ import annotations

from corpus import ROOT, TODAY, copy_seed_cases
from engine.run.batch import run_batch
from helpers import book
import datetime as dt


def _view(outcomes):
    return [(o.source, o.error, o.covered_by, o.decision.model_dump_json() if o.decision else None) for o in outcomes]


def test_two_processes_decide_like_one_in_input_order(tmp_path):
    copy_seed_cases(tmp_path)
    (tmp_path / "00_bad.yaml").write_text("requests: [{text: x, service: acupuncture, quantity: -1}]\n")
    paths = [str(ROOT / "cases"), str(tmp_path)]
    today = dt.date.fromisoformat(TODAY)
    one = _view(run_batch(paths, book(), today=today, jobs=1))
    two = _view(run_batch(paths, book(), today=today, jobs=2))
    assert two == one
    assert len(one) == 22 + 6 and sum(1 for o in one if o[1]) == 1
    assert len({o[0] for o in one}) == len(one)  # every input once


def test_audit_entries_come_back_from_workers(tmp_path):
    paths = [str(ROOT / "cases")]
    today = dt.date.fromisoformat(TODAY)
    one = [(o.source, o.entries) for o in run_batch(paths, book(), today=today, jobs=1, audit=True)]
    two = [(o.source, o.entries) for o in run_batch(paths, book(), today=today, jobs=2, audit=True)]
    assert one == two and sum(len(e or []) for _, e in one) == 8
