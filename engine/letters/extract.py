"""Case facts from a parsed letter, each with the words of the letter it was read from.

What the clinical case summary says becomes the case's facts (evidence ``source: summary``); what only
the reviewer's decision rationale says is kept apart in ``rationale_facts`` (evidence ``source:
rationale``, keys prefixed ``rationale_facts.``), and is used only when asked
(``Case.with_rationale()``). The disputed items become the requests, each with the letter's actual
outcome, the MAXIMUS guideline line as ``guideline`` and the Claims Administrator line as
``claims_administrator_guideline``.

Reading rules, chosen to say what the words say and nothing more:

* Unstated is null/unknown, never 0 or "none". A treatment the summary names without a count has
  ``sessions: null`` ("unspecified amounts of acupuncture", "multiple sessions of physical
  therapy"); a count followed by "approved"/"authorized" is ``approved``, not ``sessions``. A
  modality the summary does not name is not listed (by the case convention: not given), except that
  "another 12 sessions of acupuncture" / "additional acupuncture" names a prior course (count unknown),
  and "has not yet undergone an acupuncture trial" is recorded as 0 sessions.
* ``functional_improvement``: ``none`` only where the letter states an absence of improvement ("lack
  of functional improvement", "no improvement", "did not improve", "without benefit");
  ``documented`` only where it states improvement in function; where it says improvement was not
  documented or is unclear ("failed to document", "have not demonstrated", "unclear ... what
  functional benefit") the value stays ``unknown`` and the words are kept as evidence.
* Sentences that state a guideline ("means", "is defined as", "recommend", "should", "according
  to ...") are not read for functional status: they describe the rule, not the claimant.
* Sentences about the request or its review ("request", "recommended", "non-certified", "plan") are
  not read for treatments of record or medications.
* A request's ``date`` is the utilization review date the summary gives for that service, else the
  one UR date the summary gives, else the cover's "UR Denial Date:"; otherwise null.

Evidence quotes are exact words of the letter (whitespace collapsed); a quote that runs across
removed page furniture is a list of the pieces on each side.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.cases import prefilter
from engine.letters.context import Flag, context
from engine.letters.course_facts import continued_courses
from engine.letters.equipment_facts import item_details, read_homebound
from engine.rules.editions import period_of
from engine.cases.terms import find_drugs, without_overlaps
from engine.cases.facts import Case
from engine.letters.medication_facts import read_medication_facts
from engine.letters.reader import (
    DATE_PATTERN,
    NUMBER,
    Item,
    Letter,
    collapse,
    LetterError,
    Span,
    find_body_regions,
    find_dates,
    find_services,
    mentions_mri,
    number_value,
    parse_date,
    region_mentions,
)
from engine.cases.validation import describe, field_path
from engine.letters.imaging_facts import order_dates, read_regional_findings, request_facts
from engine.cases.vocab import (
    BodyRegion,
    Category,
    DrugClass,
    Condition,
    EvidenceSource,
    Improvement,
    OtherModality,
    RedFlag,
    Service,
    Sex,
    WorkStatus,
)

Modality = Service | OtherModality


def letter_to_case(letter: Letter) -> Case:
    """The case a letter describes: summary facts, rationale facts (apart), one request per item."""
    summary = _Facts(letter, EvidenceSource.summary)
    # Split once: every reader of the summary (facts, medications, request dates) reads these.
    sentences = _sentences(letter.body, _summary_span(letter)) if letter.summary is not None else []
    # The header's fields are the letter's own record; they win over a sentence of the summary.
    if letter.header.date_of_injury is not None:
        summary.put(summary.claimant, "date_of_injury", "claimant.date_of_injury",
                    letter.header.date_of_injury.isoformat(), letter.header.spans["date_of_injury"])
    if letter.summary is not None:
        _read_clinical(summary, sentences)
        read_homebound(summary, letter, _summary_span(letter))
    if letter.cover is not None:
        _read_cover(summary, letter.cover.span)
    for item in letter.items:
        _authorized_part(summary, item)
    continued_courses(summary, letter.items)
    rationale = _Facts(letter, EvidenceSource.rationale, prefix="rationale_facts.")
    for item in letter.items:
        if item.rationale_span is not None:
            _read_rationale(rationale, item, summary)
    requests, request_evidence = _requests(letter, sentences)
    data: dict[str, Any] = summary.data()
    rationale_data = rationale.data()  # before its evidence is read: settling adds evidence
    data.update(
        case_id=_case_id(letter.source),
        letter=letter.source,
        requests=requests,
        evidence={**summary.evidence, **request_evidence, **rationale.evidence},
        rationale_facts=rationale_data or None,
    )
    if letter.summary is not None:
        read_medication_facts(letter, sentences, data, data["evidence"])
    try:
        return Case.model_validate(data)
    except ValidationError as e:  # a reading rule produced a value the case format refuses
        first = e.errors(include_url=False)[0]
        raise LetterError(
            letter.source, f"cannot build a case: {field_path(tuple(first['loc']))}: {describe(first)}"
        ) from None


# A partial approval's authorized part is treatment of the same course: the disputed remainder is
# judged with it counted as earlier sessions (the reviewer judges the original request's balance).
AUTHORIZED_PART = "the part of the disputed request that the claims administrator authorized"
_COURSE_CATEGORIES = {Category.rehabilitation, Category.behavioral_health, Category.programs}


def _authorized_part(f: _Facts, item: Item) -> None:
    if item.authorized_quantity is None or item.category not in _COURSE_CATEGORIES:
        return
    known = len(f.treatments)
    index = f.treatment(item.service, item.heading_span)
    entry = f.treatments[index]
    entry["approved"] = (entry.get("approved") or 0) + item.authorized_quantity
    if len(f.treatments) > known:  # not named in the summary: the authorized sessions are the course
        entry["sessions"] = item.authorized_quantity
        entry["notes"] = AUTHORIZED_PART
    elif entry.get("sessions") is not None:
        entry["sessions"] += item.authorized_quantity
    f.cite(f"treatments[{index}].approved", item.heading_span)


def _judged(letter: Letter, item: Item, date: str | None) -> dict[str, Any]:
    """When the request is judged: the letter's decision date, else (with no date of its own) the
    period of the guideline edition the reviewer cites."""
    if letter.header.decision_date is not None:
        return {"judged_on": letter.header.decision_date.isoformat(),
                "judged_basis": "the letter's Decision Date"}
    if date is None and (period := period_of(item.citations)) is not None:
        return {"judged_on": period.end.isoformat(), "judged_basis": period.words()}
    return {}


def _summary_span(letter: Letter) -> Span:
    assert letter.summary is not None
    opening = _SUMMARY_OPENING.match(letter.summary.text)
    return (letter.summary.start + (opening.end() if opening else 0), letter.summary.end)


def _case_id(source: str) -> str | None:
    if not source or source.startswith("<"):
        return None
    return Path(source).stem or None


# ------------------------------------------------------------------------------ fact collector


@dataclass
class _Facts:
    """Facts read from one part of a letter (only what was stated), with their evidence."""

    letter: Letter
    source: EvidenceSource
    prefix: str = ""
    claimant: dict[str, Any] = field(default_factory=dict)
    diagnoses: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    body_regions: list[str] = field(default_factory=list)
    medications: list[dict[str, Any]] = field(default_factory=list)
    treatments: list[dict[str, Any]] = field(default_factory=list)
    functional_status: dict[str, str] = field(default_factory=dict)
    exam: dict[str, Any] = field(default_factory=dict)
    surgery: list[dict[str, Any]] = field(default_factory=list)
    planned_procedures: list[str] = field(default_factory=list)
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    improvement: dict[str, list[tuple[Improvement, Span]]] = field(default_factory=dict)
    medication_classes: dict[DrugClass, Span] = field(default_factory=dict)
    named_classes: set[DrugClass] = field(default_factory=set)
    regional_findings: list[dict[str, Any]] = field(default_factory=list)

    def cite(self, path: str, span: Span) -> None:
        key = self.prefix + path
        if key not in self.evidence and span[1] > span[0]:
            self.evidence[key] = {"quote": self.letter.quote(span), "source": self.source.value}

    def put(self, group: dict[str, Any], name: str, path: str, value: Any, span: Span) -> None:
        """Set a scalar fact once: the first statement read wins."""
        if name not in group:
            group[name] = value
            self.cite(path, span)

    def add(self, name: str, value: Any, span: Span) -> None:
        """Add to a list fact once, citing its entry."""
        values: list[Any] = getattr(self, name)
        if value not in values:
            values.append(value)
            self.cite(f"{name}[{len(values) - 1}]", span)

    def treatment(self, modality: Modality, span: Span) -> int:
        for i, t in enumerate(self.treatments):
            if t["modality"] == modality.value:
                return i
        self.treatments.append({"modality": modality.value})
        self.cite(f"treatments[{len(self.treatments) - 1}]", span)
        return len(self.treatments) - 1

    def data(self) -> dict[str, Any]:
        self._settle_improvement()
        out: dict[str, Any] = {}
        for name in ("claimant", "diagnoses", "conditions", "body_regions", "medications",
                     "treatments", "functional_status", "exam", "surgery", "planned_procedures",
                     "regional_findings"):
            value = getattr(self, name)
            if value:
                out[name] = value
        return out

    def _settle_improvement(self) -> None:
        for modality, found in self.improvement.items():
            kinds = {kind for kind, _ in found}
            if {Improvement.documented, Improvement.none} <= kinds:
                value = Improvement.unknown  # the letter says both: it does not settle it
            else:
                value = next((k for k in (Improvement.none, Improvement.documented) if k in kinds),
                             Improvement.unknown)
            span = next((s for k, s in found if k == value), found[0][1])
            i = next((i for i, t in enumerate(self.treatments) if t["modality"] == modality), None)
            if i is None:
                continue  # said of a treatment the letter does not show the claimant had
            self.treatments[i]["functional_improvement"] = value.value
            self.cite(f"treatments[{i}].functional_improvement", span)


@dataclass
class _Sentence:
    text: str
    start: int
    # Whether the sentence speaks of a request or its review, or states a guideline: asked by most
    # readers of nearly every sentence, answered once when it is split off (plain attributes: a
    # cached_property takes a lock at every first read).
    request: bool = field(init=False, repr=False, compare=False)
    guideline: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.request = _REQUEST_CUE.search(self.text) is not None
        self.guideline = _GUIDELINE_TALK.search(self.text) is not None

    def span(self, m: re.Match[str] | tuple[int, int], group: int | str = 0) -> Span:
        s, e = m if isinstance(m, tuple) else m.span(group)
        return (self.start + s, self.start + e)

    @property
    def whole(self) -> Span:
        return (self.start, self.start + len(self.text))


_ABBREVIATIONS = {
    "dr", "mr", "mrs", "ms", "vs", "no", "st", "approx", "e.g", "i.e", "etc", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig", "pg", "p", "pp",
}
_BOUNDARY = prefilter.compile(r"[.!?](?=\s+[\"'(\[]?[A-Z0-9])|(?<=[a-z]{2})\.(?=[A-Z][a-z])")
# The reviewer's stock opening of every summary, which would otherwise run into its first sentence.
_SUMMARY_OPENING = prefilter.compile(
    r"^The expert reviewer developed the following clinical case summary[^:]{0,120}:\s*", re.I
)


def _sentences(body: str, span: Span) -> list[_Sentence]:
    start, end = span
    text = body[start:end]
    out: list[_Sentence] = []
    begin = 0
    for m in _BOUNDARY.finditer(text):
        if _last_word(text, begin, m.start()).lower().strip(".") in _ABBREVIATIONS:
            continue
        _add_sentence(out, text, begin, m.end(), start)
        begin = m.end()
    _add_sentence(out, text, begin, len(text), start)
    return out


_WORD_OR_DOT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.")


def _last_word(text: str, begin: int, end: int) -> str:
    """The run of letters and dots that ends ``text[begin:end]`` (``[A-Za-z.]+$``), read backwards
    from the end: a regex search tries every position of the sentence so far, at every boundary."""
    if end > begin and text[end - 1] == "\n":  # "$" also matches before a final newline
        end -= 1
    i = end
    while i > begin and text[i - 1] in _WORD_OR_DOT:
        i -= 1
    return text[i:end]


def _add_sentence(out: list[_Sentence], text: str, begin: int, end: int, offset: int) -> None:
    while begin < end and text[begin] == " ":
        begin += 1
    while end > begin and text[end - 1] == " ":
        end -= 1
    if end > begin:
        out.append(_Sentence(text[begin:end], offset + begin))


def _negated(text: str, pos: int, reach: int = 30) -> bool:
    """Not asserted at ``pos``: negated, uncertain or hypothetical (engine.letters.context), within ``reach``
    characters before it."""
    window = max(0, pos - reach)
    return not context(text[window:], pos - window).asserted


def _clause(sentence: _Sentence, span: tuple[int, int]) -> Span:
    """The comma/semicolon-delimited part of a sentence around a match."""
    text = sentence.text
    left = max(text.rfind(",", 0, span[0]), text.rfind(";", 0, span[0]))
    rights = [i for i in (text.find(",", span[1]), text.find(";", span[1])) if i != -1]
    right = min(rights) if rights else len(text)
    s, e = left + 1, right
    while s < e and text[s] == " ":
        s += 1
    return sentence.span((s, e))


# -------------------------------------------------------------------------------- vocabularies

_REQUEST_CUE = prefilter.compile(
    r"\b(?:request\w*|recommend\w*|sought|seeking|non-?certif\w*|under consideration|authorization"
    r"|RFA|plan|plans|planned|prescrib\w*|would like|denied|denial|utilization review|UR)\b",
    re.I,
)
_HISTORY_CUE = prefilter.compile(
    r"\b(?:treated with|treatments?\b[^.]{0,25}?\b(?:includ\w*|consist\w*|to date)|treatments?\s*:"
    r"|therap(?:y|ies) includ\w*|(?:has|have|had) (?:had|undergone|received|completed|attended|tried"
    r"|been (?:treated|using|receiving|taking|given))|underwent|received|completed|attended"
    r"|status post|s/p|history of|currently (?:using|taking|on)|was using|is using|taking|had"
    r"|were approved|was approved|authorized|completion of)\b",
    re.I,
)
# "Prescribed medications have included ..." says what the patient takes, not what is requested.
_MEDICATION_REQUEST_CUE = prefilter.compile(_REQUEST_CUE.pattern.replace(r"|prescrib\w*", ""), re.I)
_APPROVAL_CUE = prefilter.compile(r"\b(?:were|was|been) (?:approved|authorized|certified)\b", re.I)
_GUIDELINE_TALK = prefilter.compile(
    r"\b(?:means|is defined as|are defined as|recommend\w*|should|according to|criteria"
    r"|guidelines? (?:state|support|indicate|note))\b",
    re.I,
)
_NOT_GIVEN = prefilter.compile(
    r"\b(?:has|have|had) not (?:yet )?(?:undergone|had|received|tried|completed|attended)\s+"
    r"(?:an?\s+|any\s+)?(?:(?:prior|previous|initial)\s+)?$|\bno (?:prior |previous )$",
    re.I,
)
_IMPLIES_PRIOR = prefilter.compile(
    rf"\b(?:another|additional|further|more|continued|repeat|previous|prior|earlier)\s+"
    rf"(?:{NUMBER}\s+)?(?:(?:sessions?|visits?|treatments?)\s+of\s+)?$",
    re.I,
)
_UNKNOWN_COUNT = prefilter.compile(
    r"\b(?:(?:unspecified|unknown|undetermined|unclear)\s+(?:amounts?|number|quantity)\s+of"
    r"|(?:multiple|several|numerous|some|many|various)\s+(?:sessions?|visits?|treatments?|courses?"
    r"|rounds?)\s+of|unclear how many|unknown how many|(?:previous|prior|earlier)\s+unspecified\s+"
    r"amounts?\s+of)\s+(?:\w+\s+){0,2}?$",
    re.I,
)
_UNKNOWN_COUNT_AFTER = prefilter.compile(r"^\s*(?:\w+\s+)?in unspecified amounts?\b", re.I)
_COUNT_BEFORE = prefilter.compile(
    rf"(?<![\w/])#?(?P<n>{NUMBER})(?:\s*\(\d{{1,3}}\))?\s+(?:(?:prior|previous|completed|additional|initial|total|more)\s+)?"
    r"(?:(?:sessions?|visits?|treatments?)\s+(?:of\s+)?(?:\w+\s+)?|(?:[\w-]+/)*)$",
    re.I,
)
# "6 PT (physical therapy) sessions": a parenthesis that spells the treatment out may stand between.
_COUNT_NOUN_AFTER = prefilter.compile(r"^(?:/[\w-]+)*(?:\s*\([^()]{1,40}\))?\s+(?:sessions?|visits?|treatments?)\b", re.I)
_COUNT_AFTER = prefilter.compile(
    rf"^(?:/[\w-]+)*(?:\s+(?:sessions?|visits?|treatments?))?\s*(?:x|×|times)\s*(?P<n>{NUMBER})\b", re.I
)

_OTHER_MODALITY_TERMS: list[tuple[OtherModality, str]] = [
    (OtherModality.medication,
     r"medications?|analgesics?|opioid therapy|opioids?|muscle relaxants?|NSAIDs?|anti-inflammator\w*"
     r"|compounded topicals?|topical (?:creams?|compounds?|analgesics?)|pain pills?|narcotics?"),
    (OtherModality.injection,
     r"injections?|cortisone shots?|nerve blocks?|facet (?:blocks?|injections?)"),
    (OtherModality.surgery,
     r"surger(?:y|ies)|surgical (?:intervention|treatment)|decompression|fusion|laminectomy"
     r"|discectomy|microdiscectomy|men[i]?s[c]?ectomy|arthroscop\w*|arthroplasty"),
    (OtherModality.bracing, r"brac(?:e|es|ing)|boot|splint(?:s|ing)?|orthotics?|orthosis|lumbar support"),
    (OtherModality.self_care, r"self[- ]care"),
    (OtherModality.home_exercise, r"home exercises?(?: program)?|home stretching"),
    (OtherModality.work_modification, r"work modifications?|modified (?:duty|work)|work restrictions"),
]
_OTHER_RES = [(m, prefilter.compile(rf"\b(?:{p})\b", re.I)) for m, p in _OTHER_MODALITY_TERMS]
_OTHER_GROUP = prefilter.Group(regex for _, regex in _OTHER_RES)
_NOT_TREATMENTS = {Service.mri_lumbar, Service.mri_cervical, Service.other}


def _modality_mentions(text: str) -> tuple[tuple[Modality, tuple[int, int]], ...]:
    return _modality_mentions_in(text)


@lru_cache(maxsize=1024)
def _modality_mentions_in(text: str) -> tuple[tuple[Modality, tuple[int, int]], ...]:
    # The treatment readers ask about the same sentence in turn: it is read once.
    hits: list[tuple[Modality, Span]] = list(find_services(text))
    hits += [(_OTHER_RES[i][0], m.span()) for i, m in _OTHER_GROUP.finditer(text)]
    return tuple(without_overlaps(hits))



_CONDITION_TERMS: list[tuple[Condition, str]] = [
    (Condition.chronic_pain, r"chronic pain(?: syndrome)?|chronic\b[^.;]{0,40}?\bpain"),
    (Condition.radiculopathy, r"radiculopath\w*|radicular (?:pain|symptoms)|radiculitis|sciatica"),
    (Condition.myalgia, r"myalgia|fibromyalgia"),
    (Condition.myositis, r"myositis"),
    (Condition.neuralgia, r"neuralgia"),
    (Condition.neuritis, r"neuritis"),
    (Condition.crps, r"complex regional pain syndrome|CRPS|reflex sympathetic dystrophy|RSD"),
    (Condition.myofascial_pain, r"myofascial(?: pain(?: syndrome)?)?"),
    (Condition.neuropathic_pain, r"neuropathic pain|neuropathy"),
    (Condition.phantom_limb_pain, r"phantom limb(?: pain)?"),
    (Condition.spasticity, r"spasticity"),
    (Condition.multiple_sclerosis, r"multiple sclerosis"),
    (Condition.sprain_strain, r"sprains?|strains?|sprain/strain|strain/sprain"),
    (Condition.herniated_disc, r"herniat\w*|HNP|dis[ck] (?:protrusion|extrusion|bulge)|bulging dis[ck]"),
    (Condition.bursitis, r"bursitis"),
    (Condition.carpal_tunnel_syndrome, r"carpal tunnel(?: syndrome)?"),
    (Condition.depression, r"depression|depressive|depressed mood"),
    (Condition.anxiety, r"anxiety"),
    (Condition.extreme_obesity, r"morbid(?:ly)? obes\w*|extreme obesity"),
    (Condition.de_quervain_tenosynovitis, r"de ?quervain'?s?(?: (?:disease|tenosynovitis|tendinitis|tendonitis|syndrome))?"),
]
_CONDITION_RES = [(c, prefilter.compile(rf"\b(?:{p})\b", re.I)) for c, p in _CONDITION_TERMS]
_CONDITION_GROUP = prefilter.Group(regex for _, regex in _CONDITION_RES)

_RED_FLAG_TERMS: list[tuple[RedFlag, str]] = [
    (RedFlag.cauda_equina, r"cauda equina"),
    (RedFlag.fracture, r"fractures?"),
    (RedFlag.tumor, r"tumou?rs?|malignan\w*|cancer|neoplasm\w*"),
    (RedFlag.infection, r"infections?|osteomyelitis|abscess\w*"),
    (RedFlag.progressive_deficit, r"progressive (?:neurolog\w* )?(?:deficits?|weakness)"),
]
_RED_FLAG_RES = [(f, prefilter.compile(rf"\b(?:{p})\b", re.I)) for f, p in _RED_FLAG_TERMS]
_RED_FLAG_GROUP = prefilter.Group(regex for _, regex in _RED_FLAG_RES)
_NO_RED_FLAGS = prefilter.compile(r"\bno (?:other )?red flags?\b", re.I)

# The neurologic examination, read as findings. Each finding names what it shows when asserted;
# engine.letters.context says whether it is: a negated sign or symptom ("no numbness", "denies weakness")
# is evidence of an intact examination, an uncertain or hypothetical one is no evidence.
_STRENGTH_LOW = r"(?:[0-4](?:\+|-)?|4\+?)\s*(?:/|(?:out\s+)?of)\s*5"
_NEURO_FINDINGS: list[tuple[str, re.Pattern[str]]] = [
    ("nerve_compromise", prefilter.compile(
        r"\bpositive\s+(?:bilateral\s+|left\s+|right\s+)?(?:SLR|straight[- ]leg[- ]rais\w*)(?:\s+tests?)?"
        r"|\b(?:SLR|straight[- ]leg[- ]rais\w*)(?:\s+tests?)?\s+(?:was\s+|is\s+|were\s+)?positive"
        r"|\b(?:decreased|diminished|reduced|absent|abnormal|impaired|loss\s+of|altered|depressed)\s+"
        r"(?:light[- ]touch\s+|pinprick\s+)?(?:sensation|sensory|reflexes?|strength|motor|dermatom\w*)"
        r"|\b(?:sensation|sensory\s+exam\w*|reflexes?|strength)\s+(?:is\s+|was\s+|were\s+)?"
        r"(?:noted\s+(?:to\s+be\s+)?)?(?:decreased|diminished|reduced|absent|abnormal|impaired)"
        r"|\b(?:strength|motor\s+(?:strength|power)|muscle\s+strength)\b[^.;]{0,40}?" + _STRENGTH_LOW +
        r"|" + _STRENGTH_LOW + r"\s+(?:strength|motor|weakness)"
        r"|\bdermatomal\s+(?:numbness|sensory\s+loss|deficits?|distribution|pattern)"
        r"|\b(?:motor|sensory|neurolog\w*|focal)\s+deficits?\b|\bfoot\s+drop\b|\batrophy\b"
        r"|\b(?:moderate|marked|significant|severe)\s+weakness\b"
        r"|\bEMG\b[^.;]{0,40}\b(?:radiculopathy|positive|abnormal)\b", re.I)),
    ("equivocal", prefilter.compile(
        r"\bequivocal\s+(?:SLR|neurolog\w*|findings|exam\w*)|\bnumbness\b|\btingling\b"
        r"|\bparesthesi\w*|\bpins\s+and\s+needles\b|\bradiat\w+\b|\bradicular\s+(?:pain|symptoms)"
        r"|\bpositive\s+(?:Tinel|Phalen|Spurling|Durkan|Hoffman)\w*|\b(?:Tinel|Phalen|Spurling)'?s?\s+"
        r"(?:sign\s+|test\s+)?(?:was\s+|is\s+)?positive|\bweakness\b|\bshooting\s+pain"
        # Provocative compression of the neck or a nerve: a sign, not a deficit.
        r"|\bpositive\s+(?:\w+\s+)?(?:cervical|foraminal|axial|nerve)\s+compression"
        r"|\b(?:cervical|foraminal|axial)\s+compression\s+(?:tests?\s+|maneuvers?\s+)?(?:was\s+|is\s+)?"
        r"(?:positive|caused|produced|reproduced|elicited|provoked)", re.I)),
    ("intact", prefilter.compile(
        r"\bnegative\s+(?:bilateral\s+)?(?:SLR|straight[- ]leg[- ]rais\w*)(?:\s+tests?)?"
        r"|\b(?:SLR|straight[- ]leg[- ]rais\w*)(?:\s+tests?)?\s+(?:was\s+|is\s+|were\s+)?negative"
        r"|\b(?:neurologically|neurovascularly)\s+intact\b"
        r"|\bintact\s+(?:to\s+)?(?:neurolog\w*|sensation|sensory|strength|reflexes|light\s+touch)"
        r"|\bneurolog\w*\s+exam\w*\s+(?:was\s+|is\s+|were\s+)?(?:normal|intact|unremarkable|within\s+normal\s+limits|grossly\s+intact)"
        r"|\bnormal\s+(?:neurolog\w*|sensory|sensation|motor|strength|reflex\w*)\s*(?:exam\w*)?"
        r"|\b(?:sensation|sensory\s+exam\w*|strength|reflexes|motor\s+exam\w*)\s+(?:is\s+|was\s+|were\s+)?"
        r"(?:grossly\s+)?(?:intact|normal|symmetric\w*|equal)"
        r"|\b(?:strength|motor\s+(?:strength|power)|muscle\s+strength)\b[^.;]{0,40}?5\s*(?:/|(?:out\s+)?of)\s*5"
        r"|\b5\s*(?:/|(?:out\s+)?of)\s*5\s+(?:\w+\s+){0,2}strength"
        r"|\b(?:sensation|sensory)\s+(?:\w+\s+){1,3}intact"
        r"|\bno\s+abnormal\s+(?:objective\s+|neurolog\w*\s+|physical\s+)?(?:exam\w*\s+)?findings"
        r"|\bnegative\s+(?:Tinel|Phalen|Spurling|Durkan|Hoffman)\w*"
        r"|\b(?:Tinel|Phalen|Spurling)'?s?\s+(?:sign\s+|test\s+)?(?:was\s+|is\s+|were\s+)?negative", re.I)),
]

# A deficit in no nerve's pattern is not nerve compromise (the labels' and MTUS's sense: a dermatomal
# or single-nerve deficit): grip strength (a measure of effort and pain as much as of a nerve), and a
# deficit "in the upper extremities" or "generalized", with no root, dermatome or nerve named.
_GRIP = prefilter.compile(r"\bgrip\b[^.;,]{0,25}$", re.I)
_DIFFUSE_BEFORE = prefilter.compile(r"\b(?:generali[sz]ed|diffuse|global|non-?dermatomal|non-?focal)\s+(?:\w+\s+)?$", re.I)
_DIFFUSE_AFTER = prefilter.compile(
    r"^[^.;]{0,40}?\b(?:in|of|at|about|throughout)\s+(?:the\s+|all\s+|both\s+)?(?:bilateral\s+)?"
    r"(?:upper|lower)?\s*extremities\b(?!\s+(?:in|at)\s+(?:the\s+)?[CLS]\d)", re.I)
_NERVE_NAMED = prefilter.compile(r"\b(?:[CLS]\d(?:\s*-\s*[CLS]?\d)?|dermatom\w*|nerve\s+roots?|radicular|median|ulnar"
                          r"|radial\s+nerve|peroneal|sciatic|myotom\w*)\b", re.I)


def _deficit_pattern(text: str, start: int, end: int) -> str:
    """"nerve_compromise" for a deficit that may follow a nerve, "equivocal" for one that cannot."""
    if _GRIP.search(text[max(0, start - 30):start]) or re.search(r"\bgrip\b", text[start:end], re.I):
        return "equivocal"
    if _DIFFUSE_BEFORE.search(text[max(0, start - 30):start]) or _DIFFUSE_AFTER.match(text[end:]):
        if not _NERVE_NAMED.search(text):
            return "equivocal"
    return "nerve_compromise"


# Work status, as summaries state it: "temporary total disability", "off work", "working with
# modified duties", "return to work with restrictions", "Current work status: restricted", "full
# duty". Each statement is read through engine.letters.context ("needs to be taken off work" is no status).
_OFF_WORK = prefilter.compile(
    r"\b(?:not\s+(?:currently\s+|presently\s+)?working|off\s+(?:of\s+)?work|(?:temporar(?:y|ily)\s+)?"
    r"total(?:ly)?\s+(?:temporar(?:y|ily)\s+)?disab\w+|\bTTD\b|has\s+not\s+returned\s+to\s+work"
    r"|not\s+returned\s+to\s+work|unable\s+to\s+work|inability\s+to\s+work|is\s+unemployed|no\s+longer\s+working"
    r"|remains?\s+off|placed\s+off\s+work|off\s+duty)\b",
    re.I,
)
_FULL_DUTY = prefilter.compile(
    r"\b(?:(?:working|returned\s+to|back\s+to|return\s+to)\s+(?:full|regular|usual)\s+(?:duty|duties|work)"
    r"|full\s+(?:duty|duties)|regular\s+(?:duty|duties)|without\s+(?:work\s+)?restrictions"
    r"|working\s+full[- ]time\s+without)\b",
    re.I,
)
_MODIFIED_DUTY = prefilter.compile(
    r"\b(?:(?:modified|light|restricted|limited|transitional|alternat\w+)\s+(?:work\s+)?(?:duty|duties|work)"
    r"|modified\s+activit(?:y|ies)"
    r"|(?:working|work|return(?:ed)?\s+to\s+work|back\s+to\s+work)\s+(?:\w+\s+){0,2}with\s+"
    r"(?:\w+\s+)?(?:restrictions|limitations|modifications?|modified\s+duties)"
    r"|work\s+status\s*:?\s*(?:\w+\s+){0,6}?(?:restricted|modified|light)"
    r"|working\s+(?:on\s+a\s+)?part[- ]time)\b",
    re.I,
)
_WORK_STATUS_SAID = prefilter.compile(r"\bwork\s+status\b|\bcurrently\s+working\b", re.I)
# "able to return to work with restrictions" is what the claimant could do, not (necessarily) what he does.
_CAPABLE = prefilter.compile(r"\b(?:able|may|can|could|might)\s+(?:to\s+)?$", re.I)
# "full duty prior to the visit": a status the claimant had before.
_EARLIER = prefilter.compile(r"^\s*(?:prior\s+to|before|until)\b", re.I)
_CURRENT = prefilter.compile(r"\b(?:current(?:ly)?|presently|now|remains?|continues?|continued)\b", re.I)
_PERMANENT = prefilter.compile(r"\bpermanent (?:work )?restrictions\b", re.I)

_AGE = prefilter.compile(
    r"\b(?P<a>\d{1,3})[- ]?(?:years?|yrs?)[- ]old\b|\b(?P<b>\d{1,3})\s*(?:y/o|yo)\b"
    r"|\baged?\s*:?\s*(?P<c>\d{1,3})\b",
    re.I,
)
_SEX_WORDS = prefilter.compile(r"\b(?:(?P<f>female|woman|lady)|(?P<m>male|man|gentleman))\b", re.I)
_AGE_SEX = prefilter.compile(
    r"\b\d{1,3}[- ]?(?:years?|yrs?)[- ]old\s+(?:\w+\s+){0,2}?(?:(?P<f>female|woman|lady)|(?P<m>male|man|gentleman))\b",
    re.I,
)
_INJURY_DATE = prefilter.compile(
    rf"\binjur(?:y|ed|ies)\b(?:(?!\binjur)[^.]){{0,60}}?\b(?:on|of|dated)\s+(?P<date>{DATE_PATTERN})"
    rf"|\b(?:date of injury|DOI)\s*:?\s*(?:of\s+)?(?P<date2>{DATE_PATTERN})",
    re.I,
)
_DIAGNOSES = prefilter.compile(
    r"\b(?:diagnos(?:is|es)|impressions?|assessments?)\b\s*(?:(?:include[sd]?|included|are|is|was|were"
    r"|consist(?:s|ed)? of)\b|:)\s*:?\s*(?P<list>[^.]+)|\bdiagnosed with\s+(?P<list2>[^.;]+)",
    re.I,
)
_PROCEDURE = (
    r"(?:decompression|fusion|laminectomy|laminotomy|hemilaminectomy|discectomy|microdiscectomy"
    r"|foraminotomy|men[i]?s[c]?ectomy|arthroscop\w*|arthroplasty|replacement|repair|release"
    r"|reconstruction|ORIF|surgery)"
)
_SURGERY = prefilter.compile(
    rf"\b(?:underwent|had|status post|s/p|history of)\s+(?:an?\s+|the\s+)?"
    rf"(?P<proc>(?:[\w/-]+\s+){{0,5}}?{_PROCEDURE})\b(?:\s+(?:on|in|dated)\s+(?P<date>{DATE_PATTERN}))?",
    re.I,
)
_PLANNED = prefilter.compile(
    rf"\b(?:scheduled for|candidate for|considering|being considered for|is to undergo|will undergo"
    rf"|awaiting|pending|planned)\s+(?:an?\s+|the\s+)?(?P<proc>(?:[\w/-]+\s+){{0,5}}?{_PROCEDURE})\b"
    rf"|\b(?P<proc2>(?:[\w/-]+\s+){{0,4}}?(?:surgery|fusion|decompression)) (?:is|was) "
    rf"(?:planned|scheduled|being considered)\b",
    re.I,
)
_UR_CUE = prefilter.compile(
    r"\b(?:utilization review|UR|non-?certif\w*|denied|not approve\w*|failed to approve|modified)\b", re.I
)
_UR_DATE_BEFORE = prefilter.compile(r"\b(?:on|dated|of)\s+$", re.I)


# ------------------------------------------------------------------------------- the summary


_THERAPY_WORD = prefilter.compile(r"\btherap(?:y|ies|ist)\b", re.I)


def _read_clinical(f: _Facts, sentences: list[_Sentence]) -> None:
    therapy = next((i.service for i in f.letter.items if i.category is Category.rehabilitation), None)
    _claimant(f, sentences)
    _work(f, sentences)
    for s in sentences:
        _diagnoses(f, s)
        _conditions_and_regions(f, s)
        _surgery_and_plans(f, s)
        if not _MEDICATION_REQUEST_CUE.search(s.text):
            _medications(f, s)
        _treatments(f, s)
        if not s.request:
            # "The therapy report noted increased ability to use the arm": a therapy the sentence
            # does not name is the one disputed, when that is a therapy.
            _improvement(f, s, therapy if therapy and _THERAPY_WORD.search(s.text) else None)
        if not s.guideline:
            _functional_status(f, s)
    _medication_classes(f)
    _exam(f, sentences)
    read_regional_findings(f, sentences)


def _read_cover(f: _Facts, span: Span) -> None:
    text = f.letter.body[span[0]:span[1]]
    m = re.search(rf"Date of Injury\s*:\s*(?P<date>{DATE_PATTERN})", text, re.I)
    if m and (d := parse_date(m.group("date"))):
        f.put(f.claimant, "date_of_injury", "claimant.date_of_injury", d.isoformat(),
              (span[0] + m.start(), span[0] + m.end()))


def _claimant(f: _Facts, sentences: list[_Sentence]) -> None:
    for s in sentences:
        for m in _AGE.finditer(s.text):
            age = int(next(g for g in m.groups() if g))
            if 1 <= age <= 120:
                f.put(f.claimant, "age", "claimant.age", age, s.span(m))
        for m in _INJURY_DATE.finditer(s.text):
            d = parse_date(m.group("date") or m.group("date2"))
            if d:
                f.put(f.claimant, "date_of_injury", "claimant.date_of_injury", d.isoformat(), s.span(m))
    for s in sentences:
        m = _AGE_SEX.search(s.text)
        if m:
            f.put(f.claimant, "sex", "claimant.sex", (Sex.female if m.group("f") else Sex.male).value,
                  s.span(m))
            return
    words = [(s, m) for s in sentences for m in _SEX_WORDS.finditer(s.text)]
    sexes = {Sex.female if m.group("f") else Sex.male for _, m in words}
    if len(sexes) == 1:
        s, m = words[0]
        f.put(f.claimant, "sex", "claimant.sex", sexes.pop().value, _clause(s, m.span()))


def _work(f: _Facts, sentences: list[_Sentence]) -> None:
    found: list[tuple[WorkStatus, Span]] = []
    weaker: list[tuple[WorkStatus, Span]] = []
    for s in sentences:
        for status, regex in ((WorkStatus.off_work, _OFF_WORK), (WorkStatus.full_duty, _FULL_DUTY),
                              (WorkStatus.modified_duty, _MODIFIED_DUTY)):
            for m in regex.finditer(s.text):
                ctx = context(s.text, m.start(), m.end())
                if not ctx.asserted or s.guideline or (
                        s.request and not _WORK_STATUS_SAID.search(s.text)):
                    continue
                if _CAPABLE.search(s.text[max(0, m.start() - 12):m.start()]) or _EARLIER.match(s.text[m.end():]):
                    weaker.append((status, s.whole))
                    continue
                found.append((status, s.whole))
        m = _PERMANENT.search(s.text)
        if m and not s.guideline:
            f.put(f.claimant, "permanent_restrictions", "claimant.permanent_restrictions",
                  not _negated(s.text, m.start(), 12), s.whole)
    # A status the claimant had before, or is able to take up, counts only when no other is given.
    found = found or weaker
    statuses = {status for status, _ in found}
    if len(statuses) == 1:  # statements that disagree settle nothing...
        f.put(f.claimant, "work_status", "claimant.work_status", found[0][0].value, found[0][1])
    elif found and _CURRENT.search(f.letter.body[found[-1][1][0]:found[-1][1][1]]):
        # ...unless the last of them says it is the current status.
        f.put(f.claimant, "work_status", "claimant.work_status", found[-1][0].value, found[-1][1])


def _diagnoses(f: _Facts, s: _Sentence) -> None:
    for m in _DIAGNOSES.finditer(s.text):
        group = "list" if m.group("list") else "list2"
        listed = m.group(group)
        base = m.start(group)
        for piece_start, piece_end in _split_diagnoses(listed):
            text = listed[piece_start:piece_end]
            if text.lower() not in {d["text"].lower() for d in f.diagnoses}:
                f.diagnoses.append({"text": text})
                f.cite(f"diagnoses[{len(f.diagnoses) - 1}]", s.span((base + piece_start, base + piece_end)))


def _split_diagnoses(listed: str) -> list[tuple[int, int]]:
    """Spans of the diagnoses in a list: by ';', else by ',', else by ' and ' between phrases."""
    sep = r";" if ";" in listed else (r"," if "," in listed else None)
    if sep:
        bounds = [m.span() for m in re.finditer(sep, listed)]
    else:
        bounds = [m.span() for m in re.finditer(r"\s+and\s+", listed)
                  if len(listed[m.end():].split()) >= 2]
    out: list[tuple[int, int]] = []
    start = 0
    for b_start, b_end in bounds + [(len(listed), len(listed))]:
        piece = listed[start:b_start]
        lead = re.match(r"\s*(?:and\s+)?", piece)
        s = start + (lead.end() if lead else 0)
        e = b_start
        while e > s and listed[e - 1] in " .:":
            e -= 1
        if e > s:
            out.append((s, e))
        start = b_end
    return out


def _conditions_and_regions(f: _Facts, s: _Sentence) -> None:
    for i in _CONDITION_GROUP.admitted(s.text):
        condition, regex = _CONDITION_RES[i]
        for m in regex.regex.finditer(s.text):
            if not _negated(s.text, m.start()):
                f.add("conditions", condition.value, _clause(s, m.span()))
                break
    if s.request:
        return  # the regions of a request are not, by that alone, the claimant's complaints
    for region, span in sorted(region_mentions(s.text), key=lambda r: r[1]):
        if region is not BodyRegion.other:
            f.add("body_regions", region.value, _clause(s, span))


def _medications(f: _Facts, s: _Sentence) -> None:
    """Medications named in the sentence (engine/data/medications.yaml), as written, with their class."""
    for drug, (start, end) in find_drugs(s.text):
        if _negated(s.text, start, 20):
            continue
        if drug.class_only:
            f.medication_classes.setdefault(drug.drug_class, s.span((start, end)))
            continue
        name = s.text[start:end]
        if any(e["name"].lower() == name.lower() for e in f.medications):
            continue
        # A benzodiazepine may be given as a muscle relaxant: whether it is here is not known.
        relaxant = None if drug.drug_class is DrugClass.benzodiazepine else drug.drug_class is DrugClass.muscle_relaxant
        f.medications.append({"name": name, "opioid": drug.drug_class is DrugClass.opioid,
                              "muscle_relaxant": relaxant})
        f.cite(f"medications[{len(f.medications) - 1}]", _clause(s, (start, end)))
        f.named_classes.add(drug.drug_class)


def _medication_classes(f: _Facts) -> None:
    """A class named without a drug ("anti-inflammatory medications") is a medication of record
    when no drug of that class is named anywhere in the text read."""
    for drug_class, span in f.medication_classes.items():
        if drug_class in f.named_classes:
            continue
        f.medications.append({"name": drug_class.value.replace("_", " "),
                              "opioid": drug_class is DrugClass.opioid,
                              "muscle_relaxant": drug_class is DrugClass.muscle_relaxant})
        f.cite(f"medications[{len(f.medications) - 1}]", span)


def _treatments(f: _Facts, s: _Sentence) -> None:
    text = s.text
    is_request = s.request
    is_history = _HISTORY_CUE.search(text) is not None
    for modality, (ms, me) in _modality_mentions(text):
        if modality in _NOT_TREATMENTS:
            continue
        before, after = text[max(0, ms - 60):ms], text[me:me + 60]
        not_given = _NOT_GIVEN.search(before)
        unknown = _UNKNOWN_COUNT.search(before) or _UNKNOWN_COUNT_AFTER.search(after)
        implied = _IMPLIES_PRIOR.search(before)
        if not (not_given or unknown or implied or (is_history and not is_request)):
            continue
        i = f.treatment(modality, s.whole)
        entry, path = f.treatments[i], f"treatments[{i}]"
        if not_given:
            _set_once(f, entry, "sessions", 0, f"{path}.sessions", s.whole)
        elif unknown:
            _set_once(f, entry, "sessions", None, f"{path}.sessions", s.whole)
        elif implied and (is_request or not is_history):
            _set_once(f, entry, "sessions", None, f"{path}.sessions", s.whole)
        else:
            _count(f, entry, path, s, before, after, text[ms:me])
            _relief(f, entry, path, s)


def _set_once(f: _Facts, entry: dict[str, Any], name: str, value: Any, path: str, span: Span) -> None:
    if name not in entry:
        entry[name] = value
        f.cite(path, span)


def _count(
    f: _Facts, entry: dict[str, Any], path: str, s: _Sentence, before: str, after: str, mention: str
) -> None:
    """Sessions (or approvals) counted next to a treatment: "12 sessions of PT", "6 PT visits"."""
    m = _COUNT_BEFORE.search(before)
    n = None
    if m:
        noun_before = re.search(r"(?:sessions?|visits?|treatments?)\s+(?:of\s+)?(?:\w+\s+)?$", m.group(0), re.I)
        noun_in = re.search(r"\b(?:sessions?|visits?|treatments?)$", mention, re.I)
        if noun_before or noun_in or _COUNT_NOUN_AFTER.match(after):
            n = number_value(m.group("n"))
    if n is None:
        a = _COUNT_AFTER.match(after)
        if a:
            n = number_value(a.group("n"))
    if n is None or n > 999:
        return
    name = "approved" if _APPROVAL_CUE.search(s.text) and not re.search(
        r"\b(?:completed|attended|had|received|underwent)\b", s.text, re.I) else "sessions"
    if name in entry:
        return
    _set_once(f, entry, name, n, f"{path}.{name}", s.whole)
    compound = re.search(r"[\w-]+(?:/[\w-]+)+", (before[-30:] + mention + after[:30]).strip())
    if compound and (before.endswith("/") or after.startswith("/")):
        # "Six acupuncture/massage visits": one count for the two together, not six of each.
        entry.setdefault("notes", f"{name} count given for combined {compound.group(0)} visits")


_RELIEF_WEEKS = prefilter.compile(rf"(?<![\w/])(?P<n>{NUMBER})\s+(?:wks?|weeks?)\s+of\s+(?:\w+\s+)?relief\b", re.I)
_RELIEF_PERCENT = prefilter.compile(r"(?<![\d.])(?P<p>\d{1,3})\s*(?:%|percent)\s+(?:\w+\s+)?(?:pain\s+)?relief\b", re.I)


def _relief(f: _Facts, entry: dict[str, Any], path: str, s: _Sentence) -> None:
    """Pain relief after a treatment the sentence names: "4 weeks of relief", "50% relief"."""
    if len([m for m, _ in _modality_mentions(s.text) if m not in _NOT_TREATMENTS]) != 1:
        return  # with two treatments in the sentence the relief could belong to either
    if (m := _RELIEF_WEEKS.search(s.text)) and (n := number_value(m.group("n"))) is not None and n <= 520:
        _set_once(f, entry, "relief_weeks", n, f"{path}.relief_weeks", s.span(m))
    if (m := _RELIEF_PERCENT.search(s.text)) and int(m.group("p")) <= 100:
        _set_once(f, entry, "relief_percent", int(m.group("p")), f"{path}.relief_percent", s.span(m))


_IMPROVEMENT_NONE = prefilter.compile(
    r"\b(?:lack of|no|without|absence of)\s+(?:any\s+)?(?:objective\s+|significant\s+|sustained\s+)?"
    r"(?:functional\s+)?(?:improvement|benefit|gains?)\b|\bdid not (?:improve|help|benefit)\b"
    r"|\bfailed to (?:improve|help|benefit)\b|\bnot (?:helpful|beneficial)\b"
    r"|\bno\s+(?:change|improvement|gains?)\s+in\s+(?:(?:his|her|the|their)\s+)?(?:\w+\s+)?(?:function\w*|flexibility"
    r"|mobility|ADLs?|activities|strength|range\s+of\s+motion|walking)\b",
    re.I,
)
_IMPROVEMENT_UNKNOWN = prefilter.compile(
    r"\b(?:failed to document|not (?:\w+ )?(?:demonstrated|documented)|no (?:such )?(?:demonstration|"
    r"documentation|evidence) of|no documented|unclear|unknown|not clear)\b[^.]{0,60}?"
    r"\b(?:functional|improvement|benefit)",
    re.I,
)
# Taking less medication: "cut back his pain medications", "reduced her use of Norco".
_LESS_MEDICATION = (
    r"\b(?:cut\s+(?:back|down)|reduc\w+|decreas\w+|lower\w*|taper\w*|wean\w*)\s+(?:on\s+|off\s+)?"
    r"(?:(?:his|her|the|their)\s+)?(?:use\s+of\s+|need\s+for\s+|intake\s+of\s+|dose\s+of\s+)?(?:\w+\s+)?"
)
_LESS_MEDICATION_RE = prefilter.compile(_LESS_MEDICATION + r"$", re.I)
_IMPROVEMENT_DOCUMENTED = prefilter.compile(
    r"\b(?:with|showed|shows|demonstrated|reported|noted|has had|had|resulted in|documented)\s+"
    r"(?:significant\s+|some\s+|objective\s+|good\s+)?(?:functional (?:improvement|gains?|benefit)|improvement in "
    r"(?:function|ADLs?|activities of daily living)|improved function)"
    # What the treatment helped with, when that is a function: "therapy helped with flexibility",
    # "was helpful with pain and the buckling", "beneficial for her walking".
    r"|\b(?:helped|helps|helping|helpful|beneficial|benefit\w*|improvement|improved)\s+(?:\w+\s+)?"
    r"(?:with|in|for)\s+(?:(?:his|her|the|their|pain|and|some|of|intermittent)\s+){0,4}(?:\w+\s+)?"
    r"(?:flexibility|function\w*|mobility|motion|range\s+of\s+motion|ROM|ADLs?|activities|walking"
    r"|sitting|standing|lifting|gait|balance|buckling|giving\s+way|strength|endurance|work)\b"
    # A gain in function said in its own words: "increased ability to use the arm", "improved range
    # of motion", "able to return to work", "less buckling", "walking farther".
    r"|\b(?:increased|improved|improving|better|greater)\s+(?:ability|function\w*|range\s+of\s+motion|ROM"
    r"|mobility|strength|endurance|tolerance|walking|sitting|standing|use\s+of|flexibility|ADLs?"
    r"|activities\s+of\s+daily\s+living|activity\s+(?:level|tolerance)|gait|balance)\b"
    r"|\b(?:now\s+)?able\s+to\s+(?:return\s+to|resume|perform|walk|drive|lift|sleep|work)\b"
    r"|\b(?:less|decreased|reduced|fewer)\s+(?:episodes\s+of\s+)?(?:\w+\s+)?(?:buckling|limping|guarding|giving\s+way)\b"
    # The other two gains 9792.20(f) names: fewer work restrictions, less medication.
    r"|\b(?:reduc\w+|decreas\w+|lessen\w*|fewer|lifted)\s+(?:in\s+)?(?:(?:his|her|the|their)\s+)?work\s+restrictions\b"
    r"|\bwork\s+restrictions\s+(?:were|have\s+been|had\s+been|was)\s+(?:reduced|lessened|lifted|decreased|eased)\b"
    r"|\breturned\s+to\s+(?:full|regular|usual|modified)\s+(?:duty|work)\b"
    r"|" + _LESS_MEDICATION + r"(?:pain\s+)?(?:medications?|opioids?|narcotics?|analgesics?|pain\s+pills)\b",
    re.I,
)


def _improvement(f: _Facts, s: _Sentence, item_service: Service | None) -> None:
    """Record what a sentence says about functional improvement from a treatment it names (or, when
    it names none, from ``item_service``)."""
    if s.guideline:
        return
    kind, span = None, None
    if m := _IMPROVEMENT_NONE.search(s.text):
        kind, span = Improvement.none, m.span()
    elif m := _IMPROVEMENT_UNKNOWN.search(s.text):
        kind, span = Improvement.unknown, m.span()
    elif (m := _IMPROVEMENT_DOCUMENTED.search(s.text)) and not _negated(s.text, m.start()):
        kind, span = Improvement.documented, m.span()
    elif (less := _less_drug(s.text)) and not _negated(s.text, less[0]):
        kind, span = Improvement.documented, less
    if kind is None or span is None:
        return
    named = {m.value for m, _ in _modality_mentions(s.text) if m not in _NOT_TREATMENTS}
    if kind is Improvement.documented and len(named) > 1 and re.match(_LESS_MEDICATION, s.text[span[0]:], re.I):
        # Less medication after a treatment is that treatment's gain, not the medication's.
        named.discard(OtherModality.medication.value)
    if not named and item_service is not None and item_service not in _NOT_TREATMENTS:
        named = {item_service.value}
    # Kept whether or not the treatment is yet of record: a summary may say what a therapy did before
    # it lists the treatments had (only those had are settled, in _Facts.data).
    for modality in sorted(named):  # a set: sorted, so that evidence comes out in the same order in every process
        f.improvement.setdefault(modality, []).append((kind, s.whole))


def _less_drug(text: str) -> Span | None:
    """Where the sentence says a named drug was taken less ("cut back his Norco")."""
    for drug, (start, end) in find_drugs(text):
        window = max(0, start - 60)
        if not drug.class_only and (m := _LESS_MEDICATION_RE.search(text[window:start])):
            return (window + m.start(), end)
    return None


_FS_PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    ("adl", "improved", prefilter.compile(
        r"\b(?:improve[ds]?|improvement|increased?|better)\b[^.;]{0,40}\b(?:activities of daily living"
        r"|ADLs?|daily activities)\b|\b(?:activities of daily living|ADLs?)\b[^.;]{0,30}\b(?:improved"
        r"|increased|better)\b", re.I)),
    ("adl", "worse", prefilter.compile(
        r"\b(?:worsen\w*|declined?|decreased|deteriorat\w*)\b[^.;]{0,30}\b(?:activities of daily living"
        r"|ADLs?)\b|\b(?:activities of daily living|ADLs?)\b[^.;]{0,20}\b(?:worsened|declined|decreased)\b",
        re.I)),
    ("adl", "unchanged", prefilter.compile(
        r"\b(?:activities of daily living|ADLs?)\b[^.;]{0,20}\b(?:unchanged|remain\w* the same)\b"
        r"|\bno (?:change|improvement) in (?:\w+ ){0,2}(?:activities of daily living|ADLs?)\b", re.I)),
    ("work_restrictions", "unchanged", prefilter.compile(
        r"\brestrictions?\b[^.;]{0,40}\b(?:unchanged|remain(?:s|ed)?(?: in place)?|the same)\b", re.I)),
    ("work_restrictions", "reduced", prefilter.compile(
        r"\b(?:reduc\w+|decreas\w+|lessen\w*|fewer|lifted|less)\s+(?:in\s+)?(?:(?:his|her|the|work)\s+)*"
        r"restrictions\b|\breturned to (?:full|regular|usual) (?:duty|work)\b", re.I)),
    ("work_restrictions", "increased", prefilter.compile(
        r"\b(?:increas\w+|more|additional)\s+(?:work\s+)?restrictions\b", re.I)),
    ("medication_use", "unchanged", prefilter.compile(
        r"\bremains? (?:dependent on|on)\b[^.;]{0,30}\b(?:medications?|opioids?|narcotics?|agents?"
        r"|analgesics?)\b|\bcontinues? to (?:use|take|require)\b[^.;]{0,20}\b(?:medications?|opioids?"
        r"|narcotics?)\b", re.I)),
    ("medication_use", "reduced", prefilter.compile(
        r"\b(?:reduc\w+|decreas\w+|less|lower|taper\w*|wean\w*|discontinu\w*)\s+(?:in\s+|of\s+)?"
        r"(?:(?:his|her|the|pain|opioid|narcotic)\s+)*(?:medications?|opioids?|narcotics?|analgesics?)"
        r"(?:\s+(?:use|usage|intake))?\b", re.I)),
    ("medication_use", "increased", prefilter.compile(
        r"\b(?:increas\w+|escalat\w+)\s+(?:in\s+|of\s+)?(?:(?:his|her|the|pain|opioid)\s+)*"
        r"(?:medications?|opioids?|narcotics?)(?:\s+(?:use|usage|dose|dosage))?\b", re.I)),
]
_FS_GROUP = prefilter.Group(regex for _, _, regex in _FS_PATTERNS)


def _functional_status(f: _Facts, s: _Sentence) -> None:
    for i, m in _FS_GROUP.search(s.text):
        name, value, _ = _FS_PATTERNS[i]
        if _negated(s.text, m.start()):
            if value in ("reduced", "improved"):  # "no decrease in medication usage"
                f.put(f.functional_status, name, f"functional_status.{name}", "unchanged", s.whole)
            continue
        f.put(f.functional_status, name, f"functional_status.{name}", value, s.whole)


def _exam(f: _Facts, sentences: list[_Sentence]) -> None:
    found: dict[str, Span] = {}
    for s in sentences:
        if s.guideline:
            continue  # "guidelines recommend ... radiculopathy on examination" states a criterion
        for kind, regex in _NEURO_FINDINGS:
            for m in regex.finditer(s.text):
                ctx = context(s.text, m.start(), m.end())
                if Flag.uncertain in ctx or Flag.hypothetical in ctx:
                    continue
                if Flag.negated in ctx and kind == "intact":
                    continue
                # An absent sign or symptom ("no numbness", "no neurological deficits") speaks for an
                # intact examination, but more weakly than a normal sign: it never outweighs one.
                shows = _deficit_pattern(s.text, m.start(), m.end()) if kind == "nerve_compromise" else kind
                seen = "absent" if Flag.negated in ctx else shows
                found.setdefault(seen, s.span(m))
    # Signs of nerve compromise decide, unless normal signs stand beside them (then the examination
    # is not unequivocal); else a normal examination; symptoms alone (numbness, radiating pain) with
    # no examination finding are equivocal.
    if {"nerve_compromise", "intact"} <= found.keys():
        f.put(f.exam, "neurologic", "exam.neurologic", "equivocal", found["nerve_compromise"])
        return _red_flags(f, sentences)
    for kind, value in (("nerve_compromise", "nerve_compromise"), ("intact", "intact"),
                        ("equivocal", "equivocal"), ("absent", "intact")):
        if kind in found:
            f.put(f.exam, "neurologic", "exam.neurologic", value, found[kind])
            break
    _red_flags(f, sentences)


def _red_flags(f: _Facts, sentences: list[_Sentence]) -> None:
    if f.source is EvidenceSource.rationale:
        return  # guideline text lists red flags as criteria, not as findings
    flags: list[str] = []
    for s in sentences:
        if (m := _NO_RED_FLAGS.search(s.text)) and "red_flags" not in f.exam:
            f.exam["red_flags"] = []
            f.cite("exam.red_flags", s.span(m))
        for i, m in _RED_FLAG_GROUP.search(s.text):
            flag = _RED_FLAG_RES[i][0]
            if not _negated(s.text, m.start()) and flag.value not in flags:
                flags.append(flag.value)
                f.exam["red_flags"] = flags
                f.cite("exam.red_flags", _clause(s, m.span()))


def _surgery_and_plans(f: _Facts, s: _Sentence) -> None:
    if not s.request:
        for m in _SURGERY.finditer(s.text):
            proc = m.group("proc").strip()
            regions = find_body_regions(proc)
            generic = re.fullmatch(r"(?:\w+\s+){0,2}surgery", proc, re.I) is not None
            if generic and any(regions and x.get("body_region") == regions[0].value for x in f.surgery):
                continue
            d = parse_date(m.group("date")) if m.group("date") else None
            entry: dict[str, Any] = {"procedure": proc, "date": d.isoformat() if d else None}
            if regions:
                entry["body_region"] = regions[0].value
            if all(x["procedure"].lower() != proc.lower() for x in f.surgery):
                f.surgery.append(entry)
                f.cite(f"surgery[{len(f.surgery) - 1}]", s.span(m))
    for m in _PLANNED.finditer(s.text):
        group = "proc" if m.group("proc") else "proc2"
        f.add("planned_procedures", m.group(group).strip(), s.span(m))


# ------------------------------------------------------------------------------ the rationale


def _read_rationale(f: _Facts, item: Item, summary: _Facts) -> None:
    assert item.rationale_span is not None
    sentences = _sentences(f.letter.body, item.rationale_span)
    _work(f, sentences)
    for s in sentences:
        talk = s.guideline
        if not talk:
            _medications(f, s)
            _functional_status(f, s)
        _rationale_treatments(f, s, item, summary)
    _exam(f, sentences)


def _rationale_treatments(f: _Facts, s: _Sentence, item: Item, summary: _Facts) -> None:
    if s.guideline and not _UNKNOWN_COUNT.search(s.text):
        return
    _treatments(f, s)
    if any(m not in _NOT_TREATMENTS for m, _ in _modality_mentions(s.text)):
        _improvement(f, s, None)
        return
    # A sentence on improvement that names no modality speaks of the item's own service, when the
    # letter shows the claimant has had it.
    service = item.service
    had = any(t["modality"] == service.value for t in summary.treatments + f.treatments)
    if not had or service in _NOT_TREATMENTS:
        return
    says = any(r.search(s.text) for r in (_IMPROVEMENT_NONE, _IMPROVEMENT_UNKNOWN, _IMPROVEMENT_DOCUMENTED))
    if says and not s.guideline:
        f.treatment(service, s.whole)
        _improvement(f, s, service)


# -------------------------------------------------------------------------------- the requests


def _requests(letter: Letter, sentences: list[_Sentence]) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The requests and their evidence; ``sentences`` are the summary's (empty without one)."""
    ur = _ur_dates(sentences, letter.items)
    cover_date = _cover_ur_date(letter)
    requests: list[dict[str, Any]] = []
    evidence: dict[str, dict[str, Any]] = {}

    summary_span = _summary_span(letter) if letter.summary else None
    orders = order_dates(sentences)

    def cite(path: str, span: Span | None) -> None:
        if span is not None and span[1] > span[0]:
            # Item titles, decisions and guideline lines are the determination's own words; a date
            # may come from the clinical case summary.
            inside = summary_span is not None and summary_span[0] <= span[0] and span[1] <= summary_span[1]
            source = EvidenceSource.summary if inside else EvidenceSource.determination
            evidence[path] = {"quote": letter.quote(span), "source": source.value}

    for i, item in enumerate(letter.items):
        p = f"requests[{i}]"
        date, date_span = _request_date(item, ur, cover_date)
        extras = _request_details(item)
        judged = _judged(letter, item, date)
        requests.append({
            **extras,
            **judged,
            "text": item.title,
            "service": item.service.value,
            "drug": item.drug,
            "drug_class": item.drug_class.value if item.drug_class else None,
            "quantity": item.quantity,
            "frequency_per_week": item.frequency_per_week,
            "duration_weeks": item.duration_weeks,
            "body_regions": [r.value for r in item.body_regions],
            "date": date,
            "determination": {
                "outcome": item.outcome.value,
                "guideline": _guideline_name(item.maximus_guideline),
                "claims_administrator_guideline": _guideline_name(item.claims_administrator_guideline),
                "reviewer_specialty": ", ".join(letter.credentials.specialties) or None,
                "decided_on": letter.header.decision_date.isoformat() if letter.header.decision_date else None,
            },
        })
        cite(p, item.title_span)
        for name, (value, span) in request_facts(item, orders).items():
            requests[-1][name] = value
            cite(f"{p}.{name}", span)
        for name in ("quantity", "frequency_per_week", "duration_weeks"):
            if getattr(item, name) is not None:
                cite(f"{p}.{name}", item.title_span)
        if item.body_regions:
            cite(f"{p}.body_regions", item.title_span)
        for name in extras:
            cite(f"{p}.{name}", item.title_span)
        if date:
            cite(f"{p}.date", date_span)
        if letter.header.decision_date is not None:
            cite(f"{p}.judged_on", letter.header.spans["decision_date"])
        elif judged:
            cite(f"{p}.judged_on", item.maximus_span)
        if item.drug:
            cite(f"{p}.drug", item.title_span)
        cite(f"{p}.determination.outcome", item.heading_span)
        if item.maximus_guideline:
            cite(f"{p}.determination.guideline", item.maximus_span)
        if item.claims_administrator_guideline:
            cite(f"{p}.determination.claims_administrator_guideline", item.claims_administrator_span)
    return requests, evidence


