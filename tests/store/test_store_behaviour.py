"""One behaviour suite for every backend: memory, a SQLite file and a real Redis."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import socket
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from mock_server.store import Store, StoreConfigError, StoreUnavailable, open_store
from mock_server.store.memory import MemoryStore
from mock_server.store.redis import RedisStore, map_redis_error
from mock_server.store.sqlite import SqliteStore

pytestmark = pytest.mark.anyio

SHORT = 0.2
KINDS = {"refused", "unreachable"}
# An outage must answer within this many seconds, never hang a request.
OUTAGE_BOUND = 3.0


def append(item: Any) -> Any:
    def mutation(current: list[Any] | None) -> tuple[list[Any], int]:
        items = (current or []) + [item]
        return items, len(items)

    return mutation


# -- single operations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"id": "a1", "tags": ["x", "y"], "nested": {"n": 1, "ok": True, "none": None}}, id="object"),
        pytest.param([1, 2.5, "three", False, None, {"k": []}], id="list"),
        pytest.param('Grüße ✓ \u0000 "quoted" 💡', id="unicode-string"),
        pytest.param(2**62, id="big-int"),
        pytest.param(0.1, id="float"),
        pytest.param(False, id="false"),
        pytest.param("", id="empty-string"),
    ],
)
async def test_values_round_trip(store: Store, value: Any) -> None:
    await store.put("value", value)
    assert await store.get("value") == value


async def test_missing_key_reads_as_absent(store: Store) -> None:
    assert await store.get("missing") is None
    assert await store.pop("missing") is None
    assert await store.delete("missing") is False
    assert await store.touch("missing", 10) is False
    assert await store.ttl("missing") is None


async def test_get_many_answers_in_the_order_of_the_keys(store: Store) -> None:
    await store.put("a", {"n": 1})
    await store.put("b", [2])
    await store.put("brief", "gone soon", ttl=30)
    await store.shift_expiry(31)
    assert await store.get_many(["b", "missing", "a", "brief", "b"]) == [[2], None, {"n": 1}, None, [2]]
    assert await store.get_many(["missing"]) == [None]
    assert await store.get_many([]) == []


async def test_get_many_of_more_keys_than_one_batch(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite reads a long key list in batches; batches of two make these keys span several."""
    monkeypatch.setattr("mock_server.store.sqlite.GET_MANY_BATCH", 2)
    for index in range(5):
        await store.put(f"k{index}", index)
    keys = ["k4", "x", "k0", "k3", "k1", "k0", "k2"]
    assert await store.get_many(keys) == [4, None, 0, 3, 1, 0, 2]


async def test_returned_values_are_copies(store: Store) -> None:
    await store.put("doc", {"items": [1]})
    copy = await store.get("doc")
    assert copy is not None
    copy["items"].append(2)
    assert await store.get("doc") == {"items": [1]}


async def test_stored_values_do_not_follow_the_callers_objects(store: Store) -> None:
    value = {"items": [1]}
    await store.put("doc", value)
    value["items"].append(2)
    result = await store.update("doc", lambda current: (current, current))
    result["items"].append(3)
    assert await store.get("doc") == {"items": [1]}


async def test_put_replaces_value_and_expiry(store: Store) -> None:
    await store.put("k", 1, ttl=30)
    await store.put("k", 2)
    assert await store.get("k") == 2
    assert await store.ttl("k") is None


async def test_add_stores_only_when_absent(store: Store) -> None:
    assert await store.add("k", "first") is True
    assert await store.add("k", "second") is False
    assert await store.get("k") == "first"


async def test_pop_returns_the_value_once(store: Store) -> None:
    await store.put("token", {"account": "a1"})
    assert await store.pop("token") == {"account": "a1"}
    assert await store.pop("token") is None
    assert await store.get("token") is None


async def test_delete_reports_whether_the_key_existed(store: Store) -> None:
    await store.put("k", 1)
    assert await store.delete("k") is True
    assert await store.delete("k") is False


async def test_ttl_reports_the_time_left(store: Store) -> None:
    await store.put("forever", 1)
    await store.put("brief", 1, ttl=30)
    assert await store.ttl("forever") is None
    left = await store.ttl("brief")
    assert left is not None and 29 < left <= 30


