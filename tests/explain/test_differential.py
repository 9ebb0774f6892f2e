"""Differential check: our evaluator (engine.decide.explain) and durable_rules (engine.decide.evaluate) fire the same
rules and conclude the same derived facts, over generated cases, for every rule file in rules/.

The rule files and services come from the rulebook, so a rule file added later is covered without
editing this test. A second group of tests breaks our evaluator on purpose and shows that the check
then finds a disagreement: the check can fail.
"""
from __future__ import annotations

import random
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from engine.decide import evaluate, explain
from engine.cases.document import fact_document
from engine.cases.facts import Case
from engine.rules import semantics
from engine.rules.semantics import compare as real_compare
from engine.rules.ir import dnf
from helpers import book
from rule_cases import Generator, edge_days, request_dates

BOOK = book()
GEN = Generator(BOOK)
# Every rule file that judges services (each case is for one of its services, drawn at random).
# Definition files apply with every one of them; test_every_rule_file_is_exercised checks that each
# is in force together with one.
TARGETS = [rs for rs in BOOK.rulesets if not rs.is_definitions]
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


def disagreement(case: Case, outcomes: dict | None = None, **broken) -> str | None:
    """How our evaluator and durable_rules disagree on this case's request, or None."""
    request = case.requests[0]
    rulesets = BOOK.in_force(request.service.value, request.date)
    if not rulesets:
        return None
    document = fact_document(case, request)
    theirs = evaluate.run(rulesets, document)
    ours = explain.run(rulesets, document, **broken)
    if outcomes is not None:
        for rule_id, result in ours.results.items():
            outcomes[rule_id].add(result)
    if set(theirs.fired) != set(ours.fired) or theirs.derived != ours.derived:
        return (f"durable_rules fired {sorted(theirs.fired)} and derived {theirs.derived}; "
                f"our evaluator fired {sorted(ours.fired)} and derived {ours.derived}")
    return None


_CASES: dict[str, st.SearchStrategy] = {}


def cases_for(rs):
    """Cases for one of the file's services, dated in its period, steered towards its rules."""
    if rs.key not in _CASES:
        days = request_dates(BOOK, rs)
        _CASES[rs.key] = st.one_of([GEN.case(service, days, steer=rs) for service in rs.services])
    return _CASES[rs.key]


def test_there_are_rule_files_to_check():
    assert TARGETS, "no rule file judges any service"


def test_every_rule_file_is_exercised():
    """Each definition file is in force together with some service's rule file."""
    for rs in BOOK.rulesets:
        if rs.is_definitions:
            assert any(_overlap(rs, other) for other in TARGETS), (
                f"{rs.source}: in force with no service's rules, so the differential test never runs it")


def _overlap(a, b) -> bool:
    a_end, b_end = a.in_force_to or a.in_force_from.max, b.in_force_to or b.in_force_from.max
    return a.in_force_from <= b_end and b.in_force_from <= a_end


@pytest.mark.parametrize("rs", TARGETS, ids=[rs.key for rs in TARGETS])
def test_our_evaluator_fires_what_durable_rules_fires(rs):
    # 25 generated cases per rule file: with ~50 files that is 1,250 cases a run, beside the directed
    # cases below (every conjunction of every rule) and the comparison every decision makes at run
    # time; 150 a file made this one test most of the suite's time.
    @settings(max_examples=25, **SETTINGS)
    @given(cases_for(rs))
    def check(case: Case) -> None:
        problem = disagreement(case)
        assert problem is None, problem

    check()


DIRECTED_SEEDS = 4  # cases per conjunction of each rule


