"""Agreement between predicted and actual IMR outcomes: the audit metrics.

Pure and independent of the rule engine: it takes ``AuditItem``s (one per decided request, built by
whoever ran the engine) and computes agreement, Cohen's kappa, the confusion matrix, a majority-class
baseline and breakdowns by service and by cited guideline. Nothing here reads a letter or a rule.

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
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

Label = Literal["Upheld", "Overturned"]
LABELS: tuple[Label, Label] = ("Upheld", "Overturned")
BASELINE_LABEL: Label = "Upheld"

ACUPUNCTURE = "MTUS Acupuncture Medical Treatment Guidelines"
CHRONIC_PAIN = "MTUS Chronic Pain Medical Treatment Guidelines"
ACOEM = "MTUS ACOEM Practice Guidelines"
OTHER = "other/none"
GUIDELINE_FAMILIES: tuple[str, ...] = (ACUPUNCTURE, CHRONIC_PAIN, ACOEM, OTHER)


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
    category: str | None = Field(None, description="the service's category (engine.vocab.Category)")
    guideline_edition: str | None = Field(
        None, description="the first guideline the reviewer cites, with its edition year (e.g. 'Low Back Complaints 2004')")
    reviewer_specialty: str | None = None
    decision_date: dt.date | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def agree(self) -> bool | None:
        """predicted == actual; None when there is no prediction."""
        return None if self.predicted is None else self.predicted == self.actual


class Breakdown(BaseModel):
    """Agreement within one group (a service, or a guideline family)."""

    model_config = ConfigDict(frozen=True)

    items: int = Field(description="all items of the group, predicted or not")
    evaluated: int = Field(description="items of the group with a prediction")
    agree: int
    agreement: float | None = Field(description="agree / evaluated; None when nothing evaluated")


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
    by_service: dict[str, Breakdown]
    by_guideline: dict[str, Breakdown]
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


def _rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _breakdown(items: list[AuditItem], key: Callable[[AuditItem], str]) -> dict[str, Breakdown]:
    groups: dict[str, list[AuditItem]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    out: dict[str, Breakdown] = {}
    for name in sorted(groups):
        group = groups[name]
        evaluated = sum(1 for i in group if i.predicted is not None)
        agree = sum(1 for i in group if i.agree)
        out[name] = Breakdown(
            items=len(group), evaluated=evaluated, agree=agree, agreement=_rate(agree, evaluated)
        )
    return out


def summarize(items: list[AuditItem]) -> Summary:
    """Agreement, kappa, confusion matrix, baseline and breakdowns of ``items``."""
    items = list(items)
    evaluated = [i for i in items if i.predicted is not None]
    pairs = [(i.actual, i.predicted) for i in evaluated if i.predicted is not None]
    table = confusion_matrix(pairs)
    agree = sum(1 for i in evaluated if i.agree)
    baseline = confusion_matrix((i.actual, BASELINE_LABEL) for i in evaluated)
    baseline_agree = sum(1 for i in evaluated if i.actual == BASELINE_LABEL)
    return Summary(
        items=items,
        total=len(items),
        evaluated=len(evaluated),
        no_prediction=len(items) - len(evaluated),
        agreement=_rate(agree, len(evaluated)),
        cohen_kappa=cohen_kappa(table),
        confusion=table,
        baseline_agreement=_rate(baseline_agree, len(evaluated)),
        baseline_kappa=cohen_kappa(baseline),
        by_service=_breakdown(items, lambda i: i.service),
        by_guideline=_breakdown(items, lambda i: guideline_family(i.cited_guideline)),
        disagreements=[i for i in items if i.agree is False],
    )


class Tally:
    """The metrics of ``summarize``, counted item by item in constant memory (no item list).

    For a streamed run (``imr audit --out``), whose items are in the results file.
    """

    def __init__(self) -> None:
        self.total = 0
        self.table = confusion_matrix(())
        self.groups: dict[str, dict[str, list[int]]] = {"service": {}, "guideline": {}}

    def add(self, item: AuditItem) -> None:
        self.total += 1
        if item.predicted is not None:
            self.table[item.actual][item.predicted] += 1
        for kind, key in (("service", item.service), ("guideline", guideline_family(item.cited_guideline))):
            counts = self.groups[kind].setdefault(key, [0, 0, 0])
            counts[0] += 1
            counts[1] += item.predicted is not None
            counts[2] += bool(item.agree)

    def summary(self) -> Summary:
        """A Summary with the same metrics as ``summarize`` would give, and empty item lists."""
        evaluated = sum(self.table[a][p] for a in LABELS for p in LABELS)
        agree = sum(self.table[label][label] for label in LABELS)
        upheld = sum(self.table[BASELINE_LABEL].values())
        baseline = {a: {p: (sum(self.table[a].values()) if p == BASELINE_LABEL else 0) for p in LABELS}
                    for a in LABELS}

        def breakdowns(kind: str) -> dict[str, Breakdown]:
            return {k: Breakdown(items=n, evaluated=e, agree=g, agreement=_rate(g, e))
                    for k, (n, e, g) in sorted(self.groups[kind].items())}

        return Summary(
            items=[], total=self.total, evaluated=evaluated, no_prediction=self.total - evaluated,
            agreement=_rate(agree, evaluated), cohen_kappa=cohen_kappa(self.table),
            confusion={a: dict(r) for a, r in self.table.items()},
            baseline_agreement=_rate(upheld, evaluated), baseline_kappa=cohen_kappa(baseline),
            by_service=breakdowns("service"), by_guideline=breakdowns("guideline"), disagreements=[],
        )


def guideline_family(line: str | None) -> str:
    """The guideline family a reviewer's guideline line cites, for grouping.

    Letters write the same guideline many ways ("MTUS Acupuncture Treatment Guidelines.",
    "MTUS Chronic Pain Treatment Guidelines ACUPUNCTURE MEDICAL TREATMENT GUIDELINES, pages 8-9").
    The most specific guideline named wins: Acupuncture, then Chronic Pain, then ACOEM, because a
    line that names the acupuncture guidelines inside the chronic pain document (as reviewers do
    for its pp. 8-9) is about acupuncture. Anything marked non-MTUS (ODG, later ACOEM editions
    cited outside the MTUS), empty or unrecognised is "other/none".
    """
    if not line:
        return OTHER
    text = " ".join(line.lower().split())
    if text.startswith("decision based on"):
        text = text[len("decision based on"):].strip()
    if not text or "non-mtus" in text or "non mtus" in text:
        return OTHER
    # Section numbers: 9792.24.1 is the Acupuncture guidelines, 9792.24.2 the Chronic Pain ones
    # (since July 18, 2009).
    if ("acupuncture" in text and "guideline" in text) or "9792.24.1" in text:
        return ACUPUNCTURE
    if "chronic pain" in text or "9792.24.2" in text:
        return CHRONIC_PAIN
    if "acoem" in text:
        return ACOEM
    return OTHER


__all__ = [
    "ACOEM", "ACUPUNCTURE", "BASELINE_LABEL", "CHRONIC_PAIN", "GUIDELINE_FAMILIES", "LABELS", "OTHER",
    "AuditItem", "Breakdown", "Label", "Summary", "Tally", "cohen_kappa", "confusion_matrix",
    "guideline_family", "summarize",
]
