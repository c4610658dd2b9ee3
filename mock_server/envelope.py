"""The one place that turns every exception into an error answer of the request's contract.

Statuses, codes and body shapes come from the contract (`x-error-catalog`, `x-errors`), never from
Python: a generic failure (`ApiError.of("badRequest", ...)`, a store outage, a Connexion problem)
is answered with the code the contract tags for it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from typing import Any

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.types import Scope

from mock_server.errors import ApiError
from mock_server.mounts import Mounts
from mock_server.store import StoreUnavailable
from storefront_kit.codecs import codec_for, render_template
from storefront_kit.contract import Contract, Operation
from storefront_kit.journal import Refusal

logger = logging.getLogger("mock_server")

# An answer never reflects more of a request than this (a 64 KB unknown key, a parameter value).
MAX_TEXT = 1000
_STORAGE_FAILURES = {"refused": "storageRefused", "unreachable": "storageUnreachable"}
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
# Why the `X-Mock-*` controls of a request were not applied (`mock_server.middleware.MockControls`):
# kept in the request's extensions, sent as a header with every answer to it.
REFUSED_CONTROL = "storefront_refused_control"
REFUSED_HEADER = b"x-mock-refused"
# The journal's record of the request being answered (`mock_server.recorder`), in its extensions.
EXCHANGE = "storefront_exchange"
# The kind of rule behind each generic failure, as the journal names it.
_FAILURE_RULES = {
    "badRequest": "schema",
    "malformedBody": "body",
    "unsafeBody": "body",
    "bodyTooLarge": "bodyLimit",
    "unsupportedMediaType": "mediaType",
    "unknownRoute": "route",
    "methodNotAllowed": "method",
    "unauthenticated": "security",
    "forbidden": "security",
    "storageRefused": "storage",
    "storageUnreachable": "storage",
    "internalError": "server",
}


def server_fault() -> ApiError:
    """What a client sees of a fault inside the mock: no detail that could leak request data."""
    return ApiError.of("internalError", "An unexpected server fault.")


class Envelopes:
    """Renders error answers in the format of the contract each request belongs to."""

    def __init__(self, mounts: Mounts) -> None:
        self.mounts = mounts

    def code_of(self, error: ApiError, contract: Contract, operation: Operation | None) -> str:
        if error.code is not None:
            return error.code
        assert error.failure is not None
        return contract.generic_code(error.failure, operation)

    def answer(self, error: ApiError, scope: Scope, extra_headers: Mapping[str, str] | None = None) -> Answer:
        """Status, ASGI headers and body of the error answer to the request `scope`."""
        contract, operation = self.mounts.contract_for(scope)
        code = self.code_of(error, contract, operation)
        if code not in contract.catalog:
            logger.error("error code %r is not in the catalog of %s", code, contract.name)
            error, code = server_fault(), contract.generic_code("internalError")
        entry = contract.catalog[code]
        values: dict[str, Any] = {
            **error.details,
            "code": code,
            "status": entry.status,
            "message": error.message[:MAX_TEXT],
        }
        if error.field:
            values["field"] = error.field[:MAX_TEXT]
        form = contract.error_format
        codec = codec_for(form.media_type)
        body = codec.encode(render_template(entry.body or form.body, values), contract.schema(form.schema))
        headers = [(b"content-length", str(len(body)).encode()), (b"content-type", codec.content_type.encode())]
        if error.retry_after is not None:
            headers.append((b"retry-after", str(error.retry_after).encode()))
        refused = scope.get("extensions", {}).get(REFUSED_CONTROL)
        if refused:
            headers.append((REFUSED_HEADER, refused.encode("ascii", "replace")))
        headers += [(name.lower().encode(), value.encode()) for name, value in (extra_headers or {}).items()]
        _note_refusal(scope, error, code, entry.status)
        return entry.status, headers, body

    def response(
        self, error: ApiError, scope: Scope, extra_headers: Mapping[str, str] | None = None
    ) -> ConnexionResponse:
        status, headers, body = self.answer(error, scope, extra_headers)
        media_type = dict(headers)[b"content-type"].decode()
        return ConnexionResponse(
            status_code=status,
            body=body,
            content_type=media_type,
            mimetype=media_type.split(";", 1)[0],
            headers={name.decode(): value.decode() for name, value in headers if name != b"content-type"},
        )

    def error_for(self, exc: Exception, scope: Scope) -> ApiError:
        """The answer to an exception raised while handling the request `scope`."""
        if isinstance(exc, ApiError):
            return exc
        if isinstance(exc, StoreUnavailable):
            logger.error("store unavailable: %s", exc)
            return ApiError.of(_STORAGE_FAILURES[exc.kind], "The storage behind this service cannot be used.")
        method, path = scope.get("method", ""), scope.get("path", "")
        if isinstance(exc, HTTPException):  # Connexion's problems (security, validation, media type) among them
            if exc.status_code >= 500:
                note_violation(scope, f"{type(exc).__name__}: {getattr(exc, 'title', None) or exc.status_code}")
            return _http_error(exc, method, path, *self.mounts.contract_for(scope))
        # Only the type and the route: messages may carry request data such as passwords.
        logger.error("unexpected %s on %s %s", type(exc).__name__, method, path)
        logger.debug("where (message withheld):\n%s", "".join(traceback.format_tb(exc.__traceback__)))
        return server_fault()

    # --- exception handlers, registered on the app ---------------------------------------------
    # Coroutines, so that Connexion runs them on the event loop instead of handing every error
    # answer to a worker thread.

    async def on_exception(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        return self.response(self.error_for(exc, request.scope), request.scope)

    async def on_http_exception(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, HTTPException)
        path = request.url.path
        if exc.status_code == 405:
            allowed = self.mounts.allowed_methods(path)
            error = ApiError.of("methodNotAllowed", f"{request.method} is not allowed here; use {', '.join(allowed)}.")
            return self.response(error, request.scope, {"Allow": ", ".join(allowed)})
        return self.response(self.error_for(exc, request.scope), request.scope)

    async def on_decode_error(self, request: ConnexionRequest, _exc: Exception) -> ConnexionResponse:
        return self.response(ApiError.of("badRequest", "The request body is not valid UTF-8 text."), request.scope)

    def install(self, app: Any) -> None:
        app.add_error_handler(ProblemException, self.on_exception)
        app.add_error_handler(HTTPException, self.on_http_exception)
        app.add_error_handler(UnicodeDecodeError, self.on_decode_error)
        app.add_error_handler(Exception, self.on_exception)


def _note_refusal(scope: Scope, error: ApiError, code: str, status: int) -> None:
    """Log the refusal, and tell the journal which rule it was."""
    rule = error.rule or (_FAILURE_RULES.get(error.failure, "server") if error.failure else "domain")
    reason = error.message[:MAX_TEXT] + (f" (field {error.field[:200]})" if error.field else "")
    logger.info(
        "%s %s refused: %s %s by %s rule: %s", scope.get("method"), scope.get("path"), status, code, rule, reason
    )
    exchange = scope.get("extensions", {}).get(EXCHANGE)
    if exchange is not None:
        exchange.code = code
        exchange.refused_by = Refusal(rule, code, reason)


def note_violation(scope: Scope, violation: str) -> None:
    """Tell the journal that the mock's own answer to the request broke the contract."""
    exchange = scope.get("extensions", {}).get(EXCHANGE)
    if exchange is not None:
        exchange.violations.append(violation)


