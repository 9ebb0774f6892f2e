"""The fact table's inputs agree with what fact_document actually reads: changing one case field at a
time changes only the facts that name it as an input, and every input named changes its fact on
some case. The advice's knobs are the fields the table lets a provider document."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

import pytest
from hypothesis import HealthCheck, given, settings

import strategies
from engine.cases.document import fact_document, flatten
from engine.cases.facts import Case, Request, load_case
from engine.cases.facttable import (
    DOCUMENT, FACTS, FIELDS, FIXED, JUDGED_DAY, LOWER, FactType, any_modality, case_fields, field_inputs,
    field_type,
)

ROOT = Path(__file__).resolve().parents[2]
NAMES = dict(case_fields())


def _set(model: Any, parts: list[str], value: Any) -> Any:
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        name = head[:-2]
        items = list(getattr(model, name))
        items[0] = _set(items[0], rest, value) if rest else value
        return model.model_copy(update={name: items})
    return model.model_copy(update={head: _set(getattr(model, head), rest, value) if rest else value})


def _values(annotation: Any, day: dt.date) -> list[Any]:
    kind, members, lo, _ = field_type(annotation)
    base = int(lo or 0)
    return ([None] if strategies.nullable(annotation) else []) + {
        "bool": [True, False],
        "enum": members[:: max(1, len(members) // 4)],  # a few, spread: each one costs a fact document
        "list": [[], members[:1], members[-2:]],
        "int": [base, base + 1, 13],
        "float": [float(base) + 0.5, 7.5],
        "date": [day - dt.timedelta(days=d) for d in (1, 800)],
    }.get(kind, _texts(annotation))


def _texts(annotation: Any) -> list[Any]:
    if "list" in str(annotation):
        return [[], ["lumbar surgery"], ["right knee arthroscopy"]]
    return ["x", "OxyContin", "ibuprofen", "naproxen/lidocaine", "cyclobenzaprine"]


def _variants(case: Case, request: Request, day: dt.date) -> Iterable[tuple[str, Case, Request, dt.date]]:
    """(the field changed, the changed case and request, the day) for one change at a time."""
    yield JUDGED_DAY, case, request, day + dt.timedelta(days=45)
    for name, annotation in NAMES.items():
        parts = name.split(".")
        if name.endswith("[]"):  # the items themselves: one fewer
            if "." not in name and getattr(case, name[:-2]):
                yield name, case.model_copy(update={name[:-2]: getattr(case, name[:-2])[1:]}), request, day
            continue
        if not _present(request if parts[0] == "request" else case, parts[1:-1] if parts[0] == "request" else parts[:-1]):
            continue
        for value in _values(annotation, day):
            if parts[0] == "request":
                yield name, case, _set(request, parts[1:], value), day
            else:
                yield name, _set(case, parts, value), request, day


def _present(model: Any, parents: list[str]) -> bool:
    """Whether the models holding a field exist (an optional section may be absent; a list empty)."""
    for part in parents:
        model = getattr(model, part.removesuffix("[]"), None)
        if part.endswith("[]"):
            model = model[0] if model else None
        if model is None:
            return False
    return True


def _covers(field: str, declared: tuple[str, ...]) -> bool:
    """An item field changes facts declared on the items, and removing items changes those too."""
    if field in declared:
        return True
    return field.endswith("[]") and any(d.startswith(field) for d in declared)


def undeclared(cases: Iterable[Case], facts: dict[str, FactType]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(field, fact) pairs where changing the field changed a fact that does not name it; and the
    declared (input, fact) pairs seen to matter."""
    wrong, seen = set(), set()
    for case in cases:
        for request in case.requests:
            day = request.judged_on or request.date or dt.date(2015, 6, 1)
            base = flatten(fact_document(case, request, day))
            for field, c2, r2, d2 in _variants(case, request, day):
                changed = flatten(fact_document(c2, r2, d2))
                for fact, value in base.items():
                    if changed.get(fact) == value:
                        continue
                    declared = facts[fact].inputs
                    if _covers(field, declared):
                        seen.update((d, fact) for d in declared if d == field or d.startswith(field))
                    else:
                        wrong.add((field, fact))
    return wrong, seen


