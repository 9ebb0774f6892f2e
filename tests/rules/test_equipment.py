"""Durable medical equipment (rules/equipment/), home health (rules/home_health/) and laboratory
tests (rules/diagnostics/): boundaries of each criterion."""
from __future__ import annotations

import pytest

from helpers import decide

DAY = "2016-12-15"


def dme(equipment, injury="2015-01-01", conditions=(), **request):
    return decide({"service": "durable_medical_equipment", "equipment": equipment, "date": DAY, **request},
                  claimant={"date_of_injury": injury}, conditions=list(conditions))


@pytest.mark.parametrize("injury, outcome, rules", [
    ("2016-09-16", "Upheld", []),  # within 3 months: no criterion
    ("2016-09-14", "Upheld", ["lumbar_support.beyond_acute_phase"]),
    ("2010-01-01", "Upheld", ["lumbar_support.beyond_acute_phase"]),
    (None, "Upheld", []),
])
def test_lumbar_supports_beyond_the_acute_phase(injury, outcome, rules):
    d = dme("lumbar_support", injury=injury)
    assert (d.outcome, d.rules) == (outcome, rules)
    if rules:
        assert d.citations[0].startswith("MTUS ACOEM Practice Guidelines (2nd ed., 2004), Chapter 12")
        assert d.confidence == "high"


def test_a_brace_with_a_surgery_is_not_judged():
    d = dme("lumbar_support", post_surgical=True)
    assert (d.outcome, d.rules) == (None, ["lumbar_support.post_surgical.not_encoded"])


@pytest.mark.parametrize("post_surgical, outcome, rules", [
    (None, "Upheld", ["heat_cold.at_home_application"]), (False, "Upheld", ["heat_cold.at_home_application"]),
    (True, None, ["cold_therapy_unit.not_addressed"])])
def test_heat_and_cold_are_applied_at_home(post_surgical, outcome, rules):
    d = dme("heat_cold", post_surgical=post_surgical)
    assert (d.outcome, d.rules) == (outcome, rules)


def test_cold_therapy_units_are_not_addressed():
    assert dme("cold_therapy_unit").outcome is None


@pytest.mark.parametrize("conditions, outcome, rules", [
    (["carpal_tunnel_syndrome"], "Overturned", ["wrist_splint.indicated"]),
    (["de_quervain_tenosynovitis"], "Overturned", ["wrist_splint.indicated"]),
    (["sprain_strain"], "Upheld", []),
    ([], "Upheld", ["wrist_splint.no_indication"]),
    (["chronic_pain"], "Upheld", ["wrist_splint.no_indication"]),
])
def test_wrist_splints_for_carpal_tunnel_and_de_quervain(conditions, outcome, rules):
    d = dme("wrist_splint", conditions=conditions)
    assert (d.outcome, d.rules) == (outcome, rules)


@pytest.mark.parametrize("equipment", ["other", "unknown"])
def test_other_equipment_gets_no_prediction(equipment):
    d = dme(equipment)
    assert (d.outcome, d.rules) == (None, ["equipment.not_addressed"])


@pytest.mark.parametrize("date, outcome", [("2009-07-17", None), ("2009-07-18", "Upheld"),
                                           ("2017-11-30", "Upheld"), ("2017-12-01", None)])
def test_acoem_equipment_rules_in_force_to_2017_11_30(date, outcome):
    assert dme("heat_cold", date=date).outcome == outcome


# -- home health --------------------------------------------------------------------------------

def home(care, homebound=None, date=DAY, **request):
    return decide({"service": "home_health", "home_care": care, "date": date, **request},
                  claimant={"homebound": homebound})


@pytest.mark.parametrize("care, homebound, outcome, rules", [
    ("personal_care", None, "Upheld", ["home_health.homebound.not_documented"]),
    ("personal_care", True, "Upheld", []),
    ("personal_care", False, "Upheld", ["home_health.not_homebound"]),
    ("skilled", None, "Upheld", []),
    ("skilled", False, "Upheld", ["home_health.not_homebound"]),
    ("domestic", True, "Upheld", ["home_health.domestic_only"]),
    ("unknown", None, "Upheld", []),
])
def test_home_health_for_homebound_patients(care, homebound, outcome, rules):
    d = home(care, homebound)
    assert (d.outcome, d.rules) == (outcome, rules)


@pytest.mark.parametrize("date, judged", [("2016-07-28", False), ("2016-07-29", True), ("2017-11-30", True),
                                          ("2017-12-01", False)])
def test_home_health_2016_in_force(date, judged):
    d = home("personal_care", date=date)
    assert (d.rules == ["home_health.homebound.not_documented"]) == judged
    if not judged:
        assert d.outcome is None


# -- laboratory tests -------------------------------------------------------------------------------

def lab(kind, opioid, date=DAY, **request):
    meds = [] if opioid == "none" else [{"name": "a drug", "opioid": opioid}]
    return decide({"service": "lab_test", "lab": kind, "date": date, **request}, medications=meds)


@pytest.mark.parametrize("opioid, quantity, outcome, rules", [
    (False, 1, "Upheld", ["udt.no_opioid_treatment"]),
    ("none", 1, "Upheld", ["udt.no_opioid_treatment"]),
    (None, 1, "Upheld", []),
    (True, 4, "Overturned", ["udt.opioid_monitoring"]),
    (True, None, "Overturned", ["udt.opioid_monitoring"]),
    (True, 5, "Upheld", ["udt.too_many"]),
])
def test_urine_drug_testing_in_opioid_treatment(opioid, quantity, outcome, rules):
    d = lab("drug_screen", opioid, quantity=quantity)
    assert (d.outcome, d.rules) == (outcome, rules)


@pytest.mark.parametrize("kind", ["blood_test", "other", "unknown"])
def test_other_laboratory_tests_get_no_prediction(kind):
    d = lab(kind, True)
    assert (d.outcome, d.rules) == (None, ["lab_test.not_addressed"])


@pytest.mark.parametrize("date, outcome, rules", [
    # before the Opioid Treatment Guidelines of 2016 no drug testing criterion is encoded
    ("2016-07-28", "Upheld", []), ("2016-07-29", "Overturned", ["udt.opioid_monitoring"]),
    ("2017-11-30", "Overturned", ["udt.opioid_monitoring"]), ("2017-12-01", None, [])])
def test_drug_testing_2016_in_force(date, outcome, rules):
    d = lab("drug_screen", True, date=date, quantity=1)
    assert (d.outcome, d.rules) == (outcome, rules)


# -- functional capacity evaluation -------------------------------------------------------------------

@pytest.mark.parametrize("status, restrictions, rules", [
    ("full_duty", None, ["fce.full_duty.no_work_capability_question"]),
    ("full_duty", False, ["fce.full_duty.no_work_capability_question"]),
    ("full_duty", True, []), ("modified_duty", None, []), ("off_work", None, []), ("unknown", None, [])])
def test_fce_when_work_capability_is_in_question(status, restrictions, rules):
    d = decide({"service": "functional_capacity_evaluation", "date": DAY},
               claimant={"work_status": status, "permanent_restrictions": restrictions})
    assert (d.outcome, d.rules) == ("Upheld", rules)
    assert d.confidence == ("high" if rules else "low")


@pytest.mark.parametrize("date, outcome", [("2009-07-17", None), ("2009-07-18", "Upheld"), ("2017-12-01", None)])
def test_fce_rules_in_force_with_the_acoem_chapters(date, outcome):
    d = decide({"service": "functional_capacity_evaluation", "date": date}, claimant={"work_status": "full_duty"})
    assert d.outcome == outcome
