"""The running mock's state: its store, its shop, and the fixture data to (re)seed them."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from mock_server.config import ServerConfig
from mock_server.context import bind_runtime
from mock_server.fixtures import FixtureData, load_fixtures
from mock_server.store import Store, open_store
from mock_server.vendors.websale.domain import Shop
from mock_server.common.passwords import hash_password
from storefront_kit.contract import Contract

SEEDED_KEY = "mock:seeded"
# The marker reads SEEDING while one process writes the fixtures, DONE once all are written. A
# seeder that dies leaves SEEDING behind, which expires so another process seeds again. DONE names
# the layout of the stored state: a shared store kept from an earlier version reads otherwise
# ("done", or True) and is brought up to date by the first process that sees it.
SEEDING, DONE = "seeding", "done:2"
SEEDING_TTL_SECONDS = 60
SEED_POLL_SECONDS = 0.05
DEMO_EMAIL = "demo@example.com"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    password: str


def _hash_in_background(passwords: set[str]) -> dict[str, Future[str]]:
    """Start hashing now: argon2 releases the GIL, so distinct passwords hash in parallel, and
    all of it runs on other cores while Connexion reads the contract."""
    pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fixture-hashes")
    hashes = {password: pool.submit(hash_password, password) for password in passwords}
    pool.shutdown(wait=False)  # its threads end with the hashes
    return hashes


class Runtime:
    def __init__(self, config: ServerConfig, contract: Contract) -> None:
        self.config = config
        self.contract = contract
        self.fixtures: FixtureData = load_fixtures(config.fixtures, seed=config.seed, locale=config.locale)
        self.store: Store = open_store(config.state)
        self.shop = Shop(self.store, contract.resolved["components"]["schemas"], on_empty=self._reseed)
        self._hashes = _hash_in_background({account["password"] for account in self.fixtures.accounts})
        self._seed_lock = asyncio.Lock()
        self._seeded = False

    @property
    def demo_login(self) -> DemoLogin | None:
        accounts = self.fixtures.accounts
        demo = next((a for a in accounts if a["email"].lower() == DEMO_EMAIL), accounts[0] if accounts else None)
        return None if demo is None else DemoLogin(demo["email"], demo["password"])

    async def _password_hashes(self) -> dict[str, str]:
        return {password: await asyncio.wrap_future(hashed) for password, hashed in self._hashes.items()}

    async def bind(self) -> None:
        """Make this runtime the current request's, its store seeded before the first answer."""
        bind_runtime(self)
        await self.ensure_seeded()

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
            hashes = await self._password_hashes()
            # Bounded: a seeder that never finishes lets its marker expire, and then this one seeds.
            while not await self.store.add(SEEDED_KEY, SEEDING, ttl=SEEDING_TTL_SECONDS):
                marker = await self.store.get(SEEDED_KEY)
                if marker not in (None, SEEDING):
                    if marker != DONE:
                        # Rewriting is idempotent, so processes that race here agree.
                        await self.shop.upgrade()
                        await self.store.put(SEEDED_KEY, DONE)
                    self._seeded = True
                    return
                await asyncio.sleep(SEED_POLL_SECONDS)
            await self.shop.seed(self.fixtures, hashes)
            await self.store.put(SEEDED_KEY, DONE)
            self._seeded = True

    async def _reseed(self) -> None:
        """The shop's settings are gone: the store was emptied (say, a Redis restarted without its data)."""
        self._seeded = False
        await self.ensure_seeded()

    async def reset(self) -> None:
        async with self._seed_lock:
            hashes = await self._password_hashes()
            await self.store.clear()
            await self.store.put(SEEDED_KEY, SEEDING, ttl=SEEDING_TTL_SECONDS)
            await self.shop.seed(self.fixtures, hashes)
            await self.store.put(SEEDED_KEY, DONE)
            self._seeded = True

    async def close(self) -> None:
        await self.store.close()

