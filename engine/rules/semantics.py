"""The meaning of a rule, implemented once: what a comparison, a condition and a set of findings mean.

durable_rules decides (``engine.decide.evaluate``); everything else that reasons about rules uses
this module, so that the trace, the pre-check, the what-would-pass search and lint cannot drift
apart from each other, and ``engine.decide.decision`` checks durable_rules against it on every
decision:

- ``compare``: a comparison is three-valued: on an unknown (null) fact it is undecided, and only
  ``known: false`` is true of an unknown fact;
- ``value``: a condition's value, ``all`` / ``any`` combining their members with Kleene's
  three-valued AND / OR (a rule fires only on a true condition). The facts it reads are either
  one fact document (``Facts``), or, for the what-would-pass search, a set of values each fact may
  take (``Facts.domains``): a leaf is then true when it is true of every value, false when of
  none, undecided otherwise, and the same AND / OR gives "certainly fires" (true), "cannot fire"
  (false) or "may fire" (undecided);
- ``derivation_order``: the one order in which derived facts are concluded;
- ``possible``: every rule's value over sets of fact values (the search's pruning);
- ``witness`` / ``satisfiable``: whether some facts make a conjunction true, found by trying
  values and checking each with ``compare`` (lint's "never fires" and "opposite findings");
- ``resolve``: which findings decide, and the outcome they give.

May import: ``engine.rules.ir`` (the rule form) and ``engine.cases.document`` (the fact paths).
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterable, Iterator, Literal, NamedTuple, Sequence, Union

from engine.cases.document import lookup
from engine.rules.ir import DERIVED_PREFIX, AllOf, Compare, Condition, Rule, RuleSet, leaves, normal_value

Result = Union[bool, None]
CompareFn = Callable[[str, Any, Any], Result]

ABSENT = object()  # a derived fact that no rule set in force declares: durable_rules never sees it
WILD = object()  # in ``Facts.domains``: a fact that may take any value


# -- comparison -------------------------------------------------------------------------------------

def compare(op: str, seen: Any, value: Any) -> Result:
    """Three-valued comparison: True, False, or None when the fact is unknown."""
    value = [normal_value(v) for v in value] if isinstance(value, list) else normal_value(value)
    if op == "known":
        return (seen is not None) == bool(value)
    if seen is None:
        return None
    test = _OPERATORS.get(op)
    if test is None:
        raise ValueError(f"unknown operator {op}")
    return test(seen, value)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt,
    "lte": operator.le,
    "in": lambda seen, value: seen in value,
    "contains": operator.contains,  # value in seen
    "excludes": lambda seen, value: value not in seen,
}


# -- conditions -------------------------------------------------------------------------------------

@dataclass
class Facts:
    """What a condition is evaluated against: the fact document and the derived facts so far."""

    document: dict[str, Any]
    derived: dict[str, str | None]
    declared: set[str] | frozenset[str]
    # Wildcard facts (paths, ``derived.NAME`` for derived facts): every comparison on them is
    # undecided, ``known`` included, so a condition that is still true is true whatever values they
    # take (Kleene's logic is monotone). The pre-check makes the unknown facts wild.
    wild: set[str] = field(default_factory=set)
    # For the what-would-pass search: the values each of some facts (paths, ``derived.NAME``) may
    # take, or WILD. Facts not named keep their value in ``document``. A rule fires only on a true
    # comparison, so per value an unknown or absent fact makes a comparison false, not undecided.
    domains: dict[str, Any] | None = None

    def seen(self, c: Compare) -> Any:
        if c.derived:
            name = c.derived_name
            if name not in self.declared:
                return ABSENT
            return self.derived.get(name, ABSENT)
        return lookup(self.document, c.fact)


def value(cond: Condition, facts: Facts, cmp: CompareFn | None = None) -> Result:
    """The three-valued value of a condition. ``cmp`` replaces ``compare`` (tests break the
    semantics on purpose with it, to see the differential check fail)."""
    if cmp is None and facts.domains is None:
        # One fact document: the condition as one generated function (every decision runs this
        # evaluator on every rule in force, to check durable_rules, and the pre-check with wildcards).
        wild = facts.wild
        cache = _GENERATED_WILD if wild else _GENERATED
        hit = cache.get(id(cond))
        if hit is None or hit[0] is not cond:
            hit = cache[id(cond)] = (cond, _generate(cond, bool(wild)))
        return hit[1](facts.document, facts.derived, facts.declared, wild)
    return _compiled(cond)(facts, cmp)


leaf_result = value  # a leaf is a condition: the same function, named for what callers pass


# Conditions compiled to closures, once per condition object (the rulebook keeps them alive; the
# cache holds a reference too, so an id is never reused for another condition).
_COMPILED: dict[int, tuple[Condition, Callable[[Facts, CompareFn | None], Result]]] = {}
_MISSING = object()


def _compiled(cond: Condition) -> Callable[[Facts, CompareFn | None], Result]:
    return _per_condition(_COMPILED, cond, _build)


def _per_condition(cache: dict[int, tuple[Condition, Any]], cond: Condition, build: Callable[[Condition], Any]) -> Any:
    """``build(cond)`` once per condition object. The cache holds the condition, so that its id is
    never reused by another one while the entry lives. (``value`` has this inline: it runs for
    every rule of every evaluation.)"""
    hit = cache.get(id(cond))
    if hit is None or hit[0] is not cond:
        hit = cache[id(cond)] = (cond, build(cond))
    return hit[1]


def _test(op: str, value: Any) -> Callable[[Any], Result]:
    """``compare(op, seen, value)`` as a function of ``seen`` alone, with the compared value
    normalised once (a leaf is compared once per evaluation, several evaluations a decision)."""
    raw = value
    value = [normal_value(v) for v in value] if isinstance(value, list) else normal_value(value)
    if op == "known":
        want = bool(value)
        return lambda seen: (seen is not None) == want
    test = _OPERATORS.get(op)
    if test is None:
        return lambda seen: compare(op, seen, raw)  # raises as ``compare`` does, when evaluated
    return lambda seen: None if seen is None else test(seen, value)


def _over(values: Iterable[Any], test: Callable[[Any], Result]) -> Result:
    """A leaf over several values a fact may take: true of all, of none, or of some."""
    results = [v is not ABSENT and test(v) is True for v in values]
    return True if all(results) else False if not any(results) else None


def _build(cond: Condition) -> Callable[[Facts, CompareFn | None], Result]:
    if isinstance(cond, Compare):
        fact, op, operand = cond.fact, cond.op, cond.value
        test = _test(op, operand)
        if cond.derived:
            name = cond.derived_name

            def get(facts: Facts) -> Any:
                if name not in facts.declared:
                    return ABSENT
                # Not concluded and not yet set to unknown: durable_rules has no such fact to match.
                return facts.derived.get(name, ABSENT)
        else:
            parts = fact.split(".")

            def get(facts: Facts) -> Any:  # ``lookup`` with the path split once
                node: Any = facts.document
                for part in parts:
                    if not isinstance(node, dict):
                        return None
                    node = node.get(part)
                return node

        def leaf(facts: Facts, cmp: CompareFn | None) -> Result:
            if facts.wild and fact in facts.wild:
                return None
            if facts.domains is not None:
                values = facts.domains.get(fact, _MISSING)
                if values is WILD:
                    return None
                if values is _MISSING or (cond.derived and name not in facts.declared):
                    values = (get(facts),)
                # The search asks this thousands of times: ``test`` has the compared value normalised once.
                return _over(values, test if cmp is None else lambda v: cmp(op, v, operand))
            seen = get(facts)
            if seen is ABSENT:
                return None
            return test(seen) if cmp is None else cmp(op, seen, operand)
        return leaf
    # Kleene's AND and OR are duals: in ``all`` one false child decides, in ``any`` one true one;
    # else any undecided child leaves the group undecided.
    is_all, members = _members(cond)
    children = [_build(c) for c in members]
    decisive = not is_all

    def group(facts: Facts, cmp: CompareFn | None) -> Result:
        undecided = False
        for child in children:
            r = child(facts, cmp)
            if r is decisive:
                return decisive
            if r is None:
                undecided = True
        return None if undecided else not decisive
    return group


def _members(cond: AllOf | AnyOf) -> tuple[bool, list[Condition]]:
    """Whether a group is an ``all``, and its members."""
    return (True, cond.all) if isinstance(cond, AllOf) else (False, cond.any)


# ``compare(op, v, k)`` for a value ``v`` that is not None, as Python source (the generated form of
# ``_OPERATORS``; ``tests/test_semantics.py`` checks that both forms agree).
_SOURCE = {"eq": "v == {k}", "ne": "v != {k}", "gt": "v > {k}", "gte": "v >= {k}", "lt": "v < {k}",
           "lte": "v <= {k}", "in": "v in {k}", "contains": "{k} in v", "excludes": "{k} not in v"}
Generated = Callable[[dict[str, Any], dict[str, Any], Collection[str], Collection[str]], Result]
_GENERATED: dict[int, tuple[Condition, Generated]] = {}  # by id(condition)
_GENERATED_WILD: dict[int, tuple[Condition, Generated]] = {}  # the same, with wildcards


def _generate(cond: Condition, wild: bool) -> Generated:
    """``_build(cond)`` without domains or ``cmp``, as one Python function per group: its leaves
    are read and compared inline (``wild``: each first looked up in the wildcard facts). Every
    name, path part and compared value is passed as a constant of the generated code, never
    written into its source."""
    names: dict[str, Any] = {"ABSENT": ABSENT, "isinstance": isinstance, "dict": dict, "compare": compare}
    lines: list[str] = []

    def const(x: Any) -> str:
        names[f"k{len(names)}"] = x
        return f"k{len(names) - 1}"

    def leaf(c: Compare) -> list[str]:
        out = [f"if {const(c.fact)} in wild:", "    r = None", "else:"] if wild else ["if True:"]
        if c.derived:
            n = const(c.derived_name)
            out += [f"    v = derived.get({n}, ABSENT) if {n} in declared else ABSENT", "    if v is ABSENT:",
                    "        r = None", "    else:"]
        else:
            out += ["    v = doc"] + [f"    v = v.get({const(p)}) if isinstance(v, dict) else None"
                                     for p in c.fact.split(".")]
            out += ["    if True:"]
        operand = [normal_value(x) for x in c.value] if isinstance(c.value, list) else normal_value(c.value)
        if c.op == "known":
            test = f"(v is not None) == {const(bool(operand))}"
        elif c.op in _SOURCE:
            test = "None if v is None else (" + _SOURCE[c.op].format(k=const(operand)) + ")"
        else:  # raises as ``compare`` does, when evaluated
            test = f"compare({const(c.op)}, v, {const(c.value)})"
        return out + [f"        r = {test}"]

    def function(node: Condition) -> str:
        body: list[str] = []
        if isinstance(node, Compare):
            body += leaf(node) + ["return r"]
        else:
            is_all, members = _members(node)
            decisive = not is_all
            body.append("u = False")
            for child in members:
                body += leaf(child) if isinstance(child, Compare) else [f"r = {function(child)}(doc, derived, declared, wild)"]
                body += [f"if r is {decisive}:", f"    return {decisive}", "if r is None:", "    u = True"]
            body.append(f"return None if u else {not decisive}")
        name = f"f{len(lines)}"
        lines.append(f"def {name}(doc, derived, declared, wild):\n" + "\n".join("    " + b for b in body))
        return name

    top = function(cond)
    exec(compile("\n\n".join(lines), "<engine.rules.semantics condition>", "exec"), names)  # noqa: S102
    return names[top]


# -- derived facts ----------------------------------------------------------------------------------

def derivation_order(rulesets: Sequence[RuleSet]) -> list[str]:
    """Derived fact names, each after the derived facts its derivation rules read (the one order
    both evaluators conclude derived facts in)."""
    needs: dict[str, set[str]] = {}
    for rs in rulesets:
        for name in rs.derives:
            needs.setdefault(name, set())
        for rule in rs.rules:
            if rule.derive:
                needs.setdefault(rule.derive[0], set()).update(
                    c.derived_name for c in leaves(rule.when) if c.derived)
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order or name in visiting:
            return
        visiting.add(name)
        for dep in sorted(needs.get(name, ())):
            visit(dep)
        visiting.discard(name)
        order.append(name)

    for name in sorted(needs):
        visit(name)
    return order


def possible(rulesets: Sequence[RuleSet], document: dict[str, Any], domains: dict[str, Any],
             order: Sequence[str] | None = None, memo: dict | None = None) -> dict[str, Result]:
    """Every rule's value when each fact in ``domains`` may take any of its values (or is WILD):
    True = fires whatever they are, False = cannot fire, None = may fire. A derived fact may take
    the value a derivation rule certainly concludes, else any value one may conclude, or unknown.

    ``memo``: a dict the caller keeps for one ``document`` and one ``rulesets`` (the what-would-pass
    search asks thousands of times with other domains): a condition's value is reused when the
    domains of the facts it reads are the same."""
    declared, derivations, findings = _split(rulesets)
    domains = dict(domains)
    facts = Facts(document, {}, declared, domains=domains)
    results: dict[str, Result] = {}
    # A key per domain; a fact without one is None in a memo key (a key is never None).
    keys = {f: _domain_key(v) for f, v in domains.items()} if memo is not None else {}
    key_of = keys.get

    def of(rule: Rule, read: tuple[str, ...]) -> Result:
        if memo is None:
            return value(rule.when, facts)
        key = (id(rule.when), *map(key_of, read))
        hit = memo.get(key, _MISSING)
        if hit is _MISSING:
            hit = memo[key] = value(rule.when, facts)
        return hit

    for name in (order if order is not None else derivation_order(rulesets)):
        certain, maybe = None, []
        for rule, read in derivations.get(name, ()):
            r = results[rule.id] = of(rule, read)
            if r is True and certain is None:
                certain = rule.derive[1]
            if r is not False and rule.derive[1] not in maybe:
                maybe.append(rule.derive[1])
        if name in declared:
            domains[DERIVED_PREFIX + name] = [certain] if certain is not None else [*maybe, None]
            keys[DERIVED_PREFIX + name] = _domain_key(domains[DERIVED_PREFIX + name])
    for rule, read in findings:
        results[rule.id] = of(rule, read)
    return results


_READS: dict[int, tuple[Condition, tuple[str, ...]]] = {}  # by id(condition), the condition kept alive


def reads(cond: Condition) -> tuple[str, ...]:
    """The fact paths a condition reads (``derived.NAME`` for a derived fact), once per condition."""
    return _per_condition(_READS, cond, lambda c: tuple(sorted({leaf.fact for leaf in leaves(c)})))


def _domain_key(values: Any) -> Any:
    # Domains hold plain fact values (numbers, strings, booleans, None, lists of them): their repr
    # tells them apart (1, 1.0 and True are different keys, which costs a miss, never a wrong hit).
    return values if values is WILD else repr(values)


_SPLITS: dict[tuple[int, ...], tuple[tuple[RuleSet, ...], Any]] = {}
ReadingRule = tuple[Rule, tuple[str, ...]]  # a rule and the facts its condition reads (``reads``)


def _split(rulesets: Sequence[RuleSet]) -> tuple[frozenset[str], dict[str, list[ReadingRule]], list[ReadingRule]]:
    """The declared derived facts, the derivation rules by fact and the other rules, each with the
    facts it reads, once per combination of rule sets (the search asks many times for the same ones)."""
    key = tuple(id(rs) for rs in rulesets)
    hit = _SPLITS.get(key)
    if hit is None or any(a is not b for a, b in zip(hit[0], rulesets)):
        declared = frozenset(name for rs in rulesets for name in rs.derives)
        derivations: dict[str, list[ReadingRule]] = {}
        findings: list[ReadingRule] = []
        for rs in rulesets:
            for rule in rs.rules:
                (derivations.setdefault(rule.derive[0], []) if rule.derive else findings).append(
                    (rule, reads(rule.when)))
        hit = _SPLITS[key] = (tuple(rulesets), (declared, derivations, findings))
    return hit[1]


# -- satisfiability (lint) --------------------------------------------------------------------------

def _candidates(comps: Sequence[Compare], domain: Sequence[Any] | None) -> Iterator[Any]:
    """Values among which one satisfies the comparisons on one fact if any value does: the unknown
    value; the domain's members when it is given; else the compared values, the values between and
    beyond each pair of them (numbers and strings), a value equal to none, and the list that
    contains every value some comparison requires."""
    yield None
    if domain is not None:
        yield from domain
        return
    constants: list[Any] = []
    for c in comps:
        v = normal_value(c.value) if not isinstance(c.value, list) else [normal_value(x) for x in c.value]
        constants.extend(v if isinstance(v, list) else [v])
    yield from constants
    numbers = sorted({x for x in constants if isinstance(x, (int, float)) and not isinstance(x, bool)})
    if numbers:
        yield numbers[0] - 1
        yield numbers[-1] + 1
        yield from ((a + b) / 2 for a, b in zip(numbers, numbers[1:]))
    strings = sorted({x for x in constants if isinstance(x, str)})
    yield ""
    yield from (s + "\0" for s in strings)  # just above each: below the next unless it is s + "\0"
    yield "\uffff" * (1 + max((len(s) for s in strings), default=0))  # above every string
    yield [normal_value(c.value) for c in comps if c.op == "contains"]


def witness(term: Sequence[Compare], domains: dict[str, Sequence[Any]] | None = None) -> dict[str, Any] | None:
    """Values of the facts of a conjunction that make every comparison true (by ``compare``), or
    None when there are none. ``domains`` gives the values an enum fact may take, so that ``ne``
    on every member is seen to be unsatisfiable. Facts are independent of each other."""
    by_fact: dict[str, list[Compare]] = {}
    for c in term:
        by_fact.setdefault(c.fact, []).append(c)
    found: dict[str, Any] = {}
    for fact, comps in by_fact.items():
        for candidate in _candidates(comps, (domains or {}).get(fact)):
            if all(_true(c, candidate) for c in comps):
                found[fact] = candidate
                break
        else:
            return None
    return found


def _true(c: Compare, seen: Any) -> bool:
    try:
        return compare(c.op, seen, c.value) is True
    except TypeError:  # a value of another type (a number against a string, a list against a number)
        return False


def satisfiable(term: Sequence[Compare], domains: dict[str, Sequence[Any]] | None = None) -> bool:
    """Whether some facts make every comparison of a conjunction true; False: it can never be."""
    return witness(term, domains) is not None


# -- resolution -------------------------------------------------------------------------------------

Outcome = Literal["Upheld", "Overturned"]


class Resolution(NamedTuple):
    outcome: Outcome | None
    finding: str | None  # the finding of the deciding rules; None: no rule decides
    supplement_only: bool = False  # only a supplementary file (a statute's cap) is in force


def resolve(findings: Collection[str], supplements_only: bool) -> Resolution:
    """The outcome of the findings of the rules that fired: any criterion against the request
    upholds the denial; else a request the guideline sends to a text that is not encoded, or one
    for which only supplementary rules (which can limit, never support) are in force, gets no
    prediction; else a criterion that supports it overturns it; else the provider, who carries the
    burden, has not shown medical necessity (upheld, low confidence)."""
    if "not_medically_necessary" in findings:
        return Resolution("Upheld", "not_medically_necessary")
    if supplements_only:
        return Resolution(None, None, supplement_only=True)
    if "outside_guideline" in findings:
        return Resolution(None, "outside_guideline")
    if "medically_necessary" in findings:
        return Resolution("Overturned", "medically_necessary")
    return Resolution("Upheld", None)


def supplements_only(rulesets: Sequence[RuleSet]) -> bool:
    """Only definition files and supplementary files (a statute's cap) are in force."""
    return all(rs.is_definitions or rs.supplements for rs in rulesets)

