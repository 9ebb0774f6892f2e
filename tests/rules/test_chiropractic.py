"""MTUS CPMTG Manual therapy & manipulation (pp. 58-60): low back trial, extension, maintenance,
flare-ups, regions not recommended, and the period in force."""
from __future__ import annotations

import pytest

from helpers import decide

IMPROVED = {"adl": "improved", "work_restrictions": "unchanged", "medication_use": "reduced"}
INJURED = {"date_of_injury": "2012-03-01", "work_status": "modified_duty"}
CITE = "MTUS Chronic Pain Medical Treatment Guidelines, Manual therapy & manipulation, 8 CCR 9792.24.2"


def chiro(prior=None, fs=None, last_date=None, claimant=None, case=None, **request):
    """A chiropractic request for the low back; ``prior`` earlier visits (None: none on record)."""
    facts = {"claimant": {**INJURED, **(claimant or {})}, **(case or {})}
    if prior is not None:
        entry = {"modality": "chiropractic", "sessions": None if prior == "unknown" else prior}
        if last_date:
            entry["last_date"] = last_date
        facts["treatments"] = [entry]
    if fs:
        facts["functional_status"] = fs
    req = {"service": "chiropractic", "quantity": 6, "body_regions": ["lumbar_spine"], **request}
    return decide(req, **facts)


@pytest.mark.parametrize("quantity, outcome, rule", [
    (1, "Overturned", "chiropractic.initial_trial.within_guideline"),
    (5, "Overturned", "chiropractic.initial_trial.within_guideline"),
    (6, "Overturned", "chiropractic.initial_trial.within_guideline"),
    (7, "Upheld", "chiropractic.initial_trial.too_many"),
    (12, "Upheld", "chiropractic.initial_trial.too_many"),
])
def test_low_back_trial_is_6_visits(quantity, outcome, rule):
    d = chiro(quantity=quantity)
    assert (d.outcome, d.rules, d.confidence) == (outcome, [rule], "high")


def test_trial_rationale_citation_and_status():
    d = chiro(quantity=12)
    assert "trial of 6 visits over 2 weeks" in d.rationale
    assert "12 visits were requested" in d.rationale
    assert d.citations == [f"{CITE}, pp. 58-60"]
    assert d.to_pass == ["Request an initial trial of no more than 6 visits."]
    assert d.rationale.endswith("is not medically necessary.")
    assert {f.status for f in d.fired if f.finding} == {"unconfirmed"}
    ok = chiro(quantity=6)
    assert ok.rationale.endswith("is medically necessary.")


@pytest.mark.parametrize("weeks, outcome", [(2, "Overturned"), (8, "Overturned"), (8.5, "Upheld"), (9, "Upheld"),
                                            (None, "Overturned")])
def test_the_course_spans_at_most_8_weeks(weeks, outcome):
    d = chiro(duration_weeks=weeks)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["chiropractic.course.too_long"]
    assert chiro(prior=6, fs=IMPROVED, duration_weeks=weeks).outcome == outcome


@pytest.mark.parametrize("region", ["ankle_foot", "forearm", "wrist_hand", "knee"])
def test_regions_not_recommended(region):
    d = chiro(body_regions=["lumbar_spine", region])
    assert (d.outcome, d.rules) == ("Upheld", ["chiropractic.region.not_recommended"])
    assert "pp. 58-59" in d.citations[0]
    # alone, the region is also outside the low back figures, but the denial stands
    alone = chiro(body_regions=[region])
    assert alone.outcome == "Upheld"
    assert "chiropractic.region.not_recommended" in alone.rules


def test_carpal_tunnel_syndrome_is_not_recommended():
    d = chiro(body_regions=["lumbar_spine", "upper_extremity"], case={"conditions": ["carpal_tunnel_syndrome"]})
    assert (d.outcome, d.rules) == ("Upheld", ["chiropractic.carpal_tunnel.not_recommended"])
    # the diagnosis alone does not bar manipulation of the low back
    assert chiro(case={"conditions": ["carpal_tunnel_syndrome"]}).outcome == "Overturned"
    # upper extremity without carpal tunnel syndrome: the low back figures still judge the request
    assert chiro(body_regions=["lumbar_spine", "upper_extremity"]).outcome == "Overturned"


def test_regions_other_than_the_low_back_get_no_prediction():
    d = chiro(body_regions=["cervical_spine"])
    assert (d.outcome, d.rules) == (None, ["chiropractic.region.outside_low_back"])
    assert "low back" in d.no_prediction
    assert chiro(body_regions=["cervical_spine", "lumbar_spine"]).outcome == "Overturned"


def test_a_request_naming_no_region_is_judged_by_the_case_regions():
    assert decide({"service": "chiropractic", "quantity": 6}, claimant=INJURED,
                  body_regions=["lumbar_spine"]).outcome == "Overturned"
    d = decide({"service": "chiropractic", "quantity": 6}, claimant=INJURED, body_regions=["cervical_spine"])
    assert d.outcome is None
    d = decide({"service": "chiropractic", "quantity": 6}, claimant=INJURED)
    assert (d.outcome, d.confidence) == ("Upheld", "low")


