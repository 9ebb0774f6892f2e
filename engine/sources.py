"""Reading YAML and JSON documents safely, keeping the line of every node for error messages.

Only ``yaml.SafeLoader`` is used: a tag such as ``!!python/object`` is an error, never code.
Duplicate mapping keys are errors too, because YAML would otherwise keep the last one silently.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

PathKey = tuple[Any, ...]


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
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / name, here / "_bundled" / name):
        if candidate.is_dir():
            return candidate
    raise InputError(str(here), f"no bundled {name} directory found (expected {name}/ beside engine/)")


def read_text(path: str) -> tuple[str, str]:
    """Return (display name, text) for a file path, or standard input for ``-``."""
    if path == "-":
        return "<stdin>", sys.stdin.read()
    p = Path(path)
    try:
        return str(p), p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(p), "no such file") from None
    except IsADirectoryError:
        raise InputError(str(p), "is a directory, expected a file") from None
    except UnicodeDecodeError as e:
        raise InputError(str(p), f"not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise InputError(str(p), f"cannot read: {e.strerror}") from None


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


def _parse_json(text: str, source: str) -> Document:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(source, f"invalid JSON: {e.msg} (column {e.colno})", line=e.lineno) from None
    # json keeps no positions and tolerates duplicate keys; the YAML composer (JSON is YAML) gives
    # both. Only read when the keys are fewer than the pairs written, or when a line is asked for.
    doc = _LazyLines(source, data, text)
    if text.count(":") and _has_duplicate_keys(data, text):
        doc.compose()
    return doc


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
        except yaml.YAMLError:
            return
        if node is not None:
            _collect_lines(node, (), self.lines, self.source)

    def line_of(self, path: PathKey) -> int | None:
        self.compose()
        return super().line_of(path)


def _has_duplicate_keys(data: Any, text: str) -> bool:
    """Cheap test: json.loads keeps the last of duplicate keys, so pairs in the text outnumber keys."""
    def count(node: Any) -> int:
        if isinstance(node, dict):
            return len(node) + sum(count(v) for v in node.values())
        if isinstance(node, list):
            return sum(count(v) for v in node)
        return 0

    import re

    pairs = len(re.findall(r'"(?:[^"\\]|\\.)*"\s*:', text))
    return pairs > count(data)


def _parse_yaml(text: str, source: str) -> Document:
    loader = _SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as e:
            raise InputError(source, f"invalid YAML: {e.problem}", line=_mark_line(e)) from None
        except yaml.YAMLError as e:
            raise InputError(source, f"invalid YAML: {e}") from None
        lines: dict[PathKey, int] = {}
        if node is None:
            return Document(source, None, lines)
        _collect_lines(node, (), lines, source)
        try:
            data = loader.construct_document(node)
        except yaml.constructor.ConstructorError as e:
            tag = e.problem.split("tag '")[-1].rstrip("'") if e.problem and "tag '" in e.problem else "?"
            tag = tag.replace("tag:yaml.org,2002:", "!!")
            raise InputError(
                source, f"unsupported YAML tag {tag}: only plain YAML data is accepted", line=_mark_line(e)
            ) from None
        except yaml.MarkedYAMLError as e:
            raise InputError(source, f"invalid YAML: {e.problem}", line=_mark_line(e)) from None
        except ValueError as e:
            # PyYAML builds dates itself and lets e.g. "2009-13-45" escape as a bare ValueError.
            raise InputError(source, f"invalid value: {e} (dates are YYYY-MM-DD)", line=_bad_scalar_line(node)) from None
        return Document(source, data, lines)
    finally:
        loader.dispose()


def _mark_line(e: yaml.MarkedYAMLError) -> int | None:
    mark = e.problem_mark or e.context_mark
    return mark.line + 1 if mark else None


def _collect_lines(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], source: str) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise InputError(
                    source, f"duplicate key '{key}' (first on line {seen[key]})", line=line
                )
            seen[key] = line
            lines[path + (key,)] = line
            _collect_lines(value_node, path + (key,), lines, source)
            lines[path + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _collect_lines(child, path + (i,), lines, source)


def _bad_scalar_line(node: yaml.Node | None) -> int | None:
    """The line of the first timestamp-looking scalar that is not a real date."""
    import datetime as dt
    import re

    stack = [node] if node is not None else []
    while stack:
        n = stack.pop(0)
        if isinstance(n, yaml.ScalarNode) and n.tag.endswith(":timestamp"):
            m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", n.value)
            try:
                if m:
                    dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return n.start_mark.line + 1
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.extend([k, v])
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
    return None
