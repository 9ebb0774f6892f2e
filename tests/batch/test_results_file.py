"""imr audit --out / --resume: one record per input, skipped when unchanged, nothing written lost."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from corpus import SEEDS, TODAY, copy_seed_cases
from engine.run import batch
from engine import cli
from engine.reports.results import read_records, rules_version


def audit(args, capsys):
    status = cli.main(["audit", "--today", TODAY, "--jobs", "1", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def counting(monkeypatch) -> list[str]:
    decided: list[str] = []
    real = batch.load_input
    monkeypatch.setattr(batch, "load_input", lambda p: decided.append(Path(p).name) or real(p))
    return decided


def test_one_record_per_input_in_input_order(tmp_path, capsys):
    copy_seed_cases(tmp_path / "in")
    (tmp_path / "in" / "zz.yaml").write_text("requests: []\n")
    status, out, err = audit(["--out", str(tmp_path / "r.jsonl"), str(tmp_path / "in")], capsys)
    records = lines(tmp_path / "r.jsonl")
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert [Path(r["source"]).name for r in records] == sorted(p.name for p in (tmp_path / "in").iterdir())
    assert [r["status"] for r in records] == ["decided"] * 5 + ["error"]
    assert sum(len(r["items"]) for r in records) == 8
    assert "items in" in out and "agreement:" in out  # the summary only: the items are in the file
    item = records[0]["items"][0]
    assert {"facts_read", "rule_sets", "criteria", "evidence", "source"} <= set(item)


def test_resume_decides_only_what_is_missing_changed_or_failed(tmp_path, capsys, monkeypatch):
    inputs = copy_seed_cases(tmp_path / "in")
    out = tmp_path / "r.jsonl"
    audit(["--out", str(out), str(tmp_path / "in")], capsys)
    whole = out.read_bytes()
    decided = counting(monkeypatch)
    assert audit(["--out", str(out), "--resume", str(tmp_path / "in")], capsys)[0] == 0
    assert decided == [] and out.read_bytes() == whole

    # A changed input is decided again, and its old record replaced in place.
    text = inputs[2].read_text()
    inputs[2].write_text(text.replace("quantity: 12", "quantity: 4", 1) if "quantity: 12" in text else text + "\n# x\n")
    audit(["--out", str(out), "--resume", str(tmp_path / "in")], capsys)
    assert decided == [inputs[2].name]
    records = lines(out)
    assert [Path(r["source"]).name for r in records] == [p.name for p in inputs]


def test_an_input_that_failed_is_tried_again_on_resume(tmp_path, capsys, monkeypatch):
    inputs = copy_seed_cases(tmp_path / "in")
    broken = inputs[1].read_text()
    inputs[1].write_text("requests: []\n")
    out = tmp_path / "r.jsonl"
    assert audit(["--out", str(out), str(tmp_path / "in")], capsys)[0] == 2
    inputs[1].write_text(broken)
    decided = counting(monkeypatch)
    assert audit(["--out", str(out), "--resume", str(tmp_path / "in")], capsys)[0] == 0
    assert decided == [inputs[1].name]
    assert [r["status"] for r in lines(out)] == ["decided"] * 5


def test_a_partly_written_last_line_is_dropped_and_its_input_decided_again(tmp_path, capsys, monkeypatch):
    copy_seed_cases(tmp_path / "in")
    out = tmp_path / "r.jsonl"
    audit(["--out", str(out), str(tmp_path / "in")], capsys)
    whole = out.read_bytes()
    cut = whole.index(b"\n", len(whole) // 2) + 40  # two whole records and a part of the third
    out.write_bytes(whole[:cut])
    decided = counting(monkeypatch)
    audit(["--out", str(out), "--resume", str(tmp_path / "in")], capsys)
    assert out.read_bytes() == whole
    kept = whole[:cut].count(b"\n")
    assert len(decided) == 5 - kept


def test_a_changed_rulebook_or_setting_decides_everything_again(tmp_path, capsys, monkeypatch):
    copy_seed_cases(tmp_path / "in")
    rules = tmp_path / "rules"
    shutil.copytree(SEEDS.parent.parent / "rules", rules)
    out = tmp_path / "r.jsonl"
    before = rules_version([str(rules)])
    cli.main(["--rules", str(rules), "audit", "--today", TODAY, "--jobs", "1", "--out", str(out), str(tmp_path / "in")])
    some = sorted(rules.rglob("*.yaml"))[0]
    some.write_text(some.read_text() + "\n# a comment changes the content\n")
    assert rules_version([str(rules)]) != before
    decided = counting(monkeypatch)
    cli.main(["--rules", str(rules), "audit", "--today", TODAY, "--jobs", "1", "--out", str(out), "--resume",
              str(tmp_path / "in")])
    assert len(decided) == 5
    decided.clear()
    cli.main(["--rules", str(rules), "audit", "--today", TODAY, "--jobs", "1", "--out", str(out), "--resume",
              "--with-rationale", str(tmp_path / "in")])
    assert len(decided) == 5
    capsys.readouterr()
    assert len(list(read_records(out))) == 5


def test_resume_needs_out_and_jobs_must_be_positive(capsys):
    status, _, err = audit(["--resume"], capsys)
    assert status == 2 and "--resume needs --out FILE" in err
    try:
        cli.main(["audit", "--jobs", "0"])
    except SystemExit as e:
        assert e.code == 2
    assert "expected a whole number of processes >= 1" in capsys.readouterr().err


def test_json_and_html_of_a_resumed_run_include_the_skipped_inputs(tmp_path, capsys):
    copy_seed_cases(tmp_path / "in")
    out = tmp_path / "r.jsonl"
    audit(["--out", str(out), str(tmp_path / "in")], capsys)
    status, text, _ = audit(["--out", str(out), "--resume", "--json", str(tmp_path / "in")], capsys)
    report = json.loads(text)
    assert status == 0 and report["total"] == 8 and len(report["inputs"]) == 5
    assert list(report["items"][0]) == ["case_id", "request", "service", "cited_guideline", "actual", "predicted",
                                        "rules", "citations", "rationale", "category", "guideline_edition",
                                        "reviewer_specialty", "decision_date", "no_prediction_reason", "agree"]


def test_csv_streams_one_row_per_item_in_input_order(tmp_path, capsys):
    status, out, _ = audit(["--csv", str(SEEDS)], capsys)
    rows = out.strip().splitlines()
    assert status == 0 and len(rows) == 9 and rows[0].startswith("case_id,request")
    assert [r.split(",")[0][:3] for r in rows[1:]] == sorted(r.split(",")[0][:3] for r in rows[1:])