async def test_touch_restarts_the_expiry(store: Store) -> None:
    await store.put("session", "s", ttl=30)
    await store.shift_expiry(18)
    assert await store.touch("session", 30) is True
    await store.shift_expiry(18)
    assert await store.get("session") == "s"
    await store.shift_expiry(18)
    assert await store.get("session") is None


async def test_incr_counts_and_the_expiry_starts_with_the_first_increment(store: Store) -> None:
    assert [await store.incr("attempts", 30) for _ in range(3)] == [1, 2, 3]
    assert await store.get("attempts") == 3
    await store.shift_expiry(18)
    assert await store.incr("attempts", 30) == 4  # later increments do not extend the window
    await store.shift_expiry(18)
    assert await store.get("attempts") is None
    assert await store.incr("attempts", 30) == 1


async def test_incr_of_an_existing_counter_keeps_its_expiry(store: Store) -> None:
    await store.put("sequence", 0)
    assert await store.incr("sequence", SHORT) == 1
    assert await store.ttl("sequence") is None


async def test_update_applies_the_mutation_and_returns_its_result(store: Store) -> None:
    assert await store.update("list", append("a")) == 1
    assert await store.update("list", append("b")) == 2
    assert await store.get("list") == ["a", "b"]


async def test_update_returning_none_deletes_the_key(store: Store) -> None:
    await store.put("k", 1)
    assert await store.update("k", lambda current: (None, current)) == 1
    assert await store.get("k") is None


async def test_update_keeps_the_expiry_unless_given_one(store: Store) -> None:
    await store.put("k", [], ttl=30)
    await store.update("k", append(1))
    left = await store.ttl("k")
    assert left is not None and 29 < left <= 30
    await store.update("k", append(2), ttl=60)
    left = await store.ttl("k")
    assert left is not None and 59 < left <= 60
    assert await store.get("k") == [1, 2]


async def test_update_that_raises_changes_nothing(store: Store) -> None:
    await store.put("k", [1])

    def refuse(current: Any) -> tuple[Any, None]:
        raise LookupError("no")

    with pytest.raises(LookupError):
        await store.update("k", refuse)
    assert await store.get("k") == [1]
    assert await store.update("k", append(2)) == 2  # the store is still usable


async def test_keys_lists_live_keys_with_the_prefix(store: Store) -> None:
    for key in ("account:1", "account:2", "session:1", "acc*unt:x"):
        await store.put(key, 1)
    await store.put("account:expiring", 1, ttl=30)
    await store.shift_expiry(31)
    assert sorted(await store.keys("account:")) == ["account:1", "account:2"]
    assert await store.keys("acc*") == ["acc*unt:x"]  # the prefix is literal, not a pattern
    assert sorted(await store.keys("")) == ["acc*unt:x", "account:1", "account:2", "session:1"]


async def test_shifting_expiry_brings_every_expiry_closer_and_removes_what_falls_due(store: Store) -> None:
    """The mock's clock moved on by 100 s, then back: what fell due stays gone, what lives gets its time back."""
    await store.put("forever", 1)
    await store.put("soon", 1, ttl=30)
    await store.put("later", 1, ttl=300)
    await store.shift_expiry(100)
    assert await store.get_many(["forever", "soon", "later"]) == [1, None, 1]
    left = await store.ttl("later")
    assert left is not None and 199 < left <= 200
    await store.shift_expiry(-100)
    assert await store.get("soon") is None
    left = await store.ttl("later")
    assert left is not None and 299 < left <= 300
    assert await store.ttl("forever") is None


async def test_clear_removes_every_key(store: Store) -> None:
    for index in range(20):
        await store.put(f"k{index}", index)
    await store.clear()
    assert await store.keys("") == []


async def test_an_expired_key_is_absent_for_every_operation(store: Store) -> None:
    for key in ("get", "pop", "delete", "touch", "ttl", "add", "update", "incr"):
        await store.put(key, "old", ttl=SHORT)
    await asyncio.sleep(SHORT * 1.5)
    assert await store.get("get") is None
    assert await store.pop("pop") is None
    assert await store.delete("delete") is False
    assert await store.touch("touch", 30) is False
    assert await store.ttl("ttl") is None
    assert await store.keys("") == []
    assert await store.add("add", "new") is True
    assert await store.update("update", lambda current: (["new"], current)) is None
    assert await store.incr("incr", 30) == 1
    assert await store.get("add") == "new"


# -- concurrency in one process -----------------------------------------------------------------


