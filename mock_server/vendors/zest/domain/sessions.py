"""Query-string sessions: `1` opens one, a live token names one, any other token silently gets a new one.

A session is one store record holding its last request (`t`) and its carts (`mock_server.vendors.zest
.domain.carts`), so every change to a session is one atomic update of one key.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.common.settings import Settings
from mock_server.common.values import token_key
from mock_server.store import Store
from mock_server.vendors.zest.domain.clock import CLEANUP_GRACE_SECONDS, Clock

SESSION_PREFIX = "zest:session:"
OPEN = "1"  # the `_session_token` value that asks for a new session
TOKEN_LENGTH = 15
_TOKEN_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class Session:
    """A live session; `opened` when this request started it (asked for, or the token named none)."""

    token: str
    opened: bool = False

    @property
    def key(self) -> str:
        # The store keeps only the token's digest, never a usable token.
        return SESSION_PREFIX + token_key(self.token)


def new_token() -> str:
    """15 letters and digits (`yjipILZBeUWxrFq`): about 89 bits, from `secrets`."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def lifetime(settings: Mapping[str, Any]) -> float:
    """How long the store keeps a session record after its last request."""
    return float(settings["sessionIdleSeconds"]) + CLEANUP_GRACE_SECONDS


class Sessions:
    def __init__(self, store: Store, settings: Settings, clock: Clock) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock

    async def resume(self, token: str | None) -> Session | None:
        """The session `token` names, its idle time restarted; a new one for `1`, an unknown or ended token."""
        if token is None:
            return None
        settings = await self._settings.get()
        if token != OPEN and await self._restart(Session(token), settings):
            return Session(token)
        return await self._open(settings)

    async def _restart(self, session: Session, settings: Mapping[str, Any]) -> bool:
        now = self._clock()
        idle = settings["sessionIdleSeconds"]

        def restart(record: Any) -> tuple[Any, bool]:
            if record is None:
                return None, False
            if now >= record["t"] + idle:
                return None, False  # ended: clear it now rather than at the store's expiry
            return {**record, "t": now}, True

        return await self._store.update(session.key, restart, lifetime(settings))

    async def _open(self, settings: Mapping[str, Any]) -> Session:
        session = Session(new_token(), opened=True)
        await self._store.put(session.key, {"t": self._clock()}, lifetime(settings))
        return session
