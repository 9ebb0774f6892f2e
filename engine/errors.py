"""The one error type that reaches the user: a bad input, said in one line."""
from __future__ import annotations


class InputError(Exception):
    """Bad input: names the file, where in it (line, field path) and what was expected.

    ``str(err)`` is the whole one-line message the CLI prints; no traceback ever reaches the user.
    """

    def __init__(self, source: str, message: str, *, line: int | None = None, where: str | None = None):
        self.source = source
        self.line = line
        self.where = where
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.source}:{self.line}" if self.line else self.source
        parts = [head]
        if self.where:
            parts.append(self.where)
        parts.append(self.message)
        return ": ".join(parts).replace("\n", " ")


class EvaluationError(Exception):
    """The rule engine failed while evaluating (e.g. an action raised); never swallowed."""


class UnsupportedPython(RuntimeError):
    """The interpreter cannot run durable_rules."""
