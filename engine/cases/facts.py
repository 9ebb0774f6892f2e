"""The case file: pydantic models of the facts of a case and its disputed requests (input contract).

``null`` is a fact in its own right ("not stated / unknown") and stays distinct from 0 and from an
empty list everywhere. Unknown keys are errors. The actual determination stored on a request is for
the audit only: the rule engine never reads it (see ``engine.cases.document``).
"""
# No `from __future__ import annotations` here: pydantic would compile and evaluate every field's
# annotation string when the module is imported (a few ms of every `imr check`).

import datetime as dt
import json
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, model_validator

from engine.errors import InputError
from engine.contract import empty_dict, empty_list
from engine.cases.sources import Document, load, parse, register_keys
from engine.cases.validation import FieldProblem, field_path, validate
from engine.cases.vocab import (
    Acquisition,
    Equipment,
    HomeCare,
    LabTest,
    AdlChange,
    BodyRegion,
    Condition,
    DrugClass,
    EvidenceSource,
    GiRiskFactor,
    Improvement,
    InjectionApproach,
    MedicationChange,
    Neurologic,
    OtherModality,
    Outcome,
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

# The largest count and number a case may state. durable_rules' JSON parser refuses integers
# beyond 64 bits and floats that Python writes with an exponent (1e-05, 1e+16) or as inf/nan, so
# a value reaches the engine only inside these bounds; nothing real comes near them.
MAX_COUNT = 100_000
MIN_FRACTION = 0.0001

# Strict so that YAML `true` is never read as 1 and "12" is never read as 12.
Int = Annotated[int, Strict(), Field(le=MAX_COUNT)]
Bool = Annotated[bool, Strict()]


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("expected a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("expected a finite number (not inf or nan)")
    if value != 0 and not MIN_FRACTION <= abs(value) <= MAX_COUNT:
        raise ValueError(f"expected 0 or a number from {MIN_FRACTION} to {MAX_COUNT:,}")
    return value


Number = Annotated[float, BeforeValidator(_number)]
Modality = Service | OtherModality


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False, validate_default=True, defer_build=True)


class Claimant(Model):
    age: Annotated[Int, Field(ge=0, le=120)] | None = None
    sex: Sex = Sex.unknown
    date_of_injury: dt.date | None = None
    work_status: WorkStatus = WorkStatus.unknown
    permanent_restrictions: Bool | None = Field(None, description="null: not stated")
    homebound: Bool | None = Field(
        None, description="confined to the home: cannot leave it without help (home health); null: not stated")


class Diagnosis(Model):
    text: Annotated[str, Field(min_length=1)]
    icd10: str | None = None


class Medication(Model):
    name: Annotated[str, Field(min_length=1)]
    opioid: Bool | None = Field(None, description="null: not stated whether it is an opioid")
    muscle_relaxant: Bool | None = None


class Treatment(Model):
    """A treatment of record, past or ongoing."""

    modality: Modality
    sessions: Annotated[Int, Field(ge=0)] | None = Field(
        None, description="sessions completed; null = unknown ('unspecified amounts'), never 0"
    )
    functional_improvement: Improvement = Improvement.unknown
    ongoing: Bool = False
    failed: Bool | None = Field(None, description="tried without benefit; null = not stated")
    approved: Annotated[Int, Field(ge=0)] | None = Field(
        None, description="sessions authorized so far, when the record says so"
    )
    relief_percent: Annotated[Number, Field(ge=0, le=100)] | None = Field(
        None, description="pain relief after the treatment (e.g. an earlier injection), in percent"
    )
    relief_weeks: Annotated[Number, Field(ge=0)] | None = Field(
        None, description="how long that relief lasted, in weeks"
    )
    last_date: dt.date | None = Field(
        None, description="date of the latest session or injection of this course; null = not stated"
    )
    notes: str | None = None


class FunctionalStatus(Model):
    """Evidence for 8 CCR 9792.20(f) functional improvement: latest state against baseline."""

    adl: AdlChange = AdlChange.unknown
    work_restrictions: RestrictionChange = RestrictionChange.unknown
    medication_use: MedicationChange = MedicationChange.unknown


class Exam(Model):
    neurologic: Neurologic = Neurologic.unknown
    red_flags: list[RedFlag] | None = Field(None, description="[] = none found; null = not stated")
    electrodiagnostic: TestResult = Field(
        TestResult.unknown, description="EMG/NCS evidence of nerve dysfunction")
    imaging: TestResult = Field(
        TestResult.unknown, description="imaging findings corroborating the clinical nerve findings")
    trigger_points: Bool | None = Field(
        None, description="circumscribed trigger points with twitch response and referred pain")
    reduced_weight_bearing: Bool | None = Field(
        None, description="reduced weight bearing is desirable (e.g. extreme obesity); null: not stated")
    muscle_spasm: Bool | None = Field(
        None, description="muscle spasm on examination (muscle relaxants treat acute spasm); null: not stated")


class ProgramEvaluation(Model):
    """The evaluation for admission to a functional restoration program (CPMTG pp. 31-32).

    Each field is one admission criterion as the record documents it; null = not stated.
    """

    baseline_functional_testing: Bool | None = Field(
        None, description="an adequate and thorough evaluation, including baseline functional testing, was made")
    previous_treatment_failed: Bool | None = Field(
        None, description="previous methods of treating the chronic pain were unsuccessful and no other "
        "option likely to give significant clinical improvement remains")
    loss_of_independent_function: Bool | None = Field(
        None, description="significant loss of the ability to function independently because of the chronic pain")
    surgical_candidate: Bool | None = Field(
        None, description="the patient is a candidate for surgery or another clearly warranted treatment")
    motivated: Bool | None = Field(
        None, description="motivated to change and willing to forgo secondary gains, including disability payments")
    negative_predictors_addressed: Bool | None = Field(
        None, description="negative predictors of success have been identified and addressed")


class Gastrointestinal(Model):
    """Gastrointestinal risk and complaints, for gastro-protective drugs and COX-2 selective NSAIDs."""

    risk_factors: list[GiRiskFactor] | None = Field(
        None, description="GI risk factors documented (age over 65 is claimant.age); [] = none; null = not stated")
    symptoms: Bool | None = Field(
        None, description="GI complaints (dyspepsia, reflux, epigastric pain) documented; null = not stated")


class OpioidMonitoring(Model):
    """What the record documents of the monitoring of opioid treatment (urine drug screen, CURES, risk
    screening, aberrant behaviour); null = not stated."""

    urine_drug_screen: Bool | None = Field(None, description="a urine drug screen was done")
    cures_checked: Bool | None = Field(None, description="the CURES prescription database was checked")
    risk_screening: Bool | None = Field(None, description="a screening for risk of addiction or misuse was done")
    aberrant_behavior: Bool | None = Field(
        None, description="aberrant drug behaviour (misuse, diversion, inconsistent screen) documented")


class RegionFinding(Model):
    """A finding tied to a body region: a red flag, a sign of internal derangement, a nerve deficit..."""

    body_region: BodyRegion
    finding: RegionalFinding


class Surgery(Model):
    procedure: Annotated[str, Field(min_length=1)]
    date: dt.date | None = None
    body_region: BodyRegion | None = None


class Determination(Model):
    """The actual IMR outcome of a request, when known. Read by the audit, never by the engine."""

    outcome: Outcome
    guideline: str | None = Field(None, description="the guideline the IMR reviewer cited")
    claims_administrator_guideline: str | None = None
    reviewer_specialty: Annotated[str, Field(max_length=300)] | None = Field(
        None, description="the expert reviewer's certification/specialty, as the letter gives it")
    decided_on: dt.date | None = Field(None, description="the letter's Decision Date")


class Request(Model):
    text: Annotated[str, Field(min_length=1)]
    service: Service
    quantity: Annotated[Int, Field(ge=1)] | None = None
    frequency_per_week: Annotated[Number, Field(gt=0)] | None = None
    duration_weeks: Annotated[Number, Field(gt=0)] | None = None
    body_regions: list[BodyRegion] = Field(default_factory=empty_list)
    date: dt.date | None = Field(None, description="request or UR date; picks the guideline version")
    judged_on: dt.date | None = Field(
        None, description="the date the request is judged as of, when it is not its own date: a letter's "
        "Decision Date, or the last day of the period of the guideline edition its reviewer cites; "
        "picks the rules in force and is the day every 'months since' is counted to")
    judged_basis: Annotated[str, Field(max_length=300)] | None = Field(
        None, description="why judged_on is that date, in words (shown with the decision)")
    drug: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        None, description="a medication's generic name ('/'-joined ingredients for a compound)")
    drug_class: DrugClass | None = None
    purpose: Purpose = Purpose.unknown
    employer_authorized: Bool | None = Field(
        None, description="written employer authorization for visits beyond the Labor Code 4604.5 cap")
    post_surgical: Bool | None = Field(
        None, description="post-surgical physical medicine under the Postsurgical Treatment Guidelines "
        "(8 CCR 9792.24.3); null: not stated")
    acquisition: Acquisition = Field(
        Acquisition.unknown, description="for a device (e.g. TENS): rental (trial) or purchase")
    levels: Annotated[Int, Field(ge=1)] | None = Field(
        None, description="spinal levels (nerve roots) injected in one session, for an epidural steroid injection")
    approach: InjectionApproach = Field(
        InjectionApproach.unknown, description="route of an epidural steroid injection")
    equipment: Equipment = Field(
        Equipment.unknown, description="for durable medical equipment: the kind of device requested")
    home_care: HomeCare = Field(
        HomeCare.unknown, description="for home health: skilled, personal or domestic care")
    hours_per_week: Annotated[Number, Field(gt=0)] | None = Field(
        None, description="for home health: hours of care a week")
    lab: LabTest = Field(LabTest.unknown, description="for a laboratory test: its kind (e.g. a drug screen)")
    determination: Determination | None = None
    continuing: Bool | None = Field(
        None, description="a medication: true = it continues one already in use (a refill); false = a "
        "first prescription; null = not stated")
    use_weeks: Annotated[Number, Field(ge=0)] | None = Field(
        None, description="a medication: how long it has been taken so far, in weeks; null = not stated")
    pain_response: Improvement = Field(
        Improvement.unknown, description="a medication in use: pain relief from it documented (or documented absent)")
    function_response: Improvement = Field(
        Improvement.unknown, description="a medication in use: functional improvement from it documented (or absent)")
    first_line_failed: Bool | None = Field(
        None, description="a medication: failure of the first-line treatment the guideline puts before it "
        "(non-opioid analgesics before an opioid, tablets before a compounded kit) documented; null = not stated")
    compounded: Bool | None = Field(
        None, description="a medication: a compounded product (e.g. an oral suspension kit); null = not stated")
    studies: list[ElectrodiagnosticStudy] = Field(
        default_factory=empty_list, description="the studies an electrodiagnostic request names (emg, ncs, ssep); "
        "[] when it names none")
    ordered_on: dt.date | None = Field(
        None, description="the date the service was ordered (the request for authorization), when the "
        "record gives it; the time from the injury to the order is what the imaging criteria weigh")


