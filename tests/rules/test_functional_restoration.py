"""MTUS CPMTG Functional restoration programs (pp. 30-34, 49): the six admission criteria, 2 weeks
without demonstrated efficacy, and 20 full-day sessions."""
from __future__ import annotations

import pytest

from helpers import decide

IMPROVED = {"adl": "improved", "work_restrictions": "reduced", "medication_use": "reduced"}
ADMISSION = {
    "baseline_functional_testing": True,
    "previous_treatment_failed": True,
    "loss_of_independent_function": True,
    "surgical_candidate": False,
    "motivated": True,
    "negative_predictors_addressed": True,
}
CRITERIA = {  # field: (the value that meets it, the rule that fires otherwise)
    "baseline_functional_testing": (True, "frp.admission.no_baseline_evaluation"),
    "previous_treatment_failed": (True, "frp.admission.previous_treatment_not_failed"),
    "loss_of_independent_function": (True, "frp.admission.no_loss_of_independent_function"),
    "surgical_candidate": (False, "frp.admission.surgical_candidate"),
    "motivated": (True, "frp.admission.not_motivated"),
    "negative_predictors_addressed": (True, "frp.admission.negative_predictors_not_addressed"),
}


def frp(evaluation=None, prior=None, fs=None, **request):
    facts = {"program_evaluation": {**ADMISSION, **(evaluation or {})}}
    if prior is not None:
        facts["treatments"] = [{"modality": "functional_restoration_program",
                                "sessions": None if prior == "unknown" else prior}]
    if fs:
        facts["functional_status"] = fs
    return decide({"service": "functional_restoration_program", "quantity": 10, "duration_weeks": 2, **request},
                  **facts)


def test_all_six_criteria_admit_for_two_weeks():
    d = frp()
    assert (d.outcome, d.rules) == ("Overturned", ["frp.admission.criteria_met"])
    assert d.citations == ["MTUS Chronic Pain Medical Treatment Guidelines, Functional restoration programs, "
                           "8 CCR 9792.24.2, pp. 30-34"]
    assert "baseline functional testing" in d.rationale


@pytest.mark.parametrize("field", sorted(CRITERIA))
@pytest.mark.parametrize("state", ["not met", "unknown"])
def test_each_admission_criterion_is_required(field, state):
    met, rule = CRITERIA[field]
    d = frp({field: (not met) if state == "not met" else None})
    assert (d.outcome, d.rules) == ("Upheld", [rule])
    assert "pp. 31-32" in d.citations[0]
    assert d.to_pass and d.to_pass[0].startswith("Document")


def test_an_empty_evaluation_lists_every_missing_criterion():
    d = decide({"service": "functional_restoration_program", "quantity": 10})
    assert d.outcome == "Upheld"
    assert set(d.rules) == {rule for _, rule in CRITERIA.values()}


@pytest.mark.parametrize("quantity, weeks, outcome", [
    (10, 2, "Overturned"), (9, None, "Overturned"), (10, None, "Overturned"),
    (11, None, "Upheld"), (10, 2.5, "Upheld"), (10, 3, "Upheld"), (20, 4, "Upheld"),
])
def test_no_more_than_two_weeks_without_demonstrated_efficacy(quantity, weeks, outcome):
    d = frp(quantity=quantity, duration_weeks=weeks)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["frp.initial.longer_than_two_weeks"]


@pytest.mark.parametrize("prior, quantity, outcome, rule", [
    (10, 10, "Overturned", "frp.extension.efficacy_demonstrated"),
    (10, 9, "Overturned", "frp.extension.efficacy_demonstrated"),
    (10, 11, "Upheld", "frp.total.more_than_twenty_sessions"),
    (20, 1, "Upheld", "frp.total.more_than_twenty_sessions"),
])
def test_twenty_full_day_sessions_in_total(prior, quantity, outcome, rule):
    d = frp(prior=prior, fs=IMPROVED, quantity=quantity, duration_weeks=None)
    assert (d.outcome, d.rules) == (outcome, [rule])


def test_a_request_over_twenty_sessions_is_upheld_at_once():
    d = frp(quantity=21, duration_weeks=None)
    assert set(d.rules) == {"frp.initial.longer_than_two_weeks", "frp.total.more_than_twenty_sessions"}


@pytest.mark.parametrize("fs", [None, {"adl": "improved", "medication_use": "unchanged"}])
def test_continuing_needs_demonstrated_efficacy(fs):
    d = frp(prior=10, fs=fs, quantity=10)
    assert (d.outcome, d.rules) == ("Upheld", ["frp.extension.no_demonstrated_efficacy"])
    assert "10 sessions on record" in d.rationale


def test_admission_criteria_judge_the_first_request_only():
    # a continuing program is judged by its results, not by restating the admission evaluation
    d = decide({"service": "functional_restoration_program", "quantity": 10},
               treatments=[{"modality": "functional_restoration_program", "sessions": 10}],
               functional_status=IMPROVED)
    assert (d.outcome, d.rules) == ("Overturned", ["frp.extension.efficacy_demonstrated"])


def test_unknown_number_of_sessions_so_far():
    assert frp(prior="unknown", quantity=5).rules == ["frp.extension.no_demonstrated_efficacy"]
    d = frp(prior="unknown", fs=IMPROVED, quantity=5)
    assert (d.outcome, d.rules) == ("Upheld", ["frp.extension.prior_count_unknown"])


@pytest.mark.parametrize("date, outcome", [("2009-07-17", None), ("2009-07-18", "Overturned"),
                                           ("2016-07-28", "Overturned"), ("2016-07-29", None)])
def test_in_force_from_2009_07_18_to_2016_07_28(date, outcome):
    assert frp(date=date).outcome == outcome
