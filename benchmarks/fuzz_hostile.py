"""The long fuzz run of issue #12 (on demand, not in the test run): mutated case files, rule files
and letters through the command line, in process.

    python benchmarks/fuzz_hostile.py [--inputs 20000] [--seed 0] [--batch 5]

Rounds cycle through case files, rule files and letters; each round is one `imr check --json` or
`imr parse --json` over a batch of mutated inputs (tests/fuzzing.py). It counts inputs, runs, exit
statuses, inputs decided and reported, and every failure: a traceback on standard error, an
exception escaping the command line or an exit status outside {0, 2, 3} (crashes), an input missing
from the output (lost), a planted marker in an error message (leaks), an error line naming no input.
Failures are written to fuzz_failures.txt; the exit status is 1 when there is any.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import fuzzing  # noqa: E402

KINDS = ("case", "rule", "letter")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=5)
    args = parser.parse_args()
    tally = fuzzing.Tally()
    by_kind = {k: 0 for k in KINDS}
    start = time.perf_counter()
    report = Path("fuzz_failures.txt")
    report.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        n = 0
        while tally.inputs < args.inputs:
            kind = KINDS[n % len(KINDS)]
            before, failures = tally.inputs, len(tally.problems())
            fuzzing.fuzz_round(tally, Path(directory), random.Random(args.seed * 1_000_003 + n), kind, args.batch)
            by_kind[kind] += tally.inputs - before
            if len(tally.problems()) > failures:  # written at once, with what reproduces it
                with report.open("a", encoding="utf-8") as f:
                    f.write(f"round {n} ({kind}, random.Random({args.seed * 1_000_003 + n})):\n")
                    f.write("\n".join(tally.problems()[failures:]) + "\n\n")
            n += 1
            if n % 300 == 0:
                print(f"  {tally.inputs} inputs, {time.perf_counter() - start:.0f} s, "
                      f"{len(tally.problems())} failures", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    print(f"inputs: {tally.inputs} ({', '.join(f'{k} {v}' for k, v in by_kind.items())}) in {tally.runs} runs")
    print(f"decided or parsed: {tally.decided}   reported as one-line errors: {tally.errors}   "
          f"mutated rule files: {tally.rulebooks_loaded} loaded, {tally.rulebooks_refused} refused (one line)")
    print(f"exit statuses: {dict(sorted(tally.exits.items()))}")
    print(f"tracebacks: {len(tally.tracebacks)}   crashes: {len(tally.crashes)}   lost inputs: {len(tally.lost)}   "
          f"marker leaks: {len(tally.leaks)}   stray error lines: {len(tally.bad_lines)}")
    print(f"time: {elapsed:.0f} s ({1000 * elapsed / max(tally.inputs, 1):.1f} ms per input)")
    problems = tally.problems()
    if problems:
        print(f"failures written to fuzz_failures.txt ({len(problems)})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
