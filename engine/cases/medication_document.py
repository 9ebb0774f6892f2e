"""The medication facts of the fact document: what the rules read of a requested drug's course and
response, the medications of record, GI risk and opioid monitoring, computed from the case fields.

Reading them from a letter is ``engine.letters.medication_facts``'s; this module only derives the values
from a validated case, for ``engine.cases.document.fact_document``.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from engine.cases.facts import Case, Request
from engine.cases.terms import drug_named, find_drugs
from engine.cases.vocab import DrugClass, GiRiskFactor, Improvement


@lru_cache(maxsize=4096)
def _drug_class(name: str) -> tuple[str, DrugClass] | None:
    """The generic name and class of a medication of record (its first drug named), if known.
    Cached: advice builds many fact documents of one case."""
    whole = drug_named(name)
    if whole is not None:
        return whole.name, whole.drug_class
    found = find_drugs(name)
    return (found[0][0].name, found[0][0].drug_class) if found else None


def _known(value: Improvement) -> str | None:
    return None if value is Improvement.unknown else value.value


def medication_document(document: dict[str, Any], case: Case, request: Request) -> None:
    """Add the medication facts of ``case`` and ``request`` to a fact document (in place)."""
    record = [c for m in case.medications if (c := _drug_class(m.name)) is not None]
    nsaids = {name for name, cls in record if cls is DrugClass.nsaid}
    document["exam"]["muscle_spasm"] = case.exam.muscle_spasm
    document["medications"]["nsaid"] = bool(nsaids)
    stated = case.gastrointestinal.risk_factors
    risks = None if stated is None else {r.value for r in stated}
    if len(nsaids) >= 2:  # several NSAIDs of record is itself a GI risk factor
        risks = (risks or set()) | {GiRiskFactor.multiple_nsaids.value}
    document["gastrointestinal"] = {
        "risk_factors": None if risks is None else sorted(risks),
        "risk_factor_count": None if risks is None else len(risks),
        "symptoms": case.gastrointestinal.symptoms,
    }
    m = case.opioid_monitoring
    document["opioid_monitoring"] = {"urine_drug_screen": m.urine_drug_screen, "cures_checked": m.cures_checked,
                                     "risk_screening": m.risk_screening, "aberrant_behavior": m.aberrant_behavior}
    requested = request.drug.split("/")[0] if request.drug else None
    other_same_class = None
    if request.drug_class is not None:
        other_same_class = any(cls is request.drug_class and name != requested for name, cls in record)
    document["request"].update({
        "continuing": request.continuing,
        "use_weeks": request.use_weeks,
        "pain_response": _known(request.pain_response),
        "function_response": _known(request.function_response),
        "first_line_failed": request.first_line_failed,
        "compounded": request.compounded,
        "other_same_class": other_same_class,
        "months_injury_to_request": _months(case.claimant.date_of_injury, request.date),
    })


def _months(start: dt.date | None, end: dt.date | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).days / 30.4375, 2)
