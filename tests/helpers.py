"""Small builders shared by the tests: a case from keyword facts, and its decisions."""
from __future__ import annotations

import copy
import datetime as dt
from functools import lru_cache
from typing import Any

from engine.decide.decision import RequestDecision, decide_request
from engine.cases.facts import Case
from engine.rules.rulebook import Rulebook, load_rulebook

DAY = dt.date(2014, 6, 1)  # inside the 2009 MTUS period that the seed letters were decided under


@lru_cache(maxsize=1)
def book() -> Rulebook:
    return load_rulebook()


def make_case(request: dict[str, Any] | None = None, **facts: Any) -> Case:
    """A valid case with one request; ``request`` overrides the request's fields."""
    req = {"text": "the request", "service": "acupuncture", "quantity": 6, "date": DAY.isoformat()}
    req.update(request or {})
    data = copy.deepcopy(facts)
    data["requests"] = [req]
    return Case.model_validate(data)


def decide(request: dict[str, Any] | None = None, **facts: Any) -> RequestDecision:
    case = make_case(request, **facts)
    return decide_request(case, case.requests[0], book())


def more_never_helps(data: dict[str, Any], a: int, b: int, outcome) -> None:
    """Asking for more of a service never turns Upheld into Overturned (the other facts fixed)."""
    few, many = sorted((a, b))
    data["requests"][0]["quantity"] = few
    before = outcome(data)
    data["requests"][0]["quantity"] = many
    after = outcome(data)
    assert not (before == "Upheld" and after == "Overturned"), (few, before, many, after)


def in_force_requests(data: dict[str, Any] | Case):
    """The requests of a case (or a generated case's data) that have rule sets in force on
    ``DAY``, each with its day, its rule sets and its fact document."""
    from engine.cases.document import fact_document, judged_day

    case = data if isinstance(data, Case) else Case.model_validate(data)
    for request in case.requests:
        day = judged_day(request, DAY)
        rulesets = book().in_force(request.service.value, day)
        if rulesets:
            yield request, day, rulesets, fact_document(case, request, day)
