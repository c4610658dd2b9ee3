"""WEBSALE's session and customer-account behaviour as plain Python over a `Store`."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from mock_server.common.outbox import Outbox
from mock_server.common.settings import Settings
from mock_server.store import Store
from mock_server.vendors.websale.domain.accounts import AccountRecords, AccountService
from mock_server.vendors.websale.domain.addresses import (
    ADDRESS_SEQUENCE,
    AddressService,
    seed_book,
    upgrade_books,
)
from mock_server.vendors.websale.domain.back_in_stock import (
    ENTRIES_PREFIX,
    PRODUCT_PREFIX,
    BackInStockService,
)
from mock_server.vendors.websale.domain.orders import (
    ORDERS_PREFIX,
    SUMMARIES_PREFIX,
    OrderService,
    summaries,
)
from mock_server.vendors.websale.domain.profile import ProfileService
from mock_server.vendors.websale.domain.recovery import PasswordService
from mock_server.vendors.websale.domain.sessions import Sessions, Visit
from mock_server.vendors.websale.domain.throttle import LoginThrottle
from mock_server.vendors.websale.domain.tokens import AutologinTokens, OptInTokens
from storefront_kit.schemas import with_defaults

__all__ = ["SeedData", "Shop", "Visit"]

ACCOUNT_SEQUENCE = "websale:seq:account"
E_MAIL_SUBJECTS = {
    "accountDeletion": "Confirm the deletion of your customer account",
    "emailVerification": "Confirm your new e-mail address",
    "passwordReset": "Reset your password",
}


class SeedData(Protocol):
    """The fixture data to seed from (`mock_server.vendors.websale.fixtures.FixtureData`)."""

    @property
    def settings(self) -> dict[str, Any]: ...

    @property
    def accounts(self) -> list[dict[str, Any]]: ...

    @property
    def products(self) -> list[dict[str, Any]]: ...


def _highest_number(ids: list[str]) -> int:
    return max((int(i) for i in ids if i.isdigit()), default=0)


class Shop:
    """Every service of one shop, wired to one store."""

    def __init__(
        self,
        store: Store,
        schemas: Mapping[str, Any],
        on_empty: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`on_empty` is awaited when the store turns out to be empty; it may seed it again.

        `clock` (epoch seconds) dates what the shop writes; its expiry is the store's, which follows
        the mock's clock by itself.
        """
        self.store = store
        self.clock = clock
        self.settings = Settings(store, "websale", schemas["ShopSettings"], on_missing=on_empty)
        self.records = AccountRecords(store)
        self.outbox = Outbox(store, "websale", E_MAIL_SUBJECTS, clock)
        opt_in = OptInTokens(store)
        self.sessions = Sessions(store, self.settings)
        self.accounts = AccountService(
            self.records,
            self.sessions,
            self.settings,
            LoginThrottle(store),
            AutologinTokens(store, clock),
            opt_in,
            self.outbox,
            clock,
        )
        self.addresses = AddressService(store, self.records, self.settings, schemas["AddressInput"])
        self.back_in_stock = BackInStockService(store, self.records, self.settings, clock)
        self.orders = OrderService(store, self.records)
        self.profile = ProfileService(self.records, self.settings, opt_in, self.outbox)
        self.passwords = PasswordService(self.records, self.settings, opt_in, self.outbox)

    async def upgrade(self) -> None:
        """Bring state written by an earlier version of the mock to the current layout."""
        await upgrade_books(self.store)
        await self.settings.save(await self.settings.get())  # earlier versions kept no version token

    async def seed(self, data: SeedData, password_hashes: Mapping[str, str]) -> None:
        """Write the fixture state; `password_hashes` maps each fixture password to its hash."""
        await self.settings.save(with_defaults(self.settings.schema, data.settings))
        address_ids: list[str] = []
        for account in data.accounts:
            record = {
                "id": str(account["id"]),
                "email": account["email"],
                "passwordHash": password_hashes[account["password"]],
                "displayName": account.get("displayName", ""),
                "firstName": account.get("firstName", ""),
                "lastName": account.get("lastName", ""),
                "emailVerified": bool(account.get("emailVerified", False)),
                "createdAt": account["createdAt"],
            }
            if not await self.records.create(record):
                await self.records.save(record)  # its e-mail was indexed by a seeder that died
            if account.get("addresses"):
                await seed_book(self.store, record["id"], account["addresses"])
                address_ids += [str(a["id"]) for a in account["addresses"]]
            if account.get("orders"):
                await self.store.put(ORDERS_PREFIX + record["id"], account["orders"])
                await self.store.put(SUMMARIES_PREFIX + record["id"], summaries(account["orders"]))
            if account.get("backInStock"):
                await self.store.put(ENTRIES_PREFIX + record["id"], account["backInStock"])
        for product in data.products:
            await self.store.put(PRODUCT_PREFIX + str(product["id"]), product)
        await self.store.put(ACCOUNT_SEQUENCE, _highest_number([str(a["id"]) for a in data.accounts]))
        await self.store.put(ADDRESS_SEQUENCE, _highest_number(address_ids))
