"""The ground-truth case files: they load, they match their letters, and every fact is sourced.

Failure messages name case files and evidence keys only, never the letters' words.
"""
from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Any, Iterator

import pytest
from pydantic import BaseModel

from engine.cases.facts import Case, load_case

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "cases"
SEEDS = CASES / "seeds"
LETTERS = CASES / "letters"
SHARED_SEEDS = Path("/work/shared/seeds")  # where the letters were copied from, when present

CASE_FILES = sorted(p for p in CASES.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
SEED_FILES = sorted(SEEDS.glob("*.yaml"))
LETTER_FILES = sorted(LETTERS.glob("*.txt"))

SUMMARY_START = "CLINICAL CASE SUMMARY"
ISSUES_START = "IMR ISSUES, DECISIONS AND RATIONALES"
RATIONALE_START = "Decision rationale:"
# Ends a rationale paragraph: the next item's guideline lines (the item title just before them is
# swept in, which is harmless for a containment check).
RATIONALE_END = "Claims Administrator guideline:"
OUTCOME = re.compile(r":\s*(Upheld|Overturned)\b")

# Fields that are bookkeeping, not facts: they need no evidence.
NOT_FACTS = {"case_id", "letter", "evidence"}
# The field that names an entry of a list of facts.
IDENTITY = {"modality", "name", "text", "procedure"}


def collapse(text: str) -> str:
    """Every run of whitespace (PDF line breaks, doubled blank lines) as one space."""
    return " ".join(text.split())


def letter_text(case_path: Path, case: Case) -> str:
    assert case.letter, f"{case_path.name}: no letter"
    return collapse((case_path.parent / case.letter).read_text(encoding="utf-8"))


def summary_section(letter: str) -> str:
    start = letter.index(SUMMARY_START) + len(SUMMARY_START)
    return letter[start:letter.index(ISSUES_START)]


def rationale_sections(letter: str) -> list[str]:
    out = []
    for chunk in letter.split(RATIONALE_START)[1:]:
        out.append(chunk.split(RATIONALE_END)[0])
    return out


def quotes(evidence: Any) -> list[str]:
    return evidence.quote if isinstance(evidence.quote, list) else [evidence.quote]


def resolve(node: Any, path: str) -> tuple[bool, Any]:
    """(found, value) of a fact path such as 'requests[0].determination.outcome'."""
    for part in path.replace("]", "").replace("[", ".").split("."):
        if isinstance(node, BaseModel):
            if part not in type(node).model_fields:
                return False, None
            node = getattr(node, part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def stated_facts(node: Any, path: str = "") -> Iterator[str]:
    """The paths of the leaf facts a case file states: explicitly set, and not null/unknown/[]."""
    if isinstance(node, BaseModel):
        for name in sorted(node.model_fields_set):
            if not path and name in NOT_FACTS:
                continue
            yield from stated_facts(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from stated_facts(value, f"{path}[{i}]")
    elif node is None or node == [] or (isinstance(node, Enum) and node.value == "unknown"):
        return
    else:
        yield path


def has_evidence(case: Case, path: str) -> bool:
    """Evidence on the path itself or on one of its ancestors (e.g. a whole treatment entry).

    The field that names a list entry (a treatment's modality, ...) is also covered by evidence on
    any other field of that entry: the words that give the sessions of acupuncture say that
    acupuncture was given.
    """
    entry, _, leaf = path.rpartition(".")
    if leaf in IDENTITY and entry.endswith("]") and any(k.startswith(entry + ".") for k in case.evidence):
        return True
    while path:
        if path in case.evidence:
            return True
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return False


class Seeds(list[tuple[Path, Case]]):
    """The loaded seed cases; its repr is short so that a failing test never shows letter words."""

    def __repr__(self) -> str:
        return f"<{len(self)} seed cases>"


@pytest.fixture(scope="module")
def seeds() -> Seeds:
    return Seeds((p, load_case(str(p))) for p in SEED_FILES)


def test_there_is_one_case_file_per_letter() -> None:
    assert len(LETTER_FILES) == 5
    assert [p.stem for p in SEED_FILES] == [p.stem for p in LETTER_FILES]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: str(p.relative_to(CASES)))
def test_every_case_file_loads(path: Path) -> None:
    assert isinstance(load_case(str(path)), Case)


def test_case_ids_and_letters_name_the_case_file(seeds: Seeds) -> None:
    for path, case in seeds:
        assert case.case_id == path.stem, path.name
        assert case.letter == f"../letters/{path.stem}.txt", path.name
        assert (path.parent / case.letter).is_file(), path.name


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="the shared seed letters are not on this machine")
def test_letters_are_unchanged_copies() -> None:
    for letter in LETTER_FILES:
        assert letter.read_bytes() == (SHARED_SEEDS / letter.name).read_bytes(), letter.name


def test_eight_requests_with_determinations_seven_upheld_one_overturned(
    seeds: Seeds,
) -> None:
    requests = [r for _, case in seeds for r in case.requests]
    assert len(requests) == 8
    assert all(r.determination is not None for r in requests)
    outcomes = [r.determination.outcome.value for r in requests if r.determination]
    assert outcomes.count("Upheld") == 7
    assert outcomes.count("Overturned") == 1


def test_requests_follow_the_letters_items_in_order(seeds: Seeds) -> None:
    for path, case in seeds:
        issues = letter_text(path, case).split(ISSUES_START, 1)[1]
        in_letter = OUTCOME.findall(issues)
        in_case = [r.determination.outcome.value for r in case.requests if r.determination]
        same = in_case == in_letter  # outcome words only, but keep letter text out of reports
        assert same, path.name


def test_guideline_lines_are_verbatim(seeds: Seeds) -> None:
    for path, case in seeds:
        letter = letter_text(path, case)
        for i, request in enumerate(case.requests):
            d = request.determination
            assert d is not None and d.guideline and d.claims_administrator_guideline
            maximus = f"MAXIMUS guideline: Decision based on {d.guideline}" in letter
            administrator = (
                f"Claims Administrator guideline: Decision based on {d.claims_administrator_guideline}"
                in letter
            )
            assert maximus, f"{path.name} requests[{i}].determination.guideline"
            assert administrator, f"{path.name} requests[{i}].determination.claims_administrator_guideline"


def test_every_evidence_quote_occurs_in_its_letter(seeds: Seeds) -> None:
    for path, case in seeds:
        letter = letter_text(path, case)
        for key, evidence in case.evidence.items():
            for quote in quotes(evidence):
                found = bool(collapse(quote)) and collapse(quote) in letter
                assert found, f"{path.name} {key}: quote empty or not in the letter"


def test_every_evidence_key_resolves(seeds: Seeds) -> None:
    for path, case in seeds:
        for key in case.evidence:
            assert resolve(case, key)[0], f"{path.name} {key}"


def test_every_request_has_evidence_for_service_and_quantity(seeds: Seeds) -> None:
    for path, case in seeds:
        for i in range(len(case.requests)):
            for field in ("service", "quantity"):
                assert f"requests[{i}].{field}" in case.evidence, f"{path.name} requests[{i}].{field}"


def test_every_stated_fact_has_evidence(seeds: Seeds) -> None:
    missing = [
        f"{path.name} {p}" for path, case in seeds for p in stated_facts(case) if not has_evidence(case, p)
    ]
    assert not missing, f"no evidence for {missing}"


def test_rationale_evidence_only_under_rationale_facts(seeds: Seeds) -> None:
    for path, case in seeds:
        for key, evidence in case.evidence.items():
            under = key.startswith("rationale_facts.")
            assert under == (evidence.source.value == "rationale"), f"{path.name} {key}"


def test_quotes_come_from_the_section_their_source_names(seeds: Seeds) -> None:
    # Request fields may also quote the item titles and guideline lines, which are neither the
    # summary nor a rationale; clinical facts may not.
    for path, case in seeds:
        letter = letter_text(path, case)
        summary = summary_section(letter)
        rationales = rationale_sections(letter)
        for key, evidence in case.evidence.items():
            for quote in map(collapse, quotes(evidence)):
                if evidence.source.value == "rationale":
                    found = any(quote in r for r in rationales)
                    assert found, f"{path.name} {key}: not in a decision rationale"
                elif not key.startswith("requests["):
                    found = quote in summary
                    assert found, f"{path.name} {key}: not in the clinical case summary"


def test_an_initial_trial_records_no_prior_acupuncture(seeds: Seeds) -> None:
    path, case = next((p, c) for p, c in seeds if p.stem.startswith("000_"))
    assert "acupuncture" not in {t.modality.value for t in case.treatments}
    trial = any("acupuncture trial" in q for q in quotes(case.evidence["requests[0].service"]))
    assert trial, path.name


def test_with_rationale_lays_reviewer_facts_over_the_summary(seeds: Seeds) -> None:
    merged_any = False
    for _, case in seeds:
        if case.rationale_facts is None:
            continue
        merged = case.with_rationale()
        assert merged.rationale_facts is None
        for t in case.rationale_facts.treatments:
            assert t.modality in {m.modality for m in merged.treatments}
        for name in case.rationale_facts.functional_status.model_fields_set:
            assert getattr(merged.functional_status, name) == getattr(case.rationale_facts.functional_status, name)
        merged_any = True
    assert merged_any
