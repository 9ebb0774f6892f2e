"""Starting the server: bind the socket (so that ``--port 0`` reports the port it got), then uvicorn."""
from __future__ import annotations

import logging
import socket
import sys

from engine.rules.rulebook import Rulebook
from engine.serve.app import Limits, create_app


def serve(book: Rulebook, host: str = "127.0.0.1", port: int = 8000, limits: Limits = Limits()) -> int:
    import uvicorn

    import ipaddress

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    app = create_app(book, limits, loopback=loopback)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        print(f"imr serve: cannot listen on {host}:{port}: {e.strerror}", file=sys.stderr)
        return 2
    sock.listen(2048)
    bound = sock.getsockname()[1]
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s", stream=sys.stderr)
    # uvicorn's access log prints the query string; ours (engine.serve.middleware) prints neither it
    # nor any header or body.
    config = uvicorn.Config(app, access_log=False, log_level="info", server_header=False, date_header=False,
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host
    print(f"imr serve: listening on http://{shown}:{bound}/ (form at /, API at /api/v1/, Ctrl-C stops)",
          file=sys.stderr, flush=True)
    if not loopback:
        print("imr serve: warning: not a loopback address; anyone who can reach it can send cases "
              "(there is no authentication)", file=sys.stderr, flush=True)
    server.run(sockets=[sock])
    return 0
