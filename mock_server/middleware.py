"""Pure ASGI middleware shared by every contract: body limit, media types, runtime binding, controls."""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from typing import TYPE_CHECKING

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.envelope import REFUSED_CONTROL, REFUSED_HEADER, Envelopes
from mock_server.errors import ApiError
from mock_server.mounts import Mounts
from storefront_kit.contract import Contract, Operation

if TYPE_CHECKING:  # the runtime imports the vendor packages, which use this module
    from mock_server.runtime import Runtime

logger = logging.getLogger("mock_server")
MAX_DELAY_MS = 30_000
# ASCII digits only: str.isdigit() also accepts characters such as "²" that int() refuses.
_DIGITS = re.compile(r"[0-9]{1,15}")
_LENGTH = re.compile(rb"\s*[0-9]{1,15}\s*")
FORCED_RETRY_AFTER_SECONDS = 60


class BodyLimit:
    """413 for bodies over the limit: by Content-Length at once, else by the bytes streamed so far.

    The limit is the configured one, else the `maxBodyBytes` of the contract the path belongs to.
    A declared length is trusted (the server stops reading at it); a streamed body is read only up
    to the limit.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int | None, mounts: Mounts, envelopes: Envelopes) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.mounts = mounts
        self.envelopes = envelopes

    def limit(self, path: str) -> int:
        return self.max_bytes or self.mounts.contract_for_path(path).max_body_bytes

    async def _refuse(self, scope: Scope, send: Send, error: ApiError) -> None:
        await send_answer(send, *self.envelopes.answer(error, scope))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        too_large = ApiError.of("bodyTooLarge", f"The request body exceeds {limit} bytes.")
        declared = raw_header(scope, b"content-length")
        if declared is not None:
            length = declared_length(declared)
            if length is None:
                await self._refuse(scope, send, ApiError.of("badRequest", "The Content-Length header is not a number."))
                return
            if length > limit:
                await self._refuse(scope, send, too_large)
                return
        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            # A streamed body of unknown length: read it up to the limit, then hand it on with a
            # Content-Length, which request validation relies on.
            body = await read_body(receive, limit)
            if body is None:
                await self._refuse(scope, send, too_large)
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


class ContentTypes:
    """Media types compare case-insensitively, and a body without Content-Type has the operation's.

    Connexion validates with these rules but hands the handler raw bytes otherwise. An operation
    without a request body ignores whatever body and media type arrive (Connexion would still
    try to parse a form and fail on it).
    """

    def __init__(self, app: ASGIApp, *, mounts: Mounts) -> None:
        self.app = app
        self.mounts = mounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            contract, operation = self.mounts.contract_for(scope)
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
            declared = [v for k, v in scope["headers"] if k == b"content-type"]
            if operation is not None and not operation.has_body:
                scope = {**scope, "headers": headers}
            elif declared:
                mime, _, parameters = declared[0].partition(b";")
                value = mime.strip().lower() + (b";" + parameters if parameters else b"")
                scope = {**scope, "headers": [*headers, (b"content-type", value)]}
            elif Headers(scope=scope).get("content-length", "0").strip() not in ("", "0"):
                media_type = _request_media_type(contract, operation)
                scope = {**scope, "headers": [*headers, (b"content-type", media_type.encode())]}
        await self.app(scope, receive, send)


def _request_media_type(contract: Contract, operation: Operation | None) -> str:
    """The media type a body without Content-Type is read as: the operation's first, else the contract's."""
    if operation is not None:
        return str(next(iter(contract.operation_spec(operation.operation_id)["requestBody"]["content"])))
    return contract.error_format.media_type


class RuntimeBinding:
    """Makes the runtime reachable from handlers and seeds the store before the first answer."""

    def __init__(self, app: ASGIApp, *, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.runtime.bind(scope)
        await self.app(scope, receive, send)


class MockControls:
    """`X-Mock-Token`, `X-Mock-Error` and `X-Mock-Delay` on every served contract's operations."""

    def __init__(self, app: ASGIApp, *, mounts: Mounts, controls: Contract | None, token: str | None) -> None:
        self.app = app
        self.mounts = mounts
        self.controls = controls  # None: the controls are switched off
        self.token = token

    def _authorised(self, headers: Headers) -> bool:
        if self.token is None:
            return True
        sent = headers.get("x-mock-token", "")
        return hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        contract, operation = self.mounts.contract_for(scope)
        headers = Headers(scope=scope)
        if contract is self.controls:
            if operation is not None and not self._authorised(headers):
                raise ApiError("controlsTokenRequired", "Send the mock's control token as X-Mock-Token.")
            await self.app(scope, receive, send)
            return
        forced, delay = headers.get("x-mock-error"), headers.get("x-mock-delay")
        if operation is None or self.controls is None or (forced is None and delay is None):
            await self.app(scope, receive, send)
            return
        refusal = _refusal(operation, forced, delay, self._authorised(headers))
        if refusal is not None:
            # The operation answers as if no control were sent: an answer outside the operation's
            # documented statuses would break the clients generated from the contract.
            logger.warning("%s %s: %s", scope.get("method"), scope.get("path"), refusal)
            # Error answers are sent from outside this layer: the envelope adds the header from here.
            scope.setdefault("extensions", {})[REFUSED_CONTROL] = refusal
            await self.app(scope, receive, _with_header(send, REFUSED_HEADER, refusal.encode("ascii", "replace")))
            return
        if delay is not None:
            await asyncio.sleep(int(delay) / 1000)
        if forced is not None:
            raise forced_error(contract, forced.strip())
        await self.app(scope, receive, send)


def _refusal(operation: Operation, forced: str | None, delay: str | None, authorised: bool) -> str | None:
    """Why the controls a request sends cannot be applied, None when they can."""
    if not authorised:
        return "X-Mock-Error and X-Mock-Delay need the mock's control token as X-Mock-Token; ignored."
    if delay is not None and (not _DIGITS.fullmatch(delay.strip()) or int(delay) > MAX_DELAY_MS):
        return f"X-Mock-Delay must be a whole number of milliseconds from 0 to {MAX_DELAY_MS}; ignored."
    if forced is not None and forced.strip() not in operation.error_codes:
        documented = ", ".join(sorted(operation.error_codes))
        return ascii(
            f"X-Mock-Error {forced.strip()[:100]!r} is not documented for this operation "
            f"(documented: {documented}); ignored."
        )[1:-1]
    return None


def _with_header(send: Send, name: bytes, value: bytes) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and all(key != name for key, _ in message.get("headers", [])):
            message = {**message, "headers": [*message.get("headers", []), (name, value)]}
        await send(message)

    return sending


def forced_error(contract: Contract, code: str, by: str = "X-Mock-Error") -> ApiError:
    """The answer of a forced error `code`, as the contract documents it (`Retry-After` for 429)."""
    entry = contract.catalog[code]
    retry_after = FORCED_RETRY_AFTER_SECONDS if entry.status == 429 else None
    return ApiError(code, f"{entry.description} (forced by {by})", retry_after=retry_after, rule="fault")


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
