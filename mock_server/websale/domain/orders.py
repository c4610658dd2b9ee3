"""The order history of the logged-in account."""

from __future__ import annotations

import math
from typing import Any

from mock_server.errors import ApiError
from mock_server.store import Store
from mock_server.websale.domain.accounts import AccountRecords
from mock_server.websale.domain.sessions import Visit

ORDERS_PREFIX = "websale:orders:"
SUMMARY_FIELDS = ("id", "number", "createdAt", "status", "currency", "total", "itemCount")
# Sorting ids of the shop's `general.order`: (sort field, newest/largest first).
SORTINGS = {
    "": ("createdAt", True),
    "dateDesc": ("createdAt", True),
    "dateAsc": ("createdAt", False),
    "totalDesc": ("total", True),
    "totalAsc": ("total", False),
}


class OrderService:
    def __init__(self, store: Store, records: AccountRecords) -> None:
        self._store = store
        self._records = records

    async def _orders(self, visit: Visit) -> list[dict[str, Any]]:
        owner = (await self._records.current(visit))["id"]
        return await self._store.get(ORDERS_PREFIX + owner) or []

    async def list(self, visit: Visit, page: int, size: int, order: str | None) -> dict[str, Any]:
        orders = await self._orders(visit)
        key, descending = SORTINGS.get(order or "", SORTINGS[""])
        # The id breaks ties so that pages never overlap.
        ranked = sorted(orders, key=lambda o: (o[key], o["id"]), reverse=descending)
        start = (page - 1) * size
        return {
            "orders": [{name: o[name] for name in SUMMARY_FIELDS} for o in ranked[start : start + size]],
            "page": page,
            "size": size,
            "totalCount": len(orders),
            "totalPages": math.ceil(len(orders) / size),
        }

    async def get(self, visit: Visit, order_id: str) -> dict[str, Any]:
        for order in await self._orders(visit):
            if order["id"] == order_id:
                return {"order": order}
        raise ApiError("invalidOrderId", f"No order {order_id!r} in this account.", "orderId")
