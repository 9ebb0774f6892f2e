"""``contract.trusted`` must build the same instance as pydantic's ``model_construct``."""
import datetime as dt

import pytest

from engine.contract import (
    Advice, Change, FiredRule, MissingFact, Need, Precheck, RequestDecision, trusted,
)


def _state(m):
    return (list(m.__dict__.items()), m.model_fields_set, m.__pydantic_extra__, m.__pydantic_private__,
            m.model_dump_json())


@pytest.mark.parametrize("cls, values", [
    (FiredRule, dict(id="r1", finding=None, derived="x=y", citation="c", because="b", to_pass=None, status="s")),
    (FiredRule, dict(id="r1", citation="c", because="b", status="s")),  # defaults filled, not in fields_set
    (RequestDecision, dict(request="r", service="acupuncture", outcome="Upheld", rationale="why",
                           date_used=dt.date(2016, 1, 2), fired=[], not_a_field=1)),
    (Precheck, dict(status="certifiable", reason="r")),
    (MissingFact, dict(fact="f", words="w", needed_by=[Need(rule="r", citation="c", because="b")])),
    (Advice, dict(possible=False, words="w")),
    (Change, {"field": "f", "from": 1, "to": 2, "words": "w"}),  # an alias: model_construct itself
    (RequestDecision, dict(request="r")),  # required fields missing are left out, as model_construct does
])
def test_trusted_is_model_construct(cls, values):
    ours, theirs = trusted(cls, dict(values)), cls.model_construct(**dict(values))
    assert type(ours) is cls
    if "outcome" in values or cls is not RequestDecision:
        assert _state(ours) == _state(theirs)
    else:
        assert list(ours.__dict__.items()) == list(theirs.__dict__.items())
        assert ours.model_fields_set == theirs.model_fields_set


def test_fresh_default_lists():
    a, b = trusted(FiredRule, dict(id="a", citation="c", because="b", status="s")), trusted(
        RequestDecision, dict(request="r", service="s", outcome=None, rationale="x"))
    c = trusted(RequestDecision, dict(request="r", service="s", outcome=None, rationale="x"))
    assert a.finding is None and b.rules == [] and b.rules is not c.rules
