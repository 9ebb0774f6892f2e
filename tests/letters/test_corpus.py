"""The shared corpus of real letters (../shared/corpus/imr-2016-17), where it is present: every PDF
read, every item found and classified, extraction measured against the hand labels. Skipped on a
machine without the corpus (a fresh clone has none; its letters may not be committed)."""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
import yaml

from engine.letters.extract import letter_to_case
from engine.letters.reader import Letter, read_letter
from engine.cases.facts import Case
from engine.letters.measure import RULE_READ, score
from engine.cases.vocab import Category

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "imr-2016-17" / "pdf"
LABELS = ROOT / "tests" / "data" / "corpus_labels.yaml"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no shared corpus at {CORPUS}")

# Recall on the labels as measured when this test was written (README "Reading letters"); a change
# that reads less well fails here. Fields the rules read are held to 0.8 unless listed: the
# exceptions are the gaps the README names.
BELOW_TARGET: dict[str, float] = {}


# Reading all 140 PDFs takes 10-20 s, too long for every run: by default the labelled letters are
# read; IMR_CORPUS_ALL=1 reads every letter (as `imr parse --json` of the folder does).
ALL = os.environ.get("IMR_CORPUS_ALL") == "1"


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[Letter, Case]]:
    labelled = set(yaml.safe_load(LABELS.read_text(encoding="utf-8")))
    out = {}
    for path in sorted(CORPUS.glob("*.pdf")):
        if ALL or path.stem in labelled:
            letter = read_letter(str(path))
            out[path.stem] = (letter, letter_to_case(letter))
    return out


def test_every_letter_is_read_with_its_items(corpus: dict[str, tuple[Letter, Case]]) -> None:
    if ALL:
        assert len(corpus) == len(list(CORPUS.glob("*.pdf"))) >= 140
        assert sum(len(letter.items) for letter, _ in corpus.values()) >= 330
    items = [item for letter, _ in corpus.values() for item in letter.items]
    assert items and all(item.outcome is not None for item in items)
    assert all(letter.header.case_number == number for number, (letter, _) in corpus.items())
    assert all(letter.header.decision_date is not None for letter, _ in corpus.values())


def test_at_most_three_percent_of_items_are_other(corpus: dict[str, tuple[Letter, Case]]) -> None:
    categories = Counter(item.category for letter, _ in corpus.values() for item in letter.items)
    assert categories[Category.other] <= 0.03 * sum(categories.values())


def test_labelled_letters_have_their_items_and_outcomes(corpus: dict[str, tuple[Letter, Case]]) -> None:
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    assert len(labels) >= 72
    for number, label in labels.items():
        letter, _ = corpus[number]
        assert [i.outcome.value for i in letter.items] == [x["outcome"] for x in label["items"]], number


def test_extraction_recall_on_the_labels(corpus: dict[str, tuple[Letter, Case]]) -> None:
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    scores = {s.field: s for s in score(labels, corpus)}
    assert RULE_READ <= scores.keys()
    for name in RULE_READ:
        floor = BELOW_TARGET.get(name, 0.8)
        assert (scores[name].recall or 0) >= floor, (name, scores[name].recall)
