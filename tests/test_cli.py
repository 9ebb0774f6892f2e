"""The `imr` command line: output, exit status, and bad input in a batch."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine import cli

DESIGN = Path(__file__).parent / "data" / "design_example.yaml"


def run(args, stdin: str | None = None, monkeypatch=None, capsys=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = cli.main(args)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_check_prints_a_block_per_request(capsys, monkeypatch):
    status, out, err = run(["check", str(DESIGN)], capsys=capsys)
    assert status == 0 and err == ""
    assert "Predicted: UPHELD" in out
    assert "Deciding criteria:" in out and "acupuncture.extension.no_functional_improvement" in out
    assert "What would make it pass:" in out
    assert "MTUS Acupuncture Medical Treatment Guidelines, 8 CCR 9792.24.1(d)" in out


def test_check_json_is_the_decision_contract(capsys):
    status, out, _ = run(["check", "--json", str(DESIGN)], capsys=capsys)
    (line,) = out.strip().splitlines()
    obj = json.loads(line)
    assert obj["case_id"] == "example-acupuncture-1"
    (d,) = obj["decisions"]
    assert {"request", "service", "outcome", "rules", "citations", "rationale", "to_pass", "actual", "agrees"} <= set(d)
    assert (d["outcome"], d["actual"], d["agrees"]) == ("Upheld", "Upheld", True)


def test_bad_files_are_reported_and_the_good_ones_still_run(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("requests: [{text: x, service: acupuncture, quantity: 0}]\n")
    evil = tmp_path / "evil.yaml"
    evil.write_text("requests: !!python/object/apply:os.getcwd []\n")
    status, out, err = run(["check", str(bad), str(DESIGN), str(tmp_path / "missing.yaml"), str(evil)], capsys=capsys)
    assert status == 2
    lines = err.strip().splitlines()
    assert lines == [
        f"{bad}:1: requests[0].quantity: expected an integer >= 1",
        f"{tmp_path / 'missing.yaml'}: no such file",
        f"{evil}:1: unsupported YAML tag: only plain YAML data is accepted",
    ]
    assert "Traceback" not in err
    assert "Predicted: UPHELD" in out  # the good file was evaluated


def test_json_batch_accounts_for_every_input(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("requests: []\n")
    status, out, _ = run(["check", "--json", str(bad), str(DESIGN)], capsys=capsys)
    objs = [json.loads(l) for l in out.strip().splitlines()]
    assert status == 2 and len(objs) == 2
    assert objs[0]["source"] == str(bad) and "requests: expected at least 1 item" in objs[0]["error"]
    assert objs[1]["case_id"] == "example-acupuncture-1"


def test_check_reads_standard_input(capsys, monkeypatch):
    status, out, _ = run(["check", "-", "--json"], stdin=DESIGN.read_text(), monkeypatch=monkeypatch, capsys=capsys)
    assert status == 0 and json.loads(out)["source"] == "<stdin>"


def test_check_a_directory_of_cases(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text(DESIGN.read_text())
    (tmp_path / "b.json").write_text(json.dumps({"requests": [{"text": "x", "service": "massage_therapy", "quantity": 4,
                                                               "date": "2014-01-01"}]}))
    (tmp_path / "notes.md").write_text("ignored: neither a case file nor a letter")
    status, out, _ = run(["check", "--json", str(tmp_path)], capsys=capsys)
    assert status == 0 and len(out.strip().splitlines()) == 2


def test_check_reads_a_letter_directly(capsys):
    letter = Path(__file__).resolve().parent.parent / "cases" / "letters" / "000_bf7d8071a34f0d43.txt"
    status, out, _ = run(["check", "--json", str(letter)], capsys=capsys)
    (d,) = json.loads(out)["decisions"]
    assert status == 0 and (d["outcome"], d["actual"]) == ("Upheld", "Upheld")


def test_schema_command(capsys):
    status, out, _ = run(["schema"], capsys=capsys)
    assert status == 0 and json.loads(out)["title"] == "IMR case file"


def test_bad_rules_directory_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "r.yaml").write_text("guideline: x\n")
    status, _, err = run(["--rules", str(tmp_path), "check", str(DESIGN)], capsys=capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1 and str(tmp_path / "r.yaml") in err


def test_unsupported_python_gets_a_clear_message(monkeypatch, capsys):
    monkeypatch.setattr(sys, "version_info", (3, 13, 0, "final", 0))
    status, _, err = run(["check", str(DESIGN)], capsys=capsys)
    assert status == 2
    assert "Python 3.13 is not supported" in err and "3.11 or python3.12" in err


def test_python_dash_m_engine_works():
    proc = subprocess.run([sys.executable, "-m", "engine", "check", "--json", str(DESIGN)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["decisions"][0]["outcome"] == "Upheld"


def test_check_of_a_case_file_does_not_import_the_letter_reader():
    # The letter modules (PDF reading, extraction) cost start-up time and a case file never needs them;
    # a fresh process shows what `imr check` really imports, which an in-process test cannot.
    case = sorted((Path(__file__).parents[1] / "cases" / "examples").glob("*.yaml"))[0]
    probe = ("import atexit, sys\n"
             "from engine import cli\n"
             "atexit.register(lambda: print('LOADED ' + ' '.join(sorted(m for m in sys.modules "
             "if m.startswith('engine.')))))\n"
             "sys.exit(cli.main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", probe, "check", str(case)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = proc.stdout.rsplit("LOADED ", 1)[1].split()
    assert "engine.decide.decision" in loaded  # the probe saw a real check
    assert [m for m in loaded if m.startswith("engine.letters")] == []


def _run_as_the_tool(report: str, env: dict[str, str] | None = None) -> str:
    """`imr check --no-advice` of a bundled case as the installed tool runs it (``main()`` reading
    ``sys.argv``) in a fresh process, with ``report`` (the body of a function printing what a test
    looks at) run at exit: what a real start imports and builds, which an in-process test cannot see."""
    case = sorted((Path(__file__).parents[1] / "cases" / "examples").glob("*.yaml"))[0]
    probe = ("import atexit, gc, sys\n"
             "from engine import cli\n"
             "def report():\n" + textwrap.indent(report, "    ") +
             "atexit.register(report)\n"
             "sys.argv = ['imr', 'check', '--no-advice', sys.argv[1]]\n"
             "sys.exit(cli.main())\n")
    proc = subprocess.run([sys.executable, "-c", probe, str(case)], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_check_of_one_case_builds_only_what_it_uses_and_collects_again_after_loading(tmp_path):
    # What the start of `imr check` was made cheaper by (issue #15), each of which a change could undo
    # silently: models built on first use, the drug name pattern left uncompiled, the citation parser
    # not imported, and the collector held during loading, then on again (a long batch must be
    # collected). main() without arguments, as the installed tool calls it.
    report = ("from pydantic import BaseModel\n"
              "from engine.cases import terms\n"
              "def subs(c):\n"
              "    for s in c.__subclasses__():\n"
              "        yield s\n"
              "        yield from subs(s)\n"
              "built = sorted({m.__name__ for m in subs(BaseModel) if m.__module__.startswith('engine.')\n"
              "                and m.__pydantic_complete__})\n"
              "print('BUILT', *built)\n"
              "print('PATTERN', 'regex' in terms._lexicon().__dict__)\n"
              "print('COLLECTOR', gc.isenabled(), gc.get_freeze_count() > 10000)\n"
              "print('CITATIONS', 'engine.cases.citations' in sys.modules)\n")
    env = {**os.environ, "IMR_CACHE_DIR": str(tmp_path)}
    env.pop("IMR_NO_CACHE", None)
    case = sorted((Path(__file__).parents[1] / "cases" / "examples").glob("*.yaml"))[0]
    subprocess.run([sys.executable, "-m", "engine", "check", "--no-advice", str(case)], env=env,
                   capture_output=True, check=True, timeout=60)  # fills the rulebook cache
    out = _run_as_the_tool(report, env)
    lines = dict(line.split(" ", 1) for line in out.splitlines() if line.split(" ")[0].isupper())
    built = set(lines["BUILT"].split())
    # The probe saw a real check: the case was validated. The decision is made without validation
    # from validated values (contract.trusted), so no model of the decision contract is built.
    assert "Case" in built and "Predicted: " in out
    assert not built & {"Rule", "RuleSet", "Compare", "Citation", "Trace", "Advice", "Treatment", "Request",
                        "CaseDecision", "RequestDecision", "Precheck", "FiredRule"}
    assert lines["PATTERN"] == "False"
    assert lines["COLLECTOR"] == "True True"
    assert lines["CITATIONS"] == "False"  # a case file's check parses no guideline line


def test_the_tool_loads_no_pydantic_plugin_and_no_importlib_metadata(tmp_path):
    # A pydantic plugin sees every validated value (medical records), and pydantic's loader imports
    # importlib.metadata (issue #15): the tool runs with none, unless the user sets the variable.
    site = tmp_path / "site"
    dist = site / "spy-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: spy\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pydantic]\nspy = spy_plugin:plugin\n")
    seen = tmp_path / "seen"
    (site / "spy_plugin.py").write_text(
        f"open({str(seen)!r}, 'a').write('loaded')\n"
        "class Plugin:\n"
        "    def new_schema_validator(self, *args, **kwargs):\n"
        "        return None, None, None\n"
        "plugin = Plugin()\n")

    def check(**extra: str) -> tuple[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
        env.update(extra, IMR_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p))
        out, metadata = _run_as_the_tool("print('METADATA', 'importlib.metadata' in sys.modules)\n",
                                         env).rsplit("METADATA ", 1)
        return out, metadata.strip()

    out, metadata = check()
    assert "Predicted: " in out and metadata == "False" and not seen.exists()
    # The user's own setting is pydantic's to read: "" disables nothing, so the plugin is loaded.
    assert check(PYDANTIC_DISABLE_PLUGINS="") == (out, "True") and seen.read_text() == "loaded"


def test_pydantic_takes_nothing_but_get_plugins_from_the_loader_the_tool_replaces():
    # engine.run.pydantic_plugins replaces a private pydantic module; an upgrade that imports more
    # from it must fail here, not in the tool.
    import re

    import pydantic

    from engine.run.pydantic_plugins import LOADER

    uses = set()
    for source in Path(pydantic.__file__).parent.rglob("*.py"):
        for line in source.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*from\s+(\S*_loader)\s+import\s+(.+)", line)
            if m and (m.group(1).endswith("plugin._loader") or m.group(1) == "._loader"):
                uses.add(m.group(2).strip())
    assert uses == {"get_plugins"}, uses
    assert LOADER == "pydantic.plugin._loader"


def test_main_called_by_a_program_leaves_the_collector_alone(capsys):
    import gc

    frozen = gc.get_freeze_count()
    assert cli.main(["check", "--no-advice", str(DESIGN)]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen


LICENSED_RULE = """\
guideline: A licensee's guideline
topic: Massage
cite: 8 CCR 9792.23
services: [massage_therapy]
status: partial
in_force: {from: 2017-12-01}
rules:
  - id: licensed.massage.too_many
    when: {fact: request.quantity, gt: 6}
    finding: not_medically_necessary
    cite: 8 CCR 9792.23
    because: more visits than the guideline gives
"""


def test_a_licensee_adds_rule_files_for_the_current_mtus_with_rules(tmp_path, capsys):
    """From 2017-12-01 the bundled rules give no prediction ("licensed_guideline"); a folder of the
    licensee's own rule files, named beside the bundled one, decides those requests."""
    licensed = tmp_path / "licensed"
    licensed.mkdir()
    (licensed / "massage_2017.yaml").write_text(LICENSED_RULE)
    case = tmp_path / "case.yaml"
    case.write_text("case_id: c\nrequests:\n  - {text: Massage x 8, service: massage_therapy, quantity: 8, "
                    "date: 2018-02-01}\n")
    bundled = str(Path(cli.__file__).resolve().parent.parent / "rules")
    status, out, _ = run(["check", "--json", str(case)], capsys=capsys)
    decision = json.loads(out)["decisions"][0]
    assert status == 0 and decision["outcome"] is None
    assert decision["no_prediction_reason"] == "licensed_guideline"
    status, out, _ = run(["--rules", bundled, "--rules", str(licensed), "check", "--json", str(case)], capsys=capsys)
    decision = json.loads(out)["decisions"][0]
    assert status == 0 and decision["outcome"] == "Upheld" and decision["rules"] == ["licensed.massage.too_many"]
