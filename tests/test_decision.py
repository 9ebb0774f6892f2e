"""Resolution order, date selection, and that the engine never reads the recorded determination."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.decide.decision import decide_case, decide_request
from engine.rules.rulebook import load_rulebook
from helpers import book, decide, make_case

RULES = """\
guideline: Test guideline
cite: 8 CCR 0000
services: [massage_therapy]
in_force: {{from: 2010-01-01, to: 2010-12-31}}
rules:
  - id: t.against
    when: {{fact: request.quantity, gt: {against}}}
    finding: not_medically_necessary
    cite: 8 CCR 0000(a)
    because: against
    to_pass: fewer
  - id: t.outside
    when: {{fact: request.body_regions, contains: shoulder}}
    finding: outside_guideline
    cite: 8 CCR 0000(b)
    because: outside
  - id: t.support
    when: {{fact: request.quantity, lte: {support}}}
    finding: medically_necessary
    cite: 8 CCR 0000(c)
    because: support
"""


@pytest.fixture
def test_book(tmp_path):
    (tmp_path / "t.yaml").write_text(RULES.format(against=6, support=6))
    return load_rulebook([tmp_path])


def decide_with(rulebook, quantity, regions=(), date="2010-06-01"):
    case = make_case({"service": "massage_therapy", "quantity": quantity, "date": date, "body_regions": list(regions)})
    return decide_request(case, case.requests[0], rulebook)


def test_resolution_order(test_book, tmp_path):
    assert decide_with(test_book, 7).outcome == "Upheld"
    assert decide_with(test_book, 6).outcome == "Overturned"
    outside = decide_with(test_book, 6, ["shoulder"])
    assert (outside.outcome, outside.rules, outside.no_prediction) == (None, ["t.outside"], "outside")
    # not medically necessary beats outside-guideline beats medically necessary
    assert decide_with(test_book, 7, ["shoulder"]).rules == ["t.against"]
    overlap = tmp_path / "overlap"
    overlap.mkdir()
    # across files (where lint allows overlap) a not_medically_necessary finding wins
    (overlap / "a.yaml").write_text(RULES.format(against=6, support=6))
    (overlap / "b.yaml").write_text(
        RULES.format(against=100, support=100).replace("id: t.", "id: u.").replace("Test guideline", "Other guideline"))
    both = load_rulebook([overlap])
    d = decide_with(both, 7)
    assert d.outcome == "Upheld" and d.rules == ["t.against"]
    assert {f.id for f in d.fired} == {"t.against", "u.support"}  # every fired rule is reported


def test_no_criterion_met_is_upheld_with_low_confidence(test_book):
    d = decide_with(test_book, None)
    assert (d.outcome, d.confidence, d.rules) == ("Upheld", "low", [])
    assert "no MTUS criterion met" in d.rationale


@pytest.mark.parametrize("date, predicted", [("2009-12-31", False), ("2010-01-01", True),
                                             ("2010-12-31", True), ("2011-01-01", False)])
def test_rules_in_force_on_the_request_date(test_book, date, predicted):
    d = decide_with(test_book, 6, date=date)
    assert (d.outcome is not None) == predicted
    assert d.date_used == dt.date.fromisoformat(date)


def test_undated_request_uses_the_given_day():
    case = make_case({"service": "massage_therapy", "quantity": 6, "date": None},
                     treatments=[{"modality": "home_exercise", "ongoing": True}])
    assert decide_request(case, case.requests[0], book(), today=dt.date(2014, 1, 1)).outcome == "Overturned"
    later = decide_request(case, case.requests[0], book(), today=dt.date(2020, 1, 1))
    assert later.outcome is None and later.date_used == dt.date(2020, 1, 1)


def test_functional_improvement_definition_version_follows_the_date():
    facts = dict(treatments=[{"modality": "acupuncture", "sessions": 6}],
                 functional_status={"adl": "unchanged", "work_restrictions": "unchanged", "medication_use": "unchanged"})
    old = decide({"quantity": 6, "date": "2015-01-01"}, **facts)
    new = decide({"quantity": 6, "date": "2018-01-01"}, **facts)
    assert any("9792.20(f)" in c for c in old.citations) and not any("9792.20(e)" in c for c in old.citations)
    assert any("9792.20(e)" in c for c in new.citations)


def test_a_service_with_no_encoded_rules_is_not_predicted():
    d = decide({"service": "other", "quantity": 1})
    assert d.outcome is None
    assert "no MTUS criteria are encoded for the service 'other'" in d.no_prediction


@pytest.mark.parametrize("determination", [None, {"outcome": "Upheld"}, {"outcome": "Overturned"}])
@pytest.mark.parametrize("quantity", [4, 12])
def test_prediction_never_reads_the_recorded_determination(determination, quantity):
    request = {"quantity": quantity, "determination": determination}
    baseline = decide({"quantity": quantity})
    d = decide(request)
    assert (d.outcome, d.rules, d.rationale) == (baseline.outcome, baseline.rules, baseline.rationale)


def test_case_decision_compares_with_the_actual_outcome():
    case = make_case({"quantity": 12, "determination": {"outcome": "Upheld"}})
    (d,) = decide_case(case, book()).decisions
    assert (d.actual, d.agrees) == ("Upheld", True)
    case = make_case({"quantity": 12, "determination": {"outcome": "Overturned"}})
    (d,) = decide_case(case, book()).decisions
    assert (d.actual, d.agrees) == ("Overturned", False)
    (d,) = decide_case(make_case({"quantity": 12}), book()).decisions
    assert (d.actual, d.agrees) == (None, None)


def test_rationale_reads_like_an_imr_determination():
    d = decide({"quantity": 12, "text": "ACUPUNCTURE X 12"})
    assert d.rationale.startswith("According to the MTUS Acupuncture Medical Treatment Guidelines:")
    assert d.rationale.endswith("Therefore, the request for ACUPUNCTURE X 12 is not medically necessary.")
    assert "{" not in d.rationale


def test_a_supplementary_file_alone_can_deny_but_not_support(tmp_path):
    (tmp_path / "cap.yaml").write_text(
        "guideline: A statute\ncite: S 1\nservices: [physical_therapy]\nsupplements: true\n"
        "in_force: {from: 2004-01-01}\nrules:\n"
        "  - id: cap.exceeded\n    when: {fact: request.quantity, gt: 24}\n    finding: not_medically_necessary\n"
        "    cite: S 1(a)\n    because: over the cap\n")
    rulebook = load_rulebook([tmp_path])
    over = make_case({"service": "physical_therapy", "quantity": 30, "date": "2014-01-01"})
    within = make_case({"service": "physical_therapy", "quantity": 6, "date": "2014-01-01"})
    assert decide_request(over, over.requests[0], rulebook).outcome == "Upheld"
    d = decide_request(within, within.requests[0], rulebook)
    assert d.outcome is None and "only A statute is, which can limit but not support" in d.no_prediction


def test_the_decision_says_whether_the_request_stated_its_date():
    dated = decide({"quantity": 4, "date": "2014-01-01"})
    assert dated.date_stated is True and dated.date_used.isoformat() == "2014-01-01"
    case = make_case({"quantity": 4, "date": None})
    undated = decide_request(case, case.requests[0], book(), today=dt.date(2015, 5, 5))
    assert undated.date_stated is False and undated.date_used == dt.date(2015, 5, 5)


def test_a_backend_that_disagrees_stops_with_an_engine_error(monkeypatch, capsys):
    """Every decision is compared with the reference evaluator; a durable_rules result that differs
    (here: an engine that loses the rules it fired) is exit 3, never a prediction."""
    import engine.decide.decision as decision
    from engine.cli import main
    from engine.decide.evaluate import Firing

    real = decision.run

    def broken(rulesets, document):  # type: ignore[no-untyped-def]
        firing = real(rulesets, document)
        return Firing(fired=[], derived=firing.derived) if firing.fired else firing

    monkeypatch.setattr(decision, "run", broken)
    status = main(["check", "--no-advice", "cases/seeds/004_455a604ddc9a446c.yaml"])
    err = capsys.readouterr().err
    assert status == 3
    assert ("cases/seeds/004_455a604ddc9a446c.yaml: rule engine error: durable_rules and the reference "
            "evaluator disagree") in err
    assert "Traceback" not in err


@pytest.mark.parametrize("fields, today, reason", [
    ({"service": "other", "quantity": 1, "date": "2014-01-01"}, None, "service_not_encoded"),
    ({"quantity": 4, "date": "2005-01-01"}, None, "not_in_force"),
    ({"service": "massage_therapy", "quantity": 4, "date": "2017-12-01"}, None, "licensed_guideline"),
    ({"service": "other", "quantity": 1, "date": None}, dt.date(2018, 3, 1), "licensed_guideline"),
])
def test_a_missing_prediction_says_why_in_a_code(fields, today, reason):
    case = make_case(fields)
    d = decide_request(case, case.requests[0], book(), today=today or dt.date(2014, 1, 1))
    assert (d.outcome, d.no_prediction_reason, d.basis) == (None, reason, None)
    if reason == "licensed_guideline":
        assert "licensed" in d.no_prediction and "--rules" in d.no_prediction


def test_the_day_before_the_licensed_guidelines_is_still_predicted():
    d = decide({"service": "chiropractic", "quantity": 4, "date": "2017-11-30"})
    assert d.outcome is not None and d.no_prediction_reason is None


def test_a_prediction_says_whether_a_criterion_decided_it(test_book):
    assert decide_with(test_book, 7).basis == "criterion"
    assert decide_with(test_book, None).basis == "no_criterion_met"
    outside = decide_with(test_book, 6, ["shoulder"])
    assert (outside.outcome, outside.basis, outside.no_prediction_reason) == (None, None, "outside_guideline")
