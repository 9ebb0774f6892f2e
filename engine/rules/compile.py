"""Compiling engine-neutral rule sets into durable_rules JSON rulesets with named actions.

Each rule becomes one durable rule per disjunct that mixes case and derived facts (durable_rules
joins facts only at the top of a rule); a disjunction over the case fact alone stays inside one
pattern as ``$or``. Every pattern carries a ``kind`` so that no rule can match the session state
object (a rule of negative tests alone would otherwise match it and fire for ever).

List facts are handed to durable_rules as membership maps (``{"shoulder": true, "knee": false,
..., "__known__": true}``, members null when the list is unknown), because its array operators are unsafe: ``$iall`` over a non-empty array crashed the
process (segmentation fault) on this project's machines, and is false on an empty array.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Sequence

from engine.cases.facttable import FACTS
from engine.cases.document import lookup
from engine.rules.ir import AllOf, AnyOf, Compare, Condition, Rule, RuleSet, leaves, normal_value

CASE_KIND = "case"
DERIVED_KIND = "derived"
RULE_SEPARATOR = "#"
# Every session must have at least one rule that matches: deleting the state of a session in which
# no rule ever matched crashes durable_rules 2.0.28 (segmentation fault, reproduced here), and the
# state must be deleted (1,024 live sessions at most). This rule matches every case fact and its
# action does nothing.
ANCHOR = "imr.session_anchor"


def _has_derived(cond: Condition) -> bool:
    if isinstance(cond, Compare):
        return cond.derived
    children = cond.all if isinstance(cond, AllOf) else cond.any
    return any(_has_derived(c) for c in children)


def compare_json(path: str, op: str, value: Any) -> dict[str, Any]:
    """One comparison in durable_rules' operator-first form."""
    value = [normal_value(v) for v in value] if isinstance(value, list) else normal_value(value)
    if op == "eq":
        return {path: value}
    if op == "ne":
        return {"$neq": {path: value}}
    if op in ("gt", "gte", "lt", "lte"):
        return {f"${op}": {path: value}}
    if op == "in":
        return {"$or": [{path: v} for v in value]}
    if op == "contains":
        return {f"{path}.{value}": True}
    if op == "excludes":
        return {f"{path}.{value}": False}
    if op == "known":
        if path in LIST_FACTS:
            return {f"{path}.{KNOWN}": bool(value)}
        return {"$neq": {path: None}} if value else {path: None}
    raise ValueError(f"operator {op} has no durable_rules form")


LIST_FACTS = {path: t.values for path, t in FACTS.items() if t.kind == "list"}
KNOWN = "__known__"  # the member of a list's membership map that says whether the list is known


def referenced_paths(rulesets: Sequence[RuleSet]) -> list[str]:
    """The leaf paths of the case fact that the compiled rules read.

    Only these are sent: durable_rules rejects a fact with more than 255 properties in all, and the
    full fact space is larger than that.
    """
    paths: set[str] = set()
    for rs in rulesets:
        for rule in rs.rules:
            for c in leaves(rule.when):
                if c.derived:
                    continue
                if c.fact in LIST_FACTS:
                    paths.add(f"{c.fact}.{KNOWN if c.op == 'known' else c.value}")
                else:
                    paths.add(c.fact)
    return sorted(paths)


def durable_fact(document: dict[str, Any], paths: Sequence[str]) -> dict[str, Any]:
    """The fact the compiled rules read: only ``paths``, lists as membership maps."""
    plan = _PLANS.get(id(paths))
    if plan is None or plan[0] is not paths:
        plan = _PLANS[id(paths)] = (paths, _generate(paths))
    return plan[1](document)


# ``durable_fact`` for one list of paths, generated once (the host keeps each list alive, and the
# entry holds it too, so an id is never reused for another list).
_PLANS: dict[int, tuple[Sequence[str], Callable[[dict[str, Any]], dict[str, Any]]]] = {}


