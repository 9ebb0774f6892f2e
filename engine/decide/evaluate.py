"""The durable_rules host: one evaluation per request, every matching rule collected.

durable_rules keeps per-session state in its C engine (1,024 live sessions per ruleset at most) and
starts timer threads with every Host, so there is one host per process, one fresh session id per
evaluation, and the session is always deleted. Facts are asserted (not posted) so that every matching
rule fires. The host runs the actions itself (``_Host.dispatch``); an exception inside an action,
which durable_rules would store in the session state where it vanishes, is kept in the evaluation's
``Firing`` and raised once the assertion returns.

Derived facts are asserted by derivation rules from inside their actions (forward chaining). A
derived fact that no rule concluded is then asserted as unknown (value null), name by name in
dependency order, so that rules about "not documented or unknown" can match it.
"""
from __future__ import annotations

import copy
import itertools
import json
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from engine.rules.compile import (
    ANCHOR,
    CASE_KIND,
    DERIVED_KIND,
    RULE_SEPARATOR,
    compile_rules,
    durable_fact,
    referenced_paths,
    ruleset_name,
)
from engine.errors import EvaluationError, UnsupportedPython
from engine.rules.ir import RuleSet, leaves
from engine.rules.semantics import derivation_order as _derivation_order

if sys.version_info >= (3, 13) or sys.version_info < (3, 11):  # pragma: no cover - checked in CI matrix
    raise UnsupportedPython(
        f"Python {sys.version_info.major}.{sys.version_info.minor} is not supported: durable-rules 2.0.28 "
        "builds and runs on CPython 3.11 and 3.12 only (it fails to import on 3.13). "
        "Install with python3.11 or python3.12."
    )

import durable_rules_engine as _durable_c  # noqa: E402
from durable import engine as durable_engine  # noqa: E402  (after the version gate on purpose)


@dataclass
class Firing:
    """What one evaluation concluded: the rules that fired and the derived facts."""

    fired: list[str] = field(default_factory=list)  # rule ids, in firing order, each once
    derived: dict[str, str | None] = field(default_factory=dict)
    error: str | None = None  # the first exception raised inside an action of this evaluation


class _Host(durable_engine.Host):
    """Resolves every action name to a recorder; derivation actions also assert their fact."""

    def __init__(self) -> None:
        super().__init__()
        self._sessions: dict[str, Firing] = {}
        self._derivations: dict[str, tuple[str, str]] = {}
        self._registered: dict[str, list[str]] = {}
        self._actions_of: dict[str, dict[str, str]] = {}  # ruleset -> durable rule name -> its action
        # Compiling to find the name costs more than evaluating: remember it per rule-set list.
        # The rule sets themselves are kept so that their ids cannot be reused by new objects.
        self._known: dict[tuple[int, ...], tuple[str, list[str], list[str], Sequence[RuleSet]]] = {}
        self._asserted: dict[tuple[int, ...], frozenset[str]] = {}

    def _run(self) -> None:
        """Start no background threads.

        durable_rules' Host starts two timer threads that call into the C engine every 0.1-0.2 s
        (queued-message and timer dispatch, neither of which this engine uses). The C engine is not
        thread-safe: a dispatch racing a ``delete_state`` on the main thread aborted the process in
        our test runs. Without the threads every engine call comes from the caller's thread.
        """

    def get_action(self, action_name: str):  # noqa: ANN201 - durable_rules' callback protocol
        """The action durable_rules' own dispatch runs (``stock``); ``dispatch`` runs the same record."""
        rule_id = action_name
        if rule_id == ANCHOR:
            return lambda c: None

        def action(c: Any) -> None:
            self._act(rule_id, c.s.sid, lambda fact: c.assert_fact(fact))

        return action

    def _act(self, rule_id: str, sid: str, assert_fact: Callable[[dict[str, Any]], Any]) -> None:
        firing = self._sessions[sid]
        try:
            self._record(rule_id, sid, firing, assert_fact)
        except BaseException as e:  # noqa: BLE001 - kept and raised once the assertion returns
            # durable_rules would store it in the session state, to be read back as JSON after
            # every assertion; keeping it here costs nothing when no action fails.
            if firing.error is None:
                firing.error = str(e) or type(e).__name__

    def _record(self, rule_id: str, sid: str, firing: Firing, assert_fact: Callable[[dict[str, Any]], Any]) -> None:
        if rule_id not in firing.fired:
            firing.fired.append(rule_id)
        derive = self._derivations.get(rule_id)
        if derive is None:
            return
        name, value = derive
        if name in firing.derived:
            if firing.derived[name] != value:
                raise EvaluationError(
                    f"derived fact {name} concluded as both {firing.derived[name]} and {value}")
            return
        firing.derived[name] = value
        try:
            assert_fact({"kind": DERIVED_KIND, "id": f"derived:{name}", "sid": sid, "name": name, "value": value})
        except durable_engine.MessageNotHandledException:
            pass  # no rule reads this value of the derived fact

    def dispatch(self, ruleset: str, fact: dict[str, Any], sid: str) -> None:
        """``assert_fact`` and its actions, as ``durable_engine.Host.assert_fact`` runs them, minus
        what no action here needs: the session state parsed into a ``Closure`` and written back
        (``update_state``) after every action. Nothing here reads or changes that state, and no
        compiled pattern can match it (every pattern tests ``kind``), so writing it back unchanged
        matched nothing. The same engine calls in the same order: the same rules fire in the same
        order (``tests/test_evaluate.py`` compares it with ``stock`` on generated cases)."""
        rules = self.get_ruleset(ruleset)
        handle = rules._handle

        def assert_fact(fact: dict[str, Any]) -> Any:
            result = _durable_c.assert_fact(handle, _encode(fact))
            # 1: no rule matched, which durable_rules raises as an exception whose message is the
            # whole fact serialised again; nothing to run then.
            return None if result[0] == 1 else rules._handle_result(result, fact)

        state = assert_fact(fact)
        if state is None:
            return
        messages = _durable_c.start_action_for_state(handle, state)
        if not messages:
            return
        messages = messages[1]
        # Facts asserted from inside an action (derived facts) are only asserted, as durable_rules'
        # Closure.assert_fact does: the actions they enable are run by this loop.
        actions = self._actions_of[ruleset]
        while messages:
            rule_id = actions[_action_name(messages)]
            if rule_id != ANCHOR:
                self._act(rule_id, sid, assert_fact)
            try:
                messages = _durable_c.complete_and_start_action(handle, state)
            except BaseException:
                _durable_c.abandon_action(handle, state)
                raise

    def stock(self, ruleset: str, fact: dict[str, Any], sid: str) -> None:
        """The same assertion through durable_rules' own dispatch (the reference for ``dispatch``)."""
        self.assert_fact(ruleset, fact)

    def ensure(self, rulesets: Sequence[RuleSet]) -> tuple[str, list[str], list[str]]:
        """Register the compiled rules once; return their ruleset name, the paths they read and the
        order in which unconcluded derived facts are defaulted."""
        identity = tuple(id(rs) for rs in rulesets)
        if identity in self._known:
            name, paths, order, _ = self._known[identity]
            return name, paths, order
        definition = compile_rules(rulesets)
        name = ruleset_name(rulesets, definition)
        if name not in self._registered:
            for rs in rulesets:
                for rule in rs.rules:
                    if rule.derive:
                        self._derivations[rule.id] = rule.derive
            # durable_rules deletes 'run' from the dicts it is given: hand it a copy.
            self.register_rulesets({name: copy.deepcopy(definition)})
            self._actions_of[name] = {rule: d["run"] for rule, d in definition.items()}
            self._registered[name] = referenced_paths(rulesets)
        order = _derivation_order(rulesets)
        self._asserted[identity] = frozenset(n for n in order if _null_can_match(rulesets, n))
        self._known[identity] = (name, self._registered[name], order, tuple(rulesets))
        return name, self._registered[name], order

    def asserted(self, rulesets: Sequence[RuleSet]) -> frozenset[str]:
        """The derived names whose unknown value is asserted (after ``ensure``)."""
        return self._asserted[tuple(id(rs) for rs in rulesets)]


