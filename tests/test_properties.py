"""Properties of the engine over generated cases (hypothesis)."""
from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies as gen
from engine.decide.decision import decide_case, decide_request
from engine.cases.facts import Case
from helpers import DAY, book, more_never_helps

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IMPROVED = {"adl": "improved", "work_restrictions": "reduced", "medication_use": "reduced"}
TRIAL_SERVICES = ["acupuncture", "electroacupuncture", "massage_therapy"]


def outcome(data: dict) -> str | None:
    case = Case.model_validate(data)
    return decide_request(case, case.requests[0], book(), today=DAY).outcome


def without_prior(data: dict, service: str) -> dict:
    data = copy.deepcopy(data)
    family = {"acupuncture", "electroacupuncture"} if "acupuncture" in service else {service}
    data["treatments"] = [t for t in data.get("treatments", []) if t["modality"] not in family]
    return data


@SETTINGS
@given(gen.case(TRIAL_SERVICES, max_requests=1), st.integers(1, 30), st.integers(1, 30))
def test_more_sessions_never_turn_upheld_into_overturned_for_an_initial_trial(data, a, b):
    service = data["requests"][0]["service"]
    more_never_helps(without_prior(data, service), a, b, outcome)


@SETTINGS
@given(gen.case(TRIAL_SERVICES, max_requests=1))
def test_documenting_functional_improvement_never_turns_overturned_into_upheld(data):
    before = outcome(data)
    data = copy.deepcopy(data)
    data["functional_status"] = IMPROVED
    after = outcome(data)
    assert not (before == "Overturned" and after == "Upheld")


def _shape(decision):
    return [(d.request, d.service, d.outcome, d.rules, d.rationale) for d in decision.decisions]


@SETTINGS
@given(gen.case(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_requests_or_facts(data, rnd):
    for i, r in enumerate(data["requests"]):
        r["text"] = f"request {i}"
    first = decide_case(Case.model_validate(data), book(), today=DAY)
    shuffled = copy.deepcopy(data)
    for key in ("requests", "treatments", "medications", "conditions", "surgery"):
        if key in shuffled:
            rnd.shuffle(shuffled[key])
    second = decide_case(Case.model_validate(shuffled), book(), today=DAY)
    assert sorted(_shape(first), key=str) == sorted(_shape(second), key=str)


@SETTINGS
@given(gen.case())
def test_evaluation_never_raises_on_a_valid_case(data):
    case = Case.model_validate(data)
    result = decide_case(case, book(), today=DAY)
    assert len(result.decisions) == len(case.requests)
    for d in result.decisions:
        assert d.outcome in ("Upheld", "Overturned", None)
        assert d.rationale
        assert (d.outcome is None) == (d.no_prediction is not None)
