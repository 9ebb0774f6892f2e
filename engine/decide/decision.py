"""Deciding a request: selecting the rules in force, evaluating them, resolving the findings, and
writing the IMR-style rationale. The result models are the JSON decision contract.

Resolution: any ``not_medically_necessary`` finding predicts Upheld; otherwise an
``outside_guideline`` finding means no prediction (the governing text is not encoded); otherwise a
``medically_necessary`` finding predicts Overturned; when no criterion applies, Upheld (the requester
carries the burden) with the reason "no MTUS criterion met" and low confidence.
"""
from __future__ import annotations

import datetime as dt
import re
import string
from functools import lru_cache
from typing import Any, Callable

from engine.rules.editions import licensed_from
from engine.cases.document import fact_document, judged_day, walk
from engine.errors import EvaluationError
from engine.decide.evaluate import run
from engine.contract import (  # noqa: F401  (re-exported: the contract models were defined here)
    Advice, CaseDecision, Change, FiredRule, Precheck, RequestDecision, Trace,
)
from engine.contract import trusted
from engine.decide.explain import precheck as _precheck
from engine.decide.explain import _plan as _explain_plan
from engine.decide.explain import run as _explain_run
from engine.cases.facts import Case, Request
from engine.rules.ir import DERIVED_PREFIX, Rule, RuleSet
from engine.rules.semantics import resolve as resolve_findings
from engine.rules.semantics import reads, supplements_only
from engine.rules.rulebook import Rulebook

NO_CRITERION = "no MTUS criterion met"


def render(template: str, document: dict[str, Any], derived: dict[str, str | None]) -> str:
    """Fill ``{fact.path}`` placeholders; unknown facts read "unknown"."""
    return _template(template)(document, derived)


Rendering = Callable[[dict[str, Any], dict[str, str | None]], str]


@lru_cache(maxsize=4096)
def _template(template: str) -> Rendering:
    """The template made into a function once (rule texts are few and fixed, and every fired rule's
    is rendered): the text parsed, each placeholder's path split, the literal that follows a "1"
    singularised ahead ("the request for 1 treatments" reads "1 treatment"), and a template
    without placeholders rendered already."""
    pieces = []
    for literal, name, _, _ in string.Formatter().parse(template):
        after_one = _PLURAL_AFTER_ONE.sub(lambda m: m.group(1) + m.group(2)[:-1], literal, count=1)
        if not name:
            pieces.append((literal, after_one, None, ()))
        elif name.startswith("derived."):
            pieces.append((literal, after_one, name[len("derived."):], ()))
        else:
            pieces.append((literal, after_one, None, tuple(name.split("."))))
    if all(name is None and not parts for _, _, name, parts in pieces):
        text = " ".join("".join(literal for literal, _, _, _ in pieces).split())
        return lambda document, derived: text

    def fill(document: dict[str, Any], derived: dict[str, str | None]) -> str:
        out = []
        one = False  # the last placeholder read "1"
        for literal, after_one, name, parts in pieces:
            out.append(after_one if one else literal)
            one = False
            if name is not None:
                words = _words(derived.get(name))
            elif parts:
                words = _words(walk(document, parts))
            else:
                continue
            out.append(words)
            one = words == "1"
        return " ".join("".join(out).split())
    return fill


_PLURAL_AFTER_ONE = re.compile(
    r"^(\s+)(treatments|visits|sessions|weeks|months|injections|levels|days|times)\b")


def _words(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value) or "none"
    return str(value).replace("_", " ")


def _fired_rule(rule: Rule, citation: str, document: dict[str, Any], derived: dict[str, str | None]) -> FiredRule:
    # Built without validation: every value here is a str or None made by this module.
    return trusted(FiredRule, dict(
        id=rule.id, finding=rule.finding, derived=f"{rule.derive[0]}={rule.derive[1]}" if rule.derive else None,
        citation=citation, because=render(rule.because, document, derived),
        to_pass=render(rule.to_pass, document, derived) if rule.to_pass else None, status=rule.status,
    ))


def _version(rs: RuleSet) -> str:
    end = rs.in_force_to.isoformat() if rs.in_force_to else "open"
    return f"{rs.key} ({rs.guideline}; in force {rs.in_force_from.isoformat()} to {end})"


