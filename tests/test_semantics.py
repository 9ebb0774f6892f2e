"""engine.rules.semantics: the one meaning of comparisons, conditions, derived facts and findings."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.rules.ir import AllOf, AnyOf, Compare, Rule, RuleSet
from engine.rules.semantics import (
    WILD, Facts, compare, possible, resolve, satisfiable, supplements_only, value, witness,
)

# A leaf whose value is True, False or None (undecided) on the document {"x": 1}.
LEAF = {True: Compare(fact="x", op="eq", value=1), False: Compare(fact="x", op="eq", value=2),
        None: Compare(fact="y", op="eq", value=1)}
FACTS = Facts({"x": 1, "y": None}, {}, frozenset())


@pytest.mark.parametrize("a,b", list(itertools.product([True, False, None], repeat=2)))
def test_all_and_any_are_kleene_and_or(a, b):
    both = [LEAF[a], LEAF[b]]
    kleene_and = False if False in (a, b) else None if None in (a, b) else True
    kleene_or = True if True in (a, b) else None if None in (a, b) else False
    assert value(AllOf(all=both), FACTS) is kleene_and
    assert value(AnyOf(any=both), FACTS) is kleene_or


def test_only_known_false_is_true_of_an_unknown_fact():
    for op, operand in [("eq", 1), ("ne", 1), ("gt", 0), ("lt", 9), ("in", [1]), ("contains", "a"),
                        ("excludes", "a")]:
        assert compare(op, None, operand) is None
    assert compare("known", None, False) is True and compare("known", None, True) is False
    assert compare("gte", "2016-01-01", dt.date(2016, 1, 1)) is True  # dates compare as ISO strings


def test_a_wild_fact_leaves_every_comparison_undecided_known_included():
    facts = Facts({"x": 1}, {}, frozenset(), wild={"x"})
    assert value(Compare(fact="x", op="known", value=True), facts) is None
    assert value(AnyOf(any=[Compare(fact="x", op="eq", value=1), LEAF[True]]), FACTS) is True


def test_over_sets_of_values_a_leaf_is_true_of_all_false_of_none_undecided_of_some():
    leaf = Compare(fact="q", op="lte", value=6)
    doc = {"q": 12}
    assert value(leaf, Facts(doc, {}, frozenset(), domains={"q": [3, 6]})) is True
    assert value(leaf, Facts(doc, {}, frozenset(), domains={"q": [7, 12]})) is False
    assert value(leaf, Facts(doc, {}, frozenset(), domains={"q": [6, 7]})) is None
    assert value(leaf, Facts(doc, {}, frozenset(), domains={"q": WILD})) is None
    assert value(leaf, Facts(doc, {}, frozenset(), domains={})) is False  # not named: the document's value
    # Per value, a rule fires only on a true comparison: an unknown value makes it false, not undecided.
    assert value(leaf, Facts({"q": None}, {}, frozenset(), domains={})) is False
    assert value(Compare(fact="q", op="known", value=False), Facts({}, {}, frozenset(), domains={})) is True


def _rs(*rules: Rule, derives: dict | None = None) -> RuleSet:
    return RuleSet(key="t", source="t.yaml", guideline="g", cite="c", services=("acupuncture",),
                   in_force_from=dt.date(2000, 1, 1), rules=rules, derives=derives or {})


def test_possible_follows_derived_facts_through_their_rules():
    derive = Rule(id="t.d", when=Compare(fact="adl", op="eq", value="improved"), derive=("fi", "documented"),
                  cite="c", because="b")
    finding = Rule(id="t.f", when=Compare(fact="derived.fi", op="eq", value="documented"),
                   finding="medically_necessary", cite="c", because="b")
    unknown = Rule(id="t.u", when=Compare(fact="derived.fi", op="known", value=False),
                   finding="not_medically_necessary", cite="c", because="b")
    rs = _rs(derive, finding, unknown, derives={"fi": ["documented"]})
    assert possible([rs], {"adl": None}, {}) == {"t.d": False, "t.f": False, "t.u": True}
    assert possible([rs], {"adl": None}, {"adl": ["improved"]}) == {"t.d": True, "t.f": True, "t.u": False}
    assert possible([rs], {"adl": None}, {"adl": ["improved", "worse"]}) == {"t.d": None, "t.f": None, "t.u": None}


def test_a_derived_fact_no_rule_set_declares_cannot_satisfy_any_comparison():
    rule = Rule(id="t.x", when=Compare(fact="derived.nothing", op="known", value=False),
                finding="not_medically_necessary", cite="c", because="b")
    assert possible([_rs(rule)], {}, {}) == {"t.x": False}
    assert value(rule.when, Facts({}, {}, frozenset())) is None


SCALARS = st.one_of(st.integers(-3, 12), st.sampled_from([0.5, 2.5, 6.0]), st.sampled_from(["a", "b", "c"]))
LEAVES = st.one_of(
    st.builds(lambda op, v: Compare(fact="f", op=op, value=v),
              st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte"]), SCALARS),
    st.builds(lambda vs: Compare(fact="f", op="in", value=vs), st.lists(SCALARS, min_size=1, max_size=3)),
    st.builds(lambda v: Compare(fact="f", op="known", value=v), st.booleans()),
)
TRIALS = [None, *range(-5, 15), *(x / 4 for x in range(-20, 60)), "", "a", "a\0", "b", "bb", "c", "d"]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(LEAVES, min_size=1, max_size=4))
def test_satisfiable_is_exact_a_witness_exists_when_some_value_satisfies(term):
    def holds(x):
        try:
            return all(compare(c.op, x, c.value) is True for c in term)
        except TypeError:
            return False

    found = witness(term)
    if found is not None:
        assert holds(found["f"])  # the witness really satisfies every comparison
    if any(holds(x) for x in TRIALS):
        assert found is not None  # complete: a value that satisfies is never missed


def test_satisfiable_respects_enum_domains_and_lists():
    ne_all = [Compare(fact="s", op="ne", value="a"), Compare(fact="s", op="ne", value="b")]
    assert satisfiable(ne_all) and not satisfiable(ne_all, {"s": ("a", "b")})
    assert satisfiable([Compare(fact="r", op="contains", value="knee"), Compare(fact="r", op="excludes", value="hip")])
    assert not satisfiable([Compare(fact="r", op="contains", value="knee"),
                            Compare(fact="r", op="excludes", value="knee")])
    assert not satisfiable([Compare(fact="n", op="gt", value=3), Compare(fact="n", op="lte", value=3)])
    assert not satisfiable([Compare(fact="n", op="known", value=False), Compare(fact="n", op="gt", value=3)])


@pytest.mark.parametrize("findings,only_supplements,expected", [
    ({"not_medically_necessary", "medically_necessary"}, False, ("Upheld", "not_medically_necessary", False)),
    ({"not_medically_necessary"}, True, ("Upheld", "not_medically_necessary", False)),
    (set(), True, (None, None, True)),
    ({"medically_necessary"}, True, (None, None, True)),
    ({"outside_guideline", "medically_necessary"}, False, (None, "outside_guideline", False)),
    ({"medically_necessary"}, False, ("Overturned", "medically_necessary", False)),
    (set(), False, ("Upheld", None, False)),
])
def test_resolution(findings, only_supplements, expected):
    assert tuple(resolve(findings, only_supplements)) == expected


def test_supplements_only_when_no_guideline_file_is_in_force():
    definitions = _rs().model_copy(update={"services": ()})
    cap = _rs().model_copy(update={"supplements": True})
    assert supplements_only([definitions, cap])
    assert not supplements_only([definitions, cap, _rs()])


def test_a_compiled_leaf_compares_as_compare_does():
    # Leaves are compiled with their compared value normalised once (``_test``): the same result,
    # or the same error, as ``compare`` for every operator on values of several types.
    import datetime as dt

    from engine.rules import semantics
    from engine.rules.ir import OPS

    values = [None, True, False, 0, 3, 3.5, "a", "b", dt.date(2014, 6, 1), "2014-06-01", ["a", 3], []]
    seen_values = [None, True, 0, 3, 4.0, "a", "2014-06-01", "2015-01-01", ["a"], [], {"a": 1}]
    checked = 0
    for op in OPS:
        for value in values:
            compiled = semantics._test(op, value)
            for seen in seen_values:
                try:
                    expected = ("ok", semantics.compare(op, seen, value))
                except TypeError as e:
                    expected = ("error", type(e))
                try:
                    got = ("ok", compiled(seen))
                except TypeError as e:
                    got = ("error", type(e))
                assert got == expected, (op, value, seen)
                checked += expected[0] == "ok"
    assert checked > 300


def _both(cond, facts):
    """The generated function's value and the closures' value of a condition (or their errors)."""
    from engine.rules import semantics

    out = []
    for evaluate in (lambda: semantics.value(cond, facts), lambda: semantics._compiled(cond)(facts, None)):
        try:
            out.append(("ok", evaluate()))
        except TypeError as e:
            out.append(("error", type(e)))
    return out


def test_a_generated_leaf_compares_as_the_closures_do():
    values = [None, True, False, 0, 3, 3.5, "a", dt.date(2014, 6, 1), "2014-06-01", ["a", 3], []]
    seen_values = [None, True, 0, 3, 4.0, "a", "2014-06-01", "2015-01-01", ["a"], [], {"a": 1}]
    from engine.rules.ir import OPS

    checked = 0
    for op in OPS:
        for v in values:
            plain, derived = Compare(fact="x.y", op=op, value=v), Compare(fact="derived.d", op=op, value=v)
            for seen in seen_values:
                for cond, facts in ((plain, Facts({"x": {"y": seen}}, {}, frozenset())),
                                    (plain, Facts({"x": seen}, {}, frozenset())),
                                    (plain, Facts({"x": {"y": seen}}, {}, frozenset(), {"x.y"})),
                                    (plain, Facts({"x": {"y": seen}}, {}, frozenset(), {"z"})),
                                    (derived, Facts({}, {"d": seen}, frozenset({"d"}))),
                                    (derived, Facts({}, {}, frozenset({"d"}))),
                                    (derived, Facts({}, {"d": seen}, frozenset())),
                                    (derived, Facts({}, {"d": seen}, frozenset({"d"}), {"derived.d"})),
                                    (derived, Facts({}, {"d": seen}, frozenset({"d"}), {"x.y"}))):
                    fast, slow = _both(cond, facts)
                    assert fast == slow, (op, v, seen, cond.fact)
                    checked += fast[0] == "ok"
    assert checked > 1000


def test_every_rule_generated_gives_what_its_closures_give_on_generated_cases():
    from hypothesis import HealthCheck

    import strategies
    from engine.cases.document import lookup
    from engine.rules.ir import leaves
    from helpers import in_force_requests

    results = set()

    @settings(max_examples=60, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategies.case())
    def check(data):
        for _, _, rulesets, document in in_force_requests(data):
            declared = frozenset(n for rs in rulesets for n in rs.derives)
            unknown = {c.fact for rs in rulesets for rule in rs.rules for c in leaves(rule.when)
                       if not c.derived and lookup(document, c.fact) is None}
            for derived, wild in itertools.product(
                    ({}, {n: None for n in declared}, {n: "yes" for n in declared}),
                    (set(), unknown, unknown | {"derived." + n for n in declared})):
                facts = Facts(document, derived, declared, wild)
                for rs in rulesets:
                    for rule in rs.rules:
                        fast, slow = _both(rule.when, facts)
                        assert fast == slow, rule.id
                        results.add(fast[1])

    check()
    assert results == {True, False, None}


def test_possible_with_a_memo_answers_as_without_it_derived_facts_included():
    derive = Rule(id="t.d", when=Compare(fact="adl", op="eq", value="improved"), derive=("fi", "documented"),
                  cite="c", because="b")
    finding = Rule(id="t.f", when=Compare(fact="derived.fi", op="eq", value="documented"),
                   finding="medically_necessary", cite="c", because="b")
    rs = _rs(derive, finding, derives={"fi": ["documented"]})
    memo: dict = {}
    # t.f reads only the derived fact: a memo keyed without it would give t.f's first answer again.
    for domains in ({"adl": ["improved"]}, {"adl": ["improved", "worse"]}, {"adl": ["worse"]}, {"adl": WILD},
                    {}, {"adl": ["improved"]}):
        assert possible([rs], {"adl": None}, domains, memo=memo) == possible([rs], {"adl": None}, domains)
    assert memo


def test_possible_with_a_memo_answers_as_without_it_on_generated_cases():
    from hypothesis import HealthCheck

    import strategies
    from engine.rules.ir import leaves
    from helpers import in_force_requests

    @settings(max_examples=30, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategies.case(), st.randoms(use_true_random=False))
    def check(data, rnd):
        for _, _, rulesets, document in in_force_requests(data):
            # Values of each fact's own type: the rules' operands (a list fact: a list of one).
            values: dict[str, list] = {}
            for c in (c for rs in rulesets for rule in rs.rules for c in leaves(rule.when) if not c.derived):
                got = values.setdefault(c.fact, [None])
                if c.op == "in":
                    got.extend(c.value)
                elif c.op in ("contains", "excludes"):
                    got.append([c.value])
                elif c.op != "known":
                    got.append(c.value)
            read = sorted(values)
            memo: dict = {}
            for _ in range(12):  # the same memo over many domains, as one what-would-pass search asks
                picked = rnd.sample(read, min(len(read), rnd.randint(0, 3)))
                domains = {p: WILD if rnd.random() < 0.2 else rnd.sample(values[p], min(2, len(values[p])))
                           for p in picked}
                assert possible(rulesets, document, domains, memo=memo) == possible(rulesets, document, domains)

    check()