@pytest.mark.parametrize("rs", TARGETS, ids=[rs.key for rs in TARGETS])
def test_every_rule_fires_and_both_evaluators_agree_on_directed_cases(rs):
    """For every conjunction of every rule of the file: cases where nothing is documented but the
    facts that make it hold (as far as the case model expresses them). Both evaluators agree on
    each, and each rule fires on at least one, so the random test above is not the agreement of two
    evaluators that fire nothing."""
    rnd = random.Random(rs.key)
    days = edge_days(BOOK, rs)
    fired: set[str] = set()
    problems = []
    for rule in rs.rules:
        for term in dnf(rule.when)[:8]:
            for _ in range(DIRECTED_SEEDS):
                service = rnd.choice(rs.services)
                case = GEN.directed(rule, term, service, rnd.choice(days), rnd)
                if case is None:
                    continue
                outcomes: dict[str, set] = defaultdict(set)
                problem = disagreement(case, outcomes)
                if problem:
                    problems.append(f"{rule.id}: {problem}")
                fired |= {r for r, results in outcomes.items() if True in results}
    assert not problems, "\n".join(problems[:5])
    never = [rule.id for rule in rs.rules if rule.id not in fired]
    assert not never, (f"{rs.source}: no directed case fired {never}; teach rule_cases.Steer the facts "
                       "these rules read")


# -- the check can fail ---------------------------------------------------------------------------

def _directed_cases():
    rnd = random.Random("broken")
    for rs in TARGETS:
        days = edge_days(BOOK, rs)
        for rule in rs.rules:
            for term in dnf(rule.when)[:8]:
                for _ in range(DIRECTED_SEEDS):
                    case = GEN.directed(rule, term, rnd.choice(rs.services), rnd.choice(days), rnd)
                    if case is not None:
                        yield rs, case


def test_every_definition_rule_fires_on_some_directed_case():
    fired: set[str] = set()
    for _, case in _directed_cases():
        outcomes: dict[str, set] = defaultdict(set)
        assert disagreement(case, outcomes) is None
        fired |= {r for r, results in outcomes.items() if True in results}
    never = [rule.id for rs in BOOK.rulesets if rs.is_definitions for rule in rs.rules if rule.id not in fired]
    assert not never, f"no directed case fired the definition rules {never}"


def _finds_disagreement(**broken) -> str:
    """The differential check run with a broken evaluator: first on the directed cases, then on
    generated ones (the property test itself, which must then fail)."""
    for _, case in _directed_cases():
        problem = disagreement(case, **broken)
        if problem:
            return problem
    for rs in TARGETS:
        @settings(max_examples=150, phases=[Phase.generate], **SETTINGS)
        @given(cases_for(rs))
        def check(case: Case) -> None:
            problem = disagreement(case, **broken)
            assert problem is None, problem

        try:
            check()
        except AssertionError as e:
            return str(e)
    return ""


def test_the_check_fails_when_gt_behaves_like_gte(monkeypatch):
    # The semantics' own operator tables broken (the closures and the generated code), conditions
    # compiled again from them: the caches hold them compiled from the tables as they were.
    monkeypatch.setitem(semantics._OPERATORS, "gt", semantics._OPERATORS["gte"])
    monkeypatch.setitem(semantics._SOURCE, "gt", semantics._SOURCE["gte"])
    monkeypatch.setattr(semantics, "_COMPILED", {})
    monkeypatch.setattr(semantics, "_GENERATED", {})
    monkeypatch.setattr(semantics, "_GENERATED_WILD", {})
    assert semantics.compare("gt", 3, 3) is True
    assert "durable_rules fired" in _finds_disagreement()


def test_the_check_fails_when_unknown_is_treated_as_false():
    # Then ``known: false`` no longer matches an unknown fact, so "not documented or unknown" rules
    # stop firing on unknown facts. (Treating only the comparisons on unknown facts as false would
    # change nothing: with no negation in the rule language, false and undecided both do not fire.)
    def unknown_is_false(op, seen, value):
        return False if seen is None else real_compare(op, seen, value)

    assert "durable_rules fired" in _finds_disagreement(cmp=unknown_is_false)


def test_the_check_fails_when_unconcluded_derived_facts_are_not_set_to_unknown():
    assert "durable_rules fired" in _finds_disagreement(default_unknown=False)


def test_the_check_fails_when_any_is_evaluated_as_all(monkeypatch):
    real_members = semantics._members
    monkeypatch.setattr(semantics, "_COMPILED", {})
    monkeypatch.setattr(semantics, "_GENERATED", {})
    monkeypatch.setattr(semantics, "_GENERATED_WILD", {})
    monkeypatch.setattr(semantics, "_members", lambda cond: (True, real_members(cond)[1]))
    assert "durable_rules fired" in _finds_disagreement()
