"""What HTTP costs: `imr serve` against deciding the same cases in process (run on demand, not in CI).

    python benchmarks/bench_serve.py [--rounds 20] [--concurrency 50]

Measures, in one run, over the bundled example and seed cases (with the what-would-pass search, as
the form asks for it):
  1. decide_case + advise_case in this process: the baseline;
  2. POST /api/v1/check to a real `imr serve` process on a loopback port, one request at a time;
  3. the same with --concurrency requests in flight at once.
Figures are cases/s and ratios against the in-process baseline measured in the same run; the
latency of single requests is given as median and 95th percentile.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "serve"))

from serve_helpers import start_server  # noqa: E402

from engine.decide.advice import advise_case  # noqa: E402
from engine.decide.decision import decide_case  # noqa: E402
from engine.cases.facts import parse_case  # noqa: E402
from engine.rules.rulebook import load_rulebook  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=50)
    args = ap.parse_args()
    files = sorted((ROOT / "cases" / "examples").glob("*.yaml")) + sorted((ROOT / "cases" / "seeds").glob("*.yaml"))
    texts = [f.read_text() for f in files] * args.rounds
    book = load_rulebook()

    start = time.perf_counter()
    for text in texts:
        case = parse_case(text)
        advise_case(case, decide_case(case, book), book)
    base = len(texts) / (time.perf_counter() - start)

    server = start_server()
    try:
        latencies = []
        start = time.perf_counter()
        for text in texts:
            t = time.perf_counter()
            status, _, _ = server.request("POST", "/api/v1/check", text, "application/yaml")
            latencies.append((time.perf_counter() - t) * 1000)
            assert status == 200
        serial = len(texts) / (time.perf_counter() - start)

        def one(text: str) -> int:
            return server.request("POST", "/api/v1/check", text, "application/yaml", timeout=120)[0]

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            statuses = list(pool.map(one, texts))
        parallel = len(texts) / (time.perf_counter() - start)
        assert statuses == [200] * len(texts)
    finally:
        server.stop()
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[18]
    print(f"{len(texts)} checks ({len(files)} cases x {args.rounds}), with the what-would-pass search")
    print(f"decide_case + advise_case in process          : {base:8.0f} cases/s (1.00x)")
    print(f"POST /api/v1/check, one at a time             : {serial:8.0f} cases/s ({serial / base:.2f}x); "
          f"latency median {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms")
    print(f"POST /api/v1/check, {args.concurrency} in flight              : {parallel:8.0f} cases/s "
          f"({parallel / base:.2f}x)")


if __name__ == "__main__":
    main()