async def test_parallel_adds_of_one_key_have_one_winner(store: Store) -> None:
    results = await asyncio.gather(*(store.add("email:a@example.com", index) for index in range(20)))
    assert results.count(True) == 1


async def test_parallel_updates_lose_nothing(store: Store) -> None:
    await asyncio.gather(*(store.update("list", append(index)) for index in range(30)))
    assert sorted(await store.get("list") or []) == list(range(30))


async def test_parallel_pops_have_one_winner(store: Store) -> None:
    await store.put("token", "t")
    results = await asyncio.gather(*(store.pop("token") for _ in range(20)))
    assert results.count("t") == 1
    assert results.count(None) == 19


async def test_parallel_increments_count_each_once(store: Store) -> None:
    results = await asyncio.gather(*(store.incr("counter", 30) for _ in range(40)))
    assert sorted(results) == list(range(1, 41))


# -- concurrency across processes (backends that processes share) ------------------------------


def _in_child(url: str, operation: str, key: str, count: int, start_at: float) -> list[Any]:
    """Run in a child process: wait for the common start, then race the other processes."""

    async def race() -> list[Any]:
        store = open_store(url)
        try:
            await store.get("warm-up")  # connect before the start so the race is a real race
            await asyncio.sleep(max(0.0, start_at - time.time()))
            if operation == "add":
                return list(await asyncio.gather(*(store.add(key, os.getpid()) for _ in range(count))))
            if operation == "pop":
                return list(await asyncio.gather(*(store.pop(key) for _ in range(count))))
            if operation == "update":
                items = [f"{os.getpid()}-{index}" for index in range(count)]
                return list(await asyncio.gather(*(store.update(key, append(item)) for item in items)))
            if operation == "incr":
                return list(await asyncio.gather(*(store.incr(key, 30) for _ in range(count))))
            raise ValueError(operation)
        finally:
            await store.close()

    return asyncio.run(race())


PROCESSES = 4


def _warm_up() -> None:
    """Run in a child process: unpickling this function imports this module and the store."""
    time.sleep(0.5)


@pytest.fixture(scope="module")
def process_pool() -> Iterator[ProcessPoolExecutor]:
    """Worker processes started once (spawned: no state inherited) and reused by the races."""
    with ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn")) as pool:
        # Each worker takes one warm-up (they overlap), so every process has its imports done
        # before the first race starts.
        for future in [pool.submit(_warm_up) for _ in range(PROCESSES)]:
            future.result(timeout=60)
        yield pool


def _race(pool: ProcessPoolExecutor, url: str, operation: str, key: str, count: int) -> list[Any]:
    start_at = time.time() + 0.5
    futures = [pool.submit(_in_child, url, operation, key, count, start_at) for _ in range(PROCESSES)]
    return [result for future in futures for result in future.result(timeout=60)]


async def test_processes_adding_one_key_have_one_winner(shared_url: str, process_pool: ProcessPoolExecutor) -> None:
    store = open_store(shared_url)
    await store.clear()
    results = _race(process_pool, shared_url, "add", "email:one@example.com", 5)
    assert results.count(True) == 1, results
    await store.close()


async def test_processes_updating_one_key_lose_nothing(shared_url: str, process_pool: ProcessPoolExecutor) -> None:
    store = open_store(shared_url)
    await store.clear()
    _race(process_pool, shared_url, "update", "addresses", 10)
    stored = await store.get("addresses") or []
    assert len(stored) == len(set(stored)) == PROCESSES * 10
    await store.close()


async def test_processes_popping_one_key_have_one_winner(shared_url: str, process_pool: ProcessPoolExecutor) -> None:
    store = open_store(shared_url)
    await store.clear()
    await store.put("opt-in", "token")
    results = _race(process_pool, shared_url, "pop", "opt-in", 5)
    assert results.count("token") == 1, results
    await store.close()


async def test_processes_incrementing_count_each_once(shared_url: str, process_pool: ProcessPoolExecutor) -> None:
    store = open_store(shared_url)
    await store.clear()
    results = _race(process_pool, shared_url, "incr", "attempts", 10)
    assert sorted(results) == list(range(1, PROCESSES * 10 + 1))
    await store.close()


# -- SQLite: durability -------------------------------------------------------------------------


async def test_sqlite_keeps_data_and_deadlines_across_reopening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.db"
    first = open_store(url)
    await first.put("account", {"email": "a@example.com"})
    await first.put("session", "s", ttl=30)
    await first.close()
    second = open_store(url)
    assert await second.get("account") == {"email": "a@example.com"}
    left = await second.ttl("session")
    assert left is not None and 29 < left <= 30
    await second.close()


