"""The address book of the logged-in account: exactly one main address while any exist."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.errors import ApiError
from mock_server.store import Store
from mock_server.websale.domain.accounts import AccountRecords
from mock_server.websale.domain.sessions import Visit
from mock_server.websale.domain.settings import Settings

ADDRESSES_PREFIX = "websale:addresses:"
ADDRESS_SEQUENCE = "websale:seq:address"


def standard_fields(address_input_schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The address-field catalogue, read from the contract's `AddressInput` schema."""
    return [
        {
            "name": name,
            "type": "date" if schema.get("format") == "date" else "string",
            "maxLength": int(schema["maxLength"]),
            "custom": False,
        }
        for name, schema in address_input_schema["properties"].items()
        if name != "custom"
    ]


def _invalid_id(address_id: str) -> ApiError:
    return ApiError("invalidAddressId", f"No address {address_id!r} in this account.", "addressId")


class AddressService:
    def __init__(self, store: Store, records: AccountRecords, settings: Settings, address_input_schema: Mapping[str, Any]) -> None:
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
                *({"name": name, "type": "string", "maxLength": self._custom_max_length, "custom": True} for name in custom),
            ]
        }

    async def _owner(self, visit: Visit) -> str:
        return str((await self._records.current(visit))["id"])

    async def list(self, visit: Visit) -> dict[str, Any]:
        return {"addresses": await self._store.get(ADDRESSES_PREFIX + await self._owner(visit)) or []}

    async def get(self, visit: Visit, address_id: str) -> dict[str, Any]:
        for address in await self._store.get(ADDRESSES_PREFIX + await self._owner(visit)) or []:
            if address["id"] == address_id:
                return {"address": address}
        raise _invalid_id(address_id)

    async def create(self, visit: Visit, fields: dict[str, Any]) -> dict[str, Any]:
        owner = await self._owner(visit)
        address_id = str(await self._store.update(ADDRESS_SEQUENCE, lambda n: ((n or 0) + 1, (n or 0) + 1)))
        new = {"id": address_id, "isMain": False, **self._blank, **{k: v for k, v in fields.items() if k != "custom"}}
        new["custom"] = dict(fields.get("custom", {}))

        def add(addresses: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
            addresses = addresses or []
            new["isMain"] = not addresses
            return [*addresses, new], new

        return {"address": await self._store.update(ADDRESSES_PREFIX + owner, add)}

    async def update(self, visit: Visit, address_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        def merge(addresses: list[dict[str, Any]] | None) -> tuple[Any, dict[str, Any] | None]:
            for address in addresses or []:
                if address["id"] == address_id:
                    address.update({k: v for k, v in fields.items() if k != "custom"})
                    address["custom"] = {**address.get("custom", {}), **fields.get("custom", {})}
                    return addresses, address
            return addresses, None

        return {"address": await self._change(visit, address_id, merge)}

    async def set_main(self, visit: Visit, address_id: str) -> dict[str, Any]:
        def mark(addresses: list[dict[str, Any]] | None) -> tuple[Any, dict[str, Any] | None]:
            chosen = next((a for a in addresses or [] if a["id"] == address_id), None)
            if chosen is not None:
                for address in addresses or []:
                    address["isMain"] = address is chosen
            return addresses, chosen

        return {"address": await self._change(visit, address_id, mark)}

    async def delete(self, visit: Visit, address_id: str) -> dict[str, Any]:
        def remove(addresses: list[dict[str, Any]] | None) -> tuple[Any, dict[str, Any] | None]:
            gone = next((a for a in addresses or [] if a["id"] == address_id), None)
            if gone is None:
                return addresses, None
            rest = [a for a in addresses or [] if a is not gone]
            if gone["isMain"] and rest:
                rest[0]["isMain"] = True
            return (rest or None), gone

        await self._change(visit, address_id, remove)
        return {"deleted": True}

    async def _change(self, visit: Visit, address_id: str, mutation: Any) -> dict[str, Any]:
        owner = await self._owner(visit)
        result: dict[str, Any] | None = await self._store.update(ADDRESSES_PREFIX + owner, mutation)
        if result is None:
            raise _invalid_id(address_id)
        return result
