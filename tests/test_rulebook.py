"""Rule files: complete validation on load, and `imr rules lint` reporting every problem."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import InputError
from engine.rules.rulebook import default_rules_dir, lint, load_rulebook

GOOD_RULE = """\
  - id: demo.visits.too_many
    when: {fact: request.quantity, gt: 6}
    finding: not_medically_necessary
    cite: 8 CCR 9792.24.2
    because: "{request.quantity} visits were requested."
    to_pass: Request no more than 6 visits.
"""
HEADER = """\
guideline: Demo guideline
cite: 8 CCR 9792.24.2
services: [massage_therapy]
in_force: {from: 2009-07-18, to: 2016-07-28}
rules:
"""


def write(tmp_path: Path, body: str, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def problems_of(path: Path) -> list[str]:
    _, problems = lint([path])
    return [str(p) for p in problems]


def test_bundled_rules_are_clean():
    book, problems = lint()
    assert problems == []
    services = {s for rs in book.rulesets for s in rs.services}
    assert {"acupuncture", "electroacupuncture", "massage_therapy"} <= services
    for rs in book.rulesets:
        for rule in rs.rules:
            assert rule.cite, rule.id
            assert rs.citation(rule).startswith(rs.guideline)


def test_a_good_file_loads(tmp_path):
    path = write(tmp_path, HEADER + GOOD_RULE)
    book = load_rulebook([path])
    (rs,) = book.rulesets
    assert rs.rules[0].id == "demo.visits.too_many"
    assert rs.citation(rs.rules[0]) == "Demo guideline, 8 CCR 9792.24.2"


@pytest.mark.parametrize(
    "edit, line, rule_id, message",
    [
        (("request.quantity, gt", "request.qty, gt"), 7, "demo.visits.too_many", "unknown fact path"),
        (("gt: 6}", "gt: six}"), 7, "demo.visits.too_many", "request.quantity gt: expected a value of integer"),
        (("request.quantity, gt: 6", "request.body_regions, gt: 6"), 7, "demo.visits.too_many",
         "a list fact takes contains, excludes or known, not gt"),
        (("request.quantity, gt: 6", "claimant.work_status, gt: off_work"), 7, "demo.visits.too_many",
         "gt compares numbers or dates"),
        (("request.quantity, gt: 6", "request.body_regions, contains: moon"), 7, "demo.visits.too_many",
         "expected one of lumbar_spine"),
        (("request.quantity, gt: 6", "claimant.sex, eq: 3"), 7, "demo.visits.too_many",
         "expected a value of enum of female, male"),
        (("    cite: 8 CCR 9792.24.2\n    because", "    because"), 6, "demo.visits.too_many",
         "missing citation (cite: section)"),
        (("services: [massage_therapy]", "services: [reiki]"), 3, "-", "unknown service (expected one of"),
        (("from: 2009-07-18", "from: 2009-13-45"), 4, "-", "month must be in 1..12"),
        (("from: 2009-07-18", "from: 'July 2009'"), 4, "-", "from: malformed date (expected YYYY-MM-DD)"),
        (("to: 2016-07-28", "to: 2001-01-01"), 4, "-", "malformed dates: in force to 2001-01-01 is before from"),
        (("{request.quantity} visits", "{request.qty} visits"), 10, "demo.visits.too_many",
         "because: a placeholder names an unknown fact path"),
        (("finding: not_medically_necessary", "finding: maybe"), 8, "demo.visits.too_many", "finding: expected one of"),
        (("id: demo.visits.too_many", "id: Too Many"), 6, "rules[0]", "id: expected a dotted lower-case name"),
        (("    to_pass", "    colour: red\n    to_pass"), 11, "demo.visits.too_many", "unknown key (expected one of"),
    ],
)
def test_each_lint_error_names_file_line_rule_and_problem(tmp_path, edit, line, rule_id, message):
    old, new = edit
    text = HEADER + GOOD_RULE
    assert old in text
    path = write(tmp_path, text.replace(old, new, 1))
    found = problems_of(path)
    assert any(p.startswith(f"{path}:{line} {rule_id}: ") and message in p for p in found), found


def test_duplicate_id(tmp_path):
    path = write(tmp_path, HEADER + GOOD_RULE + GOOD_RULE)
    assert any(p.startswith(f"{path}:12 demo.visits.too_many: duplicate id (first on line 6)") for p in problems_of(path))


def test_duplicate_id_across_files_in_force_together(tmp_path):
    write(tmp_path, HEADER + GOOD_RULE, "a.yaml")
    write(tmp_path, HEADER + GOOD_RULE, "b.yaml")
    _, problems = lint([tmp_path])
    assert any("duplicate id (also in" in str(p) for p in problems)


def test_same_id_in_successive_versions_is_fine(tmp_path):
    write(tmp_path, HEADER + GOOD_RULE, "a.yaml")
    write(tmp_path, (HEADER + GOOD_RULE).replace("from: 2009-07-18, to: 2016-07-28", "from: 2016-07-29, to: null"), "b.yaml")
    assert lint([tmp_path])[1] == []


def test_rule_that_can_never_fire(tmp_path):
    rule = GOOD_RULE.replace("when: {fact: request.quantity, gt: 6}",
                             "when: {all: [{fact: request.quantity, gt: 6}, {fact: request.quantity, lt: 3}]}")
    path = write(tmp_path, HEADER + rule)
    assert any("condition can never be true" in p for p in problems_of(path))


def test_opposite_findings_on_the_same_facts(tmp_path):
    other = GOOD_RULE.replace("demo.visits.too_many", "demo.visits.fine").replace(
        "not_medically_necessary", "medically_necessary").replace("gt: 6", "gt: 4")
    path = write(tmp_path, HEADER + GOOD_RULE + other)
    assert any("fires on the same facts as demo.visits.fine with the opposite finding" in p for p in problems_of(path))
    disjoint = other.replace("gt: 4", "lte: 6")
    assert problems_of(write(tmp_path, HEADER + GOOD_RULE + disjoint)) == []


def test_unknown_derived_fact_and_value(tmp_path):
    rule = GOOD_RULE.replace("{fact: request.quantity, gt: 6}", "{fact: derived.mood, eq: good}")
    assert any("unknown fact path" in p for p in problems_of(write(tmp_path, HEADER + rule)))
    path = write(tmp_path, HEADER + rule)
    # with the bundled definitions the declared derived facts are known, and their values checked
    _, problems = lint([default_rules_dir() / "definitions", path])
    assert any("unknown fact path" in str(p) for p in problems)
    rule2 = GOOD_RULE.replace("{fact: request.quantity, gt: 6}", "{fact: derived.functional_improvement, eq: great}")
    _, problems = lint([default_rules_dir() / "definitions", write(tmp_path, HEADER + rule2)])
    assert any("expected a value of enum of documented, not_documented" in str(p) for p in problems)


def test_malformed_yaml_and_unsafe_tag_in_rule_files(tmp_path):
    bad = write(tmp_path, "guideline: [unclosed\n", "bad.yaml")
    assert any(p.startswith(f"{bad}:2 -: invalid YAML") or p.startswith(f"{bad}:1 -: invalid YAML") for p in problems_of(bad))
    evil = write(tmp_path, HEADER.replace("guideline: Demo guideline", "guideline: !!python/object:os.system x") + GOOD_RULE, "evil.yaml")
    assert any("unsupported YAML tag" in p and "os.system" not in p for p in problems_of(evil))


def test_load_raises_the_first_problem_as_one_line(tmp_path):
    path = write(tmp_path, (HEADER + GOOD_RULE).replace("request.quantity, gt", "request.qty, gt"))
    with pytest.raises(InputError) as err:
        load_rulebook([path])
    assert str(err.value) == f"{path}:7: demo.visits.too_many: unknown fact path (see FACTS in engine/cases/facttable.py)"


def test_imr_rules_lint_exit_status_and_format(tmp_path, capsys):
    assert main(["rules", "lint"]) == 0
    *warnings, ok = capsys.readouterr().out.strip().splitlines()
    assert ok.startswith("ok: ") and all(w.startswith("warning: ") for w in warnings)
    bad = write(tmp_path, (HEADER + GOOD_RULE).replace("services: [massage_therapy]", "services: [reiki]")
                .replace("request.quantity, gt", "request.qty, gt"))
    assert main(["rules", "lint", str(bad)]) == 2
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 2  # every problem, not only the first
    assert all(line.startswith(f"{bad}:") for line in lines)
    assert "2 problem(s)" in out.err


def test_imr_rules_list_shows_service_criterion_citation_dates(capsys):
    assert main(["rules", "list"]) == 0
    out = capsys.readouterr().out
    assert "acupuncture.initial_trial.too_many" in out
    assert "8 CCR 9792.24.1(c)(1)" in out
    assert "2009-07-18.." in out
    assert "massage_therapy" in out


def test_imr_rules_list_unconfirmed_shows_only_unconfirmed_rules(capsys):
    import json

    assert main(["rules", "list", "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert main(["rules", "list", "--unconfirmed", "--json"]) == 0
    unconfirmed = json.loads(capsys.readouterr().out)
    assert unconfirmed and all(r["status"] == "unconfirmed" for r in unconfirmed)
    assert {r["rule"] for r in unconfirmed} == {r["rule"] for r in every if r["status"] == "unconfirmed"}
    assert "acupuncture.initial_trial.too_many" not in {r["rule"] for r in unconfirmed}  # CONFIRMED figures
    assert any(r["rule"].startswith("chiropractic.") for r in unconfirmed)  # pp. 58-60 were not retrieved
    assert main(["rules", "list", "--unconfirmed"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert len(text) == len(unconfirmed) + 1 and all(line.rstrip().endswith("unconfirmed") for line in text[1:])


REAPPLIED = """\
reapplied:
  - key: demo_2016
    from: 2016-07-29
    to: 2017-11-30
    guideline: Demo guideline (2016)
    status: partial
    source: the 2016 edition as quoted in IMR determinations
