"""SQLite store: one file, shared by the worker processes of one machine, survives restarts.

Durability: WAL journal with `synchronous=NORMAL` by default. A commit appends its frames to the
WAL file with write() before the call returns, so a process killed with SIGKILL right after it
answered keeps every committed write (the data sits in the OS page cache, which the kernel
flushes). NORMAL only drops the fsync per commit, which matters for a power loss or kernel crash;
`?synchronous=full` adds that fsync for hosts where it matters (about 10x the cost of a commit).

Atomicity: read-modify-write operations run in `BEGIN IMMEDIATE` transactions, which take the
database's write lock up front, so they are serialised across processes; the busy timeout makes
a competing writer wait instead of failing.

Expiry: each row has a wall-clock deadline (shared by processes and restarts), checked on every
read; expired rows count as absent and are removed opportunistically by later writes.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, TypeVar

from mock_server.store.base import Mutation, StoreUnavailable, T, Value

R = TypeVar("R")

Synchronous = Literal["normal", "full"]

BUSY_TIMEOUT_MS = 5000
SETUP_RETRY_SECONDS = 0.01
# Keys per SELECT in get_many: below the 999 bound on host parameters of SQLite before 3.32.
GET_MANY_BATCH = 500
# Expired rows are deleted by the first write after this many seconds, not by a sweeper task.
CLEANUP_INTERVAL = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    deadline REAL
) WITHOUT ROWID
"""
_LIVE = "(deadline IS NULL OR deadline > ?)"


