"""Rule files: finding them, reading them into the engine-neutral form, and linting them.

A rule file encodes one guideline topic for one period in force. Loading validates every field;
``lint`` reports every problem as ``FILE:LINE rule-id: message``. A rule author never needs Python:
facts are named by path (see ``engine.cases.facttable.FACTS``), derived facts are declared by definition
files (``derives:``) and concluded by their rules.
"""
from __future__ import annotations

import datetime as dt
import pickle
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from engine.cases.facttable import FACTS, FactType
from engine.errors import InputError
from engine.rules.ir import (
    DERIVED_PREFIX,
    OPS,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    Example,
    Rule,
    RuleSet,
    dnf,
    leaves,
)
from engine.rules.semantics import satisfiable
from engine.cases.sources import Document, bundled_dir, load, register_keys
from engine.cases.vocab import Service

RULE_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
STATUSES = ("confirmed", "partial", "unconfirmed")
FINDINGS = ("not_medically_necessary", "medically_necessary", "outside_guideline")
FILE_KEYS = {"guideline", "topic", "cite", "pages", "service", "services", "status", "in_force",
             "derives", "supplements", "rules", "notes", "reapplied", "parameters", "examples"}
# A later edition that applied the same criteria: its own name, period, citation and status.
REAPPLIED_KEYS = {"key", "from", "to", "guideline", "topic", "pages", "status", "source", "services"}
RULE_KEYS = {"id", "when", "finding", "derive", "cite", "page", "status", "because", "to_pass", "notes"}
# Alternatives of one rule's condition once written as a disjunction of conjunctions (the bundled
# rules have at most 32): nesting any inside all multiplies them, and the lint compares them pairwise.
MAX_TERMS = 1024
register_keys(FILE_KEYS | RULE_KEYS | REAPPLIED_KEYS | {"all", "any", "fact", "from", "to", "or_unknown", "value", "unit",
                                                              "name", "case", "request", "outcome", *OPS})


@dataclass(frozen=True)
class Problem:
    source: str
    line: int | None
    rule_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where} {self.rule_id or '-'}: {self.message}"


def default_rules_dir() -> Path:
    return bundled_dir("rules")


def rule_files(paths: Iterable[str | Path] | None = None) -> list[Path]:
    roots = [Path(p) for p in paths] if paths else [default_rules_dir()]
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            # Broken links are listed to be reported; an empty directory stays itself, to be reported.
            found = sorted(p for p in root.rglob("*.yaml") if p.is_file() or (p.is_symlink() and not p.exists()))
            files.extend(found or [root])
        else:
            files.append(root)
    return files


@dataclass
class _Context:
    """What a file's checks need to know about the whole rulebook."""

    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)


