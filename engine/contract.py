"""The JSON contract of a decision: what `imr check --json`, the HTTP API and the reports read.

Kept apart from the engine so that rendering, validating or serving a decision never loads
durable_rules (a test imports this module with durable_rules made unimportable).
"""
# No `from __future__ import annotations` here: pydantic would compile and evaluate every field's
# annotation string when the module is imported (a few ms of every `imr check`).

import datetime as dt
from typing import Any, Literal, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["fired", "did_not_fire", "undecided"]


# Default factories of model fields (here and in engine.cases.facts), written in Python: pydantic asks
# inspect.signature whether a default factory takes the validated data, which for the builtins list
# and dict means parsing their text signature with tokenize (and compiling tokenize's pattern first),
# about 8 ms of every `imr check` over ~25 fields. A Python function's signature is read from its code.
def empty_list() -> list[Any]:
    return []


def empty_dict() -> dict[Any, Any]:
    return {}


M = TypeVar("M", bound=BaseModel)

_Spec = Union[tuple[tuple[str, bool, Any], ...], None]
_SPECS: dict[type, _Spec] = {}
_IMMUTABLE = (type(None), bool, int, float, str)


def _spec(cls: type[BaseModel]) -> _Spec:
    """Each field's name, whether its default is a factory, and the factory or default; None when
    ``model_construct`` does more for this model than fill fields (aliases, a post-init, extra
    fields kept, private attributes, a factory reading other fields, a default it would copy)."""
    if (cls.__pydantic_post_init__ or cls.__pydantic_root_model__ or cls.__private_attributes__
            or cls.model_config.get("extra") == "allow"):
        return None
    out = []
    for name, f in cls.__pydantic_fields__.items():
        if f.alias is not None or f.validation_alias is not None:
            return None
        if f.default_factory is not None:
            if getattr(f, "default_factory_takes_validated_data", False):  # pydantic >= 2.10
                return None
            out.append((name, True, f.default_factory))
        elif f.is_required():
            out.append((name, False, _REQUIRED))
        elif type(f.default) in _IMMUTABLE:
            out.append((name, False, f.default))
        else:
            return None
    return tuple(out)


_REQUIRED = object()
_set = object.__setattr__


