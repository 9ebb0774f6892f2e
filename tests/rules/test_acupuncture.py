"""MTUS Acupuncture Medical Treatment Guidelines (8 CCR 9792.24.1) at every boundary."""
from __future__ import annotations

import pytest

from helpers import decide

IMPROVED = {"adl": "improved", "work_restrictions": "unchanged", "medication_use": "reduced"}


def acupuncture(prior=None, fs=None, **request):
    facts = {}
    if prior is not None:
        facts["treatments"] = [{"modality": "acupuncture", "sessions": prior}] if prior != "none" else []
    if fs:
        facts["functional_status"] = fs
    return decide({"service": "acupuncture", **request}, **facts)


@pytest.mark.parametrize("quantity, outcome, rule", [
    (1, "Overturned", "acupuncture.initial_trial.within_guideline"),
    (3, "Overturned", "acupuncture.initial_trial.within_guideline"),
    (6, "Overturned", "acupuncture.initial_trial.within_guideline"),
    (7, "Upheld", "acupuncture.initial_trial.too_many"),
    (12, "Upheld", "acupuncture.initial_trial.too_many"),
])
def test_initial_trial_is_3_to_6_treatments(quantity, outcome, rule):
    d = acupuncture(prior="none", quantity=quantity)
    assert (d.outcome, d.rules) == (outcome, [rule])
    assert d.confidence == "high"


def test_initial_trial_rationale_and_citation_are_filled_from_the_facts():
    d = acupuncture(prior="none", quantity=12)
    assert "12 treatments were requested" in d.rationale
    assert "MTUS Acupuncture Medical Treatment Guidelines, 8 CCR 9792.24.1(c)(1)" in d.citations
    assert d.to_pass == ["Request an initial trial of no more than 6 treatments."]
    assert d.rationale.endswith("is not medically necessary.")


def test_zero_prior_sessions_recorded_is_an_initial_trial():
    d = acupuncture(prior=0, quantity=6)
    assert d.outcome == "Overturned"


def test_unknown_prior_sessions_is_an_extension_needing_functional_improvement():
    # seed 003/004: "an unknown amount" of earlier acupuncture, no notes of its effect
    d = acupuncture(prior=None, quantity=1)  # no treatment entry: initial
    assert d.outcome == "Overturned"
    d = decide({"service": "acupuncture", "quantity": 1},
               treatments=[{"modality": "acupuncture", "sessions": None}])
    assert (d.outcome, d.rules) == ("Upheld", ["acupuncture.extension.no_functional_improvement"])
    assert "unknown earlier treatments" in d.rationale


@pytest.mark.parametrize("fs, outcome", [
    (IMPROVED, "Overturned"),
    ({"adl": "unchanged", "work_restrictions": "reduced", "medication_use": "reduced"}, "Overturned"),
    ({"adl": "improved", "work_restrictions": "reduced", "medication_use": "reduced"}, "Overturned"),
    # the "and" of 9792.20(f) is conjunctive: function gain without less dependency is not enough
    ({"adl": "improved", "work_restrictions": "reduced", "medication_use": "unchanged"}, "Upheld"),
    ({"adl": "improved", "medication_use": "increased"}, "Upheld"),
    # less medication without a gain in function is not enough
    ({"adl": "unchanged", "work_restrictions": "unchanged", "medication_use": "reduced"}, "Upheld"),
    ({"adl": "worse", "work_restrictions": "increased", "medication_use": "reduced"}, "Upheld"),
    # unknown elements: not documented
    ({"adl": "improved"}, "Upheld"),
    ({"medication_use": "reduced"}, "Upheld"),
    ({}, "Upheld"),
])
def test_extension_requires_each_element_of_9792_20_f(fs, outcome):
    d = acupuncture(prior=6, fs=fs, quantity=6)
    assert d.outcome == outcome, d.rationale
    if outcome == "Overturned":
        assert d.rules == ["acupuncture.extension.functional_improvement_documented"]
        assert any("9792.20(f)" in c for c in d.citations)
    else:
        assert d.rules == ["acupuncture.extension.no_functional_improvement"]


def test_extension_has_no_fixed_maximum_with_functional_improvement():
    assert acupuncture(prior=6, fs=IMPROVED, quantity=12).outcome == "Overturned"


@pytest.mark.parametrize("frequency, outcome", [(1, "Overturned"), (3, "Overturned"), (3.5, "Upheld"), (4, "Upheld")])
def test_frequency_is_1_to_3_a_week(frequency, outcome):
    d = acupuncture(prior="none", quantity=6, frequency_per_week=frequency)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["acupuncture.frequency.too_high"]
        assert d.to_pass == ["Request no more than 3 treatments a week."]
    assert acupuncture(prior=6, fs=IMPROVED, quantity=6, frequency_per_week=frequency).outcome == outcome


@pytest.mark.parametrize("weeks, outcome", [(2, "Overturned"), (8, "Overturned"), (8.7, "Overturned"), (9, "Upheld")])
def test_initial_trial_lasts_at_most_2_months(weeks, outcome):
    d = acupuncture(prior="none", quantity=6, duration_weeks=weeks, frequency_per_week=1)
    assert d.outcome == outcome


def test_several_failing_criteria_are_all_reported():
    d = acupuncture(prior="none", quantity=12, frequency_per_week=4)
    assert d.outcome == "Upheld"
    assert set(d.rules) == {"acupuncture.initial_trial.too_many", "acupuncture.frequency.too_high"}
    assert len(d.to_pass) == 2


def test_unknown_quantity_meets_no_criterion():
    d = acupuncture(prior="none", quantity=None)
    assert (d.outcome, d.confidence, d.rules) == ("Upheld", "low", [])
    assert "no MTUS criterion met" in d.rationale


def test_shoulder_is_governed_by_acoem_and_not_predicted():
    d = acupuncture(prior="none", quantity=6, body_regions=["shoulder"])
    assert d.outcome is None
    assert d.rules == ["acupuncture.shoulder.acoem_governs"]
    assert "ACOEM" in d.no_prediction
    # a shoulder request that breaks a limit of the acupuncture guidelines is still upheld
    assert acupuncture(prior="none", quantity=12, body_regions=["shoulder"]).outcome == "Upheld"
    assert acupuncture(prior="none", quantity=6, body_regions=["knee"]).outcome == "Overturned"


def test_electroacupuncture_shares_the_limits_and_the_course():
    assert decide({"service": "electroacupuncture", "quantity": 7}).outcome == "Upheld"
    assert decide({"service": "electroacupuncture", "quantity": 6}).outcome == "Overturned"
    # earlier plain acupuncture makes an electro-acupuncture request an extension
    d = decide({"service": "electroacupuncture", "quantity": 4}, treatments=[{"modality": "acupuncture", "sessions": 6}])
    assert d.rules == ["acupuncture.extension.no_functional_improvement"]
