"""Hypothesis strategies for cases that exercise the encoded rules, derived from the rulebook and the
case model so that new rule files and new case fields are covered without editing this file.

- Every field of the case model is generated from its type (``engine.cases.facttable.field_type``), unknown
  values (null, "unknown") included wherever the model allows them.
- Numbers lean towards the limits the rules compare with (each limit, and just below and above it).
- Treatment modalities lean towards those the rules read (``history.<modality>.*``) and the service's
  own family, so that "earlier sessions of this service" are common.
- Dates of the request lie inside the period in force of the rule file under test, with the first
  and last days and every change of a definition file inside it; other dates (injury, latest
  session) lie so many months before the request, around the month limits the rules use.
"""
from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from engine.cases.facttable import field_inputs, field_type, model_of
from engine.cases.facttable import FACTS
from engine.cases.facts import Case, Request, Treatment
from engine.rules.ir import Compare, Rule, RuleSet, dnf, leaves
from engine.rules.rulebook import Rulebook
from engine.cases.vocab import MODALITIES, family



def _read_fields() -> set[tuple[type, str]]:
    """(model, field name) of every field some fact is computed from (the fact table's inputs), and of
    the sections holding them: the fields generated (the rest is bookkeeping and free text)."""
    read = set(field_inputs())
    out: set[tuple[type, str]] = set()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            path = prefix + name
            if model is Case and name == "requests":
                walk(Request, "request.")  # generated apart: one request per case
                continue
            inner, many = model_of(info.annotation)
            if inner is None:
                if path in read:
                    out.add((model, name))
            elif any(f.startswith(path + ("[]" if many else ".")) for f in read):
                out.add((model, name))
                walk(inner, path + ("[]." if many else "."))

    walk(Case, "")
    return out


READ = _read_fields()
OPEN_END_YEARS = 10  # how far past its start an open-ended period is sampled


def constants(book: Rulebook) -> tuple[set[int], set[float]]:
    ints: set[int] = set()
    floats: set[float] = set()
    for rs in book.rulesets:
        for rule in rs.rules:
            for c in leaves(rule.when):
                for v in (c.value if isinstance(c.value, list) else [c.value]):
                    if isinstance(v, bool) or not isinstance(v, (int, float)):
                        continue
                    floats.update({float(v), v - 0.5, v - 0.1, v + 0.1, v + 0.5})
                    if float(v).is_integer():
                        ints.update({int(v) - 1, int(v), int(v) + 1})
                    else:
                        ints.update({int(v), int(v) + 1})
    return ints, floats


def read_modalities(book: Rulebook) -> list[str]:
    out = set()
    for rs in book.rulesets:
        for rule in rs.rules:
            for c in leaves(rule.when):
                parts = c.fact.split(".")
                if parts[0] == "history" and len(parts) == 3:
                    out.add(parts[1])
    return sorted(out)


def period(rs: RuleSet) -> tuple[dt.date, dt.date]:
    end = rs.in_force_to or dt.date(rs.in_force_from.year + OPEN_END_YEARS, rs.in_force_from.month, 1)
    return rs.in_force_from, end


def edge_days(book: Rulebook, rs: RuleSet) -> list[dt.date]:
    """The first and last days of the file's period, and every change of a rule file inside it
    (the day before, the day, the day after)."""
    start, end = period(rs)
    edges = {start, end}
    for other in book.rulesets:
        for day in (other.in_force_from, other.in_force_to):
            if day is None:
                continue
            for d in (day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)):
                if start <= d <= end:
                    edges.add(d)
    return sorted(edges)


def request_dates(book: Rulebook, rs: RuleSet) -> st.SearchStrategy[dt.date]:
    start, end = period(rs)
    return st.one_of(st.sampled_from(edge_days(book, rs)), st.dates(start, end))


