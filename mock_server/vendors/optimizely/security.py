"""The checks of Optimizely's two security schemes, for Connexion.

`BearerToken` is optional on the session operations: a request without it is anonymous (or names
its session by cookie), one whose token is refused answers 401 (`mock_server.security`).
"""

from __future__ import annotations

from typing import Any

from mock_server.vendors.optimizely.context import domain


async def bearer_token(token: str) -> dict[str, Any] | None:
    """`BearerToken`: a live access token whose session has not ended."""
    grant = await domain().authenticate(token)
    return None if grant is None else {"sub": grant.session_id, "grant": grant}


async def client_credentials(username: str, password: str) -> dict[str, Any] | None:
    """`ClientCredentials`: HTTP Basic with a known client id and, where the client has one, its secret."""
    client = await domain().client(username, password)
    return None if client is None else {"sub": client.id, "client": client}
