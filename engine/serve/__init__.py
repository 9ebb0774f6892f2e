"""`imr serve`: the HTTP API (``/api/v1/...``) and the request form (``/``) on 127.0.0.1.

``app`` builds the FastAPI application around one rulebook loaded at startup; ``middleware`` holds
the limits (body size, time), the security headers and the access log that never logs bodies or
query strings; ``form`` describes the request form from the rules; ``run`` binds the socket and
starts uvicorn. The form itself is static HTML, CSS and plain JavaScript in ``static/``.
"""
from __future__ import annotations

from engine.serve.app import Limits, create_app

__all__ = ["Limits", "create_app"]
