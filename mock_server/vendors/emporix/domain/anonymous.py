"""Anonymous login and refresh: a storefront's visitor gets a session, its context and tokens."""

from __future__ import annotations

import uuid
from typing import Any

from mock_server.common.settings import Settings
from mock_server.vendors.emporix.domain.clients import Clients
from mock_server.vendors.emporix.domain.clock import Clock
from mock_server.vendors.emporix.domain.contexts import ContextService
from mock_server.vendors.emporix.domain.errors import (
    invalid_client,
    invalid_refresh_token,
)
from mock_server.vendors.emporix.domain.tokens import Token, Tokens


class AnonymousSessions:
    def __init__(
        self, settings: Settings, clients: Clients, tokens: Tokens, contexts: ContextService, clock: Clock
    ) -> None:
        self._settings = settings
        self._clients = clients
        self._tokens = tokens
        self._contexts = contexts
        self._clock = clock

    async def _check_client(self, tenant: str, client_id: str) -> dict[str, Any]:
        settings = await self._settings.get()
        # A storefront client belongs to the mock's one tenant; for any other it is unknown.
        if tenant != settings["tenant"] or not await self._clients.is_storefront(client_id):
            raise invalid_client()
        return settings

    async def login(
        self,
        tenant: str,
        client_id: str,
        *,
        currency: str | None = None,
        site_code: str | None = None,
        language: str | None = None,
        target_location: str | None = None,
    ) -> dict[str, Any]:
        """An AnonymousToken body for a new session with a new context; `invalidClient`."""
        settings = await self._check_client(tenant, client_id)
        session_id = str(uuid.uuid4())
        await self._contexts.start(
            session_id, site_code=site_code, currency=currency, language=language, target_location=target_location
        )
        now = self._clock()
        grant = Token("anonymous", tenant, (), client_id, session_id, None, now + settings["refreshTokenSeconds"])
        refresh_token = await self._tokens.issue("refresh", grant)
        return await self._answer(settings, grant, refresh_token)

    async def refresh(self, tenant: str, refresh_token: str, client_id: str) -> dict[str, Any]:
        """A new AnonymousToken for the same session, its context's expiry restarted.

        `invalidClient`; `invalidRefreshToken` for a token unknown, expired, of another client or
        tenant, or whose session has ended or belongs to a customer now.
        """
        settings = await self._check_client(tenant, client_id)
        grant = await self._tokens.find("refresh", refresh_token)
        if grant is None or grant.kind != "anonymous" or grant.tenant != tenant or grant.client_id != client_id:
            raise invalid_refresh_token()
        assert grant.session_id is not None
        if not await self._contexts.prolong(grant.session_id):
            raise invalid_refresh_token()
        return await self._answer(settings, grant, refresh_token)

    async def _answer(self, settings: dict[str, Any], grant: Token, refresh_token: str) -> dict[str, Any]:
        now = self._clock()
        seconds = settings["anonymousTokenSeconds"]
        access = Token("anonymous", grant.tenant, (), grant.client_id, grant.session_id, None, now + seconds)
        return {
            "access_token": await self._tokens.issue("access", access),
            "token_type": "Bearer",
            "expires_in": seconds,
            "sessionId": grant.session_id,
            "scope": access.scope,
            "refresh_token": refresh_token,
            "refresh_token_expires_in": grant.seconds_left(now),
        }
