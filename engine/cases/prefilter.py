"""Regular expressions that answer "no match" without running on a text that cannot match.

The letter extractor asks a few hundred patterns about every sentence, and nearly every answer is
no. Python's ``re`` finds no literal prefix to skip ahead by in a pattern that opens with ``\\b`` or
is case-insensitive, so each of those questions costs a full scan. A pattern compiled here first
reads, once, off its syntax tree, the literal words one of which every match must contain ("request",
" ur " for ``\\bUR\\b``), and a text that holds none of them is answered by a few substring tests.
The answer is always the pattern's own: the test only rules out texts in which no match can exist,
and a text it cannot judge (one with characters outside ASCII, where case folding is wider than
``str.lower``) goes to the pattern directly.
"""
from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Iterable, Iterator

from re import _constants as C  # the syntax tree of a pattern (the same module ``re`` compiles with)
from re import _parser

# ASCII text normalised for the tests: lower case, every character that is not a word character a
# space, and a space at each end, so that a word boundary is a space ("\\bUR\\b" needs b" ur ").
_TABLE = bytes(c + 32 if 65 <= c <= 90 else (c if chr(c).isascii() and (chr(c).isalnum() or c == 95) else 32)
               for c in range(256))
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_WORD_CLASSES = {C.CATEGORY_WORD, C.CATEGORY_UNI_WORD}
_NOT_WORD_CLASSES = {C.CATEGORY_SPACE, C.CATEGORY_UNI_SPACE, C.CATEGORY_NOT_WORD, C.CATEGORY_UNI_NOT_WORD}
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT))
_HEAD = 4  # a word that a needle only begins is looked up by its first letters
Needles = frozenset[bytes]


class Profile:
    """What the tests look up in one text: its normalised bytes, its words and their beginnings."""

    __slots__ = ("normal", "words", "heads")

    def __init__(self, text: str):
        self.normal = b" " + text.encode("ascii").translate(_TABLE) + b" "
        self.words = frozenset(self.normal.split())
        self.heads = frozenset(w[:_HEAD] for w in self.words)


@lru_cache(maxsize=4096)
def profile(text: str) -> Profile:
    """The profile of an ASCII text (the same sentence is asked about by many patterns)."""
    return Profile(text)


class Gate:
    """The words one of which a text must hold: whole words, word beginnings, or (for a needle
    that is neither) a substring of the normalised text."""

    __slots__ = ("words", "heads", "pieces")

    def __init__(self, found: Needles):
        keys = [_key(n) for n in found]
        self.words = frozenset(k for kind, k in keys if kind == "word")
        self.heads = frozenset(k for kind, k in keys if kind == "head")
        self.pieces = tuple(sorted(k for kind, k in keys if kind == "piece"))

    def admits(self, text: str) -> bool:
        """False only when no match can exist in ``text``."""
        if not text.isascii():
            return True
        p = profile(text)
        if not self.words.isdisjoint(p.words) or not self.heads.isdisjoint(p.heads):
            return True
        for piece in self.pieces:
            if piece in p.normal:
                return True
        return False


def _key(needle: bytes) -> tuple[str, bytes]:
    """How to look a needle up: by its longest whole word, else by the beginning of the word it
    ends with, else as a piece of text."""
    parts = needle.split(b" ")
    whole = [w for w in parts[1:-1] if w]  # each between two spaces of the needle
    if whole:
        return "word", max(whole, key=len)
    if len(parts) > 1 and len(parts[-1]) >= _HEAD:
        return "head", parts[-1][:_HEAD]
    return "piece", needle


class _Open:
    """The gate of a pattern without known words: every text goes to the pattern."""

    __slots__ = ()

    def admits(self, text: str) -> bool:
        return True


_OPEN = _Open()

# Texts a pattern is asked of before its gate is built. Reading a pattern's words costs about as much
# as compiling it (16 ms for the drug names), which `imr check` of a case file pays to look up a few
# medication names; a gate pays off only over many texts (a letter's sentences).
_UNGATED_USES = 16


class _Pending:
    """The gate of a pattern asked of few texts so far: every text goes to the pattern (as the real
    gate would let through every text with a match), and the real gate is built at the
    ``_UNGATED_USES``-th text."""

    __slots__ = ("owner", "left")

    def __init__(self, owner: Prefiltered):
        self.owner = owner
        self.left = _UNGATED_USES

    def admits(self, text: str) -> bool:
        self.left -= 1
        if self.left <= 0:
            self.owner._build_gate()
        return True


