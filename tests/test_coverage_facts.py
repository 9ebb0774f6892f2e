"""Case-format additions for the coverage rules (FRP evaluation, TENS acquisition, ESI levels and
route, post-surgical requests, reduced weight bearing, dates of the latest session, the regions a
request treats): optional, null by default and distinct from false/0, in the schema, and in the fact
document under the paths FACTS declares."""
from __future__ import annotations

import json

from engine.cases.facttable import FACTS
from engine.cases.document import fact_document, flatten
from engine.cases.facts import case_schema
from helpers import make_case

NEW_FACTS = {
    "exam.reduced_weight_bearing": "boolean",
    "program_evaluation.baseline_functional_testing": "boolean",
    "program_evaluation.previous_treatment_failed": "boolean",
    "program_evaluation.loss_of_independent_function": "boolean",
    "program_evaluation.surgical_candidate": "boolean",
    "program_evaluation.motivated": "boolean",
    "program_evaluation.negative_predictors_addressed": "boolean",
    "request.post_surgical": "boolean",
    "request.acquisition": "enum",
    "request.levels": "integer",
    "request.approach": "enum",
    "request.treated_regions": "list",
    "history.tens.months_since_last": "number",
}


def doc(request=None, **facts):
    case = make_case(request, **facts)
    return flatten(fact_document(case, case.requests[0]))


def test_new_facts_are_declared_with_types_and_descriptions():
    for path, kind in NEW_FACTS.items():
        assert FACTS[path].kind == kind, path
        assert FACTS[path].description, path
    assert FACTS["request.acquisition"].values == ("rental", "purchase")
    assert FACTS["request.approach"].values == ("transforaminal", "interlaminar")


def test_additions_are_optional_and_unknown_by_default():
    d = doc()
    for path in NEW_FACTS:
        if path != "request.treated_regions":
            assert d[path] is None, path
    assert d["request.treated_regions"] == []


def test_false_and_zero_stay_distinct_from_unknown():
    d = doc({"post_surgical": False, "levels": 1},
            program_evaluation={"surgical_candidate": False, "motivated": True},
            exam={"reduced_weight_bearing": False})
    assert d["request.post_surgical"] is False
    assert d["request.levels"] == 1
    assert d["program_evaluation.surgical_candidate"] is False
    assert d["program_evaluation.motivated"] is True
    assert d["program_evaluation.negative_predictors_addressed"] is None
    assert d["exam.reduced_weight_bearing"] is False


def test_enums_read_their_values():
    d = doc({"acquisition": "rental", "approach": "interlaminar"})
    assert (d["request.acquisition"], d["request.approach"]) == ("rental", "interlaminar")


def test_treated_regions_are_the_request_regions_or_else_the_case_regions():
    assert doc({"body_regions": ["knee"]}, body_regions=["lumbar_spine"])["request.treated_regions"] == ["knee"]
    assert doc({"body_regions": []}, body_regions=["lumbar_spine", "cervical_spine"])["request.treated_regions"] == [
        "cervical_spine", "lumbar_spine"]


def test_months_since_the_latest_session():
    treatments = [{"modality": "trigger_point_injection", "sessions": 1, "last_date": "2014-01-01"},
                  {"modality": "trigger_point_injection", "sessions": 1, "last_date": "2014-04-01"},
                  {"modality": "trigger_point_injection", "sessions": 1}]
    d = doc({"date": "2014-06-01"}, treatments=treatments)
    assert d["history.trigger_point_injection.months_since_last"] == 2.0
    assert doc({"date": None}, treatments=treatments)["history.trigger_point_injection.months_since_last"] is None
    assert doc({"date": "2014-06-01"}, treatments=treatments[2:])[
        "history.trigger_point_injection.months_since_last"] is None


def test_the_schema_describes_the_additions():
    schema = json.dumps(case_schema())
    for text in ("baseline functional testing", "rental (trial) or purchase", "route of an epidural",
                 "spinal levels", "Postsurgical Treatment Guidelines", "reduced weight bearing",
                 "latest session or injection"):
        assert text in schema, text