def _evidence(value: Any) -> Any:
    return {"quote": value} if isinstance(value, (str, list)) else value


class Evidence(Model):
    """The words of a letter that support a fact."""

    quote: str | list[str]
    source: EvidenceSource = EvidenceSource.summary


class ClinicalFacts(Model):
    """What is known about the injured worker; shared by every request of the case."""

    claimant: Claimant = Field(default_factory=Claimant)
    diagnoses: list[Diagnosis] = Field(default_factory=empty_list)
    conditions: list[Condition] = Field(default_factory=empty_list)
    body_regions: list[BodyRegion] = Field(default_factory=empty_list)
    medications: list[Medication] = Field(default_factory=empty_list)
    treatments: list[Treatment] = Field(
        default_factory=empty_list,
        description="treatment of record; a modality not listed was not given (0 sessions)",
    )
    functional_status: FunctionalStatus = Field(default_factory=FunctionalStatus)
    exam: Exam = Field(default_factory=Exam)
    program_evaluation: ProgramEvaluation = Field(
        default_factory=ProgramEvaluation,
        description="admission criteria for a functional restoration program (CPMTG pp. 31-32)")
    surgery: list[Surgery] = Field(default_factory=empty_list)
    planned_procedures: list[str] = Field(default_factory=empty_list)
    gastrointestinal: Gastrointestinal = Field(default_factory=Gastrointestinal)
    opioid_monitoring: OpioidMonitoring = Field(default_factory=OpioidMonitoring)
    regional_findings: list[RegionFinding] = Field(
        default_factory=empty_list,
        description="findings of the history and examination by body region (red flags, signs of "
        "internal derangement, nerve deficits, paresthesias); a finding not listed is not documented")


