"""The progress bar: drawn on a terminal (rate and time left), nothing when standard error is not one."""
from __future__ import annotations

import io
import sys

from corpus import SEEDS, TODAY
from engine import cli


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_the_rate_and_the_time_left(monkeypatch, tmp_path):
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setenv("COLUMNS", "100")
    assert cli.main(["audit", "--today", TODAY, "--jobs", "1", "--out", str(tmp_path / "r.jsonl"), str(SEEDS)]) == 0
    text = err.getvalue()
    assert "5/5" in text and "letter/s" in text and "<" in text  # [elapsed<remaining, rate]


def test_no_terminal_no_bar(capsys, tmp_path):
    assert cli.main(["audit", "--today", TODAY, "--jobs", "1", "--out", str(tmp_path / "r.jsonl"), str(SEEDS)]) == 0
    assert capsys.readouterr().err == ""
