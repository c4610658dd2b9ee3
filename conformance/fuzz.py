"""The fuzz phase: Schemathesis from the contract, with live credentials and the kit's own checks."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import requests
import schemathesis
from schemathesis.checks import CHECKS
from schemathesis.engine import StopReason, events, from_schema

from conformance import deserializers
from conformance.cassette import Cassette
from conformance.checks import RESPONSE_CHECKS, Check, Failure
from conformance.errors import NotCovered, TargetUnreachable
from conformance.http import (
    ApiClient,
    Credential,
    Exchange,
    error_codes_of,
    mask,
    read_answer,
    shown_headers,
    with_headers,
)
from conformance.profile import FuzzAuth, KitProfile
from conformance.results import FuzzResult, Outcome, RunResult
from conformance.target import Target
from storefront_kit.contract import Contract

# Kit checks that Schemathesis's built-ins already make (`status_code_conformance`,
# `response_schema_conformance`) are left out to report each problem once.
_FUZZ_CHECKS = (
    "error_body_shape",
    "status_matches_code",
    "error_code_documented_for_operation",
    "error_body_of_a_documented_code",
    "retry_after_on_throttle",
)
# Checks that also apply to answers for methods the path does not have (Schemathesis probes them).
_ANY_METHOD_CHECKS = ("error_body_shape", "status_matches_code")
# Repeated transport errors mean the target is gone, not that it broke the contract.
_MAX_TRANSPORT_ERRORS = 3
# Schemathesis' notes that say nothing about the backend: a contract without links has no stateful phase.
_QUIET_ERRORS = frozenset({"NoLinksFound"})
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
    checks: frozenset[str]  # the names of the checks this run makes
    shown: frozenset[str]  # request headers an exchange shows
    secrets: tuple[str, ...] = ()  # values shown masked


def _settings_refusals(contract: Contract) -> list[str]:
    """Operations that may refuse schema-valid input with 400: those documenting a code the
    catalog marks `settingsDependent` (e.g. `missingPasswordAuth`)."""
    dependent = {code for code, entry in contract.catalog.items() if entry.settings_dependent}
    return [
        op.operation_id for op in contract.operations.values() if op.codes_by_status.get(400, frozenset()) & dependent
    ]


def _deletes_keep_resources(contract: Contract) -> bool:
    """True when a DELETE answers its resource (200 with a body): it empties the resource (a cart)
    instead of removing it, so Schemathesis' `use_after_free` would take the still-there resource for
    a bug."""
    for op in contract.operations.values():
        if op.method == "delete":
            ok = contract.operation_spec(op.operation_id)["responses"].get("200", {})
            if ok.get("content"):
                return True
    return False


def _credential_header_names(contract: Contract) -> frozenset[str]:
    """The request headers a credential of the contract travels in (lower case): `Authorization` for
    HTTP and OAuth schemes, an API key's header."""
    names = set()
    for scheme in contract.security_schemes().values():
        if scheme["type"] == "apiKey":
            if scheme["in"] == "header":
                names.add(scheme["name"].lower())
        else:
            names.add("authorization")
    return frozenset(names)


def carried_by_cookie_header(cookies: dict[str, Any] | None) -> bool:
    """True when every generated cookie value reaches the backend as generated.

    A `Cookie` header separates its pairs with `;` and servers strip the blanks around a value, so a
    value with a `;` or an outer blank arrives as another, shorter one (`SessionId=a;bbb...` is
    `SessionId=a`): a case generated to break the cookie's schema would then be taken for one that
    the backend wrongly accepted.
    """
    return all(
        not isinstance(value, str) or (";" not in value and value == value.strip())
        for value in (cookies or {}).values()
    )


def _label_map(contract: Contract) -> dict[str, str]:
    return {f"{op.method.upper()} {op.path}": op.operation_id for op in contract.operations.values()}


def _exchange(state: _FuzzState, response: Any, operation_id: str | None) -> Exchange:
    request = response.request
    body = request.body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    headers = {key: mask(value, state.secrets) for key, value in request.headers.items() if key.lower() in state.shown}
    status = int(response.status_code)
    answer, problem = read_answer(
        state.contract, operation_id, status, _content_type(response), response.content or b""
    )
    return Exchange(
        method=str(request.method),
        url=mask(str(request.url), state.secrets),
        request_headers=headers,
        request_body=mask(text, state.secrets) if text else text,
        status=int(response.status_code),
        response_headers={
            key: (value[0] if isinstance(value, list) else value) for key, value in response.headers.items()
        },
        response_body=response.content.decode("utf-8", "replace") if response.content else "",
        elapsed=float(getattr(response, "elapsed", 0.0) or 0.0),
        operation_id=operation_id,
        error_codes=error_codes_of(state.contract, operation_id, status, answer),
        answer=answer,
        answer_problem=problem,
    )


