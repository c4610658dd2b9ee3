"""In-process store: dicts with lazy expiry. One worker only."""

from __future__ import annotations

import marshal
import time
from typing import Any

from mock_server.store.base import Mutation, T, Value

# Values are kept serialised: every read decodes a fresh object, so callers can never mutate
# stored state behind the store's back, at C speed (for a list of 30 orders ~20x faster than
# `copy.deepcopy`), and an idle session's `{"accountId": null}` takes ~50 bytes instead of a dict.
# marshal is safe here: it only ever reads bytes this process wrote.
_encode = marshal.dumps
_decode = marshal.loads


class MemoryStore:
    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        # Two maps of plain values (str -> bytes, str -> float) rather than one of tuples: the
        # garbage collector never tracks them, so a million live sessions add no collection time.
        self._values: dict[str, bytes] = {}
        self._deadlines: dict[str, float] = {}

    def _live(self, key: str) -> bytes | None:
        value = self._values.get(key)
        if value is None:
            return None
        deadline = self._deadlines.get(key)
        if deadline is not None and deadline <= self._clock():
            self._remove(key)
            return None
        return value

    def _deadline(self, ttl: float | None) -> float | None:
        return None if ttl is None else self._clock() + ttl

    def _set(self, key: str, value: bytes, deadline: float | None) -> None:
        self._values[key] = value
        if deadline is None:
            self._deadlines.pop(key, None)
        else:
            self._deadlines[key] = deadline

    def _remove(self, key: str) -> None:
        self._values.pop(key, None)
        self._deadlines.pop(key, None)

    async def get(self, key: str) -> Value | None:
        value = self._live(key)
        return None if value is None else _decode(value)

    async def get_many(self, keys: list[str]) -> list[Value | None]:
        return [None if (value := self._live(key)) is None else _decode(value) for key in keys]

    async def put(self, key: str, value: Value, ttl: float | None = None) -> None:
        self._set(key, _encode(value), self._deadline(ttl))

    async def add(self, key: str, value: Value, ttl: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        self._set(key, _encode(value), self._deadline(ttl))
        return True

    async def pop(self, key: str) -> Value | None:
        value = self._live(key)
        if value is None:
            return None
        self._remove(key)
        return _decode(value)

    async def delete(self, key: str) -> bool:
        if self._live(key) is None:
            return False
        self._remove(key)
        return True

    async def touch(self, key: str, ttl: float) -> bool:
        if self._live(key) is None:
            return False
        self._deadlines[key] = self._clock() + ttl
        return True

    async def incr(self, key: str, ttl: float) -> int:
        value = self._live(key)
        if value is None:
            self._set(key, _encode(1), self._deadline(ttl))
            return 1
        count = int(_decode(value)) + 1
        self._values[key] = _encode(count)
        return count

    async def ttl(self, key: str) -> float | None:
        if self._live(key) is None:
            return None
        deadline = self._deadlines.get(key)
        return None if deadline is None else max(deadline - self._clock(), 0.0)

    async def update(self, key: str, mutation: Mutation[T], ttl: float | None = None) -> T:
        value = self._live(key)
        new_value, result = mutation(None if value is None else _decode(value))
        if new_value is None:
            self._remove(key)
        else:
            deadline = self._deadline(ttl) if ttl is not None else self._deadlines.get(key)
            self._set(key, _encode(new_value), deadline)
        return result

    async def keys(self, prefix: str) -> list[str]:
        return [key for key in list(self._values) if key.startswith(prefix) and self._live(key) is not None]

    async def shift_expiry(self, seconds: float) -> None:
        now = self._clock()
        for key, deadline in list(self._deadlines.items()):
            if deadline - seconds <= now:
                self._remove(key)
            else:
                self._deadlines[key] = deadline - seconds

    async def clear(self) -> None:
        self._values.clear()
        self._deadlines.clear()

    async def close(self) -> None:
        return None
