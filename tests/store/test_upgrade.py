"""State kept in a file by an earlier version of the mock still serves after an upgrade."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from servers import sqlite_url

from mock_server.config import ServerConfig
from mock_server.store import open_store
from mock_server.testing import running_mock
from mock_server.vendors.websale.domain.addresses import ADDRESSES_PREFIX, RECORD_PREFIX
from mock_server.vendors.websale.state import WebsaleState

DEMO = {"id": "demo@example.com", "password": "Demo-Password-1"}


def _logged_in(api_url: str) -> tuple[str, str]:
    session = httpx.post(f"{api_url}/session/create").json()["id"]
    answer = httpx.post(f"{api_url}/account/login", json=DEMO, headers={"x-session": session}).json()
    return session, answer["account"]["id"]


async def _rewrite_as_one_list(url: str, owner: str) -> list[dict[str, Any]]:
    """The demo book as the earlier layout kept it: one list, each address with its `isMain`."""
    store = open_store(url)
    try:
        index = await store.get(ADDRESSES_PREFIX + owner)
        records = await store.get_many([f"{RECORD_PREFIX}{owner}:{i}" for i in index["ids"]])
        book = [{"id": r["id"], "isMain": r["id"] == index["main"], **r} for r in records]
        book[0]["isMain"], book[-1]["isMain"] = False, True  # a main that is not the first
        await store.put(ADDRESSES_PREFIX + owner, book)
        for address in book:
            await store.delete(f"{RECORD_PREFIX}{owner}:{address['id']}")
        await store.put(WebsaleState.seed_marker, "done")
        return book
    finally:
        await store.close()


def test_address_books_of_an_earlier_layout_are_rewritten_on_start(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "state.db")
    config = ServerConfig(port=0, state=url)
    with running_mock(config) as mock:
        _session, owner = _logged_in(mock.api_url)
    book = asyncio.run(_rewrite_as_one_list(url, owner))

    with running_mock(config) as mock:
        session, _owner = _logged_in(mock.api_url)
        headers = {"x-session": session}
        free_fields = httpx.get(f"{mock.controls_url}/settings").json()["customAddressFields"]
        # As every answer reads them: an empty field as null, every free field of the shop listed.
        expected = [
            {
                **{name: None if value == "" else value for name, value in address.items() if name != "custom"},
                "custom": {
                    **dict.fromkeys(free_fields),
                    **{name: value or None for name, value in address["custom"].items()},
                },
            }
            for address in book
        ]
        assert httpx.get(f"{mock.api_url}/account/address/list", headers=headers).json() == {"addresses": expected}
        created = httpx.post(
            f"{mock.api_url}/account/address/create", json={"address": {"city": "Ulm"}}, headers=headers
        )
        assert created.status_code == 200 and created.json()["address"]["isMain"] is False
        listed = httpx.get(f"{mock.api_url}/account/address/list", headers=headers).json()["addresses"]
        assert [a["id"] for a in listed] == [a["id"] for a in book] + [created.json()["address"]["id"]]
        assert [a["id"] for a in listed if a["isMain"]] == [book[-1]["id"]]

    async def marker() -> Any:
        store = open_store(url)
        try:
            return await store.get(WebsaleState.seed_marker)
        finally:
            await store.close()

    assert asyncio.run(marker()) == WebsaleState.layout
