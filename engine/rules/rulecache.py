"""The loaded and checked rulebook, kept across runs so that one `imr check` starts fast.

Reading, validating and linting the rule files takes most of a short run's start. A rulebook that
loaded without a single problem is saved in the user's cache directory (``$IMR_CACHE_DIR``, else
``$XDG_CACHE_HOME/imr-engine``, else ``~/.cache/imr-engine``) under a key that hashes everything the
result depends on: every rule file's path and bytes, this engine's version and the source of its
modules, the pydantic and Python versions, and the ``IMR_*`` limits in the environment. Any
change gives another key, so a stale entry is never read; old entries are left behind (small files;
delete the directory at any time).

The entry is a pickle. Pickle runs code when read, so only files this module wrote are read: the
directory is created private (0700), an entry is written to a temporary file and renamed into place,
and it starts with a SHA-256 of the rest, checked before unpickling. Anything unexpected (a missing,
truncated, corrupted or unreadable entry, a directory that cannot be written) falls back to loading
the rule files, silently. ``IMR_NO_CACHE=1`` turns the cache off.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Callable, Sequence, TypeVar

from engine import __version__

T = TypeVar("T")
_FORMAT = b"imr-rulebook-cache-1\n"


def cache_dir() -> Path:
    explicit = os.environ.get("IMR_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "imr-engine"


def _engine_digest() -> bytes:
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent.parent  # engine/
    for path in sorted(here.rglob("*.py")) + sorted((here / "data").glob("*")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.digest()


def key(files: Sequence[Path]) -> str:
    """The cache key of a rulebook read from ``files`` (raises OSError when one cannot be read)."""
    # The entry holds pydantic models (the rules in the engine-neutral form), so pydantic's versions
    # are part of the key; durable_rules never sees the entry (the rules are compiled for it at every
    # run), so its version is not (looking it up was 2 ms of every start).
    import pydantic
    import pydantic_core

    h = hashlib.sha256()
    h.update(_FORMAT + __version__.encode() + b"\0" + pydantic.VERSION.encode() + b"\0"
             + pydantic_core.__version__.encode() + b"\0" + sys.version.encode() + b"\0")
    h.update(_engine_digest())
    for name in sorted(n for n in os.environ if n.startswith("IMR_") and n not in ("IMR_CACHE_DIR", "IMR_NO_CACHE")):
        h.update(f"{name}={os.environ[name]}\0".encode())
    for path in files:
        h.update(str(path.resolve()).encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"<not a file>")
        h.update(b"\0")
    return h.hexdigest()


def cached(files: Sequence[Path], build: Callable[[], tuple[T, bool]]) -> T:
    """``build()``'s value, from the cache when an entry for ``files`` exists.

    ``build`` returns the value and whether it may be kept (a rulebook with problems is not).
    """
    if os.environ.get("IMR_NO_CACHE"):
        return build()[0]
    try:
        entry = cache_dir() / f"rulebook-{key(files)}.pickle"
    except OSError:
        return build()[0]
    value = _read(entry)
    if value is not None:
        return value
    value, keep = build()
    if keep:
        _write(entry, value)
    return value


def _read(entry: Path):  # noqa: ANN202 - whatever was written
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    head = len(_FORMAT)
    digest, payload = data[head:head + 32], data[head + 32:]
    if data[:head] != _FORMAT or hashlib.sha256(payload).digest() != digest:
        return None
    try:
        return pickle.loads(payload)
    except Exception:  # noqa: BLE001 - an entry of an older engine or a damaged one: load the files
        return None


def _write(entry: Path, value: object) -> None:
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".rulebook-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_FORMAT + hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, entry)
        except BaseException:
            os.unlink(tmp)
            raise
    except Exception:  # noqa: BLE001 - no cache (read-only home, full disk): the next run loads again
        return