def _write_until_killed(url: str, reports: Connection) -> None:
    """Run in a child process: write as fast as possible, reporting each write once it is done."""

    async def burst() -> None:
        store = open_store(url)

        async def writer(lane: int) -> None:
            for index in range(1_000_000):
                name = f"{lane}-{index}"
                await store.put(f"item:{name}", {"name": name})
                await store.update("log", append(name))
                reports.send(name)

        await asyncio.gather(*(writer(lane) for lane in range(4)))

    asyncio.run(burst())


async def test_sqlite_keeps_every_reported_write_after_sigkill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.db"
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_write_until_killed, args=(url, sender))
    child.start()
    sender.close()
    reported: list[str] = []
    try:
        while len(reported) < 300:
            assert receiver.poll(30), "the writer reported nothing"
            reported.append(receiver.recv())
    finally:
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join()
    # Reports already in the pipe were sent before the kill: they count too.
    while True:
        try:
            reported.append(receiver.recv())
        except EOFError:
            break
    assert child.exitcode == -signal.SIGKILL

    with sqlite3.connect(tmp_path / "state.db") as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = open_store(url)
    log = set(await store.get("log") or [])
    missing = [name for name in reported if name not in log or await store.get(f"item:{name}") != {"name": name}]
    assert missing == []
    await store.close()


async def test_sqlite_stores_opening_one_new_file_together_all_start(tmp_path: Path) -> None:
    # Workers of one mock start at the same moment; their first calls all switch the new file to
    # WAL, which SQLite refuses at once to all but one of them.
    for attempt in range(20):
        stores = [SqliteStore(tmp_path / f"state-{attempt}.db") for _ in range(4)]
        added = await asyncio.gather(*(store.add("seed", index) for index, store in enumerate(stores)))
        assert sorted(added) == [False, False, False, True]
        for store in stores:
            await store.close()


async def test_sqlite_lock_held_too_long_is_a_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mock_server.store.sqlite.BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "state.db"
    store = open_store(f"sqlite:///{path}")
    await store.put("k", 1)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreUnavailable) as raised:
            await store.put("k", 2)
        assert raised.value.kind == "refused"
        assert await store.get("k") == 1  # readers are not blocked by a writer in WAL mode
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await store.put("k", 3)
    assert await store.get("k") == 3
    await store.close()


# -- Redis: faults --------------------------------------------------------------------------------


async def _expect_unavailable(store: Store, kinds: set[str] = KINDS) -> None:
    operations = {
        "get": lambda: store.get("k"),
        "get_many": lambda: store.get_many(["k", "k2"]),
        "put": lambda: store.put("k", 1, ttl=30),
        "add": lambda: store.add("k2", 1),
        "pop": lambda: store.pop("k"),
        "incr": lambda: store.incr("n", 30),
        "update": lambda: store.update("list", append(1)),
    }
    for name, call in operations.items():
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as raised:
            await call()
        elapsed = time.monotonic() - started
        assert raised.value.kind in kinds, (name, raised.value.kind)
        assert elapsed < OUTAGE_BOUND, (name, elapsed)


async def test_redis_stopped_answers_503_then_recovers_by_itself(own_redis: Any) -> None:
    store = open_store(own_redis.url)
    await store.put("k", "before")
    own_redis.stop()
    await _expect_unavailable(store)
    own_redis.start()  # same port, same data
    assert await store.get("k") == "before"
    await store.put("k", "after")
    assert await store.get("k") == "after"
    assert await store.update("list", append(1)) == 1
    await store.close()


async def test_redis_frozen_answers_not_found_within_the_bound(own_redis: Any) -> None:
    store = open_store(own_redis.url)
    await store.put("k", "v")
    own_redis.pause()
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as raised:
            await store.get("k")
        assert raised.value.kind == "unreachable"
        assert time.monotonic() - started < OUTAGE_BOUND

        async def timed_update() -> tuple[BaseException | None, float]:
            started = time.monotonic()
            try:
                await store.update("list", append(1))
            except StoreUnavailable as exc:
                return exc, time.monotonic() - started
            return None, time.monotonic() - started

        # Parallel updates of one key must not queue up behind each other's timeouts.
        outcomes = await asyncio.gather(*(timed_update() for _ in range(10)))
        assert all(isinstance(error, StoreUnavailable) for error, _ in outcomes)
        assert max(elapsed for _, elapsed in outcomes) < OUTAGE_BOUND
    finally:
        own_redis.resume()
    assert await store.get("k") == "v"
    await store.close()


