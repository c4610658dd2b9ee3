"""Login throttling per account (e-mail, case-insensitive) and per client address."""

from __future__ import annotations

import math
from typing import Any

from mock_server.common.values import email_key
from mock_server.errors import ApiError
from mock_server.store import Store

PREFIX = "websale:throttle:"


def _account(email: str) -> str:
    return "account:" + email_key(email)


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
            raise ApiError(
                code, f"Requests from this address are blocked; try again in {seconds} seconds.", retry_after=seconds
            )

    async def ensure_allowed(self, email: str, client: str, rules: dict[str, Any]) -> int:
        """Refuse a blocked client or account, else count the attempt as failed until it succeeds.

        Answers the attempt's number in the account's window. Counting before the password is
        checked keeps parallel guesses within the limit: attempts still being checked use up the
        allowance as failures would, and the ones beyond it are refused at once.
        """
        await self.ensure_address_free(client)
        key = _account(email)
        seconds = await self._blocked_for(key)
        if seconds is not None:
            raise ApiError(
                "loginBlocked", f"Too many failed logins; try again in {seconds} seconds.", retry_after=seconds
            )
        attempt = await self._store.incr(f"{PREFIX}failures:{key}", rules["windowSeconds"])
        if attempt > rules["accountMaxFailures"]:
            raise ApiError(
                "loginBlocked",
                "Too many login attempts on this account are under way; try again in 1 second.",
                retry_after=1,
            )
        return attempt

    async def record_failure(self, email: str, client: str, attempt: int, rules: dict[str, Any]) -> None:
        """`attempt` failed: block the account at its limit, and count the failure for the client."""
        if attempt >= rules["accountMaxFailures"]:
            await self._block(_account(email), rules["accountBlockSeconds"])
        failures = await self._store.incr(f"{PREFIX}failures:ip:{client}", rules["windowSeconds"])
        if failures >= rules["ipMaxFailures"]:
            await self._block("ip:" + client, rules["ipBlockSeconds"])

    async def _block(self, key: str, seconds: int) -> None:
        await self._store.put(f"{PREFIX}block:{key}", True, seconds)
        # A fresh count starts when the block ends.
        await self._store.delete(f"{PREFIX}failures:{key}")

    async def record_success(self, email: str) -> None:
        await self._store.delete(f"{PREFIX}failures:{_account(email)}")
