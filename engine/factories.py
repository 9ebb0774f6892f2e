"""Default factories of model fields (an empty list, an empty dict), written in Python.

pydantic asks ``inspect.signature`` whether a field's default factory takes the validated data. Of the
builtins ``list`` and ``dict`` that means parsing their text signature with ``tokenize`` (compiling its
pattern the first time): about 8 ms of every `imr check`, over the ~25 such fields of the case and
decision models. A Python function's signature is read from its code object.
"""
from __future__ import annotations

from typing import Any


def empty_list() -> list[Any]:
    return []


def empty_dict() -> dict[Any, Any]:
    return {}
