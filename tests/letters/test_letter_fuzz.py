"""Whatever text comes in, parse_letter gives a Letter or a LetterError, and a Letter always makes a
valid case whose evidence quotes are words of the letter."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.letters.extract import letter_to_case
from engine.cases.facts import Case
from engine.letters.reader import Letter, LetterError, collapse, parse_letter

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADINGS = [
    "HOW THE IMR FINAL DETERMINATION WAS MADE", "CLINICAL CASE SUMMARY",
    "IMR ISSUES, DECISIONS AND RATIONALES", "IMR DECISION(S) AND RATIONALE(S)", "DOCUMENTS REVIEWED",
    "Notice of Independent Medical Review Determination", "The Expert Reviewer has the following credentials:",
]
NOISE = st.sampled_from([
    *HEADINGS, "Page 2 of 4", "- 3 -", "\f", ": Upheld", "Overturned", "x 0", "x99999999", "1. ",
    "is not medically necessary and appropriate.", "MAXIMUS guideline:", "Decision rationale:",
    "13/45/2013", "February 30, 2014", "999 year old", "0 year old male", "#0", "2x0", "(", ")",
    "Claims Administrator guideline:", "\u00a0", "\u2028", "ONE SESSION", "twenty-", "--", ":",
]) | st.text(max_size=40)


def check(text: str) -> None:
    try:
        letter = parse_letter(text, "fuzz.txt")
    except LetterError as e:
        assert str(e).startswith("fuzz.txt: ") and "\n" not in str(e)
        return
    assert isinstance(letter, Letter) and letter.items
    try:
        case = letter_to_case(letter)
    except LetterError:
        return
    assert isinstance(case, Case) and len(case.requests) == len(letter.items)
    raw = collapse(text)
    for evidence in case.evidence.values():
        quotes = evidence.quote if isinstance(evidence.quote, list) else [evidence.quote]
        assert quotes and all(q and q in raw for q in quotes)
    case.with_rationale()


@SETTINGS
@given(st.text(max_size=2000))
def test_arbitrary_text(text: str) -> None:
    check(text)


@SETTINGS
@given(st.lists(st.one_of(NOISE, st.sampled_from(HEADINGS)), max_size=60).map("\n".join))
def test_letter_shaped_noise(text: str) -> None:
    check(text)


@pytest.fixture(scope="module")
def seed_lines(seed_texts: dict[str, str]) -> list[list[str]]:
    return [text.split("\n") for _, text in sorted(seed_texts.items())]


def _sections(lines: list[str]) -> list[list[str]]:
    """Split a letter's lines at its headings, so sections can be shuffled."""
    out: list[list[str]] = [[]]
    for line in lines:
        if any(h.lower() in line.lower() for h in HEADINGS):
            out.append([])
        out[-1].append(line)
    return out


@st.composite
def mutated(draw: st.DrawFn, seed_lines: list[list[str]]) -> str:
    lines = list(draw(st.sampled_from(seed_lines)))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["delete", "insert", "shuffle", "truncate", "duplicate", "join"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i: i + draw(st.integers(1, 5))]
        elif op == "insert":
            lines.insert(i, draw(NOISE))
        elif op == "shuffle":
            sections = _sections(lines)
            lines = [line for section in draw(st.permutations(sections)) for line in section]
        elif op == "truncate":
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].split("\n")
        elif op == "duplicate":
            lines[i:i] = lines[i: i + draw(st.integers(1, 20))]
        elif op == "join" and i + 1 < len(lines):
            lines[i: i + 2] = [re.sub(r"\s+$", " ", lines[i]) + lines[i + 1]]
    return "\n".join(lines)


@SETTINGS
@given(data=st.data())
def test_mutated_seed_letters(seed_lines: list[list[str]], data: st.DataObject) -> None:
    check(data.draw(mutated(seed_lines)))


def test_unmutated_seeds_pass_the_same_check(seed_texts: dict[str, str]) -> None:
    for text in seed_texts.values():
        check(text)
