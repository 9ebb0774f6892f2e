"""The worked examples under cases/examples for the coverage services (chiropractic, physical medicine,
aquatic therapy, FRP, TENS, ESI, TPI): each is a valid pre-check case whose every request is decided
(Upheld or Overturned, not "no prediction") with at least one citation.

Examples for other services are left to their own tests: some show a request that deliberately gets
no prediction (e.g. biofeedback, whose criteria are not encoded).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.decide.decision import decide_case
from engine.cases.facts import load_case
from helpers import book

COVERAGE = {"chiropractic", "physical_therapy", "occupational_therapy", "aquatic_therapy",
            "functional_restoration_program", "tens", "epidural_steroid_injection", "trigger_point_injection"}
ALL_EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "cases" / "examples").glob("*.yaml"))
EXAMPLES = [p for p in ALL_EXAMPLES if {r.service.value for r in load_case(str(p)).requests} <= COVERAGE]


def test_there_is_an_example_per_coverage_service():
    services = {r.service.value for p in EXAMPLES for r in load_case(str(p)).requests}
    assert services == COVERAGE


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_request_is_decided_with_a_citation(path):
    case = load_case(str(path))
    assert case.case_id
    assert all(r.determination is None for r in case.requests), "examples are pre-check cases"
    assert all(r.date is not None and r.date.year == 2014 for r in case.requests)
    for d in decide_case(case, book(), source=str(path)).decisions:
        assert d.outcome in ("Upheld", "Overturned"), (d.request, d.no_prediction)
        assert d.confidence == "high"
        assert d.citations and d.citations[0] in d.rationale