class Case(ClinicalFacts):
    case_id: str | None = None
    letter: str | None = Field(None, description="the determination letter the case was built from")
    requests: Annotated[list[Request], Field(min_length=1)]
    evidence: dict[str, Annotated[Evidence, BeforeValidator(_evidence)]] = Field(
        default_factory=empty_dict, description="fact path -> the letter's words that support it"
    )
    rationale_facts: ClinicalFacts | None = Field(
        None,
        description="facts stated only in the reviewer's rationale; used only when asked",
    )

    @model_validator(mode="after")
    def _evidence_paths_exist(self) -> "Case":
        for path in self.evidence:
            if not _resolves(self, path):
                raise FieldProblem(("evidence", path),
                                   "names no field of this case (keys are field paths such as claimant.age)")
        return self

    def with_rationale(self) -> "Case":
        """The case with the reviewer's rationale facts laid over the summary facts."""
        if self.rationale_facts is None:
            return self
        merged = _overlay(self.model_dump(mode="python", exclude={"rationale_facts"}),
                          self.rationale_facts)
        merged["rationale_facts"] = None
        # Evidence for rationale facts stays on the original case; its paths do not exist here. Nor
        # may a summary path: treatments merge by modality, so treatments[3] may be gone.
        evidence = merged.pop("evidence", {})
        case = Case.model_validate(merged)
        kept = {k: Evidence.model_validate(v) for k, v in evidence.items()
                if not k.startswith("rationale_facts.") and _resolves(case, k)}
        return case.model_copy(update={"evidence": kept})


