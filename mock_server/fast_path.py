"""Answers well-formed requests to a vendor's operations without Connexion's per-request machinery.

Connexion stays the reference. The fast path answers only what it can judge completely: the
route is one of the contract's operations, the parameters and the JSON body pass the same
compiled validators Connexion's validators use, and no `X-Mock-*` header asks for a forced error
or delay. Everything else goes to the Connexion stack untouched (a body already read is replayed),
which then answers with the documented error. What the fast path answers is what Connexion would:
the same session checks, the same handler with the same arguments, the answer encoded the same
way and validated against the same response schema, errors through the same envelopes.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.encoding import decode_json, encode_json
from mock_server.envelope import Envelopes, server_fault
from mock_server.errors import ApiError
from mock_server.middleware import declared_length, read_body, replay, send_answer
from mock_server.validation import (
    parameter_passes,
    parse_json_body,
    request_body_passes,
    response_body_passes,
)
from storefront_kit.contract import Contract, Operation

if TYPE_CHECKING:  # the runtime's shop package builds its routes with this module
    from mock_server.runtime import Runtime

logger = logging.getLogger("mock_server")

Admit = Callable[[Operation, Scope], Awaitable[None]]

_JSON_MEDIA_TYPE = re.compile(rb"\s*application/json\s*(?:;\s*charset=\"?utf-8\"?\s*)?", re.IGNORECASE)
# Integers as a client writes them; other spellings Connexion also reads ("+1", " 1", "01") are
# left to it.
_CANONICAL_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_JSON_HEADERS = (b"content-type", b"application/json")


class _Decline(Exception):
    """The request is not for the fast path; Connexion answers it."""


@dataclass(frozen=True, slots=True)
class _QueryParameter:
    name: str
    argument: str | None  # the handler's keyword, None when the handler does not take it
    integer: bool
    required: bool
    default: Any
    schema: Mapping[str, Any]

    def convert(self, text: str) -> Any:
        if not self.integer:
            return text
        if not _CANONICAL_INTEGER.fullmatch(text):
            raise _Decline
        return int(text)


@dataclass(frozen=True, slots=True)
class FastRoute:
    """One operation, prepared at start-up: what its requests carry and what its answer must be."""

    operation: Operation
    handler: Callable[..., Awaitable[Any]]
    query: Mapping[str, _QueryParameter]  # by name
    body_schema: Mapping[str, Any] | None  # None: the operation takes no body
    body_argument: bool
    response_schema: Mapping[str, Any]

    def arguments(self, query_string: bytes) -> dict[str, Any]:
        found: dict[str, str] = {}
        if self.query:
            for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
                if name in self.query:
                    if name in found or not value:
                        raise _Decline  # repeated or empty: Connexion's rules decide
                    found[name] = value
        arguments: dict[str, Any] = {}
        for parameter in self.query.values():
            text = found.get(parameter.name)
            if text is None:
                if parameter.required:
                    raise _Decline
                value = parameter.default
                if value is None:
                    continue
            else:
                value = parameter.convert(text)
                if not parameter_passes(parameter.schema, value):
                    raise _Decline
            if parameter.argument is not None:
                arguments[parameter.argument] = value
        return arguments


def _route(contract: Contract, operation: Operation, handler: Callable[..., Any], sanitize: Callable[[str], str]) -> FastRoute | None:
    """The operation's fast route, or None when it has a feature the fast path leaves to Connexion."""
    spec = contract.operation_spec(operation.operation_id)
    success = spec["responses"].get("200", {}).get("content", {})
    if set(success) != {"application/json"} or not inspect.iscoroutinefunction(handler):
        return None
    accepted = inspect.signature(handler).parameters
    query: dict[str, _QueryParameter] = {}
    for parameter in spec.get("parameters", ()):
        schema = parameter.get("schema", {})
        if parameter["in"] != "query" or schema.get("type") not in ("string", "integer") or "style" in parameter:
            return None
        argument = sanitize(parameter["name"])
        query[parameter["name"]] = _QueryParameter(
            parameter["name"], argument if argument in accepted else None, schema["type"] == "integer",
            bool(parameter.get("required")), schema.get("default"), schema,
        )
    body_schema = None
    if operation.has_body:
        content = spec["requestBody"]["content"]
        if set(content) != {"application/json"}:
            return None
        body_schema = content["application/json"]["schema"]
    return FastRoute(operation, handler, query, body_schema, "body" in accepted, success["application/json"]["schema"])


