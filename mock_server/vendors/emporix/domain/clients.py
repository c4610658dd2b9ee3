"""Service clients, storefront client ids, and the client-credentials grant."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.common.settings import Settings
from mock_server.common.values import token_key
from mock_server.store import Store
from mock_server.vendors.emporix.domain.clock import Clock
from mock_server.vendors.emporix.domain.errors import invalid_client
from mock_server.vendors.emporix.domain.tokens import Token, Tokens

CLIENT_PREFIX = "emporix:client:"
STOREFRONT_CLIENTS_KEY = "emporix:storefront-clients"
# What Emporix's documentation shows in every service token answer.
SESSION_IDLE_TIME = 120


@dataclass(frozen=True, slots=True)
class ServiceClient:
    """A client of `POST /oauth/token`; only the secret's digest is kept."""

    id: str
    secret_digest: str
    scopes: tuple[str, ...]

    @classmethod
    def from_fixture(cls, entry: Mapping[str, Any]) -> ServiceClient:
        return cls(entry["id"], token_key(entry["secret"]), tuple(entry["scopes"]))

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ServiceClient:
        return cls(record["id"], record["secretDigest"], tuple(record["scopes"]))

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "secretDigest": self.secret_digest, "scopes": list(self.scopes)}

    def accepts(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_digest, token_key(secret))

    def granted(self, requested: str | None) -> tuple[str, ...]:
        """The client's scopes, narrowed to the requested ones when a scope is asked for."""
        if requested is None or not requested.strip():
            return self.scopes
        wanted = set(requested.split())
        return tuple(scope for scope in self.scopes if scope in wanted)


class Clients:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def seed(self, clients: Iterable[ServiceClient], storefront_ids: Iterable[str]) -> None:
        for client in clients:
            await self._store.put(CLIENT_PREFIX + client.id, client.record())
        await self._store.put(STOREFRONT_CLIENTS_KEY, list(storefront_ids))

    async def service_client(self, client_id: str) -> ServiceClient | None:
        record = await self._store.get(CLIENT_PREFIX + client_id)
        return None if record is None else ServiceClient.from_record(record)

    async def is_storefront(self, client_id: str | None) -> bool:
        return client_id in (await self._store.get(STOREFRONT_CLIENTS_KEY) or [])


class ClientCredentials:
    """`POST /oauth/token` with `grant_type=client_credentials`."""

    def __init__(self, settings: Settings, clients: Clients, tokens: Tokens, clock: Clock) -> None:
        self._settings = settings
        self._clients = clients
        self._tokens = tokens
        self._clock = clock

    async def issue(self, client_id: str, client_secret: str, scope: str | None = None) -> dict[str, Any]:
        """A ServiceToken body; `invalidClient` for an unknown client or a wrong secret."""
        client = await self._clients.service_client(client_id)
        if client is None or not client.accepts(client_secret):
            raise invalid_client()
        settings = await self._settings.get()
        seconds = settings["serviceTokenSeconds"]
        token = Token(
            "service", settings["tenant"], client.granted(scope), client.id, None, None, self._clock() + seconds
        )
        return {
            "access_token": await self._tokens.issue("access", token),
            "token_type": "Bearer",
            "expires_in": seconds,
            "session_idle_time": SESSION_IDLE_TIME,
            "refresh_token": "",
            "refresh_token_expires_in": 0,
            "scope": token.scope,
        }
