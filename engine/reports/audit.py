"""Agreement between predicted and actual IMR outcomes: the audit metrics.

Independent of the rule engine: ``audit_items`` turns a case and its decision into ``AuditItem``s
(one per request with an actual determination), and the rest computes coverage, agreement, Cohen's
kappa, the confusion matrix, a majority-class baseline and the breakdowns. Nothing here reads a
letter or a rule.

Conventions:

- An item with ``predicted=None`` ("no prediction") is counted in ``total`` and ``no_prediction``
  but excluded from every rate, the confusion matrix and kappa: a rate over items the engine did not
  decide would mix two questions.
- Rates over zero evaluated items are ``None``, never 0: "nothing to measure" is not "all wrong".
- Cohen's kappa is ``(po - pe) / (1 - pe)`` with ``pe`` from the marginals of the actual and the
  predicted labels. It is ``None`` (undefined) when ``pe == 1``, which happens exactly when both
  sides use one and the same label for every item (e.g. all Upheld, predicted all Upheld): chance
  alone would then agree perfectly, and the 0/0 carries no information. Computed with exact
  fractions so that the ``pe == 1`` test is exact.
- The baseline always predicts "Upheld" (the majority outcome of IMR, about 9 in 10). It is scored
  on the same evaluated items as the engine so that the two numbers compare like with like. Its
  kappa is 0.0 by definition whenever it is defined (a constant predictor agrees exactly at chance:
  po == pe), and ``None`` when every evaluated actual is Upheld (then pe == 1) or nothing was
  evaluated.
"""
from __future__ import annotations

import datetime as dt

from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

if TYPE_CHECKING:
    from engine.cases.facts import Case
    from engine.contract import CaseDecision

Label = Literal["Upheld", "Overturned"]
LABELS: tuple[Label, Label] = ("Upheld", "Overturned")
BASELINE_LABEL: Label = "Upheld"

ACUPUNCTURE = "MTUS Acupuncture Medical Treatment Guidelines"
CHRONIC_PAIN = "MTUS Chronic Pain Medical Treatment Guidelines"
ACOEM = "MTUS ACOEM Practice Guidelines"
POSTSURGICAL = "MTUS Postsurgical Treatment Guidelines"
OTHER = "other/none"
GUIDELINE_FAMILIES: tuple[str, ...] = (ACUPUNCTURE, CHRONIC_PAIN, ACOEM, POSTSURGICAL, OTHER)


class AuditItem(BaseModel):
    """One disputed request: what the reviewer decided and what the engine predicted."""

    # extra="ignore" (not forbid) so that a dumped item, which carries the computed `agree`,
    # validates back into an equal item.
    model_config = ConfigDict(frozen=True, extra="ignore")

    case_id: str | None = None
    request: str
    service: str
    cited_guideline: str | None = Field(None, description="the reviewer's guideline line")
    actual: Label
    predicted: Label | None = Field(None, description="None: the engine made no prediction")
    rules: list[str] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    rationale: str = ""
    category: str | None = Field(None, description="the service's category (engine.cases.vocab.Category)")
    guideline_edition: str | None = Field(
        None, description="the first guideline the reviewer cites, with its edition year (e.g. 'Low Back Complaints 2004')")
    reviewer_specialty: str | None = None
    decision_date: dt.date | None = None
    no_prediction_reason: str | None = Field(
        None, description="why there is no prediction (engine.contract.NoPredictionReason)")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def agree(self) -> bool | None:
        """predicted == actual; None when there is no prediction."""
        return None if self.predicted is None else self.predicted == self.actual


NO_GROUP = "(not stated)"


