"""Mutated inputs and an in-process driver of the command line, for the hostile-input fuzz runs.

Used by ``tests/hostile/test_fuzz.py`` (a few hundred inputs, derandomised) and by
``benchmarks/fuzz_hostile.py`` (tens of thousands). Every mutation is a function of a
``random.Random``, so a run is reproduced by its seed.

Planted markers: some mutations plant a value or a key that matches ``MARKER_RE`` (a stand-in for a
patient's words). No error message may ever contain one.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import random
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

REPO = Path(__file__).resolve().parents[1]
MARKER_RE = re.compile(r"Zqx\d+Mark")
CASE_BASES = sorted([*(REPO / "cases" / "examples").glob("*.yaml"), *(REPO / "cases" / "seeds").glob("*.yaml"),
                     REPO / "tests" / "data" / "design_example.yaml"])
RULE_BASES = sorted((REPO / "rules").rglob("*.yaml"))
LETTER_BASES = sorted((REPO / "cases" / "letters").glob("*.txt"))


def marker(rnd: random.Random) -> str:
    return f"Jane Doe Zqx{rnd.randrange(10**6)}Mark"


def hostile_value(rnd: random.Random) -> Any:
    """A value a careless or hostile author might write anywhere."""
    choices: list[Callable[[], Any]] = [
        lambda: marker(rnd),
        lambda: f"HIV positive {marker(rnd)}",
        lambda: 10 ** rnd.randrange(15, 60),
        lambda: -(10 ** rnd.randrange(1, 30)),
        lambda: rnd.choice([1e-05, 1e16, 1.5e300, -0.0, 2.5e-8, 123456789.125]),
        lambda: float("inf"),
        lambda: float("-inf"),
        lambda: float("nan"),
        lambda: rnd.choice([0, -1, 1, 7, 120, 121, 100_001]),
        lambda: rnd.choice([True, False, None, "", "null", "yes", "~"]),
        lambda: [],
        lambda: {},
        lambda: [marker(rnd)] * rnd.randrange(1, 4),
        lambda: {marker(rnd): marker(rnd)},
        lambda: rnd.choice(["2014-13-45", "9999-12-31", "0001-01-01", "2014-02-30", "yesterday"]),
        lambda: dt.datetime(2014, 1, 2, 3, 4, 5),
        lambda: dt.date(9999, 12, 31),
        lambda: "x" * rnd.randrange(1, 5000),
        lambda: "\u202e\u0000\ud7ff\ufeff",
        lambda: _nest(rnd.randrange(2, 120)),
        lambda: rnd.choice(["acupuncture", "reiki", "Upheld", "massage_therapy", "unknown"]),
    ]
    return rnd.choice(choices)()


def _nest(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, prefix + (i,)))
    return out


def _get(node: Any, path: tuple) -> Any:
    for p in path:
        node = node[p]
    return node


def mutate_data(data: Any, rnd: random.Random, rounds: int) -> Any:
    """Structural mutations: replace, delete, add an unknown (marker) key, duplicate, wrap."""
    for _ in range(rounds):
        paths = _paths(data)
        path = rnd.choice(paths)
        if not path:
            if rnd.random() < 0.3:
                data = hostile_value(rnd)
            continue
        parent, last = _get(data, path[:-1]), path[-1]
        action = rnd.randrange(6)
        if action == 0:
            parent[last] = hostile_value(rnd)
        elif action == 1 and isinstance(parent, dict):
            del parent[last]
        elif action == 2 and isinstance(parent, dict):
            parent[marker(rnd) if rnd.random() < 0.7 else rnd.choice(["colour", "Age", "case id"])] = hostile_value(rnd)
        elif action == 3 and isinstance(parent, list):
            parent.extend([parent[last]] * rnd.randrange(1, 5))
        elif action == 4:
            parent[last] = [parent[last]]
        else:
            parent[last] = hostile_value(rnd)
    return data


_TEXT_NOISE = ["&a ", "*a", "*zz", "!!python/object/apply:os.system ['true']", "!Zqx1Mark ", "{", "[", "]",
               "\t", "---\n", "%YAML 1.1\n", ": ", "- ", '"', "'", "\\x", "? ", "|", ">", "#", "@", "`",
               "<<: *a\n", "\r", "\u0085", "1e+16", ".inf", ".nan", "0x1F", "0o17", "1_000", "2014-13-45"]


def mutate_text(text: str, rnd: random.Random) -> bytes:
    """Character- and byte-level mutations of a serialised document."""
    lines = text.split("\n")
    for _ in range(rnd.randrange(0, 3)):
        if not lines:
            break
        i = rnd.randrange(len(lines))
        action = rnd.randrange(5)
        if action == 0:
            del lines[i]
        elif action == 1:
            lines.insert(i, lines[i])  # a duplicate key, often
        elif action == 2:
            pos = rnd.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:pos] + rnd.choice(_TEXT_NOISE) + lines[i][pos:]
        elif action == 3:
            lines[i] = lines[i].replace(":", ": " + marker(rnd) + " #", 1)
        else:
            lines[i] = " " * rnd.randrange(1, 5) + lines[i]
    data = "\n".join(lines).encode("utf-8")
    roll = rnd.random()
    if roll < 0.04:
        data = data[: rnd.randrange(len(data) + 1)]
    elif roll < 0.07:
        data = "\n".join(lines).encode("utf-16")
    elif roll < 0.10:
        pos = rnd.randrange(len(data) + 1)
        data = data[:pos] + rnd.choice([b"\xff", b"\xc3", b"\x00", b"\xed\xa0\x80", b"\xfe\xff"]) + data[pos:]
    elif roll < 0.12:
        data = b"\xef\xbb\xbf" + data
    return data


def alias_bomb(rnd: random.Random) -> bytes:
    levels = rnd.randrange(4, 10)
    width = rnd.randrange(4, 10)
    out = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        out.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    out.append(f"requests: *a{levels - 1}" if rnd.random() < 0.5 else f"diagnoses: *a{levels - 1}")
    return ("\n".join(out) + "\n").encode()


def deep(rnd: random.Random) -> bytes:
    n = rnd.choice([70, 1000, 5000, 50_000])
    if rnd.random() < 0.5:
        return ("[" * n + "]" * n).encode()
    return ("a: " + "[" * n + "]" * n + "\n").encode()


def dump(data: Any, rnd: random.Random) -> tuple[str, str]:
    """(suffix, text) of data as YAML or JSON; what cannot be written one way is written the other."""
    if rnd.random() < 0.3:
        try:
            return ".json", json.dumps(data, default=str, indent=rnd.choice([None, 2]))
        except (ValueError, TypeError, RecursionError):
            pass
    try:
        return ".yaml", yaml.safe_dump(data, sort_keys=False, allow_unicode=rnd.random() < 0.5)
    except (yaml.YAMLError, RecursionError):
        return ".yaml", "requests: []\n"


def mutated_case(rnd: random.Random) -> tuple[str, bytes]:
    roll = rnd.random()
    if roll < 0.03:
        return ".yaml", alias_bomb(rnd)
    if roll < 0.05:
        return ".json" if rnd.random() < 0.5 else ".yaml", deep(rnd)
    base = yaml.safe_load(rnd.choice(CASE_BASES).read_text(encoding="utf-8"))
    data = mutate_data(base, rnd, rnd.randrange(0, 4))
    suffix, text = dump(data, rnd)
    return suffix, (mutate_text(text, rnd) if rnd.random() < 0.5 else text.encode("utf-8"))


def mutated_rule(rnd: random.Random) -> tuple[Path, bytes]:
    """(the bundled rule file mutated, the mutated text)."""
    path = rnd.choice(RULE_BASES)
    if rnd.random() < 0.03:
        return path, alias_bomb(rnd).replace(b"requests:", b"rules:")
    data = mutate_data(yaml.safe_load(path.read_text(encoding="utf-8")), rnd, rnd.randrange(0, 4))
    _, text = dump(data, rnd)
    return path, (mutate_text(text, rnd) if rnd.random() < 0.4 else text.encode("utf-8"))


_LETTER_NOISE = ["\f", ": Upheld", ": Overturned", "Page 2 of 4", "IMR ISSUES, DECISIONS AND RATIONALES",
                 "CLINICAL CASE SUMMARY", "is not medically necessary and appropriate.", "MAXIMUS guideline:",
                 "Decision rationale:", "x99999999999999999999", "February 30, 2014", "999 year old", "\x00",
                 "\u202e", "Final Determination Letter for IMR Case Number CM13-1"]


def mutated_letter(rnd: random.Random) -> tuple[str, bytes]:
    text = rnd.choice(LETTER_BASES).read_text(encoding="utf-8")
    lines = text.split("\n")
    for _ in range(rnd.randrange(1, 8)):
        i = rnd.randrange(len(lines))
        action = rnd.randrange(5)
        if action == 0:
            del lines[i]
        elif action == 1:
            lines.insert(i, rnd.choice(_LETTER_NOISE))
        elif action == 2:
            lines[i] = lines[i] + " " + marker(rnd)
        elif action == 3:
            lines[i:i] = lines[i: i + rnd.randrange(1, 30)]
        else:
            pos = rnd.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:pos] + rnd.choice(_LETTER_NOISE) + lines[i][pos:]
    text = "\n".join(lines)
    roll = rnd.random()
    if roll < 0.05:
        return ".pdf", _pdf(text, rnd)
    if roll < 0.08:
        return ".txt", text.encode("utf-16")
    if roll < 0.10:
        return ".txt", bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 400)))
    if roll < 0.12:
        return ".pdf", b"%PDF-1.4\n" + text.encode()[: rnd.randrange(2000)]
    return ".txt", text.encode("utf-8", "surrogatepass")


def _pdf(text: str, rnd: random.Random) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(True, 15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in text.split("\n"):
        if line.strip():
            pdf.multi_cell(0, 5, line.strip().encode("latin-1", "replace").decode("latin-1"),
                           new_x="LMARGIN", new_y="NEXT")
    data = bytearray(pdf.output())
    if rnd.random() < 0.5 and len(data) > 100:  # corrupt some bytes
        for _ in range(rnd.randrange(1, 20)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
    return bytes(data)


# ------------------------------------------------------------------------------------- driver


@dataclass
class Tally:
    """What a fuzz run found; every list must stay empty."""

    inputs: int = 0
    runs: int = 0
    exits: dict[int, int] = field(default_factory=dict)
    decided: int = 0
    errors: int = 0
    rulebooks_loaded: int = 0
    rulebooks_refused: int = 0
    tracebacks: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    bad_lines: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.tracebacks + self.crashes + self.lost + self.leaks + self.bad_lines


def run_cli(argv: list[str]) -> tuple[int | None, str, str, str | None]:
    """(status, stdout, stderr, crash) of `imr ARGV` in this process."""
    from engine import cli

    out, err = io.StringIO(), io.StringIO()
    crash = None
    status: int | None = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(argv)
        except SystemExit as e:  # argparse
            status = e.code if isinstance(e.code, int) else 2
        except BaseException:  # noqa: BLE001 - anything escaping main is what we look for
            crash = traceback.format_exc()
    return status, out.getvalue(), err.getvalue(), crash


def _check_messages(tally: Tally, label: str, err: str, sources: list[str]) -> None:
    if "Traceback" in err or 'File "' in err:
        tally.tracebacks.append(f"{label}: {err[:2000]}")
    for line in err.splitlines():
        if "internal error" in line:  # the rule reader's safety net caught a bug
            tally.crashes.append(f"{label}: {line}")
        if MARKER_RE.search(line):
            tally.leaks.append(f"{label}: {line}")
        if not any(line.startswith(s) for s in sources):
            tally.bad_lines.append(f"{label}: stderr line names no input: {line[:300]}")


def check_batch(tally: Tally, paths: list[str], rules: list[str] | None = None,
                options: tuple[str, ...] = ()) -> None:
    """`imr check --json` over paths: every input once in the output, decided or as an error."""
    argv = ["check", "--json", "--no-advice", *options, *paths]
    if rules:
        argv = [a for r in rules for a in ("--rules", r)] + argv
    status, out, err, crash = run_cli(argv)
    label = " ".join(argv)
    tally.runs += 1
    tally.inputs += len(paths) + (1 if rules else 0)  # the mutated rule file (the last), not the definitions
    tally.exits[status if status is not None else -1] = tally.exits.get(status if status is not None else -1, 0) + 1
    if crash:
        tally.crashes.append(f"{label}\n{crash}")
        return
    if status not in (0, 2, 3):
        tally.crashes.append(f"{label}: exit status {status}")
    _check_messages(tally, label, err, [*paths, *(rules or [])])
    seen: list[str] = []
    for line in out.splitlines():
        obj = json.loads(line)
        seen.append(obj.get("source"))
        if "error" in obj:
            tally.errors += 1
            if MARKER_RE.search(obj["error"]):
                tally.leaks.append(f"{label}: {obj['error']}")
        else:
            tally.decided += 1
    if rules and status == 2 and not seen:
        # The rulebook itself was refused: one line, naming a rule file, and nothing decided.
        tally.rulebooks_refused += 1
        if len(err.strip().splitlines()) != 1:
            tally.lost.append(f"{label}: a refused rulebook must give exactly one line")
        return
    if rules:
        tally.rulebooks_loaded += 1
    if seen != paths:
        tally.lost.append(f"{label}: inputs {paths} but output for {seen} (exit {status})")


def check_parse(tally: Tally, paths: list[str]) -> None:
    """`imr parse --json` over letters: one JSON line or one stderr line per letter."""
    argv = ["parse", "--json", *paths]
    status, out, err, crash = run_cli(argv)
    label = " ".join(argv)
    tally.runs += 1
    tally.inputs += len(paths)
    tally.exits[status if status is not None else -1] = tally.exits.get(status if status is not None else -1, 0) + 1
    if crash:
        tally.crashes.append(f"{label}\n{crash}")
        return
    if status not in (0, 2):
        tally.crashes.append(f"{label}: exit status {status}")
    _check_messages(tally, label, err, paths)
    parsed = len(out.splitlines())
    failed = len(err.splitlines())
    tally.decided += parsed
    tally.errors += failed
    if parsed + failed != len(paths):
        tally.lost.append(f"{label}: {len(paths)} letters, {parsed} parsed, {failed} errors")


def write_inputs(directory: Path, made: list[tuple[str, bytes]], stem: str) -> list[str]:
    paths = []
    for i, (suffix, data) in enumerate(made):
        path = directory / f"{stem}-{i}{suffix}"
        path.write_bytes(data)
        paths.append(str(path))
    return paths


def fuzz_round(tally: Tally, directory: Path, rnd: random.Random, kind: str, batch: int = 5) -> None:
    """One batch of mutated inputs of one kind ("case", "rule", "letter") through the CLI."""
    if kind == "case":
        made = [mutated_case(rnd) for _ in range(batch)]
        if rnd.random() < 0.5:  # a good input among the bad: it must still be decided
            made.insert(rnd.randrange(len(made) + 1), (".yaml", CASE_BASES[0].read_bytes()))
        options = rnd.choice([(), ("--with-rationale",), ("--explain",), ("--today", "2014-06-01")])
        check_batch(tally, write_inputs(directory, made, "case"), options=options)
    elif kind == "rule":
        base, text = mutated_rule(rnd)
        rule = directory / base.name
        rule.write_bytes(text)
        # The mutated file in place of its original, beside the definitions every rule file needs.
        definitions = [str(p) for p in sorted((REPO / "rules" / "definitions").glob("*.yaml")) if p != base]
        cases = [str(p) for p in CASE_BASES[: rnd.randrange(1, 4)]]
        check_batch(tally, cases, rules=[*definitions, str(rule)])
    else:
        made = [mutated_letter(rnd) for _ in range(batch)]
        paths = write_inputs(directory, made, "letter")
        if rnd.random() < 0.5:
            check_batch(tally, paths, options=rnd.choice([(), ("--with-rationale",)]))
        else:
            check_parse(tally, paths)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run benchmarks/fuzz_hostile.py or pytest tests/hostile")
