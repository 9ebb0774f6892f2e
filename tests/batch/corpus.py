"""Inputs for the batch tests: the bundled seed letters and case files, copied with varied numbers."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LETTERS = ROOT / "cases" / "letters"
SEEDS = ROOT / "cases" / "seeds"
CORPUS = ROOT.parent / "shared" / "corpus" / "imr-2016-17" / "pdf"
TODAY = "2014-03-01"


def varied_letters(directory: Path, n: int) -> list[Path]:
    """``n`` text letters made from the seed letters, each with its item quantities changed."""
    directory.mkdir(parents=True, exist_ok=True)
    seeds = sorted(LETTERS.glob("*.txt"))
    out = []
    for i in range(n):
        text = seeds[i % len(seeds)].read_text(encoding="utf-8")
        quantity = 1 + i % 24
        text = re.sub(r"\b(X|x) (\d+)\b", lambda m: f"{m.group(1)} {quantity}", text)
        path = directory / f"{i:04d}.txt"
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


def copy_seed_cases(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(p, directory)) for p in sorted(SEEDS.glob("*.yaml"))]
