"""Human-readable renderings of decisions and of the rulebook."""
from __future__ import annotations

import textwrap

from .decision import CaseDecision, RequestDecision
from .rulebook import Rulebook

WIDTH = 100


def _wrap(text: str, indent: str = "    ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def request_block(d: RequestDecision) -> str:
    if d.outcome is None:
        head = "NO PREDICTION"
    else:
        head = d.outcome.upper() + (" (low confidence: no MTUS criterion met)" if d.confidence == "low" else "")
    lines = [f"  {d.request}  [{d.service}]", f"    Predicted: {head}"]
    if d.actual:
        lines.append(f"    Actual:    {d.actual} ({'agrees' if d.agrees else 'DISAGREES' if d.agrees is False else 'not compared'})")
    if d.date_used:
        lines.append(f"    Judged by the rules in force on {d.date_used.isoformat()}")
    if d.rules:
        lines.append("    Deciding criteria:")
        lines += [f"      - {r}" for r in d.rules]
    if d.citations:
        lines.append("    Citations:")
        lines += [f"      - {c}" for c in d.citations]
    lines.append("    Rationale:")
    lines.append(_wrap(d.rationale, "      "))
    if d.to_pass:
        lines.append("    What would make it pass:")
        for advice in d.to_pass:
            lines.append(textwrap.fill(advice, WIDTH, initial_indent="      - ", subsequent_indent="        "))
    return "\n".join(lines)


def case_text(c: CaseDecision) -> str:
    title = c.case_id or c.source or "case"
    source = f" ({c.source})" if c.source and c.source != title else ""
    return "\n\n".join([f"Case {title}{source}"] + [request_block(d) for d in c.decisions])


def rules_table(book: Rulebook, unconfirmed_only: bool = False) -> str:
    rows = [("SERVICE", "RULE", "FINDING", "CITATION", "IN FORCE", "STATUS")]
    for rs in sorted(book.rulesets, key=lambda r: (r.services or ("(all)",), r.in_force_from)):
        period = f"{rs.in_force_from.isoformat()}..{rs.in_force_to.isoformat() if rs.in_force_to else ''}"
        for rule in rs.rules:
            if unconfirmed_only and rule.status != "unconfirmed":
                continue
            finding = rule.finding or f"derives {rule.derive[0]}={rule.derive[1]}"
            rows.append((",".join(rs.services) or "(definitions)", rule.id, finding, rs.citation(rule),
                         period, rule.status))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    out = []
    for row in rows:
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])
    return "\n".join(out)
