"""The fuzz phase: Schemathesis from the contract, with live sessions and the kit's own checks."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from schemathesis.engine import StopReason, events, from_schema

from conformance.checks import RESPONSE_CHECKS, Failure
from conformance.errors import TargetUnreachable
from conformance.http import ApiClient, Exchange
from conformance.results import FuzzResult, Outcome, RunResult
from conformance.target import Target
from storefront_kit.contract import Contract

# Kit checks that Schemathesis's built-ins already make (`status_code_conformance`,
# `response_schema_conformance`) are left out to report each problem once.
_FUZZ_CHECKS = ("error_envelope_shape", "status_matches_code", "error_code_documented_for_operation",
                "retry_after_on_throttle", "session_id_format", "redirect_link_carries_session")
# Checks that also apply to answers for methods the path does not have (Schemathesis probes them).
_ANY_METHOD_CHECKS = ("error_envelope_shape", "status_matches_code")
# Operations that would spoil a shared logged-in session (log it out, delete its account), and
# operations that log a session into another account: each case of these gets its own session.
_OWN_ACCOUNT = frozenset({"logout", "deleteAccount"})
_OWN_SESSION = frozenset({"register", "login", "autologin", "createSession"})
# Repeated transport errors mean the target is gone, not that it broke the contract.
_MAX_TRANSPORT_ERRORS = 3
_TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError)

# Schemathesis's default for positive_data_acceptance, to which 400 is added where a setting
# may refuse schema-valid input.
_ACCEPTED: list[int | str] = ["2xx", "3xx", 401, 403, 404, 409, 429, "5xx"]

# The run in progress. A plain module global, not a ContextVar: Schemathesis runs checks in its
# own worker threads, which do not inherit the caller's context.
_ACTIVE: list[_FuzzState] = []


@dataclass(slots=True)
class _FuzzState:
    contract: Contract
    labels: dict[str, str]
    account_sessions: list[tuple[str, str, str]] = field(default_factory=list)


def _settings_refusals(contract: Contract) -> list[str]:
    """Operations that may refuse schema-valid input with 400: those documenting a code the
    catalog marks `settingsDependent` (e.g. `missingPasswordAuth`)."""
    dependent = {code for code, entry in contract.catalog.items() if entry.settings_dependent}
    return [op.operation_id for op in contract.operations.values()
            if op.codes_by_status.get(400, frozenset()) & dependent]


def _label_map(contract: Contract) -> dict[str, str]:
    return {f"{op.method.upper()} {op.path}": op.operation_id for op in contract.operations.values()}


def _exchange(case: Any, response: Any, operation_id: str | None) -> Exchange:
    request = response.request
    body = request.body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    headers = {key: value for key, value in request.headers.items()
               if key.lower() in ("content-type", "x-session", "x-forwarded-for")}
    return Exchange(
        method=str(request.method),
        url=str(request.url),
        request_headers=headers,
        request_body=text,
        status=int(response.status_code),
        response_headers={key: (value[0] if isinstance(value, list) else value)
                          for key, value in response.headers.items()},
        response_body=response.content.decode("utf-8", "replace") if response.content else "",
        elapsed=float(getattr(response, "elapsed", 0.0) or 0.0),
        operation_id=operation_id,
    )


def _register_checks() -> None:
    """Make the kit's response checks Schemathesis checks; they act only during a kit run."""
    if getattr(_register_checks, "done", False):
        return
    for kit_check in RESPONSE_CHECKS:
        if kit_check.__name__ not in _FUZZ_CHECKS:
            continue

        def wrapper(ctx: Any, response: Any, case: Any, _check: Any = kit_check) -> bool | None:
            if not _ACTIVE:
                return None
            state = _ACTIVE[-1]
            operation_id = state.labels.get(case.operation.label)
            if operation_id is None:
                return None
            exchange = _exchange(case, response, operation_id)
            if exchange.method.upper() != state.contract.operation(operation_id).method.upper() and \
                    _check.__name__ not in _ANY_METHOD_CHECKS:
                return None  # a probe with a method the path does not have (405): not this operation's answer
            try:
                _check(state.contract, operation_id, exchange)
            except Failure as failure:
                raise AssertionError(failure.message) from None
            return None

        wrapper.__name__ = wrapper.__qualname__ = kit_check.__name__
        wrapper.__doc__ = kit_check.__doc__
        schemathesis.check(wrapper)
    _register_checks.done = True  # type: ignore[attr-defined]


