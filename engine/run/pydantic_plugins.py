"""The tool loads no pydantic plugin: it validates medical records, and a plugin sees every value.

pydantic hands each validation's input to any installed plugin (entry points of the group
``pydantic``, e.g. observability tools that send what they see elsewhere). Every ``imr`` command
therefore runs with none: ``PYDANTIC_DISABLE_PLUGINS=__all__`` is set for the process and the
workers it starts. A user who sets ``PYDANTIC_DISABLE_PLUGINS`` to
anything gets pydantic's own handling of it instead.

Disabling by that variable alone would still import pydantic's loader, and with it
``importlib.metadata`` (email, zipfile, csv...: about 45 ms, a sixth of a one-case check). So the
loader module is replaced by one whose ``get_plugins`` returns none. It is private to pydantic:
``tests/test_cli.py`` checks that pydantic imports nothing else from it, so an upgrade that does
fails a test instead of the tool.
"""
from __future__ import annotations

import os
import sys
import types

LOADER = "pydantic.plugin._loader"


def disable() -> None:
    """Before pydantic builds its first validator (the models are built on first use)."""
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") is not None:
        return
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"  # inherited by workers, however started
    if LOADER in sys.modules:
        return
    loader = types.ModuleType(LOADER, "pydantic's plugin loader: no plugin (engine.run.pydantic_plugins)")
    loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
    sys.modules[LOADER] = loader