class Generator:
    """Strategies for every field of the case model, tuned to one rulebook."""

    def __init__(self, book: Rulebook):
        self.book = book
        self.ints, self.floats = constants(book)
        self.modalities = read_modalities(book)
        self.months = sorted({m for m in self.floats if 0 < m <= 240} | {0.5, 1, 3, 6, 12, 36})
        self._models: dict[tuple, st.SearchStrategy] = {}

    def number(self, kind: str, lo: float | None, hi: float | None) -> st.SearchStrategy:
        """The rules' limits and their neighbours, and a few values well away from any limit (one
        draw each: cheaper than a wide range, and the values in between behave like these)."""
        def fits(v: float) -> bool:
            return (lo is None or v >= lo) and (hi is None or v <= hi)

        pool = self.ints if kind == "int" else self.floats
        low = lo if lo is not None else 0
        top = hi if hi is not None else max(pool | {low}) + 7
        extra = {low, low + 1, (low + top) / 2, top}
        values = {int(v) if kind == "int" else float(v) for v in pool | extra}
        return st.sampled_from(sorted(v for v in values if fits(v)))

    def value(self, name: str, annotation: Any, service: str) -> st.SearchStrategy | None:
        kind, members, lo, hi = field_type(annotation)
        if name == "modality":
            mine = [m for m in MODALITIES if family(m) == family(service)]
            return st.one_of(st.sampled_from(mine), st.sampled_from(self.modalities or MODALITIES),
                             st.sampled_from(MODALITIES))
        if kind == "bool":
            return st.booleans()
        if kind == "enum":
            return st.sampled_from([m.value for m in members])
        if kind == "list":
            return st.lists(st.sampled_from([m.value for m in members]), max_size=3, unique=True)
        if kind in ("int", "float"):
            return self.number(kind, lo, hi)
        if kind == "date":  # so many months before the request (see _dates)
            return st.sampled_from(self.months).map(MonthsBefore)
        return None

    def model(self, cls: type[BaseModel], service: str) -> st.SearchStrategy[dict]:
        """A dict for ``cls``: every field optional (absent = its default, which may be unknown),
        and every field that may be null sometimes null. Built once per model and service."""
        key = (cls, service)
        if key not in self._models:
            self._models[key] = self._model(cls, service)
        return self._models[key]

    def _model(self, cls: type[BaseModel], service: str) -> st.SearchStrategy[dict]:
        optional: dict[str, st.SearchStrategy] = {}
        required: dict[str, st.SearchStrategy] = {}
        for name, info in cls.model_fields.items():
            if (cls, name) not in READ and not info.is_required():
                continue
            strategy = self.field(name, info, service)
            if strategy is None:
                continue
            if info.is_required():
                required[name] = strategy
            else:
                optional[name] = strategy
        return st.fixed_dictionaries(required, optional=optional)

    def field(self, name: str, info: Any, service: str) -> st.SearchStrategy | None:
        annotation = info.annotation
        inner, many = model_of(annotation)
        if inner is not None:
            return st.lists(self.model(inner, service), max_size=2) if many else self.model(inner, service)
        kind = field_type(annotation)[0]
        if kind == "other":
            if _is_str_list(annotation):
                return st.lists(st.just("x"), max_size=2)
            return st.just("x") if _allows_str(annotation) else None
        base = self.value(name, annotation, service)
        if base is None:
            return None
        return st.one_of(st.none(), base) if _allows_none(annotation) else base

    def case(self, service: str, days: st.SearchStrategy[dt.date],
             steer: RuleSet | None = None) -> st.SearchStrategy[Case]:
        """A valid case with one request for ``service``. Two in three are steered towards one rule
        (of ``steer``, or of any rule file in force for the service): the facts of one of its
        conjunctions are set so that it holds (when they map plainly onto case fields), on top of
        the random ones."""

        def build(drawn: tuple) -> Case:
            day, request, data, steering, rnd = drawn
            request = _dates(request, day)
            request.update(text="the request", service=service, date=day.isoformat())
            data = _dates(data, day)
            data["requests"] = [request]
            in_force = self.book.in_force(service, day)
            rules = [r for rs in in_force for r in rs.rules]
            # Steer towards the file's own rules (definition rules come in through them).
            targets = list(steer.rules) if steer is not None else [
                r for rs in in_force if not rs.is_definitions for r in rs.rules]
            if targets and steering:
                steered = copy.deepcopy(data)
                rule = rnd.choice(targets)
                term = self.expand(rnd.choice(dnf(rule.when)), rules, rnd)
                Steer(self, steered, day, service, rnd).apply(term)
                try:
                    return Case.model_validate(steered)
                except ValidationError as e:
                    FAILED_STEERS.append((rule.id, str(e)))  # something the case model does not allow
            return Case.model_validate(data)

        # Plain strategies and a map (no @composite, whose per-draw checks cost more than the rest).
        return st.tuples(days, self.model(Request, service), self.model(Case, service),
                         st.sampled_from([False, True, True]), st.randoms(use_true_random=False)).map(build)

    def directed(self, rule: Rule, term: list[Compare], service: str, day: dt.date, rnd: Any) -> Case | None:
        """A case with nothing documented but what makes one conjunction of ``rule`` hold (None when
        the case model cannot express it)."""
        data = {"requests": [{"text": "the request", "service": service, "date": day.isoformat()}]}
        rules = [r for rs in self.book.in_force(service, day) for r in rs.rules]
        Steer(self, data, day, service, rnd).apply(self.expand(term, rules, rnd))
        try:
            return Case.model_validate(data)
        except ValidationError:
            return None

    def expand(self, term: list[Compare], rules: list[Rule], rnd: Any, depth: int = 0) -> list[Compare]:
        """Replace ``derived.X eq V`` by a conjunction of a rule that derives X = V."""
        out: list[Compare] = []
        for c in term:
            if c.derived and c.op in ("eq", "in") and depth < 3:
                wanted = c.value if c.op == "in" else [c.value]
                makers = [r for r in rules if r.derive and r.derive[0] == c.derived_name and r.derive[1] in wanted]
                if makers:
                    maker = rnd.choice(makers)
                    out += self.expand(rnd.choice(dnf(maker.when)), rules, rnd, depth + 1)
                    continue
            if not c.derived:
                out.append(c)
        return out


