"""The fact table: every fact a rule may name, with its type, its plain words, the case fields it is
computed from, and which of those a provider can change.

``FACTS`` (path -> ``FactType``) is read by the rulebook (paths and types), the trace, pre-check and
advice (words), the advice's search (which case fields to try: ``FIELDS``), the form, and the test
generators (which case fields matter). ``engine.cases.document.fact_document`` computes the values;
tests/cases/test_facttable.py checks the declared inputs against it by changing one field at a time.

May import: ``engine.cases.facts``, ``engine.cases.vocab``, ``engine.cases.terms``.
"""
from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Iterator

from pydantic import BaseModel

from engine.cases.facts import Case, Request
from engine.cases.terms import generic_names
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
    # The case fields the value is computed from (see FIELDS for the notation); filled from INPUTS below.
    inputs: tuple[str, ...] = ()

    @property
    def changeable(self) -> bool:
        """Whether a provider can change the fact: some field it is computed from is theirs to change."""
        return any(FIELDS.get(f, FIXED) != FIXED for f in self.inputs)

    @property
    def numeric(self) -> bool:
        return self.kind in ("integer", "number")

    def changed(self, **changes: Any) -> "FactType":
        """This type with ``changes``: dataclasses.replace without its per-call field walk, since the
        table makes some 850 of these at every start."""
        return FactType(**{**self.__dict__, **changes})

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
    return ftype.changed(words=words)


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


# -- the case fields each fact is computed from -----------------------------------------------------
# A field is named by its path in the case file: "claimant.age", "request.quantity" (the request
# judged), "treatments[].sessions" (that field of any item), "medications[]" (the items themselves:
# how many there are). "judged_day" is the day the request is judged as of (not a case field).
FIXED, LOWER, DOCUMENT = "fixed", "lower", "document"
JUDGED_DAY = "judged_day"

# What a provider can do with each field a fact is computed from: LOWER, the request as written may
# ask for less (or state what it leaves unstated); DOCUMENT, an unknown value may be documented as any
# value its type allows; FIXED, not the provider's to change (what is requested, for which region and
# when, the diagnoses, the record of what was given and prescribed). Fields not named are FIXED.
FIELDS: dict[str, str] = {
    **{f"request.{n}": LOWER for n in ("quantity", "frequency_per_week", "duration_weeks")},
    **{f"claimant.{n}": DOCUMENT for n in ("age", "sex", "date_of_injury", "work_status",
                                           "permanent_restrictions", "homebound")},
    **{f"functional_status.{n}": DOCUMENT for n in ("adl", "work_restrictions", "medication_use")},
    **{f"exam.{n}": DOCUMENT for n in ("neurologic", "red_flags", "electrodiagnostic", "imaging", "trigger_points",
                                       "reduced_weight_bearing", "muscle_spasm")},
    **{f"program_evaluation.{n}": DOCUMENT for n in (
        "baseline_functional_testing", "previous_treatment_failed", "loss_of_independent_function",
        "surgical_candidate", "motivated", "negative_predictors_addressed")},
    **{f"gastrointestinal.{n}": DOCUMENT for n in ("risk_factors", "symptoms")},
    **{f"opioid_monitoring.{n}": DOCUMENT for n in ("urine_drug_screen", "cures_checked", "risk_screening",
                                                    "aberrant_behavior")},
    **{f"medications[].{n}": DOCUMENT for n in ("opioid", "muscle_relaxant")},
    **{f"treatments[].{n}": DOCUMENT for n in ("sessions", "approved", "functional_improvement", "ongoing",
                                               "failed", "relief_percent", "relief_weeks", "last_date")},
    **{f"request.{n}": DOCUMENT for n in (
        "purpose", "employer_authorized", "post_surgical", "acquisition", "levels", "approach", "drug_class",
        "equipment", "home_care", "hours_per_week", "lab", "continuing", "use_weeks", "pain_response",
        "function_response", "first_line_failed", "compounded", "ordered_on")},
}

