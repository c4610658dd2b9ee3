"""The ZEST mock keeps its sessions and carts in every shared backend: two worker processes, one shop."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from servers import MockProcess, RedisServer, sqlite_url

NS = "{http://www.zeald.com}"
KEY = ("demo-key", "")  # the key as the Basic user name, with an empty password
SKUS = [str(sku) for sku in range(4012, 4032)]  # 20 products of the fixtures
UNKNOWN_TOKEN = "sfkUnknown00000"


@pytest.fixture(scope="module", params=["sqlite", "redis"])
def two_workers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    """One mock with 2 workers per shared backend; every test works in sessions of its own."""
    folder = tmp_path_factory.mktemp(f"zest-{request.param}")
    if request.param == "sqlite":
        state = sqlite_url(folder / "state.db")
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        state = f"{server.url}?prefix=zest-{folder.name}:"
    mock = MockProcess(state, workers=2, log=folder / "mock.log", contract="zest")
    mock.start()
    try:
        yield mock
    finally:
        mock.stop()


def _items(*skus: str) -> bytes:
    lines = "".join(f"<CartItem><sku>{sku}</sku></CartItem>" for sku in skus)
    return f"<ResultSet>{lines}</ResultSet>".encode()


def _call(mock: MockProcess, method: str, path: str, token: str, body: bytes | None = None) -> ET.Element:
    """One call on a new connection, so that both workers answer some of them; the answer's root."""
    headers = {"Content-Type": "application/xml"} if body is not None else {}
    with httpx.Client(timeout=10, auth=KEY) as client:
        answer = client.request(
            method, mock.api_url + path, params={"_session_token": token}, content=body, headers=headers
        )
    assert answer.status_code == 200, answer.text
    return ET.fromstring(answer.content)


def _lines(root: ET.Element) -> list[tuple[str, str, int]]:
    """The cart's lines as (id, sku, quantity)."""
    return [
        (item.get("id", ""), item.findtext(f"{NS}sku", ""), int(item.findtext(f"{NS}quantity", "0")))
        for item in root.iter(f"{NS}CartItem")
    ]


def test_a_session_opened_by_one_worker_carries_its_cart_to_both(two_workers: MockProcess) -> None:
    opened = _call(two_workers, "POST", "/Cart", "1", _items(SKUS[0]))
    token = opened.get("session", "")
    assert token not in ("", "1")
    for number in range(1, 7):
        added = _call(two_workers, "POST", "/Cart", token, _items(SKUS[0]))
        assert added.get("session") == token
        read = _call(two_workers, "GET", "/Cart", token)
        assert read.get("session") == token
        assert [(sku, quantity) for _, sku, quantity in _lines(read)] == [(SKUS[0], number + 1)]


def test_parallel_additions_through_both_workers_lose_no_item(two_workers: MockProcess) -> None:
    token = _call(two_workers, "GET", "/Cart", "1").get("session", "")
    with ThreadPoolExecutor(max_workers=len(SKUS)) as pool:
        answers = list(pool.map(lambda sku: _call(two_workers, "POST", "/Cart", token, _items(sku)), SKUS))
    assert {answer.get("session") for answer in answers} == {token}
    lines = _lines(_call(two_workers, "GET", "/Cart", token))
    assert sorted(sku for _, sku, _ in lines) == SKUS
    assert len({id_ for id_, _, _ in lines}) == len(SKUS)
    assert {quantity for _, _, quantity in lines} == {1}


def test_an_unknown_token_resets_on_either_worker(two_workers: MockProcess) -> None:
    kept = _call(two_workers, "POST", "/Cart", "1", _items(SKUS[0])).get("session", "")
    fresh = set()
    for _ in range(6):
        reset = _call(two_workers, "GET", "/Cart", UNKNOWN_TOKEN)
        token = reset.get("session", "")
        assert token not in ("", UNKNOWN_TOKEN, kept) and not _lines(reset)
        fresh.add(token)
        # The new token holds on whichever worker takes the next request.
        _call(two_workers, "POST", "/Cart", token, _items(SKUS[1]))
        assert [sku for _, sku, _ in _lines(_call(two_workers, "GET", "/Cart", token))] == [SKUS[1]]
    assert len(fresh) == 6