class Prefiltered:
    """A pattern with the same search/match/fullmatch/finditer, skipping texts it cannot match.

    It is compiled on first use and its words read after a few uses: modules define a few hundred
    patterns, and a command that reads no letter (``imr check`` of a case file) should not pay for
    them at start."""

    __slots__ = ("pattern", "flags", "_regex", "_gate")

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern = pattern
        self.flags = flags
        self._regex: re.Pattern[str] | None = None
        self._gate: Gate | _Open | _Pending = _OPEN

    def _load(self) -> re.Pattern[str]:
        regex = re.compile(self.pattern, self.flags)
        self._gate = _Pending(self)
        self._regex = regex
        return regex

    def _build_gate(self) -> "Gate | _Open":
        # A pattern anchored at the start is tried at one place only: cheaper than reading the words.
        tree = _tree(self.regex)
        found = None if tree is None or _anchored(tree, self.regex.flags) else _sequence(_data(tree), left=False, right=False)
        self._gate = Gate(found) if found else _OPEN
        return self._gate

    @property
    def regex(self) -> re.Pattern[str]:
        return self._regex or self._load()

    @property
    def gate(self) -> "Gate | _Open":
        if self._regex is None:
            self._load()
        gate = self._gate
        return gate if not isinstance(gate, _Pending) else self._build_gate()

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        regex = self._regex or self._load()
        return regex.search(text, pos, endpos) if self._gate.admits(text) else None

    # A match is tried at one place only, which costs less than reading the text's words (a line, a
    # window, or the whole body with a start offset): match and fullmatch go to the pattern directly.
    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return (self._regex or self._load()).match(text, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return (self._regex or self._load()).fullmatch(text, pos, endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        regex = self._regex or self._load()
        return regex.finditer(text, pos, endpos) if self._gate.admits(text) else iter(())

    def __repr__(self) -> str:
        return f"Prefiltered({self.pattern!r})"


class Group:
    """Patterns asked in turn about the same text: which of them can match it, by one look-up of
    the text's words in an index of all their gates, instead of one gate test per pattern."""

    __slots__ = ("patterns", "_index")

    def __init__(self, patterns: Iterable[Prefiltered]):
        self.patterns = tuple(patterns)
        self._index: tuple | None = None

    def _build(self) -> tuple:
        by_word: dict[bytes, list[int]] = {}
        by_head: dict[bytes, list[int]] = {}
        pieces: list[tuple[bytes, int]] = []
        always: list[int] = []
        for i, pattern in enumerate(self.patterns):
            gate = pattern.gate
            if not isinstance(gate, Gate):
                always.append(i)
                continue
            for word in gate.words:
                by_word.setdefault(word, []).append(i)
            for head in gate.heads:
                by_head.setdefault(head, []).append(i)
            pieces.extend((piece, i) for piece in gate.pieces)
        self._index = (by_word, frozenset(by_word), by_head, frozenset(by_head), tuple(pieces),
                       frozenset(always), tuple(range(len(self.patterns))))
        return self._index

    def admitted(self, text: str) -> tuple[int, ...]:
        """Positions, in order, of the patterns whose gate admits ``text`` (the same answers as
        each pattern's own test)."""
        by_word, words, by_head, heads, pieces, always, every = self._index or self._build()
        if not text.isascii():
            return every
        p = profile(text)
        hits = set(always)
        for word in words.intersection(p.words):
            hits.update(by_word[word])
        for head in heads.intersection(p.heads):
            hits.update(by_head[head])
        for piece, i in pieces:
            if i not in hits and piece in p.normal:
                hits.add(i)
        return tuple(sorted(hits))

    def finditer(self, text: str) -> Iterator[tuple[int, re.Match[str]]]:
        """(position, match) for each pattern in order and each of its matches in ``text``."""
        patterns = self.patterns
        for i in self.admitted(text):
            for m in patterns[i].regex.finditer(text):
                yield i, m

    def search(self, text: str) -> Iterator[tuple[int, re.Match[str]]]:
        """(position, first match) for each pattern in order that matches ``text``."""
        patterns = self.patterns
        for i in self.admitted(text):
            m = patterns[i].regex.search(text)
            if m:
                yield i, m


def compile(pattern: str, flags: int = 0) -> Prefiltered:  # noqa: A001 - stands for re.compile
    """``re.compile(pattern, flags)``, answering no at once on a text without the words a match needs
    (compiled on first use)."""
    return Prefiltered(pattern, flags)


def _tree(regex: re.Pattern[str]) -> "_parser.SubPattern | None":
    try:
        return _parser.parse(regex.pattern, regex.flags)
    except Exception:  # noqa: BLE001 - a tree this module cannot read: no filter, never a wrong answer
        return None


def needles(regex: re.Pattern[str]) -> Needles | None:
    """Byte strings of which every match's normalised text contains one; None when none is known."""
    tree = _tree(regex)
    return None if tree is None else _sequence(_data(tree), left=False, right=False)


def anchored(regex: re.Pattern[str]) -> bool:
    """Whether every match starts at the beginning of the text (``^`` without MULTILINE, ``\\A``)."""
    tree = _tree(regex)
    return tree is not None and _anchored(tree, regex.flags)


def _anchored(tree: "_parser.SubPattern", flags: int) -> bool:
    if not len(tree):
        return False
    op, av = tree[0]
    return op is C.AT and (av is C.AT_BEGINNING_STRING or (av is C.AT_BEGINNING and not flags & re.M))


def _bounded(op: object, av: object, ahead: bool) -> bool:
    """Whether this item says the character on its side is not a word character (``\\b`` or a
    look-around that refuses ``\\w``) — for a literal that starts (or ends) with a word character."""
    if op is C.AT:
        return av in (C.AT_BOUNDARY, C.AT_UNI_BOUNDARY)
    if op in _REPEATS and av[0] >= 1 and len(av[2]) == 1:  # type: ignore[index]
        op, av = av[2][0]  # type: ignore[index]  # "\\s+": at least one, each not a word character
    if op is C.IN:
        # (a character outside ASCII may fold to a letter: "\u212a" matches "k" ignoring case)
        return all(kind is C.CATEGORY and value in _NOT_WORD_CLASSES
                   or kind is C.LITERAL and value < 128 and chr(value) not in _WORD_CHARS
                   for kind, value in av)  # type: ignore[union-attr]
    if op is C.ASSERT_NOT:
        direction, sub = av  # type: ignore[misc]
        if (direction == 1) != ahead or len(sub) != 1 or sub[0][0] is not C.IN:
            return False
        members = sub[0][1]
        return (all(kind is not C.NEGATE for kind, _ in members)
                and any(kind is C.CATEGORY and value in _WORD_CLASSES for kind, value in members))
    return False


def _needle(chars: list[str], left: bool, right: bool) -> bytes:
    raw = "".join(chars).lower().encode("ascii")
    body = raw.translate(_TABLE)
    return (b" " if left and raw[0] in _WORD else b"") + body + (b" " if right and raw[-1] in _WORD else b"")


def _best(options: list[Needles]) -> Needles | None:
    # The most selective: looked up by words rather than pieces, the longest shortest key, the fewest.
    def selectivity(option: Needles) -> tuple[bool, int, int]:
        keys = [_key(n) for n in option]
        return (all(kind != "piece" for kind, _ in keys), min(len(k) for _, k in keys), -len(option))
    return max(options, key=selectivity, default=None)


def _data(sub: object) -> list:
    # A SubPattern's own list: iterating a SubPattern calls its Python __getitem__ for every item.
    return sub.data if isinstance(sub, _parser.SubPattern) else list(sub)  # type: ignore[attr-defined]


def _sequence(items: list, left: bool, right: bool) -> frozenset[bytes] | None:
    """Needles for a sequence of items, every one of which is in every match. ``left``/``right``:
    the character before (after) the sequence is known not to be a word character."""
    options: list[frozenset[bytes]] = []
    run: list[str] = []
    run_left = left
    n = len(items)
    # Whether the neighbours bound an item is asked only where it is used: at the ends of a run of
    # literals and around a group (a gate is built at a pattern's first uses, in every process).
    for i, (op, av) in enumerate(items):
        if op is C.LITERAL and av < 128:
            if not run:
                run_left = _bounded(*items[i - 1], ahead=False) if i else left
            run.append(chr(av))
            following = items[i + 1] if i + 1 < n else None
            if following is None or following[0] is not C.LITERAL or following[1] >= 128:
                run_right = _bounded(*following, ahead=True) if following is not None else right
                options.append(frozenset({_needle(run, run_left, run_right)}))
                run = []
            continue
        run = []
        sub: frozenset[bytes] | None = None
        if op is C.SUBPATTERN or op is C.ATOMIC_GROUP or op is C.BRANCH:
            before_bounded = _bounded(*items[i - 1], ahead=False) if i else left
            after_bounded = _bounded(*items[i + 1], ahead=True) if i + 1 < n else right
            if op is C.SUBPATTERN:
                sub = _sequence(_data(av[-1]), before_bounded, after_bounded)
            elif op is C.ATOMIC_GROUP:
                sub = _sequence(_data(av), before_bounded, after_bounded)
            else:
                alternatives: list[frozenset[bytes]] = []
                for alt in av[1]:
                    found = _sequence(_data(alt), before_bounded, after_bounded)
                    if not found:  # an alternative without needles: the branch has none
                        alternatives = []
                        break
                    alternatives.append(found)
                if alternatives:
                    sub = frozenset().union(*alternatives)
        elif op in _REPEATS and av[0] >= 1:
            sub = _sequence(_data(av[2]), False, False)
        if sub:
            options.append(sub)
    return _best(options)
