"""Medication facts: what a letter's clinical case summary says about a requested drug's course (a
first prescription or a continuation, how long, with what relief and function), gastrointestinal risk,
muscle spasm and the monitoring of opioid treatment; and the fact values the medication rules read.

The MTUS medication sections turn on these facts: NSAIDs and muscle relaxants for a short course,
continued only with a documented response; gastro-protective drugs only with GI risk; opioids after
non-opioid treatment failed, continued with the "4 A's" documented; compounded kits only after
first-line tablets. Only what the summary states is read: a fact the summary does not settle stays
unknown, and the rules name "not documented" as a reason of its own.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, Sequence

import yaml

from engine.cases import prefilter
from engine.letters.context import Flag, context
from engine.letters.dates import DATE_PATTERN, parse_date
from engine.cases.terms import find_drugs
from engine.cases.vocab import Condition, GiRiskFactor, Improvement

Span = tuple[int, int]


class Sentence(Protocol):
    text: str
    start: int


class Quoting(Protocol):
    def quote(self, span: Span) -> str | list[str]: ...


# ------------------------------------------------------------------------------ reading letters


@lru_cache(maxsize=1)
def compounded_kits() -> frozenset[str]:
    """Names of compounded medication kits (engine/data/medications.yaml, compounded_kits)."""
    # The C safe loader where PyYAML has it, as engine.cases.terms reads the same file (a tenth of the
    # time of the pure-Python one, paid by the first letter read); safe either way.
    raw = yaml.load((Path(__file__).parent.parent / "data" / "medications.yaml").read_text(encoding="utf-8"),
                    Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return frozenset(n.lower() for n in raw.get("compounded_kits", []))


# A sentence about what is requested, planned or decided says nothing of what the patient takes.
_REQUEST = prefilter.compile(
    r"\b(?:request\w*|plan|planned|recommend\w*|non-?certif\w*|authoriz\w*|denied|denial|"
    r"utilization review|UR|modified|RFA|determination)\b", re.I)
_IN_USE = prefilter.compile(
    r"\b(?:current(?:ly)?|medications?\b[^.]{0,30}?\b(?:includ\w*|consist\w*)|taking|using|utilizing|"
    r"(?:is|was|has been|had been|been) on|(?:has|have|had) taken|takes|recently prescribed|prior treatment|treatment (?:to date )?"
    r"(?:has |have )?included|treatments? included|has used|have used|had used|restarted|refills?)\b",
    re.I)
_CONTINUE = prefilter.compile(r"\bcontinu\w*\b", re.I)
_CONTINUE_REGIMEN = prefilter.compile(
    r"\bcontinu\w* (?:with |on )?(?:the |his |her |their )?(?:current |same |present )?"
    r"(?:medications?|medication regimen|regimen|medicines)\b", re.I)
_MED_LIST = prefilter.compile(
    r"\b(?:current medications?|medications? (?:were |was )?(?:noted to )?(?:includ\w*|consist\w*)|"
    r"recently prescribed medications?|medications? ha(?:ve|s) included)\b", re.I)
_FIRST_TIME = prefilter.compile(
    r"\b(?:first[- ]time|new prescription|initial prescription|newly prescribed|initiat\w*|"
    r"started on|start(?:ing)? (?:a )?trial)\b", re.I)
# Prescribed but never taken: the request is, in effect, a first prescription.
_NOT_TAKEN = prefilter.compile(
    r"\b(?:not (?:able|allowed) to (?:fill|obtain|get)|unable to (?:fill|obtain|get)|never (?:filled|started|taken|took)|"
    r"(?:was|were) not (?:filled|started|dispensed))\b", re.I)
_NO_MEDICATIONS = prefilter.compile(
    r"\bnot (?:be |been )?(?:utilizing|using|taking|on) (?:any )?medications?\b|\bno (?:current )?medications\b",
    re.I)
_UNSTATED = prefilter.compile(r"\b(?:not (?:provided|documented|available|listed|stated|specified)|unknown|unclear)\b", re.I)


def _is_list(text: str) -> bool:
    """A sentence that lists the current medications ("the medication regimen was not provided" does not)."""
    return _MED_LIST.search(text) is not None and _UNSTATED.search(text) is None


_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "twelve": 12}
_FOR_DURATION = prefilter.compile(
    r"\b(?:for|over)\s+(?:the\s+(?:past|last)\s+|about\s+|approximately\s+|at\s+least\s+)?"
    r"(?P<n>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?P<u>days?|weeks?|months?|years?)\b",
    re.I)
_SINCE = prefilter.compile(rf"\bsince\s+(?:at\s+least\s+)?(?P<date>{DATE_PATTERN})", re.I)
_UNIT_WEEKS = {"day": 1 / 7, "week": 1.0, "month": 4.345, "year": 52.18}
_MED_WORD = prefilter.compile(r"\b(?:medications?|medicines?|meds|pills?|tablets?)\b", re.I)
_RELIEF = prefilter.compile(
    r"\b(?:help(?:s|ed|ing|ful)?|improv\w*|reliev\w*|relief|decreas\w* (?:the |his |her )?pain|"
    r"reduc\w* (?:the |his |her )?pain|less pain|alleviat\w*|benefit\w*)\b", re.I)
_NO_RELIEF = prefilter.compile(
    r"\b(?:unrelieved|no (?:relief|benefit|improvement)|without (?:relief|benefit|improvement)|"
    r"failed to (?:have any effect|help|relieve)|(?:not|never) (?:help\w*|effective|work\w*)|ineffective)\b",
    re.I)
_FUNCTION = prefilter.compile(
    r"\b(?:function\w* (?:improv\w*|gain\w*|increas\w*)|improv\w* (?:in )?(?:function\w*|activit\w*|ADLs?|"
    r"activities of daily living)|increas\w* (?:in )?(?:function\w*|activit\w*)|able to (?:work|perform|walk|do)|"
    r"return(?:ed)? to work)\b", re.I)
_REVIEW_TALK = prefilter.compile(
    r"\b(?:denied|non-?certif\w*|utilization review|UR|determination|documentation|guidelines?|"
    r"previously|modified)\b", re.I)
_FIRST_LINE = prefilter.compile(
    r"\b(?:non-?opioids?|non-?opiates?|non-?narcotic|acetaminophen|tylenol|NSAIDs?|anti-inflammator\w*|"
    r"over[- ]the[- ]counter|first[- ]line|ibuprofen|naproxen|(?:oral )?(?:tablets?|capsules?|pills?))\b", re.I)
_FAILED = prefilter.compile(
    r"\b(?:fail\w*|ineffective|inadequate|did not (?:help|respond|work)|not tolerat\w*|intoleran\w*|"
    r"unable to (?:tolerate|swallow))\b", re.I)

_GI_SYMPTOM = prefilter.compile(
    r"\b(?:dyspepsia|heartburn|(?:acid )?reflux|GERD|gastritis|epigastric (?:pain|tenderness|discomfort)|"
    r"(?:upper )?abdominal pain|stomach (?:pain|upset|ache|irritation)|(?:GI|gastrointestinal) (?:upset|"
    r"symptoms?|complaints?|issues?|disturbances?|distress|events?))\b", re.I)
_GI_HISTORY: list[tuple[GiRiskFactor, re.Pattern[str]]] = [
    (GiRiskFactor.peptic_ulcer_history, prefilter.compile(r"\b(?:peptic|gastric|duodenal) ulcers?\b|\bulcer disease\b", re.I)),
    (GiRiskFactor.gi_bleeding_history, prefilter.compile(
        r"\b(?:GI|gastrointestinal) (?:bleed\w*|hemorrhage)|\bbleeding ulcers?\b|\bhematemesis\b|\bmelena\b", re.I)),
    (GiRiskFactor.perforation_history, prefilter.compile(r"\b(?:gastric|bowel|ulcer) perforation\b", re.I)),
]
_GI_DRUGS: list[tuple[GiRiskFactor, re.Pattern[str]]] = [
    (GiRiskFactor.aspirin, prefilter.compile(r"\b(?:aspirin|ASA)\b")),
    (GiRiskFactor.anticoagulant, prefilter.compile(
        r"\b(?:warfarin|coumadin|apixaban|eliquis|rivaroxaban|xarelto|dabigatran|pradaxa|clopidogrel|"
        r"plavix|enoxaparin|lovenox|heparin|anticoagula\w*)\b", re.I)),
    (GiRiskFactor.corticosteroid, prefilter.compile(
        r"\b(?:prednisone|prednisolone|methylprednisolone|medrol)\b", re.I)),
]
_SPASM = prefilter.compile(r"\bspasms?\b", re.I)
_UDS = prefilter.compile(
    r"\b(?:urine (?:drug |toxicology )?(?:screens?|tests?|testing)|urine toxicology|urinalysis toxicolog\w*|"
    r"UDS|UDT|drug screens?|toxicology screens?)\b", re.I)
_CURES = prefilter.compile(r"\bCURES\b")
_RISK_SCREEN = prefilter.compile(
    r"\b(?:opioid risk (?:tool|assessment|screening)|ORT|SOAPP|screen\w* for (?:the )?risk of (?:addiction|misuse|abuse)|"
    r"risk (?:assessment|screening) for (?:addiction|misuse|abuse))\b", re.I)
_ABERRANT = prefilter.compile(r"\b(?:aberrant|diversion|misuse|early refills?|inconsistent (?:urine|UDS|drug screen))\w*", re.I)
_CONDITIONS: list[tuple[Condition, re.Pattern[str]]] = [
    (Condition.fracture, prefilter.compile(r"\bfractur\w*", re.I)),
    (Condition.osteoarthritis, prefilter.compile(
        r"\b(?:osteoarthr\w*|degenerative joint disease|DJD|arthritis)\b", re.I)),
    (Condition.insomnia, prefilter.compile(
        r"\b(?:insomnia|difficulty sleeping|trouble sleeping|unable to sleep|poor sleep|"
        r"sleep (?:disturbances?|difficult\w*|problems?|issues?))\b", re.I)),
]


def _asserted(text: str, m: re.Match[str]) -> bool:
    return context(text, m.start(), m.end()).asserted


def _negated(text: str, m: re.Match[str]) -> bool:
    return Flag.negated in context(text, m.start(), m.end())


class _Reader:
    def __init__(self, letter: Quoting, sentences: Sequence[Sentence], data: dict[str, Any],
                 evidence: dict[str, dict[str, Any]]):
        self.letter, self.sentences, self.data, self.evidence = letter, sentences, data, evidence

    def cite(self, path: str, s: Sentence, span: Span | None = None) -> None:
        begin, end = (s.start, s.start + len(s.text)) if span is None else (s.start + span[0], s.start + span[1])
        if path not in self.evidence and end > begin:
            self.evidence[path] = {"quote": self.letter.quote((begin, end)), "source": "summary"}

    def group(self, name: str) -> dict[str, Any]:
        return self.data.setdefault(name, {})

    # -- case facts

    def case_facts(self) -> None:
        exam, gi, opioid = self.group("exam"), self.group("gastrointestinal"), self.group("opioid_monitoring")
        risks: list[str] = []
        for s in self.sentences:
            text, review = s.text, _REQUEST.search(s.text) is not None
            # A review's reasons ("denied as no GI complaints are documented") say what is not
            # documented; what they name is not thereby found.
            self._tri(exam, "muscle_spasm", "exam.muscle_spasm", s, _SPASM, positive=not review)
            self._tri(gi, "symptoms", "gastrointestinal.symptoms", s, _GI_SYMPTOM, positive=not review)
            for factor, regex in _GI_HISTORY:
                m = regex.search(text)
                if m and _asserted(text, m) and factor.value not in risks:
                    risks.append(factor.value)
                    self.cite(f"gastrointestinal.risk_factors[{len(risks) - 1}]", s, m.span())
            if _IN_USE.search(text) and not review:
                for factor, regex in _GI_DRUGS:
                    m = regex.search(text)
                    if m and _asserted(text, m) and factor.value not in risks:
                        risks.append(factor.value)
                        self.cite(f"gastrointestinal.risk_factors[{len(risks) - 1}]", s, m.span())
            if not review:  # a screen in the plan is not a screen done
                self._tri(opioid, "urine_drug_screen", "opioid_monitoring.urine_drug_screen", s, _UDS)
                self._tri(opioid, "risk_screening", "opioid_monitoring.risk_screening", s, _RISK_SCREEN)
                m = _ABERRANT.search(text)
                if m and _asserted(text, m):
                    self._put(opioid, "aberrant_behavior", True, "opioid_monitoring.aberrant_behavior", s, m.span())
            self._tri(opioid, "cures_checked", "opioid_monitoring.cures_checked", s, _CURES)
            if not review:
                self._conditions(s)
        if risks:
            gi["risk_factors"] = risks
        for name in ("exam", "gastrointestinal", "opioid_monitoring"):
            if not self.data.get(name):
                self.data.pop(name, None)

    def _put(self, group: dict[str, Any], name: str, value: Any, path: str, s: Sentence, span: Span) -> None:
        # An asserted finding wins over a denial elsewhere (a review's "no documentation of ...").
        if group.get(name) is None or (value is True and group[name] is False):
            group[name] = value
            self.evidence.pop(path, None)
            self.cite(path, s, span)

    def _tri(self, group: dict[str, Any], name: str, path: str, s: Sentence, regex: re.Pattern[str],
             positive: bool = True) -> None:
        for m in regex.finditer(s.text):
            flags = context(s.text, m.start(), m.end())
            if flags.asserted and positive:
                self._put(group, name, True, path, s, m.span())
            elif Flag.negated in flags:
                self._put(group, name, False, path, s, m.span())

    def _conditions(self, s: Sentence) -> None:
        conditions: list[str] = self.data.setdefault("conditions", [])
        for condition, regex in _CONDITIONS:
            m = regex.search(s.text)
            if m and _asserted(s.text, m) and condition.value not in conditions:
                conditions.append(condition.value)
                self.cite(f"conditions[{len(conditions) - 1}]", s, m.span())
        if not conditions:
            self.data.pop("conditions")

    # -- request facts

    def request_facts(self, i: int, request: dict[str, Any], day: dt.date | None) -> None:
        drug, cls = request.get("drug"), request.get("drug_class")
        if not drug or cls is None:
            return
        generic = drug.split("/")[0]
        path = f"requests[{i}]"
        title = request["text"]
        if any(n.lower() in compounded_kits() for n in re.findall(r"[A-Za-z]+", title)):
            request["compounded"] = True
            self.evidence.setdefault(f"{path}.compounded", self.evidence.get(path, {"quote": title, "source": "determination"}))
        mentions = [(s, span) for s in self.sentences for d, span in find_drugs(s.text)
                    if not d.class_only and d.name == generic]
        class_mentions = [(s, span) for s in self.sentences for d, span in find_drugs(s.text)
                          if d.drug_class.value == cls or (d.class_only and d.drug_class.value == cls)]
        self._continuing(path, request, title, mentions)
        self._duration(path, request, mentions, day)
        if request.get("use_weeks") is not None and request.get("continuing") is None:
            request["continuing"] = True  # a drug taken for a stated time is in use
            if f"{path}.use_weeks" in self.evidence:
                self.evidence[f"{path}.continuing"] = self.evidence[f"{path}.use_weeks"]
        self._response(path, request, mentions + class_mentions)
        self._first_line(path, request)

    def _set(self, path: str, request: dict[str, Any], name: str, value: Any, s: Sentence | None,
             span: Span | None = None) -> None:
        if request.get(name) is None:
            request[name] = value
            if s is not None:
                self.cite(f"{path}.{name}", s, span)

    def _continuing(self, path: str, request: dict[str, Any], title: str,
                    mentions: list[tuple[Sentence, Span]]) -> None:
        if re.search(r"\brefills?\b", title, re.I):
            request["continuing"] = True
            return
        listed = any(_is_list(s.text) for s, _ in mentions)
        for s, span in mentions:
            text = s.text
            if (_FIRST_TIME.search(text) and not _REVIEW_TALK.search(text)) or _NOT_TAKEN.search(text):
                self._set(path, request, "continuing", False, s)
                return
            in_use = _IN_USE.search(text) and not _REQUEST.search(text)
            continued = _CONTINUE.search(text) is not None
            if (in_use or continued) and context(text, span[0], span[1]).asserted:
                self._set(path, request, "continuing", True, s, span)
                return
        regimen = next((s for s in self.sentences if _CONTINUE_REGIMEN.search(s.text)), None)
        lists = [s for s in self.sentences if _is_list(s.text) and not _REQUEST.search(s.text)]
        if regimen is not None and listed:
            self._set(path, request, "continuing", True, regimen)
            return
        none = next((s for s in self.sentences if _NO_MEDICATIONS.search(s.text)), None)
        if none is not None:
            self._set(path, request, "continuing", False, none)
        elif lists and not listed:
            # The summary lists the current medications and this drug is not among them.
            self._set(path, request, "continuing", False, lists[0])

    def _duration(self, path: str, request: dict[str, Any], mentions: list[tuple[Sentence, Span]],
                  day: dt.date | None) -> None:
        for s, span in mentions:
            if _REQUEST.search(s.text):
                continue
            window = s.text[span[1]:span[1] + 80]
            m = _FOR_DURATION.search(window)
            if m:
                n = m.group("n").lower()
                count = int(n) if n.isdigit() else _NUMBER_WORDS[n]
                unit = m.group("u").lower().rstrip("s")
                self._set(path, request, "use_weeks", round(count * _UNIT_WEEKS[unit], 1), s)
                return
            m = _SINCE.search(window)
            if m and day is not None and (since := parse_date(m.group("date"))) and since <= day:
                self._set(path, request, "use_weeks", round((day - since).days / 7, 1), s)
                return

    def _response(self, path: str, request: dict[str, Any], mentions: list[tuple[Sentence, Span]]) -> None:
        seen: set[int] = set()
        sentences = [s for s, _ in mentions if not (id(s) in seen or seen.add(id(s)))]  # type: ignore[func-returns-value]
        sentences += [s for s in self.sentences if _MED_WORD.search(s.text) and id(s) not in seen]
        for s in sentences:
            if _REVIEW_TALK.search(s.text) or _REQUEST.search(s.text):
                continue
            if (m := _NO_RELIEF.search(s.text)):
                self._set(path, request, "pain_response", Improvement.none.value, s, m.span())
            elif (m := _RELIEF.search(s.text)) and _asserted(s.text, m):
                self._set(path, request, "pain_response", Improvement.documented.value, s, m.span())
            if (m := _FUNCTION.search(s.text)):
                value = Improvement.documented if _asserted(s.text, m) else Improvement.none
                self._set(path, request, "function_response", value.value, s, m.span())

    def _first_line(self, path: str, request: dict[str, Any]) -> None:
        for s in self.sentences:
            if _REQUEST.search(s.text) and not _REVIEW_TALK.search(s.text):
                continue
            first = _FIRST_LINE.search(s.text)
            failed = _FAILED.search(s.text)
            if not (first and failed):
                continue
            flags = context(s.text, failed.start(), failed.end())
            if Flag.negated in flags or re.search(r"\b(?:not|no)\b[^.]{0,40}$", s.text[:failed.start()]):
                self._set(path, request, "first_line_failed", False, s, failed.span())
            elif flags.asserted and not _REVIEW_TALK.search(s.text):
                self._set(path, request, "first_line_failed", True, s, failed.span())


class _Piece:
    def __init__(self, text: str, start: int):
        self.text, self.start = text, start


# A quoted sentence ends inside its quotation mark: '"She can return to work." Current medication ...'
_QUOTE_END = prefilter.compile(r"(?<=[.!?][\"”])\s+(?=[\"“]?[A-Z])")


def _pieces(sentences: Sequence[Sentence]) -> list[_Piece]:
    out: list[_Piece] = []
    for s in sentences:
        begin = 0
        # A quotation mark ends every quoted sentence: a sentence without one is not scanned.
        quoted = '"' in s.text or "\u201d" in s.text
        for m in (_QUOTE_END.finditer(s.text) if quoted else ()):
            out.append(_Piece(s.text[begin:m.start()], s.start + begin))
            begin = m.end()
        out.append(_Piece(s.text[begin:], s.start + begin))
    return [p for p in out if p.text.strip()]


def read_medication_facts(letter: Quoting, sentences: Sequence[Sentence], data: dict[str, Any],
                          evidence: dict[str, dict[str, Any]]) -> None:
    """Add the medication facts a summary states to a case's data (``data``, with its ``requests``)
    and their words to ``evidence``, in place."""
    reader = _Reader(letter, _pieces(sentences), data, evidence)
    reader.case_facts()
    for i, request in enumerate(data.get("requests", [])):
        day = request.get("judged_on") or request.get("date")
        reader.request_facts(i, request, dt.date.fromisoformat(day) if day else None)
