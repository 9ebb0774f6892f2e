"""Electrodiagnostic studies (EMG, NCS, SSEP): the ACOEM 2004 chapters (8 p. 178, 11 pp. 261 and
268-269, 12 p. 303 and Table 12-8) and the 2016 chronic pain guideline's section as reviewers quote
it. Each rule at its boundary; findings count only for the limb studied and the spine supplying it."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from helpers import decide

INJURY = dt.date(2016, 10, 1)
JUDGED = dt.date(2017, 1, 15)


def edx(region: str = "upper_extremity", days: int | None = 60, studies: tuple = ("emg",),
        findings: tuple = (), judged: dt.date = JUDGED, **facts: Any):
    request = {"service": "electrodiagnostic", "quantity": 1, "body_regions": [region],
               "studies": list(studies), "date": (INJURY + dt.timedelta(days=days or 60)).isoformat(),
               "judged_on": judged.isoformat()}
    claimant = {"date_of_injury": INJURY.isoformat()} if days is not None else {}
    regional = [{"body_region": r, "finding": f} for r, f in findings]
    return decide(request, claimant=claimant, regional_findings=regional, **facts)


FINGERS_NUMB = (("wrist_hand", "paresthesia"),)
FOCAL = "electrodiagnostic.indication.focal_neurologic_dysfunction"


@pytest.mark.parametrize("days, outcome, rules", [
    (20, "Upheld", ["electrodiagnostic.symptoms.too_early"]),  # 0.66 months
    (21, "Upheld", []),  # 0.69: no longer too early, not yet certainly past 3-4 weeks: the default
    (28, "Upheld", []),  # 0.92, the upper end, not more than it
    (29, "Overturned", [FOCAL]),  # 0.95
    (None, "Overturned", [FOCAL]),  # the injury date unknown
])
def test_symptoms_must_last_more_than_three_or_four_weeks(days, outcome, rules):
    d = edx(days=days, findings=FINGERS_NUMB)
    assert (d.outcome, d.rules) == (outcome, rules)


@pytest.mark.parametrize("region, findings, outcome", [
    ("upper_extremity", (("wrist_hand", "nerve_deficit"),), "Overturned"),
    ("upper_extremity", (("cervical_spine", "nerve_deficit"),), "Overturned"),  # the root supplying the arm
    ("wrist_hand", (("upper_extremity", "paresthesia"),), "Overturned"),  # the same limb
    ("upper_extremity", (("lumbar_spine", "nerve_deficit"),), "Upheld"),  # another limb's root
    ("upper_extremity", (("knee", "effusion"), ("ankle_foot", "paresthesia")), "Upheld"),
    ("lower_extremity", (("ankle_foot", "paresthesia"),), "Overturned"),
])
def test_findings_of_the_limb_studied(region, findings, outcome):
    assert edx(region, findings=findings).outcome == outcome


def test_no_neurologic_finding_of_the_limb():
    d = edx(findings=(("knee", "effusion"),))
    assert (d.outcome, d.rules) == ("Upheld", ["electrodiagnostic.no_neurologic_findings"])


def test_improving_with_conservative_care():
    d = edx(findings=FINGERS_NUMB,
            treatments=[{"modality": "chiropractic", "sessions": 6, "functional_improvement": "documented"}])
    assert (d.outcome, d.rules) == ("Upheld", ["electrodiagnostic.conservative_care.improving"])


@pytest.mark.parametrize("region, studies, outcome", [
    ("lower_extremity", ("emg",), "Upheld"),  # clinically obvious radiculopathy: EMG not recommended
    ("upper_extremity", ("emg",), "Overturned"),  # Table 12-8 is the low back chapter's
])
def test_emg_for_clinically_obvious_radiculopathy(region, studies, outcome):
    d = edx(region, studies=studies, findings=((region, "nerve_deficit"),), exam={"neurologic": "nerve_compromise"})
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["electrodiagnostic.emg.clinically_obvious_radiculopathy"]


def test_emg_with_an_equivocal_exam_of_the_leg_is_supported():
    d = edx("lower_extremity", findings=(("lower_extremity", "paresthesia"),), exam={"neurologic": "equivocal"})
    assert (d.outcome, d.rules) == ("Overturned", [FOCAL])


# -------------------------------------------------------------------- the 2016 guideline's section

def test_ncs_of_the_legs_is_not_recommended_in_2016():
    d = edx("lower_extremity", studies=("emg", "ncs"), findings=(("lower_extremity", "paresthesia"),))
    assert (d.outcome, d.rules) == ("Upheld", ["electrodiagnostic_2016.ncs.low_back"])


def test_ncs_of_the_legs_for_a_peripheral_neuropathy():
    d = edx("lower_extremity", studies=("ncs",), findings=(("lower_extremity", "paresthesia"),),
            conditions=["neuropathic_pain"])
    assert (d.outcome, d.rules) == ("Overturned", [FOCAL])


def test_ncs_of_the_legs_before_the_2016_guideline():
    d = edx("lower_extremity", studies=("ncs",), findings=(("lower_extremity", "paresthesia"),),
            judged=dt.date(2016, 7, 28))
    assert (d.outcome, d.rules) == ("Overturned", [FOCAL])


def test_ssep_is_not_supported():
    d = edx("lower_extremity", studies=("ssep",), findings=(("lower_extremity", "paresthesia"),))
    assert d.outcome == "Upheld" and "electrodiagnostic_2016.ssep.not_supported" in d.rules


def test_a_request_that_names_no_study_is_judged_on_the_acoem_criteria():
    assert edx(studies=(), findings=FINGERS_NUMB).rules == [FOCAL]
