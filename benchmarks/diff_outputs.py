"""Decisions, traces, pre-checks and advice, saved once and diffed after a change (run on demand).

    python benchmarks/diff_outputs.py --save /tmp/before.jsonl      # on the old code
    python benchmarks/diff_outputs.py --compare /tmp/before.jsonl   # on the new code: exit 1 on any difference

Covers the bundled case files and letters (``imr check --json --explain`` with the what-would-pass
search, in process), --generated cases drawn deterministically from the test strategies (every
service, decided with the trace and advised), and, when the shared corpus is present, ``imr parse
--json`` of every corpus PDF and ``imr audit --json`` over them (skipped cleanly when absent). Each
record is one line ``{"key": ..., "value": ...}``; the comparison names the first differing keys
only, never a value (the corpus records hold what letters say).

Speed is measured by ``bench_engine.py``, not here.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
CORPUS = ROOT.parent / "shared" / "corpus" / "imr-2016-17" / "pdf"
TODAY = "2016-01-15"


def _cli(argv: list[str]) -> tuple[int, str]:
    from engine.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = main(argv)
    return status, out.getvalue()


def generated(n: int) -> list[dict[str, Any]]:
    """``n`` case dicts from tests/strategies.py, the same ones on every run (derandomised)."""
    if n <= 0:
        return []
    from hypothesis import HealthCheck, given, settings

    import strategies

    drawn: list[dict[str, Any]] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategies.case())
    def collect(data: dict[str, Any]) -> None:
        if len(drawn) < n:
            drawn.append(data)

    collect()
    return drawn


def records(n_generated: int, corpus: bool) -> Iterator[tuple[str, Any]]:
    from engine.decide.advice import advise_case
    from engine.decide.decision import decide_case
    from engine.cases.facts import Case
    from engine.rules.rulebook import load_rulebook

    bundled = sorted(str(p) for p in (ROOT / "cases").rglob("*") if p.suffix in (".yaml", ".json", ".txt"))
    for path in bundled:
        status, out = _cli(["check", "--json", "--explain", "--jobs", "1", "--today", TODAY, path])
        yield f"bundled:{Path(path).relative_to(ROOT)}", {"status": status,
                                                          "out": [json.loads(x) for x in out.splitlines()]}
    book = load_rulebook()
    today = dt.date.fromisoformat(TODAY)
    for i, data in enumerate(generated(n_generated)):
        data = {"case_id": f"gen-{i}", **data}
        case = Case.model_validate(data)
        decision = advise_case(case, decide_case(case, book, today=today, explain=True), book, today)
        yield f"generated:{i}", json.loads(decision.model_dump_json())
    if not corpus:
        return
    if not CORPUS.is_dir():
        print(f"shared corpus not found at {CORPUS}: skipped", file=sys.stderr)
        return
    for pdf in sorted(CORPUS.glob("*.pdf")):
        status, out = _cli(["parse", "--json", str(pdf)])
        yield f"corpus-parse:{pdf.name}", {"status": status, "out": out}
    status, out = _cli(["audit", "--json", "--jobs", "1", "--today", TODAY, str(CORPUS)])
    yield "corpus-audit", {"status": status, "out": out}


def normal(value: Any) -> Any:
    """The value compared: the advice's count of candidates evaluated is left out (pruning the
    search changes how many it tries, not what it finds)."""
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items() if k != "evaluated"}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", metavar="FILE")
    mode.add_argument("--compare", metavar="FILE")
    parser.add_argument("--generated", type=int, default=2000)
    parser.add_argument("--no-corpus", action="store_true")
    args = parser.parse_args()
    produced = records(args.generated, corpus=not args.no_corpus)
    if args.save:
        with open(args.save, "w") as f:
            count = 0
            for key, value in produced:
                f.write(json.dumps({"key": key, "value": value}, sort_keys=True) + "\n")
                count += 1
        print(f"saved {count} records to {args.save}")
        return 0
    saved = {}
    with open(args.compare) as f:
        for line in f:
            r = json.loads(line)
            saved[r["key"]] = r["value"]
    differ, new, seen = [], [], set()
    for key, value in produced:
        seen.add(key)
        if key not in saved:
            new.append(key)
        elif normal(json.loads(json.dumps(value))) != normal(saved[key]):
            differ.append(key)
    missing = sorted(set(saved) - seen)
    print(f"compared {len(seen)} records: {len(differ)} differ, {len(new)} new, {len(missing)} missing")
    for key in (differ + new + missing)[:20]:
        print(f"  {key}")
    return 0 if not (differ or new or missing) else 1


if __name__ == "__main__":
    sys.exit(main())
