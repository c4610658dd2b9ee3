"""The one place that turns every exception into the contract's error envelope."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from mock_server.errors import ApiError
from mock_server.store import StoreUnavailable
from storefront_kit.contract import ErrorCode

logger = logging.getLogger("mock_server")

ROUTING = "connexion_routing"
# An answer never reflects more of a request than this (a 64 KB unknown key, a parameter value).
MAX_TEXT = 1000
STORAGE_CODES = {"refused": "redisServicePoolInaccessible", "unreachable": "redisServiceNotFound"}


def server_fault() -> ApiError:
    """What a client sees of a fault inside the mock: no detail that could leak request data."""
    return ApiError("internalError", "An unexpected server fault.")


def session_refused(code: str) -> ApiError:
    """A missing, unknown or expired `x-session`, answered with the operation's code for it."""
    return ApiError(code, "The x-session header is missing or names no live session.")


class Envelopes:
    """Renders error answers; statuses come from the error catalogs, never from Python."""

    def __init__(
        self,
        catalog: Mapping[str, ErrorCode],
        allowed_methods: Callable[[str], list[str]],
        session_error_code: Callable[[str | None, str | None], str],
        operation_codes: frozenset[str] = frozenset(),
    ) -> None:
        self.catalog = catalog
        self._allowed_methods = allowed_methods
        self._session_error_code = session_error_code
        # The kit's generic code for a status (404 notFound, 405 methodNotAllowed, ...): where the
        # catalog has several kit codes for one status, the one no operation documents is generic.
        by_status: dict[int, list[str]] = {}
        for entry in catalog.values():
            if entry.origin == "kit":
                by_status.setdefault(entry.status, []).append(entry.code)
        self._kit_code: dict[int, str] = {}
        for status, codes in by_status.items():
            generic = [code for code in codes if code not in operation_codes] if len(codes) > 1 else codes
            if len(generic) == 1:
                self._kit_code[status] = generic[0]

    def status_of(self, code: str) -> int:
        return self.catalog[code].status

    def body(self, code: str, message: str, field: str | None = None) -> bytes:
        detail: dict[str, Any] = {"code": code, "message": message[:MAX_TEXT]}
        if field:
            detail["field"] = field[:MAX_TEXT]
        return json.dumps({"error": detail}).encode("ascii")

    def answer(self, error: ApiError, extra_headers: Mapping[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body of the envelope for `error`."""
        if error.code not in self.catalog:
            logger.error("error code %r is not in the catalog", error.code)
            error = server_fault()
        headers = dict(extra_headers or {})
        if error.retry_after is not None:
            headers["Retry-After"] = str(error.retry_after)
        return self.status_of(error.code), headers, self.body(error.code, error.message, error.field)

    def asgi(self, error: ApiError) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, ASGI headers and body of the envelope, for middleware that answers by itself."""
        status, extra, body = self.answer(error)
        headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
        return status, headers + [(name.lower().encode(), value.encode()) for name, value in extra.items()], body

    def response(self, error: ApiError, extra_headers: Mapping[str, str] | None = None) -> ConnexionResponse:
        status, headers, body = self.answer(error, extra_headers)
        return ConnexionResponse(
            status_code=status, body=body, content_type="application/json", mimetype="application/json", headers=headers
        )

    @staticmethod
    def error_for(exc: Exception, method: str, path: str) -> ApiError:
        """The answer to an exception raised while handling a request."""
        if isinstance(exc, ApiError):
            return exc
        if isinstance(exc, StoreUnavailable):
            logger.error("store unavailable: %s", exc)
            return ApiError(STORAGE_CODES[exc.kind], "The session storage cannot be reached.")
        # Only the type and the route: messages may carry request data such as passwords.
        logger.error("unexpected %s on %s %s", type(exc).__name__, method, path)
        logger.debug("where (message withheld):\n%s", "".join(traceback.format_tb(exc.__traceback__)))
        return server_fault()

    def kit_error(self, status: int, message: str) -> ApiError:
        code = self._kit_code.get(status)
        if code is None:
            return ApiError(self._kit_code[400], message) if 400 <= status < 500 else server_fault()
        return ApiError(code, message)

    # --- exception handlers, registered on the app ---------------------------------------------
    # Coroutines, so that Connexion runs them on the event loop instead of handing every error
    # answer to a worker thread.

    async def on_exception(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        return self.response(self.error_for(exc, request.method, request.url.path))

    async def on_problem(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, ProblemException)
        if exc.status == 401:
            routing = request.scope.get("extensions", {}).get(ROUTING, {})
            code = self._session_error_code(routing.get("api_base_path"), routing.get("operation_id"))
            return self.response(session_refused(code))
        if exc.status >= 500:
            # The detail quotes the answer, which may hold tokens: log where, not what.
            logger.error("%s (%s) on %s %s", type(exc).__name__, exc.title, request.method, request.url.path)
            return self.response(server_fault())
        # Connexion's details append the whole failing schema after a blank line.
        message = str(exc.detail or exc.title or "The request is not valid.").split("\n", 1)[0]
        if exc.status == 415:
            message = "Send the request body as application/json."
        return self.response(self.kit_error(exc.status, message[:300]))

    async def on_http_exception(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            allowed = self._allowed_methods(request.url.path)
            return self.response(
                self.kit_error(405, f"{request.method} is not allowed here; use {', '.join(allowed)}."),
                {"Allow": ", ".join(allowed)},
            )
        if exc.status_code == 404:
            return self.response(self.kit_error(404, f"No operation exists at {request.url.path}."))
        return self.response(self.kit_error(exc.status_code, str(exc.detail)[:300]))

    async def on_decode_error(self, _request: ConnexionRequest, _exc: Exception) -> ConnexionResponse:
        return self.response(ApiError("invalidRequest", "The request body is not valid UTF-8 JSON."))

    def install(self, app: Any) -> None:
        app.add_error_handler(ApiError, self.on_exception)
        app.add_error_handler(ProblemException, self.on_problem)
        app.add_error_handler(HTTPException, self.on_http_exception)
        app.add_error_handler(UnicodeDecodeError, self.on_decode_error)
        app.add_error_handler(StoreUnavailable, self.on_exception)
        app.add_error_handler(Exception, self.on_exception)