class _Sessions:
    """Live sessions for generated cases: a shared logged-in one, or a fresh one per case."""

    def __init__(self, client: ApiClient, target: Target, contract: Contract, seed: int, run_id: str) -> None:
        self.client = client
        self.target = target
        self.contract = contract
        self.tag = f"{seed}-{run_id}"
        self.counter = itertools.count(1)
        self.addresses = itertools.count(1)
        self.accounts: list[tuple[str, str]] = []
        self.shared: str | None = None
        self.spare: tuple[str, str, str] | None = None
        own_account = set(_OWN_ACCOUNT)
        if not target.setting("passwordChange.requirePasswordAuth"):
            own_account.add("changePassword")  # a generated password would lock the shared account out
        self.own_account = frozenset(own_account)

    def address(self) -> str | None:
        if not self.target.client_address_header:
            return None
        number = next(self.addresses)
        return f"198.19.{200 + number // 250 % 50}.{number % 250 + 1}"

    def anonymous(self) -> str:
        exchange = self.client.call("createSession", client_address=self.address())
        body = exchange.json() or {}
        return str(body.get("id", ""))

    def logged_in(self) -> str:
        """A new session logged into a new throwaway account."""
        session = self.anonymous()
        email = f"sfk-{self.tag}-fuzz-{next(self.counter)}@{self.target.email_domain}"
        password = f"Fuzz-{next(self.counter):06d}-Pw1"
        exchange = self.client.call("register", session=session, client_address=self.address(),
                                    body={"email": email, "password": password})
        if exchange.status == 200:
            self.accounts.append((email, password))
            self.spare = (email, password, session)
        return session

    def reusable(self) -> str:
        """A logged-in session that the previous case may have logged out or deleted: checked, and
        logged in again or replaced (a login costs less than a registration)."""
        if self.spare is not None:
            email, password, session = self.spare
            state = self.client.call("getAccount", session=session, client_address=self.address()).json() or {}
            if state.get("loggedIn"):
                return session
            login = self.client.call("login", session=session, client_address=self.address(),
                                     body={"id": email, "password": password})
            if login.status == 200:
                return session
        return self.logged_in()

    def for_operation(self, operation_id: str) -> str | None:
        op = self.contract.operations.get(operation_id)
        if op is None or not op.requires_session:
            return None
        if operation_id in _OWN_SESSION:
            return self.anonymous()
        if operation_id in self.own_account:
            return self.reusable()
        if self.shared is None:
            self.shared = self.logged_in()
            self.spare = None
        return self.shared


def run_fuzz(
    contract: Contract,
    target: Target,
    client: ApiClient,
    result: RunResult,
    *,
    seed: int,
    max_examples: int,
    operations: Sequence[str],
    listener: Any,
    run_id: str,
) -> None:
    """Run Schemathesis against the target and fold what it finds into `result`."""
    _register_checks()
    labels = _label_map(contract)
    state = _FuzzState(contract, labels)
    sessions = _Sessions(client, target, contract, seed, run_id)
    config = schemathesis.Config.from_dict({
        "seed": seed,
        "workers": 1,
        "base-url": client.base_url,
        "request-timeout": target.request_timeout,
        "color": False,
        "generation": {"database": "none", "max-examples": max_examples, "no-shrink": True},
        "warnings": False,
        # Per-operation settings. Operations left out are disabled here: `schema.include()` is
        # ignored by Schemathesis once the configuration has per-operation entries.
        "operations": [
            {"include-operation-id": operation_id,
             "checks": {"positive_data_acceptance": {"expected-statuses": _ACCEPTED + [400]}}}
            for operation_id in _settings_refusals(contract) if operation_id in operations
        ] + [
            {"include-operation-id": operation_id, "enabled": False}
            for operation_id in contract.operations if operation_id not in operations
        ],
    })
    schema: Any = schemathesis.openapi.from_path(str(contract.path), config=config)

    header = target.client_address_header

    @schema.auth(refresh_interval=None, retry_on=[])
    class _SessionAuth:
        def get(self, case: Any, ctx: Any) -> str | None:
            return sessions.for_operation(labels.get(case.operation.label, ""))

        def set(self, case: Any, data: str | None, ctx: Any) -> None:
            case.headers = case.headers or {}
            if data:
                case.headers["x-session"] = data
            address = sessions.address()
            if header and address:
                case.headers[header] = address

    fuzzed = {operation_id: FuzzResult(operation_id) for operation_id in operations}
    result.fuzz.extend(fuzzed.values())
    listener.phase_started("fuzz", list(operations))
    _ACTIVE.append(state)
    transport_errors = 0
    started = time.monotonic()
    seen: set[tuple[str, str, str]] = set()
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.NonFatalError):
                name = type(event.value).__name__
                if isinstance(event.value, TargetUnreachable) or name == "ServerUnavailable":
                    raise TargetUnreachable(f"fuzz phase: {str(event.value).splitlines()[0]}")
                if isinstance(event.value, _TRANSPORT_ERRORS) or "Connection" in name or "Timeout" in name:
                    transport_errors += 1
                    if transport_errors >= _MAX_TRANSPORT_ERRORS:
                        raise TargetUnreachable(f"fuzz phase: {event.label}: {event.value}")
                else:
                    result.notes.append(f"fuzz: {event.label}: {type(event.value).__name__}: {event.value}")
            elif isinstance(event, events.FatalError):
                raise TargetUnreachable(f"fuzz phase stopped: {event.exception}")
            elif isinstance(event, events.EngineFinished) and event.stop_reason == StopReason.SERVER_UNAVAILABLE:
                raise TargetUnreachable("fuzz phase: the target stopped responding")
            elif isinstance(event, events.ScenarioFinished):
                _fold(event, labels, fuzzed, seen, sessions)
                listener.item_started("fuzz", f"{event.phase.name.lower()}: {event.recorder.label}")
    finally:
        _ACTIVE.remove(state)
        elapsed = time.monotonic() - started
        for item in fuzzed.values():
            item.duration = elapsed / max(1, len(fuzzed))
        _cleanup(client, sessions)
    for item in fuzzed.values():
        if item.failures:
            item.outcome = Outcome.FAILED
            result.record_operation(item.operation_id, Outcome.FAILED, item.failures[0].message)
        elif item.cases:
            item.outcome = Outcome.PASSED
            if item.successes:
                result.record_operation(item.operation_id, Outcome.PASSED)
        else:
            item.reason = "Schemathesis generated no case for it"
        detail = item.failures[0].message if item.failures else f"{item.cases} cases"
        listener.item_finished("fuzz", item.operation_id, item.outcome, detail)
    listener.phase_finished("fuzz")