class _FileReader:
    """Reads one parsed rule file into a RuleSet, collecting problems instead of stopping."""

    def __init__(self, doc: Document, ctx: _Context):
        self.doc = doc
        self.ctx = ctx
        self.problems: list[Problem] = []
        self.reapplied: list[RuleSet] = []
        self.parameters: dict[str, Any] = {}

    def problem(self, path: tuple[Any, ...], message: str, rule_id: str | None = None) -> None:
        self.problems.append(Problem(self.doc.source, self.doc.line_of(path), rule_id, message))

    # -- header ------------------------------------------------------------------------------
    def read(self) -> RuleSet | None:
        data = self.doc.data
        if not isinstance(data, dict):
            self.problem((), "expected a mapping with guideline, cite, in_force and rules")
            return None
        for key in data:
            if key not in FILE_KEYS:
                self.problem((key,), f"unknown key (expected one of {', '.join(sorted(FILE_KEYS))})")
        guideline = self._text(data, ("guideline",), required=True)
        cite = self._text(data, ("cite",), required=True, what="citation (section)")
        services = self._services(data)
        status = self._status(data, ("status",), "confirmed")
        start, end = self._in_force(data)
        derives = self._derives(data)
        supplements = data.get("supplements", False)
        if not isinstance(supplements, bool):
            self.problem(("supplements",), "supplements: expected true or false")
            supplements = False
        self.parameters = self._parameters(data)
        rules = self._rules(data, status)
        if guideline is None or cite is None or start is None or services is None:
            return None
        try:
            rs = RuleSet(
                key=Path(self.doc.source).stem, source=self.doc.source, guideline=guideline,
                topic=self._text(data, ("topic",)), cite=cite, pages=self._text(data, ("pages",)),
                services=tuple(services), in_force_from=start, in_force_to=end, derives=derives,
                supplements=supplements, status=status, rules=tuple(rules),
            )
        except ValueError as e:  # pragma: no cover - every field was checked above
            self.problem((), str(e))
            return None
        rs = rs.model_copy(update={"examples": self._examples(data, rs)})
        self.reapplied = self._reapplied(data, rs)
        return rs

    def _examples(self, data: dict, rs: RuleSet) -> tuple[Example, ...]:
        """``examples: [{name, case, request, outcome, rules?}]``; the request is judged on the
        file's first day in force unless it gives its own date."""
        raw = data.get("examples")
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problem(("examples",), "examples: expected a list of {name, case, request, outcome}")
            return ()
        from engine.cases.facts import Case  # the case format, to check an example as a case file is checked

        out = []
        ids = {r.id for r in rs.rules}
        for i, entry in enumerate(raw):
            path = ("examples", i)
            if not isinstance(entry, dict) or not {"name", "request", "outcome"} <= set(entry) or not set(entry) <= {
                    "name", "case", "request", "outcome", "rules"}:
                self.problem(path, "example: expected {name, case?, request, outcome, rules?}")
                continue
            if entry["outcome"] not in ("Upheld", "Overturned", None):
                self.problem(path + ("outcome",), "outcome: expected Upheld, Overturned or null (no prediction)")
                continue
            request = {"text": entry["name"], "service": rs.services[0] if rs.services else "other",
                       "date": rs.in_force_from.isoformat(), **(entry["request"] or {})}
            case = dict(entry.get("case") or {})
            try:
                Case.model_validate({**case, "requests": [request]})
            except Exception:  # a pydantic ValidationError; its text may hold the example's values
                self.problem(path, "example: not a valid case (check it as a case file with imr check)")
                continue
            unknown = [r for r in (entry.get("rules") or []) if r not in ids and not r.startswith("definitions.")]
            if unknown:
                self.problem(path + ("rules",), f"example names {len(unknown)} rule(s) not in this file")
            out.append(Example(name=str(entry["name"]), case=case, request=request, outcome=entry["outcome"],
                               rules=tuple(entry["rules"]) if entry.get("rules") is not None else None,
                               line=self.doc.line_of(path)))
        return tuple(out)

    def _parameters(self, data: dict) -> dict[str, Any]:
        """The file's figures, each written once with its source: ``parameters: {NAME: {value, source}}``.

        A condition names one as ``$NAME`` (``{fact: request.quantity, gt: $trial_max}``) and the
        prose as ``{param.NAME}``; both are filled in when the file is read.
        """
        raw = data.get("parameters")
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problem(("parameters",), "parameters: expected a mapping NAME: {value, source}")
            return {}
        out: dict[str, Any] = {}
        for name, entry in raw.items():
            path = ("parameters", name)
            if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                self.problem(path, "parameters: a name is lower case letters, digits and _")
                continue
            if not isinstance(entry, dict) or "value" not in entry or not set(entry) <= {"value", "source", "unit"}:
                self.problem(path, "parameter: expected {value, source, unit?}")
                continue
            if not isinstance(entry.get("source"), str) or not entry["source"].strip():
                self.problem(path + ("source",), "parameter: expected the source of the figure")
            value = entry["value"]
            if isinstance(value, bool) or not isinstance(value, (int, float, str, list)):
                self.problem(path + ("value",), "parameter: expected a number, a word or a list")
                continue
            out[name] = value
        return out

    def _param(self, value: Any, path: tuple[Any, ...], rid: str) -> tuple[bool, Any]:
        """A ``$NAME`` value replaced by the parameter's (False when it names none)."""
        if isinstance(value, str) and value.startswith("$"):
            name = value[1:]
            if name not in self.parameters:
                self.problem(path, "a $NAME value names an unknown parameter (declare it under parameters:)", rid)
                return False, None
            return True, self.parameters[name]
        return True, value

    def _fill_params(self, text: str | None) -> str | None:
        if not text or "{param." not in text:
            return text
        for name, value in self.parameters.items():
            shown = ", ".join(map(str, value)) if isinstance(value, list) else (
                str(int(value)) if isinstance(value, float) and value.is_integer() else str(value))
            text = text.replace("{param." + name + "}", shown)
        return text

    def _reapplied(self, data: dict, rs: RuleSet) -> list[RuleSet]:
        """The same criteria under a later edition (``reapplied:``), one rule set per period.

        The criteria are written once; each period names its guideline, dates and the status of the
        source that shows the criteria were applied then (e.g. the edition as IMR letters quote it).
        """
        raw = data.get("reapplied")
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(("reapplied",), "reapplied: expected a list of {key, from, to, guideline, status, source}")
            return []
        out = []
        for i, entry in enumerate(raw):
            path = ("reapplied", i)
            if not isinstance(entry, dict):
                self.problem(path, "reapplied: expected a mapping")
                continue
            for key in entry:
                if key not in REAPPLIED_KEYS:
                    self.problem(path + (key,), f"unknown key (expected one of {', '.join(sorted(REAPPLIED_KEYS))})")
            key = entry.get("key")
            if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9_]+", key):
                self.problem(path + ("key",), "key: expected a rule-set name in lower case (e.g. physical_medicine_2016)")
                continue
            if not isinstance(entry.get("source"), str) or not entry["source"].strip():
                self.problem(path + ("source",), "source: expected the source that shows the criteria applied then")
            start = self._date(entry.get("from"), path + ("from",))
            end = self._date(entry["to"], path + ("to",)) if entry.get("to") is not None else None
            status = self._status(entry, path + ("status",), rs.status)
            guideline = self._text(entry, path + ("guideline",), required=True)
            if start is None or guideline is None:
                continue
            if start <= (rs.in_force_to or dt.date.max) and rs.in_force_from <= (end or dt.date.max):
                self.problem(path + ("from",), "reapplied period overlaps the file's own in_force")
                continue
            services = rs.services
            if "services" in entry:
                wanted = entry["services"]
                if not isinstance(wanted, list) or not set(wanted) <= set(rs.services):
                    self.problem(path + ("services",), "services: expected some of the file's own services")
                    continue
                services = tuple(wanted)
            # The period's source speaks for the criteria of the file as applied then.
            rules = tuple(r.model_copy(update={"status": status}) for r in rs.rules)
            out.append(rs.model_copy(update={
                "key": key, "guideline": guideline, "topic": entry.get("topic", rs.topic),
                "pages": str(entry["pages"]) if entry.get("pages") is not None else None,
                "in_force_from": start, "in_force_to": end, "status": status, "rules": rules,
                "services": services, "examples": ()}))  # the examples are the file's own period's
        return out

    def _text(self, data: dict, path: tuple[Any, ...], required: bool = False,
              what: str | None = None, rule_id: str | None = None) -> str | None:
        value = data.get(path[-1])
        if value is None:
            if required:
                self.problem(path, f"missing {what or path[-1]}", rule_id)
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.problem(path, f"{path[-1]}: expected text", rule_id)
            return None
        return value.strip()

    def _status(self, data: dict, path: tuple[Any, ...], default: str, rule_id: str | None = None) -> str:
        value = data.get(path[-1], default)
        if value not in STATUSES:
            self.problem(path, f"status: expected one of {', '.join(STATUSES)}", rule_id)
            return default
        return value

    def _services(self, data: dict) -> list[str] | None:
        if "service" in data and "services" in data:
            self.problem(("services",), "give either service or services, not both")
        raw = data.get("services", data.get("service", []))
        key = "services" if "services" in data else "service"
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list):
            self.problem((key,), "services: expected a list of service names")
            return None
        known = {s.value for s in Service}
        out = []
        for i, s in enumerate(raw):
            if not isinstance(s, str) or s not in known:
                self.problem((key, i) if key == "services" else (key,),
                             f"unknown service (expected one of {', '.join(sorted(known))})")
            else:
                out.append(s)
        if "derives" not in data and not raw:
            self.problem((), "missing services (only definition files, which declare derives, apply to every service)")
        return out

    def _date(self, value: Any, path: tuple[Any, ...]) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(path, f"{path[-1]}: malformed date (expected YYYY-MM-DD)")
        return None

    def _in_force(self, data: dict) -> tuple[dt.date | None, dt.date | None]:
        raw = data.get("in_force")
        if not isinstance(raw, dict) or "from" not in raw:
            self.problem(("in_force",), "in_force: expected {from: YYYY-MM-DD, to: YYYY-MM-DD or null}")
            return None, None
        for key in raw:
            if key not in ("from", "to"):
                self.problem(("in_force", key), "in_force: unknown key (expected from, to)")
        start = self._date(raw["from"], ("in_force", "from"))
        end = self._date(raw["to"], ("in_force", "to")) if raw.get("to") is not None else None
        if start and end and end < start:
            self.problem(("in_force", "to"), f"malformed dates: in force to {end} is before from {start}")
        return start, end

    def _derives(self, data: dict) -> dict[str, tuple[str, ...]]:
        raw = data.get("derives") or {}
        if not isinstance(raw, dict):
            self.problem(("derives",), "derives: expected a mapping of derived fact name to its values")
            return {}
        out = {}
        for name, values in raw.items():
            if not isinstance(values, list) or not values or not _is_name(name) or not all(_is_name(v) for v in values):
                self.problem(("derives", name), f"derives.{_ident(name)}: expected a lower-case name and a list "
                             "of lower-case value names (like functional_improvement: [documented, not_documented])")
                continue
            out[str(name)] = tuple(values)
        return out

    # -- rules -------------------------------------------------------------------------------
    def _rules(self, data: dict, file_status: str) -> list[Rule]:
        raw = data.get("rules")
        if not isinstance(raw, list) or not raw:
            self.problem(("rules",), "rules: expected a non-empty list of rules")
            return []
        out = []
        for i, item in enumerate(raw):
            rule = self._rule(item, ("rules", i), file_status)
            if rule is not None:
                out.append(rule)
        return out

    def _rule(self, item: Any, path: tuple[Any, ...], file_status: str) -> Rule | None:
        if not isinstance(item, dict):
            self.problem(path, "expected a rule (a mapping with id, when, finding, cite, because)")
            return None
        rule_id = item.get("id")
        if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
            self.problem(path + ("id",), "id: expected a dotted lower-case name like 'massage.adjunct.missing'",
                         f"rules[{path[-1]}]")
            rule_id = None
        rid = rule_id or f"rules[{path[-1]}]"
        for key in item:
            if key not in RULE_KEYS:
                self.problem(path + (key,), f"unknown key (expected one of {', '.join(sorted(RULE_KEYS))})", rid)
        cite = self._text(item, path + ("cite",), required=True, what="citation (cite: section)", rule_id=rid)
        because = self._text(item, path + ("because",), required=True, what="rationale (because)", rule_id=rid)
        to_pass = self._text(item, path + ("to_pass",), rule_id=rid)
        page = self._text(item, path + ("page",), rule_id=rid)
        status = self._status(item, path + ("status",), file_status, rid)
        finding, derive = item.get("finding"), item.get("derive")
        if (finding is None) == (derive is None):
            self.problem(path, "give exactly one of finding (a decision) or derive (a derived fact)", rid)
        if finding is not None and finding not in FINDINGS:
            self.problem(path + ("finding",), f"finding: expected one of {', '.join(FINDINGS)}", rid)
            finding = None
        derive_pair = None
        if derive is not None:
            derive_pair = self._derive(derive, path + ("derive",), rid)
        when = self._condition(item.get("when"), path + ("when",), rid)
        if when is not None and _term_count(when) > MAX_TERMS:
            self.problem(path + ("when",), f"when: too complex (more than {MAX_TERMS} alternatives once "
                         "any/all are multiplied out); split the rule", rid)
            when = None
        because, to_pass = self._fill_params(because), self._fill_params(to_pass)
        for text, key in ((because, "because"), (to_pass, "to_pass")):
            if text:
                self._placeholders(text, path + (key,), rid)
        if None in (rule_id, cite, because, when) or (finding is None and derive_pair is None):
            return None
        return Rule(id=rule_id, when=when, finding=finding, derive=derive_pair, cite=cite, page=page,
                    because=because, to_pass=to_pass, status=status, line=self.doc.line_of(path))

    def _derive(self, raw: Any, path: tuple[Any, ...], rid: str) -> tuple[str, str] | None:
        if not isinstance(raw, dict) or len(raw) != 1:
            self.problem(path, "derive: expected one 'name: value' pair", rid)
            return None
        name, value = next(iter(raw.items()))
        declared = self.ctx.derived.get(str(name))
        if declared is None:
            self.problem(path, "derive: the derived fact is not declared by any definition file (derives:)", rid)
            return None
        if value not in declared:
            self.problem(path, f"derive: {_ident(name)} takes one of {', '.join(declared)}", rid)
            return None
        return str(name), str(value)

    def _placeholders(self, text: str, path: tuple[Any, ...], rid: str) -> None:
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(text) if f]
        except ValueError as e:
            self.problem(path, f"{path[-1]}: malformed placeholder ({e})", rid)
            return
        for name in names:
            if name.startswith("param."):
                self.problem(path, f"{path[-1]}: a placeholder names an unknown parameter (declare it under parameters:)", rid)
            elif self._fact_type(name) is None:
                self.problem(path, f"{path[-1]}: a placeholder names an unknown fact path", rid)

    def _fact_type(self, path: str) -> FactType | None:
        if path.startswith(DERIVED_PREFIX):
            values = self.ctx.derived.get(path[len(DERIVED_PREFIX):])
            return FactType("enum", values) if values else None
        return FACTS.get(path)

    def _condition(self, raw: Any, path: tuple[Any, ...], rid: str) -> Condition | None:
        if not isinstance(raw, dict):
            self.problem(path, "when: expected {all: [...]}, {any: [...]} or {fact: PATH, OP: VALUE}", rid)
            return None
        if "all" in raw or "any" in raw:
            key = "all" if "all" in raw else "any"
            if len(raw) != 1 or not isinstance(raw[key], list) or not raw[key]:
                self.problem(path, f"{key}: expected a non-empty list of conditions, alone in its mapping", rid)
                return None
            children = [self._condition(c, path + (key, i), rid) for i, c in enumerate(raw[key])]
            if any(c is None for c in children):
                return None
            return AllOf(all=children) if key == "all" else AnyOf(any=children)
        return self._compare(raw, path, rid)

    def _compare(self, raw: dict, path: tuple[Any, ...], rid: str) -> Condition | None:
        """A leaf. ``or_unknown: true`` beside its operator means "this, or the fact is unknown":
        it is read as ``any: [the leaf, {fact, known: false}]``, so every evaluator sees plain leaves."""
        or_unknown = raw.get("or_unknown", False)
        if not isinstance(or_unknown, bool):
            self.problem(path + ("or_unknown",), "or_unknown: expected true or false", rid)
            return None
        raw = {k: v for k, v in raw.items() if k != "or_unknown"}
        leaf = self._leaf(raw, path, rid)
        if leaf is None or not or_unknown:
            return leaf
        if leaf.op == "known":
            self.problem(path, "or_unknown: not with known (say what is compared)", rid)
            return None
        return AnyOf(any=[leaf, Compare(fact=leaf.fact, op="known", value=False, line=leaf.line)])

    def _leaf(self, raw: dict, path: tuple[Any, ...], rid: str) -> Compare | None:
        fact = raw.get("fact")
        ops = [k for k in raw if k != "fact"]
        if not isinstance(fact, str):
            self.problem(path, "condition: expected 'fact: PATH'", rid)
            return None
        if len(ops) != 1 or ops[0] not in OPS:
            found = "none" if not ops else f"{len(ops)}" if len(ops) > 1 else "an unknown one"
            self.problem(path, f"condition: expected exactly one operator of {', '.join(OPS)} (found {found})", rid)
            return None
        op, value = ops[0], raw[ops[0]]
        found, value = self._param(value, path + (op,), rid)
        if not found:
            return None
        ftype = self._fact_type(fact)
        if ftype is None:
            self.problem(path, "unknown fact path (see FACTS in engine/cases/facttable.py)", rid)
            return None
        message = type_error(ftype, op, value)
        if message:
            self.problem(path, f"{fact} {op}: {message}", rid)
            return None
        if isinstance(value, dt.date):
            value = value.isoformat()
        return Compare(fact=fact, op=op, value=value, line=self.doc.line_of(path))


