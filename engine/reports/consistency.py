"""Reviewer consistency: items whose facts are equal on every criterion the rules read, but whose
actual outcomes differ.

For an item, "the criteria the rules read" are the facts named by the conditions of every rule in
the rule sets in force for its service and date (its own rule sets and the definitions they rely
on). Derived facts are functions of those, so the base facts suffice. Two items fall in one group
when they are judged by the same rule sets and every one of those facts has the same value in both
fact documents; a group is reported when its reviewers' outcomes differ. Items judged by no rule set
(nothing encoded for the service or date) read nothing and are never grouped: "equal on nothing" is
not evidence of inconsistency.

This module also builds the audit entries of a decided case: the audit item with what the report and
the consistency check need beside it (the facts read, the deciding criteria in words, the letter's
evidence quotes).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any, Iterable

from pydantic import BaseModel, ConfigDict, Field

from engine.reports.audit import AuditItem
from engine.decide.decision import CaseDecision
from engine.cases.document import fact_document, lookup
from engine.cases.facts import Case, Request
from engine.rules.ir import leaves
from engine.rules.rulebook import Rulebook


class Criterion(BaseModel):
    """A deciding rule in words: its id, its citation and its sentence filled from the facts."""

    model_config = ConfigDict(frozen=True)

    rule: str
    citation: str
    because: str


class Quote(BaseModel):
    """The letter's words that support a fact of the case."""

    model_config = ConfigDict(frozen=True)

    fact: str
    quote: str
    source: str


class AuditEntry(AuditItem):
    """An audit item with what the report and the consistency check need beside it.

    Serialised as an ``AuditItem`` wherever one is expected (``imr audit --json`` items keep their
    shape); the results file (``--out``) holds the whole entry.
    """

    source: str | None = Field(None, description="the input the item came from")
    rule_sets: list[str] = Field(default_factory=list, description="the rule sets in force, by file name")
    facts_read: dict[str, Any] | None = Field(
        None, description="every fact the rules in force read, with its value; None when no rule set applied")
    criteria: list[Criterion] = Field(default_factory=list, description="the deciding rules in words")
    evidence: list[Quote] = Field(default_factory=list, description="the letter's words for this request and the case")

    @property
    def consistency_key(self) -> str | None:
        if self.facts_read is None:
            return None
        text = json.dumps([self.service, self.rule_sets, sorted(self.facts_read.items())], default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def facts_read(case: Case, request: Request, book: Rulebook,
               today: dt.date | None) -> tuple[list[str], dict[str, Any] | None]:
    """The rule sets in force for ``request`` and the value of every base fact their rules read."""
    day = request.date or today or dt.date.today()
    rulesets = book.in_force(request.service.value, day)
    if not rulesets:
        return [], None
    paths = sorted({c.fact for rs in rulesets for rule in rs.rules for c in leaves(rule.when) if not c.derived})
    document = fact_document(case, request)
    return [rs.key for rs in rulesets], {p: lookup(document, p) for p in paths}


def _quotes(case: Case, index: int) -> list[Quote]:
    """Evidence for this request (``requests[i]...``) and for the case-wide facts (not other requests')."""
    own = f"requests[{index}]"
    out = []
    for path, ev in case.evidence.items():
        if path.startswith("requests[") and not (path == own or path.startswith((own + ".", own + "["))):
            continue
        quote = ev.quote if isinstance(ev.quote, str) else " … ".join(ev.quote)
        out.append(Quote(fact=path, quote=quote, source=ev.source.value))
    # In path order: the letter reader's evidence order can differ from one process to another (it
    # follows hash order somewhere), and the results of --jobs 1 and --jobs 2 must be the same bytes.
    return sorted(out, key=lambda q: _path_key(q.fact))


def _path_key(path: str) -> list[tuple[int, int | str]]:
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", path) if part]


def audit_entries(case: Case, used: Case, decision: CaseDecision, book: Rulebook,
                  today: dt.date | None) -> list[AuditEntry]:
    """The audit entries of a decided case: one per request with an actual determination.

    ``case`` is the case as loaded (its evidence), ``used`` the one decided (with the rationale
    facts when asked), so the facts read are the ones the decision saw.
    """
    from engine.reports.audit import audit_items

    items = iter(audit_items(used, decision))
    out = []
    for i, (request, d) in enumerate(zip(used.requests, decision.decisions)):
        if request.determination is None:
            continue
        item = next(items)
        rule_sets, read = facts_read(used, request, book, today)
        fired = {f.id: f for f in d.fired}
        criteria = [Criterion(rule=r, citation=fired[r].citation, because=fired[r].because)
                    for r in d.rules if r in fired]
        out.append(AuditEntry(**item.model_dump(exclude={"agree"}), source=decision.source,
                              rule_sets=rule_sets, facts_read=read, criteria=criteria,
                              evidence=_quotes(case, i)))
    return out


class ConsistencyGroup(BaseModel):
    """Items equal on every fact the rules read, whose reviewers decided differently."""

    key: str
    service: str
    rule_sets: list[str]
    facts: dict[str, Any] = Field(description="the facts the items share, every one the rules read")
    outcomes: dict[str, int] = Field(description="actual outcome -> number of items")
    items: list[int] = Field(description="indices of the items in the audit's item list")


def inconsistent_groups(items: Iterable[AuditItem]) -> list[ConsistencyGroup]:
    """Groups of at least two items with equal facts read and different actual outcomes."""
    groups: dict[str, list[tuple[int, AuditEntry]]] = {}
    for n, item in enumerate(items):
        key = item.consistency_key if isinstance(item, AuditEntry) else None
        if key is not None:
            groups.setdefault(key, []).append((n, item))
    out = []
    for key, members in groups.items():
        outcomes: dict[str, int] = {}
        for _, item in members:
            outcomes[item.actual] = outcomes.get(item.actual, 0) + 1
        if len(outcomes) < 2:
            continue
        first = members[0][1]
        out.append(ConsistencyGroup(key=key, service=first.service, rule_sets=first.rule_sets,
                                    facts=first.facts_read or {}, outcomes=dict(sorted(outcomes.items())),
                                    items=[n for n, _ in members]))
    out.sort(key=lambda g: (-len(g.items), g.service, g.key))
    return out
