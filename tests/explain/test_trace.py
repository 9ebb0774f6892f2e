"""The trace (engine.decide.explain) and its rendering by `imr check --explain` (text and JSON)."""
from __future__ import annotations

import json
from pathlib import Path

from engine.decide import explain
from engine.cli import main
from engine.decide.decision import decide_request
from engine.cases.facts import load_case
from engine.rules.ir import leaves
from helpers import DAY, book, make_case

SEEDS = sorted((Path(__file__).resolve().parents[2] / "cases" / "seeds").glob("*.yaml"))
SEED_001 = next(p for p in SEEDS if p.name.startswith("001_"))


def traced(case, index: int = 0):
    return decide_request(case, case.requests[index], book(), explain=True)


def test_the_trace_covers_every_rule_in_force_with_every_leaf():
    case = load_case(str(SEED_001))
    d = traced(case)
    request = case.requests[0]
    rulesets = book().in_force(request.service.value, request.date)
    trace = d.trace
    assert trace.engine_agrees is True
    assert [r.id for r in trace.rules if not r.derive] == [
        rule.id for rs in rulesets for rule in rs.rules if not rule.derive]
    assert {r.id for r in trace.rules} == {rule.id for rs in rulesets for rule in rs.rules}
    for rt in trace.rules:
        _, rule = book().rule(rt.id)
        assert [(c.fact, c.op) for c in rt.leaves()] == [(c.fact, c.op) for c in leaves(rule.when)]
    assert set(trace.fired) == set(d.rules) | set(d.derived)


def test_the_trace_shows_values_operators_and_three_valued_results():
    d = traced(load_case(str(SEED_001)))
    rules = {r.id: r for r in d.trace.rules}
    extension = rules["acupuncture.extension.no_functional_improvement"]
    assert extension.outcome == "fired"
    by_key = {(c.fact, c.op): c for c in extension.leaves()}
    unknown_count = by_key[("request.prior_sessions", "known")]
    assert (unknown_count.seen, unknown_count.known, unknown_count.value, unknown_count.result) == (None, False, False, True)
    assert by_key[("request.prior_sessions", "gt")].result is None  # undecided on an unknown fact
    fi = by_key[("derived.functional_improvement", "eq")]
    assert fi.derived_by == [] and fi.result is None  # no rule concluded it: unknown
    assert by_key[("request.prior_recorded", "eq")].seen is True
    # A supporting criterion that needs the unknown facts is undecided, not "did not fire".
    assert rules["acupuncture.extension.functional_improvement_documented"].outcome == "undecided"
    assert rules["acupuncture.frequency.too_high"].outcome == "did_not_fire"
    assert d.trace.derived["functional_improvement"] is None


def test_derived_facts_name_the_rules_that_concluded_them():
    case = make_case({"quantity": 6}, treatments=[{"modality": "acupuncture", "sessions": 6}],
                     functional_status={"adl": "improved", "medication_use": "reduced"})
    d = traced(case)
    rules = {r.id: r for r in d.trace.rules}
    leaf = next(c for c in rules["acupuncture.extension.functional_improvement_documented"].leaves() if c.derived_by is not None)
    assert leaf.seen == "documented" and leaf.derived_by == ["definitions.functional_improvement.documented"]
    assert d.outcome == "Overturned" and d.trace.engine_agrees


def test_a_group_in_the_trace_has_the_value_the_evaluator_gives_it():
    # The trace does not combine its children's results itself: every group is the evaluator's value.
    case = make_case({"quantity": 6}, treatments=[{"modality": "acupuncture", "sessions": 6}],
                     functional_status={"adl": "improved"})
    d = traced(case)
    groups = [n for r in d.trace.rules for n in _groups(r.when)]
    assert groups and any(g.result is None for g in groups)
    for g in groups:
        results = [c.result for c in g.conditions]
        kleene = ((False if False in results else None if None in results else True) if g.op == "all" else
                  (True if True in results else None if None in results else False))
        assert g.result is kleene


def _groups(node):
    if getattr(node, "conditions", None) is None:
        return []
    return [node, *(g for c in node.conditions for g in _groups(c))]


def test_a_derived_fact_no_rule_set_declares_is_absent_not_unknown():
    # durable_rules never sees such a fact, so not even `known: false` matches it.
    from engine.rules.ir import Compare, Rule, RuleSet
    import datetime as dt

    rule = Rule(id="x.absent", when=Compare(fact="derived.nothing", op="known", value=False),
                finding="not_medically_necessary", cite="8 CCR 0", because="b")
    rs = RuleSet(key="x", source="x", guideline="g", cite="c", services=("acupuncture",),
                 in_force_from=dt.date(2000, 1, 1), rules=(rule,))
    ev = explain.run([rs], {}, trace=True)
    assert ev.fired == [] and ev.trace.rules[0].when.absent and ev.trace.rules[0].outcome == "undecided"


# -- imr check --explain ------------------------------------------------------------------------------

