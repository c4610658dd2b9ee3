"""The address book of the logged-in account: exactly one main address while any exist.

Each address is its own record (without `isMain`); a small index per account keeps the ids in
creation order and names the main one, so a change writes one record and the index, never the book.
Records keep a field without a value as an empty string (as stores written before always had it);
answers show it as null, and list every free field of the shop, so what is read can be written back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeGuard

from mock_server.common.settings import Settings
from mock_server.errors import ApiError
from mock_server.store import Store
from mock_server.vendors.websale.domain.sessions import Visit

if TYPE_CHECKING:
    # Only a type here: accounts imports this module to delete an account's book.
    from mock_server.vendors.websale.domain.accounts import AccountRecords

# websale:addresses:<accountId> holds the index {"ids": [...], "main": id}, in creation order.
ADDRESSES_PREFIX = "websale:addresses:"
# websale:address:<accountId>:<addressId> holds one address without `isMain`.
RECORD_PREFIX = "websale:address:"
ADDRESS_SEQUENCE = "websale:seq:address"
# A list that finds records missing reads the index again this often (see `AddressService.list`).
LIST_ATTEMPTS = 3

Index = dict[str, Any]


def standard_fields(address_input_schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The address-field catalogue, read from the contract's `AddressInput` schema."""
    return [
        {
            "name": name,
            "type": "date" if _is_date(schema) else "string",
            "maxLength": int(schema["maxLength"]),
            "custom": False,
        }
        for name, schema in address_input_schema["properties"].items()
        if name != "custom"
    ]


def _is_date(schema: Mapping[str, Any]) -> bool:
    return any(part.get("format") == "date" for part in (schema, *schema.get("anyOf", ())))


