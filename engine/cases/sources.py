"""Reading YAML and JSON documents safely, keeping the line of every node for error messages.

Only ``yaml.SafeLoader`` is used: a tag such as ``!!python/object`` is an error, never code.
Duplicate mapping keys are errors too, because YAML would otherwise keep the last one silently.

Every document is bounded before it is built (see ``engine.limits``): the file's size, the nesting,
the number of alias references, the number of nodes once aliases are expanded (a "billion laughs"
file of 300 bytes is refused in milliseconds), the entries of one list or mapping and the digits of
an integer. Each node is visited once, however often it is referenced.

Messages never repeat the text of the input: not a value, not an unknown key, not an anchor name.
A key is named only when it is a name of the format (``register_keys``).
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from engine import limits
from engine.errors import InputError

PathKey = tuple[Any, ...]

# Names of the formats read here (fields of the case file, keys of rule files). Only these are ever
# printed in a field path; any other key shows as <key>.
_KNOWN_KEYS: set[str] = set()
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


def register_keys(names: Iterable[str]) -> None:
    """Declare names of a format that may be printed in field paths."""
    _KNOWN_KEYS.update(names)


def known_key(part: Any) -> bool:
    """A key that may be printed: a name of a format, or a dotted path made of such names."""
    if not isinstance(part, str):
        return False
    if part in _KNOWN_KEYS:
        return True
    pieces = part.replace("]", "").replace("[", ".").split(".")
    return len(pieces) > 1 and all(p.isdigit() or (p in _KNOWN_KEYS and _IDENT.match(p)) for p in pieces)


def show_path(loc: Iterable[Any]) -> str:
    """('requests', 0, 'quantity') -> 'requests[0].quantity'; unknown keys as <key>."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + (str(part) if known_key(part) else "<key>")
    return out or "(document)"


@dataclass
class Document:
    """A parsed document with the line (1-based) where each node starts, keyed by its path."""

    source: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of the deepest node on ``path`` that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def bundled_dir(name: str) -> Path:
    """Bundled data (``rules``, ``cases``): beside the package in a checkout, inside it in a wheel."""
    here = Path(__file__).resolve().parent.parent  # engine/
    for candidate in (here.parent / name, here / "_bundled" / name):
        if candidate.is_dir():
            return candidate
    raise InputError(str(here), f"no bundled {name} directory found (expected {name}/ beside engine/)")


# ------------------------------------------------------------------------------------- reading


def _too_big(size: int, limit: int, variable: str) -> str:
    return (f"file is larger than the {limits.megabytes(limit)} limit "
            f"({limits.megabytes(size) if size > limit else 'more'}; raise it with {variable})")


# A directory reaches a loader only when it holds nothing to read (see engine.run.batch.expand).
_DIRECTORY = ("is a directory with nothing to read in it (case files *.yaml, *.yml, *.json; "
              "letters *.txt, *.pdf)")


def read_bytes(path: str, limit: int, variable: str) -> tuple[str, bytes]:
    """(display name, bytes) of a file, or of standard input for ``-``; at most ``limit`` bytes.

    The size is checked before reading, so a huge file is refused at once.
    """
    if path == "-":
        return "<stdin>", _read_stdin(limit, variable)
    p = Path(path)
    source = str(p)
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise InputError(source, _DIRECTORY)
        if size > limit:
            raise InputError(source, _too_big(size, limit, variable))
        with p.open("rb") as f:
            data = f.read(limit + 1)
    except InputError:
        raise
    except FileNotFoundError:
        if p.is_symlink():
            raise InputError(source, "broken symbolic link (its target does not exist)") from None
        raise InputError(source, "no such file") from None
    except IsADirectoryError:
        raise InputError(source, _DIRECTORY) from None
    except OSError as e:
        raise InputError(source, f"cannot read: {e.strerror or type(e).__name__}") from None
    except ValueError as e:  # e.g. a NUL byte in the path
        raise InputError(source, f"cannot read: {type(e).__name__}") from None
    if len(data) > limit:  # a file that grew, or a device
        raise InputError(source, _too_big(len(data), limit, variable))
    return source, data


def _read_stdin(limit: int, variable: str) -> bytes:
    stream = sys.stdin
    if stream is None:
        raise InputError("<stdin>", "standard input is closed (nothing to read for '-')")
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            data = buffer.read(limit + 1)
        else:  # a text stream (e.g. io.StringIO in tests): encode back to judge it as bytes
            data = stream.read(limit + 1).encode("utf-8", "surrogateescape")
    except (OSError, ValueError) as e:  # ValueError: I/O operation on a closed file
        raise InputError("<stdin>", f"standard input cannot be read ({type(e).__name__})") from None
    if data is None:
        raise InputError("<stdin>", "standard input cannot be read (non-blocking, no data)")
    if len(data) > limit:
        raise InputError("<stdin>", _too_big(len(data), limit, variable))
    return data


