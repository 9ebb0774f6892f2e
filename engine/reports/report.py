"""Human-readable renderings of decisions and of the rulebook."""
from __future__ import annotations

import textwrap

from engine.contract import CaseDecision, RequestDecision
from engine.decide.explain import trace_text
from engine.rules.rulebook import Rulebook

WIDTH = 100


def _wrap(text: str, indent: str = "    ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def request_block(d: RequestDecision, explain: bool = False) -> str:
    if d.outcome is None:
        head = "NO PREDICTION"
    else:
        head = d.outcome.upper() + (" (low confidence: no MTUS criterion met)" if d.confidence == "low" else "")
    lines = [f"  {d.request}  [{d.service}]", f"    Predicted: {head}"]
    if d.actual:
        lines.append(f"    Actual:    {d.actual} ({'agrees' if d.agrees else 'DISAGREES' if d.agrees is False else 'not compared'})")
    if d.date_used:
        note = "" if d.date_stated else " (the request states no date: judged as of today or --today)"
        lines.append(f"    Judged by the rules in force on {d.date_used.isoformat()}{note}")
    if d.rules:
        lines.append("    Deciding criteria:")
        lines += [f"      - {r}" for r in d.rules]
    if d.citations:
        lines.append("    Citations:")
        lines += [f"      - {c}" for c in d.citations]
    lines.append("    Rationale:")
    lines.append(_wrap(d.rationale, "      "))
    if d.precheck:
        lines += _precheck_lines(d)
    if d.advice or d.to_pass:
        lines += _pass_lines(d)
    if explain:
        lines.append(trace_text(d.trace) if d.trace else "    Trace: no rule set in force, so no rule was evaluated.")
    return "\n".join(lines)


def _item(text: str, indent: str = "      ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent + "- ", subsequent_indent=indent + "  ")


def _precheck_lines(d: RequestDecision) -> list[str]:
    p = d.precheck
    lines = [f"    Pre-check: {p.status.replace('_', ' ').upper()}", _wrap(p.reason, "      ")]
    if p.missing:
        lines.append("      Missing facts:")
        for m in p.missing:
            lines.append(_item(m.words, "        "))
            if m.details:
                lines.append(_wrap("read from: " + "; ".join(m.details), "            "))
            for need in m.needed_by:
                lines.append(_wrap(f"needed by {need.citation}: {need.because}", "            "))
    return lines


def _pass_lines(d: RequestDecision) -> list[str]:
    a = d.advice
    lines = ["    What would make it pass:"]
    if a is not None and a.possible:
        check = " (verified: the rules predict Overturned with " + ("this change)" if len(a.changes) == 1 else "these changes)")
        lines.append(textwrap.fill("The smallest change" + check + ":", WIDTH, initial_indent="      ",
                                   subsequent_indent="      "))
        lines += [_item(c.words, "        ") for c in a.changes]
        if a.establishes_words:
            lines.append(_wrap("That documents " + "; ".join(a.establishes_words) + ".", "        "))
        for alternative in a.alternatives:
            lines.append(_item("Or: " + "; ".join(c.words for c in alternative), "        "))
    elif a is not None:
        lines.append(_wrap("No change makes it pass under the MTUS rules in force. " + (a.reason or ""), "      "))
    if d.to_pass:
        if a is not None:
            lines.append("      The guideline's criteria:")
        lines += [_item(t, "        " if a is not None else "      ") for t in d.to_pass]
    return lines


def case_text(c: CaseDecision, explain: bool = False) -> str:
    title = c.case_id or c.source or "case"
    source = f" ({c.source})" if c.source and c.source != title else ""
    return "\n\n".join([f"Case {title}{source}"] + [request_block(d, explain) for d in c.decisions])


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


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _kappa(x: float | None) -> str:
    return "undefined" if x is None else f"{x:.3f}"


_PLURALS = {"case file": "case files", "letter covered by a case file": "letters covered by a case file"}


def _count(n: int, noun: str) -> str:
    """'1 case file', '5 case files', '2 letters covered by a case file'."""
    return f"{n} {noun if n == 1 else _PLURALS.get(noun, noun + 's')}"


def audit_text(summary, facts_used: str, errors: list[str], read: dict[str, int] | None = None) -> str:
    """The audit as a person reads it: items, metrics beside the baseline, then every disagreement.

    ``read`` counts the inputs by kind ("case file", "letter", "covered letter"), to say what was read.
    """
    items = summary.items
    lines = [f"IMR audit: {_count(summary.total, 'item')} with an actual determination: "
             f"{summary.evaluated} predicted, {summary.no_prediction} with no prediction; facts used: {facts_used}"]
    if read is not None:
        kinds = [_count(n, kind) for kind, n in read.items() if n]
        lines.append(f"Read {_count(sum(read.values()), 'input')}"
                     + (f" ({', '.join(kinds)})" if kinds else "")
                     + (f"; {_count(len(errors), 'input')} could not be read" if errors else ""))
    if summary.total == 0:
        lines.append("No item to compare: no input read states an actual IMR outcome "
                     "(requests[].determination in a case file, or a letter's Upheld/Overturned). "
                     "Worked examples such as cases/examples have none; use `imr check` on them.")
    lines.append("")
    if summary.total == 0:
        if errors:
            lines += [f"Inputs that could not be read ({len(errors)})"] + [f"  {e}" for e in errors]
        return "\n".join(lines).rstrip()
    rows = [("CASE", "REQUEST", "ACTUAL", "PREDICTED", "AGREE", "DECIDING RULES")]
    for i in items:
        agree = "-" if i.agree is None else ("yes" if i.agree else "NO")
        request = i.request if len(i.request) <= 48 else i.request[:45] + "..."
        rows.append((i.case_id or "", request, i.actual, i.predicted or "none", agree, ", ".join(i.rules) or "-"))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]) - 1)]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)) + "  " + r[-1] for r in rows]
    n_agree = sum(1 for i in items if i.agree)
    lines += [
        "", "Summary",
        f"  items: {summary.total}   predicted: {summary.evaluated}   no prediction: {summary.no_prediction}",
        f"  agreement: {_pct(summary.agreement)} ({n_agree}/{summary.evaluated})   "
        f"always-Upheld baseline: {_pct(summary.baseline_agreement)} on the same items",
        f"  Cohen's kappa: {_kappa(summary.cohen_kappa)}   baseline kappa: {_kappa(summary.baseline_kappa)}",
        "  confusion (rows actual, columns predicted):",
        "    " + "".ljust(12) + "Upheld".rjust(10) + "Overturned".rjust(12),
    ]
    for actual, row in summary.confusion.items():
        lines.append("    " + actual.ljust(12) + str(row.get("Upheld", 0)).rjust(10) + str(row.get("Overturned", 0)).rjust(12))
    lines += coverage_lines(summary)
    if summary.disagreements:
        lines += ["", "Disagreements (engine vs reviewer)"]
        for i in summary.disagreements:
            lines.append(f"  {i.case_id}: {i.request}")
            lines.append(f"    reviewer: {i.actual}, citing {i.cited_guideline or 'no guideline recorded'}")
            lines.append(f"    engine:   {i.predicted} by {', '.join(i.rules) or 'no criterion met'}"
                         + (f" ({'; '.join(i.citations)})" if i.citations else ""))
            lines.append(_wrap(i.rationale, "      "))
    unpredicted = [i for i in items if i.predicted is None]
    if unpredicted:
        lines += ["", "No prediction"]
        for i in unpredicted:
            lines.append(f"  {i.case_id}: {i.request}: actual {i.actual}")
            lines.append(_wrap(i.rationale, "      "))
    if errors:
        lines += ["", f"Inputs that could not be read ({len(errors)})"] + [f"  {e}" for e in errors]
    return "\n".join(lines)


