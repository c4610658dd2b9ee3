"""Handlers of the `profile` tag."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.websale.context import shop, visit


async def update_display_name(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().profile.update_display_name(visit(), body["displayName"])


async def update_email(body: dict[str, Any]) -> dict[str, Any]:
    return await shop().profile.update_email(visit(), body["email"])


async def verify_email(body: dict[str, Any] | None = None) -> dict[str, Any]:
    return await shop().profile.verify_email(visit(), (body or {}).get("otok"))
