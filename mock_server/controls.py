"""Handlers of the mock's own controls (`controls.yaml`, mounted at `/__mock`)."""

from __future__ import annotations

from typing import Any

from mock_server.context import current_runtime


async def list_outbox(to: str | None = None) -> dict[str, Any]:
    return {"messages": await current_runtime().shop.outbox.messages(to)}


async def clear_outbox() -> dict[str, Any]:
    return {"deleted": await current_runtime().shop.outbox.clear()}


async def reset_state() -> dict[str, Any]:
    await current_runtime().reset()
    return {"reset": True}


async def get_settings() -> dict[str, Any]:
    return await current_runtime().shop.settings.get()


async def replace_settings(body: Any) -> dict[str, Any]:
    return await current_runtime().shop.settings.replace(body)