_NO_PREDICTION_WORDS = {
    "service_not_encoded": "no criteria encoded for the service",
    "not_in_force": "no encoded rule set in force on the date",
    "licensed_guideline": "date under the licensed ACOEM guidelines (from 2017-12-01)",
    "supplement_only": "only a supplementary rule set in force",
    "outside_guideline": "outside what the guideline decides",
    "unknown": "reason not recorded",
}


def coverage_lines(summary) -> list[str]:
    """Coverage and agreement overall and by group: where the engine decides by a criterion, and how well."""
    from engine.reports.audit import rate  # lazily: `imr check` renders without the audit's models

    o = summary.overall
    lines = [
        f"  predicted by an encoded criterion: {o.by_criterion} of {o.items} ({_pct(rate(o.by_criterion, o.items))}); "
        f"agree {o.by_criterion_agree}/{o.by_criterion} ({_pct(rate(o.by_criterion_agree, o.by_criterion))}), "
        f"always-Upheld {o.by_criterion_baseline_agree}/{o.by_criterion} "
        f"({_pct(rate(o.by_criterion_baseline_agree, o.by_criterion))}) on the same items",
        f"  predicted Upheld by default (no criterion met): {o.no_criterion_met}",
        f"  no prediction: {sum(o.no_prediction.values())}"
        + "".join(f"; {_NO_PREDICTION_WORDS.get(k, k)}: {n}" for k, n in o.no_prediction.items()),
        f"  letters: {summary.letters.letters}, {summary.letters.predicted} with a prediction; every predicted item "
        f"agrees in {summary.letters.all_agree} (always-Upheld: {summary.letters.baseline_all_agree})",
    ]
    for title, groups in (("by category", summary.by_category), ("by service", summary.by_service),
                          ("by guideline cited", summary.by_guideline), ("by guideline edition", summary.by_edition),
                          ("by reviewer specialty", summary.by_specialty)):
        if not groups:
            continue
        rows = [(title.upper(), "ITEMS", "CRITERION", "AGREE", "UPHELD", "DEFAULT", "PREDICTED", "AGREE", "KAPPA")]
        for key, b in groups.items():
            rows.append((key, str(b.items), str(b.by_criterion), str(b.by_criterion_agree),
                         str(b.by_criterion_baseline_agree), str(b.no_criterion_met), str(b.evaluated),
                         str(b.agree), _kappa(b.kappa)))
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        lines.append("")
        lines += ["  " + "  ".join(cell.ljust(w) if c == 0 else cell.rjust(w) for c, (cell, w) in enumerate(zip(r, widths)))
                  for r in rows]
    lines += ["", "  CRITERION: predicted by an encoded criterion, AGREE of those, UPHELD: always-Upheld's hits on "
              "the same items; DEFAULT: Upheld with no criterion met; PREDICTED and AGREE: all predictions"]
    return lines


