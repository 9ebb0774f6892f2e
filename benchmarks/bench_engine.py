"""Throughput and memory of the engine over many generated cases (run on demand, not in CI).

    python benchmarks/bench_engine.py [--cases 20000] [--check-files 2000]

Measures, in one run:
  1. `imr check --json` over case files on disk (parse, validate, decide, serialise) against
  2. a bare durable_rules loop (assert_fact + delete_state, trivial actions) over the same
     compiled rules and the same facts: the ceiling any wrapper is measured against;
  3. the resident memory of one process deciding --cases generated cases, sampled every 1,000.
Figures are reported as ratios against the bare loop measured in the same run.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as dt
import io
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from durable import engine as durable_engine

from engine.cli import main as imr
from engine.compile import compile_rules, durable_fact, referenced_paths
from engine.decision import decide_case
from engine.document import fact_document
from engine.facts import Case
from engine.rulebook import load_rulebook

SERVICES = ["acupuncture", "electroacupuncture", "massage_therapy"]
DAY = dt.date(2014, 6, 1)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def generate(n: int, seed: int = 7) -> list[dict]:
    return list(generate_lazily(n, seed))


def generate_lazily(n: int, seed: int = 7):
    """Cases one at a time, so that a soak holds no more than the case in hand."""
    rnd = random.Random(seed)
    enum = lambda *xs: rnd.choice(xs)  # noqa: E731
    for i in range(n):
        treatments = []
        for modality in rnd.sample(["acupuncture", "physical_therapy", "home_exercise", "chiropractic"], rnd.randint(0, 3)):
            treatments.append({"modality": modality, "sessions": enum(None, 0, 3, 6, 12),
                               "ongoing": rnd.random() < 0.4})
        yield {
            "case_id": f"bench-{i}",
            "claimant": {"age": rnd.randint(20, 70), "sex": enum("female", "male", "unknown")},
            "treatments": treatments,
            "functional_status": {"adl": enum("improved", "unchanged", "worse", "unknown"),
                                  "work_restrictions": enum("reduced", "unchanged", "unknown"),
                                  "medication_use": enum("reduced", "unchanged", "increased", "unknown")},
            "requests": [{"text": f"request {i}", "service": rnd.choice(SERVICES),
                          "quantity": rnd.randint(1, 18), "frequency_per_week": enum(None, 1, 2, 3, 4),
                          "body_regions": rnd.sample(["lumbar_spine", "cervical_spine", "shoulder", "knee"], rnd.randint(0, 2)),
                          "date": DAY.isoformat()}],
        }


def bench_check(cases: list[dict], *options: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        for c in cases:
            (Path(tmp) / f"{c['case_id']}.json").write_text(json.dumps(c))
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            status = imr(["check", "--json", *options, tmp])
        elapsed = time.perf_counter() - start
    assert status == 0
    return len(cases) / elapsed


class _BareHost(durable_engine.Host):
    def get_action(self, name):
        return lambda c: None


def bench_bare(cases: list[dict], book) -> float:
    """assert_fact + delete_state per case on the same compiled rules and facts, nothing else."""
    prepared = []
    for data in cases:
        case = Case.model_validate(data)
        req = case.requests[0]
        rulesets = book.in_force(req.service.value, DAY)
        prepared.append((rulesets, fact_document(case, req)))
    host = _BareHost()
    names = {}
    facts = []
    for i, (rulesets, doc) in enumerate(prepared):
        key = tuple(rs.key for rs in rulesets)
        if key not in names:
            names[key] = ("bare" + str(len(names)), referenced_paths(rulesets))
            host.register_rulesets({names[key][0]: copy.deepcopy(compile_rules(rulesets))})
        name, paths = names[key]
        facts.append((name, {"kind": "case", "id": "case", "sid": f"b{i}", **durable_fact(doc, paths)}))
    start = time.perf_counter()
    for name, fact in facts:
        try:
            host.assert_fact(name, fact)
        except durable_engine.MessageNotHandledException:
            pass
        host.delete_state(name, fact["sid"])
    return len(facts) / (time.perf_counter() - start)


def bench_decide(cases: list[dict], book) -> float:
    """decide_case in process: validation, evaluation, resolution and pre-check; no files, no JSON."""
    models = [Case.model_validate(d) for d in cases]
    start = time.perf_counter()
    for case in models:
        decide_case(case, book, today=DAY)
    return len(models) / (time.perf_counter() - start)


def soak(cases, book) -> list[tuple[int, float]]:
    samples = [(0, rss_mb())]
    for i, data in enumerate(cases, 1):
        decide_case(Case.model_validate(data), book, today=DAY)
        if i % 1000 == 0:
            samples.append((i, rss_mb()))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000, help="cases for the memory soak")
    parser.add_argument("--check-files", type=int, default=2000, help="case files for the throughput runs")
    args = parser.parse_args()
    book = load_rulebook()
    files = generate(args.check_files, seed=1)
    bare = bench_bare(files, book)
    decide = bench_decide(files, book)
    check = bench_check(files, "--no-advice")
    advised = bench_check(files)
    print(f"bare durable_rules loop (assert_fact + delete_state)  : {bare:8.0f} cases/s (1.00x)")
    print(f"decide_case in process (+ resolution, pre-check)      : {decide:8.0f} cases/s ({decide / bare:.3f}x of bare)")
    print(f"imr check --json --no-advice (files on disk)          : {check:8.0f} cases/s ({check / bare:.3f}x of bare)")
    print(f"imr check --json (+ what-would-pass search, default)  : {advised:8.0f} cases/s ({advised / bare:.3f}x of bare)")
    samples = soak(generate_lazily(args.cases, seed=2), book)
    first_k = next(mb for n, mb in samples if n >= min(1000, args.cases))
    peak = max(mb for _, mb in samples)
    print(f"soak: {args.cases} cases in one process; RSS start {samples[0][1]:.1f} MB, after 1,000 {first_k:.1f} MB, "
          f"peak {peak:.1f} MB, end {samples[-1][1]:.1f} MB; growth after warm-up {samples[-1][1] - first_k:+.1f} MB")
    print("samples (cases, MB): " + ", ".join(f"{n}:{mb:.1f}" for n, mb in samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
