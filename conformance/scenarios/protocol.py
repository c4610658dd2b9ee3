"""Rules every operation of every contract shares: credentials, malformed or oversized bodies, media
types, schema rules, storage outages. The operations and codes come from the contract (its generic
failures and schemas), the valid requests from the vendor's scenario context."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from typing import Any

from openapi_schema_validator import OAS30Validator

from conformance.checks import Failure
from conformance.errors import TargetUnreachable
from conformance.scenarios import scenario
from conformance.scenarios._context import ScenarioContext, example_request, schema_code
from storefront_kit.codecs import JSON, XML, codec_for, find_codec
from storefront_kit.contract import Contract, Operation

_UNKNOWN_PROPERTY = "sfkUnknownProperty"
_PADDING = "sfkPadding"


def _with_failure(contract: Contract, failure: str, *, body: bool = False) -> dict[str, tuple[str, ...]]:
    """Operations documenting the contract's code for a generic failure (with a body, if `body`)."""
    found: dict[str, tuple[str, ...]] = {}
    for op in contract.operations.values():
        code = contract.generic_code(failure, op)
        if code in op.error_codes and (op.has_body or not body):
            found[op.operation_id] = (code,)
    return found


def _json_body(contract: Contract, op: Operation) -> bool:
    return op.has_body and "application/json" in contract.operation_spec(op.operation_id)["requestBody"]["content"]


def _body_media_type(contract: Contract, op: Operation) -> str | None:
    """The media type the operation's body is sent in (its first), when a codec reads it."""
    if not op.has_body:
        return None
    media_type = str(next(iter(contract.operation_spec(op.operation_id)["requestBody"]["content"])))
    return media_type if find_codec(media_type) else None


# Bodies that are no document of their format, by the format's codec; and documents a parser must
# not expand or follow, for formats that can carry them.
_BROKEN = {
    JSON.media_type: ((b'{"broken": ', "a body that is not valid JSON"), (b" \t\r\n", "a body of whitespace alone")),
    XML.media_type: (
        (b"<ResultSet><unclosed>", "a body that is not well-formed XML"),
        (b" \t\r\n", "a body of whitespace alone"),
    ),
}
_LAUGHS = b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1)) * 10 if n else b"lol") for n in range(10))
_HOSTILE = {
    XML.media_type: (
        (
            b'<?xml version="1.0"?><!DOCTYPE r [' + _LAUGHS + b"]><r>&lol9;</r>",
            "an entity expansion bomb (billion laughs)",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
            "an external entity naming a local file",
        ),
        (b"<r>" * 200 + b"</r>" * 200, "elements nested 200 deep"),
    ),
}


