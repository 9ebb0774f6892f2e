"""The crafted hostile inputs of issue #12, each as a regression test through the command line.

Each must give one line on standard error naming the file (and line and field where there is one),
exit status 2, no traceback, never the words of the input, and leave the rest of its batch decided.
Time and memory are measured by benchmarks/bench_hostile.py, not here.
"""
from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

import pytest

from engine import cli

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "tests" / "data" / "design_example.yaml"
SEED_LETTER = REPO / "cases" / "letters" / "000_bf7d8071a34f0d43.txt"
SECRET = "Jane Doe SSN 123-45-6789"


def run(argv, capsys, stdin=None, monkeypatch=None):
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", stdin)
    status = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return status, out.out, out.err


def one_error(err: str, path) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(str(path)), lines[0]
    assert "Traceback" not in err and SECRET not in err and "datetime." not in err
    return lines[0]


def bomb(levels: int = 9, width: int = 9, key: str = "requests") -> str:
    out = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    out += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(out + [f"{key}: *a{levels - 1}"]) + "\n"


GOOD_CASE = GOOD.read_text()


def with_request_field(field: str, value: str) -> str:
    return GOOD_CASE.replace(f"    {field}: null", f"    {field}: {value}", 1)


CRAFTED: dict[str, tuple[str, str]] = {
    # name: (file text, what the one line must say)
    "alias_bomb.yaml": (bomb(), "more than 200,000 values once aliases are expanded"),
    "alias_bomb_7.yaml": (bomb(7, 9), "more than 200,000 values once aliases are expanded"),
    "recursive_alias.yaml": ("a: &a [*a]\nrequests: *a\n", "recursive"),
    "many_aliases.yaml": ("a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n", "more than 100 alias references"),
    "small_float.yaml": (with_request_field("frequency_per_week", "1.0e-05"),
                         "requests[0].frequency_per_week: expected 0 or a number from 0.0001"),
    "inf.yaml": (with_request_field("duration_weeks", ".inf"), "requests[0].duration_weeks: expected a finite number"),
    "nan.yaml": (with_request_field("duration_weeks", ".nan"), "requests[0].duration_weeks: expected a finite number"),
    "huge_count.yaml": (GOOD_CASE.replace("quantity: 12", "quantity: 10000000000000000"),
                        "requests[0].quantity: expected an integer <= 100000"),
    "huge_int.yaml": (GOOD_CASE.replace("quantity: 12", "quantity: " + "9" * 5000), "an integer of more than 30 digits"),
    "huge_int.json": ('{"requests": [{"text": "x", "service": "acupuncture", "quantity": ' + "9" * 5000 + "}]}",
                      "an integer of more than 30 digits"),
    "exp.json": ('{"requests": [{"text": "x", "service": "acupuncture", "frequency_per_week": 1e-05}]}',
                 "requests[0].frequency_per_week: expected 0 or a number"),
    "big_exp.json": ('{"requests": [{"text": "x", "service": "acupuncture", "duration_weeks": 1e16}]}',
                     "requests[0].duration_weeks: expected 0 or a number"),
    "infinity.json": ('{"requests": [{"text": "x", "service": "acupuncture", "duration_weeks": Infinity}]}',
                      "NaN and Infinity are not JSON numbers"),
    "deep.json": ("[" * 1000 + "]" * 1000, "nested more than 64 levels deep"),
    "deep_dict.json": ('{"a":' * 5000 + "1" + "}" * 5000, "nested more than 64 levels deep"),
    "deep.yaml": ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 300)), "nested more than 64 levels deep"),
    "deep_flow.yaml": ("a: " + "[" * 10000 + "]" * 10000 + "\n", "nest"),
    "secret_value.yaml": (GOOD_CASE.replace("quantity: 12", f"quantity: {SECRET}"), "requests[0].quantity: expected an integer"),
    "secret_key.yaml": (GOOD_CASE.replace("  age: 54", f"  age: 54\n  {SECRET}: HIV positive"), "claimant: unknown key"),
    "secret_enum.yaml": (GOOD_CASE.replace("sex: female", f"sex: {SECRET}"), "claimant.sex: expected one of"),
    "secret_date.yaml": (GOOD_CASE.replace("date_of_injury: 2012-08-06", f"date_of_injury: {SECRET}"),
                         "claimant.date_of_injury: expected a date YYYY-MM-DD"),
    "with_time.yaml": (GOOD_CASE.replace("date_of_injury: 2012-08-06", "date_of_injury: 2012-08-06 10:11:12"),
                      "claimant.date_of_injury: expected a date YYYY-MM-DD"),
    "secret_evidence.yaml": (GOOD_CASE + f"evidence:\n  {SECRET}: words\n", "evidence.<key>: names no field"),
    "secret_anchor.yaml": ("a: *JaneDoeSSN\n", "invalid YAML: found undefined alias"),
    "secret_tag.yaml": ("a: !JaneDoe x\nrequests: []\n", "unsupported YAML tag"),
    "secret_duplicate.yaml": (f"{SECRET}: 1\n{SECRET}: 2\nrequests: []\n", "duplicate key (first on line 1)"),
    "future_injury.yaml": (GOOD_CASE.replace("date_of_injury: 2012-08-06", "date_of_injury: 9999-12-31"),
                           "claimant.date_of_injury: is in the future"),
    "injury_after_request.yaml": (GOOD_CASE.replace("date_of_injury: 2012-08-06", "date_of_injury: 2016-01-01"),
                                  "claimant.date_of_injury: is after the date of requests[0]"),
    "many_diagnoses.yaml": (GOOD_CASE.replace("diagnoses:\n", "diagnoses:\n" + "  - text: x\n" * 1001, 1),
                            "diagnoses: more than 1,000 entries"),
}


