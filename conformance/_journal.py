"""The journal the proxy records into: `storefront_kit.journal` where installed, else a small in-memory
stand-in with the same interface (`record`, `list`, `get`, `clear`) and the same control API."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp

Entry = dict[str, Any]


class MemoryJournal:
    """The newest `capacity` entries of one process, oldest first."""

    def __init__(self, capacity: int = 500) -> None:
        self._entries: deque[Entry] = deque(maxlen=capacity)
        self._next_id = 1
        self._lock = asyncio.Lock()

    async def record(self, entry: Entry) -> Entry:
        async with self._lock:
            stored = {**entry, "id": self._next_id}
            self._next_id += 1
            self._entries.append(stored)
            return stored

    async def list(
        self,
        path: str | None = None,
        status: int | None = None,
        session: str | None = None,
        operation: str | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> list[Entry]:
        found = [
            entry
            for entry in self._entries
            if (path is None or entry["path"] == path)
            and (status is None or entry["status"] == status)
            and (operation is None or entry["operationId"] == operation)
            and (after is None or entry["id"] > after)
        ]
        return found[-limit:] if limit else found

    async def get(self, entry_id: int) -> Entry | None:
        return next((entry for entry in self._entries if entry["id"] == entry_id), None)

    async def clear(self) -> int:
        async with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count


def _number(request: Request, name: str) -> int | None:
    text = request.query_params.get(name)
    if text is None:
        return None
    if not text.isdigit():
        raise ValueError(f"{name} must be a whole number, got {text!r}")
    return int(text)


def memory_journal_api(journal: MemoryJournal) -> ASGIApp:
    """`GET /requests`, `GET /requests/{id}`, `DELETE /requests` over `journal`."""

    async def listing(request: Request) -> JSONResponse:
        try:
            entries = await journal.list(
                path=request.query_params.get("path"),
                status=_number(request, "status"),
                operation=request.query_params.get("operation"),
                after=_number(request, "after"),
                limit=_number(request, "limit"),
            )
        except ValueError as exc:
            return JSONResponse({"error": {"code": "badRequest", "message": str(exc)}}, 400)
        return JSONResponse({"requests": entries})

    async def one(request: Request) -> JSONResponse:
        text = request.path_params["entry_id"]
        entry = await journal.get(int(text)) if text.isdigit() else None
        if entry is None:
            return JSONResponse({"error": {"code": "notFound", "message": f"no journal entry {text}"}}, 404)
        return JSONResponse(entry)

    async def clearing(request: Request) -> JSONResponse:
        return JSONResponse({"deleted": await journal.clear()})

    return Starlette(
        routes=[
            Route("/requests", listing, methods=["GET"]),
            Route("/requests", clearing, methods=["DELETE"]),
            Route("/requests/{entry_id}", one, methods=["GET"]),
        ]
    )


Journal: Callable[[], Any] = MemoryJournal
journal_api: Callable[[Any], ASGIApp] = memory_journal_api
