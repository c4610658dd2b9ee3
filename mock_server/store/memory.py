"""In-process store: a dict with lazy expiry. One worker only."""

from __future__ import annotations

import copy
import time
from typing import Any

from mock_server.store.base import Mutation, T, Value


class MemoryStore:
    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._data: dict[str, tuple[Value, float | None]] = {}

    def _live(self, key: str) -> tuple[Value, float | None] | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[1] is not None and entry[1] <= self._clock():
            del self._data[key]
            return None
        return entry

    def _deadline(self, ttl: float | None) -> float | None:
        return None if ttl is None else self._clock() + ttl

    async def get(self, key: str) -> Value | None:
        entry = self._live(key)
        # Copies keep callers from mutating stored state behind the store's back.
        return None if entry is None else copy.deepcopy(entry[0])

    async def put(self, key: str, value: Value, ttl: float | None = None) -> None:
        self._data[key] = (copy.deepcopy(value), self._deadline(ttl))

    async def add(self, key: str, value: Value, ttl: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        self._data[key] = (copy.deepcopy(value), self._deadline(ttl))
        return True

    async def pop(self, key: str) -> Value | None:
        entry = self._live(key)
        if entry is None:
            return None
        del self._data[key]
        return entry[0]

    async def delete(self, key: str) -> bool:
        return self._live(key) is not None and self._data.pop(key, None) is not None

    async def touch(self, key: str, ttl: float) -> bool:
        entry = self._live(key)
        if entry is None:
            return False
        self._data[key] = (entry[0], self._deadline(ttl))
        return True

    async def incr(self, key: str, ttl: float) -> int:
        entry = self._live(key)
        if entry is None:
            self._data[key] = (1, self._deadline(ttl))
            return 1
        self._data[key] = (int(entry[0]) + 1, entry[1])
        return int(entry[0]) + 1

    async def ttl(self, key: str) -> float | None:
        entry = self._live(key)
        if entry is None or entry[1] is None:
            return None
        return max(entry[1] - self._clock(), 0.0)

    async def update(self, key: str, mutation: Mutation[T], ttl: float | None = None) -> T:
        entry = self._live(key)
        current = None if entry is None else copy.deepcopy(entry[0])
        new_value, result = mutation(current)
        if new_value is None:
            self._data.pop(key, None)
        else:
            deadline = self._deadline(ttl) if ttl is not None else (entry[1] if entry else None)
            self._data[key] = (copy.deepcopy(new_value), deadline)
        return result

    async def keys(self, prefix: str) -> list[str]:
        return [key for key in list(self._data) if key.startswith(prefix) and self._live(key) is not None]

    async def clear(self) -> None:
        self._data.clear()

    async def close(self) -> None:
        return None