def _fold(event: events.ScenarioFinished, labels: dict[str, str], fuzzed: dict[str, FuzzResult],
          seen: set[tuple[str, str, str]], sessions: _Sessions) -> None:
    recorder = event.recorder
    for case_id, node in recorder.cases.items():
        operation_id = labels.get(node.value.operation.label)
        if operation_id not in fuzzed:
            continue
        fuzzed[operation_id].cases += 1
        interaction = recorder.interactions.get(case_id)
        response = interaction.response if interaction is not None else None
        if response is not None and 200 <= response.status_code < 300:
            fuzzed[operation_id].successes += 1
            body = node.value.body
            if operation_id == "register" and isinstance(body, dict):
                # Generated registrations are removed after the phase, like the kit's own accounts.
                sessions.accounts.append((str(body.get("email")), str(body.get("password"))))
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None or check.status.name != "FAILURE":
                continue
            found = recorder.cases.get(case_id)
            operation_id = labels.get(found.value.operation.label) if found else None
            if operation_id not in fuzzed:
                continue
            failure = check.failure_info.failure
            key = (operation_id, check.name, failure.title)
            if key in seen:
                continue  # one report per rule, operation and kind of problem
            seen.add(key)
            exchanges = []
            interaction = recorder.interactions.get(case_id)
            if interaction is not None and interaction.response is not None:
                exchanges.append(_recorded_exchange(interaction, operation_id))
            message = f"{operation_id}: {failure.title}"
            if failure.message:
                message += f" - {failure.message.strip()}"
            message += f" (fuzz {event.phase.name.lower()} phase; reproduce: {check.failure_info.code_sample})"
            fuzzed[operation_id].failures.append(Failure(check.name, message, operation_id=operation_id,
                                                         exchanges=exchanges))


def _recorded_exchange(interaction: Any, operation_id: str) -> Exchange:
    request, response = interaction.request, interaction.response
    body = request.body
    if isinstance(body, bytes):
        text: str | None = body.decode("utf-8", "replace")
    else:
        text = body
    headers = {key: (value[0] if isinstance(value, list) else str(value)) for key, value in request.headers.items()
               if key.lower() in ("content-type", "x-session", "x-forwarded-for")}
    return Exchange(
        method=request.method,
        url=request.uri,
        request_headers=headers,
        request_body=text,
        status=response.status_code,
        response_headers={key: (value[0] if isinstance(value, list) else str(value))
                          for key, value in response.headers.items()},
        response_body=_text(response),
        operation_id=operation_id,
    )


def _text(response: Any) -> str:
    content = getattr(response, "content", None)
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    body = getattr(response, "body", None)
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return json.dumps(body) if body is not None else ""


def _cleanup(client: ApiClient, sessions: _Sessions) -> None:
    """Delete the accounts the fuzz phase registered for its sessions (best effort)."""
    for email, password in sessions.accounts:
        try:
            session = sessions.anonymous()
            login = client.call("login", session=session, client_address=sessions.address(),
                                body={"id": email, "password": password})
            if login.status == 200:
                client.call("deleteAccount", session=session, body={}, client_address=sessions.address())
        except TargetUnreachable:
            return
