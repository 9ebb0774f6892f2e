"""The rulebook as the API serves it: the rows of `imr rules list --json`, and the same grouped by
service and period with the facts each period's rules read (the form shows fields from these)."""
from __future__ import annotations

from pydantic import BaseModel, Field

from engine.rules.ir import DERIVED_PREFIX, RuleSet, leaves
from engine.rules.rulebook import Rulebook


class RuleRow(BaseModel):
    """One encoded rule: the row `imr rules list --json` prints."""

    service: list[str]
    file: str
    guideline: str
    rule: str
    finding: str | None
    derive: list[str] | None
    citation: str
    in_force_from: str
    in_force_to: str | None
    status: str


class Period(BaseModel):
    """One rule file for a service: its guideline, the period it is in force and what it reads."""

    file: str
    guideline: str
    topic: str | None = None
    in_force_from: str
    in_force_to: str | None = Field(None, description="null: still in force")
    supplements: bool = Field(False, description="a supplementary limit (e.g. a statutory visit cap)")
    status: str
    rules: list[str]
    facts: list[str] = Field(description="fact paths its rules read, derived facts resolved to what they are read from")


class ServiceRules(BaseModel):
    service: str
    periods: list[Period]


class RulebookView(BaseModel):
    """What is encoded: every rule, and the same by service and period."""

    rules: list[RuleRow]
    services: list[ServiceRules]
    definitions: list[Period] = Field(description="definition files (derived facts) that apply to every service")


def rule_rows(book: Rulebook) -> list[RuleRow]:
    """The rows of `imr rules list --json` (tests hold the two equal)."""
    return [
        RuleRow(service=list(rs.services), file=rs.key, guideline=rs.guideline, rule=r.id, finding=r.finding,
                derive=list(r.derive) if r.derive else None, citation=rs.citation(r),
                in_force_from=rs.in_force_from.isoformat(),
                in_force_to=rs.in_force_to.isoformat() if rs.in_force_to else None, status=r.status)
        for rs in book.rulesets for r in rs.rules
    ]


def facts_read(rs: RuleSet, book: Rulebook) -> list[str]:
    """The fact paths the rules of ``rs`` read; a derived fact is replaced by the facts of the
    definition rules that conclude it (transitively), since those are what a provider documents."""
    out: list[str] = []
    pending = [c.fact for r in rs.rules for c in leaves(r.when)]
    seen_derived: set[str] = set()
    while pending:
        fact = pending.pop(0)
        if fact.startswith(DERIVED_PREFIX):
            name = fact[len(DERIVED_PREFIX):]
            if name in seen_derived:
                continue
            seen_derived.add(name)
            for d in book.rulesets:
                if d.is_definitions and name in d.derives:
                    pending += [c.fact for r in d.rules if r.derive and r.derive[0] == name for c in leaves(r.when)]
        elif fact not in out:
            out.append(fact)
    return out


def _period(rs: RuleSet, book: Rulebook) -> Period:
    return Period(file=rs.key, guideline=rs.guideline, topic=rs.topic, in_force_from=rs.in_force_from.isoformat(),
                  in_force_to=rs.in_force_to.isoformat() if rs.in_force_to else None, supplements=rs.supplements,
                  status=rs.status, rules=[r.id for r in rs.rules], facts=facts_read(rs, book))


def rulebook_view(book: Rulebook) -> RulebookView:
    services: dict[str, list[Period]] = {}
    for rs in book.rulesets:
        for service in rs.services:
            services.setdefault(service, []).append(_period(rs, book))
    return RulebookView(
        rules=rule_rows(book),
        services=[ServiceRules(service=s, periods=p) for s, p in sorted(services.items())],
        definitions=[_period(rs, book) for rs in book.rulesets if rs.is_definitions],
    )


def service_facts(book: Rulebook) -> dict[str, list[str]]:
    """Service -> every fact path its rule files (all periods) read."""
    out: dict[str, list[str]] = {}
    for rs in book.rulesets:
        for service in rs.services:
            facts = out.setdefault(service, [])
            facts += [f for f in facts_read(rs, book) if f not in facts]
    return out
