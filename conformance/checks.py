"""Checks: small named functions that raise a `Failure` naming the rule the target broke.

The response checks in `RESPONSE_CHECKS` apply to any answer of any operation of any contract;
scenarios and the fuzz phase both run them, followed by the vendor profile's own checks.
Scenario-specific rules (state kept, tokens single use ...) raise `Failure` directly with their
own rule names.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from openapi_schema_validator import OAS30Validator

from conformance.http import Exchange
from storefront_kit.contract import Contract
from storefront_kit.formats import OPENAPI_FORMAT_CHECKER


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


# Each contract object's validators, built once and dropped with the contract.
_VALIDATORS: weakref.WeakKeyDictionary[Contract, dict[tuple[str, int], OAS30Validator | None]] = (
    weakref.WeakKeyDictionary()
)


def _validators(contract: Contract) -> dict[tuple[str, int], OAS30Validator | None]:
    found = _VALIDATORS.get(contract)
    if found is None:
        found = _VALIDATORS[contract] = {}
    return found


def schema_validator(contract: Contract, schema: Mapping[str, Any]) -> OAS30Validator:
    """A validator of one of the contract's schemas, built once per contract."""
    validators = _validators(contract)
    key = ("schema", id(schema))  # the resolved contract keeps every schema alive, so ids stay unique
    found = validators.get(key)
    if found is None:
        found = validators[key] = OAS30Validator(schema, format_checker=OPENAPI_FORMAT_CHECKER)
    return found


def documented_response(contract: Contract, operation_id: str, status: int) -> dict[str, Any] | None:
    response = contract.operation_spec(operation_id)["responses"].get(str(status))
    return dict(response) if response is not None else None


def response_validator(contract: Contract, operation_id: str, status: int) -> OAS30Validator | None:
    """A validator for the documented body of this status, `None` when none is documented."""
    validators = _validators(contract)
    key = (operation_id, status)
    if key not in validators:
        content = (documented_response(contract, operation_id, status) or {}).get("content", {})
        schema = next(iter(content.values())).get("schema") if content else None
        validators[key] = OAS30Validator(schema, format_checker=OPENAPI_FORMAT_CHECKER) if schema else None
    return validators[key]


def _error_validator(contract: Contract, operation_id: str, status: int) -> OAS30Validator:
    """What an error answer's body must fit: the generic error body where the body carries its code
    (the code itself is another check's), else the documented body of the status."""
    if contract.error_format.code_at is None:
        documented = response_validator(contract, operation_id, status)
        if documented is not None:
            return documented
    # Built once per contract: the shape check runs on every error answer the kit sees.
    validators = _validators(contract)
    key = (contract.error_format.schema, 0)
    if key not in validators:
        validators[key] = OAS30Validator(contract.schema(contract.error_format.schema))
    validator = validators[key]
    assert validator is not None
    return validator


def _body_problems(validator: OAS30Validator, exchange: Exchange) -> list[str]:
    """Why the answer's body is not its schema's document: unreadable as one, or breaking its rules."""
    if exchange.answer_problem:
        return [exchange.answer_problem]
    return _errors(validator, exchange.value())


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
def error_body_shape(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """Every error answer has the contract's error media type and body (`info.x-errors`)."""
    if exchange.status < 400:
        return
    expected = contract.error_format.media_type
    content_type = (exchange.header("content-type") or "").split(";")[0].strip().lower()
    if content_type != expected:
        raise _fail(
            "error_body_shape",
            f"{operation_id} answered HTTP {exchange.status} as {content_type or 'no content type'}, not {expected}",
            operation_id,
            exchange,
        )
    problems = _body_problems(_error_validator(contract, operation_id, exchange.status), exchange)
    if problems:
        raise _fail(
            "error_body_shape",
            f"{operation_id} answered HTTP {exchange.status} with a body that is not the contract's error body: "
            + "; ".join(problems),
            operation_id,
            exchange,
        )


@check
def status_matches_code(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """An error code is answered with the status the contract's catalog gives it."""
    code = exchange.error_code
    if exchange.status < 400 or code is None or code not in contract.catalog or contract.error_format.code_at is None:
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
    if exchange.status < 400 or code is None or contract.error_format.code_at is None:
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
def error_body_of_a_documented_code(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """Where bodies carry no code, an error answer has the body of a code documented for its status."""
    if exchange.status < 400 or contract.error_format.code_at is not None or exchange.error_codes:
        return
    if exchange.status not in documented_statuses(contract, operation_id):
        return  # `status_documented_for_operation`'s finding
    documented = sorted(contract.operation(operation_id).codes_by_status.get(exchange.status, frozenset()))
    raise _fail(
        "error_body_of_a_documented_code",
        f"{operation_id} answered HTTP {exchange.status} with a body that fits none of the codes documented for "
        f"this status ({', '.join(documented) or 'none'})",
        operation_id,
        exchange,
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


# Last, so that the specific rules above name a problem before the generic schema check does.
@check
def response_matches_schema(contract: Contract, operation_id: str, exchange: Exchange) -> None:
    """A success answer's body matches the documented schema; one documented without a body has none."""
    if not 200 <= exchange.status < 300:
        return
    validator = response_validator(contract, operation_id, exchange.status)
    if validator is None:
        documented = documented_response(contract, operation_id, exchange.status)
        if documented is not None and not documented.get("content") and exchange.response_body.strip():
            raise _fail(
                "response_matches_schema",
                f"{operation_id} answered HTTP {exchange.status} with a body; the contract documents none",
                operation_id,
                exchange,
            )
        return
    problems = _body_problems(validator, exchange)
    if problems:
        raise _fail(
            "response_matches_schema",
            f"{operation_id} answered HTTP {exchange.status} with a body that breaks its schema: "
            + "; ".join(problems),
            operation_id,
            exchange,
        )


RESPONSE_CHECKS: tuple[Check, ...] = tuple(CHECKS.values())


def failures_of(
    contract: Contract,
    operation_id: str,
    exchange: Exchange,
    extra: Iterable[Check] = (),
    skip: frozenset[str] = frozenset(),
) -> Iterator[Failure]:
    """Every response check the exchange breaks, in registry order, with `extra` (the vendor's own)
    before the last, generic schema check, so that a specific rule names a problem first; the checks
    named in `skip` are not made."""
    *specific, schema_check = RESPONSE_CHECKS
    for function in (*specific, *extra, schema_check):
        if function.__name__ in skip:
            continue
        try:
            function(contract, operation_id, exchange)
        except Failure as failure:
            yield failure


def check_response(
    contract: Contract,
    operation_id: str,
    exchange: Exchange,
    extra: Iterable[Check] = (),
    skip: frozenset[str] = frozenset(),
) -> None:
    """Raise the first failure of the response checks (but those named in `skip`)."""
    for failure in failures_of(contract, operation_id, exchange, extra, skip):
        raise failure
