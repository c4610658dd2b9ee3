"""Two workers sharing one store over real HTTP: nothing lost, nothing doubled, faults answered."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from storefront_kit import registry

pytestmark = pytest.mark.anyio

PASSWORD = "Shared-State-Pass-1"
NEW_PASSWORD = "Shared-State-Pass-2"
OUT_OF_STOCK = "SKU-OUT-OF-STOCK-1"
CODES_503 = {"redisServicePoolInaccessible", "redisServiceNotFound"}
# A request during an outage must be answered within this many seconds, never hang.
OUTAGE_BOUND = 5.0
CATALOG = registry.contract("websale").catalog
REPO_ROOT = Path(__file__).resolve().parents[2]


def status_of(code: str) -> int:
    return CATALOG[code].status


def unique_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}@example.com"


class Client:
    """An async client speaking the storefront API of one mock."""

    def __init__(self, mock: Any) -> None:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        self.http = httpx.AsyncClient(base_url=mock.api_url, timeout=30, limits=limits)
        self.controls = httpx.AsyncClient(base_url=mock.controls_url, timeout=30)

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.controls.aclose()

    async def session(self) -> str:
        response = await self.http.post("/session/create")
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    async def call(self, method: str, path: str, session: str, body: Any = None) -> httpx.Response:
        return await self.http.request(method, path, headers={"x-session": session}, json=body)

    async def register(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.call(
            "POST", "/account/register", await self.session(), {"email": email, "password": password}
        )

    async def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.call("POST", "/account/login", await self.session(), {"id": email, "password": password})

    async def registered(self, label: str) -> tuple[str, str]:
        """A new account and a session logged into it."""
        email = unique_email(label)
        session = await self.session()
        response = await self.call("POST", "/account/register", session, {"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return email, session


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


@pytest.fixture
async def client(shared_mock: Any) -> AsyncIterator[Client]:
    opened = Client(shared_mock)
    yield opened
    await opened.aclose()


def test_more_than_one_worker_needs_a_shared_state(capsys: pytest.CaptureFixture[str]) -> None:
    from mock_server.cli import main

    assert main(["--workers", "2", "--state", "memory"]) == 2
    message = capsys.readouterr().err
    assert "--workers 2" in message and "sqlite:///" in message and "redis://" in message


# -- nothing lost, nothing doubled ---------------------------------------------------------------


async def test_parallel_registrations_of_distinct_emails_all_succeed_and_can_log_in(client: Client) -> None:
    emails = [unique_email(f"many{index}") for index in range(50)]
    registered = await asyncio.gather(*(client.register(email) for email in emails))
    assert [response.status_code for response in registered] == [200] * 50, [
        r.text for r in registered if r.status_code != 200
    ]
    ids = {response.json()["account"]["id"] for response in registered}
    assert len(ids) == 50
    logins = await asyncio.gather(*(client.login(email) for email in emails))
    assert [response.status_code for response in logins] == [200] * 50, [r.text for r in logins if r.status_code != 200]


async def test_parallel_registrations_of_one_email_give_one_account(client: Client) -> None:
    email = unique_email("once")
    responses = await asyncio.gather(*(client.register(email) for _ in range(20)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [status_of("accountAlreadyExists")] * 19, [r.text for r in responses]
    assert {error_code(r) for r in responses if r.status_code != 200} == {"accountAlreadyExists"}
    assert (await client.login(email)).status_code == 200


async def test_parallel_address_creations_all_persist_with_one_main(client: Client) -> None:
    _, session = await client.registered("addresses")
    bodies = [{"address": {"city": f"City {index}", "zip": f"{10000 + index}"}} for index in range(20)]
    responses = await asyncio.gather(
        *(client.call("POST", "/account/address/create", session, body) for body in bodies)
    )
    assert [response.status_code for response in responses] == [200] * 20, [r.text for r in responses]
    listed = (await client.call("GET", "/account/address/list", session)).json()["addresses"]
    assert sorted(address["city"] for address in listed) == sorted(f"City {index}" for index in range(20))
    assert len({address["id"] for address in listed}) == 20
    assert [address["isMain"] for address in listed].count(True) == 1


async def test_parallel_duplicate_back_in_stock_notifications_give_one_entry(client: Client) -> None:
    email, session = await client.registered("notify")
    body = {"email": email, "productId": OUT_OF_STOCK}
    responses = await asyncio.gather(
        *(client.call("POST", "/account/backInStock/notify", session, body) for _ in range(20))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [status_of("entryExists")] * 19, [r.text for r in responses]
    entries = (await client.call("GET", "/account/backInStock/list", session)).json()["entries"]
    assert [(entry["productId"], entry["email"]) for entry in entries] == [(OUT_OF_STOCK, email)]


async def test_an_opt_in_token_used_in_parallel_works_once(client: Client) -> None:
    email, session = await client.registered("token")
    response = await client.call("POST", "/account/password/forgotten", session, {"email": email})
    assert response.status_code == 200, response.text
    messages = (await client.controls.get("/outbox", params={"to": email})).json()["messages"]
    token = messages[-1]["token"]
    body = {"newPassword": NEW_PASSWORD, "otok": token}
    sessions = [await client.session() for _ in range(20)]
    responses = await asyncio.gather(*(client.call("POST", "/account/password/reset", s, body) for s in sessions))
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(200) == 1, [r.text for r in responses]
    assert all(400 <= status < 500 for status in statuses if status != 200)
    assert (await client.login(email, NEW_PASSWORD)).status_code == 200


async def test_a_moved_clock_holds_in_every_worker(client: Client, shared_mock: Any) -> None:
    """The offset is kept in the store: whichever worker answers after the move has the moved clock."""
    idle = (await client.controls.get("/settings")).json()["sessionIdleSeconds"]
    _, session = await client.registered("clock")
    try:
        moved = await client.controls.post("/clock", json={"seconds": idle + 1})
        assert moved.status_code == 200, moved.text
        for _ in range(8):  # new connections, taken by either worker
            async with httpx.AsyncClient(timeout=30) as fresh:
                clock = await fresh.get(f"{shared_mock.controls_url}/clock")
                assert clock.json()["offsetSeconds"] == idle + 1
                account = await fresh.get(f"{shared_mock.api_url}/account/get", headers={"x-session": session})
                assert account.status_code == 401, account.text
    finally:
        assert (await client.controls.delete("/clock")).status_code == 200


def test_the_conformance_scenarios_pass_against_two_workers(shared_mock: Any) -> None:
    """Every scenario of the kit, i.e. every documented error code by its cause, on this backend."""
    command = [
        sys.executable,
        "-m",
        "storefront_kit.cli",
        "check",
        "--base-url",
        shared_mock.api_url,
        "--phase",
        "scenarios",
        "--no-progress",
    ]
    finished = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=240)
    assert finished.returncode == 0, finished.stdout[-4000:] + finished.stderr[-4000:]


# -- faults ----------------------------------------------------------------------------------------


async def _timed(call: Callable[[], Any]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await call()
    return response, time.monotonic() - started


async def _expect_outage_answers(client: Client, session: str, email: str, codes: set[str]) -> None:
    calls = [
        lambda: client.http.post("/session/create"),
        lambda: client.call("GET", "/account/get", session),
        lambda: client.call("POST", "/account/login", session, {"id": email, "password": PASSWORD}),
        lambda: client.call("POST", "/account/address/create", session, {"address": {"city": "Down"}}),
    ] * 5
    results = await asyncio.gather(*(_timed(call) for call in calls))
    for response, elapsed in results:
        assert response.status_code == 503, response.text
        assert error_code(response) in codes, response.text
        assert elapsed < OUTAGE_BOUND, elapsed


async def test_redis_outage_answers_documented_503s_and_the_mock_recovers_by_itself(
    own_redis: Any, start_mock: Callable[[str], Any]
) -> None:
    mock = start_mock(own_redis.url)
    client = Client(mock)
    try:
        email, session = await client.registered("outage")

        own_redis.pause()  # frozen: connections hang, so only the timeouts answer
        try:
            await _expect_outage_answers(client, session, email, {"redisServiceNotFound"})
        finally:
            own_redis.resume()
        assert (await client.call("GET", "/account/get", session)).json()["loggedIn"] is True

        own_redis.stop()  # gone: connections are refused
        await _expect_outage_answers(client, session, email, CODES_503)

        own_redis.start()  # back on the same port with its data, the mock untouched
        assert (await client.call("GET", "/account/get", session)).json()["loggedIn"] is True
        response = await client.register(unique_email("after"))
        assert response.status_code == 200, response.text
        assert (await client.login(email)).status_code == 200
    finally:
        await client.aclose()


async def test_sqlite_keeps_every_answered_write_after_sigkill(
    tmp_path: Path, start_mock: Callable[[str], Any]
) -> None:
    state = f"sqlite:///{tmp_path / 'state.db'}"
    mock = start_mock(state)
    client = Client(mock)
    registered: dict[str, str] = {}
    addresses: list[str] = []
    try:
        _, session = await client.registered("owner")
        enough = asyncio.Event()

        async def register_burst() -> None:
            while not enough.is_set():
                email = unique_email("burst")
                response = await client.register(email)
                if response.status_code == 200:
                    registered[email] = response.json()["account"]["id"]

        async def address_burst() -> None:
            while not enough.is_set():
                response = await client.call("POST", "/account/address/create", session, {"address": {"city": "Kill"}})
                if response.status_code == 200:
                    addresses.append(response.json()["address"]["id"])

        async def killer() -> None:
            while len(registered) < 20 or len(addresses) < 40:
                await asyncio.sleep(0.01)
            mock.kill()  # requests are in flight: their answers never come
            enough.set()

        lanes = [register_burst() for _ in range(6)] + [address_burst() for _ in range(6)]
        results = await asyncio.gather(killer(), *lanes, return_exceptions=True)
        assert all(result is None or isinstance(result, httpx.HTTPError) for result in results), results
        assert any(isinstance(result, httpx.HTTPError) for result in results), "no request was in flight at the kill"
        print(f"answered before the kill: {len(registered)} registrations, {len(addresses)} addresses")
    finally:
        await client.aclose()

    restarted = start_mock(state)
    client = Client(restarted)
    try:
        listed = (await client.call("GET", "/account/address/list", session)).json()["addresses"]
        assert set(addresses) <= {address["id"] for address in listed}
        logins = await asyncio.gather(*(client.login(email) for email in registered))
        assert [response.status_code for response in logins] == [200] * len(registered)
        # Not seeded again: the account numbering goes on after the accounts users created.
        response = await client.register(unique_email("after-restart"))
        assert response.status_code == 200, response.text
        assert response.json()["account"]["id"] not in set(registered.values())
    finally:
        await client.aclose()
