"""The request journal kept in the state store, so that every worker sharing it answers the same one.

For `--journal store` with `--workers N` or several instances on one Redis. Each exchange is
rendered (secrets masked) when it is recorded and written under its own key: about one store
write and a masking pass per request, against the per-process journal's reference kept in memory.
A store that cannot be used loses entries, never answers.
"""

from __future__ import annotations

import logging
import secrets
from functools import partial
from typing import Any

from mock_server.store import Store, StoreUnavailable
from storefront_kit.journal import DEFAULT_SIZE, EntryFilter, Exchange, Journal

logger = logging.getLogger("mock_server")

PREFIX = "mock:journal:"
ENTRY_PREFIX = PREFIX + "entry:"
SEQUENCE = PREFIX + "seq"
KEY = PREFIX + "key"
# Entries outlive no busy day; the store clears what bounded deletion missed.
ENTRY_TTL_SECONDS = 86400.0


class StoreJournal(Journal):
    """A `Journal` whose entries live in `store`, shared by the workers using it."""

    def __init__(self, store: Store, size: int = DEFAULT_SIZE) -> None:
        super().__init__(size)
        self.store = store
        self._key_shared = False  # the inherited `_key` is replaced by the store's on first use

    async def _shared_fingerprint(self, session: str) -> str:
        """The session's fingerprint under one key for every worker, so that theirs agree."""
        if not self._key_shared:
            await self.store.add(KEY, secrets.token_hex(16))
            self._key = bytes.fromhex(str(await self.store.get(KEY)))
            self._key_shared = True
        return self.fingerprint(session)

    async def record(self, exchange: Exchange) -> int:
        try:
            entry_id = exchange.id = await self.store.incr(SEQUENCE, ENTRY_TTL_SECONDS * 365)
            session = exchange.session()
            fingerprint = "" if session is None else await self._shared_fingerprint(session)
            value = {"entry": exchange.render(), "fingerprint": fingerprint}
            await self.store.put(f"{ENTRY_PREFIX}{entry_id}", value, ENTRY_TTL_SECONDS)
            if entry_id > self.size:
                await self.store.delete(f"{ENTRY_PREFIX}{entry_id - self.size}")
        except StoreUnavailable as exc:
            logger.debug("journal entry lost: %s", exc)
            return 0
        return entry_id

    async def _stored(self, after: int | None = None) -> list[dict[str, Any]]:
        """The stored entries (with their fingerprints), oldest first."""
        ids = sorted(int(key[len(ENTRY_PREFIX) :]) for key in await self.store.keys(ENTRY_PREFIX))
        ids = [entry_id for entry_id in ids if after is None or entry_id > after]
        values = await self.store.get_many([f"{ENTRY_PREFIX}{entry_id}" for entry_id in ids])
        return [value for value in values if value is not None]

    async def list(
        self,
        *,
        path: str | None = None,
        status: int | None = None,
        session: str | None = None,
        operation: str | None = None,
        contract: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        wanted = EntryFilter(
            path, status, operation, contract, None if session is None else await self._shared_fingerprint(session)
        )
        found = [
            value["entry"]
            for value in await self._stored(after)
            if wanted.admits(
                value["entry"]["path"],
                value["entry"]["status"],
                value["entry"]["operationId"],
                value["entry"]["contract"],
                partial(str, value["fingerprint"]),
            )
        ]
        return found[-limit:]

    async def get(self, entry_id: int) -> dict[str, Any] | None:
        value = await self.store.get(f"{ENTRY_PREFIX}{entry_id}")
        return None if value is None else dict(value["entry"])

    async def clear(self) -> int:
        keys = await self.store.keys(ENTRY_PREFIX)
        return sum([await self.store.delete(key) for key in keys])