def _generate(paths: Sequence[str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """One function that reads each path's value (every document node read once) and returns the
    nested fact as a literal, its keys in the order ``_durable_fact_reference`` inserts them. Path
    parts and list members are constants of the generated code, never written into its source."""
    names: dict[str, Any] = {"isinstance": isinstance, "dict": dict}
    nodes: dict[tuple[str, ...], str] = {(): "doc"}
    lines: list[str] = []

    def const(x: Any) -> str:
        names[f"k{len(names)}"] = x
        return f"k{len(names) - 1}"

    def node(parts: tuple[str, ...]) -> str:  # a document node, None once a step is not an object
        if parts not in nodes:
            parent = node(parts[:-1])
            nodes[parts] = f"n{len(nodes)}"
            lines.append(f"{nodes[parts]} = {parent}.get({const(parts[-1])}) if isinstance({parent}, dict) else None")
        return nodes[parts]

    tree: dict[str, Any] = {}  # key -> subtree or value expression, in first-insertion order
    for path in paths:
        parent, _, last = path.rpartition(".")
        parts = tuple(path.split("."))
        if parent in LIST_FACTS:
            members = node(tuple(parent.split(".")))
            expr = (f"{members} is not None" if last == KNOWN
                    else f"None if {members} is None else {const(last)} in {members}")
        else:
            expr = node(parts)
        target = tree
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = f"({expr})"

    def literal(subtree: dict[str, Any]) -> str:
        return "{" + ", ".join(f"{const(k)}: {literal(v) if isinstance(v, dict) else v}"
                               for k, v in subtree.items()) + "}"

    body = lines + [f"return {literal(tree)}"]
    source = "def fact(doc):\n" + "\n".join("    " + line for line in body)
    exec(compile(source, "<engine.rules.compile durable_fact>", "exec"), names)  # noqa: S102
    return names["fact"]


def _durable_fact_reference(document: dict[str, Any], paths: Sequence[str]) -> dict[str, Any]:
    """``durable_fact`` written plainly (the tests compare the two)."""
    fact: dict[str, Any] = {}
    for path in paths:
        parent, _, last = path.rpartition(".")
        if parent in LIST_FACTS:
            members = lookup(document, parent)
            value = (members is not None) if last == KNOWN else (None if members is None else last in members)
        else:
            value = lookup(document, path)
        node = fact
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return fact


def case_expression(cond: Condition) -> dict[str, Any]:
    if isinstance(cond, Compare):
        return compare_json(cond.fact, cond.op, cond.value)
    if isinstance(cond, AllOf):
        return {"$and": [case_expression(c) for c in cond.all]}
    return {"$or": [case_expression(c) for c in cond.any]}


def _terms(cond: Condition) -> list[list[Condition]]:
    """DNF down to the level where a part no longer involves derived facts."""
    if not _has_derived(cond):
        return [[cond]]
    if isinstance(cond, Compare):
        return [[cond]]
    if isinstance(cond, AnyOf):
        return [t for child in cond.any for t in _terms(child)]
    terms: list[list[Condition]] = [[]]
    for child in cond.all:
        terms = [t + c for t in terms for c in _terms(child)]
    return terms


def _durable_rule(rule: Rule, term: list[Condition]) -> dict[str, Any]:
    case_parts = [c for c in term if not (isinstance(c, Compare) and c.derived)]
    derived: dict[str, list[Compare]] = {}
    for c in term:
        if isinstance(c, Compare) and c.derived:
            derived.setdefault(c.derived_name, []).append(c)
    patterns: list[dict[str, Any]] = [
        {"c": {"$and": [{"kind": CASE_KIND}] + [case_expression(c) for c in case_parts]}}
    ]
    for i, (name, comps) in enumerate(sorted(derived.items())):
        patterns.append({f"d{i}": {"$and": [{"kind": DERIVED_KIND}, {"name": name}]
                                   + [compare_json("value", c.op, c.value) for c in comps]}})
    return {"all": patterns, "run": rule.id}


def compile_rules(rulesets: Sequence[RuleSet]) -> dict[str, dict[str, Any]]:
    """The durable_rules definition of one evaluation's rules: ``{rule#n: {all: [...], run}}``."""
    out: dict[str, dict[str, Any]] = {ANCHOR: {"all": [{"c": {"kind": CASE_KIND}}], "run": ANCHOR}}
    for rs in rulesets:
        for rule in rs.rules:
            for n, term in enumerate(_terms(rule.when)):
                out[f"{rule.id}{RULE_SEPARATOR}{n}"] = _durable_rule(rule, term)
    return out


def ruleset_name(rulesets: Sequence[RuleSet], definition: dict[str, Any]) -> str:
    """A name that changes whenever the rules do: durable_rules cannot replace a registered ruleset."""
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:12]
    return "+".join(rs.key for rs in rulesets) + "@" + digest
