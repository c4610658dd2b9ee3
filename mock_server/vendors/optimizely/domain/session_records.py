"""Session records: who is signed in, the chosen customers, language and currency, and the idle clock.

A session is named by its access tokens (it is opened by the password grant) or by the `SessionId`
cookie (opened when a caller without either first stores something). Records are small, since
idle sessions are the mock's largest population: short keys, and absent values left out.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.common.values import token_key
from mock_server.store import Store
from mock_server.vendors.optimizely.domain.clock import CLEANUP_GRACE_SECONDS, Clock

SESSION_PREFIX = "optimizely:session:"
# The cookie values the mock hands out (`secrets.token_urlsafe(32)`); others name no session.
_COOKIE = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True, slots=True)
class SessionState:
    """One session as stored.

    `seen` is the last request that named it (epoch seconds). A remembered session has no idle
    timeout: a cookie session's ends at `ends_at` (its cookie's Max-Age), a token session's when
    its tokens expire.
    """

    seen: float
    user_id: str | None = None
    bill_to_id: str | None = None
    ship_to_id: str | None = None
    language: str | None = None  # a language code; None: the website's default
    currency: str | None = None  # a currency code; None: the website's default
    remember_me: bool = False
    ends_at: float | None = None

    def ends(self, idle_seconds: float) -> float | None:
        """When the session ends; None: a remembered one, which does not."""
        if self.ends_at is not None:
            return self.ends_at
        return None if self.remember_me else self.seen + idle_seconds

    def live(self, now: float, idle_seconds: float) -> bool:
        end = self.ends(idle_seconds)
        return end is None or now < end

    def signed_out(self) -> SessionState:
        """Without user, customers and the remembered profile; language and currency stay."""
        return dataclasses.replace(
            self, user_id=None, bill_to_id=None, ship_to_id=None, remember_me=False, ends_at=None
        )

    def record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"t": self.seen}
        for key, value in (
            ("u", self.user_id),
            ("b", self.bill_to_id),
            ("s", self.ship_to_id),
            ("l", self.language),
            ("c", self.currency),
            ("x", self.ends_at),
        ):
            if value is not None:
                record[key] = value
        if self.remember_me:
            record["r"] = 1
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> SessionState:
        get = record.get
        return cls(
            seen=record["t"],
            user_id=get("u"),
            bill_to_id=get("b"),
            ship_to_id=get("s"),
            language=get("l"),
            currency=get("c"),
            remember_me=bool(get("r")),
            ends_at=get("x"),
        )


class SessionEnded(Exception):
    """The session ended (or another request signed it in or out) while this request ran."""


class _Unchanged(Exception):
    def __init__(self, state: SessionState) -> None:
        super().__init__()
        self.state = state


def cookie_session_id(cookie: str | None) -> str | None:
    """The session a `SessionId` cookie names; the store keeps only the cookie's digest."""
    if cookie is None or not _COOKIE.fullmatch(cookie):
        return None
    return token_key(cookie)


class SessionRecords:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def _ttl(self, state: SessionState, settings: Mapping[str, Any], now: float) -> float:
        """How long the store keeps the record: until the session can end at the latest, and a grace."""
        if state.ends_at is not None:
            lasting = state.ends_at - now
        elif state.remember_me:
            lasting = max(settings["refreshTokenSeconds"], settings["accessTokenSeconds"])
        else:
            lasting = settings["sessionIdleSeconds"]
        return max(lasting, 0.0) + CLEANUP_GRACE_SECONDS

    async def touch(self, session_id: str, settings: Mapping[str, Any]) -> SessionState | None:
        """The live session, its idle time restarted (a request names it); None if there is none."""
        now = self._clock()
        idle = settings["sessionIdleSeconds"]

        def restart(record: Any) -> tuple[Any, SessionState | None]:
            if record is None:
                return None, None
            state = SessionState.from_record(record)
            if not state.live(now, idle):
                return None, None  # over: clear it now rather than at the store's expiry
            if state.remember_me:
                raise _Unchanged(state)  # no idle clock to restart: spare the write
            state = dataclasses.replace(state, seen=now)
            return state.record(), state

        try:
            return await self._store.update(
                SESSION_PREFIX + session_id, restart, settings["sessionIdleSeconds"] + CLEANUP_GRACE_SECONDS
            )
        except _Unchanged as unchanged:
            return unchanged.state

    async def keep_for_tokens(self, session_id: str, state: SessionState, settings: Mapping[str, Any]) -> None:
        """A remembered token session lasts as long as its tokens: a refresh issued new ones."""
        if state.remember_me and state.ends_at is None:
            await self._store.touch(SESSION_PREFIX + session_id, self._ttl(state, settings, self._clock()))

    async def open_for_tokens(self, settings: Mapping[str, Any]) -> tuple[str, SessionState]:
        """A new anonymous session for the password grant's tokens."""
        session_id = secrets.token_hex(16)
        state = SessionState(seen=self._clock())
        await self._store.put(SESSION_PREFIX + session_id, state.record(), self._ttl(state, settings, state.seen))
        return session_id, state

    async def open_for_cookie(self, state: SessionState, settings: Mapping[str, Any]) -> str:
        """Store a new cookie session; answers the cookie's value."""
        cookie = secrets.token_urlsafe(32)
        session_id = token_key(cookie)
        await self._store.put(SESSION_PREFIX + session_id, state.record(), self._ttl(state, settings, self._clock()))
        return cookie

    async def change(
        self,
        session_id: str,
        settings: Mapping[str, Any],
        seen_as: SessionState,
        change: Callable[[SessionState], SessionState],
    ) -> SessionState:
        """Apply `change` atomically to the live session this request saw as `seen_as`.

        `SessionEnded` if it ended meanwhile; `change` may raise it too (say, the session is another
        user's now).
        """
        now = self._clock()
        idle = settings["sessionIdleSeconds"]

        def apply(record: Any) -> tuple[Any, SessionState]:
            current = None if record is None else SessionState.from_record(record)
            if current is None or not current.live(now, idle):
                raise SessionEnded
            changed = change(current)
            return changed.record(), changed

        # `change` is pure, so what it makes of the state seen says how long the result lasts.
        ttl = self._ttl(change(seen_as), settings, now)
        return await self._store.update(SESSION_PREFIX + session_id, apply, ttl)

    async def end(self, session_id: str) -> None:
        await self._store.delete(SESSION_PREFIX + session_id)