_SAME_SERVICE = ("request.service", "treatments[].modality")  # "this service before": its family's treatments
_REGIONS = ("request.body_regions", "request.service")
INPUTS: dict[str, tuple[str, ...]] = {
    "conditions": ("conditions",),
    "body_regions": ("body_regions",),
    "medications.count": ("medications[]",),
    "medications.opioid": ("medications[]", "medications[].opioid"),
    "medications.muscle_relaxant": ("medications[]", "medications[].muscle_relaxant"),
    "medications.nsaid": ("medications[]", "medications[].name"),
    "exam.red_flag_count": ("exam.red_flags",),
    "gastrointestinal.risk_factors": ("gastrointestinal.risk_factors", "medications[]", "medications[].name"),
    "gastrointestinal.risk_factor_count": ("gastrointestinal.risk_factors", "medications[]", "medications[].name"),
    "surgery.count": ("surgery[]",),
    "surgery.months_since_latest": ("surgery[]", "surgery[].date", JUDGED_DAY),
    "planned_procedures.count": ("planned_procedures",),
    "request.ingredients": ("request.drug",),
    "request.treated_regions": ("request.body_regions", "body_regions"),
    "request.months_since_injury": ("claimant.date_of_injury", JUDGED_DAY),
    "request.prior_recorded": ("treatments[]",) + _SAME_SERVICE,
    "request.prior_sessions": ("treatments[]", "treatments[].sessions") + _SAME_SERVICE,
    "request.total_with_prior": ("request.quantity", "treatments[]", "treatments[].sessions") + _SAME_SERVICE,
    "request.region_findings": ("regional_findings[]", "regional_findings[].body_region",
                                "regional_findings[].finding") + _REGIONS,
    "request.region_procedure_planned": ("planned_procedures",) + _REGIONS,
    "request.months_injury_to_order": ("claimant.date_of_injury", "request.ordered_on", "request.date"),
    "request.months_injury_to_request": ("claimant.date_of_injury", "request.date"),
    "request.other_same_class": ("request.drug_class", "request.drug", "medications[]", "medications[].name"),
}
for _m in MODALITIES:
    for _name in HISTORY_WORDS:
        INPUTS[f"history.{_m}.{_name}"] = ("treatments[]", "treatments[].modality", f"treatments[].{_name}")
    INPUTS[f"history.{_m}.recorded"] = ("treatments[]", "treatments[].modality")
    INPUTS[f"history.{_m}.months_since_last"] = ("treatments[]", "treatments[].modality", "treatments[].last_date",
                                                 JUDGED_DAY)
# Every other fact is its own case field, at the same path.
FACTS.update({path: ftype.changed(inputs=INPUTS.get(path, (path,))) for path, ftype in FACTS.items()})


def field_inputs() -> dict[str, list[str]]:
    """Case field -> the facts computed from it."""
    out: dict[str, list[str]] = {}
    for path, ftype in FACTS.items():
        for f in ftype.inputs:
            out.setdefault(f, []).append(path)
    return out


