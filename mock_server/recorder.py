"""Records every exchange with the served contracts into the journal, both paths alike.

Pure ASGI middleware outside the fast path and Connexion: it keeps the first bytes of each body
as they pass and a reference to the request's headers, nothing is copied or re-encoded. The rule
that refused a request is noted by the envelope that answers it (`mock_server.envelope.EXCHANGE`);
the operation is read from the routing the fast path or Connexion left in the request's extensions.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.envelope import EXCHANGE
from mock_server.mounts import Mounts
from storefront_kit.journal import BODY_LIMIT, Exchange, Journal, Masker

_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


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

        async def receiving() -> Message:
            message = await receive()
            chunk = message.get("body", b"")
            if chunk:
                if sizes[0] < limit:
                    request_body.append(chunk[: limit - sizes[0]])
                sizes[0] += len(chunk)
            return message

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
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


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")
