"""The durable_rules host: every matching rule, sessions always deleted, errors surfaced."""
from __future__ import annotations

import pytest

from engine.decide import evaluate
from engine.rules.compile import compile_rules, durable_fact, referenced_paths
from engine.cases.document import fact_document
from engine.errors import EvaluationError
from engine.rules.rulebook import load_rulebook
from helpers import DAY, book, make_case


def _rulesets(service="acupuncture"):
    return book().in_force(service, DAY)


def test_every_matching_rule_fires_not_only_the_first():
    case = make_case({"quantity": 12, "frequency_per_week": 5})
    firing = evaluate.run(_rulesets(), fact_document(case, case.requests[0]))
    assert {"acupuncture.initial_trial.too_many", "acupuncture.frequency.too_high"} <= set(firing.fired)
    assert firing.derived["adjunct_treatment"] == "none"


def test_derived_facts_not_concluded_are_unknown():
    case = make_case({"quantity": 4}, treatments=[{"modality": "acupuncture", "sessions": None}])
    firing = evaluate.run(_rulesets(), fact_document(case, case.requests[0]))
    assert firing.derived["functional_improvement"] is None
    assert "acupuncture.extension.no_functional_improvement" in firing.fired


def test_sessions_are_deleted_past_the_1024_live_session_cap():
    case = make_case({"quantity": 4})
    doc = fact_document(case, case.requests[0])
    h = evaluate.host()
    for _ in range(1500):  # durable_rules raises MemoryError at the 1,024th live session
        assert evaluate.run(_rulesets(), doc).fired
    assert h._sessions == {}


def test_nothing_matching_is_no_criterion_not_an_error(tmp_path):
    (tmp_path / "r.yaml").write_text(
        "guideline: G\ncite: C\nservices: [tens]\nin_force: {from: 2000-01-01}\nrules:\n"
        "  - id: g.never\n    when: {fact: request.quantity, gt: 1000}\n    finding: medically_necessary\n"
        "    cite: C\n    because: b\n")
    rs = load_rulebook([tmp_path]).rulesets
    case = make_case({"service": "tens", "quantity": 1})
    doc = fact_document(case, case.requests[0])
    # many times: deleting a session in which nothing matched used to crash durable_rules
    for _ in range(1200):
        assert evaluate.run(rs, doc).fired == []


def test_an_action_error_is_raised_not_swallowed(tmp_path):
    # two derivation rules concluding different values for one fact: the action raises inside
    # durable_rules, which stores the exception in the session state; the host must surface it.
    (tmp_path / "d.yaml").write_text(
        "guideline: D\ncite: C\nin_force: {from: 2000-01-01}\nderives: {mood: [good, bad]}\nrules:\n"
        "  - id: d.good\n    when: {fact: request.quantity, gt: 1}\n    derive: {mood: good}\n    cite: C\n    because: b\n"
        "  - id: d.bad\n    when: {fact: request.quantity, gt: 2}\n    derive: {mood: bad}\n    cite: C\n    because: b\n"
        "  - id: d.use\n    when: {fact: derived.mood, eq: bad}\n    derive: {mood: bad}\n    cite: C\n    because: b\n")
    from engine.rules.rulebook import lint

    rulebook, problems = lint([tmp_path])
    assert any("another value of mood" in str(p) for p in problems)  # lint sees it first
    case = make_case({"quantity": 5})
    with pytest.raises(EvaluationError, match="concluded as both"):
        evaluate.run(rulebook.rulesets, fact_document(case, case.requests[0]))
    assert evaluate.host()._sessions == {}  # and the session is still cleaned up


def test_compiled_rules_read_only_the_paths_they_need():
    rulesets = _rulesets()
    definition = compile_rules(rulesets)
    anchor = definition.pop("imr.session_anchor")
    assert anchor == {"all": [{"c": {"kind": "case"}}], "run": "imr.session_anchor"}
    assert all(d["all"][0]["c"]["$and"][0] == {"kind": "case"} for d in definition.values())
    paths = referenced_paths(rulesets)
    assert "request.quantity" in paths and "request.body_regions.shoulder" in paths
    case = make_case({"quantity": 4, "body_regions": ["shoulder"]})
    fact = durable_fact(fact_document(case, case.requests[0]), paths)
    assert fact["request"]["body_regions"] == {"shoulder": True}
    assert "claimant" not in fact


def test_a_list_fact_that_is_unknown_matches_neither_contains_nor_excludes():
    case = make_case({"quantity": 4})
    doc = fact_document(case, case.requests[0])
    assert doc["exam"]["red_flags"] is None
    fact = durable_fact(doc, ["exam.red_flags.fracture"])
    assert fact["exam"]["red_flags"]["fracture"] is None


def test_the_host_dispatch_fires_what_durable_rules_own_dispatch_fires_in_the_same_order(monkeypatch):
    # The host runs the actions itself (no Closure, no state written back); durable_rules' own
    # action loop (``stock``) is the reference: the same rules, in the same order, the same derived
    # facts, on generated cases of every service.
    from hypothesis import HealthCheck, given, settings

    import strategies
    from helpers import in_force_requests

    seen = []

    @settings(max_examples=120, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategies.case())
    def check(data):
        for _, _, rulesets, document in in_force_requests(data):
            monkeypatch.setattr(evaluate, "_STOCK", True)
            stock = evaluate.run(rulesets, document)
            monkeypatch.setattr(evaluate, "_STOCK", False)
            ours = evaluate.run(rulesets, document)
            assert (ours.fired, ours.derived) == (stock.fired, stock.derived)
            seen.append(len(ours.fired))

    check()
    assert sum(n > 1 for n in seen) > 20  # many evaluations fired several rules, derivations included
    assert evaluate.host()._sessions == {}