"""


def test_a_file_reapplied_in_a_later_edition_gives_one_rule_set_per_period(tmp_path):
    book = load_rulebook([write(tmp_path, HEADER.replace("rules:\n", REAPPLIED + "rules:\n") + GOOD_RULE)])
    first, later = book.rulesets
    assert (later.key, later.guideline, str(later.in_force_from), str(later.in_force_to)) == (
        "demo_2016", "Demo guideline (2016)", "2016-07-29", "2017-11-30")
    assert [r.id for r in later.rules] == [r.id for r in first.rules]
    assert {r.status for r in later.rules} == {"partial"}
    import datetime as dt
    assert book.in_force("massage_therapy", dt.date(2017, 1, 1)) == [later]


@pytest.mark.parametrize("change, message", [
    (("from: 2016-07-29", "from: 2016-01-01"), "reapplied period overlaps the file's own in_force"),
    (("    source: the 2016 edition as quoted in IMR determinations\n", ""), "source: expected the source"),
    (("key: demo_2016", "key: Demo 2016"), "key: expected a rule-set name in lower case"),
    (("    status: partial\n", "    status: partial\n    colour: blue\n"), "unknown key (expected one of"),
    (("    status: partial\n", "    status: partial\n    services: [acupuncture]\n"),
     "services: expected some of the file's own services"),
])
def test_reapplied_problems_name_the_line(tmp_path, change, message):
    body = HEADER.replace("rules:\n", REAPPLIED.replace(*change) + "rules:\n") + GOOD_RULE
    problems = problems_of(write(tmp_path, body))
    assert any(message in p and p.startswith(str(tmp_path / "demo.yaml") + ":") for p in problems), problems


SUPPORT_RULE = """\
  - id: demo.visits.within
    when: {fact: request.quantity, lte: 6}
    finding: medically_necessary
    cite: 8 CCR 9792.24.2
    because: "{request.quantity} visits were requested."
