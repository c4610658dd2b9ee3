"""Checks: small named functions that raise a `Failure` naming the rule the target broke.

The response checks in `RESPONSE_CHECKS` apply to any answer of any operation; scenarios and the
fuzz phase both run them. Scenario-specific rules (state kept, tokens single use ...) raise
`Failure` directly with their own rule names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openapi_schema_validator import OAS30Validator

from conformance.http import Exchange
from storefront_kit.contract import Contract


class Failure(Exception):
    """The target broke a rule of the contract; `rule` names it."""

    def __init__(
        self,
        rule: str,
        message: str,
        *,
        operation_id: str | None = None,
        code: str | None = None,
        exchanges: Iterable[Exchange] = (),
    ) -> None:
        super().__init__(f"[{rule}] {message}")
        self.rule = rule
        self.message = message
        self.operation_id = operation_id
        self.code = code
        self.exchanges = tuple(exchanges)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "message": self.message,
            "operation": self.operation_id,
            "code": self.code,
            "exchanges": [exchange.render() for exchange in self.exchanges],
        }


Check = Callable[[Contract, str, Exchange], None]
CHECKS: dict[str, Check] = {}


def check(function: Check) -> Check:
    """Register a response check under its function name (the rule it asserts)."""
    CHECKS[function.__name__] = function
    return function


def _fail(rule: str, message: str, operation_id: str, exchange: Exchange, code: str | None = None) -> Failure:
    return Failure(rule, message, operation_id=operation_id, code=code, exchanges=[exchange])


_VALIDATORS: dict[tuple[int, str, int], OAS30Validator | None] = {}


def response_validator(contract: Contract, operation_id: str, status: int) -> OAS30Validator | None:
    """A validator for the documented body of this status, `None` when none is documented."""
    key = (id(contract), operation_id, status)
    if key not in _VALIDATORS:
        response = contract.operation_spec(operation_id)["responses"].get(str(status))
        schema = (response or {}).get("content", {}).get("application/json", {}).get("schema")
        _VALIDATORS[key] = (
            OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER) if schema else None
        )
    return _VALIDATORS[key]


def _envelope_validator(contract: Contract) -> OAS30Validator:
    # Built once per contract: the envelope check runs on every error answer the kit sees.
    key = (id(contract), "ErrorEnvelope", 0)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = OAS30Validator(contract.resolved["components"]["schemas"]["ErrorEnvelope"])
    validator = _VALIDATORS[key]
    assert validator is not None
    return validator


def _errors(validator: OAS30Validator, body: Any) -> list[str]:
    """What is wrong with a parsed body (None: the answer was not JSON), the first five problems."""
    if body is None:
        return ["the body is not JSON"]
    found = sorted(validator.iter_errors(body), key=lambda error: list(error.absolute_path))
    return [f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}" for error in found[:5]]


def documented_statuses(contract: Contract, operation_id: str) -> set[int]:
    return {int(status) for status in contract.operation_spec(operation_id)["responses"] if str(status).isdigit()}


@check
def status_documented_for_operation(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """Every status the operation answers is one of its documented responses."""
    statuses = documented_statuses(contract, operation_id)
    if exchange.status not in statuses:
        raise _fail(
            "status_documented_for_operation",
            f"{operation_id} answered HTTP {exchange.status}, which the contract does not document for it "
            f"(documented: {', '.join(map(str, sorted(statuses)))})",
            operation_id,
            exchange,
            exchange.error_code,
        )


@check
def error_envelope_shape(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """Every error answer is the JSON envelope `{"error": {"code", "message", "field"?}}`."""
    if exchange.status < 400:
        return
    content_type = (exchange.header("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise _fail(
            "error_envelope_shape",
            f"{operation_id} answered HTTP {exchange.status} as {content_type or 'no content type'}, "
            "not application/json",
            operation_id,
            exchange,
        )
    problems = _errors(_envelope_validator(contract), exchange.json())
    if problems:
        raise _fail(
            "error_envelope_shape",
            f"{operation_id} answered HTTP {exchange.status} with a body that is not the error envelope: "
            + "; ".join(problems),
            operation_id,
            exchange,
        )


@check
def status_matches_code(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """An error code is answered with the status the contract's catalog gives it."""
    code = exchange.error_code
    if exchange.status < 400 or code is None or code not in contract.catalog:
        return
    expected = contract.catalog[code].status
    if expected != exchange.status:
        raise _fail(
            "status_matches_code",
            f"{operation_id} answered {code} with HTTP {exchange.status}; the contract gives {code} HTTP {expected}",
            operation_id,
            exchange,
            code,
        )


