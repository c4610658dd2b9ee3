"""Handlers of the `password` tag."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.websale.context import shop, visit


async def change_password(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().passwords.change(visit(), body["newPassword"], body.get("email"), body.get("passwordAuth"))


async def request_password_reset(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().passwords.request_reset(body["email"])


async def reset_password(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().passwords.reset(body["newPassword"], body["otok"], body.get("email"))
