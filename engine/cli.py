"""The `imr` command line.

Exit status: 0 when every input was handled, 2 when any input was bad (each bad input gets one line
on standard error naming the file, the line or field, and what was expected; the good ones are still
processed), 3 when the rule engine itself failed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

EXIT_OK, EXIT_INPUT, EXIT_ENGINE = 0, 2, 3


def _python_supported() -> str | None:
    version = tuple(sys.version_info[:2])
    if version >= (3, 13) or version < (3, 11):
        return (f"imr: Python {version[0]}.{version[1]} is not supported: durable-rules "
                "2.0.28 builds and runs on CPython 3.11 and 3.12 only (it fails to import on 3.13). "
                "Install with python3.11 or python3.12.")
    return None


def _err(message: str) -> None:
    print(message, file=sys.stderr)


# `imr check` and `imr audit` start by importing pydantic and durable_rules and loading the rulebook:
# some 50,000 objects that live until the process exits, and almost no garbage (about 600 objects).
# The cyclic collector walked them over and over while they were made and once more at exit, about
# 30 ms of CPU of a check of one case. So the tool (main() of this process) starts with the collector
# off and, once loaded, freezes what exists (never walked again) and turns it on for the inputs.
_collector_held = False


def _hold_collector() -> None:
    global _collector_held
    if gc.isenabled():
        gc.disable()
        _collector_held = True


def _release_collector() -> None:
    global _collector_held
    if _collector_held:
        gc.freeze()
        gc.enable()
        _collector_held = False


def cmd_check(args: argparse.Namespace) -> int:
    from engine.run.batch import run_batch
    from engine.reports.report import case_text
    from engine.rules.rulebook import load_rulebook

    book = load_rulebook(args.rules)
    _release_collector()
    outcomes = run_batch(args.cases, book, with_rationale=args.with_rationale, today=args.today,
                         explain=args.explain, advise=not args.no_advice, jobs=args.jobs, rules=args.rules)
    with _Interrupts() as interrupts:
        status = EXIT_OK
        for outcome in outcomes:
            interrupts.check()
            if outcome.error:
                _err(outcome.error)
                status = EXIT_ENGINE if outcome.engine_error or status == EXIT_ENGINE else EXIT_INPUT
                if args.json:
                    print(json.dumps({"source": outcome.source, "error": outcome.error}))
            elif outcome.covered_by:
                if args.json:
                    print(json.dumps({"source": outcome.source, "covered_by": outcome.covered_by}))
                else:
                    print(f"Letter {outcome.source}: decided as its case file {outcome.covered_by}\n")
            elif args.json:
                hidden = {"fired"} | (set() if args.explain else {"trace"})
                print(outcome.decision.model_dump_json(exclude={"decisions": {"__all__": hidden}}))
            else:
                print(case_text(outcome.decision, explain=args.explain) + "\n", flush=True)
        return status


class _Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interrupt so that a run stops as cleanly as on Ctrl-C."""


