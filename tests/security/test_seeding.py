"""Seeding a shared store: never seen half done, finished after a crash, redone after a wipe."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis
import yaml
from servers import MockProcess, RedisServer, sqlite_url

from mock_server.app import create_app
from mock_server.config import ServerConfig
from mock_server.runtime import Runtime
from mock_server.vendors.websale.fixtures import DEFAULT_FIXTURES, load_fixtures

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "Demo-Password-1"


@pytest.fixture
def many_customers(tmp_path: Path) -> Path:
    """The bundled fixtures with 1000 generated customers, so that seeding takes a while."""
    data = yaml.safe_load(DEFAULT_FIXTURES.read_text(encoding="utf-8"))
    data["generate"]["customers"]["count"] = 1000
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_two_workers_starting_at_once_answer_with_complete_fixtures_from_the_first_answer(
    tmp_path: Path, many_customers: Path
) -> None:
    last = load_fixtures(many_customers).accounts[-1]  # seeded last
    mock = MockProcess(
        sqlite_url(tmp_path / "state.db"),
        workers=2,
        log=tmp_path / "mock.log",
        extra=["--fixtures", str(many_customers)],
    )
    answers: list[tuple[int, int]] = []
    stop = threading.Event()

    def poll() -> None:
        # A new connection per request, from before the workers exist until after both serve.
        while not stop.is_set():
            try:
                created = httpx.post(f"{mock.api_url}/session/create", timeout=10)
                login = httpx.post(
                    f"{mock.api_url}/account/login",
                    headers={"x-session": created.json().get("id", "")},
                    json={"id": last["email"], "password": last["password"]},
                    timeout=10,
                )
                answers.append((created.status_code, login.status_code))
            except httpx.TransportError:
                time.sleep(0.005)

    pollers = [threading.Thread(target=poll) for _ in range(4)]
    for poller in pollers:
        poller.start()
    try:
        mock.start()
        time.sleep(1)
    finally:
        stop.set()
        for poller in pollers:
            poller.join(timeout=30)
        mock.stop()
    assert len(answers) >= 8, answers
    assert set(answers) == {(200, 200)}, answers[:20]


@pytest.mark.anyio
async def test_a_seed_left_half_done_by_a_dead_process_is_completed(
    tmp_path: Path, many_customers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mock_server.runtime.SEEDING_TTL_SECONDS", 1)
    config = ServerConfig(state=sqlite_url(tmp_path / "state.db"), fixtures=many_customers)
    dying: Runtime = create_app(config).runtime
    shop = dying.state("websale").shop  # type: ignore[attr-defined]
    seeding = asyncio.create_task(dying.ensure_seeded())
    # "Kill" the seeder once some accounts, but not all, are written.
    deadline = time.monotonic() + 60
    while await shop.records.by_email(DEMO_EMAIL) is None:
        assert time.monotonic() < deadline and not seeding.done(), "seeding finished before it could be cut short"
        await asyncio.sleep(0.001)
    seeding.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await seeding
    accounts = dying.state("websale").fixtures.accounts  # type: ignore[attr-defined]
    assert await shop.records.by_email(accounts[-1]["email"]) is None, "cut short too late to test anything"
    await dying.close()

    successor: Runtime = create_app(config).runtime  # the next process on the same file
    await asyncio.wait_for(successor.ensure_seeded(), timeout=30)
    try:
        records = successor.state("websale").shop.records  # type: ignore[attr-defined]
        missing = [a["email"] for a in accounts if await records.by_email(a["email"]) is None]
        assert missing == []
    finally:
        await successor.close()


def test_a_flushed_redis_is_seeded_again_by_the_running_mock(
    own_redis: RedisServer, start_mock: Callable[[str], MockProcess]
) -> None:
    mock = start_mock(own_redis.url)
    with httpx.Client(base_url=mock.api_url, timeout=10) as api:
        old = api.post("/session/create").json()["id"]
        registered = api.post(
            "/account/register",
            headers={"x-session": old},
            json={"email": "gone@example.com", "password": "Gone-Pass-1"},
        )
        assert registered.status_code == 200, registered.text

        redis.Redis(host="127.0.0.1", port=own_redis.port).flushall()  # a restart without persistence

        # Several requests, so that both workers notice.
        for _ in range(10):
            session = api.post("/session/create")
            assert session.status_code == 200, session.text
            login = api.post(
                "/account/login",
                headers={"x-session": session.json()["id"]},
                json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD},
            )
            assert login.status_code == 200, login.text
        assert api.get("/account/get", headers={"x-session": old}).status_code == 401
        fresh = api.post("/session/create").json()["id"]
        gone = api.post(
            "/account/login", headers={"x-session": fresh}, json={"id": "gone@example.com", "password": "Gone-Pass-1"}
        )
        assert gone.status_code == 401
