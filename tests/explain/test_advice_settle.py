"""The what-would-pass search settles a fact that several knobs change together once they are all
assigned (``engine.decide.advice._Search._settled``). That is a pruning: it may only save work, so
the advice must be the one the search gives without it."""
from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.decide import advice as advice_module
from engine.decide.advice import advise
from engine.decide.decision import decide_request
from helpers import book, make_case

# Visit-count services, whose rules compare the total with earlier visits: the fact the quantity
# and an unknown session count change together.
SERVICES = ["physical_therapy", "occupational_therapy", "chiropractic", "acupuncture", "psychotherapy"]
CONDITIONS = ["myalgia", "neuralgia", "crps", "chronic_pain", "sprain_strain", "depression"]


@st.composite
def visit_cases(draw: st.DrawFn) -> dict[str, Any]:
    service = draw(st.sampled_from(SERVICES))
    request = {"service": service, "quantity": draw(st.none() | st.integers(1, 30)),
               "frequency_per_week": draw(st.none() | st.sampled_from([1, 2, 3, 5])),
               "duration_weeks": draw(st.none() | st.sampled_from([2, 4, 8, 16]))}
    treatments = draw(st.lists(st.fixed_dictionaries({
        "modality": st.sampled_from([service, "physical_therapy", "home_exercise"]),
        "sessions": st.none() | st.integers(0, 20)}), max_size=2))
    conditions = draw(st.lists(st.sampled_from(CONDITIONS), unique=True, max_size=2))
    return {"request": request, "treatments": treatments, "conditions": conditions}


def _advice(data: dict[str, Any]) -> dict[str, Any] | None:
    case = make_case(data["request"], treatments=data["treatments"], conditions=data["conditions"])
    request = case.requests[0]
    d = decide_request(case, request, book())
    if d.outcome != "Upheld" or d.date_used is None:
        return None
    return advise(case, request, book(), book().in_force(request.service.value, d.date_used)).model_dump()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(visit_cases())
def test_settling_never_changes_the_advice(data: dict[str, Any]) -> None:
    settled = _advice(data)
    if settled is None:
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(advice_module._Search, "_settled", lambda *a, **k: None)
        unsettled = _advice(data)
    assert unsettled is not None
    if "stopped after" in (unsettled["reason"] or ""):
        return  # cut by MAX_WORK without the pruning: its answer is not the whole search's
    assert settled["evaluated"] <= unsettled["evaluated"]
    settled["evaluated"] = unsettled["evaluated"]
    assert settled == unsettled


def test_the_total_with_earlier_visits_is_settled_when_both_are_candidates() -> None:
    """Physical therapy for myalgia, earlier visits of unknown number: once documented, the total
    with them exceeds the guideline whatever the quantity candidates. Without settling the search
    evaluates completions until MAX_WORK stops it; with it, it ends after 2 candidates with the
    same answer. (With MAX_WORK lifted, the unsettled search ends with it too, after 2,820
    candidates: too slow for the suite.)"""
    data = {"request": {"service": "physical_therapy", "quantity": 12, "frequency_per_week": 2,
                        "duration_weeks": 6}, "conditions": ["myalgia"],
            "treatments": [{"modality": "physical_therapy", "sessions": None}]}
    settled = _advice(data)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(advice_module._Search, "_settled", lambda *a, **k: None)
        unsettled = _advice(data)
    assert settled is not None and unsettled is not None
    assert "stopped after" not in settled["reason"] and "stopped after" in unsettled["reason"]
    assert settled["evaluated"] == 2 < unsettled["evaluated"]
    for advice in (settled, unsettled):
        advice["evaluated"] = 0
        advice["reason"] = advice["words"] = re.sub(r" \(the search stopped after \d+ candidates\)", "",
                                                    advice["reason"])
    assert settled == unsettled
