"""Deciding a batch in worker processes, results in input order, with bounded work in flight.

durable_rules keeps its compiled rulesets and sessions in C state per process, so each worker keeps
its own: the rulebook is inherited from the parent at fork (loaded once, never pickled per task) and
compiled into the worker's engine on first use. At most ``WINDOW_PER_JOB * jobs`` inputs are in
flight, so memory stays flat however many inputs there are; the results are yielded in input order.
A worker that dies (killed, out of memory) costs only the input it held: that input is reported as
an error and the pool is started again for the rest.
"""
from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Iterable, Iterator

from engine.run.batch import Options, Outcome, decide_input
from engine.rules.rulebook import Rulebook, load_rulebook

WINDOW_PER_JOB = 4

_STATE: dict[str, object] = {}


def _init_worker(rules: list[str] | None, options: Options) -> None:
    # The parent handles Ctrl-C and SIGTERM and stops the workers itself; a worker that took the
    # signal too would die mid-task and leave the pool broken.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if "book" not in _STATE:  # not inherited (a start method other than fork)
        _STATE["book"] = load_rulebook(rules)
    _STATE["options"] = options


def _work(path: str) -> Outcome:
    outcome = decide_input(path, _STATE["book"], _STATE["options"])  # type: ignore[arg-type]
    if outcome.entries is not None:
        outcome.case = outcome.decision = None  # audit mode: the entries are all the parent needs
    return outcome


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _pool(jobs: int, rules: list[str] | None, options: Options) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_init_worker,
                               initargs=(rules, options))


def decide_parallel(plan: Iterable[tuple[str, Outcome | None]], book: Rulebook, options: Options,
                    jobs: int, rules: list[str] | None) -> Iterator[Outcome]:
    """Decide the planned inputs in ``jobs`` processes; yield every Outcome in plan order."""
    _STATE["book"] = book  # inherited by forked workers
    pool = _pool(jobs, rules, options)
    pending: deque[tuple[str, Outcome | None, Future | None]] = deque()
    items = iter(plan)
    window = WINDOW_PER_JOB * jobs
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < window:
                try:
                    path, ready = next(items)
                except StopIteration:
                    exhausted = True
                    break
                if ready is not None and (ready.covered_by or ready.skipped):
                    pending.append((path, ready, None))
                else:
                    pending.append((path, ready, pool.submit(_work, path)))
            if not pending:
                return
            path, ready, future = pending.popleft()
            if future is None:
                yield ready  # type: ignore[misc]
                continue
            try:
                outcome = future.result()
            except BrokenProcessPool:
                outcome = Outcome(source=ready.source if ready else path, engine_error=True,
                                  error=f"{ready.source if ready else path}: the worker deciding it stopped "
                                        "(killed or out of memory)")
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _pool(jobs, rules, options)
                pending = deque((p, r, None if f is None else pool.submit(_work, p)) for p, r, f in pending)
            if ready is not None:
                outcome.digest = ready.digest
            yield outcome
    finally:
        # On Ctrl-C, SIGTERM or an early stop, nothing in flight is waited for.
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            if process.is_alive():
                process.terminate()
        _STATE.pop("book", None)
