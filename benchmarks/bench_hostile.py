"""Time and peak memory of `imr check` on the hostile inputs of issue #12 (on demand, not in CI).

    python benchmarks/bench_hostile.py

Each input runs in a fresh `imr check --json --no-advice` process (so its peak memory is its own),
against a baseline measured in the same run: the same command on one good case file. Figures are
the input's wall time and peak resident memory, and their ratios to the baseline's. The largest
inputs the limits allow (a 2 MB case file, a letter of 1,000,000 characters) show the worst time a
single input can take.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOOD = REPO / "tests" / "data" / "design_example.yaml"
SEED_LETTER = REPO / "cases" / "letters" / "004_455a604ddc9a446c.txt"


def bomb(levels: int, key: str = "requests") -> str:
    out = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    out += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(out + [f"{key}: *a{levels - 1}"]) + "\n"


def inputs(d: Path) -> list[tuple[str, list[str]]]:
    def write(name: str, data: str | bytes) -> str:
        p = d / name
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        return str(p)

    good = GOOD.read_text()
    rule_bomb = write("rule_bomb.yaml", "guideline: g\n" + bomb(9, "rules"))
    sparse = d / "huge.txt"
    with sparse.open("wb") as f:
        f.truncate(50_000_000)
    letter = SEED_LETTER.read_text()
    big_letter = (letter * (990_000 // len(letter)))[:990_000]
    diagnoses = "".join(f"  - text: diagnosis number {i} {'x' * 1800}\n" for i in range(998))
    return [
        ("alias bomb, 9 levels (354 bytes)", [write("bomb9.yaml", bomb(9))]),
        ("alias bomb, 7 levels", [write("bomb7.yaml", bomb(7))]),
        ("alias bomb as a rule file (--rules)", ["--rules", rule_bomb, str(GOOD)]),
        ("JSON nested 100,000 levels", [write("deep.json", "[" * 100_000 + "]" * 100_000)]),
        ("YAML nested 10,000 levels", [write("deep.yaml", "a: " + "[" * 10_000 + "]" * 10_000 + "\n")]),
        ("integer of 5,000 digits", [write("int.json", '{"requests": [{"quantity": ' + "9" * 5000 + "}]}")]),
        ("50 MB letter (refused by size)", [str(sparse)]),
        ("case file of 999 diagnoses, 1.9 MB (at the limits)",
         [write("big.yaml", good.replace("diagnoses:\n", "diagnoses:\n" + diagnoses, 1))]),
        ("letter of 990,000 characters (at the limit)", [write("big_letter.txt", big_letter)]),
    ]


def measure(args: list[str]) -> tuple[float, float, int, str]:
    """(seconds, peak MB, exit status, first error line) of one `imr check` process."""
    cmd = [sys.executable, "-c", "import sys, resource; from engine.cli import main; s = main(sys.argv[1:]); "
           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(s)",
           "check", "--json", "--no-advice", *args]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - start
    lines = done.stderr.strip().splitlines()
    return elapsed, int(lines[-1]) / 1024, done.returncode, (lines[0] if len(lines) > 1 else "")


def main() -> int:
    base_t, base_m, _, _ = min(measure([str(GOOD)]) for _ in range(3))
    print(f"baseline (one good case file): {base_t:.2f} s, {base_m:.0f} MB peak")
    print(f"{'input':55} {'exit':>4} {'time':>8} {'x base':>7} {'peak MB':>8} {'x base':>7}")
    with tempfile.TemporaryDirectory() as d:
        for label, args in inputs(Path(d)):
            t, m, status, error = measure(args)
            print(f"{label:55} {status:>4} {t:>7.2f}s {t / base_t:>7.2f} {m:>8.0f} {m / base_m:>7.2f}")
            if error:
                print(f"    {error.split(d + '/')[-1][:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
