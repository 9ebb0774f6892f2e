"""The fast paths of issue #15 give what the plain code gives: the fact sent to durable_rules, and
the null assertions left out only where no pattern can match them."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

import strategies
from engine.rules.compile import _durable_fact_reference, durable_fact, referenced_paths
from engine.cases.document import fact_document, judged_day
from engine.decide.evaluate import _null_can_match
from engine.cases.facts import Case
from engine.rules.ir import leaves
from helpers import DAY, book

BOOK = book()


@settings(max_examples=150, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(strategies.case())
def test_the_sent_fact_is_the_plainly_built_one(data):
    case = Case.model_validate(data)
    for request in case.requests:
        day = judged_day(request, DAY)
        rulesets = BOOK.in_force(request.service.value, day)
        if not rulesets:
            continue
        paths = referenced_paths(rulesets)
        document = fact_document(case, request, day)
        fast, plain = durable_fact(document, paths), _durable_fact_reference(document, paths)
        assert fast == plain
        assert json.dumps(fast) == json.dumps(plain)  # the same keys in the same order, as sent


def test_an_unknown_derived_fact_is_asserted_whenever_a_rule_tests_it_for_unknown():
    for rs in BOOK.rulesets:
        for rule in rs.rules:
            for c in leaves(rule.when):
                if c.derived and c.op == "known" and c.value is False:
                    assert _null_can_match(BOOK.rulesets, c.derived_name)