# Schemathesis reads its checks from one registry per process. The kit's are there only while a
# kit run is: registered when the first run starts, taken out when the last one ends (`_LENDS`
# counts the runs in progress that use each), so a host process's own Schemathesis runs and
# registry stay as they were.
_LENDS: dict[str, int] = {}
_LENDS_LOCK = threading.Lock()


@contextlib.contextmanager
def _checks_registered(checks: Sequence[Check]) -> Iterator[None]:
    """The kit's response checks as Schemathesis checks for the time of a run."""
    names = [kit_check.__name__ for kit_check in checks]
    with _LENDS_LOCK:
        for kit_check in checks:
            if not _LENDS.get(kit_check.__name__):
                schemathesis.check(_as_schemathesis_check(kit_check))
            _LENDS[kit_check.__name__] = _LENDS.get(kit_check.__name__, 0) + 1
    try:
        yield
    finally:
        with _LENDS_LOCK:
            for name in names:
                _LENDS[name] -= 1
                if not _LENDS[name]:
                    del _LENDS[name]
                    CHECKS.unregister(name)


def _as_schemathesis_check(kit_check: Check) -> Any:
    """A kit check as a Schemathesis check; it acts only during a kit run that makes it."""

    def wrapper(ctx: Any, response: Any, case: Any, _check: Any = kit_check) -> bool | None:
        if not _ACTIVE:
            return None
        state = _ACTIVE[-1]
        operation_id = state.labels.get(case.operation.label)
        if operation_id is None or _check.__name__ not in state.checks:
            return None
        exchange = _exchange(state, response, operation_id)
        if (
            exchange.method.upper() != state.contract.operation(operation_id).method.upper()
            and _check.__name__ not in _ANY_METHOD_CHECKS
        ):
            return None  # a probe with a method the path does not have (405): not this operation's answer
        try:
            _check(state.contract, operation_id, exchange)
        except Failure as failure:
            raise AssertionError(failure.message) from None
        return None

    wrapper.__name__ = wrapper.__qualname__ = kit_check.__name__
    wrapper.__doc__ = kit_check.__doc__
    return wrapper


def run_fuzz(
    contract: Contract,
    profile: KitProfile,
    target: Target,
    client: ApiClient,
    result: RunResult,
    *,
    seed: int,
    max_examples: int,
    operations: Sequence[str],
    listener: Any,
    run_id: str,
    app: Any = None,
    max_failures: int | None = None,
) -> bool:
    """Run Schemathesis against the target and fold what it finds into `result`; `app`: an ASGI app in-process.
    With `max_failures`, Schemathesis stops after that many failures; answers whether it did."""
    checks = [check for check in RESPONSE_CHECKS if check.__name__ in _FUZZ_CHECKS]
    checks += [check for check in profile.checks if check.__name__ in profile.fuzz_checks]
    kit_names = {check.__name__ for check in (*RESPONSE_CHECKS, *profile.checks)}
    checks = [check for check in checks if check.__name__ not in result.checks_off]
    schemathesis_off = sorted(name for name in result.checks_off if name not in kit_names)
    with _checks_registered(checks), deserializers.registered():
        return _fuzz(
            contract,
            profile,
            target,
            client,
            result,
            checks,
            seed=seed,
            max_examples=max_examples,
            operations=operations,
            listener=listener,
            run_id=run_id,
            app=app,
            max_failures=max_failures,
            schemathesis_off=schemathesis_off,
        )


