"""Handlers of the `ownSessionContext` tag: the context of the access token's own session.

The path's `tenant` has been checked against the access token by the security check.
"""

from __future__ import annotations

from typing import Any

from mock_server.vendors.emporix.context import domain, grant


async def get_own_session_context(tenant: str, token_info: dict[str, Any]) -> dict[str, Any]:
    return await domain().contexts.get_own(grant(token_info))


async def update_own_session_context(tenant: str, body: dict[str, Any], token_info: dict[str, Any]) -> tuple[None, int]:
    await domain().contexts.patch_own(grant(token_info), body)
    return None, 204


async def add_own_session_context_attribute(
    tenant: str, body: dict[str, Any], token_info: dict[str, Any]
) -> tuple[str, int]:
    return await domain().contexts.add_own_attribute(grant(token_info), body["key"], body["value"]), 201


async def remove_own_session_context_attribute(
    tenant: str, attribute_name: str, token_info: dict[str, Any]
) -> tuple[None, int]:
    await domain().contexts.remove_own_attribute(grant(token_info), attribute_name)
    return None, 204
