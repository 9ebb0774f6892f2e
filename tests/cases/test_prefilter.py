"""The prefilter only skips texts a pattern cannot match: every answer equals the plain pattern's."""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings, strategies as st

from engine.cases import prefilter
from engine.cases.terms import _lexicon
from engine.letters import context, extract, imaging_facts, medication_facts

LETTERS = Path(__file__).resolve().parents[2] / "cases" / "letters"


def _patterns() -> list[prefilter.Prefiltered]:
    found: list[prefilter.Prefiltered] = []

    def walk(value: object) -> None:
        if isinstance(value, prefilter.Prefiltered):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    for module in (extract, medication_facts, imaging_facts, context):
        walk(list(vars(module).values()))
    found.append(_lexicon().regex)  # type: ignore[arg-type]
    return found


PATTERNS = _patterns()


def _same(p: prefilter.Prefiltered, text: str) -> None:
    assert [m.span() for m in p.finditer(text)] == [m.span() for m in p.regex.finditer(text)], p.pattern
    for fn in ("search", "match", "fullmatch"):
        got, want = getattr(p, fn)(text), getattr(p.regex, fn)(text)
        assert (got and got.span()) == (want and want.span()), (fn, p.pattern)


def test_the_extractors_patterns_are_prefiltered() -> None:
    assert len(PATTERNS) > 100


def test_answers_equal_the_patterns_on_the_bundled_letters() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(LETTERS.glob("*.txt"))]
    pieces = [s for t in texts[:3] for s in re.split(r"(?<=[.;])\s+", t)]
    pieces += [s[i:i + 60] for s in pieces[:60] for i in range(0, len(s), 23)]  # windows cut mid-word
    for text in pieces:
        for p in PATTERNS:
            _same(p, text)


_WORDS = ["no", "not", "UR", "request", "plan", "PT", "lumbar", "L4-5", "s/p", "Norco", "tylenol #3",
          "anti-inflammatory", "positive", "SLR", "5/5", "strength", "off work", "x", "-", "/", " ", ".",
          "\u212a", "\u017f", "K", "\u00e9", "recommended", "was", "denied", "surgery", "12", "sessions"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join), st.sampled_from(range(len(PATTERNS))))
def test_answers_equal_the_patterns_on_made_up_text(text: str, index: int) -> None:
    _same(PATTERNS[index], text)


def test_a_text_without_the_needed_words_is_skipped() -> None:
    p = prefilter.compile(r"\b(?:request\w*|UR)\b", re.I)
    assert isinstance(p, prefilter.Prefiltered)
    assert not p.gate.admits("during your injury")  # "ur" inside words is not the word UR
    assert p.gate.admits("the UR denied it") and p.gate.admits("Requested")
    assert p.gate.admits("caf\u00e9 ur")  # not ASCII: always asked of the pattern


def test_a_pattern_without_needed_words_asks_the_pattern_of_every_text() -> None:
    for source in (r"[.!?](?=\s+[A-Z])", r"\w+|x"):
        p = prefilter.compile(source)
        assert p.gate.admits("") and p.gate.admits("zzz")
        assert [m.span() for m in p.finditer("a. B x")] == [m.span() for m in re.finditer(source, "a. B x")]


def test_a_pattern_is_compiled_on_first_use_not_at_import() -> None:
    p = prefilter.compile(r"\bplan\b", re.I)
    assert p._regex is None  # what a command that reads no letter saves at start
    assert p.search("The PLAN.") and p._regex is not None


def test_the_first_texts_go_to_the_pattern_and_later_ones_through_the_gate() -> None:
    p = prefilter.compile(r"\b(?:request\w*|UR)\b", re.I)
    texts = ["during your injury", "the UR denied it"] * prefilter._UNGATED_USES
    assert [m.span() for t in texts for m in p.finditer(t)] == [m.span() for t in texts
                                                                 for m in re.finditer(p.pattern, t, re.I)]
    assert isinstance(p._gate, prefilter.Gate)  # built once enough texts were asked
    assert p.search("during your injury") is None


GROUP = prefilter.Group(PATTERNS)


def test_a_group_admits_exactly_the_patterns_whose_gates_admit() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(LETTERS.glob("*.txt"))]
    pieces = [s for t in texts[:3] for s in re.split(r"(?<=[.;])\s+", t)]
    pieces += [s[i:i + 60] for s in pieces[:60] for i in range(0, len(s), 23)] + ["", "caf\u00e9 ur"]
    for text in pieces:
        assert GROUP.admitted(text) == tuple(i for i, p in enumerate(PATTERNS) if p.gate.admits(text)), text


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join))
def test_a_groups_matches_equal_each_patterns_own(text: str) -> None:
    want = [(i, m.span()) for i, p in enumerate(PATTERNS) for m in p.regex.finditer(text)]
    assert [(i, m.span()) for i, m in GROUP.finditer(text)] == want
    first = [(i, m.span()) for i, p in enumerate(PATTERNS) if (m := p.regex.search(text))]
    assert [(i, m.span()) for i, m in GROUP.search(text)] == first


def test_a_pattern_anchored_at_the_start_asks_the_pattern_of_every_text() -> None:
    assert prefilter.anchored(re.compile(r"^\s*in unspecified", re.I)) and prefilter.anchored(re.compile(r"\Ano"))
    assert not prefilter.anchored(re.compile(r"^no", re.M)) and not prefilter.anchored(re.compile(r"(?:^a|b)"))
    p = prefilter.compile(r"^\s*(?:\w+\s+)?in unspecified amounts?\b", re.I)
    assert p.gate.admits("zzz")
    assert p.search(" PT in unspecified amounts") and not p.search("x. in unspecified amounts")
