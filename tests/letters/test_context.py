"""One mechanism for negation, uncertainty, history and hypothesis (engine.letters.context)."""
from __future__ import annotations

import pytest

from engine.letters.context import Flag, context


def _flags(sentence: str, target: str) -> set[Flag]:
    start = sentence.index(target)
    return set(context(sentence, start, start + len(target)).flags)


@pytest.mark.parametrize("sentence,target,flags", [
    ("She denies numbness in the legs.", "numbness", {Flag.negated}),
    ("No numbness, tingling or weakness.", "weakness", {Flag.negated}),
    ("No swelling of the ankle or the foot was seen and strength 4/5 was found.", "strength", set()),
    ("There is no swelling, but weakness was noted.", "weakness", set()),
    ("Possible lumbar radiculopathy.", "radiculopathy", {Flag.uncertain}),
    ("MRI to rule out a herniated disc.", "herniated disc", {Flag.uncertain}),
    ("A fracture was ruled out.", "fracture", {Flag.negated}),
    ("History of lumbar fusion.", "lumbar fusion", {Flag.historical}),
    ("He needs to be taken off work.", "off work", {Flag.hypothetical}),
    ("Positive straight leg raise on the left.", "straight leg raise", set()),
    ("The reports do not support imaging as the patient has intact sensation.", "intact sensation", set()),
])
def test_flags(sentence: str, target: str, flags: set[Flag]) -> None:
    assert _flags(sentence, target) == flags


def test_asserted() -> None:
    text = "History of neck pain; no numbness."
    assert context(text, text.index("neck")).asserted  # historical is still asserted
    assert not context(text, text.index("numbness")).asserted


@pytest.mark.parametrize("sentence,target,flags", [
    # A negation covers every member of a list of alternatives, however long.
    ("He denied any shooting pain down the legs or burning or numbness or weakness.", "weakness", {Flag.negated}),
    # ...but not a finding after the list has turned into a new statement.
    ("She denies numbness or tingling and has weakness of the left leg.", "weakness", set()),
    ("The examiner was unable to detect any decreased sensation in the hand.", "decreased sensation",
     {Flag.negated}),
    ("Could not elicit a positive Tinel's sign.", "positive Tinel", {Flag.negated}),
    ("The notes are silent as to whether he is working.", "working", {Flag.uncertain}),
])
def test_more_flags(sentence: str, target: str, flags: set[Flag]) -> None:
    assert _flags(sentence, target) == flags
