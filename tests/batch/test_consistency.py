"""Reviewer consistency: equal facts on every criterion the rules read, different reviewer outcomes."""
from __future__ import annotations

from engine.reports.consistency import audit_entries, inconsistent_groups
from engine.decide.decision import decide_case
from engine.cases.facts import Case
from helpers import DAY, book


def entries(outcome: str, quantity: int = 6, age: int = 40, case_id: str = "c"):
    case = Case.model_validate({
        "case_id": case_id, "claimant": {"age": age},
        "evidence": {"claimant.age": f"{age} year old"},
        "requests": [{"text": "acupuncture", "service": "acupuncture", "quantity": quantity, "date": DAY.isoformat(),
                      "determination": {"outcome": outcome, "guideline": "MTUS Acupuncture 2007"}}],
    })
    return audit_entries(case, case, decide_case(case, book(), today=DAY), book(), DAY)


def test_items_equal_on_every_fact_read_but_decided_differently_form_a_group():
    items = entries("Upheld", case_id="a") + entries("Overturned", case_id="b") + entries("Upheld", case_id="c")
    (group,) = inconsistent_groups(items)
    assert group.items == [0, 1, 2] and group.outcomes == {"Overturned": 1, "Upheld": 2}
    assert group.service == "acupuncture" and "acupuncture_2009" in group.rule_sets
    assert group.facts["request.quantity"] == 6 and "claimant.age" not in group.facts


def test_a_fact_the_rules_do_not_read_does_not_separate_items():
    # The acupuncture rules in force read no age: the two are equal on every criterion.
    items = entries("Upheld", age=30, case_id="a") + entries("Overturned", age=60, case_id="b")
    assert len(inconsistent_groups(items)) == 1


def test_a_fact_the_rules_read_separates_items_and_equal_outcomes_are_no_group():
    assert inconsistent_groups(entries("Upheld", quantity=6) + entries("Overturned", quantity=12)) == []
    assert inconsistent_groups(entries("Upheld") + entries("Upheld")) == []


def test_items_no_rule_set_judges_are_never_grouped():
    def other(outcome):
        case = Case.model_validate({"requests": [{"text": "x", "service": "other", "date": DAY.isoformat(),
                                                  "determination": {"outcome": outcome}}]})
        return audit_entries(case, case, decide_case(case, book(), today=DAY), book(), DAY)

    items = other("Upheld") + other("Overturned")
    assert items[0].facts_read is None and inconsistent_groups(items) == []


def test_entries_carry_the_deciding_criteria_in_words_and_the_letters_quotes():
    (item,) = entries("Overturned", quantity=12)
    assert item.predicted == "Upheld" and item.criteria
    assert item.criteria[0].rule == item.rules[0] and "12" in item.criteria[0].because
    assert [(q.fact, q.quote) for q in item.evidence] == [("claimant.age", "40 year old")]
