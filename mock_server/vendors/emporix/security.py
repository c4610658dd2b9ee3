"""The checks of Emporix's two security schemes, for Connexion.

A token for another tenant than the path's is refused right after the token itself, before its
scopes (Connexion checks those next for `OAuth2`) and before any body is read. A path whose tenant
is no tenant name at all is left to parameter validation (400).
"""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionRequest

from mock_server.context import current_runtime
from mock_server.vendors.emporix.context import domain, tenant_parameter
from mock_server.vendors.emporix.domain.errors import invalid_access_token
from mock_server.vendors.emporix.domain.tokens import Token, check_tenant


def _token_info(grant: Token, request: ConnexionRequest) -> dict[str, Any]:
    path_tenant = request.scope.get("path_params", {}).get("tenant")
    if path_tenant not in (None, grant.tenant) and current_runtime().judges.parameter_passes(
        tenant_parameter(), path_tenant
    ):
        check_tenant(grant, path_tenant)
    return {"sub": grant.customer_id or grant.client_id, "scope": grant.scope, "grant": grant}


async def service_token(token: str, request: ConnexionRequest) -> dict[str, Any] | None:
    """`OAuth2`: any live access token; its scopes decide (an anonymous one has none to manage)."""
    grant = await domain().authenticate(token)
    return None if grant is None else _token_info(grant, request)


async def customer_token(token: str, request: ConnexionRequest) -> dict[str, Any] | None:
    """`CustomerAccessToken`: a live anonymous or customer token, which names the session."""
    grant = await domain().authenticate(token)
    if grant is None:
        return None
    if grant.session_id is None:
        raise invalid_access_token()  # a service token belongs to no session
    return _token_info(grant, request)
