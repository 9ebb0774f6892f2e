"""MTUS CPMTG Physical medicine (pp. 98-99) for physical and occupational therapy, and Aquatic therapy
(p. 22), whose visit numbers follow physical medicine."""
from __future__ import annotations

import pytest

from helpers import decide

CITE = "MTUS Chronic Pain Medical Treatment Guidelines, Physical medicine, 8 CCR 9792.24.2, pp. 98-99"
INJURY = {"date_of_injury": "2012-03-01"}


def pm(conditions=("myalgia",), prior=None, service="physical_therapy", case=None, **request):
    facts = {"claimant": INJURY, "conditions": list(conditions), **(case or {})}
    if prior is not None:
        facts["treatments"] = [{"modality": service, "sessions": None if prior == "unknown" else prior}]
    return decide({"service": service, "quantity": 8, **request}, **facts)


GROUPS = {  # condition: (visits, weeks, supporting rule)
    "myalgia": (10, 8, "physical_medicine.myalgia.within_guideline"),
    "myositis": (10, 8, "physical_medicine.myalgia.within_guideline"),
    "neuralgia": (10, 4, "physical_medicine.neuralgia.within_guideline"),
    "neuritis": (10, 4, "physical_medicine.neuralgia.within_guideline"),
    "radiculopathy": (10, 4, "physical_medicine.neuralgia.within_guideline"),
    "crps": (24, 16, "physical_medicine.crps.within_guideline"),
}


@pytest.mark.parametrize("service", ["physical_therapy", "occupational_therapy"])
@pytest.mark.parametrize("condition", sorted(GROUPS))
def test_visit_numbers_by_condition(service, condition):
    visits, weeks, rule = GROUPS[condition]
    ok = pm([condition], service=service, quantity=visits)
    assert (ok.outcome, ok.rules) == ("Overturned", [rule])
    assert ok.citations == [CITE]
    assert pm([condition], service=service, quantity=visits - 1).outcome == "Overturned"
    over = pm([condition], service=service, quantity=visits + 1)
    assert over.outcome == "Upheld"
    # 25 visits also pass the Labor Code cap of 24 visits per injury
    assert over.rules == (["physical_medicine.visits.above_every_figure", "lc_4604_5.cap.exceeded_no_recent_surgery"]
                          if condition == "crps" else ["physical_medicine.visits.too_many"])


@pytest.mark.parametrize("condition", sorted(GROUPS))
def test_weeks_by_condition(condition):
    visits, weeks, _ = GROUPS[condition]
    assert pm([condition], quantity=8, duration_weeks=weeks).outcome == "Overturned"
    assert pm([condition], quantity=8, duration_weeks=None).outcome == "Overturned"
    d = pm([condition], quantity=8, duration_weeks=weeks + 0.5)
    assert d.outcome == "Upheld"
    assert len(d.rules) == 1 and d.rules[0].endswith("too_long")
    assert f"{weeks + 0.5:g} weeks" in d.rationale


def test_the_most_generous_listed_condition_applies():
    assert pm(["crps", "myalgia"], quantity=20).outcome == "Overturned"
    assert pm(["radiculopathy", "myalgia"], quantity=10, duration_weeks=8).outcome == "Overturned"
    assert pm(["radiculopathy"], quantity=10, duration_weeks=8).outcome == "Upheld"


@pytest.mark.parametrize("frequency, outcome", [(1, "Overturned"), (3, "Overturned"), (3.5, "Upheld"), (None, "Overturned")])
def test_frequency_fades_from_at_most_3_a_week(frequency, outcome):
    d = pm(frequency_per_week=frequency)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["physical_medicine.frequency.too_high"]
        # the fading rule applies whatever the condition
        assert pm(["sprain_strain"], frequency_per_week=frequency).outcome == "Upheld"


@pytest.mark.parametrize("prior, quantity, outcome", [(0, 10, "Overturned"), (4, 6, "Overturned"),
                                                      (4, 7, "Upheld"), (10, 1, "Upheld")])
def test_earlier_visits_count_toward_the_course(prior, quantity, outcome):
    d = pm(["myalgia"], prior=prior, quantity=quantity)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == ["physical_medicine.visits.too_many"]
        assert f"{prior} earlier visits" in d.rationale


def test_an_unknown_number_of_earlier_visits_cannot_be_shown_to_fit():
    d = pm(["crps"], prior="unknown", quantity=2)
    assert (d.outcome, d.rules) == ("Upheld", ["physical_medicine.prior_count_unknown"])
    # occupational therapy of record does not count toward physical therapy
    d = decide({"service": "physical_therapy", "quantity": 8}, conditions=["myalgia"],
               treatments=[{"modality": "occupational_therapy", "sessions": None}])
    assert d.outcome == "Overturned"


