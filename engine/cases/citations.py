"""The guideline lines of a determination letter, read into structured citations.

A letter gives two lines per disputed item, the claims administrator's and the expert reviewer's
("MAXIMUS guideline:"), in a small grammar:

    Decision based on MTUS <guideline> <edition year>[ Guidelines][, Section(s): <sections>]
        [, and <guideline> <edition year>[, Section(s): <sections>]]...
    [Decision based on Non-MTUS Citation <source>[, <chapter>[, <topic>]]].

or "The ... did not cite any medical evidence for its decision." Older letters cite the 2009 chronic
pain guidelines by page ("MTUS Chronic Pain Treatment Guidelines ... Page(s): 8-9"). The edition
year is what places an undated letter in a period (``engine.judged``).
"""
from __future__ import annotations

import functools
import re
from types import SimpleNamespace
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from engine.cases.vocab import StrEnum


class CitationKind(StrEnum):
    mtus = "mtus"
    non_mtus = "non_mtus"
    none = "none"  # "did not cite any medical evidence"


class Citation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    kind: CitationKind
    guideline: str | None = Field(None, description="e.g. 'Chronic Pain Medical Treatment', 'ODG'")
    edition_year: Annotated[int, Field(ge=1990, le=2100)] | None = None
    sections: list[str] = Field(default_factory=list)
    pages: str | None = Field(None, description="'8-9' where the guideline is cited by page")
    chapter: str | None = Field(None, description="a non-MTUS source's chapter, e.g. ODG 'Low Back'")
    topic: str | None = Field(None, description="a non-MTUS source's topic, e.g. 'MRIs'")


# The MTUS guidelines as letters name them, longest first so "Chronic Pain Medical Treatment" wins
# over "Chronic Pain".
_MTUS_NAMES = sorted([
    "Chronic Pain Medical Treatment", "Chronic Pain Treatment", "Chronic Pain", "Acupuncture Treatment",
    "Acupuncture Medical Treatment", "Low Back Complaints", "Neck and Upper Back Complaints",
    "Shoulder Complaints", "Elbow Complaints", "Elbow Disorders", "Forearm, Wrist, and Hand Complaints",
    "Knee Complaints", "Ankle and Foot Complaints", "General Approaches", "Postsurgical Treatment",
    "Opioid Treatment", "Opioids Treatment", "Stress Related Conditions", "Eye", "Hip and Groin",
    "Initial Approaches to Treatment",
], key=len, reverse=True)
_NAME = "|".join(re.escape(n).replace(r"\ ", r"\s*") for n in _MTUS_NAMES)
# Compiled on first use, not at import: `imr check` imports this module for the Citation model only and
# never parses a guideline line, so it should not pay for compiling these (the clause alternation is the
# costliest pattern compiled on the check path).
@functools.cache
def _patterns() -> SimpleNamespace:
    return SimpleNamespace(
        clause=re.compile(
            rf"(?P<name>{_NAME})\s*(?:Guidelines?\s*)?(?P<year>(?:19|20)\d\d)?(?:\s*Guidelines?)?"
            rf"(?:\s*,?\s*Section\(s\)\s*:\s*(?P<sections>.*?))?"
            rf"(?=\s*,?\s*and\s+(?:{_NAME})|\s*\.?\s*(?:Decision based on|$))",
            re.I | re.S,
        ),
        no_evidence=re.compile(r"did\s*not\s*cite\s*any\s*medical\s*evidence", re.I),
        mtus_part=re.compile(
            r"(?:Decision\s*based\s*on\s*|^)(?:the\s*)?(?:CA\s*|California\s*)?MTUS\b(?!\s*Citation)\s*(?P<text>.*?)"
            r"(?=\s*Decision\s*based\s*on\s*Non-?\s*MTUS|$)", re.I | re.S),
        non_mtus_part=re.compile(r"Decision\s*based\s*on\s*Non-?\s*MTUS\s*(?:Citation\s*)?(?P<text>.*)$", re.I | re.S),
        pages=re.compile(r"\bpages?\s*(?:\(s\))?\s*:?\s*(?P<pages>\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*)", re.I),
        odg=re.compile(r"^(?:the\s+)?(?:Official\s+Disability\s+Guidelines?|ODG)\b(?:\s*\(ODG\))?(?:\s*guidelines?)?", re.I),
    )