def _request_details(item: Item) -> dict[str, Any]:
    """What an item's wording says beyond service and amount: device acquisition, injection route and
    levels, post-surgical care, purpose. Only what the words state."""
    title, out = item.title, {}
    if re.search(r"\bpurchase\b", title, re.I):
        out["acquisition"] = "purchase"
    elif re.search(r"\brent(?:al)?\b", title, re.I):
        out["acquisition"] = "rental"
    # "Associated surgical service: X" is how IMR letters title the care requested with a surgery
    # (aftercare, equipment, labs): the service belongs to the post-surgical period.
    if re.search(r"\bpost[- ]?(?:op|operative|surgical)\b|^\s*associated surgical services?\b", title, re.I):
        out["post_surgical"] = True
    if re.search(r"\bmaintenance\b", title, re.I):
        out["purpose"] = "maintenance"
    elif re.search(r"\bflare[- ]?ups?\b", title, re.I):
        out["purpose"] = "flare_up"
    out.update(item_details(item, out))
    if item.service is Service.epidural_steroid_injection:
        if re.search(r"\btransforaminal\b|\bTFESI\b", title, re.I):
            out["approach"] = "transforaminal"
        elif re.search(r"\binterlaminar\b", title, re.I):
            out["approach"] = "interlaminar"
        levels = {collapse(m.group(0)).upper().replace(" ", "")
                  for m in re.finditer(r"\b[CTL]\d{1,2}(?:\s*-\s*[CTLS]?\d{1,2})?\b", title)}
        if levels:
            out["levels"] = len(levels)
    return out


