import sys
from pathlib import Path

# tests/helpers.py is imported as `helpers` by test modules in every sub-folder.
sys.path.insert(0, str(Path(__file__).parent))

# The rulebook cache (engine.rules.rulecache) of the test run lives in a directory of its own, never in
# the user's cache; command-line tests in subprocesses inherit it.
import os as _os  # noqa: E402
import tempfile as _tempfile  # noqa: E402

_os.environ["IMR_CACHE_DIR"] = _tempfile.mkdtemp(prefix="imr-test-cache-")


# Golden files: tests/golden/*.yaml hold given-and-expected predictions, collected as test items.
import datetime as _dt  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".yaml" and file_path.parent.name == "golden":
        return GoldenFile.from_parent(parent, path=file_path)
    return None


class GoldenFile(pytest.File):
    def collect(self):
        entries = yaml.safe_load(self.path.read_text())
        for n, entry in enumerate(entries):
            name = f"{Path(entry['case']).stem}[{entry.get('facts', 'summary')}@{entry.get('today')}]#{n}"
            yield GoldenItem.from_parent(self, name=name, entry=entry)


class GoldenItem(pytest.Item):
    def __init__(self, *, entry, **kwargs):
        super().__init__(**kwargs)
        self.entry = entry

    def runtest(self):
        from engine.decide.decision import decide_case
        from engine.cases.facts import load_case
        from helpers import book

        case = load_case(str(ROOT / self.entry["case"]))
        if self.entry.get("facts", "summary") == "summary+rationale":
            case = case.with_rationale()
        today = self.entry.get("today")
        if isinstance(today, str):
            today = _dt.date.fromisoformat(today)
        got = [{"request": d.request, "outcome": d.outcome, "rules": d.rules}
               for d in decide_case(case, book(), today=today).decisions]
        expected = [{"request": e["request"], "outcome": e["outcome"], "rules": e["rules"]} for e in self.entry["expect"]]
        if got != expected:
            raise GoldenMismatch(expected, got)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, GoldenMismatch):
            exp, got = excinfo.value.args
            lines = [f"golden mismatch for {self.entry['case']}:"]
            for e, g in zip(exp, got):
                if e != g:
                    lines.append(f"  expected {e}\n  got      {g}")
            if len(exp) != len(got):
                lines.append(f"  expected {len(exp)} requests, got {len(got)}")
            return "\n".join(lines)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, self.name


class GoldenMismatch(AssertionError):
    pass