@check
def error_code_documented_for_operation(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """An error code is one the operation documents for the answered status."""
    code = exchange.error_code
    if exchange.status < 400 or code is None:
        return
    if exchange.status not in documented_statuses(contract, operation_id):
        return  # an undocumented status is `status_documented_for_operation`'s finding
    documented = contract.operation(operation_id).codes_by_status.get(exchange.status, frozenset())
    if code not in documented:
        raise _fail(
            "error_code_documented_for_operation",
            f"{operation_id} answered HTTP {exchange.status} {code}; documented for this status: "
            f"{', '.join(sorted(documented)) or 'none'}",
            operation_id,
            exchange,
            code,
        )


@check
def retry_after_on_throttle(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """A 429 answer says in `Retry-After` how many seconds the block lasts."""
    if exchange.status != 429:
        return
    value = exchange.header("retry-after")
    if value is None or not value.strip().isdigit() or int(value) < 1:
        raise _fail(
            "retry_after_on_throttle",
            f"{operation_id} answered HTTP 429 without a Retry-After of whole seconds (got {value!r})",
            operation_id,
            exchange,
            exchange.error_code,
        )


@check
def session_id_format(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """A new session's id has the documented form (64 lowercase hex characters)."""
    if operation_id != "createSession" or exchange.status != 200:
        return
    pattern = contract.resolved["components"]["schemas"]["Session"]["properties"]["id"]["pattern"]
    body = exchange.json()
    session_id = body.get("id") if isinstance(body, dict) else None
    if not isinstance(session_id, str) or not re.fullmatch(pattern, session_id):
        raise _fail(
            "session_id_format",
            f"createSession answered the id {session_id!r}, which does not match {pattern}",
            operation_id,
            exchange,
        )


@check
def redirect_link_carries_session(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """A redirect link is absolute and hands the session over in `sessionKey`."""
    if operation_id != "prepareRedirect" or exchange.status != 200:
        return
    body = exchange.json()
    link = body.get("storeFrontLink") if isinstance(body, dict) else None
    parts = urlsplit(link) if isinstance(link, str) else None
    if parts is None or not parts.scheme or not parts.netloc:
        raise _fail("redirect_link_carries_session", f"storeFrontLink {link!r} is not an absolute URL",
                    operation_id, exchange)
    keys = parse_qs(parts.query).get("sessionKey", [])
    if not keys or not keys[0]:
        raise _fail(
            "redirect_link_carries_session",
            f"storeFrontLink {link!r} carries no sessionKey query parameter",
            operation_id,
            exchange,
        )
    session = next((value for key, value in exchange.request_headers.items() if key.lower() == "x-session"), None)
    if session and isinstance(link, str) and session in link:
        raise _fail(
            "redirect_link_carries_session",
            "storeFrontLink contains the session id itself; the contract hands over an opaque sessionKey so "
            "that the id never appears in a URL",
            operation_id,
            exchange,
        )


# Last, so that the specific rules above name a problem before the generic schema check does.
@check
def response_matches_schema(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """A success answer's body matches the documented schema."""
    if not 200 <= exchange.status < 300:
        return
    validator = response_validator(contract, operation_id, exchange.status)
    if validator is None:
        return
    problems = _errors(validator, exchange.json())
    if problems:
        raise _fail(
            "response_matches_schema",
            f"{operation_id} answered HTTP {exchange.status} with a body that breaks its schema: "
            + "; ".join(problems),
            operation_id,
            exchange,
        )


RESPONSE_CHECKS: tuple[Check, ...] = tuple(CHECKS.values())


def failures_of(contract: Contract, operation_id: str, exchange: Exchange) -> Iterator[Failure]:
    """Every response check the exchange breaks, in registry order."""
    for function in RESPONSE_CHECKS:
        try:
            function(contract, operation_id, exchange)
        except Failure as failure:
            yield failure


def check_response(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """Raise the first failure of the response checks."""
    for failure in failures_of(contract, operation_id, exchange):
        raise failure