def _fuzz(
    contract: Contract,
    profile: KitProfile,
    target: Target,
    client: ApiClient,
    result: RunResult,
    checks: Sequence[Check],
    *,
    seed: int,
    max_examples: int,
    operations: Sequence[str],
    listener: Any,
    run_id: str,
    app: Any,
    max_failures: int | None,
    schemathesis_off: Sequence[str],
) -> bool:
    labels = _label_map(contract)
    extra_headers = [header for header in (target.client_address_header, *target.headers) if header]
    state = _FuzzState(
        contract,
        labels,
        frozenset(check.__name__ for check in checks),
        shown_headers(contract, extra_headers),
        target.secrets,
    )
    auth = profile.fuzz_auth(client, target, seed, run_id)
    credential_headers = _credential_header_names(contract)
    plain = {name: value for name, value in target.headers.items() if name.lower() not in credential_headers}
    contested = {name: value for name, value in target.headers.items() if name.lower() in credential_headers}
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "workers": 1,
            "base-url": client.base_url,
            "request-timeout": target.request_timeout,
            "color": False,
            "generation": {"database": "none", "max-examples": max_examples, "no-shrink": True},
            "warnings": False,
            # The target's own headers (a gateway key, Basic auth) go with every generated case; one a
            # credential of the contract may use is added by `_KitAuth` only where the case sends none.
            "headers": plain,
            # Reproductions carry the test sessions, tokens and passwords as sent, so that they can be pasted;
            # the kit itself masks the target's own secrets (its headers, the values it marks).
            "output": {"sanitization": {"enabled": False}},
            **({"max-failures": max_failures} if max_failures is not None else {}),
            "checks": {
                "use_after_free": {"enabled": not _deletes_keep_resources(contract)},
                **{name: {"enabled": False} for name in schemathesis_off},
            },
            # Per-operation settings. Operations left out are disabled here: `schema.include()` is
            # ignored by Schemathesis once the configuration has per-operation entries.
            "operations": [
                {
                    "include-operation-id": operation_id,
                    "checks": {"positive_data_acceptance": {"expected-statuses": _ACCEPTED + [400]}},
                }
                for operation_id in _settings_refusals(contract)
                if operation_id in operations
            ]
            + [
                {"include-operation-id": operation_id, "enabled": False}
                for operation_id in contract.operations
                if operation_id not in operations
            ],
        }
    )
    schema: Any = schemathesis.openapi.from_path(str(contract.path), config=config)
    if app is not None:
        schema.app = app

    def filter_cookies(ctx: Any, cookies: dict[str, Any] | None) -> bool:
        return carried_by_cookie_header(cookies)

    schema.hook(filter_cookies)  # for this run's schema only

    header = target.client_address_header
    addresses = _Addresses()
    # Operations whose credential needs an operation the backend does not have (left out of --operation): why.
    blocked: dict[str, str] = {}

    @schema.auth(refresh_interval=None, retry_on=[])
    class _KitAuth:
        def get(self, case: Any, ctx: Any) -> Any:
            operation_id = labels.get(case.operation.label, "")
            try:
                found = auth.for_operation(operation_id)
            except NotCovered as exc:
                blocked.setdefault(operation_id, str(exc))
                raise
            # No credential of its own: the configured header of that name goes with the case (`set`).
            return Credential() if found is None and contested else found

        def set(self, case: Any, data: Any, ctx: Any) -> None:
            # Schemathesis applies the auth to each case it generates: the vendor may send another body.
            body = auth.body_for(labels.get(case.operation.label, ""), case.body)
            if body is not case.body:
                case.body = body
            case.headers = case.headers or {}
            if data is not None:
                case.headers.update(data.headers)
                if data.query:
                    case.query = {**(case.query or {}), **data.query}
            if header:
                case.headers[header] = addresses.next()
            if contested:
                case.headers = with_headers(case.headers, contested)

    fuzzed = {operation_id: FuzzResult(operation_id) for operation_id in operations}
    result.fuzz.extend(fuzzed.values())
    listener.phase_started("fuzz", list(operations))
    _ACTIVE.append(state)
    transport_errors = 0
    stopped = False
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
                elif isinstance(event.value, NotCovered) or event.label in _blocked_labels(blocked, labels):
                    continue  # a case that could not get its credential: its operation is not covered
                elif name not in _QUIET_ERRORS:
                    result.notes.append(f"fuzz: {event.label}: {type(event.value).__name__}: {event.value}")
            elif isinstance(event, events.FatalError):
                raise TargetUnreachable(f"fuzz phase stopped: {event.exception}")
            elif isinstance(event, events.EngineFinished) and event.stop_reason == StopReason.SERVER_UNAVAILABLE:
                raise TargetUnreachable("fuzz phase: the target stopped responding")
            elif isinstance(event, events.EngineFinished) and event.stop_reason == StopReason.FAILURE_LIMIT:
                stopped = True
            elif isinstance(event, events.ScenarioFinished):
                _fold(event, state, fuzzed, seen, auth)
                if client.cassette is not None:
                    _record(client.cassette, event, labels)
                listener.item_started("fuzz", f"{event.phase.name.lower()}: {event.recorder.label}")
    finally:
        _ACTIVE.remove(state)
        elapsed = time.monotonic() - started
        for item in fuzzed.values():
            item.duration = elapsed / max(1, len(fuzzed))
        try:
            result.notes += [f"fuzz cleanup: {note}" for note in auth.cleanup()]
        except NotCovered as exc:
            result.notes.append(f"fuzz cleanup: stopped: it {exc}")
        except TargetUnreachable:
            result.notes.append(
                "fuzz cleanup: the target became unreachable; what the phase changed on it may not be undone"
            )
    for item in fuzzed.values():
        if item.failures:
            item.outcome = Outcome.FAILED
            result.record_operation(item.operation_id, Outcome.FAILED, item.failures[0].message)
        elif item.cases:
            item.outcome = Outcome.PASSED
            if item.successes:
                result.record_operation(item.operation_id, Outcome.PASSED)
        elif item.operation_id in blocked:
            item.reason = blocked[item.operation_id]
            result.record_operation(item.operation_id, Outcome.NOT_COVERED, item.reason)
        else:
            item.reason = "Schemathesis generated no case for it"
        detail = item.failures[0].message if item.failures else f"{item.cases} cases"
        listener.item_finished("fuzz", item.operation_id, item.outcome, detail)
    listener.phase_finished("fuzz")
    return stopped


