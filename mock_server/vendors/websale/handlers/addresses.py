"""Handlers of the `addresses` tag."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.websale.context import shop, visit


async def list_address_fields() -> dict[str, Any]:
    return await shop().addresses.fields()


async def list_addresses() -> dict[str, Any]:
    return await shop().addresses.list(visit())


async def get_address(address_id: str) -> dict[str, Any]:
    return await shop().addresses.get(visit(), address_id)


async def create_address(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().addresses.create(visit(), body["address"])


async def update_address(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().addresses.update(visit(), body["addressId"], body["address"])


async def set_main_address(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().addresses.set_main(visit(), body["addressId"])


async def delete_address(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().addresses.delete(visit(), body["addressId"])
