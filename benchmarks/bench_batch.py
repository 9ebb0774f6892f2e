"""A year of letters on this machine: `imr audit --out` over generated letters (run on demand, not in CI).

    python benchmarks/bench_batch.py [--letters 20000] [--jobs 1,2] [--json]

The letters are made at run time, in a temporary directory, from the text of the shared corpus's
PDFs (../shared/corpus/imr-2016-17/pdf; the benchmark stops with a message when it is absent): each
copy gets its own case number and varied small numbers (quantities, visits, ages), and is written
as a text letter. Nothing of the corpus is kept. Each `--jobs` value runs the real command in its own
process over the same letters, in the same run, and measures:
  - letters per second (wall), and the ratio of every run against the first (--jobs 1);
  - the time to the first record in the results file;
  - the peak resident memory of the run (the command and its workers, summed), and the memory at
    10%, 25%, 50%, 75% and 100% of the inputs, to show it does not grow with their number;
  - the time 170,000 letters (a year of California IMR) would take at that rate.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "imr-2016-17" / "pdf"
YEAR = 170_000
CHECKPOINTS = (0.10, 0.25, 0.50, 0.75, 1.00)
_SMALL = re.compile(r"(?<![\d/\-.:,])(\d{1,2})(?![\d/\-.:,])")
_CASE = re.compile(r"CM(\d{2})-(\d{7})")


def corpus_texts() -> list[str]:
    from engine.letters.reader import _pdf_text

    texts = []
    for pdf in sorted(CORPUS.glob("*.pdf")):
        try:
            texts.append(_pdf_text(pdf.read_bytes(), str(pdf)))
        except Exception as e:  # noqa: BLE001 - a letter the reader refuses is left out, and said
            print(f"skipped {pdf.name}: {e}", file=sys.stderr)
    return texts


def make_letters(directory: Path, n: int, texts: list[str], seed: int = 7) -> None:
    rnd = random.Random(seed)
    for i in range(n):
        text = texts[i % len(texts)]
        text = _CASE.sub(lambda m: f"CM{m.group(1)}-{9_000_000 + i:07d}", text)
        # Small free-standing numbers (not parts of dates, times or decimals) vary by a little.
        text = _SMALL.sub(lambda m: str(max(1, int(m.group(1)) + rnd.choice((-2, -1, 0, 0, 1, 2))))
                          if rnd.random() < 0.5 else m.group(1), text)
        (directory / f"{i:06d}.txt").write_text(text, encoding="utf-8")


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in kB."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run(letters: Path, n: int, jobs: int, out: Path) -> dict:
    cmd = [sys.executable, "-m", "engine", "audit", "--today", "2017-01-01", "--jobs", str(jobs),
           "--out", str(out), str(letters)]
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    first = None
    samples: list[tuple[int, int]] = []  # (records written, rss kB)
    done = 0
    while proc.poll() is None:
        rss = tree_rss_kb(proc.pid)
        try:
            with open(out, "rb") as f:
                done = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        except FileNotFoundError:
            done = 0
        if done and first is None:
            first = time.perf_counter() - start
        samples.append((done, rss))
        time.sleep(0.25)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 2):
        raise SystemExit(f"imr audit --jobs {jobs} failed with exit status {proc.returncode}")
    records = out.read_bytes().count(b"\n")
    # The peak up to each share of the inputs: flat memory means these stay level as inputs grow.
    at = {f"{int(frac * 100)}%": round(max([rss for d, rss in samples if d <= frac * records] or [0]) / 1024, 1)
          for frac in CHECKPOINTS}
    rate = records / wall
    return {"jobs": jobs, "letters": records, "wall_s": round(wall, 1), "letters_per_s": round(rate, 1),
            "first_record_s": None if first is None else round(first, 2),
            "peak_rss_mb": round(max(rss for _, rss in samples) / 1024, 1),
            "rss_mb_by_inputs_done": at, "year_minutes": round(YEAR / rate / 60, 1),
            # Other work on the machine slows both runs; the 1-minute load average says how much there was.
            "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20_000)
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values, run in this order")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"no shared corpus at {CORPUS}: this benchmark makes its letters from it", file=sys.stderr)
        return 2
    texts = corpus_texts()
    with tempfile.TemporaryDirectory(prefix="imr-bench-") as tmp:
        letters = Path(tmp) / "letters"
        letters.mkdir()
        t = time.perf_counter()
        make_letters(letters, args.letters, texts)
        made = time.perf_counter() - t
        runs = [run(letters, args.letters, int(j), Path(tmp) / f"out-{j}.jsonl") for j in args.jobs.split(",")]
        same = len({(Path(tmp) / f"out-{j}.jsonl").read_bytes() for j in args.jobs.split(",")}) == 1
    base = runs[0]["letters_per_s"]
    for r in runs:
        r["ratio_vs_first"] = round(r["letters_per_s"] / base, 2)
    result = {"letters": args.letters, "made_from_corpus_letters": len(texts), "generate_s": round(made, 1),
              "cores": os.cpu_count(), "identical_results_across_jobs": same, "runs": runs}
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.letters} text letters made from {len(texts)} corpus letters in {made:.1f} s; "
          f"results identical across --jobs: {same}")
    for r in runs:
        print(f"--jobs {r['jobs']}: {r['letters_per_s']} letters/s ({r['ratio_vs_first']}x), wall {r['wall_s']} s, "
              f"first record {r['first_record_s']} s, peak RSS {r['peak_rss_mb']} MB, "
              f"RSS by inputs done {r['rss_mb_by_inputs_done']}, a year (170,000): {r['year_minutes']} min, "
              f"load average {r['load_average_before_after']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
