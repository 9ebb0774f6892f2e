"""The results file is the same bytes whatever the process: --jobs 1 and --jobs 2 must agree, and each
worker is a process of its own, with its own string hash order."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from corpus import CORPUS, TODAY


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus ../shared/corpus/imr-2016-17/pdf absent")
def test_results_do_not_depend_on_the_hash_seed(tmp_path):
    # The 17th corpus letter has two rationale facts whose evidence the reader lists in hash order.
    letter = sorted(CORPUS.glob("*.pdf"))[16]
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"r{seed}.jsonl"
        subprocess.run([sys.executable, "-m", "engine", "audit", "--today", TODAY, "--jobs", "1", "--out", str(out),
                        str(letter)], check=True, capture_output=True, timeout=120,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