def _term_count(cond: Condition) -> int:
    """len(dnf(cond)), without building it (it grows as a product of the nested any's)."""
    if isinstance(cond, Compare):
        return 1
    if isinstance(cond, AnyOf):
        return sum(_term_count(c) for c in cond.any)
    total = 1
    for c in cond.all:
        total *= _term_count(c)
        if total > MAX_TERMS:
            return total
    return total


def _is_name(name: Any) -> bool:
    return isinstance(name, str) and re.fullmatch(r"[a-z][a-z0-9_]*", name) is not None


def _ident(name: Any) -> str:
    """A declared name as it may be printed: a lower-case identifier, else <name>."""
    return name if isinstance(name, str) and re.fullmatch(r"[a-z][a-z0-9_]*", name) else "<name>"


# What durable_rules' JSON parser accepts (see engine.cases.facts.MAX_COUNT): no exponent, no inf/nan.
_NUMBER_RANGE = (0.0001, 1e15)


def _number_fits(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):
        return abs(value) <= 10**15
    return value == 0 or _NUMBER_RANGE[0] <= abs(value) <= _NUMBER_RANGE[1]


def _value_fits(ftype: FactType, value: Any) -> bool:
    if ftype.kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool) and _number_fits(value)
    if ftype.kind == "number":
        return _number_fits(value)
    if ftype.kind == "boolean":
        return isinstance(value, bool)
    if ftype.kind in ("enum", "list"):
        return isinstance(value, str) and value in ftype.values
    if ftype.kind == "date":
        if isinstance(value, dt.date):
            return True
        try:
            dt.date.fromisoformat(str(value))
            return True
        except ValueError:
            return False
    return False