def _failure_cases(contract: Contract, failure: str, samples: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Operations whose body format has samples of `failure` and that document its code."""
    found: dict[str, tuple[str, ...]] = {}
    for op in contract.operations.values():
        media_type = _body_media_type(contract, op)
        code = contract.generic_code(failure, op)
        if media_type and codec_for(media_type).media_type in samples and code in op.error_codes:
            found[op.operation_id] = (code,)
    return found


def _credential_codes(contract: Contract) -> dict[str, tuple[str, ...]]:
    return {
        op.operation_id: (code,)
        for op in contract.operations.values()
        if (code := contract.unauthenticated_code(op)) and code in op.error_codes
    }


def _storage_codes(contract: Contract) -> dict[str, tuple[str, ...]]:
    found = {}
    for op in contract.operations.values():
        codes = {contract.generic_code(failure, op) for failure in ("storageRefused", "storageUnreachable")}
        if codes <= op.error_codes:
            found[op.operation_id] = tuple(sorted(codes))
    return found


def _without(request: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in request.items() if key not in keys}


@scenario(covers=_credential_codes)
def missing_or_unknown_credential(ctx: ScenarioContext) -> None:
    """A credential the backend never issued answers 401 wherever one can be sent; so does a missing required one.

    Operations that also admit anonymous callers answer the unknown credential with 401 too: sending a
    wrong credential is never the same as sending none.
    """
    unknown = ctx.hex_token(64)
    for op in ctx.operations():
        code = ctx.contract.unauthenticated_code(op)
        if code is None or code not in op.error_codes:
            continue
        valid = ctx.request_for(op.operation_id)
        if valid is None:
            continue
        request = _without(valid, "credential")
        if op.secured:
            ctx.error(
                op.operation_id,
                code,
                "a request without its credential",
                rule="credential_enforced",
                credential=None,
                **request,
            )
        ctx.error(
            op.operation_id,
            code,
            "a credential the backend never issued",
            rule="credential_enforced",
            credential=unknown,
            **request,
        )


def _send_samples(ctx: ScenarioContext, failure: str, samples: Mapping[str, Any], rule: str) -> None:
    for operation_id in _failure_cases(ctx.contract, failure, samples):
        op = ctx.contract.operation(operation_id)
        if operation_id not in ctx.selected:
            continue
        code = ctx.contract.generic_code(failure, op)
        media_type = _body_media_type(ctx.contract, op)
        assert media_type is not None
        valid = ctx.request_for(operation_id)
        if valid is None:
            continue
        request = _without(valid, "body")
        for raw, cause in samples[codec_for(media_type).media_type]:
            ctx.error(operation_id, code, cause, rule=rule, raw_body=raw, content_type=media_type, **request)


@scenario(covers=lambda contract: _failure_cases(contract, "malformedBody", _BROKEN))
def malformed_body(ctx: ScenarioContext) -> None:
    """A body that is not a document of its media type (broken, or whitespace alone) answers the contract's code for it."""
    _send_samples(ctx, "malformedBody", _BROKEN, "malformed_body_refused")


@scenario(covers=lambda contract: _failure_cases(contract, "unsafeBody", _HOSTILE))
def hostile_body(ctx: ScenarioContext) -> None:
    """An entity bomb, an external entity or deep nesting is refused with the contract's code, and nothing is expanded."""
    _send_samples(ctx, "unsafeBody", _HOSTILE, "hostile_body_refused")


@scenario(covers=lambda contract: _with_failure(contract, "badRequest"))
def missing_query_parameters(ctx: ScenarioContext) -> None:
    """Leaving out a required query parameter answers the bad-request code."""
    for op in ctx.operations():
        code = ctx.contract.generic_code("badRequest", op)
        _, query = example_request(ctx.contract, op.operation_id)
        if not query or code not in op.error_codes:
            continue
        request = ctx.request_for(op.operation_id)
        if request is None:
            continue
        for name in query:
            rest = {key: value for key, value in request["query"].items() if key != name}
            ctx.error(
                op.operation_id,
                code,
                f"a request without the required parameter {name!r}",
                **{**request, "query": rest},
            )


_PARAMETER_PLACES = ("path", "query", "cookie")


def _broken_parameter_values(contract: Contract) -> Iterator[tuple[str, str, str, str]]:
    """(operation, place, parameter, value) for each path, query or cookie parameter with a rule a
    value can break."""
    for op in contract.operations.values():
        for parameter in contract.operation_spec(op.operation_id).get("parameters", ()):
            if parameter["in"] not in _PARAMETER_PLACES:
                continue
            validator = OAS30Validator(parameter.get("schema", {}))
            value = next((text for text in ("!", "A", "x" * 300) if not validator.is_valid(text)), None)
            if value is not None:
                yield op.operation_id, parameter["in"], parameter["name"], value


def _with_parameter(request: dict[str, Any], place: str, name: str, value: str) -> dict[str, Any]:
    if place == "cookie":
        return {**request, "headers": {**request.get("headers", {}), "Cookie": f"{name}={value}"}}
    return {**request, place: {**request.get(place, {}), name: value}}


@scenario(
    covers=lambda contract: {
        op: codes
        for op, codes in _with_failure(contract, "badRequest").items()
        if any(case[0] == op for case in _broken_parameter_values(contract))
    }
)
def invalid_parameters(ctx: ScenarioContext) -> None:
    """A path, query or cookie parameter that breaks its schema (pattern, length) answers the bad-request code."""
    for operation_id, place, name, value in _broken_parameter_values(ctx.contract):
        op = ctx.contract.operation(operation_id)
        code = ctx.contract.generic_code("badRequest", op)
        if operation_id not in ctx.selected or code not in op.error_codes:
            continue
        request = ctx.request_for(operation_id)
        if request is None:
            continue
        ctx.error(
            operation_id,
            code,
            f"the {place} parameter {name} as {value[:20]!r}, which breaks its schema",
            **_with_parameter(request, place, name, value),
        )


@scenario(covers=lambda contract: _with_failure(contract, "unsupportedMediaType"))
def unsupported_media_type(ctx: ScenarioContext) -> None:
    """A body sent as text/plain answers the unsupported-media-type code."""
    for op in ctx.operations():
        code = ctx.contract.generic_code("unsupportedMediaType", op)
        if code not in op.error_codes:
            continue
        request = ctx.request_for(op.operation_id)
        if request is None:
            continue
        body = request.pop("body", request.pop("form", {}))
        raw = json.dumps(body).encode() if _json_body(ctx.contract, op) or "form" in request else str(body).encode()
        ctx.error(
            op.operation_id, code, "a body sent as text/plain", raw_body=raw, content_type="text/plain", **request
        )


@scenario(covers=lambda contract: _with_failure(contract, "bodyTooLarge"))
def payload_too_large(ctx: ScenarioContext) -> None:
    """A body over the backend's limit answers the body-too-large code; one within maxBodyBytes is not refused for its size."""
    within = ctx.contract.max_body_bytes - 200
    for op in ctx.operations():
        body, _ = example_request(ctx.contract, op.operation_id)
        schema = ctx.contract.request_body_schema(op.operation_id) or {}
        if _json_body(ctx.contract, op) and isinstance(body, dict) and schema.get("additionalProperties") is False:
            valid = ctx.request_for(op.operation_id)
            if valid is None:
                continue
            # Refused for its unknown property, never for its size.
            ctx.invalid(
                op.operation_id,
                {**body, _PADDING: "x" * within},
                f"a {within}-byte body (within maxBodyBytes)",
                **_without(valid, "body"),
            )
            break
    size = ctx.target.oversized_body_bytes
    payload = b'{"padding": "' + b"x" * size + b'"}'
    for op in ctx.operations():
        code = ctx.contract.generic_code("bodyTooLarge", op)
        if code not in op.error_codes:
            continue
        valid = ctx.request_for(op.operation_id)
        if valid is None:
            continue
        request = _without(valid, "body", "form")
        try:
            ctx.error(
                op.operation_id,
                code,
                f"a {len(payload)}-byte body",
                raw_body=payload,
                content_type="application/json",
                **request,
            )
        except TargetUnreachable as exc:
            ctx.valid_request(op.operation_id)  # still up? then dropping the connection was the answer
            raise Failure(
                "payload_too_large_answered",
                f"{op.operation_id} dropped the connection on a "
                f"{len(payload)}-byte body instead of answering 413 {code} ({exc})",
                operation_id=op.operation_id,
                code=code,
            ) from None


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
        if (
            schema is None
            or not _body_media_type(contract, op)
            or not isinstance(body, dict)
            or not op.codes_by_status.get(400)
        ):
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
    for operation_id, cause, broken, code in schema_cases(ctx.contract):
        if operation_id not in ctx.selected:
            continue
        request = ctx.request_for(operation_id)
        if request is None:
            continue
        ctx.error(operation_id, code, cause, **{**request, "body": broken})


@scenario(covers=_storage_codes, needs=("forcedErrors",))
def storage_unavailable(ctx: ScenarioContext) -> None:
    """With the backend's storage down (forced per request), every operation answers its storage codes."""
    header = ctx.target.forced_error_header
    assert header is not None
    for op in ctx.operations():
        codes = sorted({ctx.contract.generic_code(failure, op) for failure in ("storageRefused", "storageUnreachable")})
        if not set(codes) <= op.error_codes:
            continue
        request = ctx.request_for(op.operation_id)
        if request is None:
            continue
        for code in codes:
            ctx.error(
                op.operation_id,
                code,
                f"the storage outage {code} (forced with {header})",
                rule="storage_outage_answered",
                **{**request, "headers": {header: code}},
            )
