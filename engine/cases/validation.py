"""Turning pydantic validation errors into one-line messages that name the file, line and field.

A message says what was expected, never what was found: the values of a case file are medical
records, and an unknown key may be one too (see ``engine.cases.sources.show_path``).
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from engine.errors import InputError
from engine.cases.sources import Document, show_path


class FieldProblem(ValueError):
    """Raised by a model validator about one field: the message then names that field and its line."""

    def __init__(self, loc: tuple[Any, ...], message: str):
        super().__init__(message)
        self.loc = tuple(loc)


def field_path(loc: tuple[Any, ...]) -> str:
    """('requests', 0, 'quantity') -> 'requests[0].quantity' (a key not of the format: <key>)."""
    return show_path(loc)


def describe(error: dict[str, Any]) -> str:
    """What was expected, in words a case author understands."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    integer = isinstance(value, int) and not isinstance(value, bool)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "expected an integer"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return "expected a finite number"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        bound = next(iter(v for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")), "?")
        noun = "an integer" if integer else "a number"
        return f"expected {noun} {op} {bound}"
    if kind in ("bool_type", "bool_parsing"):
        return "expected true or false"
    if kind in ("string_type",):
        return "expected a string"
    if kind in ("string_too_short",):
        return "expected a non-empty string"
    if kind in ("list_type", "tuple_type", "set_type"):
        return "expected a list"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "expected a mapping"
    if kind in ("enum", "literal_error"):
        expected = ctx.get("expected", "")
        return f"expected one of {expected}"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact",
                "date_future", "date_past"):
        return "expected a date YYYY-MM-DD"
    if kind == "extra_forbidden":
        return "unknown key (not part of the format; see `imr schema`)"
    if kind == "missing":
        return "required field is missing"
    if kind == "too_short":
        return f"expected at least {ctx.get('min_length', 1)} item(s)"
    if kind == "too_long":
        return f"expected at most {ctx.get('max_length', '?')} item(s)"
    if kind == "value_error":
        # Our own validators' messages: written to name what was expected, never the value.
        return str(ctx.get("error", "invalid value"))
    return "invalid value"


def validate(model: type[BaseModel], doc: Document) -> Any:
    """Validate ``doc.data`` against ``model``; raise one InputError for the first problem."""
    if not isinstance(doc.data, dict):
        raise InputError(doc.source, "expected a mapping at the top of the document", line=doc.line_of(()))
    try:
        return model.model_validate(doc.data)
    except ValidationError as e:
        errors = e.errors(include_url=False)
        first = errors[0]
        raw = tuple(first["loc"])
        extra = first["type"] == "extra_forbidden"
        # An unknown key is never printed (it may be a patient's words): its parent is, and its line.
        tail, raw = (raw[-1:], raw[:-1]) if extra else ((), raw)
        loc = tuple(p for p in raw if not _is_union_tag(p))
        problem = (first.get("ctx") or {}).get("error")
        if isinstance(problem, FieldProblem):
            loc = loc + problem.loc
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InputError(
            doc.source, describe(first) + more, line=doc.line_of(loc + tail),
            where=field_path(loc) if loc or not extra else None,
        ) from None


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts union member names (e.g. 'str', 'Evidence') into error locations.
    # No field name of a format holds '[' or '-'; pydantic's tags do ('enum[Service]', 'function-before').
    return isinstance(part, str) and (part[:1].isupper() or part in ("str", "int", "float", "bool")
                                      or "[" in part or part.startswith("function-"))
