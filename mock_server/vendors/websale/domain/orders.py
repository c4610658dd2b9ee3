"""The order history of the logged-in account."""

from __future__ import annotations

import math
from typing import Any

from mock_server.errors import ApiError
from mock_server.store import Store
from mock_server.vendors.websale.domain.accounts import AccountRecords
from mock_server.vendors.websale.domain.sessions import Visit

ORDERS_PREFIX = "websale:orders:"
# The list's fields of every order, kept apart so that a page never decodes positions and addresses.
SUMMARIES_PREFIX = "websale:orderSummaries:"
SUMMARY_FIELDS = ("id", "number", "createdAt", "status", "currency", "total", "itemCount")
# Sorting ids of the shop's `general.order`: (sort field, newest/largest first).
SORTINGS = {
    "": ("createdAt", True),
    "dateDesc": ("createdAt", True),
    "dateAsc": ("createdAt", False),
    "totalDesc": ("total", True),
    "totalAsc": ("total", False),
}


def summaries(orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What `order/list` shows of each order (the sort keys are among them)."""
    return [{name: order[name] for name in SUMMARY_FIELDS} for order in orders]


class OrderService:
    def __init__(self, store: Store, records: AccountRecords) -> None:
        self._store = store
        self._records = records

    async def _orders(self, visit: Visit) -> list[dict[str, Any]]:
        owner = (await self._records.current(visit))["id"]
        return await self._store.get(ORDERS_PREFIX + owner) or []

    async def _summaries(self, visit: Visit) -> list[dict[str, Any]]:
        owner = (await self._records.current(visit))["id"]
        found: list[dict[str, Any]] | None = await self._store.get(SUMMARIES_PREFIX + owner)
        if found is None:  # a shared store seeded before the summaries were kept apart
            found = summaries(await self._store.get(ORDERS_PREFIX + owner) or [])
        return found

    async def list(self, visit: Visit, page: int, size: int, order: str | None) -> dict[str, Any]:
        orders = await self._summaries(visit)
        key, descending = SORTINGS.get(order or "", SORTINGS[""])
        # The id breaks ties so that pages never overlap.
        ranked = sorted(orders, key=lambda o: (o[key], o["id"]), reverse=descending)
        start = (page - 1) * size
        return {
            "orders": ranked[start : start + size],
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
