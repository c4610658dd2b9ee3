"""The running mock's state: one store, and each served vendor's domain over it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from starlette.types import Scope

from mock_server.clock import MockClock
from mock_server.config import ServerConfig
from mock_server.context import bind_request
from mock_server.faults import Faults
from mock_server.shared_journal import StoreJournal
from mock_server.store import Store, is_shared, open_store
from mock_server.validation import SchemaJudges
from mock_server.vendor import MockVendor, StateContext, VendorState
from storefront_kit.contract import Contract
from storefront_kit.journal import Journal

# A marker reads SEEDING while one process writes a vendor's fixtures, and the vendor's layout
# once all are written. A seeder that dies leaves SEEDING behind, which expires so another process
# seeds again. A marker naming an older layout (state kept in a shared store from an earlier
# version) is brought up to date by the first process that sees it.
SEEDING = "seeding"
SEEDING_TTL_SECONDS = 60
SEED_POLL_SECONDS = 0.05


class Runtime:
    def __init__(self, config: ServerConfig, vendors: Mapping[str, tuple[MockVendor, Contract]]) -> None:
        self.config = config
        self.store: Store = open_store(config.state)
        self.clock = MockClock(self.store, shared=is_shared(config.state))
        self.judges = SchemaJudges()  # this app's compiled validators
        self.contracts: dict[str, Contract] = {name: contract for name, (_, contract) in vendors.items()}
        self.journal: Journal = (
            StoreJournal(self.store, config.journal_size) if config.journal_in_store else Journal(config.journal_size)
        )
        self.faults = Faults(self.store, shared=is_shared(config.state))
        self.states: dict[str, VendorState] = {
            name: vendor.state(
                StateContext(
                    self.store,
                    contract,
                    config.fixtures if len(vendors) == 1 else None,
                    config.seed,
                    config.locale,
                    self._reseed,
                    self.clock,
                )
            )
            for name, (vendor, contract) in vendors.items()
        }
        self._seed_lock = asyncio.Lock()
        self._seeded = False

    def state(self, name: str) -> VendorState:
        return self.states[name]

    async def bind(self, scope: Scope) -> None:
        """Make this runtime the current request's, its store seeded before the first answer."""
        bind_request(self, scope)
        if not self._seeded or self._seed_lock.locked():
            await self.ensure_seeded()
        await self.clock.refresh()

    async def ensure_seeded(self) -> None:
        """Seed an unseeded store once, whichever process comes first; the others wait until it is done.

        A shared store already seeded by another instance is kept. Requests that arrive during a
        reset wait for it instead of seeing a half-empty store.
        """
        if self._seeded and not self._seed_lock.locked():
            return
        async with self._seed_lock:
            if self._seeded:
                return
            for state in self.states.values():
                await self._seed_once(state)
            self._seeded = True

    async def _seed_once(self, state: VendorState) -> None:
        # Bounded: a seeder that never finishes lets its marker expire, and then this one seeds.
        while not await self.store.add(state.seed_marker, SEEDING, ttl=SEEDING_TTL_SECONDS):
            marker = await self.store.get(state.seed_marker)
            if marker not in (None, SEEDING):
                if marker != state.layout:
                    # Rewriting is idempotent, so processes that race here agree.
                    await state.upgrade()
                    await self.store.put(state.seed_marker, state.layout)
                return
            await asyncio.sleep(SEED_POLL_SECONDS)
        await state.seed()
        await self.store.put(state.seed_marker, state.layout)

    async def _reseed(self) -> None:
        """A vendor's settings are gone: the store was emptied (say, a Redis restarted without its data)."""
        self._seeded = False
        await self.ensure_seeded()

    async def reset(self) -> None:
        """Back to the fixture state of every served vendor, and to real time."""
        async with self._seed_lock:
            await self.store.clear()
            await self.clock.forget()
            for state in self.states.values():
                await self.store.put(state.seed_marker, SEEDING, ttl=SEEDING_TTL_SECONDS)
                await state.seed()
                await self.store.put(state.seed_marker, state.layout)
            self._seeded = True

    def banner(self) -> list[tuple[str, str]]:
        return [line for state in self.states.values() for line in state.banner()]

    async def close(self) -> None:
        await self.store.close()
