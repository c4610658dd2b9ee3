"""The check of WEBSALE's one security scheme, `session` (the `x-session` header), for Connexion.

Connexion runs it after routing and before body validation, so a missing, unknown or expired
session (and an anonymous one where an account is needed) answers 401 even when the body is also
wrong. The checked session is bound for the handler.
"""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionRequest

from mock_server.middleware import client_address
from mock_server.mounts import ROUTING
from mock_server.vendors.websale.context import bind_visit, state


async def session(api_key: str, request: ConnexionRequest) -> dict[str, Any] | None:
    """The visit of the session named by `x-session`; None (Connexion's 401) when there is none."""
    websale = state()
    shop = websale.shop
    visit = await shop.sessions.open(api_key, client_address(request.scope))
    if visit is None:
        return None
    operation_id = request.scope.get("extensions", {}).get(ROUTING, {}).get("operation_id")
    if operation_id in websale.login_operations:
        # Read once here, for the 401 to come before any 400, and handed on to the handler.
        visit = visit.with_account(await shop.records.current(visit))
    bind_visit(visit)
    return {"sub": visit.session_id}
