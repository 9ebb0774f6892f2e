"""A rule's sentence filled from the facts (``decision.render``): placeholders, unknowns, plurals."""
from engine.decide.decision import render

DOC = {"request": {"quantity": 1, "body_regions": ["lumbar_spine", "knee"], "purpose": None},
       "claimant": {"age": 44.0, "homebound": False}, "exam": "not an object"}


def test_placeholders_filled_in_words():
    text = "The  request for {request.quantity} visits of {request.body_regions}  ({derived.x}; {claimant.homebound})."
    assert render(text, DOC, {"x": "documented"}) == (
        "The request for 1 visit of lumbar spine, knee (documented; no).")


def test_unknown_and_missing_facts_read_unknown():
    assert render("{request.purpose} {derived.y} {exam.neurologic} {nothing.here} {claimant.age}",
                  DOC, {"y": None}) == "unknown unknown unknown unknown 44"


def test_plural_kept_unless_the_value_is_one():
    doc = {"request": {"quantity": 3}}
    assert render("for {request.quantity} sessions", doc, {}) == "for 3 sessions"
    assert render("sessions {request.quantity} weeks, then weeks", {"request": {"quantity": 1}}, {}) == (
        "sessions 1 week, then weeks")


def test_a_template_without_placeholders_is_its_text_with_spaces_collapsed():
    assert render("  no   placeholders {{here}}\n", DOC, {}) == "no placeholders {here}"
