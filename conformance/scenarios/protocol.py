"""Rules every operation shares: sessions, malformed or oversized bodies, media types, schema rules,
storage outages. The operations and codes come from the contract, not from lists in this module."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from typing import Any

from conformance.checks import Failure
from conformance.errors import TargetUnreachable
from conformance.scenarios import scenario
from conformance.scenarios._context import ScenarioContext, example_request, schema_code
from storefront_kit.contract import Contract

_UNKNOWN_PROPERTY = "sfkUnknownProperty"


def _with_code(contract: Contract, code: str, *, body: bool = False) -> dict[str, tuple[str, ...]]:
    return {
        op.operation_id: (code,)
        for op in contract.operations.values()
        if code in op.error_codes and (op.has_body or not body)
    }


def _session_codes(contract: Contract) -> dict[str, tuple[str, ...]]:
    return {op.operation_id: (op.session_error_code,) for op in contract.operations.values()
            if op.session_error_code}


def _storage_codes(contract: Contract) -> dict[str, tuple[str, ...]]:
    return {op.operation_id: tuple(sorted(op.codes_by_status.get(503, ()))) for op in contract.operations.values()
            if op.codes_by_status.get(503)}


def example_call(contract: Contract, operation_id: str) -> dict[str, Any]:
    """Keyword arguments for `ScenarioContext.call` with the contract's example body and query."""
    body, query = example_request(contract, operation_id)
    request: dict[str, Any] = {}
    if body is not None:
        request["body"] = body
    if query:
        request["query"] = query
    return request


@scenario(covers=_session_codes)
def missing_or_unknown_session(ctx: ScenarioContext) -> None:
    """Without an x-session, or with one the backend never issued, every secured operation answers 401."""
    unknown = ctx.hex_token(64)
    for op in ctx.operations():
        code = op.session_error_code
        if code is None:
            continue
        ctx.error(op.operation_id, code, "a request without x-session", rule="session_enforced",
                  **example_call(ctx.contract, op.operation_id))
        ctx.error(op.operation_id, code, "an x-session the backend never issued", rule="session_enforced",
                  session=unknown, **example_call(ctx.contract, op.operation_id))


@scenario(covers=lambda contract: _with_code(contract, "invalidRequest", body=True))
def malformed_json(ctx: ScenarioContext) -> None:
    """A body that is not a JSON document (broken, or whitespace alone) answers 400 invalidRequest."""
    account = ctx.new_account()
    for op in ctx.operations():
        if op.has_body and "invalidRequest" in op.error_codes:
            ctx.error(op.operation_id, "invalidRequest", "a body that is not valid JSON",
                      session=account.session, raw_body=b'{"broken": ', content_type="application/json")
            ctx.error(op.operation_id, "invalidRequest", "a body of whitespace alone",
                      session=account.session, raw_body=b" \t\r\n", content_type="application/json")


@scenario(covers=lambda contract: _with_code(contract, "invalidRequest"))
def missing_query_parameters(ctx: ScenarioContext) -> None:
    """Leaving out a required query parameter answers 400 invalidRequest."""
    account = ctx.new_account()
    for op in ctx.operations():
        _, query = example_request(ctx.contract, op.operation_id)
        if not query or "invalidRequest" not in op.error_codes:
            continue
        for name in query:
            rest = {key: value for key, value in query.items() if key != name}
            ctx.error(op.operation_id, "invalidRequest", f"a request without the required parameter {name!r}",
                      session=account.session, query=rest)


@scenario(covers=lambda contract: _with_code(contract, "unsupportedMediaType"))
def unsupported_media_type(ctx: ScenarioContext) -> None:
    """A body sent as text/plain answers 415 unsupportedMediaType."""
    account = ctx.new_account()
    for op in ctx.operations():
        if "unsupportedMediaType" not in op.error_codes:
            continue
        body = example_call(ctx.contract, op.operation_id).get("body", {})
        ctx.error(op.operation_id, "unsupportedMediaType", "a JSON body sent as text/plain",
                  session=account.session, raw_body=json.dumps(body).encode(), content_type="text/plain")


@scenario(covers=lambda contract: _with_code(contract, "payloadTooLarge"))
def payload_too_large(ctx: ScenarioContext) -> None:
    """A body over the backend's size limit answers 413 payloadTooLarge; one within the contract's
    `maxBodyBytes` is never refused for its size."""
    account = ctx.new_account()
    within = ctx.contract.max_body_bytes - 100
    big_name = {"displayName": "x" * within}  # too long for the schema, not for the size limit
    if "updateDisplayName" in ctx.selected:
        ctx.invalid("updateDisplayName", big_name, f"a {within}-byte display name (within maxBodyBytes)",
                    session=account.session)
    size = ctx.target.oversized_body_bytes
    payload = b'{"padding": "' + b"x" * size + b'"}'
    for op in ctx.operations():
        if "payloadTooLarge" not in op.error_codes:
            continue
        try:
            ctx.error(op.operation_id, "payloadTooLarge", f"a {len(payload)}-byte body",
                      session=account.session, raw_body=payload, content_type="application/json")
        except TargetUnreachable as exc:
            ctx.session()  # still up? then dropping the connection was the answer to the big body
            raise Failure("payload_too_large_answered", f"{op.operation_id} dropped the connection on a "
                          f"{len(payload)}-byte body instead of answering 413 payloadTooLarge ({exc})",
                          operation_id=op.operation_id, code="payloadTooLarge") from None


