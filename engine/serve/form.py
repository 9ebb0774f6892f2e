"""The request form, described from the models and the rules so that the page hard-codes no service.

Each field is a path into the case file (``requests.0.quantity``, ``functional_status.adl``,
``treatments[physical_therapy].failed``; ``treatments[$service]`` is the earlier treatment of the
kind requested). Its kind and choices come from the case model's annotation (``engine.cases.facts``), its
label from the words the pre-check uses (``engine.decide.explain.fact_words``). For every service the form
shows the RFA's requested-treatment fields and the fields behind the facts that service's rules read
(``engine.serve.rules.service_facts``), derived facts resolved to what they are read from.
"""
from __future__ import annotations

import typing
from typing import Any, Literal

from pydantic import BaseModel, Field

from engine.cases.facttable import field_type
from engine.decide.advice import ITEM_WORDS
from engine.decide.explain import fact_words
from engine.cases.facts import Case, Request, Treatment
from engine.rules.rulebook import Rulebook
from engine.cases.vocab import Service, family
from engine.serve.rules import service_facts

Kind = Literal["text", "integer", "number", "boolean", "enum", "date", "list", "lines", "presence", "service"]
SECTIONS: list[tuple[str, str]] = [
    ("request", "Requested treatment (DWC Form RFA)"),
    ("prior", "Earlier treatment of the same kind"),
    ("function", "Functional improvement since the earlier treatment"),
    ("exam", "Examination findings"),
    ("other", "Other treatment of record"),
    ("program", "Evaluation for a functional restoration program"),
    ("details", "Details of the request"),
    ("claimant", "Injured worker and dates"),
]
# The RFA's requested-treatment section: shown for every service.
RFA = ["diagnoses.0.text", "diagnoses.0.icd10", "requests.0.service", "requests.0.text", "requests.0.quantity",
       "requests.0.frequency_per_week", "requests.0.duration_weeks", "requests.0.body_regions", "requests.0.date"]
RFA_LABELS = {
    "diagnoses.0.text": "Diagnosis", "diagnoses.0.icd10": "ICD-10 code", "requests.0.service": "Service requested",
    "requests.0.text": "Description of the request", "requests.0.quantity": "Quantity (number of treatments)",
    "requests.0.frequency_per_week": "Frequency (treatments a week)", "requests.0.duration_weeks": "Duration (weeks)",
    "requests.0.body_regions": "Body region", "requests.0.date": "Date of the request",
}
# The earlier treatment of the requested kind: one field for every service, so not named by service.
SAME_KIND_LABELS = {
    "sessions": "Number of earlier sessions", "last_date": "Date of the latest earlier session",
    "relief_percent": "Pain relief after the earlier treatment (percent)",
    "relief_weeks": "How long that relief lasted (weeks)", "failed": "Tried before without benefit",
    "ongoing": "Still ongoing", "approved": "Sessions authorized so far",
}
DETAIL_LABELS = {"post_surgical": "Post-surgical physical medicine (8 CCR 9792.24.3)"}
KIND = {"bool": "boolean", "int": "integer", "float": "number", "enum": "enum", "date": "date", "list": "list"}


class FormField(BaseModel):
    id: str = Field(description="path into the case file; treatments[$service] is the requested kind")
    section: str
    label: str
    kind: Kind
    options: list[str] = Field(default_factory=list, description="choices, for enum and list fields")
    minimum: float | None = None
    maximum: float | None = None
    blank: str = Field("not stated", description="what leaving the field blank means")
    nullable: bool = Field(False, description="for a list: none chosen means not stated, and 'none found' is a choice")


class Section(BaseModel):
    id: str
    legend: str


class ServiceForm(BaseModel):
    service: str
    encoded: bool = Field(description="whether any MTUS criteria are encoded for it")
    fields: list[str] = Field(description="ids of the fields its rules read, beyond the RFA's")


class FormDescription(BaseModel):
    sections: list[Section]
    rfa: list[str]
    fields: list[FormField]
    services: list[ServiceForm]


