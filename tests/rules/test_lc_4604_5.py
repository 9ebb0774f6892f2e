"""Labor Code 4604.5(c)(1): 24 chiropractic, 24 physical therapy and 24 occupational therapy visits per
industrial injury (injuries on or after 2004-01-01), on top of the MTUS, with its exceptions."""
from __future__ import annotations

import pytest

from helpers import decide

CAP = "lc_4604_5.cap.exceeded"
CAP_NO_SURGERY = "lc_4604_5.cap.exceeded_no_recent_surgery"


def flare_up(prior, quantity=2, injury="2012-03-01", surgery=(), **request):
    """Chiropractic for a low back flare-up after return to work: the MTUS supports 1-2 visits and
    sets no total, so only the cap can deny it."""
    return decide(
        {"service": "chiropractic", "quantity": quantity, "purpose": "flare_up", "body_regions": ["lumbar_spine"],
         **request},
        claimant={"date_of_injury": injury, "work_status": "full_duty"},
        treatments=[{"modality": "chiropractic", "sessions": prior}], surgery=list(surgery))


@pytest.mark.parametrize("prior, outcome", [(20, "Overturned"), (22, "Overturned"), (23, "Upheld"), (30, "Upheld")])
def test_24_chiropractic_visits_per_injury(prior, outcome):
    d = flare_up(prior)
    assert d.outcome == outcome
    if outcome == "Upheld":
        assert d.rules == [CAP_NO_SURGERY]
        assert d.citations == ["California Labor Code, Labor Code 4604.5(c)(1)"]
        assert f"{prior} earlier chiropractic visits and 2 requested make {prior + 2}, more than 24" in d.rationale
        assert d.to_pass[0].startswith("Document the employer's written authorization")


def test_the_cap_rule_states_its_status():
    d = flare_up(23, post_surgical=False)
    assert d.rules == [CAP]
    assert [f.status for f in d.fired if f.id == CAP] == ["confirmed"]
    assert [f.status for f in flare_up(23).fired if f.id == CAP_NO_SURGERY] == ["partial"]


@pytest.mark.parametrize("authorized, outcome", [(True, "Overturned"), (False, "Upheld"), (None, "Upheld")])
def test_written_employer_authorization_lifts_the_cap(authorized, outcome):
    assert flare_up(23, employer_authorized=authorized).outcome == outcome


@pytest.mark.parametrize("injury, outcome", [("2003-12-31", "Overturned"), ("2004-01-01", "Upheld"),
                                             (None, "Overturned")])
def test_injuries_on_or_after_2004_01_01(injury, outcome):
    assert flare_up(23, injury=injury).outcome == outcome


@pytest.mark.parametrize("post_surgical, surgery, fires", [
    (True, [], None),
    (False, [{"procedure": "lumbar decompression", "date": "2014-04-01"}], CAP),
    (None, [], CAP_NO_SURGERY),
    (None, [{"procedure": "lumbar decompression", "date": "2013-11-15"}], CAP_NO_SURGERY),  # 6.5 months
    (None, [{"procedure": "lumbar decompression", "date": "2013-12-15"}], None),            # 5.5 months
    (None, [{"procedure": "lumbar decompression"}], None),                                  # date not stated
])
def test_post_surgical_physical_medicine_is_exempt(post_surgical, surgery, fires):
    d = decide({"service": "physical_therapy", "quantity": 30, "post_surgical": post_surgical},
               claimant={"date_of_injury": "2012-03-01"}, conditions=["crps"], surgery=surgery)
    assert (fires in d.rules) if fires else not any(r.startswith("lc_4604_5.cap") for r in d.rules)


@pytest.mark.parametrize("service", ["physical_therapy", "occupational_therapy"])
def test_each_discipline_counts_its_own_visits(service):
    other = "occupational_therapy" if service == "physical_therapy" else "physical_therapy"
    facts = {"claimant": {"date_of_injury": "2012-03-01"}, "conditions": ["crps"]}
    d = decide({"service": service, "quantity": 4}, treatments=[{"modality": service, "sessions": 21}], **facts)
    assert d.outcome == "Upheld" and CAP_NO_SURGERY in d.rules
    d = decide({"service": service, "quantity": 4}, treatments=[{"modality": other, "sessions": 21}], **facts)
    assert d.outcome == "Overturned"


def test_a_request_over_24_is_over_the_cap_whatever_the_earlier_visits():
    d = decide({"service": "physical_therapy", "quantity": 25}, claimant={"date_of_injury": "2012-03-01"},
               conditions=["crps"], treatments=[{"modality": "physical_therapy", "sessions": None}])
    assert CAP_NO_SURGERY in d.rules


def test_the_cap_does_not_apply_to_other_services():
    d = decide({"service": "aquatic_therapy", "quantity": 25}, claimant={"date_of_injury": "2012-03-01"},
               conditions=["crps", "extreme_obesity"])
    assert not any(r.startswith("lc_4604_5") for r in d.rules)


@pytest.mark.parametrize("date, quantity, outcome, rules", [
    ("2003-12-31", 30, None, []),                     # nothing in force: no prediction
    ("2004-01-01", 30, "Upheld", [CAP_NO_SURGERY]),   # the cap alone
    ("2008-06-01", 6, None, []),                      # the cap alone cannot support a request
    ("2018-06-01", 6, None, []),                      # after the 2016 edition: the cap alone again
    ("2018-06-01", 30, "Upheld", [CAP_NO_SURGERY]),
])
def test_in_force_from_2004_01_01_with_no_end(date, quantity, outcome, rules):
    d = decide({"service": "physical_therapy", "quantity": quantity, "date": date},
               claimant={"date_of_injury": "2003-06-01" if date < "2004" else "2004-01-01"}, conditions=["myalgia"])
    assert d.outcome == outcome
    assert d.rules == rules
    if outcome is None:
        assert "no encoded rule set" in d.no_prediction or "no encoded MTUS rule set" in d.no_prediction
