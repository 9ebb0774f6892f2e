"""What would pass: the smallest change a provider can make that turns an Upheld request into Overturned.

A provider can change only two kinds of things:

- the request itself: a lower quantity, frequency_per_week or duration_weeks (never more than
  requested); one that the request leaves unstated may be stated;
- fields that are unknown today and that the fact table (``engine.cases.facttable.FIELDS``) lets a
  provider document: an unknown value may be documented as any value its type allows
  (functional status, exam findings, a treatment's session count or effect, a medication's class,
  the purpose of the care, ...). A treatment of record with an unknown session count was given, so
  its count is documented as at least 1.

Facts that are documented are fixed: the advice never proposes to change them.

The search looks for the fewest changed fields, then the smallest change to the request, and
reports up to three other changes of the same size. Each field's candidate values are first reduced
to one value per distinct effect on the rules' conditions (for quantity 12 under a limit of 6: 11 and
6). Fields without which nothing can pass are in every combination; up to MAX_CHANGES others are
added, fewest first. A combination, and each partial assignment of values to it, is pursued only if
some completion could pass: every fact it may change is given the set of values it may take, and a
"can fire / certainly fires" evaluation of every rule (``engine.rules.semantics.possible``) rules it out when a
criterion against the request certainly applies or no criterion for it can. A fact that several fields
change together (the total with earlier visits: the quantity and a session count) may take any value
until all of them are assigned, then the one value they give it (``_Search._settle``). Candidates are evaluated
by ``engine.decide.explain``; the change reported is re-evaluated by the real engine
(``engine.decide.decision.decide_request`` on durable_rules) and reported only if it gives Overturned. The
work per request is bounded (MAX_WORK evaluations).
"""
from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable, Sequence

from pydantic import BaseModel

from engine.contract import Advice, CaseDecision, Change
from engine.decide.decision import decide_request, render
from engine.cases.facttable import DOCUMENT, FACTS, FIELDS, HISTORY_WORDS, field_of, field_type
from engine.cases.document import fact_document, judged_day, lookup
from engine.decide.explain import Evaluation, Facts, _order, fact_words, leaf_result, run
from engine.cases.facts import Case, Request
from engine.rules.ir import Compare, RuleSet, leaves
from engine.rules.semantics import WILD, possible, resolve, supplements_only

if TYPE_CHECKING:  # pragma: no cover
    from engine.rules.rulebook import Rulebook

MAX_CHANGES = 4  # fields changed at once, beyond those every passing change needs (see advise)
MAX_WORK = 5_000  # evaluations of candidates and of partial assignments per request (about 1 s at most)
MAX_POOL = 200  # candidate values tried per numeric field
MAX_ALTERNATIVES = 3  # other verified changes of the same size reported beside the best one


# -- the fields a provider can change ---------------------------------------------------------------

Apply = Callable[[Case, Request, Any], tuple[Case, Request]]
Path = tuple[Any, ...]  # ("exam", "neurologic"), ("treatments", 2, "sessions"), ("request", "quantity")


@dataclass
class Knob:
    field: str
    original: Any  # plain value; None when unknown
    pool: list[Any]  # values to try (model values: enum members, numbers, dates, lists)
    path: Path
    request: bool = False  # a change of the request as written (lower only)
    prefer_high: bool = False  # within values of the same effect, keep the highest
    words: Callable[[Any, Any], str] = lambda old, new: ""
    candidates: list[Any] | None = None  # pool reduced to one value per distinct effect
    affected: frozenset[str] = frozenset()  # fact paths its candidates change
    effects: list[dict[str, Any]] = field(default_factory=list)  # per candidate: affected path -> value

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def apply(self, case: Case, request: Request, value: Any) -> tuple[Case, Request]:
        return _apply(case, request, [(self, value)])


