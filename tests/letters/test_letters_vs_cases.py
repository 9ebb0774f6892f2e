"""Letters read by the parser against the hand-built seed cases: same predictions, same deciding facts."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.rules.compile import referenced_paths
from engine.decide.decision import decide_case
from engine.cases.document import fact_document, lookup
from engine.letters.extract import letter_to_case
from engine.cases.facts import load_case
from engine.letters.reader import read_letter
from helpers import book

ROOT = Path(__file__).resolve().parents[2]
LETTERS = sorted((ROOT / "cases" / "letters").glob("*.txt"))
TODAY = dt.date(2014, 3, 1)  # judges the two undated seed requests under the 2009 MTUS


def pairs(mode: str):
    for letter in LETTERS:
        parsed = letter_to_case(read_letter(str(letter)))
        built = load_case(str(ROOT / "cases" / "seeds" / f"{letter.stem}.yaml"))
        if mode == "summary+rationale":
            parsed, built = parsed.with_rationale(), built.with_rationale()
        yield letter.stem, parsed, built


def deciding_fields(case, request) -> dict[str, object]:
    """The value of every fact the rules in force for this request read."""
    doc = fact_document(case, request)
    out = {}
    for path in referenced_paths(book().in_force(request.service.value, request.date or TODAY)):
        parent, _, member = path.rpartition(".")
        members = lookup(doc, parent)
        out[path] = (member in members if members is not None else None) if isinstance(members, list) or (
            members is None and parent in ("exam.red_flags",)) else lookup(doc, path)
    return out


@pytest.mark.parametrize("mode", ["summary", "summary+rationale"])
def test_parsed_letters_predict_as_the_hand_built_cases(mode):
    for stem, parsed, built in pairs(mode):
        got = [(d.request, d.outcome) for d in decide_case(parsed, book(), today=TODAY).decisions]
        want = [(d.request, d.outcome) for d in decide_case(built, book(), today=TODAY).decisions]
        assert got == want, stem


@pytest.mark.parametrize("mode", ["summary", "summary+rationale"])
def test_deciding_fields_match_field_by_field(mode):
    total = same = 0
    mismatches = []
    for stem, parsed, built in pairs(mode):
        assert [r.service for r in parsed.requests] == [r.service for r in built.requests], stem
        for rp, rb in zip(parsed.requests, built.requests):
            assert (rp.quantity, rp.determination.outcome) == (rb.quantity, rb.determination.outcome), stem
            a, b = deciding_fields(parsed, rp), deciding_fields(built, rb)
            for path in b:
                total += 1
                if a[path] == b[path]:
                    same += 1
                else:
                    mismatches.append(f"{stem[:3]} {rb.service.value} {path}: letter {a[path]!r}, case {b[path]!r}")
    # Measured 2026-11-23: summary 186/187 (004 "negative SLR" read as an intact exam by the parser);
    # summary+rationale 178/187 (judgement calls on 003's
    # "failure to improve with numerous other conservative measures" and 000's "trial" wording).
    assert same / total >= 0.94, "\n".join(mismatches)