def _stored(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Sent fields as a record keeps them: a cleared field (null) as an empty string."""
    return {name: "" if value is None else value for name, value in fields.items()}


def _invalid_id(address_id: str) -> ApiError:
    return ApiError("invalidAddressId", f"No address {address_id!r} in this account.", "addressId")


def _record_key(owner: str, address_id: str) -> str:
    return f"{RECORD_PREFIX}{owner}:{address_id}"


def _view(record: dict[str, Any], main: str | None, custom_names: list[str]) -> dict[str, Any]:
    """The contract's `Address`: `isMain` right after `id`, as stored books always had it; a field
    without a value is null, and every free field of the shop is listed."""
    view: dict[str, Any] = {"id": record["id"], "isMain": record["id"] == main}
    view.update({name: value or None for name, value in record.items() if name not in ("id", "custom")})
    custom = {name: None for name in custom_names}
    custom.update({name: value or None for name, value in record.get("custom", {}).items()})
    view["custom"] = custom
    return view


def _has(index: Index | None, address_id: str) -> TypeGuard[Index]:
    return index is not None and address_id in index["ids"]


async def seed_book(store: Store, owner: str, addresses: list[dict[str, Any]]) -> None:
    """Write a fixture book; its main is the address flagged `isMain`, else the first."""
    if not addresses:
        return
    for address in addresses:
        await store.put(_record_key(owner, address["id"]), {k: v for k, v in address.items() if k != "isMain"})
    main = next((a["id"] for a in addresses if a.get("isMain")), addresses[0]["id"])
    await store.put(ADDRESSES_PREFIX + owner, {"ids": [a["id"] for a in addresses], "main": main})


async def upgrade_books(store: Store) -> None:
    """Rewrite the books of a store written when a book was one list of addresses, in this layout."""
    for key in await store.keys(ADDRESSES_PREFIX):
        book = await store.get(key)
        if isinstance(book, list):
            await seed_book(store, key[len(ADDRESSES_PREFIX) :], book)


async def delete_book(store: Store, owner: str) -> None:
    """Remove an account's whole book (account deletion)."""
    # The index goes first, atomically: from then on no request sees the records.
    index: Index | None = await store.pop(ADDRESSES_PREFIX + owner)
    for address_id in [] if index is None else index["ids"]:
        await store.delete(_record_key(owner, address_id))


class AddressService:
    def __init__(
        self, store: Store, records: AccountRecords, settings: Settings, address_input_schema: Mapping[str, Any]
    ) -> None:
        self._store = store
        self._records = records
        self._settings = settings
        self._standard = standard_fields(address_input_schema)
        custom_schema = address_input_schema["properties"].get("custom", {}).get("additionalProperties", {})
        self._custom_max_length = int(custom_schema.get("maxLength", 255))
        self._blank = {field["name"]: "" for field in self._standard}

    async def fields(self) -> dict[str, Any]:
        custom = (await self._settings.get())["customAddressFields"]
        return {
            "fields": [
                *self._standard,
                *(
                    {"name": name, "type": "string", "maxLength": self._custom_max_length, "custom": True}
                    for name in custom
                ),
            ]
        }

    async def _owner(self, visit: Visit) -> str:
        return str((await self._records.current(visit))["id"])

    async def _custom_names(self) -> list[str]:
        return list((await self._settings.get())["customAddressFields"])

    async def list(self, visit: Visit) -> dict[str, Any]:
        owner = await self._owner(visit)
        for _ in range(LIST_ATTEMPTS):
            index: Index | None = await self._store.get(ADDRESSES_PREFIX + owner)
            if index is None:
                return {"addresses": []}
            main = index["main"]
            records = await self._store.get_many([_record_key(owner, i) for i in index["ids"]])
            # A delete drops the id from the index before its record, so a missing record means
            # the index has moved on: reading it again avoids answering a book without a main.
            if None not in records:
                break
        custom_names = await self._custom_names()
        return {"addresses": [_view(record, main, custom_names) for record in records if record is not None]}

    async def get(self, visit: Visit, address_id: str) -> dict[str, Any]:
        owner = await self._owner(visit)
        index: Index | None = await self._store.get(ADDRESSES_PREFIX + owner)
        if not _has(index, address_id):
            raise _invalid_id(address_id)
        record = await self._store.get(_record_key(owner, address_id))
        if record is None:
            raise _invalid_id(address_id)  # deleted since the index was read
        return {"address": _view(record, index["main"], await self._custom_names())}

    async def create(self, visit: Visit, fields: dict[str, Any]) -> dict[str, Any]:
        owner = await self._owner(visit)
        address_id = str(await self._store.update(ADDRESS_SEQUENCE, lambda n: ((n or 0) + 1, (n or 0) + 1)))
        record = {"id": address_id, **self._blank, **_stored({k: v for k, v in fields.items() if k != "custom"})}
        record["custom"] = _stored(fields.get("custom", {}))
        # The record first: an id in the index always has its record.
        await self._store.put(_record_key(owner, address_id), record)

        def append(index: Index | None) -> tuple[Index, str]:
            if index is None or not index["ids"]:
                return {"ids": [address_id], "main": address_id}, address_id
            return {"ids": [*index["ids"], address_id], "main": index["main"]}, index["main"]

        main = await self._store.update(ADDRESSES_PREFIX + owner, append)
        return {"address": _view(record, main, await self._custom_names())}

    async def update(self, visit: Visit, address_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        owner = await self._owner(visit)
        index: Index | None = await self._store.get(ADDRESSES_PREFIX + owner)
        if not _has(index, address_id):
            raise _invalid_id(address_id)

        def merge(record: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
            if record is None:
                return None, None  # deleted since the index was read
            record.update(_stored({k: v for k, v in fields.items() if k != "custom"}))
            record["custom"] = {**record.get("custom", {}), **_stored(fields.get("custom", {}))}
            return record, record

        updated = await self._store.update(_record_key(owner, address_id), merge)
        if updated is None:
            raise _invalid_id(address_id)
        return {"address": _view(updated, index["main"], await self._custom_names())}

    async def set_main(self, visit: Visit, address_id: str) -> dict[str, Any]:
        owner = await self._owner(visit)

        def mark(index: Index | None) -> tuple[Index | None, bool]:
            if not _has(index, address_id):
                return index, False
            return {**index, "main": address_id}, True

        marked = await self._store.update(ADDRESSES_PREFIX + owner, mark)
        record = await self._store.get(_record_key(owner, address_id)) if marked else None
        if record is None:
            raise _invalid_id(address_id)
        return {"address": _view(record, address_id, await self._custom_names())}

    async def delete(self, visit: Visit, address_id: str) -> dict[str, Any]:
        owner = await self._owner(visit)

        def remove(index: Index | None) -> tuple[Index | None, bool]:
            if not _has(index, address_id):
                return index, False
            rest = [i for i in index["ids"] if i != address_id]
            if not rest:
                return None, True
            # The oldest remaining address takes over the main mark.
            return {"ids": rest, "main": rest[0] if index["main"] == address_id else index["main"]}, True

        if not await self._store.update(ADDRESSES_PREFIX + owner, remove):
            raise _invalid_id(address_id)
        await self._store.delete(_record_key(owner, address_id))
        return {"deleted": True}
