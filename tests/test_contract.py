"""The decision's JSON contract loads without the rule engine: rendering or validating a decision
(reports, the HTTP API's models, another tool reading `imr check --json`) never imports durable_rules."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CODE = """
import sys
sys.modules["durable"] = None  # any import of durable_rules now fails
from engine.contract import CaseDecision
from engine.reports.report import case_text
d = CaseDecision.model_validate({"case_id": "x", "decisions": [{"request": "TENS unit", "service": "tens",
    "outcome": "Upheld", "rationale": "Upheld: a reason.", "rules": ["tens.r"], "citations": ["c"]}]})
print(d.decisions[0].outcome, "durable" in sys.modules and sys.modules["durable"] is not None)
print(case_text(d).splitlines()[0])
"""


def test_contract_and_report_import_without_durable_rules() -> None:
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()[:2]
    assert first == "Upheld False"
    assert second.strip()