def _date_basis(request: Request) -> dict[str, Any]:
    if request.judged_on is not None:
        return dict(date_stated=True, date_basis=request.judged_basis or "the date the request is judged as of")
    if request.date is not None:
        return dict(date_stated=True, date_basis="the request's date")
    return dict(date_stated=False, date_basis="the request states no date: judged as of today or --today")


def decide_request(case: Case, request: Request, book: Rulebook, today: dt.date | None = None, *,
                   explain: bool = False) -> RequestDecision:
    """Predict the IMR outcome of one request. Never reads ``request.determination``.

    Every decision carries its pre-check; ``explain`` adds the trace of every rule in force
    (``engine.decide.explain``). What would make an Upheld request pass is ``engine.decide.advice``'s, afterwards.
    """
    day = judged_day(request, today)
    service = request.service.value
    base = dict(request=request.text, service=service, date_used=day, **_date_basis(request))
    rulesets = book.in_force(service, day)
    if not rulesets:
        return _unpredicted(base, *_why_no_rules(book, service, day))
    document = fact_document(case, request, day)
    firing = run(rulesets, document)
    decision = resolve(request, rulesets, document, firing.fired, firing.derived, day)
    index = _explain_plan(rulesets).index
    # Every decision is checked against the reference semantics (engine.decide.explain): durable_rules
    # decides, and a disagreement is an engine failure, never a silent prediction.
    ours = _explain_run(rulesets, document, trace=explain)
    if set(ours.fired) != set(firing.fired) or ours.derived != firing.derived:
        only_engine = sorted(set(firing.fired) - set(ours.fired))
        only_ours = sorted(set(ours.fired) - set(firing.fired))
        raise EvaluationError(
            f"durable_rules and the reference evaluator disagree on a {service} request "
            f"(fired by durable_rules only: {', '.join(only_engine) or 'none'}; by the reference only: "
            f"{', '.join(only_ours) or 'none'}; derived facts differ: {ours.derived != firing.derived})")
    if explain:
        ours.trace.engine_agrees = True
        decision.trace = ours.trace
    decision.precheck = _precheck(rulesets, document, decision.outcome, decision.rules,
                                  lambda rule_id: render(index[rule_id][1].because, document, firing.derived),
                                  evaluation=ours)
    return decision


def _why_no_rules(book: Rulebook, service: str, day: dt.date) -> tuple[str, str]:
    if day >= licensed_from():
        return "licensed_guideline", (
            f"requests from {licensed_from().isoformat()} fall under the ACOEM guidelines that the MTUS "
            f"adopted by reference on that day, which are licensed, not public; no rule files for them are "
            f"bundled (a licensee adds them with --rules DIR)")
    if not book.for_service(service):
        return "service_not_encoded", f"no MTUS criteria are encoded for the service '{service}'"
    periods = "; ".join(_version(rs) for rs in book.for_service(service))
    return "not_in_force", f"no encoded rule set for '{service}' is in force on {day.isoformat()} (encoded: {periods})"


def _unpredicted(base: dict[str, Any], code: str, reason: str) -> RequestDecision:
    return trusted(RequestDecision, dict(**base, outcome=None, rationale=f"No prediction: {reason}.",
                                         no_prediction=reason, no_prediction_reason=code))


