"""MTUS Chronic Pain Medical Treatment Guidelines (2016), Physical medicine treatment: the visit
figures as IMR reviewers quote them, the general reading for other diagnoses and the six-visit trial
(rules/physical_medicine/physical_medicine_2016.yaml)."""
from __future__ import annotations

import pytest

from helpers import decide

DAY = "2016-12-15"
IMPROVED = {"adl": "improved", "work_restrictions": "unchanged", "medication_use": "reduced"}


def pm(conditions=("sprain_strain",), prior=None, fs=None, service="physical_therapy", **request):
    facts = {"claimant": {"date_of_injury": "2015-03-01"}, "conditions": list(conditions)}
    if prior is not None:
        facts["treatments"] = [{"modality": service, "sessions": None if prior == "unknown" else prior}]
    if fs:
        facts["functional_status"] = fs
    return decide({"service": service, "quantity": 6, "date": DAY, **request}, **facts)


@pytest.mark.parametrize("conditions", [["sprain_strain"], [], ["myalgia"], ["herniated_disc", "radiculopathy"]])
@pytest.mark.parametrize("quantity, outcome", [(9, "Overturned"), (10, "Overturned"), (11, "Upheld")])
def test_ten_visits_for_every_condition_but_crps(conditions, quantity, outcome):
    d = pm(conditions, quantity=quantity)
    assert d.outcome == outcome
    assert d.rules == (["physical_medicine_2016.within_guideline"] if outcome == "Overturned"
                       else ["physical_medicine_2016.visits.too_many"])
    assert "(2016)" in d.citations[0]


@pytest.mark.parametrize("weeks, outcome", [(8, "Overturned"), (8.5, "Upheld"), (None, "Overturned")])
def test_over_at_most_eight_weeks(weeks, outcome):
    d = pm(quantity=8, duration_weeks=weeks)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["physical_medicine_2016.too_long"]


@pytest.mark.parametrize("conditions, weeks, outcome", [
    (["radiculopathy"], 4, "Overturned"), (["radiculopathy"], 4.5, "Upheld"),
    # beside a soft-tissue condition the longer course applies
    (["radiculopathy", "sprain_strain"], 6, "Overturned")])
def test_neuralgia_neuritis_radiculitis_over_four_weeks(conditions, weeks, outcome):
    d = pm(conditions, quantity=8, duration_weeks=weeks)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["physical_medicine_2016.neuralgia.too_long"]


@pytest.mark.parametrize("quantity, weeks, outcome", [(26, 16, "Overturned"), (27, 16, "Upheld"), (20, 16.5, "Upheld")])
def test_crps_26_visits_over_16_weeks(quantity, weeks, outcome):
    # beyond 24 visits the Labor Code 4604.5 cap needs the employer's written authorization
    d = pm(["crps"], quantity=quantity, duration_weeks=weeks, employer_authorized=True)
    assert d.outcome == outcome
    if outcome == "Overturned":
        assert d.rules == ["physical_medicine_2016.crps.within_guideline"]


@pytest.mark.parametrize("prior, quantity, fs, outcome, rule", [
    (2, 4, None, "Overturned", "physical_medicine_2016.within_guideline"),  # the trial itself: 6 in all
    (2, 5, None, "Upheld", "physical_medicine_2016.trial.no_functional_improvement"),
    (6, 1, None, "Upheld", "physical_medicine_2016.trial.no_functional_improvement"),
    (6, 4, IMPROVED, "Overturned", "physical_medicine_2016.within_guideline"),
    (6, 5, IMPROVED, "Upheld", "physical_medicine_2016.visits.too_many"),
    (0, 10, None, "Overturned", "physical_medicine_2016.within_guideline"),
])
def test_continued_visits_after_the_six_visit_trial_need_functional_improvement(prior, quantity, fs, outcome, rule):
    d = pm(prior=prior, quantity=quantity, fs=fs)
    assert d.outcome == outcome
    assert rule in d.rules


def test_an_unknown_number_of_earlier_visits():
    d = pm(prior="unknown", quantity=2)
    assert (d.outcome, d.rules) == ("Upheld", ["physical_medicine_2016.prior_count_unknown"])


@pytest.mark.parametrize("frequency, outcome", [(3, "Overturned"), (3.5, "Upheld")])
def test_frequency(frequency, outcome):
    assert pm(frequency_per_week=frequency).outcome == outcome


def test_post_surgical_requests_are_left_to_the_postsurgical_guidelines():
    d = pm(quantity=24, post_surgical=True)
    assert (d.outcome, d.rules) == (None, ["postsurgical.physical_medicine.not_encoded"])


@pytest.mark.parametrize("date, outcome, rules", [
    # the 2009 file gives no figure for a sprain; the 2016 edition's general reading does
    ("2016-07-28", None, ["physical_medicine.condition.not_listed"]),
    ("2016-07-29", "Overturned", ["physical_medicine_2016.within_guideline"]),
    ("2017-11-30", "Overturned", ["physical_medicine_2016.within_guideline"]),
    ("2017-12-01", None, [])])
def test_in_force_from_2016_07_29_to_2017_11_30(date, outcome, rules):
    d = pm(date=date)
    assert (d.outcome, d.rules) == (outcome, rules)


def test_occupational_therapy_too():
    assert pm(service="occupational_therapy", quantity=11).rules == ["physical_medicine_2016.visits.too_many"]