async def test_redis_nothing_listening_is_pool_inaccessible() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = open_store(f"redis://127.0.0.1:{port}/0")
    await _expect_unavailable(store, {"refused"})
    await store.close()


async def test_a_server_that_is_not_redis_is_not_found() -> None:
    async def not_redis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(not_redis, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    store = open_store(f"redis://127.0.0.1:{port}/0")
    async with server:
        await _expect_unavailable(store, {"unreachable"})
    await store.close()


async def test_redis_unknown_host_is_not_found() -> None:
    store = open_store("redis://no-such-host.invalid:6379/0")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as raised:
        await store.get("k")
    assert raised.value.kind == "unreachable"
    assert time.monotonic() - started < OUTAGE_BOUND
    await store.close()


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        pytest.param("No connection available.", "refused", id="pool-exhausted"),
        pytest.param("Too many connections", "refused", id="pool-full"),
        pytest.param("ERR max number of clients reached", "refused", id="server-full"),
        pytest.param("Connection closed by server.", "unreachable", id="dropped"),
    ],
)
def test_redis_connection_errors_map_to_the_kind_of_outage(message: str, kind: str) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    mapped = map_redis_error(RedisConnectionError(message), "127.0.0.1:6379/0")
    assert mapped is not None and mapped.kind == kind


async def test_redis_clear_leaves_other_prefixes_alone(redis_server: Any) -> None:
    ours = open_store(f"{redis_server.url}?prefix=team-a:")
    theirs = open_store(f"{redis_server.url}?prefix=team-b:")
    await ours.put("k", 1)
    await theirs.put("k", 2)
    await ours.clear()
    assert await ours.get("k") is None
    assert await theirs.get("k") == 2
    assert await theirs.keys("") == ["k"]
    await theirs.clear()
    await ours.close()
    await theirs.close()


async def test_redis_shifting_expiry_leaves_other_prefixes_alone(redis_server: Any) -> None:
    ours = open_store(f"{redis_server.url}?prefix=clock-a:")
    theirs = open_store(f"{redis_server.url}?prefix=clock-b:")
    await ours.put("k", 1, ttl=30)
    await theirs.put("k", 2, ttl=30)
    await ours.shift_expiry(31)
    assert (await ours.get("k"), await theirs.get("k")) == (None, 2)
    await theirs.clear()
    await ours.close()
    await theirs.close()


# -- opening a store by URL ----------------------------------------------------------------------


def test_urls_name_their_backends(tmp_path: Path) -> None:
    assert isinstance(open_store("memory"), MemoryStore)
    assert isinstance(open_store(f"sqlite:///{tmp_path}/a.db"), SqliteStore)
    assert isinstance(open_store("redis://127.0.0.1:6379/2?prefix=x:"), RedisStore)


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        pytest.param("postgres://db/x", "sqlite:///", id="unknown-scheme"),
        pytest.param("sqlite://", "three slashes", id="sqlite-no-path"),
        pytest.param("sqlite://host/a.db", "three slashes", id="sqlite-host"),
        pytest.param("sqlite:////no/such/dir/a.db", "no directory '/no/such/dir'", id="sqlite-missing-dir"),
        pytest.param("sqlite:///no-such-dir/a.db", "four slashes", id="sqlite-relative-missing-dir"),
        pytest.param("sqlite:////tmp", "directory", id="sqlite-directory"),
        pytest.param("sqlite:////tmp/a.db?synchronous=off", "synchronous=full", id="sqlite-bad-option"),
        pytest.param("redis://", "no host", id="redis-no-host"),
        pytest.param("redis://host:port/0", "not a number", id="redis-bad-port"),
        pytest.param("redis://host:6379/zero", "not a number", id="redis-bad-db"),
        pytest.param("redis://host:6379/0?timeout=3", "prefix", id="redis-unknown-option"),
        pytest.param("redis://host:6379/0?prefix=", "empty prefix", id="redis-empty-prefix"),
    ],
)
def test_bad_urls_say_how_to_fix_them(url: str, hint: str) -> None:
    with pytest.raises(StoreConfigError, match=hint):
        open_store(url)
