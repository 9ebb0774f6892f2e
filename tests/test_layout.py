"""The package layout follows the data flow: each package imports only the packages before it
(as its docstring says). A module that reaches forward would tie, e.g., case validation to the
rule engine, or letter reading to the decision."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parent.parent / "engine"
TOP = {"engine", "engine.errors", "engine.limits", "engine.contract"}
ALLOWED = {
    "cases": {"cases"},
    "rules": {"cases", "rules"},
    "letters": {"cases", "letters", "rules"},
    "decide": {"cases", "rules", "decide"},
    "reports": {"cases", "rules", "decide", "reports"},
    "run": {"cases", "rules", "decide", "reports", "letters", "run"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m == "engine" or m.startswith("engine.")}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_packages_before_it(package: str) -> None:
    bad = []
    for module in sorted((ENGINE / package).glob("*.py")):
        for name in _imports(module):
            if name in TOP:
                continue
            if name.split(".")[1] not in ALLOWED[package]:
                bad.append(f"{module.name} imports {name}")
    assert not bad, bad


def test_every_package_says_what_it_holds_and_may_import() -> None:
    for package in ALLOWED:
        doc = ast.get_docstring(ast.parse((ENGINE / package / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "May import" in doc


def test_no_module_is_left_in_the_flat_folder() -> None:
    flat = {p.stem for p in ENGINE.glob("*.py")}
    assert flat == {"__init__", "__main__", "cli", "contract", "errors", "limits"}
