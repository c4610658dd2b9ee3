""" "Back in stock" notifications of the logged-in account."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mock_server.common.settings import Settings
from mock_server.common.values import email_key, iso_at
from mock_server.errors import ApiError
from mock_server.store import Store
from mock_server.vendors.websale.domain.accounts import AccountRecords
from mock_server.vendors.websale.domain.sessions import Visit

ENTRIES_PREFIX = "websale:backInStock:"
PRODUCT_PREFIX = "websale:product:"


class BackInStockService:
    def __init__(
        self, store: Store, records: AccountRecords, settings: Settings, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._clock = clock
        self._records = records
        self._settings = settings

    async def list(self, visit: Visit) -> dict[str, Any]:
        owner = (await self._records.current(visit))["id"]
        return {"entries": await self._store.get(ENTRIES_PREFIX + owner) or []}

    async def _watchable(self, visit: Visit, product_id: str) -> str:
        owner = str((await self._records.current(visit))["id"])
        if not (await self._settings.get())["backInStockAllowed"]:
            raise ApiError("notAllowed", "Back-in-stock notifications are switched off in this shop.")
        product = await self._store.get(PRODUCT_PREFIX + product_id)
        if product is None or product.get("inventory") is None:
            raise ApiError("missingInventoryState", f"Product {product_id!r} has no inventory state.", "productId")
        return owner

    async def notify(self, visit: Visit, email: str, product_id: str) -> dict[str, Any]:
        owner = await self._watchable(visit, product_id)
        entry = {"productId": product_id, "email": email, "createdAt": iso_at(self._clock())}

        def add(entries: list[dict[str, Any]] | None) -> tuple[Any, bool]:
            entries = entries or []
            if any(e["productId"] == product_id and email_key(e["email"]) == email_key(email) for e in entries):
                return entries, False
            return [*entries, entry], True

        if not await self._store.update(ENTRIES_PREFIX + owner, add):
            raise ApiError("entryExists", "A notification for this product and e-mail address exists already.")
        return {"entry": entry}

    async def remove(self, visit: Visit, email: str, product_id: str) -> dict[str, Any]:
        owner = await self._watchable(visit, product_id)

        def drop(entries: list[dict[str, Any]] | None) -> tuple[Any, bool]:
            kept = [
                e
                for e in entries or []
                if not (e["productId"] == product_id and email_key(e["email"]) == email_key(email))
            ]
            return (kept or None), len(kept) != len(entries or [])

        return {"removed": await self._store.update(ENTRIES_PREFIX + owner, drop)}
