"""Damaged corpus PDFs: does the fast PDF path lose text silently where pypdf does not? (on demand)

Each round takes a corpus letter and overwrites 1-19 random bytes with random values (as the
hostile-input fuzzer damages its PDFs), writes it to a temporary directory (never kept), and reads it
twice: with ``read_letter`` (pdfium when the file is proven intact, else pypdf) and with pypdf alone,
the reader before the fast path. A reading *loses text silently* when it gives a letter without an
error and its body differs from the undamaged file's. Exit status 1 when the fast path loses text
silently on a file where pypdf did not, or when an undamaged letter reads differently.

    python benchmarks/fuzz_pdf.py [--count 480] [--seed 15] [--plain] [--corpus DIR]
"""
from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.letters.pdf import pypdf_text  # noqa: E402
from engine.letters.pdfcheck import NotProven, intact  # noqa: E402
from engine.letters.reader import LetterError, parse_letter, read_letter  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "imr-2016-17" / "pdf"


def damage(data: bytes, rnd: random.Random, plain: bool = False) -> bytes:
    """1-19 random bytes overwritten; ``plain``: only outside stream data (dictionaries, xref)."""
    out = bytearray(data)
    places = _plain_bytes(data) if plain else range(len(data))
    for _ in range(rnd.randrange(1, 20)):
        out[rnd.choice(places)] = rnd.randrange(256)
    return bytes(out)


def _plain_bytes(data: bytes) -> list[int]:
    from engine.letters.pdfcheck import _top_level

    inside = bytearray(len(data))
    objects, _ = _top_level(data, [10**6])
    for obj in objects.values():
        if obj.stream is not None:
            start = data.index(obj.stream, obj.offset)
            inside[start:start + len(obj.stream)] = b"\x01" * len(obj.stream)
    return [i for i, flag in enumerate(inside) if not flag]


def outcome(read, path: Path) -> tuple[str, str]:
    """("ok", body) or ("error", the one-line message)."""
    try:
        return "ok", read(path).body
    except LetterError as e:
        if "\n" in str(e) or str(path) not in str(e):
            raise AssertionError(f"error is not one line naming the file: {e!r}") from None
        return "error", str(e)


def by_pypdf(path: Path):
    return parse_letter(pypdf_text(path.read_bytes(), str(path)), str(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=480)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--plain", action="store_true",
                        help="damage only bytes outside stream data (the dictionaries and xref)")
    args = parser.parse_args()
    pdfs = sorted(args.corpus.glob("*.pdf"))
    if not pdfs:
        print(f"no corpus PDFs in {args.corpus}", file=sys.stderr)
        return 2
    rnd = random.Random(args.seed)
    tally: collections.Counter[str] = collections.Counter()
    why: collections.Counter[str] = collections.Counter()
    bad: list[str] = []
    clean: dict[Path, str] = {}
    fast_s = slow_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for original in pdfs:
            new, old = outcome(read_letter, original), outcome(by_pypdf, original)
            if new != old or new[0] != "ok":
                bad.append(f"undamaged {original.name}: the fast path reads it differently")
            clean[original] = old[1]
        for n in range(args.count):
            original = rnd.choice(pdfs)
            path = Path(tmp) / f"{n:04d}-{original.name}"
            path.write_bytes(damage(original.read_bytes(), rnd, args.plain))
            try:
                intact(path.read_bytes())
                why["proven intact (pdfium)"] += 1
            except NotProven as e:
                why[f"fell back: {e}"] += 1
            start = time.process_time()
            new = outcome(read_letter, path)
            fast_s += time.process_time() - start
            start = time.process_time()
            old = outcome(by_pypdf, path)
            slow_s += time.process_time() - start
            new_lost = new[0] == "ok" and new[1] != clean[original]
            old_lost = old[0] == "ok" and old[1] != clean[original]
            tally[f"new {new[0]}{' LOST' if new_lost else ''} / pypdf {old[0]}{' LOST' if old_lost else ''}"] += 1
            if new_lost and not old_lost:
                bad.append(f"round {n} ({original.name}): the fast path lost text silently, pypdf did not")
    where = "outside stream data" if args.plain else "anywhere"
    print(f"{args.count} damaged copies of {len(pdfs)} corpus PDFs (bytes {where}), seed {args.seed}")
    for key, value in sorted(tally.items()):
        print(f"  {value:4d}  {key}")
    print("integrity check:")
    for key, value in why.most_common():
        print(f"  {value:4d}  {key}")
    print(f"CPU s: reader {fast_s:.1f}, pypdf alone {slow_s:.1f}")
    for line in bad:
        print("FAIL", line)
    print("fast path lost text silently where pypdf did not:", sum("lost text" in b for b in bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
