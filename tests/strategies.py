"""Hypothesis strategies for valid case files (plain dicts, validated by the Case model).

The fields generated are those the fact table (``engine.cases.facttable``) says some fact is computed
from, plus those the model requires; each value comes from the field's type. A fact added to the
table with a new case field is generated without editing this file. Only what a type cannot say is
written here: the text of names and procedures, and the range of dates.
"""
from __future__ import annotations

import datetime as dt
import typing
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from engine.cases.facts import Case, Request
from engine.cases.facttable import field_inputs, field_type, model_of
from engine.cases.vocab import Service


def values(enum) -> list[str]:
    return [m.value for m in enum]


SERVICES = values(Service)
dates = st.dates(dt.date(2009, 7, 18), dt.date(2016, 7, 28))
READ = set(field_inputs())  # the case fields some fact is computed from

# What a field's type does not say.
TEXT: dict[str, st.SearchStrategy] = {
    "request.text": st.just("request"),
    "medications[].name": st.sampled_from(["OxyContin", "Soma", "ibuprofen", "naproxen", "gabapentin", "tramadol"]),
    "request.drug": st.one_of(st.none(), st.sampled_from(["ibuprofen", "tramadol", "cyclobenzaprine",
                                                           "lidocaine/flurbiprofen"])),
    "surgery[].procedure": st.just("lumbar decompression"),
    "planned_procedures": st.lists(st.sampled_from(["lumbar surgery", "right knee arthroscopy"]), max_size=1),
}
DATES: dict[str, st.SearchStrategy] = {
    "claimant.date_of_injury": st.dates(dt.date(2000, 1, 1), dt.date(2009, 1, 1)),
}
FLOATS = [0.5, 1, 2, 3, 3.5, 4, 5, 8, 12, 20, 40, 65, 100]


def nullable(annotation: Any) -> bool:
    """Whether a field's type allows null."""
    return annotation is type(None) or any(nullable(a) for a in typing.get_args(annotation))


def _value(name: str, annotation: Any) -> st.SearchStrategy | None:
    if name in TEXT:
        return TEXT[name]
    kind, members, lo, hi = field_type(annotation)
    if kind == "bool":
        base: st.SearchStrategy = st.booleans()
    elif kind == "enum":  # absent: the model's default ("unknown" where there is one)
        base = st.sampled_from([m.value for m in members])
    elif kind == "list":
        base = st.lists(st.sampled_from([m.value for m in members]), max_size=3, unique=True)
    elif kind == "int":
        base = st.integers(int(lo or 0), int(min(hi if hi is not None else 40, 40)))
    elif kind == "float":
        base = st.sampled_from([v for v in FLOATS if (lo is None or v >= lo) and (hi is None or v <= hi)])
    elif kind == "date":
        base = DATES.get(name, dates).map(dt.date.isoformat)
    else:
        return None
    return st.one_of(st.none(), base) if nullable(annotation) else base


def _model(model: type[BaseModel], prefix: str, services: list[str] | None = None) -> st.SearchStrategy[dict]:
    required: dict[str, st.SearchStrategy] = {}
    optional: dict[str, st.SearchStrategy] = {}
    for name, info in model.model_fields.items():
        path = prefix + name
        if model is Request and name == "service":
            strategy: st.SearchStrategy | None = st.sampled_from(services or SERVICES)
        elif model is Case and name == "requests":
            continue
        else:
            inner, many = model_of(info.annotation)
            if inner is not None:
                wanted = any(f.startswith(path + ("[]" if many else ".")) for f in READ)
                strategy = (st.lists(_model(inner, path + "[]."), max_size=4) if many
                            else _model(inner, path + ".")) if wanted else None
            elif path in READ or info.is_required():
                strategy = _value(path, info.annotation)
            else:
                strategy = None
        if strategy is None:
            continue
        (required if info.is_required() else optional)[name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


def request(services: list[str] = SERVICES) -> st.SearchStrategy[dict]:
    return _model(Request, "request.", services)


def case(services: list[str] = SERVICES, max_requests: int = 3) -> st.SearchStrategy[dict]:
    return st.builds(lambda requests, rest: {"requests": requests, **rest},
                     st.lists(request(services), min_size=1, max_size=max_requests), _model(Case, ""))