def test_conditions_without_figures_get_no_prediction():
    d = pm(["sprain_strain"], quantity=8)
    assert (d.outcome, d.rules) == (None, ["physical_medicine.condition.not_listed"])
    assert pm([], quantity=8).outcome is None
    # but more than every figure the guideline gives is upheld
    assert pm(["sprain_strain"], quantity=24).outcome is None
    d = pm(["sprain_strain"], quantity=25)
    assert d.outcome == "Upheld"
    assert d.rules[0] == "physical_medicine.visits.above_every_figure"
    assert pm(["sprain_strain"], quantity=25, employer_authorized=True).rules == [
        "physical_medicine.visits.above_every_figure"]


@pytest.mark.parametrize("post_surgical, outcome", [(True, None), (False, "Overturned"), (None, "Overturned")])
def test_post_surgical_physical_medicine_is_not_encoded(post_surgical, outcome):
    d = pm(post_surgical=post_surgical)
    assert d.outcome == outcome
    if outcome is None:
        assert d.rules == ["postsurgical.physical_medicine.not_encoded"]
        assert d.citations == ["MTUS Postsurgical Treatment Guidelines, 8 CCR 9792.24.3"]


@pytest.mark.parametrize("date, outcome, aquatic", [
    ("2009-07-17", None, None), ("2009-07-18", "Overturned", "Overturned"),
    ("2016-07-28", "Overturned", "Overturned"),
    # The 2016 edition kept the visit numbers (as IMR letters quote them); aquatic therapy's own
    # indication was not found for it, so aquatic therapy is not judged then.
    ("2016-07-29", "Overturned", None), ("2017-11-30", "Overturned", None), ("2017-12-01", None, None)])
def test_in_force_from_2009_07_18_and_with_the_2016_edition_to_2017_11_30(date, outcome, aquatic):
    assert pm(date=date).outcome == outcome
    assert decide({"service": "aquatic_therapy", "quantity": 8, "date": date}, conditions=["myalgia", "extreme_obesity"]
                  ).outcome == aquatic


# -- aquatic therapy ----------------------------------------------------------------------------------

def aquatic(conditions=("myalgia",), exam=None, **request):
    return pm(conditions, service="aquatic_therapy", case={"exam": exam or {}}, **request)


@pytest.mark.parametrize("conditions, weight_bearing, outcome", [
    (["myalgia", "extreme_obesity"], None, "Overturned"),
    (["myalgia"], True, "Overturned"),
    (["myalgia"], False, "Upheld"),
    (["myalgia"], None, "Upheld"),
])
def test_aquatic_therapy_where_reduced_weight_bearing_is_desirable(conditions, weight_bearing, outcome):
    d = aquatic(conditions, exam={"reduced_weight_bearing": weight_bearing})
    assert d.outcome == outcome, d.rationale
    if outcome == "Upheld":
        assert d.rules == ["aquatic.reduced_weight_bearing.not_documented"]
        assert "extreme obesity" in d.rationale
    else:
        assert set(d.rules) == {"aquatic.reduced_weight_bearing.documented",
                                "physical_medicine.myalgia.within_guideline"}
        assert any("Aquatic therapy, 8 CCR 9792.24.2, p. 22" in c for c in d.citations)


@pytest.mark.parametrize("quantity, outcome", [(10, "Overturned"), (11, "Upheld"), (None, "Upheld")])
def test_aquatic_visit_numbers_follow_physical_medicine(quantity, outcome):
    d = aquatic(["myalgia", "extreme_obesity"], quantity=quantity)
    assert d.outcome == outcome
    if quantity is None:
        assert (d.confidence, d.rules) == ("low", [])


@pytest.mark.parametrize("date, fires", [("2009-07-17", False), ("2009-07-18", True), ("2016-07-28", True),
                                         ("2016-07-29", True), ("2017-11-30", True), ("2017-12-01", False)])
def test_the_postsurgical_marker_is_in_force_with_the_chronic_pain_files(date, fires):
    services = ("physical_therapy", "occupational_therapy", "aquatic_therapy", "chiropractic")
    for service in services if date <= "2016-07-28" else services[:2] + services[3:]:
        d = pm(["myalgia", "extreme_obesity"], service=service, post_surgical=True, date=date)
        assert d.outcome is None
        assert ("postsurgical.physical_medicine.not_encoded" in d.rules) == fires
