"""Explaining a decision: an evaluator of our own over the engine-neutral rules (``engine.rules.ir``).

durable_rules records nothing about why a rule did not fire, so explanations come from our own model
of the rules. This module evaluates the same rule sets on the same fact document with the same
semantics, independently of durable_rules:

- every comparison is three-valued (``engine.rules.semantics.compare``): on an unknown (null) fact it is
  undecided, and only ``known: false`` is true of an unknown fact;
- ``all`` / ``any`` combine leaf results with Kleene's three-valued AND / OR, and a rule fires only
  when its condition is true (a condition that is undecided never fires);
- derived facts are concluded by the derivation rules of the definition files in force; a derived
  fact that no rule concluded is set to unknown, name by name in dependency order (the order
  ``engine.decide.evaluate`` uses), so that rules about "not documented or unknown" see it;
- a derived fact that no rule set in force declares is absent: durable_rules never sees such a
  fact, so no comparison on it (not even ``known: false``) can be true.

For every rule of the rule sets in force it reports the outcome (``fired``, ``did_not_fire``, or
``undecided`` when a fact it needed is unknown) and, for every condition leaf, the fact, the value
seen, the operator, the compared value and the leaf's result. ``tests/explain/test_differential.py``
checks that it fires exactly the rules durable_rules fires.

It also gives the pre-check outcome (``precheck``): certifiable, not certifiable, or needs
documentation, with the missing facts in plain words.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterable, Sequence

from engine.contract import (  # noqa: F401  (re-exported: the trace models were defined here)
    ConditionTrace, GroupTrace, MissingFact, Need, NodeTrace, Outcome, Precheck, RuleTrace, Trace,
)
from engine.contract import trusted
from engine.cases.facttable import FACTS
from engine.cases.document import lookup  # noqa: F401  (re-exported: the plain form of _Plan.unknown_facts)
from engine.errors import EvaluationError
from engine.rules.ir import DERIVED_PREFIX, AllOf, Compare, Condition, Rule, RuleSet, leaves
from engine.rules.semantics import (  # noqa: F401  (Facts, value, leaf_result: re-exported for callers)
    ABSENT, CompareFn, Facts, Result, leaf_result, value,
)
from engine.rules.semantics import derivation_order as _derivation_order


def _trace(cond: Condition, facts: Facts, concluded_by: dict[str, list[str]],
           cmp: CompareFn | None) -> NodeTrace:
    if isinstance(cond, Compare):
        seen = facts.seen(cond)
        absent = seen is ABSENT
        return ConditionTrace(
            fact=cond.fact, op=cond.op, value=cond.value, seen=None if absent else seen,
            known=not absent and seen is not None, result=leaf_result(cond, facts, cmp),
            derived_by=list(concluded_by.get(cond.derived_name, [])) if cond.derived else None,
            absent=absent)
    op = "all" if isinstance(cond, AllOf) else "any"
    children = [_trace(c, facts, concluded_by, cmp) for c in (cond.all if op == "all" else cond.any)]
    return GroupTrace(op=op, result=value(cond, facts, cmp), conditions=children)


def outcome_of(result: Result) -> Outcome:
    return "fired" if result is True else "did_not_fire" if result is False else "undecided"


@dataclass
class Evaluation:
    """What our evaluator concluded for one fact document."""

    fired: list[str] = field(default_factory=list)
    derived: dict[str, str | None] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)  # rule id -> its condition's value
    wild: set[str] = field(default_factory=set)  # wildcard facts, derived ones included
    concluded_by: dict[str, list[str]] = field(default_factory=dict)  # derived name -> rule ids
    trace: Trace | None = None


def _rules(rulesets: Sequence[RuleSet]) -> list[tuple[RuleSet, Rule]]:
    return [(rs, rule) for rs in rulesets for rule in rs.rules]


_ORDERS: dict[tuple[int, ...], tuple[tuple[RuleSet, ...], list[str]]] = {}


def _order(rulesets: Sequence[RuleSet]) -> list[str]:
    """``engine.rules.ir.derivation_order``, remembered per combination of rule sets."""
    key = tuple(id(rs) for rs in rulesets)
    hit = _ORDERS.get(key)
    if hit is None or any(a is not b for a, b in zip(hit[0], rulesets)):
        hit = _ORDERS[key] = (tuple(rulesets), _derivation_order(rulesets))
    return hit[1]


@dataclass
class _Plan:
    """What ``run`` and ``precheck`` need of a combination of rule sets, worked out once."""

    rulesets: tuple[RuleSet, ...]
    pairs: list[tuple[RuleSet, Rule]]
    declared: frozenset[str]
    by_name: dict[str, list[tuple[RuleSet, Rule]]]
    order: list[str]
    others: list[tuple[RuleSet, Rule]]  # the rules that derive nothing, in order
    index: dict[str, tuple[RuleSet, Rule]]
    plain_facts: tuple[str, ...]  # the case facts (not derived) that the rules read, once each
    # The same grouped by the path of their parent object: (its parts, ((key, fact path), ...)).
    plain_groups: tuple[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], ...] = ()
    citations: dict[str, str] = field(default_factory=dict)  # rule id -> ``RuleSet.citation``

    def unknown_facts(self, document: dict[str, Any]) -> set[str]:
        """The plain facts whose value is unknown in the document (``lookup`` inlined: the
        pre-check asks it of every request upheld by a rule)."""
        unknown = set()
        # Each parent object is walked to once, not once per fact under it.
        for parents, keyed in self.plain_groups:
            node: Any = document
            for part in parents:
                if not isinstance(node, dict):
                    node = None
                    break
                node = node.get(part)
            if isinstance(node, dict):
                unknown.update(fact for key, fact in keyed if node.get(key) is None)
            else:
                unknown.update(fact for _, fact in keyed)
        return unknown


def _groups(facts: Iterable[str]) -> tuple[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], ...]:
    by_parent: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for fact in facts:
        *parents, key = fact.split(".")
        by_parent.setdefault(tuple(parents), []).append((key, fact))
    return tuple((parents, tuple(keyed)) for parents, keyed in by_parent.items())


_PLANS: dict[tuple[int, ...], _Plan] = {}


def _plan(rulesets: Sequence[RuleSet]) -> _Plan:
    # The entry holds its rule sets, so no id in a key can be reused for another object: a hit is
    # the same combination without comparing the objects (this runs several times a decision).
    key = tuple(id(rs) for rs in rulesets)
    hit = _PLANS.get(key)
    if hit is not None:
        return hit
    pairs = _rules(rulesets)
    declared = frozenset(name for rs in rulesets for name in rs.derives)
    by_name: dict[str, list[tuple[RuleSet, Rule]]] = {}
    for rs, rule in pairs:
        if rule.derive:
            by_name.setdefault(rule.derive[0], []).append((rs, rule))
    order = [n for n in _order(rulesets) if n in by_name or n in declared]
    plain = dict.fromkeys(c.fact for _, rule in pairs for c in leaves(rule.when) if not c.derived)
    hit = _PLANS[key] = _Plan(tuple(rulesets), pairs, declared, by_name, order,
                              [(rs, rule) for rs, rule in pairs if not rule.derive],
                              {rule.id: (rs, rule) for rs, rule in pairs}, tuple(plain),
                              _groups(plain),
                              {rule.id: rs.citation(rule) for rs, rule in pairs})
    return hit


def run(rulesets: Sequence[RuleSet], document: dict[str, Any], *, trace: bool = False,
        wild: Iterable[str] | None = None, cmp: CompareFn | None = None,
        default_unknown: bool = True, only: Collection[str] | None = None) -> Evaluation:
    """Evaluate the rule sets on a fact document, as ``engine.decide.evaluate.run`` does on durable_rules.

    ``trace`` builds the full ``Trace``. ``wild`` names facts whose value is to be left open (see
    ``Facts``): a derived fact becomes wild too when a rule that derives it is undecided and none
    concluded it. ``cmp`` and ``default_unknown`` exist so that tests can break the semantics on
    purpose and see the differential check fail. ``only`` names the rules that derive nothing to
    evaluate (every derivation rule is evaluated): the others get no result.
    """
    if trace and only is not None:
        raise ValueError("a trace covers every rule: it cannot be built with only some evaluated")
    plan = _plan(rulesets)
    pairs, declared, by_name, order = plan.pairs, plan.declared, plan.by_name, plan.order
    ev = Evaluation()
    facts = Facts(document, ev.derived, declared, set(wild or ()))
    ev.wild = facts.wild
    # Derivation rules, each derived fact after the derived facts it reads; an unconcluded fact is
    # unknown. (durable_rules concludes what it can first and then asserts the unknowns in the same
    # order; since rules only fire on true conditions and values never change, the result is the same.)
    for name in order:
        for rs, rule in by_name.get(name, []):
            result = value(rule.when, facts, cmp)
            ev.results[rule.id] = result
            if result is True:
                concluded = rule.derive[1]
                if name in ev.derived and ev.derived[name] is not None and ev.derived[name] != concluded:
                    raise EvaluationError(
                        f"derived fact {name} concluded as both {ev.derived[name]} and {concluded}")
                ev.derived[name] = concluded
                ev.concluded_by.setdefault(name, []).append(rule.id)
                ev.fired.append(rule.id)
        if name not in ev.derived and default_unknown:
            ev.derived[name] = None
            if wild is not None and any(ev.results[rule.id] is None for _, rule in by_name.get(name, [])):
                facts.wild.add(DERIVED_PREFIX + name)
    for rs, rule in plan.others if only is None else [p for p in plan.others if p[1].id in only]:
        result = value(rule.when, facts, cmp)
        ev.results[rule.id] = result
        if result is True:
            ev.fired.append(rule.id)
    if trace:
        derivations = [(rs, rule) for name in order for rs, rule in by_name.get(name, [])]
        others = [(rs, rule) for rs, rule in pairs if not rule.derive]
        ev.trace = Trace(
            rulesets=[rs.key for rs in rulesets],
            derived=dict(ev.derived),
            fired=list(ev.fired),
            rules=[RuleTrace(
                id=rule.id, ruleset=rs.key, finding=rule.finding,
                derive=f"{rule.derive[0]}={rule.derive[1]}" if rule.derive else None,
                citation=rs.citation(rule), outcome=outcome_of(ev.results[rule.id]),
                when=_trace(rule.when, facts, ev.concluded_by, cmp),
            ) for rs, rule in derivations + others],
        )
    return ev


# -- facts in plain words ---------------------------------------------------------------------------

DERIVED_WORDS = {
    "functional_improvement": "functional improvement as defined in {cite}: change in activities of "
                              "daily living, work restrictions and medication use",
    "adjunct_treatment": "other recommended treatment in progress that this service accompanies "
                         "(e.g. a home exercise program or active therapy)",
}


def fact_words(path: str, rulesets: Sequence[RuleSet] = ()) -> str:
    """A fact path in plain words, from the fact table (derived facts, which rule files declare,
    cite the definition in force when known)."""
    ftype = FACTS.get(path)
    if ftype is not None and ftype.words:
        return ftype.words
    if path.startswith(DERIVED_PREFIX):
        name = path[len(DERIVED_PREFIX):]
        source = next((rs for rs in rulesets if name in rs.derives), None)
        template = DERIVED_WORDS.get(name)
        if template:
            return template.format(cite=source.cite if source else "the MTUS")
        what = name.replace("_", " ")
        return f"{what} ({source.topic or source.guideline}, {source.cite})" if source else what
    return (ftype.description if ftype else "") or path.replace(".", " ").replace("_", " ")


# -- the pre-check ----------------------------------------------------------------------------------

def _unknown_facts(cond: Condition, facts: Facts) -> list[str]:
    """Fact paths read by the condition whose value is unknown (or absent), in order, once each."""
    out: list[str] = []
    for c in leaves(cond):
        seen = facts.seen(c)
        if (seen is None or seen is ABSENT) and c.fact not in out:
            out.append(c.fact)
    return out


def precheck(rulesets: Sequence[RuleSet], document: dict[str, Any], outcome: str | None,
             deciding: Sequence[str], render: Callable[[str], str],
             evaluation: "Evaluation | None" = None) -> Precheck | None:
    """The pre-check outcome of a decided request (None when no prediction was made).

    ``deciding`` are the deciding rule ids of the decision and ``render(rule_id)`` its ``because``
    filled from the facts. ``evaluation`` is our evaluator's run on the same facts, when the caller
    already has one (e.g. for the trace), so that it is not run twice.
    """
    if outcome is None:
        return None
    if outcome == "Overturned":
        return trusted(Precheck, dict(status="certifiable", reason="The request meets the guideline criteria as documented."))
    plan = _plan(rulesets)
    index = plan.index
    declared = plan.declared
    normal = evaluation if evaluation is not None else run(rulesets, document)
    facts = Facts(document, normal.derived, declared)
    if deciding:
        # Only the deciding rules' results and the derived facts are read from this second run.
        unknown = plan.unknown_facts(document)
        strong = run(rulesets, document, wild=unknown, only=deciding)
        robust = [r for r in deciding if strong.results.get(r) is True]
        if robust:
            return trusted(Precheck, dict(status="not_certifiable", reason=(
                "A criterion against the request holds on the documented facts alone: "
                + "; ".join(dict.fromkeys(plan.citations[r] for r in robust)) + ".")))
        needing = list(deciding)
        # What makes them undecided once the unknown facts are left open.
        facts = Facts(document, strong.derived, declared, strong.wild)
        reason = ("The criteria against the request apply only because facts they need are not "
                  "documented; documenting them could change the decision.")
    else:
        needing = [rule.id for rs, rule in plan.pairs
                   if rule.finding == "medically_necessary" and normal.results.get(rule.id) is None]
        if not needing:
            return trusted(Precheck, dict(status="not_certifiable", reason=(
                "No criterion of the guideline that supports the request is met, and none depends on "
                "an undocumented fact.")))
        reason = ("No criterion that supports the request is met, but some could not be decided "
                  "because facts they need are not documented.")
    missing: dict[str, MissingFact] = {}
    for rule_id in needing:
        rs, rule = index[rule_id]
        need = trusted(Need, dict(rule=rule.id, citation=plan.citations[rule.id], because=render(rule.id)))
        for path in _blocking(rule.when, facts):
            entry = missing.get(path)
            if entry is None:
                entry = missing[path] = trusted(MissingFact, dict(
                    fact=path, words=fact_words(path, rulesets), details=_derived_details(path, plan, facts)))
            entry.needed_by.append(need)
    return trusted(Precheck, dict(status="needs_documentation", reason=reason, missing=list(missing.values())))


def _blocking(cond: Condition, facts: Facts) -> list[str]:
    """The facts whose unknown value leaves an undecided condition undecided (the undecided leaves
    reached through undecided groups), in order, once each: what the condition's trace shows,
    without building it."""
    if value(cond, facts) is not None:
        return []
    if isinstance(cond, Compare):
        return [cond.fact]
    out: list[str] = []
    for child in (cond.all if isinstance(cond, AllOf) else cond.any):
        for fact in _blocking(child, facts):
            if fact not in out:
                out.append(fact)
    return out


def _derived_details(path: str, plan: _Plan, facts: Facts) -> list[str]:
    if not path.startswith(DERIVED_PREFIX):
        return []
    out: list[str] = []
    for rs, rule in plan.by_name.get(path[len(DERIVED_PREFIX):], []):
        for p in _unknown_facts(rule.when, facts):
            words = fact_words(p, plan.rulesets)
            if words not in out:
                out.append(words)
    return out


# -- text rendering ---------------------------------------------------------------------------------

def _show(v: Any) -> str:
    if v is None:
        return "unknown"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return str(v)


def _result(r: Result) -> str:
    return "true" if r is True else "false" if r is False else "undecided"


def _leaf_line(c: ConditionTrace) -> str:
    if c.absent:
        seen = "absent (no rule set in force defines it)"
    elif c.derived_by is not None:
        seen = _show(c.seen) + (f" (by {', '.join(c.derived_by)})" if c.derived_by else " (no rule concluded it)")
    else:
        seen = _show(c.seen)
    return f"{c.fact} {c.op} {_show(c.value)}: seen {seen} -> {_result(c.result)}"


def _node_lines(node: NodeTrace, indent: str) -> list[str]:
    if isinstance(node, ConditionTrace):
        return [indent + _leaf_line(node)]
    lines = [f"{indent}{node.op} -> {_result(node.result)}"]
    for child in node.conditions:
        lines += _node_lines(child, indent + "  ")
    return lines


def trace_text(trace: Trace, indent: str = "    ") -> str:
    """The trace as text: every rule with its outcome, and every condition with the value seen."""
    agrees = {True: "; durable_rules fired the same rules", False: "; DURABLE_RULES FIRED OTHER RULES",
              None: ""}[trace.engine_agrees]
    lines = [f"{indent}Trace (every rule in force: {', '.join(trace.rulesets)}{agrees}):"]
    if trace.derived:
        lines.append(f"{indent}  Derived facts: " + "; ".join(
            f"{k} = {_show(v)}" for k, v in trace.derived.items()))
    for r in trace.rules:
        what = r.finding or f"derives {r.derive}"
        lines.append(f"{indent}  [{r.outcome.replace('_', ' ')}] {r.id} ({what}; {r.citation})")
        lines += _node_lines(r.when, indent + "      ")
    return "\n".join(lines)
