"""The fact document built from a case and one request.

``fact_document`` produces exactly the paths of the fact table (``engine.cases.facttable.FACTS``).
Unknown values ("unknown" enum members, null numbers) all become ``None`` here, so a rule can test
``known: false`` the same way for every fact. The request's actual determination is not part of the
document: the engine cannot read what it must predict.
"""
from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any, Sequence

from engine.cases.facts import Case, Request
from engine.cases.medication_document import medication_document
from engine.cases.terms import find_body_regions
from engine.cases.vocab import MODALITIES, BodyRegion, Service, family


def _known(value: Any) -> Any:
    """Enum members named 'unknown' become None; enums become their plain values."""
    if isinstance(value, Enum):
        value = value._value_  # what ``.value`` returns, without its descriptor (many a decision)
        return None if value == "unknown" else value
    return value


def _months_between(start: dt.date | None, end: dt.date | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).days / 30.4375, 2)


def _any_flag(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


# The treatment of record is taken as complete: a modality not in it was not given.
_NOT_GIVEN = {"recorded": False, "sessions": 0, "approved": None, "functional_improvement": None,
              "ongoing": False, "failed": None, "relief_percent": None, "relief_weeks": None,
              "months_since_last": None}


def _history(case: Case, day: dt.date | None) -> dict[str, dict[str, Any]]:
    # Every modality not given first (a copy each: a document is the caller's to change), in
    # ``MODALITIES`` order; the recorded ones then replace theirs in place.
    not_given = _NOT_GIVEN.copy
    history: dict[str, dict[str, Any]] = {modality: not_given() for modality in MODALITIES}
    # The treatments grouped by modality once (in their order), not the list scanned per modality.
    by_modality: dict[str, list[Any]] = {}
    for t in case.treatments:
        if t.modality.value in history:  # only the modalities of ``MODALITIES`` are facts
            by_modality.setdefault(t.modality.value, []).append(t)
    for modality, entries in by_modality.items():
        counts = [t.sessions for t in entries]
        approved = [t.approved for t in entries if t.approved is not None]
        improvements = {_known(t.functional_improvement) for t in entries} - {None}
        history[modality] = {
            "recorded": True,
            "sessions": None if any(c is None for c in counts) else sum(c for c in counts if c),
            "approved": sum(approved) if approved else None,
            # One documented course is enough; a documented absence only when nothing says otherwise.
            "functional_improvement": "documented" if "documented" in improvements
            else ("none" if "none" in improvements else None),
            "ongoing": any(t.ongoing for t in entries),
            "failed": _any_flag([t.failed for t in entries]) if any(
                t.failed is not None for t in entries) else None,
            "relief_percent": max((t.relief_percent for t in entries if t.relief_percent is not None), default=None),
            "relief_weeks": max((t.relief_weeks for t in entries if t.relief_weeks is not None), default=None),
            "months_since_last": _months_between(
                max((t.last_date for t in entries if t.last_date is not None), default=None), day),
        }
    return history


_FAMILIES: dict[str, tuple[str, ...]] = {}


def _same_family(service: str) -> tuple[str, ...]:
    """The modalities of the service's family, in ``MODALITIES`` order (remembered per service)."""
    hit = _FAMILIES.get(service)
    if hit is None:
        hit = _FAMILIES[service] = tuple(m for m in MODALITIES if family(m) == family(service))
    return hit


def judged_day(request: Request, today: dt.date | None = None) -> dt.date:
    """The day a request is judged as of: its judged_on (a letter's decision date, or the period of
    the edition its reviewer cites), else its own date, else ``today`` (--today), else the clock."""
    return request.judged_on or request.date or today or dt.date.today()


def fact_document(case: Case, request: Request, day: dt.date | None = None) -> dict[str, Any]:
    """The nested fact object a rule set is evaluated against (dotted paths index into it).

    Every "months since" is counted to ``day``, the day the request is judged as of (the same day
    that picked the rules in force); without it, to the request's judged_on or own date.
    """
    day = day or request.judged_on or request.date
    c = case.claimant
    history = _history(case, day)
    same = [history[m] for m in _same_family(request.service.value)]
    prior_recorded = any(h["recorded"] for h in same)
    counts = [h["sessions"] for h in same]
    prior = None if any(c is None for c in counts) else sum(counts)
    surgery_dates = [s.date for s in case.surgery if s.date is not None]
    red_flags = case.exam.red_flags
    document = {
        "claimant": {
            "age": c.age,
            "sex": _known(c.sex),
            "date_of_injury": c.date_of_injury.isoformat() if c.date_of_injury else None,
            "work_status": _known(c.work_status),
            "permanent_restrictions": c.permanent_restrictions,
            "homebound": c.homebound,
        },
        "conditions": sorted({x.value for x in case.conditions}),
        "body_regions": sorted({x.value for x in case.body_regions}),
        "medications": {
            "count": len(case.medications),
            "opioid": _any_flag([m.opioid for m in case.medications]),
            "muscle_relaxant": _any_flag([m.muscle_relaxant for m in case.medications]),
        },
        "functional_status": {
            "adl": _known(case.functional_status.adl),
            "work_restrictions": _known(case.functional_status.work_restrictions),
            "medication_use": _known(case.functional_status.medication_use),
        },
        "exam": {
            "neurologic": _known(case.exam.neurologic),
            "red_flags": None if red_flags is None else sorted({x.value for x in red_flags}),
            "red_flag_count": None if red_flags is None else len(set(red_flags)),
            "electrodiagnostic": _known(case.exam.electrodiagnostic),
            "imaging": _known(case.exam.imaging),
            "trigger_points": case.exam.trigger_points,
            "reduced_weight_bearing": case.exam.reduced_weight_bearing,
        },
        "program_evaluation": case.program_evaluation.model_dump(mode="python"),
        "surgery": {
            "count": len(case.surgery),
            "months_since_latest": _months_between(max(surgery_dates), day)
            if surgery_dates else None,
        },
        "planned_procedures": {"count": len(case.planned_procedures)},
        "history": history,
        "request": {
            "service": request.service.value,
            "quantity": request.quantity,
            "frequency_per_week": request.frequency_per_week,
            "duration_weeks": request.duration_weeks,
            "body_regions": sorted({x.value for x in request.body_regions}),
            "date": request.date.isoformat() if request.date else None,
            "purpose": _known(request.purpose),
            "employer_authorized": request.employer_authorized,
            "post_surgical": request.post_surgical,
            "acquisition": _known(request.acquisition),
            "levels": request.levels,
            "approach": _known(request.approach),
            "drug_class": _known(request.drug_class),
            "ingredients": [] if not request.drug else sorted(set(request.drug.split("/"))),
            "treated_regions": sorted({x.value for x in (request.body_regions or case.body_regions)}),
            "months_since_injury": _months_between(c.date_of_injury, day),
            "prior_recorded": prior_recorded,
            "prior_sessions": prior,
            "total_with_prior": None if request.quantity is None or prior is None
            else request.quantity + prior,
            "equipment": _known(request.equipment),
            "home_care": _known(request.home_care),
            "hours_per_week": request.hours_per_week,
            "lab": _known(request.lab),
            **_regional(case, request),
        },
    }
    medication_document(document, case, request)
    return document


# A request for an extremity covers its joints; a joint request covers only itself (a knee finding
# never supports a shoulder study). Nerve studies of a limb also look at the spine that supplies it.
_LIMB_PARTS: dict[BodyRegion, frozenset[BodyRegion]] = {
    BodyRegion.upper_extremity: frozenset({BodyRegion.shoulder, BodyRegion.elbow, BodyRegion.forearm,
                                           BodyRegion.wrist_hand}),
    BodyRegion.lower_extremity: frozenset({BodyRegion.hip, BodyRegion.knee, BodyRegion.ankle_foot}),
}
_LIMB_OF: dict[BodyRegion, BodyRegion] = {p: limb for limb, parts in _LIMB_PARTS.items() for p in parts}
_NERVE_SUPPLY = {BodyRegion.upper_extremity: BodyRegion.cervical_spine,
                 BodyRegion.lower_extremity: BodyRegion.lumbar_spine}


def request_regions(request: Request) -> set[BodyRegion]:
    """The body regions whose findings bear on a request."""
    regions: set[BodyRegion] = set()
    for r in request.body_regions:
        regions.add(r)
        regions |= _LIMB_PARTS.get(r, frozenset())
        if request.service is Service.electrodiagnostic:
            limb = _LIMB_OF.get(r, r if r in _LIMB_PARTS else None)
            if limb is not None:
                regions |= {limb, _NERVE_SUPPLY[limb]} | _LIMB_PARTS[limb]
    return regions


def _regional(case: Case, request: Request) -> dict[str, Any]:
    regions = request_regions(request)
    planned = any(set(find_body_regions(p)) & regions for p in case.planned_procedures)
    ordered = request.ordered_on or request.date
    return {
        "region_findings": sorted({f.finding.value for f in case.regional_findings if f.body_region in regions}),
        "region_procedure_planned": planned if case.planned_procedures else False,
        "months_injury_to_order": _months_between(case.claimant.date_of_injury, ordered),
        "studies": sorted({s.value for s in request.studies}),
    }


def lookup(document: dict[str, Any], path: str) -> Any:
    """The value at a dotted path (None when any step is missing or null)."""
    return walk(document, path.split("."))


def walk(document: dict[str, Any], parts: Sequence[str]) -> Any:
    """The value at a path already split into its parts (``lookup`` for a path used many times)."""
    node: Any = document
    for part in parts:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def flatten(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted path -> value, for every leaf (lists are leaves)."""
    out: dict[str, Any] = {}
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out
