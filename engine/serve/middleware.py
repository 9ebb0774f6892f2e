"""Pure ASGI middleware: the request body size limit, security headers and a data-free access log.

The body is read here, up to the limit, before any route sees it, so an over-long body is refused
with 413 whether or not it declares its length (chunked uploads included). The access log names
the method, the path without its query string, the status and the time: never a header, a query
or a byte of the body, because bodies are medical records.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("imr.serve")

# Everything the form needs comes from this server: no CDN, no inline script, no framing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


async def send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse a request body longer than ``max_bytes`` with 413, then replay the body to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_long = {"error": f"request body: longer than the limit of {self.max_bytes} bytes (see --max-body)"}
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await send_json(send, 413, too_long)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await send_json(send, 413, too_long)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # after the body: wait for the disconnect as usual
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class Headers:
    """Add the security headers to every response, and log one data-free line per request."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            # scope["path"] never holds the query string; the query is not logged at all.
            log.info("%s %s %s %.1f ms", scope.get("method"), scope.get("path"), status,
                     (time.perf_counter() - start) * 1000)


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def _host_name(header: bytes) -> str:
    text = header.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1:text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


class LoopbackHost:
    """On a loopback address, answer only requests that name this machine in their Host header.

    A web page elsewhere can point its own host name at 127.0.0.1 (DNS rebinding) and then read the
    answers as same-origin; its requests still carry its host name, so they are refused here.
    """

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...] = LOOPBACK_NAMES):
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = dict(scope.get("headers") or []).get(b"host", b"")
            if _host_name(host) not in self.allowed:
                message = ("request: the Host header does not name this machine "
                           "(imr serve on a loopback address answers 127.0.0.1 and localhost)")
                await send_json(send, 400, {"error": message})
                return
        await self.app(scope, receive, send)
