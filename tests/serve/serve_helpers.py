"""A real `imr serve` process on a loopback port, for the API and browser tests."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    log: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, body: bytes | str | None = None,
                content_type: str = "application/json", timeout: float = 30) -> tuple[int, dict[str, str], Any]:
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"content-type": content_type} if data is not None else {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                raw, status, headers = r.read(), r.status, dict(r.headers)
        except urllib.error.HTTPError as e:
            raw, status, headers = e.read(), e.code, dict(e.headers)
        ctype = headers.get("content-type", "")
        return status, {k.lower(): v for k, v in headers.items()}, json.loads(raw) if "json" in ctype else raw

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait()


def start_server(*args: str) -> Server:
    """Start `python -m engine serve --port 0 ARGS`, wait for its health endpoint, return it."""
    proc = subprocess.Popen([sys.executable, "-m", "engine", "serve", "--port", "0", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log: list[str] = []
    ready = threading.Event()
    url: list[str] = []

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line)
            if "listening on http://" in line and not url:
                url.append(line.split("listening on ")[1].split("/ ")[0])
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    if not ready.wait(30) or not url:
        proc.kill()
        raise RuntimeError("imr serve did not start: " + "".join(log))
    server = Server(proc, url[0], log)
    deadline = time.monotonic() + 30
    while True:
        try:
            if server.request("GET", "/api/v1/health", timeout=2)[0] == 200:
                return server
        except OSError:
            pass
        if time.monotonic() > deadline:  # pragma: no cover
            server.stop()
            raise RuntimeError("imr serve never became healthy: " + "".join(log))
        time.sleep(0.05)


def cli(*args: str) -> tuple[int, str, str]:
    """`imr ARGS` run in this process (the same main() as the command; no interpreter start-up)."""
    import contextlib
    import io

    from engine.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()