def _apply(case: Case, request: Request, combo: Sequence[tuple[Knob, Any]]) -> tuple[Case, Request]:
    """The case and request with each knob set to its value."""
    on_case: dict[Any, Any] = {}
    on_request: dict[Any, Any] = {}
    for knob, value in combo:
        tree, path = (on_request, knob.path[1:]) if knob.path[0] == "request" else (on_case, knob.path)
        for head in path[:-1]:
            tree = tree.setdefault(head, _Updates())
        tree[path[-1]] = value
    return (_set(case, on_case) if on_case else case), (_set(request, on_request) if on_request else request)


class _Updates(dict):
    """Fields to set inside one field (a model or a list), by name or index."""


def _set(model: Any, updates: dict[Any, Any]) -> Any:
    """A copy of ``model`` with the fields in ``updates`` set, every model on the way copied once
    (a candidate of the search changes several fields of one treatment; no validation: values
    come from the fields' types)."""
    def new(old: Any, update: Any) -> Any:
        return _set(old, update) if isinstance(update, _Updates) else update

    if isinstance(model, list):
        items = list(model)
        for i, update in updates.items():
            items[i] = new(items[i], update)
        return items
    return model.model_copy(update={name: new(getattr(model, name), update) for name, update in updates.items()})


def _plain(v: Any) -> Any:
    if isinstance(v, Enum):
        return None if v.value == "unknown" else v.value
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _show(v: Any) -> str:
    v = _plain(v)
    if v is None:
        return "unknown"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return ", ".join(str(x).replace("_", " ") for x in v) or "none"
    return str(v).replace("_", " ")


def _integers(lo: int, hi: int) -> list[int]:
    return list(range(lo, max(lo, min(hi, lo + MAX_POOL))))


def _numbers(lo: float, hi: float, constants: set[float]) -> list[float]:
    """Whole and half numbers in [lo, hi), and the rules' own limits there."""
    values = {k / 2 for k in range(max(0, math.ceil(lo * 2)), math.ceil(hi * 2))}
    values |= {c for c in constants if lo <= c < hi}
    values |= {float(math.floor(c)) for c in constants if lo <= math.floor(c) < hi}
    return sorted(values)[:MAX_POOL]


REQUEST_WORDS = {
    "quantity": ("Request {new} treatments instead of {old}", "State the number of treatments requested: {new}"),
    "frequency_per_week": ("Request {new} treatments a week instead of {old}",
                           "State how many treatments a week are requested: {new}"),
    "duration_weeks": ("Request the treatments over {new} weeks instead of {old}",
                       "State over how many weeks the treatments are requested: {new}"),
}
ITEM_WORDS = dict(HISTORY_WORDS, last_date="the date of the latest {m} session")


def _unknown(value: Any) -> bool:
    return value is None or (isinstance(value, Enum) and value.value == "unknown")


def _pool(kind: str, members: list[Any], lo: float | None, hi: float | None, numbers: set[float], counts: int,
          day: dt.date) -> list[Any]:
    if kind == "bool":
        return [True, False]
    if kind == "enum":
        return list(members)
    if kind == "list":
        return [[]] + [[m] for m in members]
    if kind == "int":
        start = int(lo) if lo is not None else 0
        return _integers(start, int(min(hi + 1 if hi is not None else math.inf, counts + 3)))
    if kind == "float":
        top = max(numbers, default=0) + 2
        return _numbers(float(lo) if lo is not None else 0.0, min(top, hi + 0.5 if hi is not None else top), numbers)
    if kind == "date":  # so many months before the request: the rules compare months since a date
        months = {0.5, 1, 3, 6, 12, 24, 60} | {m + d for m in numbers if 0 < m <= 120 for d in (-0.5, 0, 0.5)}
        return sorted({day - dt.timedelta(days=round(m * 30.4375)) for m in months if m > 0}, reverse=True)
    return []