def parse_citations(line: str | None) -> list[Citation]:
    """Every guideline a guideline line cites, MTUS ones first; [] when the line cites nothing known."""
    if not line:
        return []
    text = " ".join(line.split())
    if _patterns().no_evidence.search(text):
        return [Citation(kind=CitationKind.none)]
    out: list[Citation] = []
    mtus = _patterns().mtus_part.search(text)
    if mtus:
        out += _mtus(mtus.group("text"))
    non = _patterns().non_mtus_part.search(text)
    if non:
        out.append(_non_mtus(non.group("text")))
    return out


def _mtus(text: str) -> list[Citation]:
    found = []
    for m in _patterns().clause.finditer(text):
        sections = _sections(m.group("sections") or "")
        pages = _patterns().pages.search(text[m.start():]) if not m.group("year") else None
        found.append(Citation(
            kind=CitationKind.mtus, guideline=_canonical(m.group("name")),
            edition_year=int(m.group("year")) if m.group("year") else None,
            sections=sections, pages=re.sub(r"\s+", "", pages.group("pages")) if pages else None,
        ))
    if not found and text.strip(" ."):
        # Older lines name the guideline without an edition and cite pages: "Chronic Pain Treatment
        # Guidelines psychological treatment Page(s): 101", "ACOEM Chapter 12 Low Back Complaints
        # Page(s): 303-304". The first known name is the guideline; what follows it, the section.
        year = re.search(r"\b((?:19|20)\d\d)\b", text)
        pages = _patterns().pages.search(text)
        head = text[: pages.start()] if pages else text
        known = re.search(_NAME, head, re.I)
        if known:
            name = _canonical(known.group(0))
            rest = re.sub(r"^\s*Guidelines?\b", "", head[known.end():], flags=re.I)
            sections = [p for p in (x.strip(" .:") for x in re.split(r",\s*", rest)) if p]
        else:
            name = re.split(r",|\bSection\(s\)", head, maxsplit=1, flags=re.I)[0]
            name = re.sub(r"\b(?:19|20)\d\d\b", "", name).strip(" .:") or None
            sections = []
        found.append(Citation(kind=CitationKind.mtus, guideline=name, sections=sections,
                              edition_year=int(year.group(1)) if year else None,
                              pages=re.sub(r"\s+", "", pages.group("pages")) if pages else None))
    return found


_ALIASES = {
    "Chronic Pain Treatment": "Chronic Pain Medical Treatment",
    "Chronic Pain": "Chronic Pain Medical Treatment",
    "Acupuncture Medical Treatment": "Acupuncture Treatment",
    "Opioids Treatment": "Opioid Treatment",
    "Elbow Disorders": "Elbow Complaints",
}


@functools.cache
def _known_names() -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Compiled once (at first use): every guideline line of a letter is looked up in all of them.
    return tuple((known, re.compile(re.escape(known).replace(r"\ ", r"\s*"), re.I)) for known in _MTUS_NAMES)


def _canonical(name: str) -> str:
    name = " ".join(name.split())
    for known, pattern in _known_names():
        if pattern.fullmatch(name):
            return _ALIASES.get(known, known)
    return name


def _sections(text: str) -> list[str]:
    """Section names, split at commas that begin a new capitalised name.

    "TENS, chronic pain (...)" is one section; "Diagnostic Criteria, Special Studies" two. A section
    whose own name has a comma before a capital ("NSAIDs, GI symptoms ...") is split; the sections
    are a finding aid, and the whole line stays on the item.
    """
    text = text.strip().rstrip(".").strip()
    if not text:
        return []
    parts = re.split(r",\s*(?=[A-Z0-9])", text)
    return [p.strip() for p in parts if p.strip()]


def _non_mtus(text: str) -> Citation:
    text = text.strip().rstrip(".").strip()
    odg = _patterns().odg.match(text)
    if not odg:
        source = re.split(r"[,:]", text, maxsplit=1)[0].strip()
        return Citation(kind=CitationKind.non_mtus, guideline=source or None)
    rest = text[odg.end():].strip(" ,:-–")
    parts = [p.strip() for p in re.split(r"\s*(?:,|:|\s-\s|–)\s*", rest) if p.strip()]
    chapter = None
    if parts:
        chapter = re.sub(r"\s*\bChapter\b\s*", " ", parts[0], flags=re.I).strip() or None
    topic = ", ".join(parts[1:]) or None
    return Citation(kind=CitationKind.non_mtus, guideline="ODG", chapter=chapter, topic=topic)