def fast_routes(contract: Contract, handler_for: Callable[[str], Any], sanitize: Callable[[str], str]) -> dict[tuple[str, str], FastRoute]:
    """Every operation of `contract` the fast path can take, by (method, full path)."""
    routes: dict[tuple[str, str], FastRoute] = {}
    for operation in contract.operations.values():
        route = _route(contract, operation, handler_for(operation.operation_id), sanitize)
        if route is not None:
            routes[(operation.method.upper(), contract.base_path + operation.path)] = route
    return routes


def _plain_headers(headers: list[tuple[bytes, bytes]], max_body_bytes: int) -> bool:
    """False for a request whose headers leave a decision to Connexion's stack.

    That is: an `X-Mock-*` header, a body that may not be JSON, or one the body limit has to
    judge (a streamed body, or a Content-Length that is not a plain number within the limit).
    """
    content_type = None
    for name, value in headers:
        if name == b"content-type":
            if content_type is not None:
                return False
            content_type = value
        elif name == b"content-length":
            length = declared_length(value)
            if length is None or length > max_body_bytes:
                return False
        elif name == b"transfer-encoding" or name.startswith(b"x-mock-"):
            return False
    return content_type is None or _JSON_MEDIA_TYPE.fullmatch(content_type) is not None


class FastPath:
    """Pure ASGI middleware in front of Connexion's whole stack (behind CORS)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Mapping[tuple[str, str], FastRoute],
        runtime: Runtime,
        envelopes: Envelopes,
        admit: Admit,
        validate_responses: bool,
        max_body_bytes: int,
    ) -> None:
        self.app = app
        self.routes = routes
        self.runtime = runtime
        self.envelopes = envelopes
        self.admit = admit
        self.validate_responses = validate_responses
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        if route is None or not _plain_headers(scope["headers"], self.max_body_bytes):
            await self.app(scope, receive, send)
            return
        raw: bytes | None = None  # None until the body is read
        try:
            arguments = route.arguments(scope["query_string"])
            if route.body_schema is not None:
                # Within the limit by its declared length; empty (or a client gone) is Connexion's to answer.
                raw = await read_body(receive, self.max_body_bytes)
                if not raw:
                    raise _Decline
                try:
                    body = parse_json_body(raw)
                except ApiError:
                    raise _Decline from None
                if not request_body_passes(route.body_schema, body):
                    raise _Decline
                if route.body_argument:
                    arguments["body"] = body
        except _Decline:
            await self.app(scope, receive if raw is None else replay(raw, receive), send)
            return
        await send_answer(send, *await self._answer(route, scope, arguments))

    async def _answer(self, route: FastRoute, scope: Scope, arguments: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        try:
            await self.runtime.bind()
            await self.admit(route.operation, scope)
            result = await route.handler(**arguments)
            # Encoded as Connexion encodes, and validated as Connexion validates: the bytes sent.
            payload = encode_json(result)
            conforms = not self.validate_responses or response_body_passes(route.response_schema, decode_json(payload))
        except Exception as exc:  # every failure answers in the contract's envelope
            return self.envelopes.asgi(self.envelopes.error_for(exc, scope["method"], scope["path"]))
        if not conforms:
            logger.error("NonConformingResponseBody on %s %s", scope["method"], scope["path"])
            return self.envelopes.asgi(server_fault())
        return 200, [(b"content-length", str(len(payload)).encode()), _JSON_HEADERS], payload
