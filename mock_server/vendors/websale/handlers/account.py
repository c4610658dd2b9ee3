"""Handlers of the `account` tag."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.websale.context import shop, visit


async def login(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().accounts.login(visit(), body["id"], body["password"], body.get("autologin", "off"))


async def autologin(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().accounts.autologin(visit(), body["token"])


async def register(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().accounts.register(visit(), body["email"], body["password"])


async def get_account() -> dict[str, Any]:
    return await shop().accounts.get(visit())


async def logout() -> dict[str, Any]:
    return await shop().accounts.logout(visit())


async def delete_account(body: dict[str, Any] | None = None) -> dict[str, Any]:
    return await shop().accounts.delete(visit(), (body or {}).get("otok"))


async def confirm_account_deletion(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().accounts.confirm_deletion(visit(), body["otok"])