def type_error(ftype: FactType, op: str, value: Any) -> str | None:
    """Why ``fact op value`` is a comparison of the wrong type, or None when it is well typed."""
    if op == "known":
        return None if isinstance(value, bool) else "known takes true or false"
    if op in ("contains", "excludes"):
        if ftype.kind != "list":
            return f"{op} applies to lists, but this fact is {ftype.describe()}"
        return None if _value_fits(ftype, value) else f"expected one of {', '.join(ftype.values)}"
    if ftype.kind == "list":
        return f"a list fact takes contains, excludes or known, not {op}"
    if op in ("gt", "gte", "lt", "lte") and not (ftype.numeric or ftype.kind == "date"):
        return f"{op} compares numbers or dates, but this fact is {ftype.describe()}"
    if op == "in":
        if not isinstance(value, list) or not value:
            return "in takes a non-empty list"
        bad = [v for v in value if not _value_fits(ftype, v)]
        return f"a value of the list is not a value of {ftype.describe()}" if bad else None
    if value is None:
        return "compare with null using known: false"
    if not _value_fits(ftype, value):
        if ftype.numeric:
            return f"expected a value of {ftype.describe()}, 0 or from 0.0001 to 10^15 in magnitude"
        return f"expected a value of {ftype.describe()}"
    return None