"""


def test_lint_warns_of_a_period_in_which_no_rule_can_support_a_service(tmp_path, capsys):
    only_against = write(tmp_path, HEADER + GOOD_RULE)
    assert main(["rules", "lint", str(only_against)]) == 0  # a warning, not an error
    out = capsys.readouterr().out
    assert ("warning: " + str(only_against) + " -: no rule in force can support massage_therapy requests "
            "from 2009-07-18 to 2016-07-28 (files in force: demo)") in out
    assert out.rstrip().endswith("1 warning(s)")


def test_no_warning_when_a_criterion_can_support_or_the_service_is_by_design_unpredicted(tmp_path, capsys):
    both = write(tmp_path, HEADER + GOOD_RULE + SUPPORT_RULE)
    never = write(tmp_path, HEADER + SUPPORT_RULE.replace("lte: 6", "lt: 0").replace(
        "when: {fact: request.quantity, lt: 0}", "when: {all: [{fact: request.quantity, lt: 0}, "
        "{fact: request.quantity, gt: 0}]}"), "never.yaml")
    assert main(["rules", "lint", str(both)]) == 0
    assert "warning" not in capsys.readouterr().out
    # A criterion for the request that can never be true is a lint error of its own, not a gap.
    assert main(["rules", "lint", str(never)]) == 2
    assert "never fires" in capsys.readouterr().out
    outside = write(tmp_path, HEADER + GOOD_RULE.replace("not_medically_necessary", "outside_guideline"),
                    "outside.yaml")
    assert main(["rules", "lint", str(outside)]) == 0
    assert "warning" not in capsys.readouterr().out