AUDIT_CSV_COLUMNS = ("case_id", "request", "service", "cited_guideline", "actual", "predicted", "agree",
                     "rules", "citations")


def audit_csv_row(i) -> list[str]:  # i: engine.reports.audit.AuditItem
    return [i.case_id, i.request, i.service, i.cited_guideline or "", i.actual, i.predicted or "",
            "" if i.agree is None else str(i.agree).lower(), ";".join(i.rules), ";".join(i.citations)]


def audit_csv(summary) -> str:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(AUDIT_CSV_COLUMNS)
    for i in summary.items:
        writer.writerow(audit_csv_row(i))
    return buf.getvalue()


def _metric_lines(summary) -> list[str]:
    return [
        f"  items: {summary.total}   predicted: {summary.evaluated}   no prediction: {summary.no_prediction}",
        f"  agreement: {_pct(summary.agreement)}   "
        f"always-Upheld baseline: {_pct(summary.baseline_agreement)} on the same items",
        f"  Cohen's kappa: {_kappa(summary.cohen_kappa)}   baseline kappa: {_kappa(summary.baseline_kappa)}",
    ]


def tally_text(summary, facts_used: str, errors: list[str], out: str) -> str:
    """The summary of a run whose items went to a file (``--out``, ``--html``): metrics only."""
    lines = [f"IMR audit: {summary.total} item(s); facts used: {facts_used}; items in {out}", "Summary"]
    lines += _metric_lines(summary)
    lines += coverage_lines(summary)
    if errors:
        lines.append(f"Inputs that could not be read: {len(errors)} (each on standard error and in {out})")
    return "\n".join(lines)


def consistency_text(groups, items) -> str:
    """Reviewer consistency: groups of items equal on every fact the rules read, decided differently."""
    if not groups:
        return ""
    lines = ["", f"Reviewer consistency: {len(groups)} group(s) of items with equal facts on every criterion "
             "the rules read, decided differently"]
    for g in groups:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in g.outcomes.items())
        lines.append(f"  {g.service} ({', '.join(g.rule_sets)}): {counts}")
        for n in g.items:
            i = items[n]
            lines.append(f"    {i.case_id}: {i.request}: {i.actual}")
    return "\n".join(lines)