def _periods_overlap(a: RuleSet, b: RuleSet) -> bool:
    a_end = a.in_force_to or dt.date.max
    b_end = b.in_force_to or dt.date.max
    return a.in_force_from <= b_end and b.in_force_from <= a_end


def _domains(ctx: _Context) -> dict[str, tuple[str, ...]]:
    domains = {path: t.values for path, t in FACTS.items() if t.kind in ("enum",)}
    domains.update({DERIVED_PREFIX + name: values for name, values in ctx.derived.items()})
    return domains


def _check_rules(rs: RuleSet, domains: dict[str, tuple[str, ...]]) -> list[Problem]:
    problems: list[Problem] = []
    terms = {rule.id: dnf(rule.when) for rule in rs.rules}
    seen: dict[str, int | None] = {}
    for rule in rs.rules:
        if rule.id in seen:
            problems.append(Problem(rs.source, rule.line, rule.id, f"duplicate id (first on line {seen[rule.id]})"))
        seen.setdefault(rule.id, rule.line)
        if not any(satisfiable(t, domains) for t in terms[rule.id]):
            problems.append(Problem(rs.source, rule.line, rule.id, "condition can never be true: this rule never fires"))
        if rule.derive and rule.derive[0] in {c.derived_name for c in leaves(rule.when) if c.derived}:
            problems.append(Problem(rs.source, rule.line, rule.id, f"derives {rule.derive[0]} from itself"))
    ordered = list(rs.rules)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            opposite = ({a.finding, b.finding} == {"not_medically_necessary", "medically_necessary"}) or (
                a.derive and b.derive and a.derive[0] == b.derive[0] and a.derive[1] != b.derive[1])
            if not opposite:
                continue
            if any(satisfiable(ta + tb, domains) for ta in terms[a.id] for tb in terms[b.id]):
                what = f"the opposite finding ({b.finding})" if a.finding else f"another value of {a.derive[0]} ({b.derive[1]})"
                problems.append(Problem(rs.source, a.line, a.id, f"fires on the same facts as {b.id} with {what}"))
    return problems


