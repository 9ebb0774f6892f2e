"""Every operator of the rule language, on known, empty and unknown facts: our evaluator and
durable_rules agree, including operators no rule file uses yet (so a rule author who first uses one
gets the semantics the trace shows)."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.decide import evaluate, explain
from engine.cases.document import fact_document
from engine.rules.ir import Compare, Rule, RuleSet
from helpers import make_case

CASES = [
    make_case({"quantity": None, "purpose": "unknown", "date": None}),
    make_case({"quantity": 6, "purpose": "therapeutic", "body_regions": [], "date": "2009-01-01"},
              exam={"red_flags": []}),
    make_case({"quantity": 2, "purpose": "maintenance", "body_regions": ["knee"], "date": "2011-01-01",
               "frequency_per_week": 2.5}, exam={"red_flags": ["fracture"]}, claimant={"date_of_injury": "2004-01-01"}),
]

LEAVES = {
    "eq": [("request.purpose", "maintenance"), ("request.quantity", 6), ("request.frequency_per_week", 2.5)],
    "ne": [("request.purpose", "maintenance"), ("request.quantity", 6)],
    "gt": [("request.quantity", 2), ("request.date", "2010-01-01"), ("request.frequency_per_week", 2)],
    "gte": [("request.quantity", 6), ("claimant.date_of_injury", "2004-01-01")],
    "lt": [("request.quantity", 6), ("request.date", "2010-01-01")],
    "lte": [("request.quantity", 2), ("request.frequency_per_week", 2.5)],
    "in": [("request.purpose", ["maintenance", "flare_up"]), ("request.quantity", [1, 2])],
    "contains": [("request.body_regions", "knee"), ("exam.red_flags", "fracture")],
    "excludes": [("request.body_regions", "knee"), ("exam.red_flags", "fracture")],
    "known": [("request.quantity", True), ("request.quantity", False), ("request.purpose", False)],
}


def _ruleset(key: str, leaves: list[tuple[str, str, object]]) -> RuleSet:
    rules = tuple(Rule(id=f"op.{key}.r{i}", when=Compare(fact=fact, op=op, value=value),
                       finding="medically_necessary", cite="8 CCR 0", because="b")
                  for i, (fact, op, value) in enumerate(leaves))
    return RuleSet(key=f"op_{key}", source="<test>", guideline="g", cite="c", services=("acupuncture",),
                   in_force_from=dt.date(2000, 1, 1), rules=rules)


@pytest.mark.parametrize("op", sorted(LEAVES))
def test_each_operator_agrees_with_durable_rules(op):
    rs = _ruleset(op, [(fact, op, value) for fact, value in LEAVES[op]])
    for case in CASES:
        document = fact_document(case, case.requests[0])
        assert sorted(evaluate.run([rs], document).fired) == sorted(explain.run([rs], document).fired), (op, case)


def test_known_on_a_list_fact_agrees_with_durable_rules():
    rs = _ruleset("known_list", [("request.body_regions", "known", True), ("exam.red_flags", "known", False),
                                 ("exam.red_flags", "contains", "fracture")])
    for case in CASES:
        document = fact_document(case, case.requests[0])
        assert sorted(evaluate.run([rs], document).fired) == sorted(explain.run([rs], document).fired)
