"""MTUS Chronic Pain Medical Treatment Guidelines, Massage therapy, p. 60."""
from __future__ import annotations

import pytest

from helpers import decide

EXERCISE = [{"modality": "home_exercise", "ongoing": True}]


@pytest.mark.parametrize("quantity, outcome", [(4, "Overturned"), (6, "Overturned"), (7, "Upheld"), (12, "Upheld")])
def test_massage_is_limited_to_6_visits(quantity, outcome):
    d = decide({"service": "massage_therapy", "quantity": quantity}, treatments=EXERCISE)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["massage.visits.too_many"]
        assert f"{quantity} visits were requested" in d.rationale
    assert "MTUS Chronic Pain Medical Treatment Guidelines, Massage therapy, 8 CCR 9792.24.2, p. 60" in d.citations


@pytest.mark.parametrize("adjunct", ["home_exercise", "physical_therapy", "acupuncture", "chiropractic"])
def test_massage_with_an_adjunct_in_progress(adjunct):
    d = decide({"service": "massage_therapy", "quantity": 6}, treatments=[{"modality": adjunct, "ongoing": True}])
    assert (d.outcome, d.rules) == ("Overturned", ["massage.within_guideline"])


def test_massage_without_an_adjunct_is_not_a_stand_alone_therapy():
    d = decide({"service": "massage_therapy", "quantity": 6},
               treatments=[{"modality": "physical_therapy", "sessions": 12}])  # finished, not ongoing
    assert (d.outcome, d.rules) == ("Upheld", ["massage.adjunct.missing"])
    assert any("home exercise" in advice for advice in d.to_pass)
    both = decide({"service": "massage_therapy", "quantity": 12})
    assert set(both.rules) == {"massage.visits.too_many", "massage.adjunct.missing"}


@pytest.mark.parametrize("day, predicted", [("2009-07-17", False), ("2009-07-18", True),
                                            ("2016-07-28", True), ("2016-07-29", False)])
def test_massage_rules_are_in_force_only_under_the_2009_guidelines(day, predicted):
    d = decide({"service": "massage_therapy", "quantity": 6, "date": day}, treatments=EXERCISE)
    assert (d.outcome is not None) == predicted
    if not predicted:
        assert "no encoded rule set for 'massage_therapy' is in force on " + day in d.no_prediction
