"""Whether a finding in a clinical sentence is asserted: one mechanism for negation, uncertainty,
history and hypothesis (after ConText, Harkema et al., J Biomed Inform 2009).

A *trigger* ("no", "denies", "negative for", "possible", "rule out", "history of", "if") opens a
scope that runs forward to the end of its clause; a *backward* trigger ("was ruled out", "is
unlikely", "was denied") covers the clause before it. A clause ends at a sentence mark, a semicolon
or colon, or a word that turns the sentence ("but", "however", "although", "except", "which").
Every extractor asks ``context(text, start)`` about the position of the words it found and decides
what each flag means for its fact: a negated symptom is evidence of its absence, an uncertain or
hypothetical one is no evidence at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from engine.cases import prefilter
from engine.cases.vocab import StrEnum


class Flag(StrEnum):
    negated = "negated"
    uncertain = "uncertain"
    historical = "historical"
    hypothetical = "hypothetical"


# An examiner who looked and found nothing: "unable to detect any decreased sensation".
_FOUND_NOTHING = (r"(?:unable\s+to|cannot|can\s+not|could\s+not|did\s+not)\s+(?:detect|elicit|appreciate"
                  r"|find|reproduce|isolate)")
_FOUND_NOTHING_END = prefilter.compile(rf"\b{_FOUND_NOTHING}(?:\s+(?:any|an?))?\s*$", re.I)

_FORWARD: dict[Flag, str] = {
    Flag.negated: (
        r"no|not|nor|without|denie[sd]|deny|denying|negative\s+for|free\s+of|absence\s+of|absent"
        r"|lack\s+of|lacks|lacking|no\s+evidence\s+of|no\s+signs?\s+of|never|none|unremarkable\s+for"
        r"|fails?\s+to\s+(?:reveal|show|demonstrate)|failed\s+to\s+(?:reveal|show|demonstrate)"
        r"|" + _FOUND_NOTHING
    ),
    Flag.uncertain: (
        r"possible|possibly|probable|probably|suspected|suspect|suspicious\s+for|questionable"
        r"|rule\s+out|r/o|evaluate\s+for|to\s+(?:evaluate|assess)\s+(?:for|possible)|may\s+(?:have|be)"
        r"|might|could\s+be|concern\s+for|cannot\s+(?:be\s+)?(?:excluded|ruled\s+out)|versus|vs\.?"
        r"|whether"  # "it was not stated whether he was working"
    ),
    Flag.historical: r"history\s+of|previously|previous|prior|formerly|in\s+the\s+past|status\s+post|s/p",
    Flag.hypothetical: r"if|should|would|in\s+case\s+of|return\s+if|as\s+needed\s+for|needs?\s+to\s+be"
                       r"|wants?\s+to\s+be|asked\s+to\s+be|requests?\s+to\s+be|will\s+be|plans?\s+to\s+be",
}
_BACKWARD: dict[Flag, str] = {
    Flag.negated: r"(?:was|were|is|are|has\s+been|have\s+been)\s+(?:ruled\s+out|denied|negative|absent|not\s+(?:present|seen|noted|found))"
                  r"|resolved|free",
    Flag.uncertain: r"(?:is|was|are|were)\s+(?:unlikely|possible|suspected|questionable)|unclear",
}
# Words that end a trigger's scope (ConText's "termination" terms).
_TERMINATOR = prefilter.compile(
    r"[.;:!?]|\b(?:but|however|although|though|except|aside\s+from|apart\s+from|which|whereas|yet"
    r"|while|because|since|given\s+that|as\s+(?=the\b|he\b|she\b|there\b|this\b|it\b)"
    r"|and\s+(?:has|had|was|is|reports?|reported|complains?|exhibited|demonstrated|noted))\b",
    re.I,
)
_FORWARD_RE = {f: prefilter.compile(rf"\b(?:{p})\b", re.I) for f, p in _FORWARD.items()}
_BACKWARD_RE = {f: prefilter.compile(rf"\b(?:{p})\b", re.I) for f, p in _BACKWARD.items()}
_REACH = 120  # characters a scope reaches at most, so one "no" never covers a whole summary
# A forward trigger reaches this many words (NegEx's window): "no swelling, tenderness over the
# joint, and strength 4/5" does not deny the weakness.
_WINDOW = 6


_POLARITY = prefilter.compile(
    r"(?:positive|negative|decreased|diminished|reduced|abnormal|absent|intact|normal|equivocal|impaired)\b",
    re.I)
_LIST_WORD = prefilter.compile(r"\b(?:or|nor|and)\b", re.I)


def _after_list_break(before: str) -> str:
    """A comma ends a trigger's scope unless a list goes on ("no numbness, tingling or weakness"):
    in "with and without resistance, motor strength is 4/5" the strength is not denied."""
    comma = before.rfind(",")
    if comma < 0 or _LIST_WORD.search(before, comma):
        return before
    return before[comma + 1:]


def _last_words(text: str, n: int) -> str:
    words = list(re.finditer(r"\S+", text))
    return text[words[-n].start():] if len(words) > n else text


_DISJUNCTION = prefilter.compile(r"\b(?:or|nor)\b", re.I)
_LIST_VERB = prefilter.compile(r"\b(?:is|are|was|were|has|have|had|with|but)\b", re.I)


def _window(before: str) -> str:
    """The words a forward trigger may stand in: NegEx's window, stretched over a list of
    alternatives ("denied radiating symptoms or associated numbness or weakness"), where a negation
    covers every member however long the list is."""
    near = _last_words(before, _WINDOW)
    if near == before or not _DISJUNCTION.search(near):
        return near
    wide = _last_words(before, 2 * _WINDOW)
    for flag_regex in _FORWARD_RE.values():
        m = None
        for m in flag_regex.finditer(wide):
            pass
        if m is not None and not _LIST_VERB.search(wide, m.end()) and _DISJUNCTION.search(wide, m.end()):
            return wide
    return near


@dataclass(frozen=True)
class Context:
    flags: frozenset[Flag]

    @property
    def asserted(self) -> bool:
        """Neither negated, uncertain nor hypothetical (a historical finding is still asserted)."""
        return not (self.flags & {Flag.negated, Flag.uncertain, Flag.hypothetical})

    def __contains__(self, flag: object) -> bool:
        return flag in self.flags


def context(text: str, start: int, end: int | None = None) -> Context:
    """The flags that hold for the words at ``text[start:end]``."""
    end = start if end is None else end
    clause_start = _clause_start(text, start)
    clause_end = _clause_end(text, end)
    before = _window(text[max(clause_start, start - _REACH):start])
    before = _after_list_break(before)
    if _POLARITY.match(text, start):
        # "... without resistance, with positive Tinel's": a finding that states its own polarity
        # is negated only by a trigger right before it ("not positive").
        # So does one that says the examiner looked for the finding and did not find it.
        if not _FOUND_NOTHING_END.search(before):
            before = _last_words(before, 2)
    after = text[end:min(clause_end, end + _REACH)]
    flags = {flag for flag, regex in _FORWARD_RE.items() if regex.search(before)}
    flags |= {flag for flag, regex in _BACKWARD_RE.items() if regex.match(after.lstrip(" ,"))}
    return Context(frozenset(flags))


def _clause_start(text: str, pos: int) -> int:
    last = 0
    for m in _TERMINATOR.finditer(text, 0, pos):
        last = m.end()
    return last


def _clause_end(text: str, pos: int) -> int:
    m = _TERMINATOR.search(text, pos)
    return m.start() if m else len(text)
