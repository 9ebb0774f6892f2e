"""One `imr serve` process for the API and browser tests of a run."""
from __future__ import annotations

import pytest
from serve_helpers import Server, start_server


@pytest.fixture(scope="session")
def server() -> Server:
    s = start_server()
    yield s
    s.stop()
