"""Records every exchange with the served contracts into the journal, both paths alike.

Pure ASGI middleware outside the fast path and Connexion: it keeps the first bytes of each body
as they pass and a reference to the request's headers, nothing is copied or re-encoded. The rule
that refused a request is noted by the envelope that answers it (`mock_server.envelope.EXCHANGE`);
the operation is read from the routing the fast path or Connexion left in the request's extensions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.envelope import EXCHANGE
from mock_server.mounts import Mounts
from storefront_kit.journal import BODY_LIMIT, Exchange, Journal, Masker

_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})
# How long the recorder waits, before an answer given without reading the request's body, for a
# body the client announced but is slow to send.
READ_AHEAD_SECONDS = 0.5


class Recorder:
    """Puts an `Exchange` of each request outside `skip_prefix` (the controls) into `journal`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        journal: Journal,
        mounts: Mounts,
        maskers: Mapping[str, Masker],
        skip_prefix: str | None,
        body_limit: int = BODY_LIMIT,
    ) -> None:
        self.app = app
        self.journal = journal
        self.mounts = mounts
        self.maskers = maskers
        self.skip_prefix = skip_prefix
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or (self.skip_prefix is not None and _under(path, self.skip_prefix)):
            await self.app(scope, receive, send)
            return
        exchange = Exchange("", scope["method"], path, scope["query_string"], request_headers=scope["headers"])
        scope.setdefault("extensions", {})[EXCHANGE] = exchange
        limit = self.body_limit
        request_body: list[bytes] = []
        response_body: list[bytes] = []
        sizes = [0, 0]  # request, response bytes seen
        reads = [0]  # the app's reads of the request body

        async def receiving() -> Message:
            reads[0] += 1
            message = await receive()
            chunk = message.get("body", b"")
            if chunk:
                if sizes[0] < limit:
                    request_body.append(chunk[: limit - sizes[0]])
                sizes[0] += len(chunk)
            return message

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A request answered before its body was read (a missing session, say) still shows
                # what was sent: its first bytes are read now, while the server still hands them
                # out (after the answer it only says "disconnected"). Other requests pay nothing.
                if not reads[0] and scope["method"] not in _BODILESS and _announces_body(scope["headers"]):
                    for early in await _read_ahead(receive, limit):
                        chunk = early.get("body", b"")
                        request_body.append(chunk[: max(limit - sizes[0], 0)])
                        sizes[0] += len(chunk)
                exchange.status = message["status"]
                exchange.response_headers = message.get("headers", [])
            else:
                chunk = message.get("body", b"")
                if chunk:
                    if sizes[1] < limit:
                        response_body.append(chunk[: limit - sizes[1]])
                    sizes[1] += len(chunk)
            await send(message)

        started = time.perf_counter()
        try:
            # A GET's body means nothing to any operation: its reads go unwatched.
            await self.app(scope, receive if scope["method"] in _BODILESS else receiving, sending)
        finally:
            exchange.duration_ms = (time.perf_counter() - started) * 1000
            contract, operation = self.mounts.contract_for(scope)
            exchange.contract = contract.name
            exchange.operation_id = operation.operation_id if operation is not None else None
            exchange.mask = self.maskers.get(contract.name)
            exchange.request_body = b"".join(request_body)
            exchange.request_truncated = sizes[0] > limit
            exchange.response_body = b"".join(response_body)
            exchange.response_truncated = sizes[1] > limit
            await self.journal.record(exchange)


def _announces_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-length":
            return value.strip() not in (b"", b"0")
        if name == b"transfer-encoding":
            return True
    return False


async def _read_ahead(receive: Receive, limit: int) -> list[Message]:
    """The request's messages up to `limit` body bytes, the end of the body, or a pause of the client."""
    messages: list[Message] = []
    size = 0
    while size < limit:
        try:
            async with asyncio.timeout(READ_AHEAD_SECONDS):
                message = await receive()
        except TimeoutError:
            break
        messages.append(message)
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    return messages


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")
