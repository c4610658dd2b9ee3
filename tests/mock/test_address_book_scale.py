"""A large address book behaves like a small one: order, the one main address, changes, deletion."""

from __future__ import annotations

import asyncio
from typing import Any

from mock_api import Api, assert_error

from mock_server.store import MemoryStore
from mock_server.vendors.websale.domain import Shop, Visit
from storefront_kit.contract import Contract
from storefront_kit.schemas import with_defaults

BOOK_SIZE = 300


def _addresses(api: Api, session: str) -> list[dict[str, Any]]:
    response = api.call("listAddresses", session=session)
    assert response.status_code == 200, response.text
    return list(response.json()["addresses"])


def _mains(addresses: list[dict[str, Any]]) -> list[str]:
    return [address["id"] for address in addresses if address["isMain"]]


def test_a_book_of_hundreds_of_addresses_keeps_order_and_one_main(api: Api) -> None:
    session = api.register(email="many.addresses@example.com")
    created = []
    for index in range(BOOK_SIZE):
        response = api.call(
            "createAddress", session=session, json={"address": {"city": f"City {index}", "zip": f"{10000 + index}"}}
        )
        assert response.status_code == 200, response.text
        created.append(response.json()["address"])
    assert [address["isMain"] for address in created] == [True] + [False] * (BOOK_SIZE - 1)
    assert _addresses(api, session) == created

    middle, last = created[BOOK_SIZE // 2], created[-1]
    answer = api.call("setMainAddress", session=session, json={"addressId": middle["id"]}).json()["address"]
    assert answer == {**middle, "isMain": True}
    book = _addresses(api, session)
    assert _mains(book) == [middle["id"]]
    assert [a["id"] for a in book] == [a["id"] for a in created]

    changes = {"lastName": "Schulze", "custom": {"deliveryNote": "Hinterhaus"}}
    updated = api.call("updateAddress", session=session, json={"addressId": last["id"], "address": changes}).json()[
        "address"
    ]
    assert updated == {**last, "lastName": "Schulze", "custom": {**last["custom"], "deliveryNote": "Hinterhaus"}}
    assert api.call("getAddress", session=session, params={"addressId": last["id"]}).json() == {"address": updated}
    assert _addresses(api, session)[-1] == updated

    # Deleting the main address hands the mark to the oldest remaining one.
    assert api.call("deleteAddress", session=session, json={"addressId": middle["id"]}).json() == {"deleted": True}
    book = _addresses(api, session)
    assert [a["id"] for a in book] == [a["id"] for a in created if a["id"] != middle["id"]]
    assert _mains(book) == [created[0]["id"]]
    assert_error(
        api.call("getAddress", session=session, params={"addressId": middle["id"]}),
        404,
        "invalidAddressId",
        "addressId",
    )
    assert_error(
        api.call("updateAddress", session=session, json={"addressId": middle["id"], "address": {"city": "X"}}),
        404,
        "invalidAddressId",
    )
    assert_error(api.call("setMainAddress", session=session, json={"addressId": middle["id"]}), 404, "invalidAddressId")

    assert api.call("deleteAddress", session=session, json={"addressId": created[0]["id"]}).json() == {"deleted": True}
    assert _mains(_addresses(api, session)) == [created[1]["id"]]


def test_deleting_an_account_removes_every_address_record(contract: Contract) -> None:
    async def scenario() -> list[str]:
        store = MemoryStore()
        shop = Shop(store, contract.resolved["components"]["schemas"])
        await shop.settings.save(with_defaults(shop.settings.schema, {}))  # addresses read the free fields from it
        record = {"id": "7", "email": "leaving@example.com", "passwordHash": "x", "createdAt": "2024-01-01T00:00:00Z"}
        assert await shop.records.create(record)
        visit = Visit(session_id="s", account_id="7", client="127.0.0.1")
        for index in range(5):
            await shop.addresses.create(visit, {"city": f"City {index}"})
        assert len((await shop.addresses.list(visit))["addresses"]) == 5
        await shop.records.delete(record)
        return await store.keys("websale:address")

    assert asyncio.run(scenario()) == []