def _dumps(value: Value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _deadline(now: float, ttl: float | None) -> float | None:
    return None if ttl is None else now + ttl


@contextmanager
def _map_errors(path: Path) -> Iterator[None]:
    """Turn SQLite faults into `StoreUnavailable` (the one place that does so).

    A lock held too long by another process is a busy pool of writers (`refused`); a file that
    cannot be opened, read or written is a store that is not there (`unreachable`).
    """
    try:
        yield
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "locked" in message or "busy" in message:
            raise StoreUnavailable("refused", f"SQLite store {path} is locked by another writer: {message}") from exc
        raise StoreUnavailable("unreachable", f"SQLite store {path} is not usable: {message}") from exc
    except sqlite3.DatabaseError as exc:
        raise StoreUnavailable("unreachable", f"SQLite store {path} is not usable: {exc}") from exc


class SqliteStore:
    """A key-value table in one SQLite file; blocking calls run on one thread per store."""

    def __init__(self, path: str | Path, *, synchronous: Synchronous = "normal") -> None:
        self.path = Path(path)
        self._synchronous = synchronous
        # One thread owns the connection: SQLite serialises writers anyway, and a single thread
        # keeps the connection's transaction state simple.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        self._conn: sqlite3.Connection | None = None
        self._last_cleanup = 0.0
        self._closed = False

    # -- plumbing ---------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        # Switching a new file to WAL answers "locked" at once, without waiting for the busy
        # timeout, while another process is switching it too (workers starting together), so
        # the setup is retried until the same timeout has passed.
        give_up = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            # isolation_level=None: the module opens no implicit transactions; we BEGIN ourselves.
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(f"PRAGMA synchronous = {self._synchronous.upper()}")
                conn.execute(_SCHEMA)
                return conn
            except sqlite3.OperationalError as exc:
                conn.close()
                if "locked" not in str(exc) or time.monotonic() >= give_up:
                    raise
                time.sleep(SETUP_RETRY_SECONDS)

    async def _run(self, work: Callable[[sqlite3.Connection], R]) -> R:
        def call() -> R:
            with _map_errors(self.path):
                return work(self._connection())

        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def _write(self, work: Callable[[sqlite3.Connection, float], R]) -> R:
        """Run `work(conn, now)` in a `BEGIN IMMEDIATE` transaction."""

        def transaction(conn: sqlite3.Connection) -> R:
            conn.execute("BEGIN IMMEDIATE")
            try:
                now = time.time()
                result = work(conn, now)
                if now - self._last_cleanup > CLEANUP_INTERVAL:
                    self._last_cleanup = now
                    conn.execute("DELETE FROM kv WHERE deadline <= ?", (now,))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result

        return await self._run(transaction)

    @staticmethod
    def _live(conn: sqlite3.Connection, key: str, now: float) -> tuple[str, float | None] | None:
        row = conn.execute(f"SELECT value, deadline FROM kv WHERE key = ? AND {_LIVE}", (key, now)).fetchone()
        return None if row is None else (row[0], row[1])

    # -- the Store protocol -----------------------------------------------------------------

    async def get(self, key: str) -> Value | None:
        def work(conn: sqlite3.Connection) -> str | None:
            row = self._live(conn, key, time.time())
            return None if row is None else row[0]

        raw = await self._run(work)
        return None if raw is None else json.loads(raw)

    async def get_many(self, keys: list[str]) -> list[Value | None]:
        if not keys:
            return []
        unique = list(dict.fromkeys(keys))
        batches = [unique[start : start + GET_MANY_BATCH] for start in range(0, len(unique), GET_MANY_BATCH)]

        def select(conn: sqlite3.Connection, batch: list[str], now: float) -> list[tuple[str, str]]:
            marks = ",".join("?" * len(batch))
            return conn.execute(
                f"SELECT key, value FROM kv WHERE key IN ({marks}) AND {_LIVE}", (*batch, now)
            ).fetchall()

        def work(conn: sqlite3.Connection) -> dict[str, str]:
            now = time.time()
            if len(batches) == 1:
                return dict(select(conn, batches[0], now))
            # Several SELECTs read one snapshot only inside one read transaction.
            conn.execute("BEGIN")
            try:
                return {key: raw for batch in batches for key, raw in select(conn, batch, now)}
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")  # ends the read transaction, which wrote nothing

        found = await self._run(work)
        return [None if (raw := found.get(key)) is None else json.loads(raw) for key in keys]

    async def put(self, key: str, value: Value, ttl: float | None = None) -> None:
        raw = _dumps(value)

        def work(conn: sqlite3.Connection, now: float) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO kv (key, value, deadline) VALUES (?, ?, ?)", (key, raw, _deadline(now, ttl))
            )

        await self._write(work)

    async def add(self, key: str, value: Value, ttl: float | None = None) -> bool:
        raw = _dumps(value)

        def work(conn: sqlite3.Connection, now: float) -> bool:
            if self._live(conn, key, now) is not None:
                return False
            conn.execute(
                "INSERT OR REPLACE INTO kv (key, value, deadline) VALUES (?, ?, ?)", (key, raw, _deadline(now, ttl))
            )
            return True

        return await self._write(work)

    async def pop(self, key: str) -> Value | None:
        def work(conn: sqlite3.Connection, now: float) -> str | None:
            # SELECT then DELETE rather than DELETE ... RETURNING, which needs SQLite 3.35.
            row = self._live(conn, key, now)
            conn.execute("DELETE FROM kv WHERE key = ?", (key,))
            return None if row is None else row[0]

        raw = await self._write(work)
        return None if raw is None else json.loads(raw)

    async def delete(self, key: str) -> bool:
        def work(conn: sqlite3.Connection, now: float) -> bool:
            live = self._live(conn, key, now) is not None
            conn.execute("DELETE FROM kv WHERE key = ?", (key,))
            return live

        return await self._write(work)

    async def touch(self, key: str, ttl: float) -> bool:
        def work(conn: sqlite3.Connection, now: float) -> bool:
            cursor = conn.execute(f"UPDATE kv SET deadline = ? WHERE key = ? AND {_LIVE}", (now + ttl, key, now))
            return cursor.rowcount > 0

        return await self._write(work)

    async def incr(self, key: str, ttl: float) -> int:
        def work(conn: sqlite3.Connection, now: float) -> int:
            row = self._live(conn, key, now)
            if row is None:
                conn.execute("INSERT OR REPLACE INTO kv (key, value, deadline) VALUES (?, '1', ?)", (key, now + ttl))
                return 1
            count = int(json.loads(row[0])) + 1
            conn.execute("UPDATE kv SET value = ? WHERE key = ?", (str(count), key))
            return count

        return await self._write(work)

    async def ttl(self, key: str) -> float | None:
        def work(conn: sqlite3.Connection) -> float | None:
            now = time.time()
            row = self._live(conn, key, now)
            if row is None or row[1] is None:
                return None
            return max(row[1] - now, 0.0)

        return await self._run(work)

    async def update(self, key: str, mutation: Mutation[T], ttl: float | None = None) -> T:
        """Apply `mutation` atomically; it runs on the store's thread, not the event loop."""

        def work(conn: sqlite3.Connection, now: float) -> T:
            row = self._live(conn, key, now)
            current = None if row is None else json.loads(row[0])
            new_value, result = mutation(current)
            if new_value is None:
                conn.execute("DELETE FROM kv WHERE key = ?", (key,))
            else:
                deadline = _deadline(now, ttl) if ttl is not None else (row[1] if row else None)
                conn.execute(
                    "INSERT OR REPLACE INTO kv (key, value, deadline) VALUES (?, ?, ?)",
                    (key, _dumps(new_value), deadline),
                )
            return result

        return await self._write(work)

    async def keys(self, prefix: str) -> list[str]:
        def work(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute(
                f"SELECT key FROM kv WHERE substr(key, 1, ?) = ? AND {_LIVE} ORDER BY key",
                (len(prefix), prefix, time.time()),
            )
            return [row[0] for row in rows]

        return await self._run(work)

    async def shift_expiry(self, seconds: float) -> None:
        def work(conn: sqlite3.Connection, now: float) -> None:
            conn.execute("UPDATE kv SET deadline = deadline - ? WHERE deadline IS NOT NULL", (seconds,))
            conn.execute("DELETE FROM kv WHERE deadline <= ?", (now,))

        await self._write(work)

    async def clear(self) -> None:
        await self._write(lambda conn, now: conn.execute("DELETE FROM kv"))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True

        def work() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await asyncio.get_running_loop().run_in_executor(self._executor, work)
        self._executor.shutdown(wait=True)
