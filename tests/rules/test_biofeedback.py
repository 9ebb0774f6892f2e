"""Biofeedback under the 2009 MTUS Chronic Pain Medical Treatment Guidelines: the reference gives no
criterion or visit figure for it, so the rulebook encodes none and makes no prediction in the period,
whatever the visit counts (rules/psych/biofeedback_2009.yaml explains why)."""
from __future__ import annotations

import pytest

from helpers import decide

RULE = "biofeedback.criteria_not_encoded"
CITATION = "MTUS Chronic Pain Medical Treatment Guidelines, Biofeedback, 8 CCR 9792.24.2"


def biofeedback(quantity=4, prior="none", fs=None, **request):
    facts: dict = {"conditions": ["chronic_pain", "depression"]}
    if prior != "none":
        facts["treatments"] = [{"modality": "biofeedback", "sessions": prior}]
    if fs:
        facts["functional_status"] = fs
    return decide({"service": "biofeedback", "quantity": quantity, **request}, **facts)


@pytest.mark.parametrize("quantity", [3, 4, 5, 12])
def test_initial_requests_get_no_prediction_the_p23_trial_is_not_applied(quantity):
    d = biofeedback(quantity)
    assert d.outcome is None
    assert d.rules == [RULE]
    assert d.citations == [CITATION]
    assert "no criterion or visit figure for biofeedback" in d.no_prediction


@pytest.mark.parametrize("prior, quantity", [(4, 2), (4, 6), (4, 7), (None, 10)])  # 6, 10, 11, unknown
def test_extensions_get_no_prediction_the_p23_total_is_not_applied(prior, quantity):
    improved = {"adl": "improved", "work_restrictions": "unchanged", "medication_use": "reduced"}
    for fs in (improved, None):
        d = biofeedback(quantity, prior=prior, fs=fs)
        assert (d.outcome, d.rules) == (None, [RULE])


def test_psychotherapy_sessions_do_not_count_as_biofeedback_and_vice_versa():
    d = decide({"service": "biofeedback", "quantity": 4},
               treatments=[{"modality": "psychotherapy", "sessions": 10}])
    assert d.rules == [RULE]
    d = decide({"service": "psychotherapy", "quantity": 4}, conditions=["chronic_pain", "anxiety"],
               treatments=[{"modality": "biofeedback", "sessions": 10}])
    assert d.outcome == "Overturned"  # still an initial psychotherapy trial


@pytest.mark.parametrize("day, in_force", [
    ("2009-07-17", False), ("2009-07-18", True), ("2016-07-28", True), ("2016-07-29", False),
])
def test_the_rule_is_in_force_with_the_2009_cpmtg(day, in_force):
    d = biofeedback(4, date=day)
    assert d.outcome is None
    if in_force:
        assert d.rules == [RULE]
        assert d.rationale.endswith("No prediction is made for this request.")
    else:
        assert d.rules == []
        assert "no encoded rule set for 'biofeedback' is in force" in d.no_prediction
