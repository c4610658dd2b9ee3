"""Handlers of the `sessionContext` tag: a context by session id, for service clients.

The path's `tenant` has been checked against the access token by the security check.
"""

from __future__ import annotations

from typing import Any

from mock_server.context import request_header
from mock_server.vendors.emporix.context import domain


async def get_session_context(tenant: str, session_id: str) -> dict[str, Any]:
    return await domain().contexts.get(session_id)


async def update_session_context(
    tenant: str, session_id: str, body: dict[str, Any], upsert: str | None = None
) -> tuple[None, int]:
    await domain().contexts.replace(session_id, body, upsert=upsert == "true", saas_token=request_header("saas-token"))
    return None, 204


async def add_session_context_attribute(tenant: str, session_id: str, body: dict[str, Any]) -> tuple[None, int]:
    await domain().contexts.add_attribute(session_id, body["key"], body["value"])
    return None, 204


async def remove_session_context_attribute(tenant: str, session_id: str, attribute_name: str) -> tuple[None, int]:
    await domain().contexts.remove_attribute(session_id, attribute_name)
    return None, 204