def _guideline_name(line: str | None) -> str | None:
    if not line:
        return None
    name = re.sub(r"^(?:Decision based on\s+)?(?:the\s+)?", "", line.strip(), flags=re.I)
    name = re.sub(r",?\s*which is (?:a )?part of (?:the )?MTUS\.?$", "", name, flags=re.I)
    name = name.rstrip(" .")
    return name or None


@dataclass
class _URDate:
    date: str
    span: Span
    sentence: str


def _ur_dates(sentences: list[_Sentence], items: list[Item]) -> list[_URDate]:
    item_dates = {d for item in items for d in item.dates}
    out: list[_URDate] = []
    for s in sentences:
        if not _UR_CUE.search(s.text):
            continue
        dates = [(d, span) for d, span in find_dates(s.text) if d not in item_dates]
        if not dates:
            continue
        preferred = [x for x in dates if _UR_DATE_BEFORE.search(s.text[max(0, x[1][0] - 8):x[1][0]])]
        d, _ = (preferred or dates)[0]
        out.append(_URDate(d.isoformat(), s.whole, s.text))
    return out


def _cover_ur_date(letter: Letter) -> tuple[str, Span] | None:
    if letter.cover is None:
        return None
    text = letter.cover.text
    m = re.search(rf"(?:UR Denial Date|Date of UR Decision|UR Date)\s*:\s*(?P<date>{DATE_PATTERN})", text, re.I)
    d = parse_date(m.group("date")) if m else None
    if not m or not d:
        return None
    return d.isoformat(), (letter.cover.start + m.start(), letter.cover.start + m.end())


def _request_date(
    item: Item, ur: list[_URDate], cover: tuple[str, Span] | None
) -> tuple[str | None, Span | None]:
    for u in ur:
        if _names_service(u.sentence, item.service):
            return u.date, u.span
    if len({u.date for u in ur}) == 1:
        return ur[0].date, ur[0].span
    if cover:
        return cover
    return None, None


def _names_service(text: str, service: Service) -> bool:
    if service in (Service.mri_lumbar, Service.mri_cervical):
        return mentions_mri(text)
    return any(s == service for s, _ in find_services(text))


__all__ = ["letter_to_case"]
