"""The mock's notion of now: real time plus an offset that `/__mock/clock` moves.

Every rule that depends on time reads it: the vendors' domains (their `clock`), the timestamps they
write, and, through `Store.shift_expiry`, the store's own expiry. The offset is kept in the store,
so the workers of a shared store agree on it; each worker reads it again at most
`REFRESH_SECONDS` after its last read, and a move answers only once that long has passed, so every
request that arrives after the answer sees the moved clock in whichever worker serves it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

from mock_server.store import Store, StoreUnavailable

# Where the offset lives in the store; the store's `clear` removes it, which is real time again.
CLOCK_KEY = "mock:clock"
# How stale a worker's offset may be on a shared store, and so how long a move takes to answer there.
REFRESH_SECONDS = 0.1
# Moves farther than this (about ten years either way) only overflow dates and stores.
MAX_OFFSET_SECONDS = 315_360_000.0

# Epoch seconds: what a vendor's domain calls to know the time.
Clock = Callable[[], float]


class ClockRangeError(ValueError):
    """A move that would put the clock more than `MAX_OFFSET_SECONDS` away from real time."""


class MockClock:
    """Callable like `time.time`, but `offset` seconds ahead (behind when negative)."""

    def __init__(
        self,
        store: Store,
        *,
        shared: bool,
        wall: Clock = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._shared = shared
        self._wall = wall
        self._monotonic = monotonic
        self.offset = 0.0
        # When the offset in hand was read (monotonic); -inf: never, read it at the next request.
        self._read_at = float("-inf")

    def __call__(self) -> float:
        return self._wall() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self(), UTC)

    async def refresh(self) -> None:
        """Read the offset again if another worker may have moved it since the last read."""
        if not self._shared:
            return
        started = self._monotonic()
        if started - self._read_at < REFRESH_SECONDS:
            return
        try:
            stored = await self._store.get(CLOCK_KEY)
        except StoreUnavailable:
            # The request goes on with the offset in hand; whatever it needs from the store answers the outage.
            return
        if started > self._read_at:
            self._read_at = started
            self.offset = float(stored or 0.0)

    async def advance(self, seconds: float) -> float:
        """Move the clock `seconds` on (back when negative); every expiry in the store comes as much closer."""
        return await self._move(lambda offset: offset + seconds)

    async def set_offset(self, offset: float) -> float:
        """Put the clock `offset` seconds from real time (0: real time)."""
        return await self._move(lambda _: offset)

    async def _move(self, target: Callable[[float], float]) -> float:
        def mutation(current: float | None) -> tuple[float, tuple[float, float]]:
            before = float(current or 0.0)
            after = target(before)
            if abs(after) > MAX_OFFSET_SECONDS:
                raise ClockRangeError(
                    f"the clock may be at most {MAX_OFFSET_SECONDS:.0f} seconds from real time; "
                    f"this move would put it {after:.0f} seconds away"
                )
            return after, (before, after)

        before, after = await self._store.update(CLOCK_KEY, mutation)
        if after != before:
            await self._store.shift_expiry(after - before)
        self.offset = after
        self._read_at = self._monotonic()
        await self.settle()
        return after

    async def forget(self) -> None:
        """The store was emptied (a reset): real time again, in every worker once settled."""
        self.offset = 0.0
        self._read_at = self._monotonic()
        await self.settle()

    async def settle(self) -> None:
        """On a shared store, wait until every other worker has read the offset again."""
        if self._shared:
            await asyncio.sleep(REFRESH_SECONDS + 0.01)