def test_crafted_files_in_one_batch_each_one_line_and_the_good_ones_decided(tmp_path, capsys):
    paths = []
    for name, (text, _) in CRAFTED.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    (tmp_path / "utf16.yaml").write_bytes(GOOD_CASE.encode("utf-16"))
    (tmp_path / "latin1.yaml").write_bytes(GOOD_CASE.replace("female", "f\xe9male").encode("latin-1"))
    (tmp_path / "nul.yaml").write_bytes(GOOD_CASE.encode("utf-16-le"))
    extra = {"utf16.yaml": "UTF-16 text: expected UTF-8", "latin1.yaml": "not UTF-8 text",
             "nul.yaml": "contains NUL bytes"}
    paths += [tmp_path / n for n in extra]
    middle = len(paths) // 2
    argv = ["check", "--json", "--no-advice", GOOD, *paths[:middle], GOOD, *paths[middle:], GOOD]
    status, out, err = run(argv, capsys)
    assert status == 2
    objs = [json.loads(line) for line in out.splitlines()]
    assert [o["source"] for o in objs] == [str(a) for a in argv[3:]]  # every input, in order
    assert sum(1 for o in objs if "error" not in o) == 3
    lines = err.strip().splitlines()
    assert len(lines) == len(paths)
    expected = {**{n: m for n, (_, m) in CRAFTED.items()}, **extra}
    for line, path in zip(lines, paths):
        assert line.startswith(f"{path}"), line
        assert expected[path.name] in line, (path.name, line)
    assert "Traceback" not in err and SECRET not in err and "JaneDoe" not in err and "datetime." not in err
    assert "lol" not in err and "HIV" not in err


def test_the_alias_bomb_names_its_line(tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb())
    line = one_error(run(["check", path], capsys)[2], path)
    assert re.match(rf"{re.escape(str(path))}:\d+: more than 200,000 values once aliases are expanded$", line)


@pytest.mark.parametrize("text, expected", [
    (bomb(key="rules").replace("a0:", "guideline: g\na0:"), "more than 200,000 values once aliases are expanded"),
    ("guideline: g\ncite: c\nservices: [acupuncture]\nin_force: {from: 2009-07-18, to: null}\nrules:\n"
     "  - {id: a.b, finding: medically_necessary, cite: c, because: b,\n"
     "     when: {fact: request.frequency_per_week, gte: 1.0e-05}}\n", "expected a value of number"),
    ("guideline: g\ncite: c\nservices: [acupuncture]\nin_force: {from: 2009-07-18, to: null}\nrules:\n"
     "  - {id: a.b, finding: medically_necessary, cite: c, because: b,\n"
     "     when: {fact: request.quantity, gte: .inf}}\n", "expected a value of integer"),
    ("guideline: g\ncite: c\nservices: [acupuncture]\nin_force: {from: 2009-07-18, to: null}\nrules:\n"
     "  - {id: a.b, finding: medically_necessary, cite: c, because: b,\n     when: {all: ["
     + ", ".join(["{any: [{fact: request.quantity, gt: 1}, {fact: request.quantity, lt: 9}]}"] * 30)
     + "]}}\n", "too complex"),
    (f"guideline: g\n{SECRET}: 1\ncite: c\n", "unknown key (expected one of"),
    (f"guideline: g\ncite: c\nservices: [{SECRET}]\n", "unknown service (expected one of"),
])
def test_hostile_rule_files_through_rules_before_or_after_the_subcommand(tmp_path, capsys, text, expected):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    for argv in (["--rules", path, "check", GOOD], ["check", "--rules", path, GOOD]):
        status, out, err = run(argv, capsys)
        assert status == 2 and out == ""
        assert expected in one_error(err, path)


