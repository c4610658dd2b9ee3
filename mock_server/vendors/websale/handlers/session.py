"""Handlers of the `session` tag."""

from __future__ import annotations

from typing import Any

from mock_server.vendors.websale.context import shop, visit


async def create_session() -> dict[str, Any]:
    return await shop().sessions.create()


async def prepare_redirect(body: dict[str, Any]) -> dict[str, Any]:
    # `parameters` wins over the deprecated alias `params` for a name in both.
    parameters = {**body.get("params", {}), **body.get("parameters", {})}
    return await shop().sessions.prepare_redirect(visit(), body["viewIdentifier"], parameters)