class Steer:
    """Sets case fields so that a conjunction of comparisons on document facts holds (a bias for
    the generator, not a solver: what does not map plainly onto a case field is left alone)."""

    def __init__(self, gen: Generator, data: dict, day: dt.date, service: str, rnd: Any):
        self.gen, self.data, self.day, self.service, self.rnd = gen, data, day, service, rnd
        self.request = data["requests"][0]

    def apply(self, term: list[Compare]) -> None:
        by_fact: dict[str, list[Compare]] = {}
        for c in term:
            # The regions a request names are its treated regions (when it names any).
            fact = "request.body_regions" if c.fact == "request.treated_regions" else c.fact
            by_fact.setdefault(fact, []).append(c)
        # The request's quantity first: the total with earlier sessions depends on it.
        # The request's regions before the facts of those regions (region findings, planned procedures).
        for fact in sorted(by_fact, key=lambda f: (f != "request.quantity", f in _REGIONAL)):
            value = self.solve(fact, by_fact[fact])
            if value is not NOTHING:
                self.set(fact, value)

    def solve(self, fact: str, comps: list[Compare]) -> Any:
        if any(c.op == "known" and not c.value for c in comps):
            return None
        ftype = FACTS.get(fact)
        others = [c for c in comps if c.op != "known"]
        if ftype is None:
            return NOTHING
        if not others:  # known: true
            if ftype.kind == "enum":
                return self.rnd.choice(ftype.values)
            if ftype.kind == "list":
                return sorted(set(self.rnd.sample(ftype.values, self.rnd.randint(0, 2))))
            if ftype.kind == "boolean":
                return self.rnd.choice([True, False])
            if ftype.kind in ("integer", "number"):
                pool = self.gen.ints if ftype.kind == "integer" else self.gen.floats
                return self.rnd.choice(sorted(v for v in pool if v >= 1))
            return NOTHING
        if ftype.kind == "date":
            return self.solve_date(others)
        if ftype.kind in ("integer", "number"):
            lo, hi = -math.inf, math.inf
            for c in others:
                v = c.value
                if c.op == "eq":
                    lo, hi = max(lo, v), min(hi, v)
                elif c.op == "gt":
                    lo = max(lo, v + (1 if ftype.kind == "integer" else 0.5))
                elif c.op == "gte":
                    lo = max(lo, v)
                elif c.op == "lt":
                    hi = min(hi, v - (1 if ftype.kind == "integer" else 0.5))
                elif c.op == "lte":
                    hi = min(hi, v)
                elif c.op == "in":
                    return self.rnd.choice(v)
            if lo > hi:
                return NOTHING
            floor = 1 if ftype.kind == "integer" else 0.5  # counts and spans start above 0
            lo = lo if lo != -math.inf else (floor if hi == math.inf else min(floor, hi))
            hi = hi if hi != math.inf else lo + 10
            if ftype.kind == "integer":
                lo, hi = math.ceil(lo), math.floor(hi)
                if lo > hi:
                    return NOTHING
                return self.rnd.choice(sorted({lo, hi, (lo + hi) // 2}))
            return self.rnd.choice(sorted({lo, hi, round((lo + hi) / 2, 1)}))
        if ftype.kind == "enum":
            allowed = list(ftype.values)
            for c in others:
                if c.op == "eq":
                    allowed = [v for v in allowed if v == c.value]
                elif c.op == "in":
                    allowed = [v for v in allowed if v in c.value]
                elif c.op == "ne":
                    allowed = [v for v in allowed if v != c.value]
            return self.rnd.choice(allowed) if allowed else NOTHING
        if ftype.kind == "boolean":
            for c in others:
                if c.op == "eq":
                    return c.value
                if c.op == "ne":
                    return not c.value
            return NOTHING
        if ftype.kind == "list":
            wanted = {c.value for c in others if c.op == "contains"}
            unwanted = {c.value for c in others if c.op == "excludes"}
            if wanted & unwanted:
                return NOTHING
            extra = self.rnd.sample(ftype.values, self.rnd.randint(0, 2))
            return sorted(wanted | (set(extra) - unwanted))
        return NOTHING

    def solve_date(self, comps: list[Compare]) -> Any:
        lo, hi = dt.date.min, dt.date.max
        for c in comps:
            v = dt.date.fromisoformat(str(c.value))
            if c.op == "eq":
                lo, hi = max(lo, v), min(hi, v)
            elif c.op == "gt":
                lo = max(lo, v + dt.timedelta(days=1))
            elif c.op == "gte":
                lo = max(lo, v)
            elif c.op == "lt":
                hi = min(hi, v - dt.timedelta(days=1))
            elif c.op == "lte":
                hi = min(hi, v)
            else:
                return NOTHING
        hi = min(hi, self.day)  # dates of record are not after the request
        if lo > hi:
            return NOTHING
        if lo == dt.date.min:
            lo = hi - dt.timedelta(days=3650)
        return self.rnd.choice(sorted({lo, hi})).isoformat()

    def months_before(self, months: float | None) -> str | None:
        if months is None:
            return None
        return (self.day - dt.timedelta(days=round(max(months, 0) * 30.4375))).isoformat()

    def treatments_of(self, modalities: list[str]) -> list[dict]:
        return [t for t in self.data.setdefault("treatments", []) if t["modality"] in modalities]

    def ensure_treatment(self, modality: str) -> dict:
        found = self.treatments_of([modality])
        if found:
            return found[0]
        item = {"modality": modality}
        self.data["treatments"].append(item)
        return item

    def set(self, fact: str, value: Any) -> None:
        parts = fact.split(".")
        same = [m for m in MODALITIES if family(m) == family(self.service)]
        if fact == "request.treated_regions":
            self.request["body_regions"] = value or []
        elif fact == "request.prior_recorded":
            if value:
                self.ensure_treatment(self.service)
            else:
                self.data["treatments"] = [t for t in self.data.get("treatments", []) if t["modality"] not in same]
        elif fact == "request.prior_sessions":
            self.data["treatments"] = [t for t in self.data.get("treatments", []) if t["modality"] not in same]
            if value != 0:
                self.data["treatments"].append({"modality": self.service, "sessions": value})
        elif fact == "request.total_with_prior":
            quantity = self.request.get("quantity")
            if value is None:
                self.set("request.prior_sessions", None)
            elif value >= 1:
                if quantity is None or quantity > value:
                    quantity = self.request["quantity"] = max(1, value // 2)
                self.set("request.prior_sessions", value - quantity)
        elif fact == "request.ingredients":  # the document reads them from the request's drug
            self.request["drug"] = "/".join(value) if value else None
        elif fact == "request.region_findings":
            region = (self.request.get("body_regions") or ["knee"])[0]
            self.data["regional_findings"] = [{"body_region": region, "finding": f} for f in value or []]
        elif fact == "request.region_procedure_planned":
            region = (self.request.get("body_regions") or ["knee"])[0]
            self.data["planned_procedures"] = [f"{_REGION_WORD.get(region, 'knee')} surgery"] if value else []
        elif fact == "request.months_injury_to_order":
            self.request["ordered_on"] = self.day.isoformat()
            self.data.setdefault("claimant", {})["date_of_injury"] = self.months_before(value)
        elif fact == "request.months_since_injury":
            self.data.setdefault("claimant", {})["date_of_injury"] = self.months_before(value)
        elif parts[0] == "request" and parts[1] in Request.model_fields:
            nullable = _allows_none(Request.model_fields[parts[1]].annotation)
            self.request[parts[1]] = "unknown" if value is None and not nullable else value
        elif parts[0] == "history" and len(parts) == 3:
            modality, name = parts[1], parts[2]
            if name == "recorded":
                if value:
                    self.ensure_treatment(modality)
                else:
                    self.data["treatments"] = [t for t in self.data.get("treatments", []) if t["modality"] != modality]
            elif name == "months_since_last":
                self.ensure_treatment(modality)["last_date"] = self.months_before(value)
            elif name in Treatment.model_fields:
                item = self.ensure_treatment(modality)
                item[name] = value if value is not None or _allows_none(Treatment.model_fields[name].annotation) \
                    else "unknown"
        elif fact == "exam.red_flag_count":
            flags = list(FACTS["exam.red_flags"].values)
            self.data.setdefault("exam", {})["red_flags"] = None if value is None else flags[:max(0, min(value, len(flags)))]
        elif fact in _MEDICATION_FACTS:
            _MEDICATION_FACTS[fact](self, value)
        elif fact == "medications.count":
            self.data["medications"] = [{"name": "x"} for _ in range(max(0, value or 0))]
        elif parts[0] == "medications" and len(parts) == 2:
            meds = self.data.setdefault("medications", []) or [{"name": "x"}]
            meds[0][parts[1]] = value
            self.data["medications"] = meds
        elif fact == "surgery.count":
            self.data["surgery"] = [{"procedure": "x"} for _ in range(max(0, value or 0))]
        elif fact == "surgery.months_since_latest":
            self.data["surgery"] = [] if value is None else [{"procedure": "x", "date": self.months_before(value)}]
        elif fact == "planned_procedures.count":
            self.data["planned_procedures"] = ["x"] * max(0, value or 0)
        elif len(parts) == 1 and parts[0] in Case.model_fields:
            self.data[parts[0]] = value or []
        elif len(parts) == 2 and parts[0] in Case.model_fields:
            section = self.data.get(parts[0]) or {}
            section[parts[1]] = "unknown" if value is None and not _nullable(parts[0], parts[1]) else value
            self.data[parts[0]] = section


def _class_drugs(drug_class: str) -> list[str]:
    from engine.cases.terms import find_drugs, generic_names

    return [g for g in generic_names() if (found := find_drugs(g)) and found[0][0].drug_class.value == drug_class]


def _other_same_class(steer: Steer, value: Any) -> None:
    # Another drug of the requested class among the medications of record (true), or none (false).
    cls = steer.request.get("drug_class") or "nsaid"
    steer.request["drug_class"] = cls
    requested = (steer.request.get("drug") or "").split("/")[0]
    others = [g for g in _class_drugs(cls) if g != requested and "/" not in g]
    meds = [m for m in steer.data.get("medications") or [] if m["name"] not in _class_drugs(cls)]
    if value and others:
        meds.append({"name": others[0]})
    steer.data["medications"] = meds


def _nsaid_of_record(steer: Steer, value: Any) -> None:
    meds = [m for m in steer.data.get("medications") or [] if m["name"] not in _class_drugs("nsaid")]
    steer.data["medications"] = meds + ([{"name": "naproxen"}] if value else [])


def _risk_factor_count(steer: Steer, value: Any) -> None:
    members = list(FACTS["gastrointestinal.risk_factors"].values)
    gi = steer.data.setdefault("gastrointestinal", {}) or {}
    gi["risk_factors"] = None if value is None else members[:max(0, min(value, len(members)))]
    steer.data["gastrointestinal"] = gi


def _injury_to_request(steer: Steer, value: Any) -> None:
    steer.data.setdefault("claimant", {})["date_of_injury"] = steer.months_before(value)


# Medication facts the document derives from other case fields (engine.cases.medication_document).
_MEDICATION_FACTS = {
    "request.other_same_class": _other_same_class,
    "medications.nsaid": _nsaid_of_record,
    "gastrointestinal.risk_factor_count": _risk_factor_count,
    "request.months_injury_to_request": _injury_to_request,
}


_REGIONAL = {"request.region_findings", "request.region_procedure_planned"}
# A word engine.cases.terms reads as each region, for a planned procedure of that region.
_REGION_WORD = {"lumbar_spine": "lumbar", "cervical_spine": "cervical", "thoracic_spine": "thoracic",
                "shoulder": "shoulder", "elbow": "elbow", "forearm": "forearm", "wrist_hand": "wrist",
                "upper_extremity": "arm", "hip": "hip", "knee": "knee", "ankle_foot": "ankle",
                "lower_extremity": "leg", "head": "head"}


class MonthsBefore(float):
    """A date drawn as so many months before the request (the rules compare months since dates)."""


def _dates(value: Any, day: dt.date) -> Any:
    if isinstance(value, MonthsBefore):
        return (day - dt.timedelta(days=round(float(value) * 30.4375))).isoformat()
    if isinstance(value, dict):
        return {k: _dates(v, day) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates(v, day) for v in value]
    return value


NOTHING = object()
FAILED_STEERS: list[tuple[str, str]] = []  # for debugging the generator


def _nullable(section: str, name: str) -> bool:
    model, _ = model_of(Case.model_fields[section].annotation)
    return model is not None and name in model.model_fields and _allows_none(model.model_fields[name].annotation)


def _annotation(ftype: Any) -> Any:
    return {"integer": int, "number": float, "boolean": bool}.get(ftype.kind, str)


def _args(annotation: Any) -> tuple[Any, ...]:
    import typing

    return typing.get_args(annotation)


def _allows_none(annotation: Any) -> bool:
    return type(None) in _args(annotation)


def _allows_str(annotation: Any) -> bool:
    return annotation is str or str in _args(annotation)


def _is_str_list(annotation: Any) -> bool:
    import typing

    return typing.get_origin(annotation) is list and typing.get_args(annotation) == (str,)
