"""Redis store: shared by any number of workers and mock instances.

Expiry is Redis's own (SET PX, PEXPIRE), so every client sees the same deadlines. Single-key
operations are single commands (SET NX, GETDEL: Redis 6.2 or later) or a Lua script (incr, which
starts the expiry when it creates the counter); `update` runs the Python mutation between WATCH and
MULTI/EXEC and retries when another client changed the key in between.

Every call is bounded: 1 s to connect, 1 s per reply, 1 s to wait for a pooled connection, and an
overall limit per call, so an outage answers a 503 quickly instead of hanging a request. Nothing
is cached across failures; the pool reconnects on the next call once Redis is back.
"""

from __future__ import annotations

import asyncio
import errno
import json
import random
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis import exceptions as rex
from redis.asyncio.retry import Retry
from redis.backoff import ConstantBackoff

from mock_server.store.base import Mutation, StoreUnavailable, T, Value

R = TypeVar("R")

DEFAULT_PREFIX = "storefront:"
CONNECT_TIMEOUT = 1.0
REPLY_TIMEOUT = 1.0
POOL_TIMEOUT = 1.0
MAX_CONNECTIONS = 64
# Upper bound for one store call, whatever mix of waits above it runs into.
CALL_TIMEOUT = 2.5
# How long an update waits behind others of the same key in this process.
LOCK_WAIT = 1.0
# How long one update may keep losing WATCH races before it gives up.
CONTENTION_LIMIT = 5.0
# keys() and clear() walk the whole key space; they serve controls, not requests.
MAINTENANCE_TIMEOUT = 30.0
SCAN_BATCH = 500

REFUSED = "refused"
UNREACHABLE = "unreachable"

# Replies that mean the server is up but not serving (loading, read-only replica, failed disk).
_NOT_SERVING = ("LOADING", "READONLY", "MISCONF", "MASTERDOWN", "CLUSTERDOWN")
_POOL_EXHAUSTED = ("Too many connections", "No connection available")

# The expiry starts only when this call creates the counter; an existing counter (even one put
# as 0) keeps its own.
_INCR = """
local existed = redis.call('EXISTS', KEYS[1])
local count = redis.call('INCR', KEYS[1])
if existed == 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
"""

# Every expiry under the prefix (ARGV[1], a SCAN pattern) comes ARGV[2] milliseconds closer; keys
# that fall due go. One script, so no client sees half the keys shifted.
_SHIFT_EXPIRY = """
local cursor = '0'
local shift = tonumber(ARGV[2])
repeat
    local reply = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 500)
    cursor = reply[1]
    for _, key in ipairs(reply[2]) do
        local left = redis.call('PTTL', key)
        if left > 0 then
            if left - shift <= 0 then
                redis.call('DEL', key)
            else
                redis.call('PEXPIRE', key, left - shift)
            end
        end
    end
until cursor == '0'
return 0
"""


def _ms(seconds: float) -> int:
    # Redis refuses a zero expiry; one millisecond is the closest "already over".
    return max(1, round(seconds * 1000))


