"""A progress bar on standard error while a batch runs, only when standard error is a terminal.

tqdm draws it (letters per second and the time left, from the count of inputs known up front);
when standard error is a file or a pipe nothing is written, so logs and captured output stay clean.
"""
from __future__ import annotations

import sys
from typing import Any


class _Quiet:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress(total: int, *, enabled: bool | None = None) -> Any:
    """A bar counting ``total`` inputs; a do-nothing one when standard error is not a terminal."""
    stream = sys.stderr
    if enabled is None:
        enabled = bool(getattr(stream, "isatty", lambda: False)())
    if not enabled or total == 0:
        return _Quiet()
    from tqdm import tqdm

    # No monitor thread: worker processes are forked after the bar starts, and forking a process
    # that runs threads is unsafe.
    tqdm.monitor_interval = 0
    return tqdm(total=total, unit="letter", file=stream, dynamic_ncols=True, smoothing=0.1,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]")
