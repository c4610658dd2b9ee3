"""The clients of the token endpoint, checked with HTTP Basic."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.common.values import token_key
from mock_server.store import Store

CLIENT_PREFIX = "optimizely:client:"


@dataclass(frozen=True, slots=True)
class Client:
    """A client of `POST /identity/connect/token`; only its secret's digest is kept.

    A client without a secret (the storefront's `isc` in the bundled fixtures) accepts any one,
    as long as the Basic credentials are sent at all.
    """

    id: str
    secret_digest: str | None

    @classmethod
    def from_fixture(cls, entry: Mapping[str, Any]) -> Client:
        secret = entry.get("secret")
        return cls(entry["id"], None if secret is None else token_key(secret))

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Client:
        return cls(record["id"], record["secretDigest"])

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "secretDigest": self.secret_digest}

    def accepts(self, secret: str) -> bool:
        return self.secret_digest is None or hmac.compare_digest(self.secret_digest, token_key(secret))


class Clients:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def seed(self, clients: Iterable[Client]) -> None:
        for client in clients:
            await self._store.put(CLIENT_PREFIX + client.id, client.record())

    async def check(self, client_id: str | None, secret: str | None) -> Client | None:
        """The client the Basic credentials name; None if missing, unknown, or the secret is wrong."""
        if client_id is None or secret is None:
            return None
        record = await self._store.get(CLIENT_PREFIX + client_id)
        client = None if record is None else Client.from_record(record)
        return client if client is not None and client.accepts(secret) else None
