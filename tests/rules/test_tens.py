"""MTUS CPMTG TENS (pp. 114-116): a one-month home-based rental trial as an adjunct to functional
restoration, for the listed conditions, after 3 months of pain and failed modalities."""
from __future__ import annotations

import pytest

from helpers import decide

IMPROVED = {"adl": "improved", "work_restrictions": "unchanged", "medication_use": "reduced"}
FAILED_CARE = [{"modality": "medication", "failed": True}, {"modality": "physical_therapy", "sessions": 12, "failed": True},
               {"modality": "home_exercise", "ongoing": True}]
CITE = "MTUS Chronic Pain Medical Treatment Guidelines, Transcutaneous electrotherapy (TENS), 8 CCR 9792.24.2"


def tens(conditions=("neuropathic_pain",), injury="2013-06-01", treatments=None, trial=None, fs=None, **request):
    """A TENS request dated 2014-06-01; ``trial`` adds an earlier TENS trial to the record."""
    care = list(FAILED_CARE if treatments is None else treatments)
    if trial:
        care.append({"modality": "tens", **trial})
    facts = {"conditions": list(conditions), "treatments": care, "claimant": {"date_of_injury": injury}}
    if fs:
        facts["functional_status"] = fs
    return decide({"service": "tens", "quantity": 1, "acquisition": "rental", "duration_weeks": 4, **request}, **facts)


def test_a_one_month_rental_trial_meeting_every_criterion():
    d = tens()
    assert (d.outcome, d.rules) == ("Overturned", ["tens.trial.within_guideline"])
    assert d.citations[0] == f"{CITE}, p. 116"
    # the definition the rule relied on is cited with it
    assert any("Failed conservative care" in c for c in d.citations)


@pytest.mark.parametrize("condition", ["neuropathic_pain", "crps", "phantom_limb_pain", "spasticity",
                                       "multiple_sclerosis"])
def test_listed_conditions(condition):
    assert tens([condition]).outcome == "Overturned"


@pytest.mark.parametrize("conditions", [["myalgia"], ["chronic_pain", "radiculopathy"], []])
def test_other_conditions_are_not_supported(conditions):
    d = tens(conditions)
    assert (d.outcome, d.rules) == ("Upheld", ["tens.condition.not_listed"])


@pytest.mark.parametrize("injury, outcome", [
    ("2014-03-01", "Overturned"),  # 3.02 months before the request
    ("2014-03-04", "Upheld"),      # 2.92 months
    (None, "Upheld"),              # duration of pain not documented
])
def test_pain_for_at_least_three_months(injury, outcome):
    d = tens(injury=injury)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["tens.pain.under_three_months"]


@pytest.mark.parametrize("treatments, outcome", [
    (FAILED_CARE, "Overturned"),
    ([{"modality": "medication", "failed": True}, {"modality": "home_exercise", "ongoing": True, "failed": True}],
     "Overturned"),
    ([{"modality": "medication", "failed": False}, *FAILED_CARE[1:]], "Upheld"),
    ([{"modality": "medication"}, *FAILED_CARE[1:]], "Upheld"),  # failure not stated
    ([FAILED_CARE[0], {"modality": "physical_therapy", "sessions": 12}, FAILED_CARE[2]], "Upheld"),
])
def test_other_modalities_including_medication_tried_and_failed(treatments, outcome):
    d = tens(treatments=treatments)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["tens.conservative_care.not_failed"]


def test_adjunct_to_functional_restoration():
    d = tens(treatments=[FAILED_CARE[0], FAILED_CARE[1], {"modality": "home_exercise", "ongoing": False}])
    assert (d.outcome, d.rules) == ("Upheld", ["tens.adjunct.missing"])


@pytest.mark.parametrize("weeks, outcome", [(4, "Overturned"), (4.35, "Overturned"), (None, "Overturned"),
                                            (5, "Upheld"), (8, "Upheld")])
def test_the_trial_is_one_month(weeks, outcome):
    d = tens(duration_weeks=weeks)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["tens.trial.longer_than_one_month"]


@pytest.mark.parametrize("acquisition", ["purchase", "unknown"])
def test_purchase_without_a_documented_trial(acquisition):
    d = tens(acquisition=acquisition)
    assert (d.outcome, d.rules) == ("Upheld", ["tens.purchase.without_trial"])
    assert d.to_pass == ["Request a one-month rental trial of a TENS unit first."]


@pytest.mark.parametrize("acquisition", ["purchase", "rental", "unknown"])
@pytest.mark.parametrize("fs, outcome", [(IMPROVED, "Overturned"), (None, "Upheld"),
                                         ({"adl": "unchanged", "work_restrictions": "unchanged"}, "Upheld")])
def test_after_the_trial_function_must_have_improved(acquisition, fs, outcome):
    d = tens(acquisition=acquisition, trial={"sessions": None}, fs=fs, duration_weeks=None)
    assert d.outcome == outcome
    assert d.rules == (["tens.after_trial.functional_improvement_documented"] if outcome == "Overturned"
                       else ["tens.after_trial.no_functional_improvement"])


@pytest.mark.parametrize("date, outcome", [("2009-07-17", None), ("2009-07-18", "Overturned"),
                                           ("2016-07-28", "Overturned"), ("2016-07-29", "Overturned"),
                                           ("2017-11-30", "Overturned"), ("2017-12-01", None)])
def test_in_force_from_2009_07_18_to_2017_11_30_with_the_2016_edition(date, outcome):
    assert tens(date=date, injury="2009-01-01").outcome == outcome