def field_of(path: tuple[Any, ...]) -> str:
    """The table's name of a field of a case at ``path`` (("treatments", 2, "sessions") ->
    "treatments[].sessions"; ("request", "quantity") -> "request.quantity")."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += "[]"
        else:
            out += ("." if out else "") + str(p)
    return out


# -- the case model's field types --------------------------------------------------------------------

def field_type(annotation: Any) -> tuple[str, list[Any], float | None, float | None]:
    """(kind, members, lower bound, upper bound) of a case field's type annotation: kind is bool, int,
    float, enum, date, list (of enum members) or other; members are the known enum members."""
    lo = hi = None
    open_lo = False
    kind, members = "other", []
    stack = [annotation]
    while stack:
        t = stack.pop()
        origin = typing.get_origin(t)
        if origin is typing.Annotated:
            args = typing.get_args(t)
            stack.append(args[0])
            for meta in args[1:]:
                for m in [meta, *getattr(meta, "metadata", [])]:
                    if getattr(m, "ge", None) is not None:
                        lo = m.ge
                    if getattr(m, "gt", None) is not None:
                        lo, open_lo = m.gt, True
                    if getattr(m, "le", None) is not None:
                        hi = m.le
            continue
        if origin in (typing.Union, types.UnionType):
            stack.extend(a for a in typing.get_args(t) if a is not type(None))
            continue
        if origin is list:
            inner = typing.get_args(t)[0]
            if isinstance(inner, type) and issubclass(inner, Enum):
                kind, members = "list", [m for m in inner if m.value != "unknown"]
            continue
        if isinstance(t, type):
            if issubclass(t, bool):
                kind = "bool"
            elif issubclass(t, Enum):
                kind, members = "enum", members + [m for m in t if m.value != "unknown"]
            elif issubclass(t, int):
                kind = "int"
            elif issubclass(t, float):
                kind = "float"
            elif issubclass(t, dt.date):
                kind = "date"
    if open_lo and lo is not None:  # strictly greater: the next whole or half number
        lo = lo + (1 if kind == "int" else 0.5)
    return kind, members, lo, hi


def model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(the model a field holds, whether it holds a list of them); (None, False) for a plain field."""
    stack = [annotation]
    while stack:
        t = stack.pop()
        origin = typing.get_origin(t)
        if origin is list:
            inner = typing.get_args(t)[0]
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner, True
            continue
        if origin in (typing.Union, types.UnionType, typing.Annotated):
            stack.extend(typing.get_args(t))
        elif origin is None and isinstance(t, type) and issubclass(t, BaseModel):
            return t, False
    return None, False


def case_fields(model: type[BaseModel] = Case, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(table name, annotation) of every plain field of the case model; the judged request's fields as
    "request.<name>"; the items of a list of models as "<name>[]" (annotation None)."""
    for name, info in model.model_fields.items():
        if model is Case and name == "requests":
            yield from case_fields(Request, "request.")
            continue
        inner, many = model_of(info.annotation)
        if inner is None:
            yield prefix + name, info.annotation
        elif many:
            yield prefix + name + "[]", None
            yield from case_fields(inner, prefix + name + "[].")
        else:
            yield from case_fields(inner, prefix + name + ".")


# -- the case file's JSON Schema ---------------------------------------------------------------------

_ROLE_WORDS = {LOWER: "A provider may lower it (or state it when the request leaves it unstated).",
               DOCUMENT: "A provider may document it when it is unknown."}


def _prefixes(model: type[BaseModel] = Case, prefix: str = "", out: dict[str, str] | None = None) -> dict[str, str]:
    """Schema definition name -> the table's prefix of its fields ("Treatment" -> "treatments[].")."""
    out = {} if out is None else out
    for name, info in model.model_fields.items():
        if model is Case and name == "requests":
            out.setdefault(Request.__name__, "request.")
            continue
        inner, many = model_of(info.annotation)
        if inner is not None and inner.__name__ not in out and name != "rationale_facts":
            out[inner.__name__] = prefix + name + ("[]." if many else ".")
            _prefixes(inner, out[inner.__name__], out)
    return out


def annotate_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to every case field the rules read, in the case file's JSON Schema: the facts computed from
    it (``x-facts``), what a provider may do with it (``x-provider``), both also in its description."""
    inputs = field_inputs()
    sections = [(schema, "")] + [(schema["$defs"][n], p) for n, p in _prefixes().items() if n in schema["$defs"]]
    for node, prefix in sections:
        for name, prop in node.get("properties", {}).items():
            facts = inputs.get(prefix + name)
            if not facts:
                continue
            shown = sorted({any_modality(f) for f in facts})
            role = FIELDS.get(prefix + name, FIXED)
            prop["x-facts"], prop["x-provider"] = shown, role
            words = f"Facts computed from it: {', '.join(shown)}."
            if role in _ROLE_WORDS:
                words += " " + _ROLE_WORDS[role]
            prop["description"] = f"{prop['description']}. {words}" if prop.get("description") else words
    return schema


def any_modality(fact: str) -> str:
    """A history fact of any modality ("history.<modality>.sessions"); other facts as they are."""
    parts = fact.split(".")
    return f"history.<modality>.{parts[2]}" if parts[0] == "history" else fact
