"""The engine-neutral form of the rules: typed conditions, rules and rule sets.

Rule files are parsed into these models (``engine.rules.rulebook``); the durable_rules compiler
(``engine.rules.compile``), the explanation evaluator and the linter all read this one form, so no reader
depends on another's representation.

Three-valued logic: a comparison against an unknown (null) fact is *undecided*, never true. Only
``known: false`` is true of an unknown fact. A rule fires only when its condition is true.
"""
# No `from __future__ import annotations`: pydantic would compile and evaluate every field's
# annotation string at import (`imr check` imports these models to read the cached rulebook).

import datetime as dt
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

Op = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "contains", "excludes", "known"]
OPS: tuple[str, ...] = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "contains", "excludes", "known")
ORDERED_OPS = ("gt", "gte", "lt", "lte")
# outside_guideline: the guideline in force sends this request to a text that is not encoded.
Finding = Literal["not_medically_necessary", "medically_necessary", "outside_guideline"]
Status = Literal["confirmed", "partial", "unconfirmed"]

DERIVED_PREFIX = "derived."


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Compare(Node):
    """``fact <op> value``; ``value`` is a scalar, a list for ``in``, a bool for ``known``."""

    fact: str
    op: Op
    value: Any
    line: int | None = Field(None, exclude=True)

    @property
    def derived(self) -> bool:
        return self.fact.startswith(DERIVED_PREFIX)

    @property
    def derived_name(self) -> str:
        return self.fact[len(DERIVED_PREFIX):]


class AllOf(Node):
    all: list["Condition"]


class AnyOf(Node):
    any: list["Condition"]


Condition = Union[Compare, AllOf, AnyOf]  # AllOf and AnyOf resolve it when first built (defer_build)


class Rule(Node):
    id: str
    when: Condition
    finding: Finding | None = None
    derive: tuple[str, str] | None = None  # (derived fact name, value) for definition rules
    cite: str
    page: str | None = None
    because: str
    to_pass: str | None = None
    status: Status = "confirmed"
    line: int | None = None

    @property
    def is_derivation(self) -> bool:
        return self.derive is not None


class Example(Node):
    """A worked example of a rule file: a case, its request, and the outcome the rules must give
    (run as a test: tests/rules/test_rule_examples.py)."""

    name: str
    case: dict[str, Any]
    request: dict[str, Any]
    outcome: Literal["Upheld", "Overturned"] | None
    rules: tuple[str, ...] | None = None  # the deciding rules, when the example names them
    line: int | None = None


class RuleSet(Node):
    """One rule file: one guideline topic, one period in force."""

    key: str  # file stem, unique in a rulebook
    source: str
    guideline: str
    topic: str | None = None
    cite: str
    pages: str | None = None
    services: tuple[str, ...] = ()  # empty for definition files, which apply to every service
    in_force_from: dt.date
    in_force_to: dt.date | None = None
    derives: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # A supplementary file (e.g. a statute's visit cap) adds limits on top of the guideline for its
    # services; alone it can deny, but it does not encode when the service is medically necessary.
    supplements: bool = False
    status: Status = "confirmed"
    rules: tuple[Rule, ...] = ()
    examples: tuple[Example, ...] = ()

    @property
    def is_definitions(self) -> bool:
        return not self.services

    def in_force(self, day: dt.date) -> bool:
        return self.in_force_from <= day and (self.in_force_to is None or day <= self.in_force_to)

    def citation(self, rule: Rule) -> str:
        """The citation as IMR letters give it: guideline, topic, section and page."""
        page = rule.page or self.pages
        parts = [self.guideline]
        if self.topic:
            parts.append(self.topic)
        parts.append(rule.cite)
        if page:
            parts.append(f"p. {page}" if "-" not in page else f"pp. {page}")
        return ", ".join(parts)


def leaves(cond: Condition) -> list[Compare]:
    if isinstance(cond, Compare):
        return [cond]
    children = cond.all if isinstance(cond, AllOf) else cond.any
    return [leaf for child in children for leaf in leaves(child)]


def dnf(cond: Condition) -> list[list[Compare]]:
    """Disjunctive normal form: a list of conjunctions of comparisons."""
    if isinstance(cond, Compare):
        return [[cond]]
    if isinstance(cond, AnyOf):
        return [term for child in cond.any for term in dnf(child)]
    terms: list[list[Compare]] = [[]]
    for child in cond.all:
        terms = [t + c for t in terms for c in dnf(child)]
    return terms


def normal_value(value: Any) -> Any:
    """A compared value as the facts hold it (dates as ISO strings)."""
    return value.isoformat() if isinstance(value, dt.date) else value