def _http_error(
    exc: HTTPException, method: str, path: str, contract: Contract, operation: Operation | None
) -> ApiError:
    """Connexion's and Starlette's refusals (security, validation, media type, routing) as generic failures."""
    status = exc.status_code
    if status == 401:
        return ApiError.of("unauthenticated", f"{_credential(contract, operation)} is missing or not valid.")
    if status == 403:
        return ApiError.of("forbidden", "The access token does not grant the scopes this operation needs.")
    if status == 404:
        return ApiError.of("unknownRoute", f"No operation exists at {path[:MAX_TEXT]}.")
    if status >= 500 or status < 400:
        # The detail quotes the answer, which may hold tokens: log where, not what.
        logger.error("%s (%s) on %s %s", type(exc).__name__, getattr(exc, "title", status), method, path)
        return server_fault()
    if status == 415:
        return ApiError.of("unsupportedMediaType", f"Send the request body as {_media_types(contract, operation)}.")
    # Connexion's details append the whole failing schema after a blank line.
    detail = exc.detail or getattr(exc, "title", None) or "The request is not valid."
    return ApiError.of("badRequest", str(detail).split("\n", 1)[0][:300])


def _credential(contract: Contract, operation: Operation | None) -> str:
    """How the operation's first security scheme is sent, for messages."""
    schemes = contract.security_schemes()
    for requirement in operation.security if operation else ():
        for name in requirement:
            scheme = schemes.get(name, {})
            if scheme.get("type") == "apiKey":
                where = {"header": "header", "query": "query parameter", "cookie": "cookie"}[scheme["in"]]
                return f"The {scheme['name']} {where}"
            if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "basic":
                return "The Basic credentials in the Authorization header"
            return "The bearer token in the Authorization header"
    return "The credential"


def _media_types(contract: Contract, operation: Operation | None) -> str:
    if operation is None or not operation.has_body:
        return contract.error_format.media_type
    return " or ".join(contract.operation_spec(operation.operation_id)["requestBody"]["content"])
