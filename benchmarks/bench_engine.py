"""Throughput, latency and memory of the engine (run on demand, not in CI).

    python benchmarks/bench_engine.py [--cases 20000] [--check-files 2000] [--json] [--quick]

Measures, in one run:
  1. `decide_case` in process against a bare durable_rules loop (assert_fact + delete_state,
     trivial actions) over the same compiled rules and the same facts, on generated cases and on
     the bundled cases: ``decide_vs_bare``, the ratio in the same run (CPU time of this process, so
     that other work on the machine moves both sides alike; the two timed in interleaved rounds,
     3 with --quick, else 5, and the median of the rounds' ratios reported);
  2. `imr check --json` over case files on disk (parse, validate, decide, serialise), with and
     without the what-would-pass search;
  3. letters: text letters read only and read with fact extraction, PDF letters (text and
     extraction), and the PDF text alone: the reader's (pdfium on files proven intact), pypdf's,
     and bare pypdfium2's (the bundled letters, and the shared corpus when present; the PDF
     figures need the corpus);
  4. one `imr check` of one case file in a fresh process (wall time, the median of several), with
     the rulebook cache cold and warm;
  5. the first output line of `imr check --json --no-advice` over --first-files case files;
  6. the what-would-pass search on every Upheld request of the bundled and generated cases
     (worst and median);
  7. the resident memory of one process deciding --cases generated cases, sampled every 1,000.
``--json`` prints one JSON object with every figure; ``--quick`` runs the same with fewer inputs
(under a minute).
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as dt
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from durable import engine as durable_engine

from engine.cli import main as imr
from engine.rules.compile import compile_rules, durable_fact, referenced_paths
from engine.decide.decision import decide_case
from engine.cases.document import fact_document
from engine.cases.facts import Case
from engine.rules.rulebook import load_rulebook

SERVICES = ["acupuncture", "electroacupuncture", "massage_therapy"]
DAY = dt.date(2014, 6, 1)
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "imr-2016-17" / "pdf"
IMR = [sys.executable, "-m", "engine"]
cpu = time.process_time


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


def bench_bare(cases: list[dict], book, repeat: int = 1) -> Callable[[], float]:
    """assert_fact + delete_state per request on the same compiled rules and facts, nothing else:
    a timed pass (requests per CPU second), prepared and registered here, outside its timing."""
    from engine.cases.document import judged_day

    prepared = []
    for data in cases:
        case = Case.model_validate(data)
        for req in case.requests:
            day = judged_day(req, DAY)
            rulesets = book.in_force(req.service.value, day)
            if rulesets:
                prepared.append((rulesets, fact_document(case, req, day)))
    prepared = prepared * repeat
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
    def timed() -> float:
        start = cpu()
        for name, fact in facts:
            try:
                host.assert_fact(name, fact)
            except durable_engine.MessageNotHandledException:
                pass
            host.delete_state(name, fact["sid"])
        return len(facts) / (cpu() - start)

    return timed


def bench_decide(cases: list[dict], book, repeat: int = 1) -> Callable[[], float]:
    """decide_case in process: evaluation, resolution, pre-check and the reference evaluator's
    check; no files, no JSON: a timed pass (requests in force per CPU second, as the bare loop
    counts them)."""
    from engine.cases.document import judged_day

    models = [Case.model_validate(d) for d in cases] * repeat
    requests = sum(1 for c in models for r in c.requests if book.in_force(r.service.value, judged_day(r, DAY)))
    # Registers every combination of rule sets (and loads the drug lexicon) before timing, as the bare
    # loop registers them before its timing: one pass over the cases.
    for case in models[:len(cases)]:
        decide_case(case, book, today=DAY)
    def timed() -> float:
        start = cpu()
        for case in models:
            decide_case(case, book, today=DAY)
        return requests / (cpu() - start)

    return timed


def versus_bare(cases: list[dict], book, rounds: int, repeat: int = 1) -> tuple[float, float, float]:
    """decide_case against the bare loop, timed passes interleaved (bare, decide, bare, ...): the
    median rate of each and the median of the rounds' ratios. One pass of each, one after the other,
    gave ratios from 0.3 to 0.98 on a machine whose load changed during the run."""
    bare, decide = bench_bare(cases, book, repeat), bench_decide(cases, book, repeat)
    pairs = [(bare(), decide()) for _ in range(rounds)]
    return (statistics.median(b for b, _ in pairs), statistics.median(d for _, d in pairs),
            statistics.median(d / b for b, d in pairs))


def soak(cases, book) -> list[tuple[int, float]]:
    samples = [(0, rss_mb())]
    for i, data in enumerate(cases, 1):
        decide_case(Case.model_validate(data), book, today=DAY)
        if i % 1000 == 0:
            samples.append((i, rss_mb()))
    return samples


def bundled_cases() -> list[dict]:
    from engine.cases.sources import load

    out = []
    for path in sorted((ROOT / "cases").rglob("*")):
        if path.suffix in (".yaml", ".json"):
            data = load(str(path)).data
            data.pop("letter", None)
            out.append(data)
    return out


def hypothesis_cases(n: int) -> list[dict]:
    """Cases of every service from the test strategies (deterministic), when hypothesis is installed."""
    try:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from diff_outputs import generated
    except ImportError:
        return []
    return [{"case_id": f"gen-{i}", **d} for i, d in enumerate(generated(n))]


def _pdf_text_pypdfium2(data: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
        return "\n\f\n".join(pages)
    finally:
        pdf.close()


def bench_letters(rounds: int, max_pdfs: int | None = None) -> dict:
    """Letters per CPU second of this process: text read only, text with extraction, PDF."""
    from engine.letters.extract import letter_to_case
    from engine.letters.pdf import pypdf_text
    from engine.letters.reader import _pdf_text, parse_letter

    out: dict = {}
    texts = [(p.name, p.read_text()) for p in sorted((ROOT / "cases" / "letters").glob("*.txt"))]
    pdfs = sorted(CORPUS.glob("*.pdf"))[:max_pdfs] if CORPUS.is_dir() else []
    pdf_bytes = [(p.name, p.read_bytes()) for p in pdfs]
    corpus_texts = []
    for name, data in pdf_bytes:
        try:
            corpus_texts.append((name, _pdf_text(data, name)))
        except Exception:  # noqa: BLE001 - a PDF the reader refuses is left out of the text figures
            pass
    every = texts + corpus_texts
    out["letters_text"] = len(every)
    out["corpus_present"] = bool(pdfs)

    def rate(fn, inputs, n_rounds) -> float:
        count = 0
        start = cpu()
        for _ in range(n_rounds):
            for name, x in inputs:
                try:
                    fn(x, name)
                except Exception:  # noqa: BLE001 - a refused letter is still read
                    pass
                count += 1
        return count / (cpu() - start)

    def read_and_extract(t: str, n: str) -> None:
        letter_to_case(parse_letter(t, n))

    # The first pass of a process compiles the patterns and builds their prefilter gates (about 0.1 s):
    # reported apart, so that the rates are a long batch's (a year of letters is one pass each).
    out["text_letters_first_pass_per_s_per_core"] = rate(read_and_extract, every, 1)
    out["text_read_letters_per_s_per_core"] = rate(parse_letter, every, rounds)
    out["text_letters_per_s_per_core"] = rate(read_and_extract, every, rounds)
    if not pdf_bytes:
        out["pdf_letters_per_s_per_core"] = None
        out["pdf_text_per_s_per_core"] = None
        out["pdf_text_pypdf_per_s_per_core"] = None
        out["pdf_text_pypdfium2_per_s_per_core"] = None
        out["pdf_check_per_s_per_core"] = None
        return out
    out["pdf_letters"] = len(pdf_bytes)
    out["pdf_letters_per_s_per_core"] = rate(lambda d, n: letter_to_case(parse_letter(_pdf_text(d, n), n)),
                                             pdf_bytes, 1)
    out["pdf_text_per_s_per_core"] = rate(_pdf_text, pdf_bytes, 1)
    out["pdf_text_pypdf_per_s_per_core"] = rate(pypdf_text, pdf_bytes, 1)
    out["pdf_text_pypdfium2_per_s_per_core"] = rate(lambda d, n: _pdf_text_pypdfium2(d), pdf_bytes, 1)
    out["pdf_check_per_s_per_core"] = rate(_check, pdf_bytes, 1)  # the integrity check alone
    return out


def _check(data: bytes, name: str) -> None:
    from engine.letters.pdfcheck import NotProven, intact

    try:
        intact(data)
    except NotProven:
        pass


def bench_check_one(runs: int) -> dict:
    """One `imr check` of one bundled case file in a fresh process: wall seconds, cold and warm cache."""
    case = str(sorted((ROOT / "cases" / "examples").glob("*.yaml"))[0])

    def once(env: dict) -> float:
        start = time.perf_counter()
        subprocess.run(IMR + ["check", "--no-advice", case], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        # As an installed tool starts: Python's bytecode cached (pip writes it; an environment that sets
        # PYTHONDONTWRITEBYTECODE recompiles every module at every start). Kept in tmp, not the tree.
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        base["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pyc")
        env = {**base, "IMR_CACHE_DIR": tmp}
        cold = []
        for i in range(max(1, runs // 2)):
            env_cold = {**base, "IMR_CACHE_DIR": os.path.join(tmp, f"cold{i}")}
            cold.append(once(env_cold))
        once(env)  # fills the caches
        warm = [once(env) for _ in range(runs)]
        no_pyc = [once({**env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": os.path.join(tmp, "none")})
                  for _ in range(max(1, runs // 2))]
    imports = subprocess.run(IMR[:1] + ["-c", "import time; t=time.perf_counter(); import engine.cli, "
                                        "engine.run.batch, engine.decide.decision, engine.reports.report, engine.rules.rulebook; "
                                        "print(time.perf_counter()-t)"], capture_output=True, text=True,
                             check=True)
    start = subprocess.run(IMR[:1] + ["-c", "pass"], capture_output=True, check=True)
    del start
    bare = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(IMR[:1] + ["-c", "pass"], check=True)
        bare.append(time.perf_counter() - t)
    return {"check_one_case_s": statistics.median(warm), "check_one_case_cold_s": statistics.median(cold),
            "check_one_case_no_bytecode_s": statistics.median(no_pyc),
            "check_one_case_runs": warm, "python_start_s": statistics.median(bare),
            "check_imports_s": float(imports.stdout.strip())}


def bench_first_output(n: int) -> dict:
    """Seconds to the first output line of `imr check --json --no-advice` over n case files."""
    with tempfile.TemporaryDirectory() as tmp:
        for data in generate_lazily(n, seed=3):
            (Path(tmp) / f"{data['case_id']}.json").write_text(json.dumps(data))
        start = time.perf_counter()
        proc = subprocess.Popen(IMR + ["check", "--json", "--no-advice", tmp], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        proc.stdout.readline()
        first = time.perf_counter() - start
        lines = 1 + sum(1 for _ in proc.stdout)
        total = time.perf_counter() - start
        proc.wait()
    return {"first_output_s": first, "first_output_files": n, "first_output_total_s": total,
            "first_output_lines": lines}


def bench_advice(cases: list[dict], book) -> dict:
    """The what-would-pass search on every Upheld request: worst and median wall milliseconds; and
    the slowest 10 timed again in the same process (``advice_worst_again_ms``), which tells a slow
    search from a first use of a rule set's code or a collector pause that fell on a request."""
    from engine.decide.advice import advise

    timed = []  # (ms, service, case, request, rule sets)
    for data in cases:
        case = Case.model_validate(data)
        decision = decide_case(case, book, today=DAY)
        for request, d in zip(case.requests, decision.decisions):
            if d.outcome == "Upheld" and d.date_used is not None:
                rulesets = book.in_force(request.service.value, d.date_used)
                start = time.perf_counter()
                advise(case, request, book, rulesets, DAY)
                timed.append(((time.perf_counter() - start) * 1000, request.service.value, case, request, rulesets))
    times = [t[0] for t in timed]
    worst = max(timed, key=lambda t: t[0])
    again = []
    for _, service, case, request, rulesets in sorted(timed, key=lambda t: t[0])[-10:]:
        start = time.perf_counter()
        advise(case, request, book, rulesets, DAY)
        again.append(((time.perf_counter() - start) * 1000, service))
    return {"advice_worst_ms": worst[0], "advice_median_ms": statistics.median(times),
            "advice_requests": len(times), "advice_worst_service": worst[1],
            "advice_worst_again_ms": max(again)[0], "advice_worst_again_service": max(again)[1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000, help="cases for the memory soak")
    parser.add_argument("--check-files", type=int, default=2000, help="case files for the throughput runs")
    parser.add_argument("--generated", type=int, default=2000, help="cases of every service (test strategies)")
    parser.add_argument("--first-files", type=int, default=20000, help="case files for the first-output run")
    parser.add_argument("--quick", action="store_true", help="fewer inputs: the same figures in under a minute")
    parser.add_argument("--json", action="store_true", help="one JSON object with every figure")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.check_files, args.generated, args.first_files = 1000, 300, 100, 2000
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    figures: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count(),
                     "load_average_start": os.getloadavg()[0], "quick": args.quick}
    started = time.perf_counter()
    book = load_rulebook()
    files = generate(args.check_files, seed=1)
    every = hypothesis_cases(args.generated)
    bundled = bundled_cases()
    rounds = 3 if args.quick else 5
    figures["decide_rounds"] = rounds
    bare, decide, ratio = versus_bare(files, book, rounds)
    figures.update(bare_per_s=bare, decide_per_s=decide, decide_vs_bare=ratio)
    say(f"bare durable_rules loop (assert_fact + delete_state)  : {bare:8.0f} requests/s (1.00x)")
    say(f"decide_case in process (+ resolution, pre-check)      : {decide:8.0f} requests/s ({ratio:.3f}x of bare, "
        f"median of {rounds} interleaved rounds)")
    repeat = max(1, args.check_files // max(1, len(bundled)))
    b_bare, b_decide, figures["decide_vs_bare_bundled"] = versus_bare(bundled, book, rounds, repeat)
    say(f"  bundled cases: bare {b_bare:.0f}/s, decide_case {b_decide:.0f}/s ({figures['decide_vs_bare_bundled']:.3f}x)")
    if every:
        g_bare, g_decide, figures["decide_vs_bare_every_service"] = versus_bare(every, book, rounds)
        say(f"  generated cases of every service: bare {g_bare:.0f}/s, decide_case {g_decide:.0f}/s "
            f"({figures['decide_vs_bare_every_service']:.3f}x)")
    check = bench_check(files, "--no-advice", "--jobs", "1")
    figures["check_files_per_s"] = check
    say(f"imr check --json --no-advice --jobs 1 (files on disk)  : {check:8.0f} cases/s (wall)")
    letters = bench_letters(rounds=1 if args.quick else 3, max_pdfs=20 if args.quick else None)
    figures.update(letters)
    say(f"text letters, read only / with extraction              : {letters['text_read_letters_per_s_per_core']:8.0f} / "
        f"{letters['text_letters_per_s_per_core']:.0f} per CPU second ({letters['letters_text']} letters; first pass "
        f"of the process {letters['text_letters_first_pass_per_s_per_core']:.0f})")
    if letters["pdf_letters_per_s_per_core"] is not None:
        say(f"PDF letters with extraction                            : {letters['pdf_letters_per_s_per_core']:8.0f} per CPU second; "
            f"PDF text alone: reader {letters['pdf_text_per_s_per_core']:.0f}/s, pypdf "
            f"{letters['pdf_text_pypdf_per_s_per_core']:.0f}/s, bare pypdfium2 "
            f"{letters['pdf_text_pypdfium2_per_s_per_core']:.0f}/s, integrity check alone "
            f"{letters['pdf_check_per_s_per_core']:.0f}/s")
    else:
        say("PDF letters: the shared corpus is absent, skipped")
    figures.update(bench_check_one(3 if args.quick else 7))
    say(f"imr check of one case (fresh process, wall, median)    : {figures['check_one_case_s']:.3f} s warm cache, "
        f"{figures['check_one_case_cold_s']:.3f} s cold; python alone {figures['python_start_s']:.3f} s; "
        f"imports {figures['check_imports_s']:.3f} s")
    figures.update(bench_first_output(args.first_files))
    say(f"first output line of {args.first_files} case files              : {figures['first_output_s']:.3f} s "
        f"(all {figures['first_output_lines']} lines after {figures['first_output_total_s']:.1f} s)")
    figures.update(bench_advice(bundled + every + files[:200], book))
    say(f"what-would-pass search                                 : worst {figures['advice_worst_ms']:.0f} ms "
        f"({figures['advice_worst_service']}), median {figures['advice_median_ms']:.1f} ms over "
        f"{figures['advice_requests']} Upheld requests; the slowest 10 timed again: worst "
        f"{figures['advice_worst_again_ms']:.0f} ms ({figures['advice_worst_again_service']})")
    samples = soak(generate_lazily(args.cases, seed=2), book)
    first_k = next(mb for n, mb in samples if n >= min(1000, args.cases))
    peak = max(mb for _, mb in samples)
    figures.update(soak_cases=args.cases, rss_start_mb=samples[0][1], rss_after_1000_mb=first_k, rss_peak_mb=peak,
                   rss_end_mb=samples[-1][1], rss_growth_after_warmup_mb=samples[-1][1] - first_k)
    say(f"soak: {args.cases} cases in one process; RSS start {samples[0][1]:.1f} MB, after 1,000 {first_k:.1f} MB, "
        f"peak {peak:.1f} MB, end {samples[-1][1]:.1f} MB; growth after warm-up {samples[-1][1] - first_k:+.1f} MB")
    figures["load_average_end"] = os.getloadavg()[0]
    figures["bench_s"] = time.perf_counter() - started
    if args.json:
        print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
