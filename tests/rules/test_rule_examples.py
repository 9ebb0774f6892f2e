"""The worked examples of the rule files (``examples:``) are decided by the bundled rulebook and must
give the outcome (and deciding rules) they state; a rule author checks a file by writing them."""
from __future__ import annotations

import pytest

from engine.decide.decision import decide_request
from engine.cases.facts import Case
from engine.rules.rulebook import default_rules_dir, lint, load_rulebook

BOOK = load_rulebook()
BOOK_DIR = default_rules_dir()
EXAMPLES = [(rs, ex) for rs in BOOK.rulesets for ex in rs.examples]


def test_some_rule_files_have_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("rs, example", EXAMPLES, ids=[f"{rs.key}: {ex.name}" for rs, ex in EXAMPLES])
def test_example(rs, example) -> None:  # type: ignore[no-untyped-def]
    case = Case.model_validate({**example.case, "requests": [example.request]})
    d = decide_request(case, case.requests[0], BOOK)
    assert d.outcome == example.outcome, (d.rules, d.rationale)
    if example.rules is not None:
        assert list(example.rules) == d.rules


def test_a_wrong_example_is_reported_with_its_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (BOOK_DIR / "acupuncture" / "acupuncture_2009.yaml").read_text(encoding="utf-8")
    path = tmp_path / "acupuncture_2009.yaml"
    path.write_text(text.replace("rules: [acupuncture.initial_trial.too_many]", "rules: [acupuncture.nope]"))
    _, problems = lint([path])
    assert any("example names 1 rule(s) not in this file" in str(p) and ":" in str(p) for p in problems)