class Breakdown(BaseModel):
    """Agreement and coverage within one group (a category, service, guideline, edition, specialty)."""

    model_config = ConfigDict(frozen=True)

    items: int = Field(description="all items of the group, predicted or not")
    evaluated: int = Field(description="items of the group with a prediction")
    agree: int
    agreement: float | None = Field(description="agree / evaluated; None when nothing evaluated")
    baseline_agree: int = Field(0, description="evaluated items whose actual is Upheld (the baseline's hits)")
    kappa: float | None = Field(None, description="Cohen's kappa over the evaluated items")
    by_criterion: int = Field(0, description="items predicted by an encoded criterion (deciding rules fired)")
    by_criterion_agree: int = 0
    by_criterion_baseline_agree: int = Field(0, description="of those, items whose actual is Upheld")
    no_criterion_met: int = Field(0, description="items predicted Upheld by default: no criterion met")
    no_prediction: dict[str, int] = Field(default_factory=dict, description="items without prediction, by reason")


class Letters(BaseModel):
    """Agreement per letter: a worker's items in one letter are not independent of each other."""

    model_config = ConfigDict(frozen=True)

    letters: int
    predicted: int = Field(description="letters with at least one predicted item")
    all_agree: int = Field(description="of those, letters where every predicted item agrees")
    baseline_all_agree: int = Field(description="letters where every predicted item's actual is Upheld")


class Summary(BaseModel):
    """The audit of a set of items."""

    model_config = ConfigDict(frozen=True)

    items: list[AuditItem]
    total: int
    evaluated: int
    no_prediction: int
    agreement: float | None
    cohen_kappa: float | None
    confusion: dict[str, dict[str, int]] = Field(
        description="actual -> predicted -> count, over the evaluated items, both labels always present"
    )
    baseline_agreement: float | None = Field(description="always-Upheld baseline, same items")
    baseline_kappa: float | None = Field(description="0.0 when defined; None when pe == 1")
    overall: Breakdown = Field(description="coverage and agreement over all items, as in the breakdowns")
    by_category: dict[str, Breakdown]
    by_service: dict[str, Breakdown]
    by_guideline: dict[str, Breakdown]
    by_edition: dict[str, Breakdown]
    by_specialty: dict[str, Breakdown]
    letters: Letters
    disagreements: list[AuditItem]


def confusion_matrix(pairs: Iterable[tuple[Label, Label]]) -> dict[str, dict[str, int]]:
    """Counts of (actual, predicted) pairs as {actual: {predicted: count}}, zeros included."""
    table = {a: {p: 0 for p in LABELS} for a in LABELS}
    for actual, predicted in pairs:
        table[actual][predicted] += 1
    return table