def _words_for(path: Path, case: Case) -> str:
    if path[0] in ("treatments", "medications") and len(path) == 3:
        item = getattr(case, path[0])[path[1]]
        if path[0] == "treatments":
            m = item.modality.value.replace("_", " ")
            if path[2] in ITEM_WORDS:
                return ITEM_WORDS[path[2]].format(m=m)
            return f"{path[2].replace('_', ' ')} of the earlier {m}"
        what = {"opioid": "an opioid", "muscle_relaxant": "a muscle relaxant"}.get(path[2], path[2])
        return f"whether {item.name} is {what}"
    dotted = ".".join(str(p) for p in path)
    if dotted in FACTS:
        return fact_words(dotted)
    return dotted.replace("_", " ")


def _field_name(path: Path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (("." if out else "") + str(p))
    return out


def knobs(case: Case, request: Request, constants: dict[str, set[float]], day: dt.date) -> list[Knob]:
    """Every field a provider could change for this request, with the values to try: the request's
    quantity, frequency and duration (lower), and every field of the case or the request that is
    unknown today and that the fact table lets a provider document."""
    numbers = set().union(*constants.values()) if constants else set()
    counts = int(max((c for f, cs in constants.items() for c in cs
                      if f in FACTS and FACTS[f].kind == "integer" or f == "history.*.sessions"), default=0))
    out: list[Knob] = []
    for name in ("quantity", "frequency_per_week", "duration_weeks"):
        old = getattr(request, name)
        kind, _, lo, hi = field_type(type(request).model_fields[name].annotation)
        lower, state = REQUEST_WORDS[name]
        if old is not None:
            pool = _integers(1, int(math.ceil(old))) if kind == "int" else _numbers(0.5, old, numbers)
            words = (lambda t: lambda o, n: t.format(old=_show(o), new=_show(n)))(lower)
        else:
            pool = _integers(1, counts + 3) if kind == "int" else _numbers(0.5, max(numbers, default=0) + 2, numbers)
            words = (lambda t: lambda o, n: t.format(new=_show(n)))(state)
        out.append(Knob(f"request.{name}", old, pool, ("request", name), request=True, prefer_high=True,
                        words=words))

    def walk(model: Any, path: Path) -> None:
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            here = path + (name,)
            if isinstance(value, BaseModel):
                walk(value, here)
            elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
                for i, item in enumerate(value):
                    walk(item, here + (i,))
            elif FIELDS.get(field_of(here)) == DOCUMENT and _unknown(value):
                kind, members, lo, hi = field_type(info.annotation)
                if here[0] == "treatments" and name == "sessions":
                    lo = max(lo or 0, 1)  # a treatment of record was given: at least one session
                pool = _pool(kind, members, lo, hi, numbers, counts, day)
                if pool:
                    what = _words_for(here if here[0] != "request" else ("request", name), case)
                    out.append(Knob(_field_name(here), None, pool, here,
                                    words=(lambda w: lambda o, n: f"Document {w} (now unknown): {_show(n)}")(what)))

    walk(request, ("request",))
    walk(case, ())
    return out


def _constants(rulesets: Sequence[RuleSet]) -> dict[str, set[float]]:
    """The numbers the rules compare each fact with (``history.*.F`` for every modality)."""
    out: dict[str, set[float]] = {}
    for rs in rulesets:
        for rule in rs.rules:
            for c in leaves(rule.when):
                for v in (c.value if isinstance(c.value, list) else [c.value]):
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        out.setdefault(c.fact, set()).add(float(v))
                        parts = c.fact.split(".")
                        if parts[0] == "history" and len(parts) == 3:
                            out.setdefault(f"history.*.{parts[2]}", set()).add(float(v))
    return out


# -- the search -------------------------------------------------------------------------------------

AGAINST = ("not_medically_necessary", "outside_guideline")
_UNSET = object()


class _Search:
    def __init__(self, case: Case, request: Request, rulesets: Sequence[RuleSet], day: dt.date):
        self.case, self.request, self.rulesets, self.day = case, request, list(rulesets), day
        self.rules = [rule for rs in rulesets for rule in rs.rules]
        self.base_leaves: list[Compare] = [c for rule in self.rules for c in leaves(rule.when) if not c.derived]
        self.read = sorted({c.fact for c in self.base_leaves})
        self.document = fact_document(case, request, day)
        self.base_values = [lookup(self.document, p) for p in self.read]
        self.order = _order(rulesets)
        # Only definitions and supplementary files (a statute's cap) in force: they can limit a
        # request but never support it (engine.decide.decision.resolve), so nothing can pass.
        self.supplements_only = supplements_only(rulesets)
        self.evaluated = 0  # candidates evaluated exactly
        self.work = 0  # evaluations of every kind, against MAX_WORK
        self.memo: dict = {}  # possible()'s conditions over this document (see engine.rules.semantics.possible)
        self.groups: dict[str, frozenset[int]] = {}  # see _settle (after interactions)
        self.settled: dict[tuple, Any] = {}

    def signature(self, document: dict[str, Any]) -> tuple:
        facts = Facts(document, {}, set())
        return tuple(leaf_result(c, facts) for c in self.base_leaves)

    def outcome(self, ev: Evaluation) -> str | None:
        """The outcome the decision would give (``engine.rules.semantics.resolve``)."""
        findings = {rule.finding for rule in self.rules if rule.finding and ev.results.get(rule.id) is True}
        return resolve(findings, self.supplements_only).outcome

    def _changed(self, document: dict[str, Any]) -> set[str]:
        return {p for p, v in zip(self.read, self.base_values) if lookup(document, p) != v}

    def prepare(self, knob: Knob) -> None:
        """Reduce the knob's pool to one value per distinct effect; record the facts it changes."""
        pool = [v for v in knob.pool
                if not (knob.request and knob.original is not None and v >= knob.original)]
        if not pool:
            knob.candidates = []
            return
        # A field that changes no fact the rules read (probed at both ends of its pool) is dropped.
        probe = [pool[0], pool[-1]] if len(pool) > 1 else pool
        if not any(self._changed(fact_document(*knob.apply(self.case, self.request, v), self.day)) for v in probe):
            knob.candidates = []
            return
        base_sig = self.signature(self.document)
        groups: dict[tuple, list[Any]] = {}
        docs: dict[int, dict[str, Any]] = {}
        affected: set[str] = set()
        for i, v in enumerate(pool):
            doc = fact_document(*knob.apply(self.case, self.request, v), self.day)
            affected |= self._changed(doc)
            sig = self.signature(doc)
            if sig != base_sig:
                groups.setdefault(sig, []).append(i)
                docs[i] = doc
        reps = []
        for indices in groups.values():
            if knob.prefer_high:
                whole = [i for i in indices if float(pool[i]).is_integer()]
                reps.append(max(whole or indices, key=lambda i: pool[i]))
            else:
                reps.append(indices[0])
        if knob.prefer_high:
            reps.sort(key=lambda i: pool[i], reverse=True)
        knob.candidates = [pool[i] for i in reps]
        knob.affected = frozenset(affected)
        # What each candidate makes of the facts it changes (for the possibility evaluation).
        knob.effects = [{p: lookup(docs[i], p) for p in affected} for i in reps]

    def blocked(self, domains: dict[str, Any]) -> bool:
        """Whether no assignment of the facts in ``domains`` (each a set of values it may take, or
        WILD) can make the request pass: a criterion against it applies whatever they are, or no
        criterion for it can apply."""
        self.work += 1
        results = possible(self.rulesets, self.document, domains, self.order, self.memo)
        if any(results[rule.id] is True for rule in self.rules if rule.finding in AGAINST):
            return True
        return not any(results[rule.id] is not False for rule in self.rules if rule.finding == "medically_necessary")

    def against(self, domains: dict[str, Any]) -> list[str]:
        results = possible(self.rulesets, self.document, domains, self.order, self.memo)
        return [rule.id for rule in self.rules if rule.finding in AGAINST and results[rule.id] is True]

    def interactions(self, useful: Sequence[Knob]) -> None:
        """Facts that two or more knobs change together differently from each alone (e.g. the
        total with earlier sessions, once both the quantity and the session count are known):
        probed for every pair, and for all of them at once, at both ends of their candidates."""
        self.pairs: dict[tuple[int, int], set[str]] = {}
        self.joint: set[str] = set()

        def unexpected(ks: Sequence[Knob], pick: int, doc: dict[str, Any] | None = None) -> set[str]:
            if doc is None:
                doc = self.at_end(ks, pick)
            out = set()
            for p, base in zip(self.read, self.base_values):
                owners = [k for k in ks if p in k.affected]
                if len(owners) > 1:
                    continue  # WILD anyway
                expected = owners[0].effects[pick if pick >= 0 else len(owners[0].candidates) + pick][p] \
                    if owners else base
                if lookup(doc, p) != expected:
                    out.add(p)
            return out

        for a, b in itertools.combinations(useful, 2):
            found = unexpected([a, b], 0) | unexpected([a, b], -1)
            if found:
                self.pairs[(id(a), id(b))] = found
        # All knobs at once, at each end: read by the joint probe and by _settle.
        together = {pick: self.at_end(useful, pick) for pick in (0, -1)} if len(useful) > 2 else {}
        if together:
            self.joint = unexpected(useful, 0, together[0]) | unexpected(useful, -1, together[-1])
        self._settle(useful, together)

    def at_end(self, knobs_: Sequence[Knob], pick: int) -> dict[str, Any]:
        """The fact document with each knob at its first (``pick`` 0) or last (-1) candidate."""
        return fact_document(*self.apply([(k, k.candidates[pick]) for k in knobs_]), self.day)

    def _settle(self, useful: Sequence[Knob], together: dict[int, dict[str, Any]]) -> None:
        """The knobs that change each fact that is WILD when several of them change (it is theirs,
        or theirs together): once those are all assigned, the fact has one value, that of the
        document with just them changed, unless a third knob changes it too (all knobs at once, at
        both ends of their candidates, give it another value): then it stays WILD."""
        self.groups = {}  # fact -> the knobs (ids) that change it
        self.settled = {}  # (fact, its knobs' assignment) -> its value
        for p in self.read:
            group = {id(k) for k in useful if p in k.affected}
            group |= {i for (a, b), paths in self.pairs.items() if p in paths for i in (a, b)}
            if len(group) > 1 or any(p in paths for paths in self.pairs.values()):
                self.groups[p] = frozenset(group)
        for pick, all_of_them in together.items():
            alone: dict[frozenset[int], dict[str, Any]] = {}  # facts changed by the same knobs share one
            for p, group in list(self.groups.items()):
                if group not in alone:
                    alone[group] = self.at_end([k for k in useful if id(k) in group], pick)
                if lookup(all_of_them, p) != lookup(alone[group], p):
                    del self.groups[p]

    def _settled(self, p: str, involved: Sequence[Knob], assigned: dict[int, int], keep: Sequence[Knob]) -> list | None:
        """The one value of fact ``p`` when the knobs that change it are all assigned (``_settle``)."""
        group = self.groups.get(p)
        if group is None:
            return None
        mine = [k for k in involved if id(k) in group]
        if any(k in keep or id(k) not in assigned for k in mine):
            return None
        key = (p, *(assigned[id(k)] for k in mine), *(id(k) for k in mine))
        hit = self.settled.get(key, _UNSET)
        if hit is _UNSET:
            combo = [(k, k.candidates[assigned[id(k)]]) for k in mine]
            hit = self.settled[key] = lookup(fact_document(*self.apply(combo), self.day), p)
        return [hit]

    def domains(self, changing: Sequence[Knob], assigned: dict[int, int] | None = None,
                keep: Sequence[Knob] = ()) -> dict[str, Any]:
        """The values each fact may take when the ``changing`` knobs change (to one of their
        candidates, or to the one ``assigned`` by index) and the ``keep`` knobs may also stay as
        they are. A fact two of them change, or change together (``interactions``), is WILD."""
        involved = [*changing, *keep]
        owners: dict[str, list[Knob]] = {}
        for k in involved:
            for p in k.affected:
                owners.setdefault(p, []).append(k)
        out: dict[str, Any] = {}
        if len(involved) > 1:
            ids = {id(k) for k in involved}
            for (a, b), paths in getattr(self, "pairs", {}).items():
                if a in ids and b in ids:
                    out.update(dict.fromkeys(paths, WILD))
            out.update(dict.fromkeys(getattr(self, "joint", ()), WILD))
        for p, ks in owners.items():
            if len(ks) > 1 or out.get(p) is WILD:
                out[p] = WILD
                continue
            k = ks[0]
            chosen = (assigned or {}).get(id(k))
            values = [k.effects[chosen][p]] if chosen is not None else [e[p] for e in k.effects]
            if k in keep:
                values.append(lookup(self.document, p))
            out[p] = values
        for p, values in out.items():
            if values is WILD and (one := self._settled(p, involved, assigned or {}, keep)) is not None:
                out[p] = one
        return out

    def assignments(self, knobs_: list[Knob]):
        """Every assignment of candidates to ``knobs_`` that passes, depth first: a partial
        assignment is dropped as soon as no completion of it can pass."""
        def walk(depth: int, assigned: dict[int, int]):
            if depth == len(knobs_):
                combo = [(k, k.candidates[assigned[id(k)]]) for k in knobs_]
                if self.work < MAX_WORK and self.passes(combo):
                    yield combo
                return
            knob = knobs_[depth]
            for i in range(len(knob.candidates)):
                if self.work >= MAX_WORK:
                    return
                assigned[id(knob)] = i
                if depth + 1 == len(knobs_) or not self.blocked(self.domains(knobs_, assigned)):
                    yield from walk(depth + 1, assigned)
                del assigned[id(knob)]

        yield from walk(0, {})

    def apply(self, combo: Sequence[tuple[Knob, Any]]) -> tuple[Case, Request]:
        return _apply(self.case, self.request, combo)

    def passes(self, combo: Sequence[tuple[Knob, Any]]) -> bool:
        self.evaluated += 1
        self.work += 1
        case, request = self.apply(combo)
        return self.outcome(run(self.rulesets, fact_document(case, request, self.day))) == "Overturned"


def _cost(combo: Sequence[tuple[Knob, Any]]) -> float:
    """How far the request moves: the relative reduction of its own numbers (documentation costs 0)."""
    total = 0.0
    for knob, v in combo:
        if knob.request and knob.original:
            total += (knob.original - v) / knob.original
    return total


def _replace_request(case: Case, old: Request, new: Request) -> Case:
    requests = [new if r is old else r for r in case.requests]
    if new not in requests:
        requests = [new]
    return case.model_copy(update={"requests": requests})


def advise(case: Case, request: Request, book: "Rulebook", rulesets: Sequence[RuleSet],
           today: Any = None) -> Advice:
    """The smallest verified change that makes the request pass, or why there is none."""

    day = judged_day(request, today)
    search = _Search(case, request, rulesets, day)
    if search.supplements_only:
        reason = ("Only supplementary rules (such as a statutory visit cap) are in force for this service on "
                  "this date: they can limit a request but no encoded guideline can support it, so no change "
                  "makes it pass.")
        return Advice(possible=False, reason=reason, words=reason)
    all_knobs = knobs(case, request, _constants(rulesets), day)
    for knob in all_knobs:
        search.prepare(knob)
    useful = [k for k in all_knobs if k.candidates]
    search.interactions(useful)
    index = {rule.id: (rs, rule) for rs in rulesets for rule in rs.rules}

    if search.blocked(search.domains([], keep=useful)):
        return _impossible(search, search.against(search.domains([], keep=useful)), index, rulesets)

    # Fields without which nothing can pass (e.g. each admission criterion of a program that is
    # unknown) are in every combination; the others are added, fewest first.
    mandatory = [k for k in useful if search.blocked(search.domains([], keep=[x for x in useful if x is not k]))]
    optional = [k for k in useful if k not in mandatory]
    for extra in range(0 if mandatory else 1, min(MAX_CHANGES, len(optional)) + 1):
        found: list[tuple[float, int, list[tuple[Knob, Any]]]] = []
        for added in itertools.combinations(optional, extra):
            if search.work >= MAX_WORK:
                break
            combo_knobs = [*mandatory, *added]
            if search.blocked(search.domains(combo_knobs)):
                continue
            for combo in search.assignments(list(combo_knobs)):
                found.append((_cost(combo), len(found), combo))
        best: Advice | None = None
        for _, _, combo in sorted(found, key=lambda x: (x[0], x[1])):
            new_case, new_request = search.apply(combo)
            new_case = _replace_request(new_case, request, new_request)
            verified = decide_request(new_case, new_request, book, today)
            if verified.outcome != "Overturned":
                continue  # our evaluator and durable_rules disagree: never report an unverified change
            if best is None:
                best = _advice(search, combo, verified, new_case, new_request, rulesets)
            else:
                best.alternatives.append(_changes(combo))
                if len(best.alternatives) >= MAX_ALTERNATIVES:
                    break
        if best is not None:
            return best
        if search.work >= MAX_WORK:
            break
    original = run(rulesets, search.document)
    against = [r.id for r in search.rules if r.finding == "not_medically_necessary" and original.results.get(r.id)]
    stopped = search.work >= MAX_WORK
    return _impossible(search, against, index, rulesets, searched=True, stopped=stopped,
                       limit=MAX_CHANGES + len(mandatory))


def _impossible(search: _Search, against: list[str], index: dict, rulesets: Sequence[RuleSet],
                searched: bool = False, stopped: bool = False, limit: int = MAX_CHANGES) -> Advice:

    ev = run(rulesets, search.document)
    reasons = " ".join(f"{render(index[r][1].because, search.document, ev.derived)} ({index[r][0].citation(index[r][1])})"
                       for r in against)
    if searched:
        reason = (f"No combination of up to {limit} changes of the request's quantity, frequency or "
                  "duration and documentation of unknown facts makes the request pass under the rules in force"
                  + (f" (the search stopped after {search.evaluated} candidates)" if stopped else "")
                  + (". The criteria against it: " + reasons if reasons else "."))
    elif against:
        reason = ("The criteria against the request rest on documented facts that no change of the request's "
                  "quantity, frequency or duration and no documentation of an unknown fact can alter: " + reasons)
    else:
        reason = ("No criterion of the guideline that supports the request can be met by changing the "
                  "request's quantity, frequency or duration or by documenting an unknown fact.")
    return Advice(possible=False, reason=reason, words=reason, evaluated=search.evaluated)


def _changes(combo: Sequence[tuple[Knob, Any]]) -> list[Change]:
    return [Change(field=k.field, from_=_plain(k.original), to=_plain(v), words=k.words(k.original, v))
            for k, v in combo]


def _advice(search: _Search, combo: Sequence[tuple[Knob, Any]], verified: Any, new_case: Case,
            new_request: Request, rulesets: Sequence[RuleSet]) -> Advice:
    changes = _changes(combo)
    before = run(rulesets, search.document).derived
    after = run(rulesets, fact_document(new_case, new_request, search.day)).derived
    establishes = {name: value for name, value in after.items() if before.get(name) != value}
    established = [f"{fact_words('derived.' + name, rulesets)} ({_show(value)})" for name, value in establishes.items()]
    words = "; ".join(c.words for c in changes) + "."
    if established:
        words += " That documents " + "; ".join(established) + "."
    return Advice(possible=True, changes=changes, verified=True, rules=list(verified.rules),
                  establishes=establishes, establishes_words=established, words=words,
                  evaluated=search.evaluated)


def advise_case(case: Case, decision: CaseDecision, book: "Rulebook", today: Any = None) -> CaseDecision:
    """Add the advice to every request of a decided case that is predicted Upheld."""
    for request, d in zip(case.requests, decision.decisions):
        if d.outcome == "Upheld" and d.date_used is not None:
            d.advice = advise(case, request, book, book.in_force(request.service.value, d.date_used), today)
    return decision