def resolve(request: Request, rulesets: list[RuleSet], document: dict[str, Any], fired_ids: list[str],
            derived: dict[str, str | None], day: dt.date) -> RequestDecision:
    """Turn the fired rules into a decision with its rationale (shared by every evaluator)."""
    plan = _explain_plan(rulesets)
    index, citations = plan.index, plan.citations
    fired = [_fired_rule(index[i][1], citations[i], document, derived)
             for i in sorted(set(fired_ids), key=fired_ids.index)]
    findings = [f for f in fired if f.finding]
    derivations = [f for f in fired if f.derived]
    base = dict(request=request.text, service=request.service.value, date_used=day,
                **_date_basis(request), fired=fired,
                derived=[f.id for f in derivations], guidelines=_versions(rulesets))
    resolution = resolve_findings({f.finding for f in findings}, supplements_only(rulesets))
    if resolution.supplement_only:
        # Only a supplementary file (a statute's cap) is in force: it found nothing against the
        # request, and nothing encodes when the service is medically necessary on this date.
        extra = ", ".join(sorted({rs.guideline for rs in rulesets if rs.supplements}))
        reason = (f"no encoded MTUS rule set for '{request.service.value}' is in force on {day.isoformat()}; "
                  f"only {extra} is, which can limit but not support the request")
        return _unpredicted(base, "supplement_only", reason)
    outcome = resolution.outcome
    deciding = [f for f in findings if f.finding == resolution.finding] if resolution.finding else []
    confidence = None if outcome is None else "high" if deciding else "low"
    # The definition rules that a deciding rule relied on are part of its reasons.
    read = {path[len(DERIVED_PREFIX):] for f in deciding for path in reads(index[f.id][1].when)
            if path.startswith(DERIVED_PREFIX)}
    supporting = [d for d in derivations if d.derived.split("=")[0] in read]
    reasons = deciding + supporting
    citations = list(dict.fromkeys(f.citation for f in reasons))
    to_pass = list(dict.fromkeys(f.to_pass for f in reasons if f.to_pass and outcome == "Upheld"))
    rationale = _rationale(request, outcome, deciding, supporting, rulesets)
    no_prediction = deciding[0].because if outcome is None else None
    basis = None if outcome is None else ("criterion" if deciding else "no_criterion_met")
    # Built without validation: every value is made here from validated cases and rule files.
    return trusted(RequestDecision, dict(
        **base, outcome=outcome, confidence=confidence, rules=[f.id for f in deciding],
        citations=citations, rationale=rationale, to_pass=to_pass, no_prediction=no_prediction, basis=basis,
        no_prediction_reason="outside_guideline" if outcome is None else None))


_VERSIONS: dict[tuple[int, ...], tuple[tuple[RuleSet, ...], list[str]]] = {}


def _versions(rulesets: list[RuleSet]) -> list[str]:
    """``_version`` of each rule set, worked out once per combination (a fresh list each time: it
    becomes part of a decision). The entry holds the rule sets, so no id is reused."""
    key = tuple(id(rs) for rs in rulesets)
    hit = _VERSIONS.get(key)
    if hit is None:
        hit = _VERSIONS[key] = (tuple(rulesets), [_version(rs) for rs in rulesets])
    return list(hit[1])


def _rationale(request: Request, outcome: str | None, deciding: list[FiredRule], supporting: list[FiredRule],
               rulesets: list[RuleSet]) -> str:
    guideline = next((rs.guideline for rs in rulesets if not rs.is_definitions), "the MTUS")
    sentences = [f"According to the {guideline}:"] if deciding else []
    sentences += [f.because + (" " if f.because.endswith(".") else ". ") + f"({f.citation})" for f in deciding]
    sentences += [f.because + (" " if f.because.endswith(".") else ". ") + f"({f.citation})" for f in supporting]
    if outcome == "Upheld" and deciding:
        sentences.append(f"Therefore, the request for {request.text} is not medically necessary.")
    elif outcome == "Upheld":
        sentences.append(
            f"No criterion of the {guideline} that supports the request is met on the documented facts "
            f"({NO_CRITERION}); the requesting provider carries the burden, so the request for "
            f"{request.text} is not shown to be medically necessary.")
    elif outcome == "Overturned":
        sentences.append(f"Therefore, the request for {request.text} is medically necessary.")
    else:
        sentences.append("No prediction is made for this request.")
    return " ".join(sentences)


def decide_case(case: Case, book: Rulebook, source: str | None = None, today: dt.date | None = None, *,
                explain: bool = False) -> CaseDecision:
    decisions = []
    for request in case.requests:
        d = decide_request(case, request, book, today, explain=explain)
        if request.determination is not None:
            d.actual = request.determination.outcome.value
            d.agrees = None if d.outcome is None else d.outcome == d.actual
        decisions.append(d)
    # Built without validation (so a check builds no validator of the decision contract): the
    # case's id is validated, the decisions are made here.
    return trusted(CaseDecision, dict(case_id=case.case_id, source=source, decisions=decisions))
