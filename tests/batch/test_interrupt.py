"""A real `imr audit --out` process stopped part-way by a real signal, then resumed, gives exactly the
file of an uninterrupted run."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus import TODAY, varied_letters

N = 60  # enough that a loaded machine still interrupts the run part-way (40 once finished first)


@pytest.fixture(scope="module")
def letters(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("letters")
    varied_letters(directory, N)
    return directory


def imr(*args: str) -> list[str]:
    return [sys.executable, "-m", "engine", "audit", "--today", TODAY, "--jobs", "1", *args]


@pytest.fixture(scope="module")
def uninterrupted(letters, tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("whole") / "r.jsonl"
    subprocess.run(imr("--out", str(out), str(letters)), check=True, capture_output=True, timeout=120)
    return out.read_bytes()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_then_resumed_equals_uninterrupted(signum, letters, uninterrupted, tmp_path):
    out = tmp_path / "r.jsonl"
    proc = subprocess.Popen(imr("--out", str(out), str(letters)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 5:
            break
        time.sleep(0.01)
    # Frozen first (SIGSTOP takes effect at once, in the kernel), so that the signal under test
    # arrives part-way however fast the run is and however loaded the machine; it is handled when
    # the process continues.
    proc.send_signal(signal.SIGSTOP)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signum)
    proc.send_signal(signal.SIGCONT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and b"Traceback" not in err and b"base exception" not in err
    written = out.read_bytes().count(b"\n")
    assert 5 <= written < N  # stopped part-way
    done = subprocess.run(imr("--out", str(out), "--resume", str(letters)), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == uninterrupted
