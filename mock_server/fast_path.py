"""Answers well-formed requests to the served operations without Connexion's per-request machinery.

Connexion stays the reference. The fast path answers only what it can judge completely: the
route is one of a contract's operations, the path and query parameters and the JSON body pass the
same compiled validators Connexion's validators use, the credential is sent in its plain form,
and no `X-Mock-*` header asks for a forced error or delay. Everything else goes to the Connexion
stack untouched (a body already read is replayed), which then answers, errors included. What the
fast path answers is what Connexion would: the same security check functions, the same handler
with the same arguments, the answer encoded the same way and validated against the same response
schema, errors through the same envelopes.

Bodies are read and answers written by the shared codec of their media type (JSON, XML), as
Connexion's side does. An operation the fast path cannot take whole (a form body, parameters with
a `style`, a requirement of several schemes at once, an answer other than one success) is left to
Connexion entirely.
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

from mock_server.envelope import Answer, Envelopes, note_violation, server_fault
from mock_server.errors import ApiError
from mock_server.middleware import declared_length, read_body, replay, send_answer
from mock_server.mounts import ROUTING
from mock_server.resolver import answer_parts
from mock_server.security import SchemeCheck, scheme_checks
from mock_server.validation import SchemaJudges, cookie_values, parse_body
from storefront_kit.codecs import Codec, codec_for, find_codec
from storefront_kit.contract import Contract, Operation

if TYPE_CHECKING:  # the runtime imports the vendor packages
    from mock_server.runtime import Runtime

logger = logging.getLogger("mock_server")

# Integers as a client writes them; other spellings Connexion also reads ("+1", " 1", "01") are
# left to it.
_CANONICAL_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_JSON_HEADERS = (b"content-type", b"application/json")
# An operation without a body ignores whatever Content-Type comes (as the ContentTypes middleware does).
_ANY_MEDIA_TYPE = re.compile(b".*", re.DOTALL)


def _media_types(names: list[str]) -> re.Pattern[bytes]:
    """A Content-Type of one of `names`, in UTF-8 where it says (other spellings are Connexion's)."""
    alternatives = b"|".join(re.escape(name.encode("latin-1")) for name in names)
    return re.compile(rb"\s*(?:" + alternatives + rb")\s*(?:;\s*charset=\"?utf-8\"?\s*)?", re.IGNORECASE)


class _Decline(Exception):
    """The request is not for the fast path; Connexion answers it."""


@dataclass(frozen=True, slots=True)
class _Parameter:
    name: str
    argument: str | None  # the handler's keyword, None when the handler does not take it
    integer: bool
    required: bool
    default: Any
    schema: Mapping[str, Any]
    judges: SchemaJudges  # the app's compiled validators

    def convert(self, text: str) -> Any:
        if not self.integer:
            return text
        if not _CANONICAL_INTEGER.fullmatch(text):
            raise _Decline
        return int(text)

    def value(self, text: str) -> Any:
        """The checked value of `text`; declines what the validators refuse."""
        value = self.convert(text)
        if not self.judges.parameter_passes(self.schema, value):
            raise _Decline
        return value


@dataclass(frozen=True, slots=True)
class FastRoute:
    """One operation, prepared at start-up: what its requests carry and what its answer must be."""

    contract: Contract
    operation: Operation
    handler: Callable[..., Awaitable[Any]]
    pattern: re.Pattern[str] | None  # None: the path has no parameters
    path: Mapping[str, _Parameter]  # by name
    query: Mapping[str, _Parameter]  # by name
    headers: Mapping[bytes, _Parameter]  # by lower-case name; checked only, Connexion hands them to no handler
    body_schema: Mapping[str, Any] | None  # None: the operation takes no body
    body_media_types: re.Pattern[bytes]  # a Content-Type the body may come with (absent: the first)
    body_media_type: str  # the first, which a body without Content-Type is read as
    body_argument: bool
    security: tuple[SchemeCheck, ...]  # alternatives; empty: no security
    cookies: Mapping[str, _Parameter]  # by name; checked only, handlers read them themselves
    context_arguments: frozenset[str]  # `user`, `token_info`: what the handler takes of the security result
    success: int  # the one documented 2xx status
    response_schema: Mapping[str, Any] | None  # None: the success answer has no body
    codec: Codec  # writes the success answer
    judges: SchemaJudges  # the app's compiled validators

    def path_texts(self, path: str) -> dict[str, str]:
        """The path parameters as sent, by name (what Connexion's routing puts in `path_params`)."""
        if self.pattern is None:
            return {}
        match = self.pattern.fullmatch(path)
        if match is None:
            raise _Decline
        return match.groupdict()

    def path_arguments(self, texts: Mapping[str, str]) -> dict[str, Any]:
        arguments: dict[str, Any] = {}
        for name, text in texts.items():
            parameter = self.path[name]
            value = parameter.value(text)
            if parameter.argument is not None:
                arguments[parameter.argument] = value
        return arguments

    def check_headers(self, headers: list[tuple[bytes, bytes]]) -> None:
        if not self.headers:
            return
        found: dict[bytes, bytes] = {}
        for name, value in headers:
            if name in self.headers:
                if name in found:
                    raise _Decline
                found[name] = value
        for name, parameter in self.headers.items():
            if name in found:
                parameter.value(found[name].decode("latin-1"))
            elif parameter.required:
                raise _Decline

    def check_cookies(self, headers: list[tuple[bytes, bytes]]) -> None:
        if not self.cookies:
            return
        # Connexion reads the first Cookie header, and checks every value of a cookie sent twice.
        header = next((value.decode("latin-1") for name, value in headers if name == b"cookie"), None)
        for name, parameter in self.cookies.items():
            values = cookie_values(header, name)
            for value in values:
                parameter.value(value)
            if not values and parameter.required:
                raise _Decline

    def query_arguments(self, query_string: bytes) -> dict[str, Any]:
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
                value = parameter.value(text)
            if parameter.argument is not None:
                arguments[parameter.argument] = value
        return arguments


def _parameter(
    spec: Mapping[str, Any], accepted: Mapping[str, Any], sanitize: Callable[[str], str], judges: SchemaJudges
) -> _Parameter | None:
    schema = spec.get("schema", {})
    if schema.get("type") not in ("string", "integer") or "style" in spec or "content" in spec:
        return None
    argument = sanitize(spec["name"])
    return _Parameter(
        spec["name"],
        argument if argument in accepted else None,
        schema["type"] == "integer",
        bool(spec.get("required")),
        schema.get("default"),
        schema,
        judges,
    )


def _route(
    contract: Contract,
    operation: Operation,
    handler: Callable[..., Any],
    sanitize: Callable[[str], str],
    security: Mapping[str, Callable[..., Any]],
    judges: SchemaJudges,
) -> FastRoute | None:
    """The operation's fast route, or None when it has a feature the fast path leaves to Connexion."""
    spec = contract.operation_spec(operation.operation_id)
    successes = [status for status in spec["responses"] if str(status).isdigit() and 200 <= int(status) < 300]
    if len(successes) != 1 or not inspect.iscoroutinefunction(handler):
        return None
    content = spec["responses"][successes[0]].get("content", {})
    if len(content) > 1 or not all(map(find_codec, content)):
        return None
    checks: tuple[SchemeCheck, ...] = ()
    if operation.security:
        found = scheme_checks(contract, operation, security)
        if found is None:
            return None
        checks = found
    accepted = inspect.signature(handler).parameters
    path: dict[str, _Parameter] = {}
    query: dict[str, _Parameter] = {}
    headers: dict[bytes, _Parameter] = {}
    cookies: dict[str, _Parameter] = {}
    for parameter_spec in spec.get("parameters", ()):
        parameter = _parameter(parameter_spec, accepted, sanitize, judges)
        where = parameter_spec["in"]
        if parameter is None or where not in ("path", "query", "header", "cookie"):
            return None
        if where == "cookie":
            cookies[parameter.name] = parameter
        elif where == "header":
            headers[parameter.name.lower().encode("latin-1")] = parameter
        else:
            (path if where == "path" else query)[parameter.name] = parameter
    body_schema = None
    body_media_types = _ANY_MEDIA_TYPE
    body_media_type = ""
    if operation.has_body:
        body = spec["requestBody"]["content"]
        schemas = {id(entry["schema"]) for entry in body.values()}
        codecs = {find_codec(media_type) for media_type in body}
        # One schema and one codec, whichever of its media types a request names.
        if len(schemas) != 1 or len(codecs) != 1 or None in codecs:
            return None
        body_media_type = next(iter(body))
        body_schema = body[body_media_type]["schema"]
        body_media_types = _media_types(list(body))
    template = contract.base_path + operation.path
    pattern = None
    if path:
        named = re.sub(r"\\\{([^}/]+)\\\}", lambda match: f"(?P<{match.group(1)}>[^/]+)", re.escape(template))
        pattern = re.compile(named)
        if set(pattern.groupindex) != set(path):
            return None
    ((answer_media_type, answer),) = content.items() if content else (("application/json", {}),)
    return FastRoute(
        contract,
        operation,
        handler,
        pattern,
        path,
        query,
        headers,
        body_schema,
        body_media_types,
        body_media_type,
        "body" in accepted,
        checks,
        cookies,
        frozenset({"user", "token_info"} & set(accepted)),
        int(successes[0]),
        answer.get("schema"),
        codec_for(answer_media_type),
        judges,
    )


def fast_routes(
    contract: Contract,
    handler_for: Callable[[str], Any],
    sanitize: Callable[[str], str],
    security: Mapping[str, Callable[..., Any]],
    judges: SchemaJudges,
) -> list[FastRoute]:
    """Every operation of `contract` the fast path can take, judged by the app's validators."""
    routes = []
    for operation in contract.operations.values():
        route = _route(contract, operation, handler_for(operation.operation_id), sanitize, security, judges)
        if route is not None:
            routes.append(route)
    return routes


class _Routes:
    """Finds a request's route: a lookup for fixed paths, patterns for paths with parameters.

    A path template that another one could share a path with (`/a/{id}` and `/a/me`) is left to
    Connexion's router, whose order of routes decides there.
    """

    def __init__(self, routes: list[FastRoute], templates: list[str]) -> None:
        ambiguous = {one for one in templates for other in templates if one != other and _overlap(one, other)}
        self.fixed: dict[tuple[str, str], FastRoute] = {}
        self.patterned: dict[str, list[FastRoute]] = {}
        for route in routes:
            template = route.contract.base_path + route.operation.path
            if template in ambiguous:
                continue
            method = route.operation.method.upper()
            if route.pattern is None:
                self.fixed[(method, template)] = route
            else:
                self.patterned.setdefault(method, []).append(route)

    def find(self, method: str, path: str) -> FastRoute | None:
        route = self.fixed.get((method, path))
        if route is not None:
            return route
        for route in self.patterned.get(method, ()):
            if route.pattern is not None and route.pattern.fullmatch(path):
                return route
        return None


def _overlap(one: str, other: str) -> bool:
    """True when some path matches both templates: as many segments, each equal or a parameter in one."""
    first, second = one.split("/"), other.split("/")
    return len(first) == len(second) and all(
        a == b or a.startswith("{") or b.startswith("{") for a, b in zip(first, second, strict=True)
    )


def _plain_headers(headers: list[tuple[bytes, bytes]], max_body_bytes: int, media_types: re.Pattern[bytes]) -> bool:
    """False for a request whose headers leave a decision to Connexion's stack.

    That is: an `X-Mock-*` header, a body that may not be in one of the operation's media types,
    or one the body limit has to judge (a streamed body, or a Content-Length that is not a plain
    number within the limit).
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
    return content_type is None or media_types.fullmatch(content_type) is not None


class FastPath:
    """Pure ASGI middleware in front of Connexion's whole stack (behind CORS)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: list[FastRoute],
        runtime: Runtime,
        envelopes: Envelopes,
        validate_responses: bool,
        max_body_bytes: int | None,
    ) -> None:
        self.app = app
        # Every served path, also those of operations the fast path does not take.
        templates = list(
            dict.fromkeys(route.contract.base_path + route.operation.path for route in envelopes.mounts.routes)
        )
        self.routes = _Routes(routes, templates)
        self.runtime = runtime
        self.envelopes = envelopes
        self.validate_responses = validate_responses
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.find(scope["method"], scope["path"]) if scope["type"] == "http" else None
        limit = self.max_body_bytes or (route.contract.max_body_bytes if route else 0)
        if route is None or not _plain_headers(scope["headers"], limit, route.body_media_types):
            await self.app(scope, receive, send)
            return
        raw: bytes | None = None  # None until the body is read
        try:
            check, credential = _credential(route.security, scope)
            path_params = route.path_texts(scope["path"])
            arguments = route.path_arguments(path_params)
            arguments.update(route.query_arguments(scope["query_string"]))
            route.check_headers(scope["headers"])
            route.check_cookies(scope["headers"])
            if route.body_schema is not None:
                # Within the limit by its declared length; empty (or a client gone) is Connexion's to answer.
                raw = await read_body(receive, limit)
                if not raw:
                    raise _Decline
                try:
                    body = parse_body(raw, route.body_media_type, route.body_schema)
                except ApiError:
                    raise _Decline from None
                if not route.judges.request_body_passes(route.body_schema, body):
                    raise _Decline
                if route.body_argument:
                    arguments["body"] = body
        except _Decline:
            await self.app(scope, receive if raw is None else replay(raw, receive), send)
            return
        # What Connexion's routing would have added: the operation and its path parameters.
        # In the request's own extensions, so that the journal's layer outside sees the operation too.
        extensions = scope.setdefault("extensions", {})
        extensions[ROUTING] = {"api_base_path": route.contract.base_path, "operation_id": route.operation.operation_id}
        scope = {**scope, "path_params": path_params}
        await send_answer(send, *await self._answer(route, scope, check, credential, arguments))

    async def _answer(
        self,
        route: FastRoute,
        scope: Scope,
        check: SchemeCheck | None,
        credential: tuple[str, ...] | None,
        arguments: dict[str, Any],
    ) -> Answer:
        try:
            await self.runtime.bind(scope)
            if route.security:
                # What Connexion's anonymous requirement gives a request that sends no credential.
                context: dict[str, Any] = {"user": None, "token_info": {}}
                if check is not None and credential is not None:
                    context = await check.check(scope, credential)
                arguments.update({name: context[name] for name in route.context_arguments})
            body, status, named = answer_parts(await route.handler(**arguments))
            if status != route.success:
                raise RuntimeError(f"the handler answered {status}; the contract documents {route.success}")
            headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in named.items()]
            if route.response_schema is None:
                # As Connexion answers: the operation's one media type, no length, no body.
                return status, [_JSON_HEADERS, *headers], b""
            # Encoded as Connexion encodes, and validated as Connexion validates: what the bytes sent read as.
            codec = route.codec
            if self.validate_responses:
                payload, sent = codec.encode_read(body, route.response_schema)
                conforms = route.judges.response_body_passes(route.response_schema, sent)
            else:
                payload, conforms = codec.encode(body, route.response_schema), True
        except Exception as exc:  # every failure answers in the contract's error format
            return self.envelopes.answer(self.envelopes.error_for(exc, scope), scope)
        if not conforms:
            logger.error("NonConformingResponseBody on %s %s", scope["method"], scope["path"])
            note_violation(scope, f"NonConformingResponseBody: the answer breaks the {status} schema of the operation")
            return self.envelopes.answer(server_fault(), scope)
        content_type = (b"content-type", codec.content_type.encode("latin-1"))
        return status, [(b"content-length", str(len(payload)).encode()), content_type, *headers], payload


def _credential(checks: tuple[SchemeCheck, ...], scope: Scope) -> tuple[SchemeCheck | None, tuple[str, ...] | None]:
    """The scheme a request's credential is checked by, and the credential; declines what Connexion
    could judge otherwise.

    With one scheme, a credential of its plain form goes on, and no credential at all where the
    operation admits anonymous callers. With alternative schemes, exactly one of them may be sent.
    """
    if not checks:
        return None, None
    if len(checks) == 1:
        (check,) = checks
        credential = check.credential(scope)
        if credential is None and not (check.anonymous and check.sent_none(scope)):
            raise _Decline
        return check, credential
    sent = [check for check in checks if not check.sent_none(scope)]
    if len(sent) != 1:
        raise _Decline
    credential = sent[0].credential(scope)
    if credential is None:
        raise _Decline
    return sent[0], credential
