"""The fact document: exactly the declared fact paths, unknowns as null, no determination."""
from __future__ import annotations

from hypothesis import given, settings

import strategies as gen
from engine.cases.facttable import FACTS
from engine.cases.document import fact_document, flatten
from engine.cases.facts import Case
from helpers import make_case


@settings(max_examples=100, deadline=None)
@given(gen.case())
def test_the_document_has_exactly_the_declared_facts(data):
    case = Case.model_validate(data)
    for request in case.requests:
        assert set(flatten(fact_document(case, request))) == set(FACTS)


def test_unknown_enum_members_become_null_and_absent_modalities_zero():
    case = make_case({"quantity": 3}, treatments=[{"modality": "physical_therapy", "sessions": None}])
    doc = fact_document(case, case.requests[0])
    assert doc["functional_status"]["adl"] is None
    assert doc["history"]["physical_therapy"]["sessions"] is None
    assert doc["history"]["acupuncture"] == {
        "recorded": False, "sessions": 0, "approved": None, "functional_improvement": None,
        "ongoing": False, "failed": None, "relief_percent": None, "relief_weeks": None,
        "months_since_last": None}
    assert doc["request"]["prior_sessions"] == 0 and doc["request"]["total_with_prior"] == 3


def test_the_determination_is_not_part_of_the_document():
    case = make_case({"quantity": 3, "determination": {"outcome": "Overturned", "guideline": "MTUS"}})
    flat = flatten(fact_document(case, case.requests[0]))
    assert not any("determination" in k or v in ("Overturned", "MTUS") for k, v in flat.items())


def test_every_fact_a_rule_reads_has_plain_words_in_the_fact_table():
    # The trace, the pre-check, the advice and the form take their words from FACTS: a fact without
    # them would reach a provider as its dotted path.
    from engine.cases.facttable import FACTS
    from engine.rules.ir import leaves
    from engine.rules.rulebook import load_rulebook

    read = {c.fact for rs in load_rulebook().rulesets for r in rs.rules for c in leaves(r.when) if not c.derived}
    assert read and not sorted(p for p in read if not (FACTS[p].words or FACTS[p].description))
