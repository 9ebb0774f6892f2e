"""The rules and bundled cases ship inside the wheel and are found from an installed package."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling")
    from hatchling.builders.wheel import WheelBuilder

    out = tmp_path_factory.mktemp("dist")
    (path,) = WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"])
    return Path(path)


def test_wheel_ships_rules_and_cases_as_package_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    rules = {n for n in names if n.startswith("engine/_bundled/rules/") and n.endswith(".yaml")}
    assert len(rules) == len(list((ROOT / "rules").rglob("*.yaml")))
    assert any(n.startswith("engine/_bundled/cases/seeds/") for n in names)
    assert "engine/cli.py" in names
    assert {"engine/data/medications.yaml", "engine/data/editions.yaml"} <= set(names)
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_finds_its_rules_without_a_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import engine, engine.rules.rulebook as r; b = r.load_rulebook(); "
            "print(engine.__file__); print(r.default_rules_dir()); print(len(b.rulesets))")
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    module, rules_dir, count = proc.stdout.split()
    assert module.startswith(str(site))
    assert rules_dir == str(site / "engine" / "_bundled" / "rules")
    from engine.rules.rulebook import load_rulebook

    # Every file, and every later edition a file is reapplied in (reapplied:), is a rule set.
    assert int(count) == len(load_rulebook([ROOT / "rules"]).rulesets)
