"""Opt-in and autologin tokens: random, single use, expiring."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mock_server.common.values import iso_at, new_token, token_key
from mock_server.store import Store

OPT_IN_PREFIX = "websale:otok:"
AUTOLOGIN_PREFIX = "websale:autologin:"


class OptInTokens:
    """E-mailed tokens that confirm one action (`accountDeletion`, `emailVerification`, `passwordReset`)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def issue(self, action: str, account_id: str, ttl: float, **details: str) -> str:
        token = new_token(16)
        await self._store.put(
            OPT_IN_PREFIX + token_key(token), {"action": action, "accountId": account_id, **details}, ttl
        )
        return token

    async def peek(self, token: str | None, action: str) -> dict[str, Any] | None:
        """The token's record if it is live and meant for `action`; it stays unused."""
        if not token:
            return None
        record: dict[str, Any] | None = await self._store.get(OPT_IN_PREFIX + token_key(token))
        if record is None or record.get("action") != action:
            return None
        return record

    async def spend(self, token: str) -> bool:
        """Use the token up; False if another request used it first."""
        return await self._store.pop(OPT_IN_PREFIX + token_key(token)) is not None


class AutologinTokens:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    async def issue(self, account_id: str, mode: str, ttl: float) -> tuple[str, str]:
        token = new_token(32)
        await self._store.put(AUTOLOGIN_PREFIX + token_key(token), {"accountId": account_id, "mode": mode}, ttl)
        return token, iso_at(self._clock() + ttl)

    async def redeem(self, token: str) -> dict[str, Any] | None:
        grant: dict[str, Any] | None = await self._store.pop(AUTOLOGIN_PREFIX + token_key(token))
        return grant