def cohen_kappa(table: dict[str, dict[str, int]]) -> float | None:
    """Cohen's kappa of a confusion matrix; None when undefined (no items, or pe == 1)."""
    n = sum(table[a][p] for a in LABELS for p in LABELS)
    if n == 0:
        return None
    po = Fraction(sum(table[label][label] for label in LABELS), n)
    pe = sum(
        (Fraction(sum(table[label].values()), n) * Fraction(sum(table[a][label] for a in LABELS), n)
         for label in LABELS),
        Fraction(0),
    )
    if pe == 1:
        return None
    return float((po - pe) / (1 - pe))


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator; None over nothing ("nothing to measure" is not 0)."""
    return None if denominator == 0 else numerator / denominator


class _Group:
    """The counts behind one Breakdown, added item by item."""

    def __init__(self) -> None:
        self.items = 0
        self.table = confusion_matrix(())
        self.criterion = [0, 0, 0]  # predicted by a criterion, of which agree, of which actual Upheld
        self.default = 0
        self.unpredicted: dict[str, int] = {}

    def add(self, item: AuditItem) -> None:
        self.items += 1
        if item.predicted is None:
            reason = item.no_prediction_reason or "unknown"
            self.unpredicted[reason] = self.unpredicted.get(reason, 0) + 1
            return
        self.table[item.actual][item.predicted] += 1
        if item.rules:
            self.criterion[0] += 1
            self.criterion[1] += bool(item.agree)
            self.criterion[2] += item.actual == BASELINE_LABEL
        else:
            self.default += 1

    def breakdown(self) -> Breakdown:
        evaluated = sum(self.table[a][p] for a in LABELS for p in LABELS)
        agree = sum(self.table[label][label] for label in LABELS)
        return Breakdown(
            items=self.items, evaluated=evaluated, agree=agree, agreement=rate(agree, evaluated),
            baseline_agree=sum(self.table[BASELINE_LABEL].values()), kappa=cohen_kappa(self.table),
            by_criterion=self.criterion[0], by_criterion_agree=self.criterion[1],
            by_criterion_baseline_agree=self.criterion[2], no_criterion_met=self.default,
            no_prediction=dict(sorted(self.unpredicted.items())),
        )


_KEYS: dict[str, Callable[[AuditItem], str | None]] = {
    "category": lambda i: i.category,
    "service": lambda i: i.service,
    "guideline": lambda i: guideline_family(i.cited_guideline),
    "edition": lambda i: i.guideline_edition,
    # The first specialty listed: the combinations ("Orthopedic Surgery, Sports Medicine") are many.
    "specialty": lambda i: (i.reviewer_specialty or "").split(",")[0].strip() or None,
}


class Tally:
    """The audit's metrics, counted item by item.

    Memory grows with the number of groups and letters (a few integers each), never with the items:
    a streamed run (``imr audit --out``) keeps its items in the results file. ``summarize`` is this
    tally over a list, so the two give the same metrics by construction.
    """

    def __init__(self) -> None:
        self.total = 0
        self.overall = _Group()
        self.groups: dict[str, dict[str, _Group]] = {kind: {} for kind in _KEYS}
        self.letters: dict[str, list[bool]] = {}  # letter -> [any predicted, all agree, all actual Upheld]

    def add(self, item: AuditItem) -> None:
        self.total += 1
        self.overall.add(item)
        for kind, key in _KEYS.items():
            self.groups[kind].setdefault(key(item) or NO_GROUP, _Group()).add(item)
        letter = self.letters.setdefault(item.case_id or "", [False, True, True])
        if item.predicted is not None:
            letter[0] = True
            letter[1] = letter[1] and bool(item.agree)
            letter[2] = letter[2] and item.actual == BASELINE_LABEL

    def summary(self, items: list[AuditItem] | None = None) -> Summary:
        """The Summary of what was added; ``items`` (all of them, in order) are kept in it when given."""
        overall = self.overall.breakdown()
        table = {a: dict(r) for a, r in self.overall.table.items()}
        baseline = {a: {p: (sum(table[a].values()) if p == BASELINE_LABEL else 0) for p in LABELS}
                    for a in LABELS}
        groups = {kind: {k: g.breakdown() for k, g in sorted(found.items())} for kind, found in self.groups.items()}
        predicted = [v for v in self.letters.values() if v[0]]
        items = list(items or [])
        return Summary(
            items=items, total=self.total, evaluated=overall.evaluated,
            no_prediction=self.total - overall.evaluated, agreement=overall.agreement,
            cohen_kappa=overall.kappa, confusion=table,
            baseline_agreement=rate(overall.baseline_agree, overall.evaluated),
            baseline_kappa=cohen_kappa(baseline), overall=overall,
            by_category=groups["category"], by_service=groups["service"], by_guideline=groups["guideline"],
            by_edition=groups["edition"], by_specialty=groups["specialty"],
            letters=Letters(letters=len(self.letters), predicted=len(predicted),
                            all_agree=sum(1 for v in predicted if v[1]),
                            baseline_all_agree=sum(1 for v in predicted if v[2])),
            disagreements=[i for i in items if i.agree is False],
        )


def summarize(items: Iterable[AuditItem]) -> Summary:
    """Agreement, kappa, confusion matrix, baseline, coverage and breakdowns of ``items``."""
    items = list(items)
    tally = Tally()
    for item in items:
        tally.add(item)
    return tally.summary(items)


_ACOEM_CHAPTERS = ("complaints", "general approaches", "initial approaches", "elbow disorders",
                   "stress related", "eye", "hip and groin")


def guideline_family(line: str | None) -> str:
    """The guideline family a reviewer's guideline line cites, for grouping.

    Letters write the same guideline many ways ("MTUS Acupuncture Treatment 2007", "MTUS Chronic
    Pain Treatment Guidelines ACUPUNCTURE MEDICAL TREATMENT GUIDELINES, pages 8-9", "MTUS Low Back
    Complaints 2004"); the line is read as citations (``engine.cases.citations``) and its MTUS guidelines
    named. The most specific family wins: Acupuncture, then Chronic Pain (with the 2016 Opioid
    Treatment Guidelines, part of it), then ACOEM (the chapters the MTUS adopted), because a line
    that names the acupuncture guidelines inside the chronic pain document (as reviewers do for its
    pp. 8-9) is about acupuncture. Non-MTUS only (ODG, later ACOEM editions cited outside the MTUS),
    no evidence cited, empty or unrecognised is "other/none".
    """
    from engine.cases.citations import CitationKind, parse_citations

    cited = [c.guideline.lower() for c in parse_citations(line) if c.kind is CitationKind.mtus and c.guideline]
    text = " ".join((line or "").lower().split())
    if text.startswith("decision based on"):
        text = text[len("decision based on"):].strip()
    if "non-mtus" in text or "non mtus" in text:
        text = ""
    # The whole line as well as the citations: the seed letters' older lines ("MTUS Chronic Pain
    # Treatment Guidelines ACUPUNCTURE MEDICAL TREATMENT GUIDELINES, pages 8-9") name the part.
    if any("acupuncture" in n for n in cited) or ("acupuncture" in text and "guideline" in text) \
            or "9792.24.1" in text:
        return ACUPUNCTURE
    # Section numbers: 9792.24.2 is the Chronic Pain guidelines (since July 18, 2009).
    if any("chronic pain" in n or "opioid" in n for n in cited + [text]) or "9792.24.2" in text:
        return CHRONIC_PAIN
    if any(n.startswith(_ACOEM_CHAPTERS) or n.endswith(_ACOEM_CHAPTERS) for n in cited) or "acoem" in text:
        return ACOEM
    if any("postsurgical" in n for n in cited + [text]):
        return POSTSURGICAL
    return OTHER


def audit_items(case: "Case", decision: "CaseDecision") -> list[AuditItem]:
    """One audit item per request that carries an actual determination."""
    from engine.cases.vocab import category

    items = []
    for request, d in zip(case.requests, decision.decisions):
        if request.determination is None:
            continue
        items.append(AuditItem(
            case_id=case.case_id or decision.source, request=request.text, service=d.service,
            cited_guideline=request.determination.guideline, actual=request.determination.outcome.value,
            predicted=d.outcome, rules=d.rules, citations=d.citations,
            rationale=d.rationale if d.outcome is not None else (d.no_prediction or d.rationale),
            category=category(d.service).value, guideline_edition=_edition(request.determination.guideline),
            reviewer_specialty=request.determination.reviewer_specialty,
            decision_date=request.determination.decided_on, no_prediction_reason=d.no_prediction_reason,
        ))
    return items


def _edition(line: str | None) -> str | None:
    """The first guideline a reviewer's line cites, with its edition: 'Low Back Complaints 2004'."""
    from engine.cases.citations import parse_citations

    citations = parse_citations(line)
    for c in citations:
        if c.kind == "mtus" and c.guideline:
            year = c.edition_year or ("2009, by page" if c.pages and "Chronic Pain" in c.guideline else None)
            return f"MTUS {c.guideline}" + (f" {year}" if year else "")
    for c in citations:
        # Non-MTUS sources are many and loosely written: ODG by name, the rest as one group.
        if c.kind == "non_mtus":
            return "non-MTUS ODG" if c.guideline == "ODG" else "non-MTUS other"
        if c.kind == "none":
            return "no medical evidence cited"
    return None


__all__ = [
    "ACOEM", "ACUPUNCTURE", "BASELINE_LABEL", "CHRONIC_PAIN", "GUIDELINE_FAMILIES", "LABELS", "OTHER",
    "POSTSURGICAL",
    "AuditItem", "Breakdown", "audit_items", "Label", "Letters", "NO_GROUP", "Summary", "Tally", "cohen_kappa", "confusion_matrix",
    "guideline_family", "summarize",
]
