"""Every Emporix service of one tenant, wired to one store and one clock."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from mock_server.common.settings import Settings
from mock_server.store import Store
from mock_server.vendors.emporix.domain.anonymous import AnonymousSessions
from mock_server.vendors.emporix.domain.clients import (
    ClientCredentials,
    Clients,
    ServiceClient,
)
from mock_server.vendors.emporix.domain.clock import Clock
from mock_server.vendors.emporix.domain.contexts import ContextService
from mock_server.vendors.emporix.domain.customers import (
    Customer,
    CustomerRecords,
    CustomerService,
)
from mock_server.vendors.emporix.domain.tokens import Token, Tokens, check_tenant
from storefront_kit.schemas import with_defaults


class SeedData(Protocol):
    """The fixture data to seed from (`mock_server.vendors.emporix.fixtures.EmporixFixtureData`)."""

    @property
    def settings(self) -> dict[str, Any]: ...

    @property
    def clients(self) -> list[dict[str, Any]]: ...

    @property
    def storefront_clients(self) -> list[str]: ...

    @property
    def customers(self) -> list[dict[str, Any]]: ...


class Tenant:
    def __init__(
        self,
        store: Store,
        settings_schema: Mapping[str, Any],
        *,
        clock: Clock = time.time,
        on_empty: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`settings_schema` is `TenantSettings`; `on_empty` is awaited when the store turns out empty."""
        self.store = store
        self.clock = clock
        self.settings = Settings(store, "emporix", settings_schema, on_missing=on_empty)
        self.clients = Clients(store)
        self.tokens = Tokens(store, clock)
        self.contexts = ContextService(store, self.settings, self.tokens, clock)
        self.customer_records = CustomerRecords(store)
        self.service_tokens = ClientCredentials(self.settings, self.clients, self.tokens, clock)
        self.anonymous = AnonymousSessions(self.settings, self.clients, self.tokens, self.contexts, clock)
        self.customers = CustomerService(self.settings, self.customer_records, self.tokens, self.contexts, clock)

    async def authenticate(self, access_token: str) -> Token | None:
        """The grant of a live access token; None for an unknown, revoked or expired one."""
        return await self.tokens.find("access", access_token)

    @staticmethod
    def check_tenant(token: Token, tenant: str) -> None:
        """`tenantMismatch` when the token belongs to another tenant than the path's."""
        check_tenant(token, tenant)

    async def seed(self, data: SeedData, password_hashes: Mapping[str, str]) -> None:
        """Write the fixture state; `password_hashes` maps each fixture password to its hash."""
        await self.settings.save(with_defaults(self.settings.schema, data.settings))
        await self.clients.seed((ServiceClient.from_fixture(c) for c in data.clients), data.storefront_clients)
        for entry in data.customers:
            customer = Customer.from_fixture(entry, password_hashes[entry["password"]])
            if not await self.customer_records.create(customer):
                await self.customer_records.save(customer)  # its e-mail was indexed by a seeder that died