def _mutations(schema: Mapping[str, Any], body: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Bodies that each break one rule of `schema`: a required property left out, an unknown
    property added, a property of the wrong type."""
    node = body
    for step in path:
        node = node[step]
    if not isinstance(node, dict) or schema.get("type") != "object":
        return
    where = ".".join(path) or "the body"
    for name in schema.get("required", ()):
        if name in node:
            yield f"{where} without its required {name!r}", _replace(body, path, name, None, drop=True)
    if schema.get("additionalProperties") is False:
        yield f"{where} with an unknown property", _replace(body, path, _UNKNOWN_PROPERTY, "x")
    for name, sub in schema.get("properties", {}).items():
        if name not in node:
            continue
        sub = _merged(sub)
        if sub.get("type") == "object":
            yield from _mutations(sub, body, path + (name,))
            wrong: Any = "not-an-object"
        elif sub.get("type") in ("string", None):
            wrong = 12345
        else:
            wrong = "not-a-" + str(sub.get("type"))
        yield f"{where} with {name!r} of the wrong type", _replace(body, path, name, wrong)


def _merged(schema: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
    for part in schema.get("allOf", ()):
        merged.update(part)
    return merged


def _replace(body: Any, path: tuple[str, ...], name: str, value: Any, drop: bool = False) -> Any:
    changed = copy.deepcopy(body)
    node = changed
    for step in path:
        node = node[step]
    if drop:
        node.pop(name, None)
    else:
        node[name] = value
    return changed


def schema_cases(contract: Contract) -> Iterator[tuple[str, str, Any, str]]:
    """(operation, cause, body, code) for every single-rule break of every example body."""
    for op in contract.operations.values():
        schema = contract.request_body_schema(op.operation_id)
        body, _ = example_request(contract, op.operation_id)
        if schema is None or not isinstance(body, dict) or not op.codes_by_status.get(400):
            continue
        for cause, broken in _mutations(schema, body):
            try:
                code = schema_code(contract, op.operation_id, broken)
            except ValueError:
                continue  # breaks more than one rule: no single documented answer
            if code in op.error_codes:
                yield op.operation_id, cause, broken, code


def _schema_codes(contract: Contract) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = {}
    for operation_id, _, _, code in schema_cases(contract):
        found.setdefault(operation_id, set()).add(code)
    return {operation_id: tuple(sorted(codes)) for operation_id, codes in found.items()}


@scenario(covers=_schema_codes)
def schema_rules(ctx: ScenarioContext) -> None:
    """Each broken schema rule answers the code the contract's x-error-code gives it."""
    account = ctx.new_account()
    for operation_id, cause, broken, code in schema_cases(ctx.contract):
        if operation_id not in ctx.selected:
            continue
        _, query = example_request(ctx.contract, operation_id)
        ctx.error(operation_id, code, cause, session=account.session, body=broken, query=query or None)


@scenario(covers={"login": ("payloadTooLarge", "notLoggedIn", "unsupportedMediaType", "invalidRequest",
                            "emailCheckFailed"),
                  "createBackInStock": ("emailCheckFailed",)})
def fault_precedence(ctx: ScenarioContext) -> None:
    """With several faults in one request, the first in the contract's order decides the answer:
    size, session, media type, JSON syntax, schema rules, then the operation's own rules."""
    size = ctx.target.oversized_body_bytes
    huge = b'{"padding": "' + b"x" * size + b'"}'
    rule = "fault_precedence"
    ctx.error("login", "payloadTooLarge", "an oversized body without x-session", rule=rule, raw_body=huge,
              content_type="text/plain")
    ctx.error("login", "notLoggedIn", "no x-session and a text/plain body that is not JSON", rule=rule,
              raw_body=b"{", content_type="text/plain")
    session = ctx.session()
    ctx.error("login", "unsupportedMediaType", "a text/plain body that is not JSON", rule=rule, session=session,
              raw_body=b"{", content_type="text/plain")
    ctx.error("login", "invalidRequest", "a body that is not JSON", rule=rule, session=session, raw_body=b"{",
              content_type="application/json")
    ctx.error("login", "emailCheckFailed", "an invalid e-mail address with a wrong password", rule=rule,
              session=session, body={"id": "not-an-email", "password": "Wrong-Password-0"})
    products = ctx.target.products.get("noInventoryState")
    if products and "createBackInStock" in ctx.selected:
        account = ctx.new_account()
        ctx.error("createBackInStock", "emailCheckFailed", "an invalid e-mail address for a product without "
                  "inventory state", rule=rule, session=account.session,
                  body={"email": "not-an-email", "productId": products[0]})


@scenario(covers=_storage_codes, needs=("forcedErrors",))
def storage_unavailable(ctx: ScenarioContext) -> None:
    """With the session storage down (forced per request), every operation answers its 503 codes."""
    account = ctx.new_account()
    header = ctx.target.forced_error_header
    assert header is not None
    for op in ctx.operations():
        for code in sorted(op.codes_by_status.get(503, ())):
            ctx.error(op.operation_id, code, f"the storage outage {code} (forced with {header})",
                      rule="storage_outage_answered", session=account.session, headers={header: code},
                      **example_call(ctx.contract, op.operation_id))