def _fold(
    event: events.ScenarioFinished,
    state: _FuzzState,
    fuzzed: dict[str, FuzzResult],
    seen: set[tuple[str, str, str]],
    auth: FuzzAuth,
) -> None:
    labels = state.labels
    recorder = event.recorder
    for case_id, node in recorder.cases.items():
        operation_id = labels.get(node.value.operation.label)
        if operation_id not in fuzzed:
            continue
        fuzzed[operation_id].cases += 1
        interaction = recorder.interactions.get(case_id)
        response = interaction.response if interaction is not None else None
        if response is None:
            continue
        if 200 <= response.status_code < 300:
            fuzzed[operation_id].successes += 1
        auth.generated(operation_id, node.value.body, response.status_code)
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
                exchanges.append(_recorded_exchange(state, interaction, operation_id))
            message = f"{operation_id}: {failure.title}"
            if failure.message:
                message += f" - {failure.message.strip()}"
            message += f" (fuzz {event.phase.name.lower()} phase; reproduce: {check.failure_info.code_sample})"
            message = mask(message, state.secrets)
            fuzzed[operation_id].failures.append(
                Failure(check.name, message, operation_id=operation_id, exchanges=exchanges)
            )


def _record(cassette: Cassette, event: events.ScenarioFinished, labels: dict[str, str]) -> None:
    """Every generated request of a Schemathesis scenario and its answer, into the run's cassette."""
    recorder = event.recorder
    for case_id, interaction in recorder.interactions.items():
        response = interaction.response
        if response is None:
            continue
        node = recorder.cases.get(case_id)
        checks = [
            {
                "name": check.name,
                "status": check.status.name,
                "message": check.failure_info.failure.title if check.failure_info else None,
            }
            for check in recorder.checks.get(case_id, ())
        ]
        request = interaction.request
        cassette.record(
            method=request.method,
            uri=request.uri,
            request_headers=_pairs(request.headers),
            request_body=request.body,
            status=response.status_code,
            response_headers=_pairs(response.headers),
            response_body=response.content,
            elapsed=float(response.elapsed or 0.0),
            operation_id=labels.get(node.value.operation.label) if node is not None else None,
            phase=f"fuzz: {event.phase.name.lower()}",
            checks=checks,
        )


def _pairs(headers: Any) -> list[tuple[str, str]]:
    """Schemathesis' headers (a name to a list of values, or to one value) as (name, value) pairs."""
    return [
        (str(name), str(value))
        for name, values in headers.items()
        for value in (values if isinstance(values, list) else [values])
    ]


def _recorded_exchange(state: _FuzzState, interaction: Any, operation_id: str) -> Exchange:
    request, response = interaction.request, interaction.response
    body = request.body
    if isinstance(body, bytes):
        text: str | None = body.decode("utf-8", "replace")
    else:
        text = body
    headers = {
        key: mask(value[0] if isinstance(value, list) else str(value), state.secrets)
        for key, value in request.headers.items()
        if key.lower() in state.shown
    }
    return Exchange(
        method=request.method,
        url=mask(request.uri, state.secrets),
        request_headers=headers,
        request_body=mask(text, state.secrets) if text else text,
        status=response.status_code,
        response_headers={
            key: (value[0] if isinstance(value, list) else str(value)) for key, value in response.headers.items()
        },
        response_body=_text(response),
        operation_id=operation_id,
    )


def _content_type(response: Any) -> str | None:
    """A Schemathesis response's Content-Type (its headers map lower-case names to lists)."""
    for key, value in response.headers.items():
        if key.lower() == "content-type":
            return str(value[0] if isinstance(value, list) else value)
    return None


def _text(response: Any) -> str:
    content = getattr(response, "content", None)
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    body = getattr(response, "body", None)
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return json.dumps(body) if body is not None else ""


def _blocked_labels(blocked: dict[str, str], labels: dict[str, str]) -> set[str]:
    """The Schemathesis labels (`GET /path`) of the blocked operations."""
    return {label for label, operation_id in labels.items() if operation_id in blocked}


class _Addresses:
    """A client address per generated request, so that no throttle of the target counts them together."""

    def __init__(self) -> None:
        self._count = 0

    def next(self) -> str:
        self._count += 1
        return f"198.19.{200 + self._count // 250 % 50}.{self._count % 250 + 1}"