def test_rules_after_the_subcommand_are_used(tmp_path, capsys):
    status, out, err = run(["check", "--rules", REPO / "rules", GOOD], capsys)
    assert status == 0 and "Predicted: UPHELD" in out
    status, out, err = run(["audit", "--rules", tmp_path, GOOD], capsys)
    assert status == 2 and "no rule files (*.yaml) in this directory" in one_error(err, tmp_path)


class _Closed(io.TextIOWrapper):
    pass


@pytest.mark.parametrize("stdin, expected", [
    (None, "standard input is closed"),
    ("closed", "standard input cannot be read"),
    (io.TextIOWrapper(io.BytesIO(GOOD_CASE.encode("utf-16"))), "UTF-16 text: expected UTF-8"),
    (io.TextIOWrapper(io.BytesIO(b"case_id: \xff\xfe\xfa\nrequests: []\n")), "not UTF-8 text"),
    (io.TextIOWrapper(io.BytesIO(b"\x00\x01\x02")), "contains NUL bytes"),
])
def test_standard_input_that_cannot_be_read(capsys, monkeypatch, stdin, expected):
    if stdin == "closed":
        stdin = io.TextIOWrapper(io.BytesIO(b""))
        stdin.close()
    status, out, err = run(["check", "--json", "-", GOOD], capsys, stdin=stdin, monkeypatch=monkeypatch)
    assert status == 2
    assert expected in one_error(err, "<stdin>")
    assert [json.loads(line)["source"] for line in out.splitlines()] == ["<stdin>", str(GOOD)]


def test_standard_input_as_bytes_is_read(capsys, monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(GOOD_CASE.encode("utf-8")))
    status, out, err = run(["check", "-"], capsys, stdin=stdin, monkeypatch=monkeypatch)
    assert status == 0 and "Predicted: UPHELD" in out


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path, capsys, monkeypatch):
    big_case = tmp_path / "big.yaml"
    with big_case.open("wb") as f:  # 50 MB, sparse: refused from its size alone
        f.truncate(50_000_000)
    big_letter = tmp_path / "big.txt"
    with big_letter.open("wb") as f:
        f.truncate(50_000_000)
    big_pdf = tmp_path / "big.pdf"
    with big_pdf.open("wb") as f:
        f.truncate(50_000_000)
    status, out, err = run(["check", big_case, big_letter, big_pdf, GOOD], capsys)
    assert status == 2 and "Predicted: UPHELD" in out
    lines = err.strip().splitlines()
    assert lines == [
        f"{big_case}: file is larger than the 2 MB limit (50 MB; raise it with IMR_MAX_FILE_MB)",
        f"{big_letter}: letter file is larger than the 1 MB limit (fixed)",
        f"{big_pdf}: letter file is larger than the 10 MB limit (raise it with IMR_MAX_LETTER_MB)",
    ]
    # The limits bind rule files too: set them low only once the rulebook is loaded.
    from engine.errors import InputError
    from engine.cases.facts import load_case

    monkeypatch.setenv("IMR_MAX_FILE_MB", "0.001")
    with pytest.raises(InputError, match=r"larger than the 0.001 MB limit"):
        load_case(str(GOOD))
    monkeypatch.setenv("IMR_MAX_FILE_MB", "100")
    monkeypatch.setenv("IMR_MAX_ITEMS", "2")
    with pytest.raises(InputError, match=r"treatments: more than 2 entries \(raise it with IMR_MAX_ITEMS\)"):
        load_case(str(GOOD))  # three treatments


def test_too_many_items_in_a_letter(tmp_path, capsys, monkeypatch):
    text = SEED_LETTER.read_text()
    head, _, rest = text.partition("ACUPUNCTURE X 12: Upheld")
    path = tmp_path / "many.txt"
    path.write_text(head + "".join(f"ACUPUNCTURE X {k}: Upheld\nDecision rationale: no.\n" for k in range(1, 12)))
    monkeypatch.setenv("IMR_MAX_ITEMS", "100")  # letters: a tenth, 10
    status, _, err = run(["parse", path], capsys)
    assert status == 2 and "more than 10 disputed items" in one_error(err, path)