def _dumps(value: Value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _glob_escape(text: str) -> str:
    return "".join("\\" + char if char in "*?[]\\" else char for char in text)


def _refused(exc: BaseException) -> bool:
    """True if the connection attempt behind `exc` was actively refused."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == errno.ECONNREFUSED:
            return True
        # asyncio folds several refused addresses (IPv4 and IPv6) into one OSError message, and
        # redis-py's own message keeps only the text of the error it wraps.
        if f"[Errno {errno.ECONNREFUSED}]" in str(seen) or "Connection refused" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def map_redis_error(exc: BaseException, where: str) -> StoreUnavailable | None:
    """The one rule turning a Redis client fault into a `StoreUnavailable` (None: not a fault).

    * `refused`: something answers at the address but we get no usable
      connection: connection refused (Redis stopped, wrong port), our pool exhausted, the server
      at its client limit, authentication refused.
    * `unreachable`: no Redis service answers: unknown host, timeouts (host or server
      silent), a connection dropped mid-call, a reply that is not Redis protocol, or a server that
      is up but not serving (loading, read-only, failed persistence).
    """
    message = str(exc)
    if isinstance(exc, rex.ResponseError):
        if message.startswith(_NOT_SERVING):
            return StoreUnavailable(UNREACHABLE, f"Redis at {where} is not serving: {message}")
        return None
    if isinstance(exc, rex.ConnectionError):
        if (
            isinstance(exc, (rex.AuthenticationError, rex.AuthorizationError))
            or any(text in message for text in _POOL_EXHAUSTED)
            or "max number of clients" in message
            or _refused(exc)
        ):
            return StoreUnavailable(REFUSED, f"Redis at {where} refused a connection: {message}")
        return StoreUnavailable(UNREACHABLE, f"Redis at {where} is not reachable: {message}")
    if isinstance(exc, (rex.TimeoutError, TimeoutError)):
        return StoreUnavailable(UNREACHABLE, f"Redis at {where} did not answer in time: {message or 'timeout'}")
    if isinstance(exc, (rex.InvalidResponse, OSError)):
        return StoreUnavailable(UNREACHABLE, f"Redis at {where} is not usable: {message}")
    return None


class RedisStore:
    """Keys live under `prefix` in one Redis database, so `clear` touches only ours."""

    def __init__(self, url: str, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix
        self._pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=POOL_TIMEOUT,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=REPLY_TIMEOUT,
            # One quick retry covers a pooled connection that died since its last use; more
            # retries would only stretch an outage.
            retry=Retry(ConstantBackoff(0.05), 1, supported_errors=(rex.ConnectionError,)),
        )
        self._client = aioredis.Redis(connection_pool=self._pool)
        options = self._pool.connection_kwargs
        # Named without credentials: it ends up in error messages.
        self._where = f"{options.get('host', 'localhost')}:{options.get('port', 6379)}/{options.get('db', 0)}"
        self._incr = self._client.register_script(_INCR)
        self._shift_expiry = self._client.register_script(_SHIFT_EXPIRY)
        self._update_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _key(self, key: str) -> str:
        return self.prefix + key

    @asynccontextmanager
    async def _guard(self, limit: float = CALL_TIMEOUT) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(limit):
                yield
        except (rex.RedisError, OSError, TimeoutError) as exc:
            unavailable = map_redis_error(exc, self._where)
            if unavailable is None:
                raise
            raise unavailable from exc

    async def _call(self, command: Callable[[], Awaitable[R]], limit: float = CALL_TIMEOUT) -> R:
        async with self._guard(limit):
            return await command()

    async def get(self, key: str) -> Value | None:
        raw = await self._call(lambda: self._client.get(self._key(key)))
        return None if raw is None else json.loads(raw)

    async def get_many(self, keys: list[str]) -> list[Value | None]:
        if not keys:
            return []  # MGET refuses an empty key list
        raws = await self._call(lambda: self._client.mget([self._key(key) for key in keys]))
        return [None if raw is None else json.loads(raw) for raw in raws]

    async def put(self, key: str, value: Value, ttl: float | None = None) -> None:
        px = None if ttl is None else _ms(ttl)
        await self._call(lambda: self._client.set(self._key(key), _dumps(value), px=px))

    async def add(self, key: str, value: Value, ttl: float | None = None) -> bool:
        px = None if ttl is None else _ms(ttl)
        return bool(await self._call(lambda: self._client.set(self._key(key), _dumps(value), px=px, nx=True)))

    async def pop(self, key: str) -> Value | None:
        raw = await self._call(lambda: self._client.getdel(self._key(key)))
        return None if raw is None else json.loads(raw)

    async def delete(self, key: str) -> bool:
        return bool(await self._call(lambda: self._client.delete(self._key(key))))

    async def touch(self, key: str, ttl: float) -> bool:
        return bool(await self._call(lambda: self._client.pexpire(self._key(key), _ms(ttl))))

    async def incr(self, key: str, ttl: float) -> int:
        return int(await self._call(lambda: self._incr(keys=[self._key(key)], args=[_ms(ttl)])))

    async def ttl(self, key: str) -> float | None:
        left = int(await self._call(lambda: self._client.pttl(self._key(key))))
        # -2: absent, -1: no expiry.
        return None if left < 0 else left / 1000

    async def update(self, key: str, mutation: Mutation[T], ttl: float | None = None) -> T:
        """Apply `mutation` atomically; it may run more than once, so it must be pure."""
        # Updates of one key from this process queue here, so that WATCH races are mostly between
        # processes. The queue is only an optimisation (WATCH keeps the update correct), so a
        # caller that waited too long, e.g. behind calls stuck in an outage, goes ahead without it.
        lock = self._update_locks.setdefault(key, asyncio.Lock())
        try:
            await asyncio.wait_for(lock.acquire(), LOCK_WAIT)
        except TimeoutError:
            return await self._update(key, mutation, ttl)
        try:
            return await self._update(key, mutation, ttl)
        finally:
            lock.release()

    async def _update(self, key: str, mutation: Mutation[T], ttl: float | None) -> T:
        name = self._key(key)
        give_up = asyncio.get_running_loop().time() + CONTENTION_LIMIT
        attempt = 0
        while True:
            async with self._guard(), self._client.pipeline(transaction=True) as pipe:
                await pipe.watch(name)
                raw = await pipe.get(name)
                new_value, result = mutation(None if raw is None else json.loads(raw))
                pipe.multi()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
                if new_value is None:
                    pipe.delete(name)
                elif ttl is None:
                    pipe.set(name, _dumps(new_value), keepttl=True)
                else:
                    pipe.set(name, _dumps(new_value), px=_ms(ttl))
                try:
                    await pipe.execute()
                    return result
                except rex.WatchError:
                    pass
            attempt += 1
            if asyncio.get_running_loop().time() > give_up:
                # Only a key rewritten nonstop by other clients gets here; answer rather than spin.
                raise StoreUnavailable(REFUSED, f"Redis at {self._where}: key {key!r} kept changing during an update")
            # Another client won the race; back off a little so a crowd does not retry in step.
            await asyncio.sleep(random.uniform(0, min(0.001 * attempt, 0.02)))

    async def keys(self, prefix: str) -> list[str]:
        async def scan() -> list[str]:
            found: set[str] = set()
            pattern = _glob_escape(self._key(prefix)) + "*"
            async for name in self._client.scan_iter(match=pattern, count=SCAN_BATCH):
                found.add(name.decode()[len(self.prefix) :])
            return sorted(found)

        return await self._call(scan, MAINTENANCE_TIMEOUT)

    async def shift_expiry(self, seconds: float) -> None:
        pattern = _glob_escape(self.prefix) + "*"
        shift = round(seconds * 1000)
        await self._call(lambda: self._shift_expiry(keys=[], args=[pattern, shift]), MAINTENANCE_TIMEOUT)

    async def clear(self) -> None:
        async def scan_and_delete() -> None:
            batch: list[Any] = []
            async for name in self._client.scan_iter(match=_glob_escape(self.prefix) + "*", count=SCAN_BATCH):
                batch.append(name)
                if len(batch) >= SCAN_BATCH:
                    await self._client.delete(*batch)
                    batch.clear()
            if batch:
                await self._client.delete(*batch)

        await self._call(scan_and_delete, MAINTENANCE_TIMEOUT)

    async def close(self) -> None:
        await self._client.aclose()
        await self._pool.disconnect()