def _resolves(case: Case, path: str) -> bool:
    node: Any = case
    for part in path.replace("]", "").replace("[", ".").split("."):
        if isinstance(node, BaseModel):
            if part not in type(node).model_fields:
                return False
            node = getattr(node, part)
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return False
            node = node[int(part)]
        else:
            return False
    return True


def _overlay(base: dict[str, Any], extra: BaseModel) -> dict[str, Any]:
    """Lay the fields ``extra`` states over ``base``: treatments merge by modality, lists extend.

    An unknown in the rationale (null, "unknown", an empty list) adds nothing and never erases what
    the summary states, even when it was written out explicitly (as `imr parse` does).
    """
    for name in extra.model_fields_set:
        value = getattr(extra, name)
        if value is None or getattr(value, "value", None) == "unknown" or value == []:
            continue
        if isinstance(value, BaseModel):
            base[name] = _overlay(dict(base.get(name) or {}), value)
        elif name == "treatments":
            by_modality = {t["modality"]: t for t in base.get("treatments", [])}
            for t in value:
                if t.modality in by_modality:
                    by_modality[t.modality] = _overlay(dict(by_modality[t.modality]), t)
                else:
                    by_modality[t.modality] = t.model_dump(mode="python")
            base["treatments"] = list(by_modality.values())
        elif isinstance(value, list):
            existing = base.get(name) or []
            base[name] = existing + [
                v.model_dump(mode="python") if isinstance(v, BaseModel) else v
                for v in value
                if (v.model_dump(mode="python") if isinstance(v, BaseModel) else v) not in existing
            ]
        else:
            base[name] = value
    return base


def _field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name of a model and the models it contains: the keys a message may print."""
    import typing

    seen = seen if seen is not None else set()
    seen.add(model)
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        stack = [info.annotation]
        while stack:
            t = stack.pop()
            if isinstance(t, type) and issubclass(t, BaseModel) and t not in seen:
                names |= _field_names(t, seen)
            stack.extend(typing.get_args(t))
    return names


register_keys(_field_names(Case))


def check_dates(case: Case) -> None:
    """An injury after today or after a request's date is a mistake in a case file, never a fact.

    Checked where a case file is read (not in the model, which tests and letters build directly).
    """
    today = dt.date.today()
    facts: list[tuple[tuple[Any, ...], Claimant]] = [((), case.claimant)]
    if case.rationale_facts is not None:
        facts.append((("rationale_facts",), case.rationale_facts.claimant))
    for prefix, claimant in facts:
        injury = claimant.date_of_injury
        if injury is None:
            continue
        where = prefix + ("claimant", "date_of_injury")
        if injury > today:
            raise FieldProblem(where, "is in the future (expected the date the injury happened)")
        for i, request in enumerate(case.requests):
            if request.date is not None and request.date < injury:
                raise FieldProblem(where, f"is after the date of requests[{i}] (a request follows the injury)")


def case_from_document(doc: Document) -> Case:
    case: Case = validate(Case, doc)
    try:
        check_dates(case)
    except FieldProblem as e:
        raise InputError(doc.source, str(e), line=doc.line_of(e.loc), where=field_path(e.loc)) from None
    return case


def load_case(path: str) -> Case:
    """Load and validate a case file (YAML or JSON; ``-`` for standard input)."""
    return case_from_document(load(path))


def parse_case(text: str, source: str = "<text>") -> Case:
    return case_from_document(parse(text, source))


def case_schema() -> dict[str, Any]:
    """The JSON Schema of the case file, for integrators: with every field the rules read marked with
    the facts computed from it and what a provider may do with it (the fact table's inputs)."""
    from engine.cases.facttable import annotate_schema  # the table imports these models

    schema = annotate_schema(Case.model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "IMR case file"
    return schema


def dump_case(case: Case, fmt: str = "yaml") -> str:
    """Serialise a case for `imr parse`; the result loads back into an equal Case."""
    data = case.model_dump(mode="json", exclude_none=False)
    # A reader looks for what the case is first; field order is otherwise the model's.
    data = {k: data[k] for k in ("case_id", "letter")} | {k: v for k, v in data.items() if k not in ("case_id", "letter")}
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


__all__ = [
    "Case", "ClinicalFacts", "Claimant", "Determination", "Diagnosis", "Evidence", "Exam",
    "FunctionalStatus", "Gastrointestinal", "InputError", "Medication", "OpioidMonitoring", "ProgramEvaluation",
    "RegionFinding", "Request", "Surgery", "Treatment",
    "case_schema", "dump_case", "field_path", "load_case", "parse_case",
]