def test_a_case_file_is_not_a_letter(capsys):
    status, out, err = run(["parse", GOOD], capsys)
    assert status == 2 and out == ""
    assert "is a case file (.yaml), not a letter" in one_error(err, GOOD)


def test_directories_broken_links_and_empty_directories_are_reported(tmp_path, capsys):
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "a.yaml").write_text(GOOD_CASE)
    os.symlink(tmp_path / "gone.yaml", cases / "b.yaml")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("nothing to read")
    status, out, err = run(["check", "--json", cases, empty], capsys)
    assert status == 2
    assert [json.loads(line)["source"] for line in out.splitlines()] == [
        str(cases / "a.yaml"), str(cases / "b.yaml"), str(empty)]
    assert err.strip().splitlines() == [
        f"{cases / 'b.yaml'}: broken symbolic link (its target does not exist)",
        f"{empty}: is a directory with nothing to read in it (case files *.yaml, *.yml, *.json; letters *.txt, *.pdf)",
    ]
    status, out, err = run(["parse", empty], capsys)
    assert status == 2 and "is a directory with no letters in it" in one_error(err, empty)
    status, out, err = run(["audit", empty], capsys)
    assert status == 2 and "No item to compare" in out


def test_audit_of_examples_says_why_its_table_is_empty(capsys):
    status, out, err = run(["audit", REPO / "cases" / "examples"], capsys)
    assert status == 0 and err == ""
    first, second, third = out.splitlines()[:3]
    assert first.startswith("IMR audit: 0 items with an actual determination: 0 predicted, 0 with no prediction")
    assert second.startswith("Read ") and "case files" in second
    assert third.startswith("No item to compare: no input read states an actual IMR outcome")
    assert "CASE" not in out


def test_audit_counts_predicted_and_unpredicted_items(capsys):
    status, out, _ = run(["audit"], capsys)
    summary = out.splitlines()[0]
    import re

    m = re.match(r"IMR audit: (\d+) items with an actual determination: (\d+) predicted, (\d+) with no prediction", summary)
    assert m and int(m[1]) == int(m[2]) + int(m[3])
    assert out.splitlines()[1].startswith("Read ")


def test_evidence_of_a_treatment_merged_away_by_the_rationale(tmp_path, capsys):
    # Treatments merge by modality under --with-rationale: evidence for treatments[3] must not
    # make the merged case invalid (it was a traceback).
    path = tmp_path / "merge.yaml"
    path.write_text(
        "treatments:\n" + "".join(f"  - {{modality: acupuncture, sessions: {n}}}\n" for n in (3, 4, 5, 6))
        + "evidence:\n  treatments[3].sessions: six sessions\n"
        + "rationale_facts:\n  treatments: [{modality: physical_therapy, sessions: 2}]\n"
        + "requests: [{text: x, service: acupuncture, quantity: 6, date: 2014-01-01}]\n")
    status, out, err = run(["check", "--with-rationale", "--no-advice", path], capsys)
    assert status == 0 and err == "" and "Predicted:" in out


def test_a_limit_variable_that_is_not_a_positive_number_is_one_line(monkeypatch):
    from engine.errors import InputError
    from engine.cases.facts import load_case

    for raw in ("abc", "-1", "0", "inf"):
        monkeypatch.setenv("IMR_MAX_ITEMS", raw)
        with pytest.raises(InputError, match=r"^IMR_MAX_ITEMS: expected a positive number"):
            load_case(str(GOOD))


def test_a_derived_value_that_is_free_text_is_never_printed(tmp_path, capsys):
    # Found by the long fuzz: a definitions file declaring a value of free text, then a rule
    # deriving another value, printed the declared values.
    definitions = REPO / "rules" / "definitions"
    mutated = tmp_path / "functional_improvement_2017.yaml"
    text = (definitions / "functional_improvement_2017.yaml").read_text()
    assert "[documented, not_documented]" in text
    mutated.write_text(text.replace("[documented, not_documented]", f"['{SECRET}', not_documented]"))
    rules = [a for p in sorted(definitions.glob("*.yaml")) if p.name != mutated.name for a in ("--rules", p)]
    status, out, err = run([*rules, "--rules", mutated, "check", GOOD], capsys)
    assert status == 2 and SECRET not in err and "Traceback" not in err
