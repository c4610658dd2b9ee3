"""Handlers of the `orders` tag."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.websale.context import shop, visit


async def list_orders(page: int, size: int, order: str | None = None) -> dict[str, Any]:
    return await shop().orders.list(visit(), page, size, order)


async def get_order(order_id: str) -> dict[str, Any]:
    return await shop().orders.get(visit(), order_id)
