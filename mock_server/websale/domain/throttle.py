"""Login throttling per account (e-mail, case-insensitive) and per client address."""

from __future__ import annotations

import math
from typing import Any

from mock_server.errors import ApiError
from mock_server.store import Store
from mock_server.websale.domain._util import email_key

PREFIX = "websale:throttle:"


class LoginThrottle:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def _blocked_for(self, key: str) -> int | None:
        remaining = await self._store.ttl(PREFIX + "block:" + key)
        if remaining is None:
            return None
        return max(1, math.ceil(remaining))

    async def ensure_address_free(self, client: str, code: str = "ipAddressBlocked") -> None:
        seconds = await self._blocked_for("ip:" + client)
        if seconds is not None:
            raise ApiError(code, f"Requests from this address are blocked; try again in {seconds} seconds.", retry_after=seconds)

    async def ensure_allowed(self, email: str, client: str) -> None:
        await self.ensure_address_free(client)
        seconds = await self._blocked_for("account:" + email_key(email))
        if seconds is not None:
            raise ApiError("loginBlocked", f"Too many failed logins; try again in {seconds} seconds.", retry_after=seconds)

    async def record_failure(self, email: str, client: str, rules: dict[str, Any]) -> None:
        window = rules["windowSeconds"]
        for kind, key, limit, block in (
            ("account", email_key(email), rules["accountMaxFailures"], rules["accountBlockSeconds"]),
            ("ip", client, rules["ipMaxFailures"], rules["ipBlockSeconds"]),
        ):
            failures = await self._store.incr(f"{PREFIX}failures:{kind}:{key}", window)
            if failures >= limit:
                # A fresh count starts when the block ends.
                await self._store.put(f"{PREFIX}block:{kind}:{key}", True, block)
                await self._store.delete(f"{PREFIX}failures:{kind}:{key}")

    async def record_success(self, email: str) -> None:
        await self._store.delete(f"{PREFIX}failures:account:{email_key(email)}")
