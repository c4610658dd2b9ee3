"""The address book: fields stored as sent, read back writable, partial updates, one main address."""

from __future__ import annotations

from typing import Any

from conformance.scenarios import scenario
from conformance.vendors.websale.context import WebsaleContext

_UPDATE_CODES = ("invalidAddressId", "emptyAddress", "unknownField", "invalidFieldType")


def _main_ids(listing: dict[str, Any]) -> list[str]:
    return [str(address["id"]) for address in listing.get("addresses", []) if address.get("isMain")]


@scenario(
    covers={
        "getAddress": ("invalidAddressId",),
        "createAddress": ("emptyAddress", "unknownField", "invalidFieldType"),
        "updateAddress": _UPDATE_CODES,
        "setMainAddress": ("invalidAddressId",),
        "deleteAddress": ("invalidAddressId",),
    },
    operations=(
        "listAddressFields",
        "listAddresses",
        "getAddress",
        "createAddress",
        "updateAddress",
        "setMainAddress",
        "deleteAddress",
    ),
)
def address_book(ctx: WebsaleContext) -> None:
    """Addresses are stored as sent, listed, updated field by field, and one of them is main."""
    fields = ctx.ok("listAddressFields", "listing the address fields")["fields"]
    custom_names = [field["name"] for field in fields if field.get("custom")]
    for name in ctx.setting("customAddressFields") or []:
        ctx.expect(
            name in custom_names,
            "address_fields_listed",
            f"the shop's custom address field {name!r} is not listed as custom",
            operation_id="listAddressFields",
        )
    account = ctx.new_account()
    session = account.session
    before = ctx.ok("listAddresses", "listing a new account's addresses", credential=session)["addresses"]
    sent: dict[str, Any] = {
        "firstName": "Kim",
        "lastName": "Meier-" + ctx.hex_token(4),
        "street": "Hauptstraße",
        "streetNumber": "12",
        "zip": "75172",
        "city": "Pforzheim",
        "country": "DE",
    }
    if custom_names:
        sent["custom"] = {custom_names[0]: "123"}
    first = ctx.ok("createAddress", "a valid address", credential=session, body={"address": sent})["address"]
    for name, value in sent.items():
        stored = first.get(name)
        if name == "custom" and isinstance(stored, dict):  # every free field of the shop is listed
            stored = {key: stored.get(key) for key in value}
        ctx.expect(
            stored == value,
            "address_stored_as_sent",
            f"createAddress stored {name}={first.get(name)!r}, sent {value!r}",
            operation_id="createAddress",
        )
    ctx.expect(
        all(name in first and first[name] is None for name in ("company", "fax", "taxId")),
        "address_stored_as_sent",
        "fields that were not sent do not read as null",
        operation_id="createAddress",
    )
    listed_custom = first.get("custom") or {}
    ctx.expect(
        all(name in listed_custom for name in custom_names),
        "address_stored_as_sent",
        "the address does not list every free field of the shop",
        operation_id="createAddress",
    )
    if not before:
        ctx.expect(
            first.get("isMain") is True,
            "one_main_address",
            "an account's first address is not main",
            operation_id="createAddress",
        )
    first_id = str(first["id"])
    listing = ctx.ok("listAddresses", "listing the addresses", credential=session)
    listed = {str(address["id"]): address for address in listing["addresses"]}
    ctx.expect(
        listed.get(first_id) == first,
        "created_address_listed",
        "the created address is not listed as createAddress answered it",
        operation_id="listAddresses",
    )
    got = ctx.ok("getAddress", "reading the created address", credential=session, query={"addressId": first_id})
    ctx.expect(
        got["address"] == first,
        "address_state_kept",
        "getAddress differs from what createAddress answered",
        operation_id="getAddress",
    )
    second = ctx.ok(
        "createAddress",
        "a second address",
        credential=session,
        body={"address": {"firstName": "Alex", "city": "Karlsruhe", "zip": "76133"}},
    )["address"]
    second_id = str(second["id"])
    ctx.expect(
        second.get("isMain") is False,
        "one_main_address",
        "a second address became main by itself",
        operation_id="createAddress",
    )
    ctx.expect(
        len(_main_ids(ctx.ok("listAddresses", "listing", credential=session))) == 1,
        "one_main_address",
        "not exactly one address is main",
        operation_id="listAddresses",
    )
    updated = ctx.ok(
        "updateAddress",
        "changing one field",
        credential=session,
        body={"addressId": second_id, "address": {"city": "Pforzheim"}},
    )["address"]
    ctx.expect(
        updated.get("city") == "Pforzheim",
        "update_changes_sent_fields",
        f"updateAddress did not change city (answered {updated.get('city')!r})",
        operation_id="updateAddress",
    )
    unchanged = {key: value for key, value in second.items() if key != "city"}
    ctx.expect(
        {key: updated.get(key) for key in unchanged} == unchanged,
        "update_keeps_other_fields",
        "updateAddress changed fields that were not sent: "
        + ", ".join(key for key in unchanged if updated.get(key) != unchanged[key]),
        operation_id="updateAddress",
    )
    reread = ctx.ok("getAddress", "reading the updated address", credential=session, query={"addressId": second_id})
    ctx.expect(
        reread["address"] == updated, "address_state_kept", "the update was not kept", operation_id="updateAddress"
    )
    main = ctx.ok(
        "setMainAddress", "making the second address main", credential=session, body={"addressId": second_id}
    )["address"]
    ctx.expect(
        main.get("isMain") is True,
        "one_main_address",
        "setMainAddress answered isMain other than true",
        operation_id="setMainAddress",
    )
    ctx.expect(
        _main_ids(ctx.ok("listAddresses", "listing", credential=session)) == [second_id],
        "one_main_address",
        "after setMainAddress the list does not show exactly the new main address as main",
        operation_id="setMainAddress",
    )
    deleted = ctx.ok("deleteAddress", "deleting the main address", credential=session, body={"addressId": second_id})
    ctx.expect(
        deleted.get("deleted") is True,
        "address_deleted",
        "deleteAddress answered deleted other than true",
        operation_id="deleteAddress",
    )
    remaining = ctx.ok("listAddresses", "listing after deletion", credential=session)["addresses"]
    ctx.expect(
        second_id not in {str(address["id"]) for address in remaining},
        "address_deleted",
        "the deleted address is still listed",
        operation_id="deleteAddress",
    )
    ctx.expect(
        len([a for a in remaining if a.get("isMain")]) == 1 and remaining[0].get("isMain") is True,
        "main_address_reassigned",
        "after deleting the main address the oldest remaining one is not main",
        operation_id="deleteAddress",
    )
    gone = {"addressId": second_id}
    ctx.error("getAddress", "invalidAddressId", "a deleted address", credential=session, query=gone)
    ctx.error(
        "updateAddress",
        "invalidAddressId",
        "a deleted address",
        credential=session,
        body={**gone, "address": {"city": "Ulm"}},
    )
    ctx.error("setMainAddress", "invalidAddressId", "a deleted address", credential=session, body=gone)
    ctx.error(
        "deleteAddress", "invalidAddressId", "a deleted address", rule="address_deleted", credential=session, body=gone
    )
    ctx.invalid("createAddress", {"address": {}}, "an empty address", credential=session)
    ctx.invalid(
        "createAddress", {"address": {"floor": "3"}}, "an address field that does not exist", credential=session
    )
    ctx.invalid("createAddress", {"address": {"zip": 75172}}, "a number as zip", credential=session)
    ctx.invalid(
        "createAddress", {"address": {"country": "Germany"}}, "a country that is not two capitals", credential=session
    )
    ctx.invalid("updateAddress", {"addressId": first_id, "address": {}}, "an empty address", credential=session)
    ctx.invalid(
        "updateAddress",
        {"addressId": first_id, "address": {"floor": "3"}},
        "an address field that does not exist",
        credential=session,
    )
    ctx.invalid(
        "updateAddress",
        {"addressId": first_id, "address": {"dateOfBirth": "yesterday"}},
        "a dateOfBirth that is not a date",
        credential=session,
    )
    read_back = {key: value for key, value in first.items() if key not in ("id", "isMain")}
    rewritten = ctx.ok(
        "updateAddress",
        "sending back an address as it was read",
        credential=session,
        body={"addressId": first_id, "address": read_back},
    )["address"]
    ctx.expect(
        rewritten == first,
        "address_round_trip",
        "an address sent back as it was read changed",
        operation_id="updateAddress",
    )
    cleared = ctx.ok(
        "updateAddress",
        "clearing fields with null and an empty string",
        credential=session,
        body={"addressId": first_id, "address": {"country": None, "street": ""}},
    )["address"]
    ctx.expect(
        cleared.get("country") is None and cleared.get("street") is None,
        "address_round_trip",
        "null or an empty string did not clear a field",
        operation_id="updateAddress",
    )
    ctx.ok(
        "updateAddress",
        "restoring the cleared fields",
        credential=session,
        body={"addressId": first_id, "address": {"country": sent["country"], "street": sent["street"]}},
    )
    ctx.expect(
        ctx.ok("getAddress", "reading after refused updates", credential=session, query={"addressId": first_id})[
            "address"
        ]["firstName"]
        == "Kim",
        "address_state_kept",
        "a refused update changed the address",
        operation_id="getAddress",
    )
    other = ctx.new_account()
    ctx.error(
        "getAddress",
        "invalidAddressId",
        "another account's address",
        rule="account_isolation",
        credential=other.session,
        query={"addressId": first_id},
    )
    ctx.error(
        "updateAddress",
        "invalidAddressId",
        "another account's address",
        rule="account_isolation",
        credential=other.session,
        body={"addressId": first_id, "address": {"city": "Ulm"}},
    )