def _annotation(path: str) -> Any:
    """The type annotation of a case path such as ``exam.neurologic`` or ``treatments[x].failed``."""
    model: Any = Case
    annotation: Any = None
    for part in path.replace("[", ".[").split("."):
        if part.startswith("[") or part.isdigit():
            continue
        if part == "requests":
            model, annotation = Request, None
            continue
        if part == "treatments":
            model, annotation = Treatment, None
            continue
        annotation = model.model_fields[part].annotation
        inner = [a for a in _flatten(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        if inner:
            model = inner[0]
    return annotation


def _flatten(t: Any) -> list[Any]:
    args = typing.get_args(t)
    return [t] + [x for a in args for x in _flatten(a)] if args else [t]


def _field(path: str, section: str, label: str, kind: Kind | None = None) -> FormField:
    if kind is None:
        k, members, lo, hi = field_type(_annotation(path))
        kind = KIND.get(k, "text")  # type: ignore[assignment]
        options = [m.value for m in members]
    else:
        options, lo, hi = [], None, None
    if kind == "service":
        options = [s.value for s in Service]
    label = label[:1].upper() + label[1:]
    nullable = kind == "list" and type(None) in typing.get_args(_annotation(path))
    blank = "none" if kind in ("list", "lines") and not nullable else "not stated"
    if kind == "presence":
        blank = "none in the record (the treatment of record is taken as complete)"
    return FormField(id=path, section=section, label=label, kind=kind, options=options, minimum=lo, maximum=hi,
                     blank=blank, nullable=nullable)


def _fields_for(fact: str, service: str) -> list[FormField]:
    """The form fields behind one fact path a rule reads, for ``service``."""
    parts = fact.split(".")
    head = parts[0]
    if head == "request":
        name = parts[1]
        if name in ("prior_recorded", "prior_sessions", "total_with_prior"):
            return [_field("treatments[$service].recorded", "prior", "Earlier treatment of this kind", "presence"),
                    _field("treatments[$service].sessions", "prior", "Number of earlier sessions")]
        if name in ("months_since_injury", "months_injury_to_request"):
            return [_field("claimant.date_of_injury", "claimant", "Date of injury")]
        if name == "other_same_class":
            return []  # read from the medications of record
        if name == "ingredients":  # read from the medication's drug ("a/b" for a compound)
            return [_field("requests.0.drug", "details", "Medication (generic names, / between ingredients)")]
        if name == "treated_regions":
            return []  # the RFA's body region, or the case's
        if name == "months_injury_to_order":
            return [_field("claimant.date_of_injury", "claimant", "Date of injury"),
                    _field("requests.0.ordered_on", "details", "Date the study was ordered")]
        if name == "region_procedure_planned":
            return _fields_for("planned_procedures.count", service)
        if name == "region_findings":
            return []  # a list of {region, finding} pairs: given in the case file, not in this form
        if name in ("service", "quantity", "frequency_per_week", "duration_weeks", "body_regions", "date"):
            return []  # in the RFA section already
        return [_field(f"requests.0.{name}", "details", DETAIL_LABELS.get(name) or fact_words(fact))]
    if head == "history":
        modality, name = parts[1], parts[2]
        same = family(modality) == family(service)
        base = "treatments[$service]" if same else f"treatments[{modality}]"
        section = "prior" if same else "other"
        m = "this treatment" if same else modality.replace("_", " ")
        if name == "recorded":
            return [_field(f"{base}.recorded", section, f"{m} given before", "presence")]
        if name == "months_since_last":
            label = SAME_KIND_LABELS["last_date"] if same else ITEM_WORDS["last_date"].format(m=m)
            return [_field(f"{base}.last_date", section, label)]
        words = SAME_KIND_LABELS.get(name) if same else None
        words = words or ITEM_WORDS.get(name, name.replace("_", " ")).format(m=m)
        out = [_field(f"{base}.{name}", section, words)]
        if same:
            out.insert(0, _field(f"{base}.recorded", section, "Earlier treatment of this kind", "presence"))
        return out
    if head == "functional_status":
        return [_field(fact, "function", fact_words(fact))]
    if head == "exam":
        path = "exam.red_flags" if parts[1] == "red_flag_count" else fact
        return [_field(path, "exam", fact_words(path))]
    if head in ("gastrointestinal", "opioid_monitoring"):  # medication facts
        path = "gastrointestinal.risk_factors" if parts[1] == "risk_factor_count" else fact
        return [_field(path, "exam", fact_words(path))]
    if head == "medications":
        return []  # read from the medications of record
    if head == "program_evaluation":
        return [_field(fact, "program", fact_words(fact))]
    if head == "claimant":
        return [_field(fact, "claimant", fact_words(fact))]
    if head in ("conditions", "body_regions"):
        label = "Conditions diagnosed" if head == "conditions" else "Body regions injured"
        return [_field(head, "claimant", label)]
    if head == "surgery":
        return [_field("surgery.0.procedure", "claimant", "Latest surgery (procedure)", "text"),
                _field("surgery.0.date", "claimant", "Date of the latest surgery")]
    if head == "planned_procedures":
        return [_field("planned_procedures", "exam", "Invasive procedures under consideration (one a line)", "lines")]
    return []


def describe_form(book: Rulebook) -> FormDescription:
    fields: dict[str, FormField] = {}
    for path in RFA:
        kind: Kind | None = "service" if path == "requests.0.service" else None
        f = _field(path, "request", RFA_LABELS[path], kind)
        if path == "requests.0.text":
            f.blank = "written from the service and quantity"
        fields[path] = f
    by_service = service_facts(book)
    services = []
    for service in Service:
        ids: list[str] = []
        for fact in by_service.get(service.value, []):
            for f in _fields_for(fact, service.value):
                fields.setdefault(f.id, f)
                if f.id not in ids:
                    ids.append(f.id)
        services.append(ServiceForm(service=service.value, encoded=service.value in by_service, fields=ids))
    order = {s: i for i, (s, _) in enumerate(SECTIONS)}
    ordered = sorted(fields.values(), key=lambda f: order[f.section])
    return FormDescription(sections=[Section(id=s, legend=legend) for s, legend in SECTIONS], rfa=RFA,
                           fields=ordered, services=services)
