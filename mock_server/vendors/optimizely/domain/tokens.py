"""Access and refresh tokens: opaque, stored under their digest, bound to one session.

A token is only as alive as its session: ending the session (sign-out, idle timeout) revokes
every token issued for it at once, without a list of them to walk.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.common.values import token_key
from mock_server.store import Store
from mock_server.vendors.optimizely.domain.clock import CLEANUP_GRACE_SECONDS, Clock

ACCESS_PREFIX = "optimizely:token:"
REFRESH_PREFIX = "optimizely:refresh:"


@dataclass(frozen=True, slots=True)
class AccessToken:
    session_id: str
    expires_at: float

    def record(self) -> dict[str, Any]:
        return {"s": self.session_id, "e": self.expires_at}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> AccessToken:
        return cls(record["s"], record["e"])


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """A one-time refresh token: the client it was issued to and the scopes it may ask for again."""

    session_id: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float

    def record(self) -> dict[str, Any]:
        return {"s": self.session_id, "c": self.client_id, "o": " ".join(self.scopes), "e": self.expires_at}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> RefreshToken:
        return cls(record["s"], record["c"], tuple(record["o"].split()), record["e"])


class _OtherClients(Exception):
    """A refresh token shown by a client it was not issued to: refused, and left to its owner."""


class Tokens:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def _put(self, prefix: str, record: dict[str, Any], seconds: float) -> str:
        value = secrets.token_urlsafe(32)
        await self._store.put(prefix + token_key(value), record, seconds + CLEANUP_GRACE_SECONDS)
        return value

    async def issue_access(self, session_id: str, seconds: float) -> str:
        return await self._put(ACCESS_PREFIX, AccessToken(session_id, self._clock() + seconds).record(), seconds)

    async def issue_refresh(self, session_id: str, client_id: str, scopes: tuple[str, ...], seconds: float) -> str:
        token = RefreshToken(session_id, client_id, scopes, self._clock() + seconds)
        return await self._put(REFRESH_PREFIX, token.record(), seconds)

    async def access(self, value: str | None) -> AccessToken | None:
        """The access token's grant; None for an unknown or expired one (its session is not checked)."""
        if not value:
            return None
        record = await self._store.get(ACCESS_PREFIX + token_key(value))
        if record is None:
            return None
        token = AccessToken.from_record(record)
        return token if self._clock() < token.expires_at else None

    async def spend_refresh(
        self, value: str, client_id: str, check: Callable[[RefreshToken], None]
    ) -> RefreshToken | None:
        """Spend a refresh token of `client_id`: its grant, or None for one unknown, spent, expired or
        another client's. `check` may refuse the request by raising; the token then stays unspent.
        """
        now = self._clock()

        def spend(record: Any) -> tuple[Any, RefreshToken | None]:
            if record is None:
                return None, None
            token = RefreshToken.from_record(record)
            if token.client_id != client_id:
                raise _OtherClients
            if now >= token.expires_at:
                return None, None
            check(token)
            return None, token

        try:
            return await self._store.update(REFRESH_PREFIX + token_key(value), spend)
        except _OtherClients:
            return None
