"""Special studies of the joints and of the spine other than the spine MRIs, under the MTUS ACOEM
Practice Guidelines, 2nd ed. (2004): Chapter 9 Shoulder, 11 Forearm/Wrist/Hand, 13 Knee, 14 Ankle and
Foot, 8 Neck and Upper Back (thoracic MRI, radiographs, CT) and 12 Low Back (radiographs); regions
without a chapter (hip, head). Each rule at its boundary, and region by region: a finding of one
region never supports a study of another."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from helpers import decide

INJURY = dt.date(2016, 10, 1)
JUDGED = dt.date(2017, 1, 15)  # inside the ACOEM 2004 period; the order date is what is weighed


def study(region: str, days: int | None = 60, service: str = "mri_other", findings: tuple = (),
          **facts: Any):
    """A study of ``region`` ordered ``days`` after the injury (None: the injury date is unknown)."""
    request = {"service": service, "quantity": 1, "body_regions": [region],
               "date": (INJURY + dt.timedelta(days=days or 60)).isoformat(), "judged_on": JUDGED.isoformat()}
    claimant = {"date_of_injury": INJURY.isoformat()} if days is not None else {}
    regional = [{"body_region": r, "finding": f} for r, f in findings]
    return decide(request, claimant=claimant, regional_findings=regional, **facts)


PT_NO_GAIN = [{"modality": "physical_therapy", "sessions": 6, "functional_improvement": "none"}]
CHIRO_HELPED = [{"modality": "chiropractic", "sessions": 6, "functional_improvement": "documented"}]


# ------------------------------------------------------------------------------------ shoulder

@pytest.mark.parametrize("days, rules", [
    (27, ["shoulder.conservative_care.too_early"]),  # 0.89 months: within 4 weeks
    (28, ["shoulder.no_indication"]),  # 0.92 months: the period has passed
])
def test_shoulder_four_weeks_of_conservative_care(days, rules):
    d = study("shoulder", days)
    assert (d.outcome, d.rules) == ("Upheld", rules)


def test_shoulder_red_flag_supports_the_study_at_any_time():
    d = study("shoulder", 5, findings=[("shoulder", "red_flag")])
    assert (d.outcome, d.rules) == ("Overturned", ["shoulder.indication.red_flag"])


def test_a_red_flag_of_another_region_does_not_support_a_shoulder_study():
    d = study("shoulder", 5, findings=[("knee", "red_flag"), ("wrist_hand", "red_flag")])
    assert (d.outcome, d.rules) == ("Upheld", ["shoulder.conservative_care.too_early"])


@pytest.mark.parametrize("days, outcome, rules", [
    (27, "Upheld", ["shoulder.conservative_care.too_early"]),
    (28, "Overturned", ["shoulder.indication.strengthening_program_failed"]),
    (None, "Overturned", ["shoulder.indication.strengthening_program_failed"]),
])
def test_shoulder_failed_strengthening_program_after_the_period(days, outcome, rules):
    d = study("shoulder", days, treatments=PT_NO_GAIN)
    assert (d.outcome, d.rules) == (outcome, rules)


def test_chiropractic_without_gain_is_not_a_strengthening_program():
    d = study("shoulder", 60, treatments=[{"modality": "chiropractic", "functional_improvement": "none"}])
    assert d.rules == ["shoulder.no_indication"]


@pytest.mark.parametrize("planned, outcome", [
    (["right shoulder arthroscopy"], "Overturned"),
    (["right knee arthroscopy"], "Upheld"),  # a procedure of another joint
    (["surgery"], "Upheld"),  # no region: not shown to be of the shoulder
])
def test_shoulder_before_an_invasive_procedure_of_the_shoulder(planned, outcome):
    d = study("shoulder", 60, planned_procedures=planned)
    assert d.outcome == outcome
    if outcome == "Overturned":
        assert d.rules == ["shoulder.indication.before_invasive_procedure"]


def test_shoulder_improving_with_conservative_care():
    d = study("shoulder", 60, treatments=CHIRO_HELPED)
    assert (d.outcome, d.rules) == ("Upheld", ["shoulder.conservative_care.improving"])


def test_unknown_injury_date_is_never_too_early():
    d = study("shoulder", None)
    assert d.rules == ["shoulder.no_indication"]


def test_shoulder_radiograph_follows_the_same_period():
    assert study("shoulder", 10, service="x_ray").rules == ["shoulder.conservative_care.too_early"]


# ---------------------------------------------------------------------------------------- knee

@pytest.mark.parametrize("finding", ["effusion", "unable_to_bear_weight"])
def test_knee_effusion_or_inability_to_bear_weight(finding):
    d = study("knee", 5, findings=[("knee", finding)])
    assert (d.outcome, d.rules) == ("Overturned", ["knee.indication.acute_criteria"])


@pytest.mark.parametrize("finding", ["derangement_sign", "mechanical_symptoms"])
def test_knee_internal_derangement_supports_mri_not_radiographs(finding):
    assert study("knee", findings=[("knee", finding)]).rules == ["knee.indication.internal_derangement"]
    assert study("knee", findings=[("knee", finding)], service="x_ray").rules == ["knee.no_indication"]


def test_shoulder_signs_do_not_support_a_knee_mri():
    d = study("knee", findings=[("shoulder", "derangement_sign"), ("shoulder", "red_flag")])
    assert (d.outcome, d.rules) == ("Upheld", ["knee.no_indication"])


def test_an_imaging_study_of_the_whole_limb_is_not_a_knee_study():
    d = study("lower_extremity", findings=[("knee", "effusion")])
    assert (d.outcome, d.rules) == ("Upheld", [])  # no chapter's imaging rules name the whole limb


def test_knee_has_no_fixed_period():
    assert study("knee", 3).rules == ["knee.no_indication"]


def test_knee_failed_program_and_improving_care():
    assert study("knee", treatments=PT_NO_GAIN).rules == ["knee.indication.strengthening_program_failed"]
    assert study("knee", treatments=CHIRO_HELPED).rules == ["knee.conservative_care.improving"]


# -------------------------------------------------------------------------- wrist, ankle, elbow

@pytest.mark.parametrize("days, rules", [(27, ["wrist_hand.conservative_care.too_early"]),
                                         (28, ["wrist_hand.no_indication"])])
def test_wrist_four_weeks(days, rules):
    assert study("wrist_hand", days).rules == rules


def test_wrist_planned_procedure():
    d = study("wrist_hand", 60, planned_procedures=["left carpal tunnel release"])
    assert (d.outcome, d.rules) == ("Overturned", ["wrist_hand.indication.before_invasive_procedure"])


def test_ankle_foot_red_flag_and_none():
    assert study("ankle_foot", findings=[("ankle_foot", "red_flag")]).outcome == "Overturned"
    assert study("ankle_foot", findings=[("knee", "red_flag")]).rules == ["ankle_foot.no_indication"]


def test_elbow_is_not_encoded():
    d = study("elbow")
    assert (d.outcome, d.rules) == ("Upheld", [])  # the default, no MTUS criterion met


# ------------------------------------------------------------------------ neck, upper and low back

@pytest.mark.parametrize("days, rules", [(20, ["neck_upper_back.conservative_care.too_early"]),
                                         (21, ["neck_upper_back.no_indication"])])
def test_upper_back_three_weeks(days, rules):
    assert study("thoracic_spine", days).rules == rules


def test_thoracic_red_flag_and_a_rib_fracture():
    assert study("thoracic_spine", 5, findings=[("thoracic_spine", "red_flag")]).rules == [
        "neck_upper_back.indication.red_flag"]
    assert study("thoracic_spine", findings=[("other", "red_flag")]).rules == ["neck_upper_back.no_indication"]


@pytest.mark.parametrize("exam", [{"neurologic": "nerve_compromise"}, {"electrodiagnostic": "positive"}])
def test_cervical_ct_with_physiologic_evidence(exam):
    d = study("cervical_spine", service="ct_scan", exam=exam)
    assert (d.outcome, d.rules) == ("Overturned", ["neck_upper_back.indication.physiologic_evidence"])


def test_cervical_radiographs_after_failed_therapy():
    d = study("cervical_spine", service="x_ray", treatments=PT_NO_GAIN)
    assert d.rules == ["neck_upper_back.indication.strengthening_program_failed"]


def test_lumbar_radiographs_need_a_lumbar_red_flag():
    assert study("lumbar_spine", service="x_ray").rules == ["lumbar_xray.no_red_flag"]
    assert study("lumbar_spine", service="x_ray", findings=[("knee", "red_flag")]).outcome == "Upheld"
    d = study("lumbar_spine", service="x_ray", findings=[("lumbar_spine", "red_flag")])
    assert (d.outcome, d.rules) == ("Overturned", ["lumbar_xray.indication.red_flag"])


# ---------------------------------------------------------------------- regions without a chapter

@pytest.mark.parametrize("region, rule", [("hip", "imaging.hip.no_mtus_chapter"),
                                          ("head", "imaging.head.no_mtus_chapter")])
def test_regions_without_an_acoem_2004_chapter_get_no_prediction(region, rule):
    d = study(region, service="ct_scan")
    assert (d.outcome, d.rules) == (None, [rule])


def test_after_the_acoem_2004_period_no_rule_of_these_files_applies():
    d = decide({"service": "mri_other", "quantity": 1, "body_regions": ["shoulder"], "date": "2018-01-10"},
               claimant={"date_of_injury": "2017-12-20"})
    assert not any(r.startswith("shoulder.") for r in d.rules)


def test_the_order_date_wins_over_the_review_date():
    request = {"service": "mri_other", "quantity": 1, "body_regions": ["shoulder"],
               "ordered_on": "2016-10-10", "date": "2016-12-01", "judged_on": JUDGED.isoformat()}
    d = decide(request, claimant={"date_of_injury": INJURY.isoformat()})
    assert d.rules == ["shoulder.conservative_care.too_early"]