_DEFINITIONS = "\0definitions"  # not a service name: the key of the definition files in the memo


@dataclass
class Rulebook:
    """Every rule set, ready to be selected by service and date.

    Pickled (the rulebook cache, ``engine.rules.rulecache``), each rule set is kept apart with the
    services that pick it, and read back only when first selected: one `imr check` judges a request
    by a few of the rule sets, and reading all of them was most of the cache's cost. ``rulesets`` reads
    the rest when asked for.
    """

    rulesets: list[RuleSet]

    def __getattr__(self, name: str) -> Any:
        # Only reached for `rulesets` of an unpickled rulebook not yet read in full.
        if name != "rulesets" or "_blobs" not in self.__dict__:
            raise AttributeError(name)
        rulesets = [self._ruleset(i) for i in range(len(self._blobs))]
        self.__dict__["rulesets"] = rulesets
        return rulesets

    def _ruleset(self, i: int) -> RuleSet:
        read = self.__dict__.setdefault("_read", {})
        rs = read.get(i)
        if rs is None:  # setdefault: threads of `imr serve` reading the same rule set all get one object
            rs = read.setdefault(i, pickle.loads(self._blobs[i]))
        return rs

    @property
    def derived(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for rs in self.rulesets:
            out.update(rs.derives)
        return out

    def for_service(self, service: str) -> list[RuleSet]:
        return list(self._by_service(service))

    def _by_service(self, service: str) -> tuple[RuleSet, ...]:
        # Remembered per service (a bounded set) while the list of rule sets is the same object (None:
        # the unpickled rule sets, read one by one).
        current = self.__dict__.get("rulesets")
        memo = self.__dict__.get("_memo")
        if memo is None or memo[0] is not current or len(memo[1]) > 4096:
            memo = self.__dict__["_memo"] = (current, {})
        hit = memo[1].get(service)
        if hit is None:
            if current is None:
                picked = (i for i, services in enumerate(self._services)
                          if (not services if service == _DEFINITIONS else service in services))
                hit = tuple(self._ruleset(i) for i in picked)
            else:
                hit = tuple(rs for rs in current
                            if (rs.is_definitions if service == _DEFINITIONS else service in rs.services))
            memo[1][service] = hit
        return hit

    def in_force(self, service: str, day: dt.date) -> list[RuleSet]:
        """The rule sets that judge ``service`` on ``day``: its own, then the definitions in force."""
        own = [rs for rs in self._by_service(service) if rs.in_force(day)]
        if not own:
            return []
        return own + [rs for rs in self._by_service(_DEFINITIONS) if rs.in_force(day)]

    def __getstate__(self) -> dict[str, Any]:
        rulesets = self.rulesets
        return {"_services": [rs.services for rs in rulesets],
                "_blobs": [pickle.dumps(rs, protocol=pickle.HIGHEST_PROTOCOL) for rs in rulesets]}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def rule(self, rule_id: str) -> tuple[RuleSet, Rule]:
        for rs in self.rulesets:
            for rule in rs.rules:
                if rule.id == rule_id:
                    return rs, rule
        raise KeyError(rule_id)


def lint(paths: Iterable[str | Path] | None = None) -> tuple[Rulebook, list[Problem]]:
    """Read every rule file and report every problem (an empty list means the rulebook is sound)."""
    problems: list[Problem] = []
    docs: list[Document] = []
    files = rule_files(paths)
    if not files:
        problems.append(Problem(str(next(iter(paths or []), "rules")), None, None, "no rule files (*.yaml) found"))
    for path in files:
        if path.is_dir():
            problems.append(Problem(str(path), None, None, "no rule files (*.yaml) in this directory"))
            continue
        try:
            docs.append(load(str(path)))
        except InputError as e:
            problems.append(Problem(e.source, e.line, None, e.message))
    ctx = _Context()
    # Definition files first: their derives: declarations are the vocabulary of every other file.
    for doc in docs:
        if isinstance(doc.data, dict) and isinstance(doc.data.get("derives"), dict):
            for name, values in doc.data["derives"].items():
                # Only lower-case names are vocabulary: messages print them, and never a file's free text.
                if isinstance(values, list) and _is_name(name) and values and all(_is_name(v) for v in values):
                    ctx.derived[name] = tuple(values)
    rulesets: list[RuleSet] = []
    for doc in docs:
        reader = _FileReader(doc, ctx)
        try:
            rs = reader.read()
        except Exception as e:  # noqa: BLE001 - a reader bug must still be one line naming the file
            reader.problems.append(Problem(doc.source, None, None,
                                           f"could not be checked (internal error {type(e).__name__}; please report)"))
            rs = None
        problems.extend(reader.problems)
        if rs is not None:
            rulesets.append(rs)
            rulesets.extend(reader.reapplied)
    domains = _domains(ctx)
    for rs in rulesets:
        problems.extend(_check_rules(rs, domains))
    problems.extend(_cross_file(rulesets))
    return Rulebook(rulesets), problems


def _cross_file(rulesets: list[RuleSet]) -> list[Problem]:
    problems = []
    keys: dict[str, str] = {}
    for rs in rulesets:
        if rs.key in keys:
            problems.append(Problem(rs.source, None, None, f"file name {rs.key} is used twice (also {keys[rs.key]})"))
        keys.setdefault(rs.key, rs.source)
    for i, a in enumerate(rulesets):
        for b in rulesets[i + 1:]:
            if not _periods_overlap(a, b):
                continue
            ids_a = {r.id: r.line for r in a.rules}
            for rule in b.rules:
                if rule.id in ids_a:
                    problems.append(Problem(b.source, rule.line, rule.id,
                                            f"duplicate id (also in {a.source}:{ids_a[rule.id]}, in force at the same time)"))
            if a.is_definitions and b.is_definitions and set(a.derives) & set(b.derives):
                name = sorted(set(a.derives) & set(b.derives))[0]
                problems.append(Problem(b.source, None, None,
                                        f"derived fact '{_ident(name)}' is declared by {a.source} too, in force at the same time"))
    return problems


def gaps(book: "Rulebook") -> list[Problem]:
    """Warnings across the files of each period: a service for which, over some period, no rule in
    force can support a request (no criterion for it that can ever be true), so every request is
    upheld or gets no prediction. Some guidelines mean that (a drug "not recommended"); more often a
    criterion is missing. Not errors: the rulebook stays loadable."""
    domains = {path: t.values for path, t in FACTS.items() if t.kind == "enum"}
    for rs in book.rulesets:
        domains.update({DERIVED_PREFIX + name: values for name, values in rs.derives.items()})
    guideline_files = [rs for rs in book.rulesets if not rs.is_definitions]
    can_support = {rs.key: any(rule.finding == "medically_necessary" and any(satisfiable(t, domains)
                                                                            for t in dnf(rule.when))
                               for rule in rs.rules) for rs in guideline_files}
    out: list[Problem] = []
    for service in sorted({s for rs in guideline_files for s in rs.services}):
        files = [rs for rs in guideline_files if service in rs.services]
        cuts = sorted({rs.in_force_from for rs in files}
                      | {rs.in_force_to + dt.timedelta(days=1) for rs in files if rs.in_force_to})
        for i, day in enumerate(cuts):
            in_force = [rs for rs in files if rs.in_force(day)]
            if not in_force or any(can_support[rs.key] for rs in in_force):
                continue
            # By design, no prediction: only a statute's cap, or only texts the rules do not encode.
            if all(rs.supplements or all(r.finding == "outside_guideline" for r in rs.rules) for rs in in_force):
                continue
            until = f"to {(cuts[i + 1] - dt.timedelta(days=1)).isoformat()}" if i + 1 < len(cuts) else "on"
            out.append(Problem(in_force[0].source, None, None,
                               f"no rule in force can support {service} requests from {day.isoformat()} {until} "
                               f"(files in force: {', '.join(rs.key for rs in in_force)})"))
    return out


def load_rulebook(paths: Iterable[str | Path] | None = None) -> Rulebook:
    """Load and validate the rulebook completely; the first problem is raised as an InputError.

    A rulebook without problems is kept in the user's cache across runs (``engine.rules.rulecache``).
    """
    from engine.rules.rulecache import cached

    paths = list(paths) if paths is not None else None

    def build() -> tuple[tuple[Rulebook, list[Problem]], bool]:
        book, problems = lint(paths)
        return (book, problems), not problems

    book, problems = cached(rule_files(paths), build)
    if problems:
        first = problems[0]
        more = f" (+{len(problems) - 1} more; run `imr rules lint`)" if len(problems) > 1 else ""
        raise InputError(first.source, f"{first.rule_id or '-'}: {first.message}{more}", line=first.line)
    return book
