"""The one interface every state backend implements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# Values are JSON-compatible (dict, list, str, int, float, bool, None); backends may serialise them.
Value = Any
# Read-modify-write: receives the current value (None if absent) and returns the new value
# (None deletes the key) together with the result handed back to the caller.
Mutation = Callable[[Value | None], tuple[Value | None, T]]


class StoreUnavailable(Exception):
    """The backend cannot be used; `kind` says how, and each contract names its answer to each kind.

    `refused`: something answers at the address but gives no usable connection (refused, locked,
    pool exhausted); `unreachable`: no service answers there, or it is not usable at all.
    """

    KINDS = ("refused", "unreachable")

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        assert kind in self.KINDS, kind
        self.kind = kind


class Store(Protocol):
    """A key-value store with expiry and atomic updates.

    Expiry (`ttl`, seconds, always > 0) is kept by the backend itself, so an expired key is
    absent on every later read. Every method is atomic with respect to concurrent callers, also
    across processes for the backends that are shared. `StoreUnavailable` means the outcome is
    unknown, not that nothing was written.
    """

    async def get(self, key: str) -> Value | None: ...

    async def get_many(self, keys: list[str]) -> list[Value | None]:
        """The values of `keys` in their order, None for absent or expired ones.

        One round trip on the shared backends; an empty `keys` makes none.
        """
        ...

    async def put(self, key: str, value: Value, ttl: float | None = None) -> None: ...

    async def add(self, key: str, value: Value, ttl: float | None = None) -> bool:
        """Store only if the key is absent; True if stored."""
        ...

    async def pop(self, key: str) -> Value | None:
        """Remove and return the value (single-use reads)."""
        ...

    async def delete(self, key: str) -> bool: ...

    async def touch(self, key: str, ttl: float) -> bool:
        """Restart the key's expiry; False if the key is absent."""
        ...

    async def incr(self, key: str, ttl: float) -> int:
        """Add one to a counter; `ttl` applies only when this call creates the counter."""
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds the key has left, None if it has no expiry or is absent."""
        ...

    async def update(self, key: str, mutation: Mutation[T], ttl: float | None = None) -> T:
        """Apply `mutation` atomically and return its result.

        `mutation` may run more than once (optimistic backends retry it) and off the event loop:
        it must be a quick, pure function of its argument. If it raises, nothing is written and
        the exception reaches the caller.
        """
        ...

    async def keys(self, prefix: str) -> list[str]:
        """Keys starting with `prefix`, in no particular order; for controls and maintenance only."""
        ...

    async def shift_expiry(self, seconds: float) -> None:
        """Bring every expiry `seconds` closer (farther when negative): the mock's clock moved.

        Keys that fall due are removed, so moving the clock back again brings none of them back.
        Walks the whole key space, like `keys`; for controls only.
        """
        ...

    async def clear(self) -> None:
        """Remove every key of this store, and only those."""
        ...

    async def close(self) -> None: ...
