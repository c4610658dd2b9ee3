"""The address book: catalogue, list, get, create, update, main address, delete."""

from __future__ import annotations

from typing import Any

import pytest
from mock_api import Api, assert_error


def _addresses(api: Api, session: str) -> list[dict[str, Any]]:
    return list(api.call("listAddresses", session=session).json()["addresses"])


def test_address_fields_list_standard_and_custom_fields_without_a_session(api: Api) -> None:
    fields = api.call("listAddressFields").json()["fields"]
    by_name = {field["name"]: field for field in fields}
    assert by_name["dateOfBirth"]["type"] == "date"
    assert by_name["country"]["maxLength"] == 2
    assert by_name["zip"] == {"name": "zip", "type": "string", "maxLength": 20, "custom": False}
    assert [f["name"] for f in fields if f["custom"]] == api.settings()["customAddressFields"]


def test_address_fields_follow_the_custom_fields_setting(api: Api) -> None:
    api.change_settings(customAddressFields=["floor"])
    fields = api.call("listAddressFields").json()["fields"]
    assert [f["name"] for f in fields if f["custom"]] == ["floor"]


def test_demo_account_has_several_addresses_with_exactly_one_main(api: Api, demo: str) -> None:
    addresses = _addresses(api, demo)
    assert len(addresses) >= 2
    assert sum(address["isMain"] for address in addresses) == 1


def test_get_address_answers_one_address(api: Api, demo: str) -> None:
    first = _addresses(api, demo)[0]
    assert api.call("getAddress", session=demo, params={"addressId": first["id"]}).json() == {"address": first}


def test_create_address_answers_fields_not_sent_as_null(api: Api, demo: str) -> None:
    response = api.call(
        "createAddress",
        session=demo,
        json={"address": {"firstName": "Kim", "country": "DE", "custom": {"packstation": "123"}}},
    )
    assert response.status_code == 200
    address = response.json()["address"]
    assert address["firstName"] == "Kim" and address["city"] is None
    assert address["isMain"] is False
    assert _addresses(api, demo)[-1] == address


def test_a_new_address_lists_every_free_field_as_fixture_addresses_do(api: Api, demo: str) -> None:
    address = api.call("createAddress", session=demo, json={"address": {"custom": {"packstation": "123"}}}).json()[
        "address"
    ]
    assert address["custom"] == {"packstation": "123", "deliveryNote": None}
    assert all(set(listed["custom"]) == set(address["custom"]) for listed in _addresses(api, demo))


def test_no_address_reads_an_empty_string(api: Api, demo: str) -> None:
    for address in _addresses(api, demo):
        values = [value for name, value in address.items() if name != "custom"] + list(address["custom"].values())
        assert "" not in values, address


def test_an_address_read_can_be_written_back_unchanged(api: Api, demo: str) -> None:
    for address in _addresses(api, demo):
        fields = {name: value for name, value in address.items() if name not in ("id", "isMain")}
        response = api.call("updateAddress", session=demo, json={"addressId": address["id"], "address": fields})
        assert response.status_code == 200, response.text
        assert response.json()["address"] == address


@pytest.mark.parametrize("cleared", [None, ""], ids=["null", "empty"])
@pytest.mark.parametrize("field", ["country", "dateOfBirth", "company"])
def test_null_or_an_empty_string_clears_a_field(api: Api, demo: str, field: str, cleared: str | None) -> None:
    created = api.call(
        "createAddress",
        session=demo,
        json={"address": {"country": "DE", "dateOfBirth": "1988-04-02", "company": "ACME"}},
    ).json()["address"]
    response = api.call("updateAddress", session=demo, json={"addressId": created["id"], "address": {field: cleared}})
    assert response.status_code == 200, response.text
    assert response.json()["address"] == {**created, field: None}


def test_first_address_of_an_account_becomes_main(api: Api) -> None:
    session = api.register()
    assert api.call("listAddresses", session=session).json() == {"addresses": []}
    first = api.call("createAddress", session=session, json={"address": {"city": "Pforzheim"}}).json()["address"]
    second = api.call("createAddress", session=session, json={"address": {"city": "Karlsruhe"}}).json()["address"]
    assert (first["isMain"], second["isMain"]) == (True, False)


def test_update_address_changes_only_the_fields_sent(api: Api, demo: str) -> None:
    before = api.call(
        "createAddress",
        session=demo,
        json={
            "address": {"firstName": "Kim", "lastName": "Meier", "custom": {"packstation": "1", "deliveryNote": "x"}}
        },
    ).json()["address"]
    response = api.call(
        "updateAddress",
        session=demo,
        json={"addressId": before["id"], "address": {"lastName": "Schulze", "custom": {"deliveryNote": "door"}}},
    )
    after = response.json()["address"]
    assert after == {**before, "lastName": "Schulze", "custom": {"packstation": "1", "deliveryNote": "door"}}
    assert api.call("getAddress", session=demo, params={"addressId": before["id"]}).json()["address"] == after


def test_set_main_address_moves_the_main_mark(api: Api, demo: str) -> None:
    target = next(a for a in _addresses(api, demo) if not a["isMain"])
    response = api.call("setMainAddress", session=demo, json={"addressId": target["id"]})
    assert response.json()["address"] == {**target, "isMain": True}
    mains = [a["id"] for a in _addresses(api, demo) if a["isMain"]]
    assert mains == [target["id"]]


def test_delete_main_address_makes_the_oldest_remaining_main(api: Api, demo: str) -> None:
    addresses = _addresses(api, demo)
    api.call("setMainAddress", session=demo, json={"addressId": addresses[1]["id"]})
    assert api.call("deleteAddress", session=demo, json={"addressId": addresses[1]["id"]}).json() == {"deleted": True}
    remaining = _addresses(api, demo)
    assert [a["id"] for a in remaining] == [a["id"] for a in addresses if a["id"] != addresses[1]["id"]]
    assert [a["isMain"] for a in remaining] == [True] + [False] * (len(remaining) - 1)


def test_deleted_address_is_gone(api: Api, demo: str) -> None:
    victim = _addresses(api, demo)[-1]
    api.call("deleteAddress", session=demo, json={"addressId": victim["id"]})
    assert_error(
        api.call("getAddress", session=demo, params={"addressId": victim["id"]}), 404, "invalidAddressId", "addressId"
    )
    assert_error(api.call("deleteAddress", session=demo, json={"addressId": victim["id"]}), 404, "invalidAddressId")


def test_deleting_every_address_leaves_an_empty_book(api: Api, demo: str) -> None:
    for address in _addresses(api, demo):
        api.call("deleteAddress", session=demo, json={"addressId": address["id"]})
    assert _addresses(api, demo) == []
    assert api.call("createAddress", session=demo, json={"address": {"zip": "1"}}).json()["address"]["isMain"] is True


def test_another_accounts_address_is_unknown(api: Api, demo: str) -> None:
    own = _addresses(api, demo)[0]
    stranger = api.register(email="stranger@example.com")
    for operation_id, kwargs in (
        ("getAddress", {"params": {"addressId": own["id"]}}),
        ("updateAddress", {"json": {"addressId": own["id"], "address": {"city": "X"}}}),
        ("setMainAddress", {"json": {"addressId": own["id"]}}),
        ("deleteAddress", {"json": {"addressId": own["id"]}}),
    ):
        assert_error(api.call(operation_id, session=stranger, **kwargs), 404, "invalidAddressId")
    assert _addresses(api, demo)[0] == own
