"""Turning pydantic validation errors into one-line messages that name the file, line and field."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import InputError
from .sources import Document


def field_path(loc: tuple[Any, ...]) -> str:
    """('requests', 0, 'quantity') -> 'requests[0].quantity'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def describe(error: dict[str, Any]) -> str:
    """What was expected, in words a case author understands."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    got = f" (got {_short(value)})"
    integer = isinstance(value, int) and not isinstance(value, bool)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "expected an integer" + got
    if kind in ("float_type", "float_parsing"):
        return "expected a number" + got
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        bound = next(iter(v for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")), "?")
        noun = "an integer" if integer else "a number"
        return f"expected {noun} {op} {bound}" + got
    if kind in ("bool_type", "bool_parsing"):
        return "expected true or false" + got
    if kind in ("string_type",):
        return "expected a string" + got
    if kind in ("string_too_short",):
        return "expected a non-empty string"
    if kind in ("list_type", "tuple_type", "set_type"):
        return "expected a list" + got
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "expected a mapping" + got
    if kind in ("enum", "literal_error"):
        expected = ctx.get("expected", "")
        return f"expected one of {expected}" + got
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return "expected a date YYYY-MM-DD" + got
    if kind == "extra_forbidden":
        return "unknown field (not part of the format; see `imr schema`)"
    if kind == "missing":
        return "required field is missing"
    if kind == "too_short":
        return f"expected at least {ctx.get('min_length', 1)} item(s)"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "invalid value")))
    return error.get("msg", "invalid value") + got


def validate(model: type[BaseModel], doc: Document) -> Any:
    """Validate ``doc.data`` against ``model``; raise one InputError for the first problem."""
    if not isinstance(doc.data, dict):
        raise InputError(doc.source, "expected a mapping at the top of the document", line=doc.line_of(()))
    try:
        return model.model_validate(doc.data)
    except ValidationError as e:
        errors = e.errors(include_url=False)
        first = errors[0]
        loc = tuple(p for p in first["loc"] if not _is_union_tag(p))
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InputError(
            doc.source, describe(first) + more, line=doc.line_of(loc), where=field_path(loc)
        ) from None


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts union member names (e.g. 'str', 'Evidence') into error locations.
    return isinstance(part, str) and (part[:1].isupper() or part in ("str", "int", "float", "list[str]"))