# Facts the generator seldom moves: the requested drug against the medications of record, several
# NSAIDs of record (itself a GI risk factor), and a limb's nerve study reaching the lumbar spine.
_NSAID = {"text": "ibuprofen", "service": "nsaid", "drug": "ibuprofen", "drug_class": "nsaid"}
RARE = [
    {"medications": [{"name": "ibuprofen"}], "requests": [_NSAID]},
    {"medications": [{"name": "naproxen"}, {"name": "ibuprofen"}], "requests": [_NSAID]},
    {"regional_findings": [{"body_region": "lumbar_spine", "finding": "red_flag"}],
     "planned_procedures": ["lumbar surgery"],
     "requests": [{"text": "EMG", "service": "electrodiagnostic", "body_regions": ["lower_extremity"]}]},
]


def _bundled() -> list[Case]:
    return [load_case(str(p)) for p in sorted((ROOT / "cases").glob("**/*.yaml"))]


@pytest.fixture(scope="module")
def sample() -> list[Case]:
    drawn: list[Case] = []

    @settings(max_examples=25, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategies.case(max_requests=1))
    def collect(data: dict) -> None:
        drawn.append(Case.model_validate(data))

    collect()
    return _bundled() + drawn + [Case.model_validate(c) for c in RARE]


def test_every_input_is_a_case_field_and_every_role_names_an_input():
    inputs = field_inputs()
    for fact, ftype in FACTS.items():
        assert ftype.inputs, fact
        for f in ftype.inputs:
            assert f in NAMES or f == JUDGED_DAY, (fact, f)
    assert set(FIELDS) <= set(inputs)
    assert set(FIELDS.values()) <= {LOWER, DOCUMENT, FIXED}


@pytest.fixture(scope="module")
def checked(sample) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    return undeclared(sample, FACTS)


def test_changing_a_field_changes_only_the_facts_that_name_it(checked):
    wrong, _ = checked
    assert not wrong, sorted(wrong)[:10]


def test_every_declared_input_changes_its_fact_on_some_case(checked):
    """Per kind of fact: a history fact's inputs are seen to matter for some modality."""
    _, seen = checked
    declared = {(f, any_modality(fact)) for fact, ftype in FACTS.items() for f in ftype.inputs}
    missing = sorted(declared - {(f, any_modality(fact)) for f, fact in seen})
    assert not missing, missing


def test_an_input_left_out_of_the_table_is_found():
    broken = dict(FACTS)
    broken["request.total_with_prior"] = replace(FACTS["request.total_with_prior"], inputs=("request.quantity",))
    case = Case.model_validate({"treatments": [{"modality": "acupuncture", "sessions": 6}],
                                "requests": [{"text": "acupuncture x6", "service": "acupuncture", "quantity": 6}]})
    wrong, _ = undeclared([case], broken)
    assert ("treatments[].sessions", "request.total_with_prior") in wrong


def test_a_provider_changes_the_request_by_lowering_it_and_documents_only_what_is_unknown():
    assert FACTS["request.quantity"].changeable and FIELDS["request.quantity"] == LOWER
    assert FACTS["history.acupuncture.sessions"].changeable
    assert not FACTS["request.service"].changeable and not FACTS["conditions"].changeable
    assert not FACTS["request.treated_regions"].changeable  # what the request is for, not documentation


def test_the_case_schema_marks_every_field_the_rules_read():
    from engine.cases.facts import case_schema

    schema = case_schema()
    marked = set()
    for node in [schema, *schema["$defs"].values()]:
        for name, prop in node.get("properties", {}).items():
            if "x-facts" in prop:
                assert prop["x-provider"] in (LOWER, DOCUMENT, FIXED)
                assert "Facts computed from it" in prop["description"]
                marked.add(name)
    sessions = schema["$defs"]["Treatment"]["properties"]["sessions"]
    assert "request.total_with_prior" in sessions["x-facts"] and sessions["x-provider"] == DOCUMENT
    assert schema["$defs"]["Request"]["properties"]["quantity"]["x-provider"] == LOWER
    wanted = {f.split(".")[-1] for f in field_inputs() if not f.endswith("[]") and f != JUDGED_DAY}
    assert wanted <= marked
