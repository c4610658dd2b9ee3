"""Access, refresh and saas tokens: opaque, stored under their digest, revocable per session."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mock_server.common.values import token_key
from mock_server.store import Store
from mock_server.vendors.emporix.domain.clock import Clock
from mock_server.vendors.emporix.domain.errors import (
    invalid_access_token,
    tenant_mismatch,
)

TokenKind = Literal["service", "anonymous", "customer"]
TokenUse = Literal["access", "refresh", "saas"]

PREFIXES: Mapping[TokenUse, str] = {
    "access": "emporix:token:",
    "refresh": "emporix:refresh:",
    "saas": "emporix:saas:",
}
SESSION_TOKENS_PREFIX = "emporix:session-tokens:"
# Expiry is decided on the tenant's clock; the store only clears records left over long after.
CLEANUP_GRACE_SECONDS = 86400


@dataclass(frozen=True, slots=True)
class Token:
    """What a token grants; the same record serves access, refresh and saas tokens."""

    kind: TokenKind
    tenant: str
    scopes: tuple[str, ...]
    client_id: str
    session_id: str | None
    customer_id: str | None
    expires_at: float

    @property
    def scope(self) -> str:
        """The OAuth `scope` string; Emporix names the tenant in it first."""
        return " ".join((f"tenant={self.tenant}", *self.scopes))

    def seconds_left(self, now: float) -> int:
        return max(int(self.expires_at - now), 0)

    def record(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "tenant": self.tenant,
            "scopes": list(self.scopes),
            "clientId": self.client_id,
            "sessionId": self.session_id,
            "customerId": self.customer_id,
            "expiresAt": self.expires_at,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Token:
        return cls(
            kind=record["kind"],
            tenant=record["tenant"],
            scopes=tuple(record["scopes"]),
            client_id=record["clientId"],
            session_id=record["sessionId"],
            customer_id=record["customerId"],
            expires_at=float(record["expiresAt"]),
        )


def check_tenant(token: Token, tenant: str) -> None:
    """Refuse a token used on another tenant's path (`tenantMismatch`)."""
    if token.tenant != tenant:
        raise tenant_mismatch()


def session_of(token: Token) -> str:
    """The session an anonymous or customer token belongs to; a service token has none."""
    if token.session_id is None:
        raise invalid_access_token()
    return token.session_id


class Tokens:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def issue(self, use: TokenUse, token: Token) -> str:
        """A new opaque token for `token`'s grant; tokens of a session are listed for revocation."""
        value = secrets.token_urlsafe(32)
        key = PREFIXES[use] + token_key(value)
        ttl = max(token.expires_at - self._clock(), 0.0) + CLEANUP_GRACE_SECONDS
        await self._store.put(key, token.record(), ttl)
        if token.session_id is not None:
            await self._list(token.session_id, key, ttl)
        return value

    async def _list(self, session_id: str, key: str, ttl: float) -> None:
        index = SESSION_TOKENS_PREFIX + session_id
        # The list lives as long as its longest-lived token, so logout reaches every one of them.
        ttl = max(ttl, await self._store.ttl(index) or 0.0)
        await self._store.update(index, lambda keys: ([*(keys or []), key], None), ttl)

    async def find(self, use: TokenUse, value: str | None) -> Token | None:
        """The live grant of a token; None for an unknown, revoked or expired one."""
        if not value:
            return None
        record = await self._store.get(PREFIXES[use] + token_key(value))
        if record is None:
            return None
        token = Token.from_record(record)
        return token if self._clock() < token.expires_at else None

    async def revoke_session(self, session_id: str) -> int:
        """Revoke every token issued for the session; answers how many there were."""
        keys: list[str] = await self._store.pop(SESSION_TOKENS_PREFIX + session_id) or []
        for key in keys:
            await self._store.delete(key)
        return len(keys)