def trusted(cls: type[M], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)`` (no validation: the values are already valid), the same
    instance without its per-field alias look-ups: a decision builds several of these per request.
    A field neither given nor defaulted is left out, as ``model_construct`` leaves it."""
    spec = _SPECS.get(cls, _REQUIRED)
    if spec is _REQUIRED:
        spec = _SPECS[cls] = _spec(cls)
    if spec is None:
        return cls.model_construct(**values)
    fields: dict[str, Any] = {}
    for name, factory, default in spec:
        if name in values:
            fields[name] = values[name]
        elif factory:
            fields[name] = default()
        elif default is not _REQUIRED:
            fields[name] = default
    m = cls.__new__(cls)
    _set(m, "__dict__", fields)
    _set(m, "__pydantic_fields_set__", {name for name in values if name in fields})
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m


# -- the trace models (JSON: the decision's ``trace`` field) ----------------------------------------

class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ConditionTrace(_Model):
    """One condition leaf: ``fact op value`` against the value seen, and its three-valued result."""

    fact: str
    op: str
    value: Any = Field(description="the value compared with (a list for in, a bool for known)")
    seen: Any = Field(None, description="the value of the fact in this case; null when unknown")
    known: bool = Field(description="whether the fact is known (seen is not null)")
    result: bool | None = Field(description="true, false, or null when undecided (the fact is unknown)")
    derived_by: list[str] | None = Field(
        None, description="for a derived fact: the rules that concluded it ([] = none did, so unknown)")
    absent: bool = Field(False, description="a derived fact no rule set in force declares")


class GroupTrace(_Model):
    """An ``all`` or ``any`` group and its three-valued result."""

    op: Literal["all", "any"]
    result: bool | None
    conditions: list[Union[ConditionTrace, "GroupTrace"]]


NodeTrace = Union[ConditionTrace, GroupTrace]


class RuleTrace(_Model):
    id: str
    ruleset: str = Field(description="the rule file (stem) the rule comes from")
    finding: str | None = None
    derive: str | None = Field(None, description="for a derivation rule: name=value")
    citation: str
    outcome: Outcome
    when: NodeTrace

    def leaves(self) -> list[ConditionTrace]:
        return _trace_leaves(self.when)


class Trace(_Model):
    """Every rule of the rule sets in force for one request, with its outcome and its leaves."""

    rulesets: list[str]
    derived: dict[str, str | None] = Field(
        description="derived facts after evaluation (null = no rule concluded it: unknown)")
    fired: list[str] = Field(description="the rules that fired, derivation rules first")
    rules: list[RuleTrace] = Field(description="derivation rules in evaluation order, then the other rules")
    engine_agrees: bool | None = Field(
        None, description="whether durable_rules fired exactly these rules (null: not compared)")


def _trace_leaves(node: NodeTrace) -> list[ConditionTrace]:
    if isinstance(node, ConditionTrace):
        return [node]
    return [leaf for child in node.conditions for leaf in _trace_leaves(child)]


PrecheckStatus = Literal["certifiable", "not_certifiable", "needs_documentation"]


class Need(_Model):
    """A guideline criterion that needs a missing fact: its rule, citation and words."""

    rule: str
    citation: str
    because: str


class MissingFact(_Model):
    fact: str
    words: str
    details: list[str] = Field(
        default_factory=empty_list, description="for a derived fact: the unknown facts it is read from")
    needed_by: list[Need] = Field(default_factory=empty_list)


class Precheck(_Model):
    """Whether the request could be certified as it stands, before any review.

    certifiable: predicted Overturned. not_certifiable: predicted Upheld by a criterion that holds
    on documented facts alone. needs_documentation: the deciding criterion depends on unknown facts
    (a not_medically_necessary rule fired only because a fact is unknown, or no
    medically_necessary rule fired and some could not be decided for unknown facts).
    """

    status: PrecheckStatus
    reason: str
    missing: list[MissingFact] = Field(default_factory=empty_list)


class Change(BaseModel):
    """One change: a field of the case (``request.*`` for the request), from what, to what."""

    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True, validate_by_alias=True, defer_build=True)

    field: str
    from_: Any = Field(alias="from", description="the current value; null when unknown")
    to: Any
    words: str


class Advice(BaseModel):
    """What would make an Upheld request pass, or why nothing a provider can change would."""

    model_config = ConfigDict(defer_build=True)

    possible: bool
    changes: list[Change] = Field(default_factory=empty_list)
    alternatives: list[list[Change]] = Field(
        default_factory=empty_list, description="other verified changes of the same size, if any")
    verified: bool = Field(False, description="the real engine predicts Overturned with the changes")
    rules: list[str] = Field(default_factory=empty_list, description="the rules that would then decide")
    establishes: dict[str, str | None] = Field(
        default_factory=empty_dict,
        description="derived facts the changes would establish, e.g. functional_improvement")
    establishes_words: list[str] = Field(
        default_factory=empty_list, description="the same, in plain words with the definition's citation")
    words: str = Field(description="the advice (or the reason there is none) in plain words")
    reason: str | None = Field(None, description="why no change can make the request pass")
    evaluated: int = Field(0, description="candidate cases evaluated by the search")


class FiredRule(BaseModel):
    """A rule that fired, with its citation and its sentence filled from the facts."""

    model_config = ConfigDict(defer_build=True)

    id: str
    finding: str | None = None
    derived: str | None = None
    citation: str
    because: str
    to_pass: str | None = None
    status: str


NoPredictionReason = Literal[
    "service_not_encoded", "not_in_force", "licensed_guideline", "supplement_only", "outside_guideline"]
Basis = Literal["criterion", "no_criterion_met"]


class RequestDecision(BaseModel):
    model_config = ConfigDict(defer_build=True)

    request: str
    service: str
    outcome: Literal["Upheld", "Overturned"] | None = Field(
        description="null when no prediction can be made (see no_prediction)")
    confidence: Literal["high", "low"] | None = None
    rules: list[str] = Field(default_factory=empty_list, description="the deciding rules")
    citations: list[str] = Field(default_factory=empty_list)
    rationale: str
    to_pass: list[str] = Field(default_factory=empty_list)
    derived: list[str] = Field(default_factory=empty_list, description="derivation rules that fired")
    fired: list[FiredRule] = Field(default_factory=empty_list)
    guidelines: list[str] = Field(default_factory=empty_list, description="rule files applied, with version")
    date_used: dt.date | None = None
    date_stated: bool = Field(True, description="false when the request states no date and date_used is --today")
    date_basis: str | None = Field(None, description="why date_used is that date, in words")
    no_prediction: str | None = None
    no_prediction_reason: NoPredictionReason | None = Field(
        None, description="why there is no prediction: no rules for the service; none in force on the date; "
        "the date falls under the licensed ACOEM guidelines of the MTUS from 2017-12-01; only a "
        "supplementary rule set in force; a rule found the request outside what the guideline decides")
    basis: Basis | None = Field(
        None, description="criterion: deciding rules fired; no_criterion_met: the default Upheld, "
        "no criterion met on the documented facts")
    actual: Literal["Upheld", "Overturned"] | None = None
    agrees: bool | None = None
    precheck: Precheck | None = Field(
        None, description="certifiable / not_certifiable / needs_documentation, with the missing facts")
    advice: Advice | None = Field(
        None, description="for a request predicted Upheld, when asked: the smallest verified change that passes")
    trace: Trace | None = Field(
        None, description="when asked (--explain): every rule in force with its outcome and its conditions")


class CaseDecision(BaseModel):
    model_config = ConfigDict(defer_build=True)

    case_id: str | None
    source: str | None = None
    decisions: list[RequestDecision]
