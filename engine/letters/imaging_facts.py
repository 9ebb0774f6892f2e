"""Facts for imaging and electrodiagnostic requests, read from a letter's clinical case summary.

The ACOEM 2004 chapters judge a special study on the body region it is for: a knee effusion
supports a knee MRI, never a shoulder MRI. So findings are read with their region:

* ``regional_findings``: red flags (fracture, dislocation, tumor, infection), joint effusion,
  inability to bear weight, mechanical symptoms (locking, catching, giving way, instability), a
  positive test for a tear or instability (McMurray, Lachman, drawer, pivot shift, drop arm,
  apprehension, O'Brien, Speed, Yergason), nerve deficits (decreased sensation, reflexes or strength,
  atrophy) and paresthesias (numbness, tingling). Each is read through ``engine.letters.context`` ("no joint
  effusion", "to rule out a fracture" are no findings) and given the region its clause names, else
  the nearest region its sentence names, else the region a named test implies (McMurray: the knee);
  a finding whose region cannot be told is not recorded.
* per request: the studies an electrodiagnostic title names (EMG, NCS/NCV, SSEP), and the date the
  service was ordered (the request for authorization), when the summary gives one date for it.

Only what the words state: a finding is recorded when it is asserted, never inferred from a
diagnosis ("rule out rotator cuff tear" records nothing).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable, Protocol

from engine.cases import prefilter
from engine.letters.context import context
from engine.letters.reader import DATE_PATTERN, Item, Span, find_services, parse_date, region_mentions
from engine.cases.vocab import BodyRegion, ElectrodiagnosticStudy, RegionalFinding, Service


class SentenceLike(Protocol):
    text: str
    start: int

    def span(self, m: re.Match[str] | tuple[int, int], group: int | str = 0) -> Span: ...


class FactsLike(Protocol):
    regional_findings: list[dict[str, Any]]

    def cite(self, path: str, span: Span) -> None: ...


_KNEE_TESTS = r"McMurray'?s?|Lachman'?s?|(?:anterior |posterior )?drawer'?s?|pivot[- ]shift|Apley'?s?"
_SHOULDER_TESTS = r"drop[- ]arm|apprehension|relocation|O'?Brien'?s?|Speed'?s?|Yergason'?s?"
_TESTS: list[tuple[BodyRegion, re.Pattern[str]]] = [
    (BodyRegion.knee, prefilter.compile(rf"\b(?:{_KNEE_TESTS})", re.I)),
    (BodyRegion.shoulder, prefilter.compile(rf"\b(?:{_SHOULDER_TESTS})", re.I)),
]
_POSITIVE_BEFORE = prefilter.compile(r"\b(positive|negative)\b(?!.*\b(?:positive|negative)\b)", re.I)
_POSITIVE_AFTER = prefilter.compile(
    r"^[\w']*(?:\s+(?:tests?|signs?|maneuvers?|testing))?\s*(?:(?:was|is|were|are)\s+)?(?:noted\s+)?"
    r"(?:to\s+be\s+)?(positive|negative)\b", re.I)

_FINDINGS: list[tuple[RegionalFinding, re.Pattern[str]]] = [
    (RegionalFinding.red_flag, prefilter.compile(
        r"\b(?:fractures?|dislocat\w+|tumou?rs?|malignan\w*|neoplasm\w*|infections?|osteomyelitis"
        r"|septic)\b", re.I)),
    (RegionalFinding.effusion, prefilter.compile(r"\beffusions?\b", re.I)),
    (RegionalFinding.unable_to_bear_weight, prefilter.compile(
        r"\b(?:unable to (?:bear weight|weight[- ]bear|walk)|inability to (?:bear weight|walk)"
        r"|(?:difficulty|cannot|can't) (?:bearing|bear) weight|non[- ]weight[- ]bearing)\b", re.I)),
    (RegionalFinding.mechanical_symptoms, prefilter.compile(
        r"\b(?:locking|locks|catching|gives? way|giving (?:way|out)|buckling|instability|unstable)\b", re.I)),
    (RegionalFinding.nerve_deficit, prefilter.compile(
        r"\b(?:decrease[sd]?|diminished|reduced|absent|loss of|impaired|altered)\s+(?:light[- ]touch\s+|pinprick\s+)?"
        r"(?:sensation|sensory|reflexes?)"
        r"|\b(?:sensation|reflexes?)\s+(?:is\s+|was\s+|were\s+)?(?:decreased|diminished|reduced|absent|impaired)"
        r"|\bhyp(?:o|e)sthesi\w*|\bhyposensor\w*|\batrophy\b"
        r"|\b(?:[0-3](?:\+|-)?|4(?:\+|-)?)\s*(?:/|over|out\s+of)\s*5\b", re.I)),
    (RegionalFinding.paresthesia, prefilter.compile(
        r"\b(?:numbness|numb|tingling|paresthesi\w*|dysesthesi\w*|pins and needles)\b", re.I)),
]
# Words of the hand and of single nerve-root levels that the shared region lexicon (engine.cases.terms)
# leaves out; a finding about the digits or the thenar eminence is a finding of the hand.
_MORE_REGIONS: list[tuple[BodyRegion, re.Pattern[str]]] = [
    (BodyRegion.wrist_hand, prefilter.compile(r"\b(?:digits?|thenar|hypothenar|palms?|palmar)\b", re.I)),
    (BodyRegion.cervical_spine, prefilter.compile(r"\bC[5-8]\b")),
]


def _regions(text: str) -> list[tuple[BodyRegion, Span]]:
    found = list(region_mentions(text))
    found += [(region, m.span()) for region, regex in _MORE_REGIONS for m in regex.finditer(text)]
    return sorted(found, key=lambda r: r[1])


_GUIDELINE_TALK = prefilter.compile(
    r"\b(?:guidelines?|criteria|recommend\w*|is defined as|according to|should)\b", re.I)


def read_regional_findings(f: FactsLike, sentences: Iterable[SentenceLike]) -> None:
    """Add the summary's regional findings to ``f.regional_findings``, each cited once.

    A sentence that names no region speaks of the region of the sentence before it ("Examination of
    the right knee showed ... . McMurray's test was positive.")."""
    carried: list[tuple[BodyRegion, Span]] = []
    for s in sentences:
        regions = _regions(s.text)
        if _GUIDELINE_TALK.search(s.text):
            carried = []
            continue  # a sentence that states a criterion describes the rule, not the claimant
        for region, finding, span in _sentence_findings(s.text, regions, carried):
            entry = {"body_region": region.value, "finding": finding.value}
            if entry not in f.regional_findings:
                f.regional_findings.append(entry)
                f.cite(f"regional_findings[{len(f.regional_findings) - 1}]", s.span(span))
        # Only a sentence about one region hands it on.
        carried = [(regions[0][0], (0, 0))] if len({r for r, _ in regions}) == 1 else []


def _sentence_findings(
    text: str, regions: list[tuple[BodyRegion, Span]], carried: list[tuple[BodyRegion, Span]]
) -> Iterable[tuple[BodyRegion, RegionalFinding, Span]]:
    for implied, regex in _TESTS:
        for m in regex.finditer(text):
            # The test names its joint ("drop arm" is a shoulder test, whatever else the sentence says).
            if _positive(text, m) and context(text, m.start(), m.end()).asserted:
                yield implied, RegionalFinding.derangement_sign, m.span()
    for finding, regex in _FINDINGS:
        for m in regex.finditer(text):
            if not context(text, m.start(), m.end()).asserted:
                continue
            # A red flag belongs to the region its own clause names: in "knee meniscus tear, and
            # vertebral fracture" the fracture is not the knee's.
            region = _region(text, m.span(), regions, clause_only=finding is RegionalFinding.red_flag)
            if region is None and not regions and carried:
                region = carried[0][0]
            if region is not None:
                yield region, finding, m.span()


def _positive(text: str, m: re.Match[str]) -> bool:
    """A named test counts when the words call it positive ("positive McMurray's", "Drop arm test
    was positive", "positive Speed's, Yergason's and O'Brien's tests")."""
    after = _POSITIVE_AFTER.match(text[m.end():m.end() + 40])
    if after:
        return after.group(1).lower() == "positive"
    before = _POSITIVE_BEFORE.search(text[max(0, m.start() - 60):m.start()])
    return before is not None and before.group(1).lower() == "positive"


def _clause_bounds(text: str, span: Span) -> Span:
    left = max(text.rfind(",", 0, span[0]), text.rfind(";", 0, span[0]), text.rfind(":", 0, span[0]))
    rights = [i for i in (text.find(",", span[1]), text.find(";", span[1])) if i != -1]
    return left + 1, min(rights) if rights else len(text)


_FOLLOWS = prefilter.compile(r"^[^;.]{0,45}?$")


def _region(
    text: str, span: Span, regions: list[tuple[BodyRegion, Span]], clause_only: bool = False
) -> BodyRegion | None:
    """The region a finding is of: the one named right after it ("numbness to the left upper
    extremity", "decreased sensation in the L4-S1 distribution"), else the nearest one of its
    clause, else (unless ``clause_only``) the nearest one of its sentence."""
    if not regions:
        return None
    after = [r for r in regions if r[1][0] >= span[1] and _FOLLOWS.match(text[span[1]:r[1][0]])]
    lo, hi = _clause_bounds(text, span)
    inside = [r for r in regions if lo <= r[1][0] and r[1][1] <= hi]

    def distance(item: tuple[BodyRegion, Span]) -> int:
        s, e = item[1]
        return span[0] - e if e <= span[0] else s - span[1]

    if after and (not inside or min(after, key=distance) in inside or not clause_only):
        return min(after, key=distance)[0]
    if inside:
        return min(inside, key=distance)[0]
    return None if clause_only else min(regions, key=distance)[0]


# ------------------------------------------------------------------------------ the requests

_STUDIES: list[tuple[ElectrodiagnosticStudy, re.Pattern[str]]] = [
    (ElectrodiagnosticStudy.emg, prefilter.compile(r"\bEMGs?\b|electromyogra\w*", re.I)),
    (ElectrodiagnosticStudy.ncs, prefilter.compile(r"\bNC[SV]s?\b|nerve conduction", re.I)),
    (ElectrodiagnosticStudy.ssep, prefilter.compile(r"\bSSEPs?\b|somatosensory evoked", re.I)),
]
_ORDER = prefilter.compile(
    rf"\b(?:request for authorization|RFA)\b(?:\s+form)?[^.]{{0,40}}?\b(?:dated|signed|received|of)\s+"
    rf"(?:on\s+)?(?P<date>{DATE_PATTERN})"
    rf"|\b(?:on\s+)?(?:an?\s+)?(?P<date2>{DATE_PATTERN})\s+(?:request for authorization|RFA)\b",
    re.I,
)


def studies(title: str) -> list[str]:
    """The electrodiagnostic studies an item's title names, in a fixed order."""
    return [study.value for study, regex in _STUDIES if regex.search(title)]


def order_dates(sentences: Iterable[SentenceLike]) -> list[tuple[dt.date, Span, set[Service]]]:
    """Each request-for-authorization date of the summary, with the services its sentence names."""
    out: list[tuple[dt.date, Span, set[Service]]] = []
    for s in sentences:
        for m in _ORDER.finditer(s.text):
            day = parse_date(m.group("date") or m.group("date2"))
            if day is not None:
                out.append((day, s.span(m), {svc for svc, _ in find_services(s.text)}))
    return out


def request_facts(item: Item, orders: list[tuple[dt.date, Span, set[Service]]]) -> dict[str, tuple[Any, Span | None]]:
    """Facts of one imaging or electrodiagnostic item: its studies and when it was ordered.

    The order date is the one the summary gives for the item's service, else the summary's only one."""
    out: dict[str, tuple[Any, Span | None]] = {}
    if item.service is Service.electrodiagnostic and (named := studies(item.title)):
        out["studies"] = (named, item.title_span)
    if item.service not in _STUDY_SERVICES:
        return out
    # An order date belongs to the services its sentence names; one that names none is the summary's
    # order of everything, used when it is the only such date.
    own = [(d, sp) for d, sp, services in orders if item.service in services]
    unnamed = [(d, sp) for d, sp, services in orders if not services]
    chosen = own[0] if own else (unnamed[0] if len({d for d, _ in unnamed}) == 1 else None)
    if chosen is not None:
        out["ordered_on"] = (chosen[0].isoformat(), chosen[1])
    return out


_STUDY_SERVICES = {Service.mri_other, Service.mri_lumbar, Service.mri_cervical, Service.ct_scan,
                   Service.x_ray, Service.electrodiagnostic}
