"""Pure ASGI middleware shared by every vendor API: body limit, runtime binding, mock controls."""

from __future__ import annotations

import asyncio
import hmac
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.envelope import ROUTING, Envelopes
from mock_server.errors import ApiError
from storefront_kit.contract import SESSION_ERROR_CODE, Contract

if TYPE_CHECKING:  # the runtime imports the vendor packages, which use this module
    from mock_server.runtime import Runtime

MAX_DELAY_MS = 30_000
# ASCII digits only: str.isdigit() also accepts characters such as "²" that int() refuses.
_DIGITS = re.compile(r"[0-9]{1,15}")
_LENGTH = re.compile(rb"\s*[0-9]{1,15}\s*")
FORCED_RETRY_AFTER_SECONDS = 60


class BodyLimit:
    """413 for bodies over the limit: by Content-Length at once, else by the bytes streamed so far.

    A declared length is trusted (the server stops reading at it); a streamed body is read only up
    to the limit.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, envelopes: Envelopes) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.envelopes = envelopes

    async def _refuse(self, send: Send, code: str, message: str) -> None:
        await send_answer(send, *self.envelopes.asgi(ApiError(code, message)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = raw_header(scope, b"content-length")
        if declared is not None:
            length = declared_length(declared)
            if length is None:
                await self._refuse(send, "invalidRequest", "The Content-Length header is not a number.")
                return
            if length > self.max_bytes:
                await self._refuse(send, "payloadTooLarge", f"The request body exceeds {self.max_bytes} bytes.")
                return
        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            # A streamed body of unknown length: read it up to the limit, then hand it on with a
            # Content-Length, which request validation relies on.
            body = await read_body(receive, self.max_bytes)
            if body is None:
                await self._refuse(send, "payloadTooLarge", f"The request body exceeds {self.max_bytes} bytes.")
                return
            scope = {**scope, "headers": [*scope["headers"], (b"content-length", str(len(body)).encode())]}
            receive = replay(body, receive)
        await self.app(scope, receive, send)


def declared_length(value: bytes) -> int | None:
    """A Content-Length value as a number; None when it is not a plain decimal one."""
    return int(value) if _LENGTH.fullmatch(value) else None


async def read_body(receive: Receive, max_bytes: int) -> bytes | None:
    """The whole request body, or None once it exceeds `max_bytes`; a client gone reads as empty."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def send_answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def replay(body: bytes, receive: Receive) -> Receive:
    """`receive` with `body` handed out first, as if it had not been read yet."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class Cors(CORSMiddleware):
    """Starlette's CORS middleware, with its answer to a request without `Origin` done cheaply.

    Such a request (any non-browser client) only gets `Origin` added to the answer's `Vary`, which
    Starlette does through a header-object per answer; here it is one pass over the header list.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or raw_header(scope, b"origin") is not None:
            await super().__call__(scope, receive, send)
            return

        async def vary_on_origin(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                # ASGI header names are lower case; Starlette's merge reads only those, as here.
                varies = [value for name, value in headers if name == b"vary"]
                if varies:
                    headers = [(name, value) for name, value in headers if name != b"vary"]
                message = {**message, "headers": [*headers, (b"vary", b", ".join([*varies, b"Origin"]))]}
            await send(message)

        await self.app(scope, receive, vary_on_origin)


class JsonContentType:
    """Media types compare case-insensitively, and a body without Content-Type is read as JSON.

    Connexion validates with these rules but hands the handler raw bytes otherwise. An operation
    without a request body ignores whatever body and media type arrive (Connexion would still
    try to parse a form and fail on it).
    """

    def __init__(self, app: ASGIApp, *, contracts: Mapping[str, Contract]) -> None:
        self.app = app
        self.contracts = contracts

    def _takes_body(self, scope: Scope) -> bool:
        routing = scope.get("extensions", {}).get(ROUTING, {})
        contract = self.contracts.get(routing.get("api_base_path") or "")
        operation = contract.operations.get(routing.get("operation_id") or "") if contract else None
        return operation is None or operation.has_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
            declared = [v for k, v in scope["headers"] if k == b"content-type"]
            if not self._takes_body(scope):
                scope = {**scope, "headers": headers}
            elif declared:
                mime, _, parameters = declared[0].partition(b";")
                value = mime.strip().lower() + (b";" + parameters if parameters else b"")
                scope = {**scope, "headers": [*headers, (b"content-type", value)]}
            elif Headers(scope=scope).get("content-length", "0").strip() not in ("", "0"):
                scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
        await self.app(scope, receive, send)


class RuntimeBinding:
    """Makes the runtime reachable from handlers and seeds the store before the first answer."""

    def __init__(self, app: ASGIApp, *, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.runtime.bind()
        await self.app(scope, receive, send)


class MockControls:
    """`X-Mock-Token`, `X-Mock-Error` and `X-Mock-Delay` on the contract's operations."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        contracts: Mapping[str, Contract],
        controls_path: str,
        token: str | None,
        enabled: bool,
    ) -> None:
        self.app = app
        self.contracts = contracts
        self.controls_path = controls_path
        self.token = token
        self.enabled = enabled

    def _authorised(self, headers: Headers) -> bool:
        if self.token is None:
            return True
        sent = headers.get("x-mock-token", "")
        return hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        routing = scope.get("extensions", {}).get(ROUTING, {})
        base_path = routing.get("api_base_path")
        headers = Headers(scope=scope)
        if base_path == self.controls_path:
            if not self._authorised(headers):
                raise ApiError("controlsTokenRequired", "Send the mock's control token as X-Mock-Token.")
            await self.app(scope, receive, send)
            return
        contract = self.contracts.get(base_path or "")
        forced, delay = headers.get("x-mock-error"), headers.get("x-mock-delay")
        if contract is None or not self.enabled or (forced is None and delay is None):
            await self.app(scope, receive, send)
            return
        if not self._authorised(headers):
            raise ApiError("invalidRequest", "X-Mock-Error and X-Mock-Delay need the mock's control token as X-Mock-Token.")
        if delay is not None:
            if not _DIGITS.fullmatch(delay.strip()) or int(delay) > MAX_DELAY_MS:
                raise ApiError("invalidRequest", f"X-Mock-Delay must be a whole number of milliseconds from 0 to {MAX_DELAY_MS}.")
            await asyncio.sleep(int(delay) / 1000)
        if forced is not None:
            raise self._forced_error(contract, routing.get("operation_id"), forced.strip())
        await self.app(scope, receive, send)

    @staticmethod
    def _forced_error(contract: Contract, operation_id: str | None, code: str) -> ApiError:
        operation = contract.operations.get(operation_id or "")
        documented = sorted(operation.error_codes) if operation else []
        if code not in documented:
            return ApiError(
                "invalidRequest",
                f"X-Mock-Error {code!r} is not documented for this operation; use one of: {', '.join(documented)}."[:1000],
            )
        entry = contract.catalog[code]
        retry_after = FORCED_RETRY_AFTER_SECONDS if entry.status == 429 else None
        return ApiError(code, f"{entry.description} (forced by X-Mock-Error)", retry_after=retry_after)


def raw_header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of the (lower-case) header `name`, as sent."""
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of the (lower-case) header `name`, read as Starlette's `Headers` reads it."""
    value = raw_header(scope, name)
    return None if value is None else value.decode("latin-1")


def client_address(scope: Scope) -> str:
    """The first X-Forwarded-For entry when present, else the peer address."""
    forwarded = header(scope, b"x-forwarded-for")
    if forwarded and forwarded.split(",")[0].strip():
        return forwarded.split(",")[0].strip()
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def allowed_methods_lookup(mounts: Mapping[str, Contract]) -> Callable[[str], list[str]]:
    """`Allow` for a URL path, built from the spec that owns it."""

    def allowed(path: str) -> list[str]:
        for base, contract in mounts.items():
            if path.startswith(base + "/"):
                methods = contract.methods_for_path(path[len(base):])
                # Starlette answers HEAD wherever GET is served.
                return [*methods, "HEAD"] if "GET" in methods and "HEAD" not in methods else methods
        return []

    return allowed



def session_error_lookup(mounts: Mapping[str, Contract]) -> Callable[[str | None, str | None], str]:
    """The code a refused session answers on an operation (the kit's own one if unknown)."""

    def code(base_path: str | None, operation_id: str | None) -> str:
        contract = mounts.get(base_path or "")
        operation = contract.operations.get(operation_id or "") if contract else None
        return (operation.session_error_code if operation else None) or SESSION_ERROR_CODE

    return code
