"""The fact space rules speak about, and the fact document built from a case and one request.

Every fact a rule may name is declared in ``FACTS`` with its type; ``fact_document`` produces exactly
those paths. Unknown values ("unknown" enum members, null numbers) all become ``None`` here, so a rule
can test ``known: false`` the same way for every fact. The request's actual determination is not part
of the document: the engine cannot read what it must predict.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Iterable

from engine.cases.facts import Case, Request
from engine.cases.medication_document import medication_document
from engine.cases.terms import find_body_regions, generic_names
from engine.cases.vocab import (
    MODALITIES,
    Acquisition,
    Equipment,
    HomeCare,
    LabTest,
    AdlChange,
    BodyRegion,
    Condition,
    DrugClass,
    GiRiskFactor,
    Improvement,
    InjectionApproach,
    MedicationChange,
    Neurologic,
    Purpose,
    RedFlag,
    RestrictionChange,
    Service,
    Sex,
    TestResult,
    WorkStatus,
    family,
    ElectrodiagnosticStudy,
    RegionalFinding,
)


@dataclass(frozen=True)
class FactType:
    """The type of a fact path: what comparisons make sense and which values are allowed."""

    kind: str  # integer | number | boolean | enum | date | list
    values: tuple[str, ...] = ()  # allowed members, for enum and list facts
    description: str = ""  # what the value means exactly (the rule author's reference)
    words: str = ""  # the fact in plain words, as a provider reads it (the trace, the pre-check, advice, the form)

    @property
    def numeric(self) -> bool:
        return self.kind in ("integer", "number")

    def describe(self) -> str:
        if self.kind in ("enum", "list"):
            return f"{self.kind} of {', '.join(self.values)}"
        return self.kind


def _members(enum: type[Enum], drop: Iterable[str] = ("unknown",)) -> tuple[str, ...]:
    return tuple(m.value for m in enum if m.value not in drop)


def _enum(enum: type[Enum], description: str = "") -> FactType:
    return FactType("enum", _members(enum), description)


def _list(enum: type[Enum], description: str = "") -> FactType:
    return FactType("list", _members(enum), description)


def _w(ftype: FactType, words: str) -> FactType:
    return replace(ftype, words=words)


# The earlier treatment of a modality, in plain words ({m}: the modality); also the words of the
# case fields they are computed from (engine.decide.advice, the request form).
HISTORY_WORDS = {
    "recorded": "whether {m} was given before",
    "sessions": "the number of earlier {m} sessions",
    "approved": "the number of {m} sessions authorized so far",
    "functional_improvement": "functional improvement from the earlier {m}",
    "ongoing": "whether {m} is ongoing",
    "failed": "whether {m} was tried without benefit",
    "relief_percent": "the pain relief after {m}, in percent",
    "relief_weeks": "how long the relief after {m} lasted, in weeks",
}

INTEGER, NUMBER, BOOLEAN, DATE = FactType("integer"), FactType("number"), FactType("boolean"), FactType("date")

FACTS: dict[str, FactType] = {
    "claimant.age": _w(INTEGER, "the claimant's age"),
    "claimant.sex": _w(_enum(Sex), "the claimant's sex"),
    "claimant.date_of_injury": _w(DATE, "the date of injury"),
    "claimant.work_status": _w(_enum(WorkStatus), "the claimant's work status (full duty, modified duty or off work)"),
    "claimant.permanent_restrictions": _w(BOOLEAN, "whether permanent work restrictions are in place"),
    "conditions": _w(_list(Condition), "the conditions diagnosed"),
    "body_regions": _w(_list(BodyRegion), "the body regions injured"),
    "medications.count": _w(INTEGER, "the medications in use"),
    "medications.opioid": _w(FactType("boolean", description="any opioid; null if not stated for some"),
        "whether any medication in use is an opioid"),
    "medications.muscle_relaxant": _w(BOOLEAN, "whether any medication in use is a muscle relaxant"),
    "functional_status.adl": _w(_enum(AdlChange),
        "the change in activities of daily living since the earlier treatment"),
    "functional_status.work_restrictions": _w(_enum(RestrictionChange),
        "the change in work restrictions since the earlier treatment"),
    "functional_status.medication_use": _w(_enum(MedicationChange),
        "the change in medication use (dependency on continued medical treatment) since the earlier treatment"),
    "exam.neurologic": _w(_enum(Neurologic), "the neurologic examination findings"),
    "exam.red_flags": _w(_list(RedFlag),
        "whether the examination found red flags (cauda equina, fracture, tumor, infection, "
        "progressive neurologic deficit)"),
    "exam.red_flag_count": _w(INTEGER, "whether the examination found red flags"),
    "exam.electrodiagnostic": _w(_enum(TestResult), "electrodiagnostic (EMG/NCS) findings"),
    "exam.imaging": _w(_enum(TestResult), "imaging findings corroborating the clinical findings"),
    "exam.trigger_points": _w(BOOLEAN, "whether trigger points with a twitch response and referred pain were found"),
    "exam.reduced_weight_bearing": FactType(
        "boolean", description="reduced weight bearing is desirable (e.g. extreme obesity)"),
    "program_evaluation.baseline_functional_testing": FactType(
        "boolean", description="FRP admission: adequate evaluation with baseline functional testing"),
    "program_evaluation.previous_treatment_failed": FactType(
        "boolean", description="FRP admission: previous treatment failed and no other option is likely to help"),
    "program_evaluation.loss_of_independent_function": FactType(
        "boolean", description="FRP admission: significant loss of ability to function independently"),
    "program_evaluation.surgical_candidate": FactType(
        "boolean", description="FRP admission: candidate for surgery or another clearly warranted treatment"),
    "program_evaluation.motivated": FactType(
        "boolean", description="FRP admission: motivated to change, willing to forgo secondary gains"),
    "program_evaluation.negative_predictors_addressed": FactType(
        "boolean", description="FRP admission: negative predictors of success addressed"),
    "surgery.count": _w(INTEGER, "the surgery of record"),
    "surgery.months_since_latest": _w(NUMBER, "the date of the latest surgery"),
    "planned_procedures.count": _w(INTEGER, "the invasive procedures under consideration"),
    "request.service": _w(_enum(Service), "the requested service"),
    "request.quantity": _w(INTEGER, "the number of treatments requested"),
    "request.frequency_per_week": _w(NUMBER, "how many treatments a week are requested"),
    "request.duration_weeks": _w(NUMBER, "over how many weeks the treatments are requested"),
    "request.body_regions": _w(_list(BodyRegion), "the body regions the request is for"),
    "request.date": _w(DATE, "the date of the request"),
    "request.purpose": _w(_enum(Purpose), "the purpose of the requested care (therapeutic, maintenance or flare-up)"),
    "request.employer_authorized": _w(BOOLEAN,
        "written employer authorization for visits beyond the Labor Code 4604.5 cap"),
    "request.post_surgical": FactType(
        "boolean", description="post-surgical physical medicine under 8 CCR 9792.24.3; null not stated"),
    "request.acquisition": _enum(Acquisition, "device rental (trial) or purchase"),
    "request.levels": FactType("integer", description="spinal levels injected in one session"),
    "request.approach": _enum(InjectionApproach, "route of an epidural steroid injection"),
    "request.drug_class": _enum(DrugClass, "the class of a requested medication"),
    # durable medical equipment, home health and laboratory tests (engine/letters/equipment_facts.py)
    "request.equipment": _enum(Equipment, "the kind of device a durable medical equipment request names"),
    "request.home_care": _enum(HomeCare, "what a home health request provides"),
    "request.hours_per_week": FactType("number", description="hours of home health care a week"),
    "request.lab": _enum(LabTest, "the kind of laboratory test requested"),
    "claimant.homebound": FactType("boolean", description="confined to the home; null not stated"),
    "request.ingredients": FactType(
        "list", generic_names(), "the generic drugs of a requested medication (several for a compound); "
        "[] when the request names none"),
    "request.treated_regions": FactType(
        "list", _members(BodyRegion),
        "the body regions the request names; when it names none, the case's body regions"),
    "request.months_since_injury": _w(NUMBER, "the date of injury (time since the injury)"),
    "request.prior_recorded": _w(FactType(
        "boolean", description="earlier sessions of the requested service are in the record"),
        "whether this service was given before"),
    "request.prior_sessions": _w(FactType(
        "integer", description="earlier sessions of the requested service: 0 none, null unknown count"),
        "the number of earlier sessions of this service"),
    "request.total_with_prior": _w(FactType(
        "integer", description="requested plus prior sessions of the same service; null if either unknown"
    ), "the number of earlier sessions of this service (added to those requested)"),
    # Region-aware facts of imaging and electrodiagnostic requests (engine.letters.imaging_facts reads them).
    "request.region_findings": FactType(
        "list", _members(RegionalFinding),
        "findings documented for a body region the request names (an extremity request includes its "
        "joints; an electrodiagnostic request includes the limb and the spine that supplies it)"),
    "request.region_procedure_planned": FactType(
        "boolean", description="an invasive procedure of a body region the request names is planned"),
    "request.months_injury_to_order": FactType(
        "number", description="months from the injury to the order (ordered_on, else the request's date); "
        "null when either is unknown"),
    "request.studies": FactType(
        "list", _members(ElectrodiagnosticStudy), "the studies an electrodiagnostic request names"),
}
# Medication facts (engine.cases.medication_document computes them): the requested drug's course and response,
# gastrointestinal risk, opioid monitoring.
FACTS.update({
    "exam.muscle_spasm": FactType("boolean", description="muscle spasm on examination"),
    "medications.nsaid": FactType("boolean", description="an NSAID is among the medications of record"),
    "gastrointestinal.risk_factors": FactType(
        "list", _members(GiRiskFactor), "GI risk factors documented, with multiple NSAIDs of record; "
        "null when none is documented and none is stated absent"),
    "gastrointestinal.risk_factor_count": FactType(
        "integer", description="GI risk factors documented (age over 65 aside); null when not documented"),
    "gastrointestinal.symptoms": FactType("boolean", description="GI complaints documented"),
    "opioid_monitoring.urine_drug_screen": _w(BOOLEAN, "whether urine drug screening is documented"),
    "opioid_monitoring.cures_checked": _w(BOOLEAN, "whether the CURES prescription database was checked"),
    "opioid_monitoring.risk_screening": _w(BOOLEAN, "whether screening for the risk of opioid misuse is documented"),
    "opioid_monitoring.aberrant_behavior": _w(BOOLEAN, "whether aberrant drug-related behavior is documented"),
    "request.continuing": FactType(
        "boolean", description="the medication continues one in use (true) or is a first prescription (false)"),
    "request.use_weeks": FactType("number", description="weeks the medication has been taken so far"),
    "request.pain_response": _enum(Improvement, "pain relief from the medication in use"),
    "request.function_response": _enum(Improvement, "functional improvement from the medication in use"),
    "request.first_line_failed": FactType(
        "boolean", description="failure of the first-line treatment the guideline puts before this drug"),
    "request.compounded": FactType("boolean", description="a compounded product (e.g. an oral suspension kit)"),
    "request.other_same_class": FactType(
        "boolean", description="another drug of the requested drug's class is among the medications of record"),
    "request.months_injury_to_request": FactType(
        "number", description="months from the injury to the request's own date (the phase of pain it was made in)"),
})
for _m in MODALITIES:
    _words = _m.replace("_", " ")
    FACTS[f"history.{_m}.recorded"] = _w(BOOLEAN, HISTORY_WORDS["recorded"].format(m=_words))
    FACTS[f"history.{_m}.sessions"] = FactType(
        "integer", description="0 when not in the record; null when recorded without a count",
        words=HISTORY_WORDS["sessions"].format(m=_words))
    FACTS[f"history.{_m}.approved"] = _w(INTEGER, HISTORY_WORDS["approved"].format(m=_words))
    FACTS[f"history.{_m}.functional_improvement"] = _w(
        _enum(Improvement), HISTORY_WORDS["functional_improvement"].format(m=_words))
    FACTS[f"history.{_m}.ongoing"] = _w(BOOLEAN, HISTORY_WORDS["ongoing"].format(m=_words))
    FACTS[f"history.{_m}.failed"] = _w(BOOLEAN, HISTORY_WORDS["failed"].format(m=_words))
    FACTS[f"history.{_m}.relief_percent"] = FactType(
        "number", description="best relief recorded", words=HISTORY_WORDS["relief_percent"].format(m=_words))
    FACTS[f"history.{_m}.relief_weeks"] = FactType(
        "number", description="longest relief recorded", words=HISTORY_WORDS["relief_weeks"].format(m=_words))
    FACTS[f"history.{_m}.months_since_last"] = FactType(
        "number", description="months from the latest recorded session (last_date) to the day the request is judged")


def _known(value: Any) -> Any:
    """Enum members named 'unknown' become None; enums become their plain values."""
    if isinstance(value, Enum):
        return None if value.value == "unknown" else value.value
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


def _history(case: Case, day: dt.date | None) -> dict[str, dict[str, Any]]:
    history: dict[str, dict[str, Any]] = {}
    # The treatments grouped by modality once (in their order), not the list scanned per modality.
    by_modality: dict[str, list[Any]] = {}
    for t in case.treatments:
        by_modality.setdefault(t.modality.value, []).append(t)
    for modality in MODALITIES:
        entries = by_modality.get(modality)
        if not entries:
            # The treatment of record is taken as complete: a modality not in it was not given.
            history[modality] = {"recorded": False, "sessions": 0, "approved": None,
                                 "functional_improvement": None, "ongoing": False, "failed": None,
                                 "relief_percent": None, "relief_weeks": None, "months_since_last": None}
            continue
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
    node: Any = document
    for part in path.split("."):
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