@pytest.mark.parametrize("purpose, outcome", [("therapeutic", "Overturned"), ("unknown", "Overturned"),
                                              ("maintenance", "Upheld")])
def test_maintenance_care_is_not_medically_necessary(purpose, outcome):
    d = chiro(purpose=purpose, quantity=2)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["chiropractic.maintenance.not_medically_necessary"]
        # whatever the region
        assert chiro(purpose=purpose, body_regions=["cervical_spine"]).outcome == "Upheld"


@pytest.mark.parametrize("post_surgical, outcome", [(True, None), (False, "Overturned"), (None, "Overturned")])
def test_post_surgical_care_is_under_the_postsurgical_guidelines(post_surgical, outcome):
    d = chiro(post_surgical=post_surgical)
    assert d.outcome == outcome
    if outcome is None:
        assert d.rules == ["postsurgical.physical_medicine.not_encoded"]
        assert "9792.24.3" in d.citations[0]


# -- extension --------------------------------------------------------------------------------------

@pytest.mark.parametrize("prior, quantity, outcome, rule", [
    (6, 12, "Overturned", "chiropractic.extension.functional_improvement_documented"),
    (6, 11, "Overturned", "chiropractic.extension.functional_improvement_documented"),
    (6, 13, "Upheld", "chiropractic.extension.total_too_many"),
    (12, 6, "Overturned", "chiropractic.extension.functional_improvement_documented"),
    (12, 7, "Upheld", "chiropractic.extension.total_too_many"),
    (18, 1, "Upheld", "chiropractic.extension.total_too_many"),
])
def test_extension_up_to_18_visits_in_total(prior, quantity, outcome, rule):
    d = chiro(prior=prior, fs=IMPROVED, quantity=quantity)
    assert (d.outcome, d.rules) == (outcome, [rule])


@pytest.mark.parametrize("fs", [None, {"adl": "improved", "medication_use": "unchanged"},
                                {"adl": "unchanged", "work_restrictions": "unchanged", "medication_use": "reduced"}])
def test_extension_requires_objective_functional_improvement(fs):
    d = chiro(prior=6, fs=fs, quantity=6)
    assert (d.outcome, d.rules) == ("Upheld", ["chiropractic.extension.no_functional_improvement"])
    assert "6 earlier visits" in d.rationale


def test_unknown_number_of_earlier_visits():
    d = chiro(prior="unknown", quantity=1)
    assert (d.outcome, d.rules) == ("Upheld", ["chiropractic.extension.no_functional_improvement"])
    d = chiro(prior="unknown", fs=IMPROVED, quantity=1)
    assert (d.outcome, d.rules) == ("Upheld", ["chiropractic.extension.prior_count_unknown"])
    assert d.to_pass == ["Document the number of chiropractic visits already completed."]
    d = chiro(prior="unknown", fs=IMPROVED, quantity=19)
    assert d.rules == ["chiropractic.extension.total_too_many"]


# -- flare-ups --------------------------------------------------------------------------------------

@pytest.mark.parametrize("quantity, outcome", [(1, "Overturned"), (2, "Overturned"), (3, "Upheld")])
def test_flare_up_is_1_to_2_visits(quantity, outcome):
    d = chiro(purpose="flare_up", quantity=quantity, prior=18)
    assert d.outcome == outcome
    assert d.rules == (["chiropractic.flare_up.within_guideline"] if outcome == "Overturned"
                       else ["chiropractic.flare_up.too_many"])


@pytest.mark.parametrize("work_status, outcome", [("full_duty", "Overturned"), ("modified_duty", "Overturned"),
                                                  ("off_work", "Upheld"), ("unknown", "Upheld")])
def test_flare_up_needs_return_to_work(work_status, outcome):
    d = chiro(purpose="flare_up", quantity=2, claimant={"work_status": work_status})
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["chiropractic.flare_up.no_return_to_work"]


@pytest.mark.parametrize("last_date, outcome", [
    ("2014-02-01", "Upheld"),      # 3.94 months before 2014-06-01
    ("2014-01-30", "Overturned"),  # 4.01 months
    ("2013-06-01", "Overturned"),
    (None, "Overturned"),          # interval not stated
])
def test_flare_up_visits_every_4_to_6_months(last_date, outcome):
    d = chiro(purpose="flare_up", quantity=2, prior=18, last_date=last_date)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["chiropractic.flare_up.too_soon"]


# -- period in force ---------------------------------------------------------------------------------

@pytest.mark.parametrize("date, outcome", [("2009-07-17", None), ("2009-07-18", "Overturned"),
                                           ("2016-07-28", "Overturned"), ("2016-07-29", "Overturned"),
                                           ("2017-11-30", "Overturned"), ("2017-12-01", None)])
def test_in_force_from_2009_07_18_to_2017_11_30_with_the_2016_edition(date, outcome):
    d = chiro(date=date)
    assert d.outcome == outcome
    if outcome is None:
        # only the Labor Code cap is in force then, and it does not decide medical necessity
        assert d.rules == []
        assert "only California Labor Code is, which can limit but not support" in d.no_prediction
