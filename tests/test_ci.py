"""CI runs exactly the README's setup and test commands (the README's first two `sh` blocks)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_commands_verbatim() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)
    setup, tests = blocks[0].strip(), blocks[1].strip()
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert commands == [setup, tests]
    assert setup.startswith("apt-get update && apt-get install -y chromium chromium-driver && ")
