"""pydantic's plugin look-up, skipped by the tool when it is known to find nothing.

When pydantic builds its first validator it looks for plugins (entry points of the group
``pydantic``): it imports ``importlib.metadata`` (with ``email``, ``zipfile``, ``csv``...) and reads
every installed distribution's metadata, about 5% of the wall of an ``imr check`` of one case. When
that look-up found nothing, the tool (``engine.cli.main``) writes a marker in its cache directory
under a key of the interpreter, every import path and each one's modification time (installing,
upgrading or removing a distribution changes its directory); at the next start with the same key it
gives pydantic a plugin loader that returns none, as pydantic's own would. Without the marker, with
``PYDANTIC_DISABLE_PLUGINS`` or ``IMR_NO_CACHE`` set, or when the marker cannot be read or written,
pydantic looks as usual.
"""
from __future__ import annotations

import hashlib
import os
import sys
import types
from pathlib import Path

_LOADER = "pydantic.plugin._loader"
_stubbed = False


def _marker() -> Path | None:
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") is not None or os.environ.get("IMR_NO_CACHE"):
        return None
    from engine.rules.rulecache import cache_dir

    h = hashlib.sha256(b"imr-pydantic-plugins-1\0" + sys.executable.encode() + b"\0"
                       + sys.version.encode() + b"\0")
    for entry in sys.path:
        try:
            stamp = str(os.stat(entry or ".").st_mtime_ns)
        except OSError:
            stamp = "-"
        h.update(f"{entry}\0{stamp}\0".encode())
    return cache_dir() / f"pydantic-no-plugins-{h.hexdigest()[:32]}"


def skip_lookup_if_known_empty() -> None:
    """Before pydantic builds a validator: when the marker says no plugin is installed, pydantic's
    loader is replaced by one that returns none (``get_plugins`` is all pydantic imports of it)."""
    global _stubbed
    if _LOADER in sys.modules:
        return
    marker = _marker()
    if marker is None or not marker.is_file():
        return
    loader = types.ModuleType(_LOADER, "pydantic's plugin loader, none installed (engine.run.pydantic_plugins)")
    loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
    sys.modules[_LOADER] = loader
    _stubbed = True


def remember_if_empty() -> None:
    """After a run: when pydantic's own loader looked and no entry point of its group is installed
    (a plugin that failed to load counts: pydantic warns about it at every start), write the marker."""
    loader = sys.modules.get(_LOADER)
    if _stubbed or loader is None or getattr(loader, "_plugins", None) != {}:
        return
    from importlib.metadata import entry_points  # imported already by pydantic's loader

    if entry_points(group="pydantic"):
        return
    marker = _marker()
    if marker is None:
        return
    try:
        marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        marker.touch()
    except OSError:  # no cache directory (read-only home): pydantic looks again next time
        return
