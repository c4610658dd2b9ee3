"""Handlers of the `backInStock` tag."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.websale.context import shop, visit


async def list_back_in_stock() -> dict[str, Any]:
    return await shop().back_in_stock.list(visit())


async def create_back_in_stock(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().back_in_stock.notify(visit(), body["email"], body["productId"])


async def delete_back_in_stock(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().back_in_stock.remove(visit(), body["email"], body["productId"])
