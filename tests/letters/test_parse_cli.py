"""`imr parse` and letters given to `imr audit`."""
from __future__ import annotations

import json
from pathlib import Path

from engine import cli
from engine.cases.facts import load_case, parse_case

ROOT = Path(__file__).resolve().parents[2]
LETTERS = ROOT / "cases" / "letters"
SEED = LETTERS / "002_d543fff3a6401260.txt"


def run(args, capsys):
    status = cli.main(args)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_parse_writes_a_case_file_ready_for_check(tmp_path, capsys):
    status, out, err = run(["parse", str(SEED), "-o", str(tmp_path)], capsys)
    assert status == 0 and err == ""
    target = tmp_path / "002_d543fff3a6401260.yaml"
    assert f"-> {target} (2 request(s))" in out
    case = load_case(str(target))
    assert (tmp_path / case.letter).resolve() == SEED.resolve()  # relative to the case file
    assert [r.service.value for r in case.requests] == ["acupuncture", "massage_therapy"]
    assert case.evidence["requests[1].quantity"].quote == "MASSAGE THERAPY X 12 ON THE LUMBAR"
    status, out, _ = run(["check", "--json", "--today", "2014-03-01", str(target)], capsys)
    assert status == 0 and [d["outcome"] for d in json.loads(out)["decisions"]] == ["Upheld", "Upheld"]


def test_parse_to_stdout_yaml_documents_and_json_lines(capsys):
    status, out, _ = run(["parse", str(SEED), str(LETTERS / "000_bf7d8071a34f0d43.txt")], capsys)
    assert status == 0
    docs = out.split("\n---\n")
    assert len(docs) == 2 and parse_case(docs[1], "x.yaml").case_id == "000_bf7d8071a34f0d43"
    status, out, _ = run(["parse", "--json", str(LETTERS)], capsys)
    assert status == 0 and len([json.loads(line) for line in out.strip().splitlines()]) == 5


def test_parse_reports_unreadable_letters_and_goes_on(tmp_path, capsys):
    (tmp_path / "a_note.txt").write_text("Dear claimant, your appointment is on Monday.\n")
    (tmp_path / "b_fake.pdf").write_text("not really a pdf")
    (tmp_path / "c.txt").write_text(SEED.read_text())
    status, out, err = run(["parse", "--json", str(tmp_path)], capsys)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(str(tmp_path / "a_note.txt") + ": ")
    assert lines[1].startswith(str(tmp_path / "b_fake.pdf") + ": ")
    assert "Traceback" not in err
    assert len(out.strip().splitlines()) == 1  # the good letter was still parsed


def test_audit_over_letters_gives_the_predictions_of_the_case_files(capsys):
    _, from_letters, _ = run(["audit", "--json", "--today", "2014-03-01", str(LETTERS)], capsys)
    _, from_cases, _ = run(["audit", "--json", "--today", "2014-03-01", str(ROOT / "cases" / "seeds")], capsys)
    a, b = json.loads(from_letters), json.loads(from_cases)
    assert [(i["request"], i["actual"], i["predicted"]) for i in a["items"]] == \
           [(i["request"], i["actual"], i["predicted"]) for i in b["items"]]


def test_a_letter_covered_by_a_case_file_is_not_audited_twice(capsys):
    _, out, _ = run(["audit", "--json", "--today", "2014-03-01", str(ROOT / "cases")], capsys)
    report = json.loads(out)
    covered = [i for i in report["inputs"] if "covered_by" in i]
    assert len(covered) == 5 and report["total"] == 8
