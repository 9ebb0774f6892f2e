"""A long batch in one process: no failure after many cases, and no memory growth past a bound.

The full measurement (20,000 cases) is `benchmarks/bench_engine.py`; this is the same loop, shorter.
"""
from __future__ import annotations

import gc
import random
from pathlib import Path

from engine.decide import evaluate
from engine.decide.decision import decide_case
from engine.cases.facts import Case
from helpers import DAY, book

SERVICES = ["acupuncture", "massage_therapy", "psychotherapy", "physical_therapy", "mri_lumbar", "tens"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def cases(n: int, seed: int):
    rnd = random.Random(seed)
    for i in range(n):
        yield Case.model_validate({
            "case_id": f"soak-{i}",
            "treatments": [{"modality": rnd.choice(["acupuncture", "home_exercise", "physical_therapy"]),
                            "sessions": rnd.choice([None, 0, 6]), "ongoing": rnd.random() < 0.5}],
            "functional_status": {"adl": rnd.choice(["improved", "unchanged", "unknown"]),
                                  "medication_use": rnd.choice(["reduced", "unchanged", "unknown"])},
            "conditions": rnd.sample(["chronic_pain", "myalgia", "radiculopathy", "depression"], 2),
            "requests": [{"text": f"r{i}", "service": rnd.choice(SERVICES), "quantity": rnd.randint(1, 14),
                          "date": DAY.isoformat()}],
        })


def test_thousands_of_cases_in_one_process_without_failure_or_growth():
    rulebook = book()
    for case in cases(500, seed=1):  # warm-up: registration, caches, allocator arenas
        decide_case(case, rulebook, today=DAY)
    gc.collect()
    before = rss_mb()
    decided = 0
    for case in cases(4000, seed=2):  # well past durable_rules' 1,024 live sessions per ruleset
        decided += len(decide_case(case, rulebook, today=DAY).decisions)
    gc.collect()
    growth = rss_mb() - before
    assert decided == 4000
    assert evaluate.host()._sessions == {}
    # Measured flat (within +-1 MB) over 20,000 and 100,000 cases; 8 MB leaves room for allocator noise.
    assert growth < 8, f"RSS grew {growth:.1f} MB over 4,000 cases"