class _Interrupts:
    """Ctrl-C and SIGTERM, taken between inputs: raised inside the rule engine's C code, an
    interrupt is printed there with a traceback before it propagates, so the signal is noted and
    raised once the input in hand is done (each input's cost is bounded). A second signal stops at
    once."""

    def __enter__(self) -> "_Interrupts":
        import signal

        self.pending: list[KeyboardInterrupt] = []
        self.previous = {s: signal.signal(s, self._note) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def _note(self, signum: int, frame: object) -> None:
        import signal

        stop = _Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
        if self.pending:
            raise stop
        self.pending.append(stop)

    def check(self) -> None:
        if self.pending:
            raise self.pending[0]

    def __exit__(self, *exc: object) -> None:
        import signal

        for s, handler in self.previous.items():
            signal.signal(s, handler)


def cmd_audit(args: argparse.Namespace) -> int:
    from engine.reports.audit import Tally, summarize
    from engine.run.batch import CASE_SUFFIXES, LETTER_SUFFIXES, default_cases_dir, expand, is_letter, run_batch
    from engine.reports.consistency import inconsistent_groups
    from engine.run.progress import progress
    from engine.reports.report import AUDIT_CSV_COLUMNS, audit_csv_row, audit_text, consistency_text, tally_text
    from engine.reports.results import ResultsFile, record_of, rules_version, run_version
    from engine.rules.rulebook import load_rulebook

    if args.resume and not args.out:
        _err("imr audit: --resume needs --out FILE (the results file to resume)")
        return EXIT_INPUT
    book = load_rulebook(args.rules)
    _release_collector()
    # The bundled default is the hand-built case files; their letters are covered by them.
    files = expand(args.paths or [str(default_cases_dir())], CASE_SUFFIXES + LETTER_SUFFIXES)
    # One date for the whole run, so that a record says which date its undated requests were judged on.
    today = args.today or dt.date.today()
    version = run_version(rules_version(args.rules), with_rationale=args.with_rationale, today=today)
    results = ResultsFile(args.out, resume=args.resume) if args.out else None
    skip = (lambda source, digest: results.has((source, digest, version))) if results and args.resume else None
    records, tally, errors, engine_failed = [], Tally(), [], False
    read = {"case file": 0, "letter": 0, "letter covered by a case file": 0}
    csv_writer = None
    if args.csv:
        import csv

        csv_writer = csv.writer(sys.stdout, lineterminator="\n")
        csv_writer.writerow(AUDIT_CSV_COLUMNS)
    with _Interrupts() as interrupts:
        bar = progress(len(files))
        complete = False
        try:
            for outcome in run_batch(files, book, with_rationale=args.with_rationale, today=today, audit=True,
                                     jobs=args.jobs, rules=args.rules, digests=results is not None, skip=skip,
                                     expanded=True):
                if outcome.skipped:
                    record = results.record((outcome.source, outcome.digest, version))
                else:
                    record = record_of(outcome, version)
                if results is not None:
                    results.expect(record.key)
                    if not outcome.skipped:
                        results.write(record)
                if record.error:
                    _err(record.error)
                    errors.append(record.error)
                    engine_failed |= outcome.engine_error
                elif record.status == "covered":
                    read["letter covered by a case file"] += 1
                else:
                    read["letter" if is_letter(record.source) else "case file"] += 1
                for item in record.items:
                    tally.add(item)
                    if csv_writer is not None:
                        csv_writer.writerow(audit_csv_row(item))
                if csv_writer is not None:
                    sys.stdout.flush()
                # With --out the records are read back from the file when needed; --csv alone keeps none.
                if results is None and not (args.csv and not args.html):
                    records.append(record)
                bar.update(1)
                interrupts.check()
            complete = True
        finally:
            bar.close()
            if results is not None:
                results.close(complete=complete)
    if results is not None and (args.json or args.html):
        records = list(results.records())
    items = [i for r in records for i in r.items]
    if args.html:
        from engine.reports.html_report import write_html

        write_html(args.html, records, facts_used="summary+rationale" if args.with_rationale else "summary")
    facts_used = "clinical case summary and reviewer's rationale" if args.with_rationale else "clinical case summary only"
    if args.json:
        summary = summarize(items)
        inputs = [{"source": r.source, "error": r.error} if r.status == "error"
                  else {"source": r.source, "covered_by": r.covered_by} if r.status == "covered"
                  else {"source": r.source, "case_id": r.case_id, "items": len(r.items)} for r in records]
        payload = {"facts_used": "summary+rationale" if args.with_rationale else "summary",
                   "inputs": inputs, "errors": errors, **summary.model_dump(mode="json"),
                   "consistency": [g.model_dump(mode="json") for g in inconsistent_groups(items)]}
        print(json.dumps(payload, indent=2))
    elif args.csv:
        pass  # streamed above
    elif results is not None or args.html:
        print(tally_text(tally.summary(), facts_used, errors, args.out or args.html))
    else:
        summary = summarize(items)
        print(audit_text(summary, facts_used, errors, read) + consistency_text(inconsistent_groups(items), items))
    if engine_failed:
        return EXIT_ENGINE
    return EXIT_INPUT if errors else EXIT_OK


def cmd_parse(args: argparse.Namespace) -> int:
    from engine.run.batch import LETTER_SUFFIXES, expand
    from engine.errors import InputError
    from engine.letters.extract import letter_to_case
    from engine.cases.facts import dump_case
    from engine.letters.intake import read_letter_bounded

    status = EXIT_OK
    letters = expand(args.letters, LETTER_SUFFIXES)
    out_dir = Path(args.output) if args.output else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    first = True
    for path in letters:
        try:
            case = letter_to_case(read_letter_bounded(path))
        except InputError as e:
            _err(str(e))
            status = EXIT_INPUT
            continue
        if out_dir is not None and case.letter:
            # `letter:` is read relative to the case file (see engine.run.batch), so point it from there.
            case = case.model_copy(update={"letter": os.path.relpath(Path(path).resolve(), out_dir.resolve())})
        text = dump_case(case, "json" if args.json else "yaml")
        if out_dir is not None:
            target = out_dir / (Path(path).stem + (".json" if args.json else ".yaml"))
            target.write_text(text, encoding="utf-8")
            print(f"{path} -> {target} ({len(case.requests)} request(s))")
        elif args.json:
            sys.stdout.write(json.dumps(json.loads(text), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(("" if first else "---\n") + text)
        first = False
    return status


def cmd_schema(args: argparse.Namespace) -> int:
    from engine.cases.facts import case_schema

    print(json.dumps(case_schema(), indent=2))
    return EXIT_OK


def cmd_rules_lint(args: argparse.Namespace) -> int:
    from engine.rules.rulebook import gaps, lint

    book, problems = lint(args.paths or None)
    for p in problems:
        print(p)
    n_rules = sum(len(rs.rules) for rs in book.rulesets)
    if problems:
        _err(f"imr rules lint: {len(problems)} problem(s)")
        return EXIT_INPUT
    warnings = gaps(book)
    for w in warnings:
        print(f"warning: {w}")
    print(f"ok: {len(book.rulesets)} rule files, {n_rules} rules"
          + (f"; {len(warnings)} warning(s)" if warnings else ""))
    return EXIT_OK


def cmd_rules_list(args: argparse.Namespace) -> int:
    from engine.reports.report import rules_table
    from engine.rules.rulebook import load_rulebook

    book = load_rulebook(args.rules)
    if args.json:
        rows = [
            {"service": list(rs.services), "file": rs.key, "guideline": rs.guideline, "rule": r.id,
             "finding": r.finding, "derive": list(r.derive) if r.derive else None,
             "citation": rs.citation(r), "in_force_from": rs.in_force_from.isoformat(),
             "in_force_to": rs.in_force_to.isoformat() if rs.in_force_to else None, "status": r.status}
            for rs in book.rulesets for r in rs.rules
            if not args.unconfirmed or r.status == "unconfirmed"
        ]
        print(json.dumps(rows, indent=2))
    else:
        print(rules_table(book, unconfirmed_only=args.unconfirmed))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from engine.rules.rulebook import load_rulebook
    from engine.serve.app import Limits
    from engine.serve.run import serve

    book = load_rulebook(args.rules)  # once, at startup: a bad rule file stops here, not per request
    return serve(book, host=args.host, port=args.port,
                 limits=Limits(max_body=args.max_body, timeout=args.timeout))


def _positive(kind: type) -> Callable[[str], object]:
    def convert(text: str) -> object:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0 or value == float("inf"):
            noun = "integer" if kind is int else "number"
            raise argparse.ArgumentTypeError(f"expected a positive {noun} (got {text!r})")
        return value
    return convert


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date YYYY-MM-DD") from None


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes >= 1 (got {text!r})")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imr", description="Predict California IMR decisions from MTUS criteria encoded as rules.")
    parser.add_argument("--rules", action="append", metavar="DIR",
                        help="rule files or directories to use instead of the bundled rules/")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="predict the IMR outcome of each request of case files")
    check.add_argument("cases", nargs="+", metavar="CASE", help="case files (YAML/JSON), directories, or - for stdin")
    check.add_argument("--json", action="store_true", help="one JSON decision object per case, one per line")
    check.add_argument("--with-rationale", action="store_true",
                       help="also use facts stated only in the reviewer's rationale (rationale_facts)")
    check.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                       help="the date that picks the rules for requests with no date (default: today)")
    check.add_argument("--explain", action="store_true",
                       help="after each request, every rule in force with its outcome and every condition with "
                            "the value seen (JSON: a trace field)")
    check.add_argument("--no-advice", action="store_true",
                       help="skip the search for the smallest change that would make an Upheld request pass")
    check.add_argument("--jobs", type=_jobs, default=os.cpu_count() or 1, metavar="N",
                       help="decide in N processes (default: the number of cores; 1: in this process)")
    check.set_defaults(func=cmd_check)

    audit = sub.add_parser("audit", help="compare predictions with the actual IMR outcomes (default: bundled cases/)")
    audit.add_argument("paths", nargs="*", metavar="PATH",
                       help="case files, letters (.txt, .pdf) or directories (default: the bundled cases/)")
    fmt = audit.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="the audit as one JSON object (see README)")
    fmt.add_argument("--csv", action="store_true", help="one CSV row per item")
    audit.add_argument("--with-rationale", action="store_true",
                       help="also use facts stated only in the reviewer's rationale (default: summary only)")
    audit.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                       help="the date that picks the rules for requests with no date (default: today)")
    audit.add_argument("--jobs", type=_jobs, default=os.cpu_count() or 1, metavar="N",
                       help="decide in N processes (default: the number of cores; 1: in this process)")
    audit.add_argument("--out", metavar="FILE",
                       help="write one JSON line per input to FILE as it is decided (standard output then "
                            "shows the summary only, unless --json, --csv or --html is given)")
    audit.add_argument("--resume", action="store_true",
                       help="with --out: keep FILE's records and decide only the inputs not in it (same "
                            "content, rule files and settings)")
    audit.add_argument("--html", metavar="FILE",
                       help="write the report as one self-contained HTML file (charts, tables, disagreements)")
    audit.set_defaults(func=cmd_audit)

    parse = sub.add_parser("parse", help="read determination letters (text or PDF) into case files")
    parse.add_argument("letters", nargs="+", metavar="LETTER", help="letters (.txt, .pdf) or directories")
    parse.add_argument("--json", action="store_true", help="JSON instead of YAML (one object per line on stdout)")
    parse.add_argument("-o", "--output", metavar="DIR", help="write DIR/<letter name>.yaml for each letter")
    parse.set_defaults(func=cmd_parse)

    schema = sub.add_parser("schema", help="print the JSON Schema of the case file")
    schema.set_defaults(func=cmd_schema)

    serve_p = sub.add_parser("serve", help="the HTTP API (/api/v1/) and the request form (/) on this machine")
    serve_p.add_argument("--host", default="127.0.0.1",
                         help="address to listen on (default: 127.0.0.1, this machine only)")
    serve_p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve_p.add_argument("--max-body", type=_positive(int), default=5 * 1024 * 1024, metavar="BYTES",
                         help="longest request body accepted; longer is refused with 413 (default: 5 MiB)")
    serve_p.add_argument("--timeout", type=_positive(float), default=20.0, metavar="SECONDS",
                         help="longest time a request may take; longer is answered 503 (default: 20)")
    serve_p.set_defaults(func=cmd_serve)

    # `imr check --rules DIR CASE` as well as `imr --rules DIR check CASE`. A separate dest, because
    # a subcommand's default would otherwise overwrite the value given before the subcommand.
    for p in (check, audit, serve_p):
        p.add_argument("--rules", action="append", dest="sub_rules", metavar="DIR",
                       help="rule files or directories to use instead of the bundled rules/ (repeatable)")
    rules = sub.add_parser("rules", help="inspect the encoded rules")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True)
    lint_p = rules_sub.add_parser("lint", help="check rule files; every problem as FILE:LINE rule-id: message")
    lint_p.add_argument("paths", nargs="*", metavar="PATH")
    lint_p.set_defaults(func=cmd_rules_lint)
    list_p = rules_sub.add_parser("list", help="show every encoded rule: service, criterion, citation, dates")
    list_p.add_argument("--unconfirmed", action="store_true", help="only rules whose source is UNCONFIRMED")
    list_p.add_argument("--json", action="store_true")
    list_p.add_argument("--rules", action="append", dest="sub_rules", metavar="DIR",
                        help="rule files or directories to list instead of the bundled rules/")
    list_p.set_defaults(func=cmd_rules_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    unsupported = _python_supported()
    if unsupported:
        _err(unsupported)
        return EXIT_INPUT
    from engine.errors import EvaluationError, InputError

    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "sub_rules", None):
        args.rules = (args.rules or []) + args.sub_rules
    if argv is None:  # this process is the tool: no pydantic plugin sees a record
        from engine.run import pydantic_plugins

        pydantic_plugins.disable()
    if argv is None and args.func in (cmd_check, cmd_audit):
        _hold_collector()
    try:
        return args.func(args)
    except InputError as e:
        _err(str(e))
        return EXIT_INPUT
    except EvaluationError as e:
        _err(f"imr: rule engine error: {e}")
        return EXIT_ENGINE
    except BrokenPipeError:  # e.g. `imr check ... | head`
        return EXIT_OK
    except KeyboardInterrupt as e:
        return 143 if isinstance(e, _Terminated) else 130
    finally:
        _release_collector()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
