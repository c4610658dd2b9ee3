"""Handlers of the `identity` tag: the token endpoint."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.optimizely.context import client, domain


async def request_token(body: dict[str, Any], token_info: dict[str, Any]) -> dict[str, Any]:
    return await domain().identity.grant(client(token_info), body)