def test_check_explain_shows_every_condition_with_its_value(capsys):
    assert main(["check", "--explain", *map(str, SEEDS)]) == 0
    out = capsys.readouterr().out
    for path in SEEDS:
        case = load_case(str(path))
        for i, request in enumerate(case.requests):
            d = traced(case, i)
            if d.trace is None:
                assert "Trace: no rule set in force" in out
                continue
            for rt in d.trace.rules:
                assert f"] {rt.id} (" in out
                for leaf in rt.leaves():
                    assert explain._leaf_line(leaf) in out, (path.name, rt.id, leaf)


def test_check_without_explain_has_no_trace(capsys):
    assert main(["check", str(SEED_001)]) == 0
    out = capsys.readouterr().out
    assert "Trace (" not in out
    assert "Pre-check: NEEDS DOCUMENTATION" in out and "What would make it pass:" in out
    assert "8 CCR 9792.20(f)" in out


def test_check_json_explain_carries_trace_precheck_and_advice(capsys):
    assert main(["check", "--json", "--explain", str(SEED_001)]) == 0
    decision = json.loads(capsys.readouterr().out)["decisions"][0]
    trace = decision["trace"]
    assert trace["engine_agrees"] is True
    rule = next(r for r in trace["rules"] if r["id"] == "acupuncture.extension.no_functional_improvement")
    assert rule["outcome"] == "fired" and rule["when"]["op"] == "all"
    leaf = rule["when"]["conditions"][1]["conditions"][1]
    assert leaf == {"fact": "request.prior_sessions", "op": "known", "value": False, "seen": None,
                    "known": False, "result": True, "derived_by": None, "absent": False}
    assert decision["precheck"]["status"] == "needs_documentation"
    change = decision["advice"]["changes"][0]
    assert set(change) == {"field", "from", "to", "words"} and change["from"] is None
    assert decision["advice"]["verified"] is True


def test_check_json_without_explain_omits_the_trace(capsys):
    assert main(["check", "--json", str(SEED_001)]) == 0
    decision = json.loads(capsys.readouterr().out)["decisions"][0]
    assert "trace" not in decision and decision["advice"]["possible"] is True


def test_check_no_advice(capsys):
    assert main(["check", "--json", "--no-advice", str(SEED_001)]) == 0
    decision = json.loads(capsys.readouterr().out)["decisions"][0]
    assert decision["advice"] is None and decision["precheck"]["status"] == "needs_documentation"


def test_trace_round_trips_through_json():
    d = traced(load_case(str(SEED_001)))
    again = explain.Trace.model_validate_json(d.trace.model_dump_json())
    assert again == d.trace


def test_an_evaluation_of_only_some_rules_gives_them_and_every_derived_fact_the_full_values():
    import pytest
    from engine.cases.document import fact_document, judged_day

    checked = 0
    for path in SEEDS[:8]:
        case = load_case(str(path))
        request = case.requests[0]
        day = judged_day(request, DAY)
        rulesets = book().in_force(request.service.value, day)
        if not rulesets:
            continue
        checked += 1
        document = fact_document(case, request, day)
        unknown = {p for p in explain._plan(rulesets).plain_facts if explain.lookup(document, p) is None}
        assert explain._plan(rulesets).unknown_facts(document) == unknown
        full = explain.run(rulesets, document, wild=unknown)
        chosen = [rule.id for rs in rulesets for rule in rs.rules if not rule.derive][::2]
        part = explain.run(rulesets, document, wild=unknown, only=chosen)
        assert part.derived == full.derived and part.wild == full.wild
        derivations = {rule.id for rs in rulesets for rule in rs.rules if rule.derive}
        assert set(part.results) == derivations | set(chosen)
        assert all(part.results[r] is full.results[r] for r in part.results)
        with pytest.raises(ValueError):
            explain.run(rulesets, document, only=chosen, trace=True)
    assert checked >= 3


def test_the_facts_blocking_a_condition_are_the_undecided_leaves_of_its_trace():
    # The pre-check reads the blocking facts from the condition itself; the trace (built from the
    # same evaluator) is the plain statement of them: undecided leaves reached through undecided groups.
    from engine.rules.semantics import Facts
    from helpers import in_force_requests

    def from_trace(node):
        if node.result is not None:
            return []
        if isinstance(node, explain.ConditionTrace):
            return [node.fact]
        return list(dict.fromkeys(f for child in node.conditions for f in from_trace(child)))

    nonempty = 0
    for path in SEEDS:
        for _, _, rulesets, document in in_force_requests(load_case(str(path))):
            plan = explain._plan(rulesets)
            for wild in (None, plan.unknown_facts(document)):
                ev = explain.run(rulesets, document, wild=wild)
                facts = Facts(document, ev.derived, plan.declared, ev.wild)
                for rs, rule in plan.pairs:
                    blocking = explain._blocking(rule.when, facts)
                    assert blocking == from_trace(explain._trace(rule.when, facts, {}, None)), rule.id
                    nonempty += bool(blocking)
    assert nonempty > 20