# ``json.dumps(fact, ensure_ascii=False)`` as durable_rules' Ruleset.assert_fact writes it, with the
# encoder made once (json.dumps makes one per call when given any option).
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _action_name(messages: str) -> str:
    """The action name of durable_rules' action message ``{"NAME": {...matched facts}}``, read
    without parsing the facts."""
    if messages.startswith('{"'):
        return json.decoder.scanstring(messages, 2)[0]
    return next(iter(json.loads(messages)))


def _null_can_match(rulesets: Sequence[RuleSet], name: str) -> bool:
    """Whether an unknown (null) value of a derived fact can match a pattern of the compiled rules.

    Only then is the unknown value asserted: a null fact that matches nothing fires nothing
    (durable_rules joins facts only through their own patterns, one per derived name), and leaving
    it out saves a round trip through the engine. Equality, membership and ``known: true`` never
    match null; every other comparison is taken to possibly match.
    """
    for rs in rulesets:
        for rule in rs.rules:
            for c in leaves(rule.when):
                if c.derived and c.derived_name == name and not (
                        c.op in ("eq", "in") or (c.op == "known" and c.value is True)):
                    return True
    return False


_host: _Host | None = None
_STOCK = False  # tests: dispatch through durable_rules' own action loop instead
_lock = threading.Lock()
_sids = itertools.count(1)


def host() -> _Host:
    global _host
    if _host is None:
        _host = _Host()
    return _host


def _assert(h: _Host, ruleset: str, fact: dict[str, Any], firing: Firing) -> None:
    try:
        (h.stock if _STOCK else h.dispatch)(ruleset, fact, fact["sid"])
    except durable_engine.MessageNotHandledException:
        pass  # no rule matched this fact: nothing fired, which is not a denial
    except Exception as e:  # the C engine's own errors carry only a code
        raise EvaluationError(f"durable_rules rejected a fact in {ruleset}: {e}") from e
    if firing.error is not None:
        raise EvaluationError(f"rule action failed in {ruleset}: {firing.error}")


def run(rulesets: Sequence[RuleSet], document: dict[str, Any]) -> Firing:
    """Evaluate one fact document against the given rule sets on durable_rules."""
    with _lock:
        h = host()
        name, paths, order = h.ensure(rulesets)
        asserted = h.asserted(rulesets)
        sid = f"e{next(_sids)}"
        firing = Firing()
        h._sessions[sid] = firing
        try:
            _assert(h, name, {"kind": CASE_KIND, "id": "case", "sid": sid, **durable_fact(document, paths)}, firing)
            for derived in order:
                if derived not in firing.derived:
                    firing.derived[derived] = None
                    if derived not in asserted:
                        continue
                    _assert(h, name, {"kind": DERIVED_KIND, "id": f"derived:{derived}", "sid": sid,
                                      "name": derived, "value": None}, firing)
        finally:
            del h._sessions[sid]
            try:
                h.delete_state(name, sid)
            except Exception:  # noqa: BLE001 - a session that never got state has nothing to delete
                pass
        firing.fired = [f.split(RULE_SEPARATOR)[0] for f in firing.fired]
        return firing