_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def decode_utf8(data: bytes, source: str) -> str:
    """The text of UTF-8 bytes (a UTF-8 byte-order mark is allowed), or a one-line error."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise InputError(source, f"{name} text: expected UTF-8 (save the file as UTF-8)")
    if b"\x00" in data:
        raise InputError(source, "contains NUL bytes: expected UTF-8 text (UTF-16 or a binary file?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(source, f"not UTF-8 text (byte {e.start + 1})", line=line) from None


def read_text(path: str) -> tuple[str, str]:
    """Return (display name, text) for a file path, or standard input for ``-``."""
    bounds = limits.current()
    source, data = read_bytes(path, bounds.file_bytes, "IMR_MAX_FILE_MB")
    return source, decode_utf8(data, source)


def parse(text: str, source: str) -> Document:
    """Parse YAML or JSON text (JSON is YAML, but is parsed by json for exact error lines)."""
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        return _parse_json(text, source)
    return _parse_yaml(text, source)


def load(path: str) -> Document:
    source, text = read_text(path)
    return parse(text, source)


# libyaml's loader when PyYAML was built with it: same safe constructors, much faster.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# ---------------------------------------------------------------------------------------- JSON


class _BadNumber(Exception):
    def __init__(self, text: str, message: str):
        self.text = text
        self.message = message


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > limits.MAX_DIGITS:
        raise _BadNumber(text, f"an integer of more than {limits.MAX_DIGITS} digits")
    return int(text)


def _json_constant(name: str) -> Any:
    raise _BadNumber(name, "NaN and Infinity are not JSON numbers")


def _parse_json(text: str, source: str) -> Document:
    try:
        data = json.loads(text, parse_int=_json_int, parse_constant=_json_constant)
    except json.JSONDecodeError as e:
        raise InputError(source, f"invalid JSON: {e.msg} (column {e.colno})", line=e.lineno) from None
    except _BadNumber as e:
        at = text.find(e.text)
        raise InputError(source, e.message, line=text.count("\n", 0, at) + 1 if at >= 0 else None) from None
    except RecursionError:
        raise InputError(source, f"nested more than {limits.MAX_DEPTH} levels deep") from None
    _check_data(data, source)
    # json keeps no positions and tolerates duplicate keys; the YAML composer (JSON is YAML) gives
    # both. Only read when the keys are fewer than the pairs written, or when a line is asked for.
    doc = _LazyLines(source, data, text)
    if text.count(":") and _has_duplicate_keys(data, text):
        doc.compose()
    return doc


def _check_data(data: Any, source: str) -> None:
    """Bound nesting, nodes and entries of parsed JSON (no aliases: a tree), without recursion."""
    bounds = limits.current()
    stack: list[tuple[Any, int]] = [(data, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > limits.MAX_NODES:
            raise InputError(source, f"more than {limits.MAX_NODES:,} values in one document")
        if isinstance(node, (dict, list)):
            if depth > limits.MAX_DEPTH:
                raise InputError(source, f"nested more than {limits.MAX_DEPTH} levels deep")
            if isinstance(node, list) and len(node) > bounds.items:
                raise InputError(source, f"a list of more than {bounds.items:,} entries "
                                 "(raise it with IMR_MAX_ITEMS)")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)


class _LazyLines(Document):
    """A JSON document whose node lines are composed only when first needed."""

    def __init__(self, source: str, data: Any, text: str):
        super().__init__(source, data, {})
        self._text: str | None = text

    def compose(self) -> None:
        if self._text is None:
            return
        text, self._text = self._text, None
        try:
            node = yaml.compose(text, Loader=_SafeLoader)
        except (yaml.YAMLError, RecursionError):
            return
        if node is not None:
            self.lines.update(_index(node, self.source))

    def line_of(self, path: PathKey) -> int | None:
        self.compose()
        return super().line_of(path)


def _has_duplicate_keys(data: Any, text: str) -> bool:
    """Cheap test: json.loads keeps the last of duplicate keys, so pairs in the text outnumber keys."""
    keys = 0
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            keys += len(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    pairs = len(re.findall(r'"(?:[^"\\]|\\.)*"\s*:', text))
    return pairs > keys


# ---------------------------------------------------------------------------------------- YAML


def _scrub(problem: str | None) -> str:
    """A YAML error without the quoted input it may carry (a character, an anchor, a tag)."""
    text = re.sub(r"\s*(?:'[^']*'|\"[^\"]*\"|%[^ ]*)", "", problem or "malformed")
    return " ".join(text.split()) or "malformed"


def _parse_yaml(text: str, source: str) -> Document:
    _check_events(text, source)
    loader = _SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as e:
            raise InputError(source, f"invalid YAML: {_scrub(e.problem)}", line=_mark_line(e)) from None
        except yaml.YAMLError:
            raise InputError(source, "invalid YAML") from None
        if node is None:
            return Document(source, None, {})
        lines = _index(node, source)
        try:
            data = loader.construct_document(node)
        except yaml.constructor.ConstructorError as e:
            if e.problem and "tag" in e.problem:
                message = "unsupported YAML tag: only plain YAML data is accepted"
            else:
                message = f"invalid YAML: {_scrub(e.problem)}"
            raise InputError(source, message, line=_mark_line(e)) from None
        except yaml.MarkedYAMLError as e:
            raise InputError(source, f"invalid YAML: {_scrub(e.problem)}", line=_mark_line(e)) from None
        except (ValueError, OverflowError) as e:
            # PyYAML builds dates itself and lets e.g. "2009-13-45" escape as a bare ValueError,
            # whose words ("month must be in 1..12") name the rule broken, not the value.
            line = _bad_scalar_line(node)
            message = f"invalid date: {e} (expected YYYY-MM-DD)" if line else "invalid value"
            raise InputError(source, message, line=line) from None
        return Document(source, data, lines)
    except RecursionError:
        raise InputError(source, f"nested more than {limits.MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()


def _check_events(text: str, source: str) -> None:
    """Nesting and alias references, from the event stream: before any node is built."""
    depth = aliases = 0
    try:
        for event in yaml.parse(text, Loader=_SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > limits.MAX_DEPTH:
                    raise InputError(source, f"nested more than {limits.MAX_DEPTH} levels deep",
                                     line=event.start_mark.line + 1)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > limits.MAX_ALIASES:
                    raise InputError(source, f"more than {limits.MAX_ALIASES} alias references (*name)",
                                     line=event.start_mark.line + 1)
    except yaml.MarkedYAMLError as e:
        raise InputError(source, f"invalid YAML: {_scrub(e.problem)}", line=_mark_line(e)) from None
    except yaml.YAMLError:
        raise InputError(source, "invalid YAML") from None


def _mark_line(e: yaml.MarkedYAMLError) -> int | None:
    mark = e.problem_mark or e.context_mark
    return mark.line + 1 if mark else None


_INT_TAG = "tag:yaml.org,2002:int"
_KEY = object()  # the path step of a mapping key's own node (never a line of the document)


def _index(root: yaml.Node, source: str) -> dict[PathKey, int]:
    """Line of every node by path, visiting each node once (an alias is not walked again).

    Also bounds the document as it would be once built: the nodes with every alias expanded (counted
    per distinct node, so a bomb is measured without being expanded), the entries of one list or
    mapping, and the digits of an integer. Duplicate keys are errors.
    """
    bounds = limits.current()
    lines: dict[PathKey, int] = {}
    size: dict[int, int] = {}  # id(node) -> nodes once expanded, for nodes finished
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, PathKey, bool]] = [(root, (), False)]
    while stack:
        node, path, done = stack.pop()
        nid = id(node)
        children = _children(node)
        if done:
            total = 1
            for child in children:
                if id(child) not in size:
                    raise InputError(source, "an alias refers to a node that contains it (recursive data)",
                                     line=child.start_mark.line + 1)
                total += size[id(child)]
            if total > limits.MAX_NODES:
                raise InputError(source, f"more than {limits.MAX_NODES:,} values once aliases are expanded",
                                 line=node.start_mark.line + 1)
            size[nid] = total
            continue
        if nid in entered:
            continue  # an alias: walked where it was defined
        entered.add(nid)
        line = node.start_mark.line + 1
        lines.setdefault(path, line)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _INT_TAG and len(node.value.lstrip("+-").replace("_", "")) > limits.MAX_DIGITS:
                raise InputError(source, f"an integer of more than {limits.MAX_DIGITS} digits",
                                 where=show_path(path), line=line)
            size[nid] = 1
            continue
        entries = len(node.value)
        if isinstance(node, yaml.SequenceNode) and entries > bounds.items:
            raise InputError(source, f"more than {bounds.items:,} entries (raise it with IMR_MAX_ITEMS)",
                             where=show_path(path), line=line)
        stack.append((node, path, True))
        pending: list[tuple[yaml.Node, PathKey, bool]] = []
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ("<complex key>", id(key_node))
                key_line = key_node.start_mark.line + 1
                if key in seen:
                    name = f" '{key}'" if known_key(key) else ""
                    raise InputError(source, f"duplicate key{name} (first on line {seen[key]})",
                                     where=show_path(path) if path else None, line=key_line)
                seen[key] = key_line
                pending.append((key_node, path + (_KEY,), False))
                pending.append((value_node, path + (key,), False))
            # A key's line, not its value's: "name:" is where the reader looks.
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    lines.setdefault(path + (key_node.value,), key_node.start_mark.line + 1)
        else:
            pending.extend((child, path + (i,), False) for i, child in enumerate(node.value))
        stack.extend(reversed(pending))
    for key in [k for k in lines if _KEY in k]:
        del lines[key]
    return lines


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _bad_scalar_line(node: yaml.Node | None) -> int | None:
    """The line of the first timestamp-looking scalar that is not a real date."""
    import datetime as dt

    from collections import deque

    stack = deque([node] if node is not None else [])
    seen: set[int] = set()
    while stack:
        n = stack.popleft()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, yaml.ScalarNode) and n.tag.endswith(":timestamp"):
            m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", n.value)
            try:
                if m:
                    dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return n.start_mark.line + 1
        else:
            stack.extend(_children(n))
    return None
