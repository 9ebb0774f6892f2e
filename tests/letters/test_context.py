"""One mechanism for negation, uncertainty, history and hypothesis (engine.context)."""
from __future__ import annotations

import pytest

from engine.context import Flag, context


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
