"""Every Optimizely service of the served website, wired to one store and one clock."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from mock_server.common.outbox import Outbox
from mock_server.common.settings import Settings
from mock_server.store import Store
from mock_server.vendors.optimizely.domain.catalog import Catalog
from mock_server.vendors.optimizely.domain.clients import Client, Clients
from mock_server.vendors.optimizely.domain.clock import Clock
from mock_server.vendors.optimizely.domain.identity import Grant, Identity
from mock_server.vendors.optimizely.domain.session_records import SessionRecords
from mock_server.vendors.optimizely.domain.sessions import Sessions
from mock_server.vendors.optimizely.domain.tokens import Tokens
from mock_server.vendors.optimizely.domain.users import ResetTokens, Users
from storefront_kit.schemas import with_defaults

PREFIX = "optimizely"
E_MAIL_SUBJECTS = {
    "resetPassword": "Reset your password",
    "activateAccount": "Activate your account",
}


class SeedData(Protocol):
    """The fixture data to seed from (`mock_server.vendors.optimizely.fixtures.OptimizelyFixtureData`)."""

    @property
    def settings(self) -> dict[str, Any]: ...

    @property
    def clients(self) -> list[dict[str, Any]]: ...

    @property
    def languages(self) -> list[dict[str, Any]]: ...

    @property
    def currencies(self) -> list[dict[str, Any]]: ...

    @property
    def personas(self) -> list[dict[str, Any]]: ...

    @property
    def users(self) -> list[dict[str, Any]]: ...


class Website:
    def __init__(
        self,
        store: Store,
        settings_schema: Mapping[str, Any],
        *,
        clock: Clock = time.time,
        on_empty: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`settings_schema` is `WebsiteSettings`; `on_empty` is awaited when the store turns out empty."""
        self.store = store
        self.clock = clock
        self.settings = Settings(store, PREFIX, settings_schema, on_missing=on_empty)
        self.outbox = Outbox(store, PREFIX, E_MAIL_SUBJECTS, clock)
        self.catalog = Catalog(store)
        self.clients = Clients(store)
        self.tokens = Tokens(store, clock)
        self.users = Users(store, self.settings, clock)
        self.reset_tokens = ResetTokens(store, clock)
        self.session_records = SessionRecords(store, clock)
        self.identity = Identity(self.settings, self.clients, self.tokens, self.users, self.session_records, clock)
        self.sessions = Sessions(
            self.settings, self.catalog, self.session_records, self.users, self.reset_tokens, self.outbox, clock
        )

    async def authenticate(self, access_token: str | None) -> Grant | None:
        """The bearer check (see `Identity.authenticate`)."""
        return await self.identity.authenticate(access_token)

    async def client(self, client_id: str | None, secret: str | None) -> Client | None:
        """The HTTP Basic check of the token endpoint (see `Identity.client`)."""
        return await self.identity.client(client_id, secret)

    async def seed(self, data: SeedData, password_hashes: Mapping[str, str]) -> None:
        """Write the fixture state; `password_hashes` maps each fixture password to its hash.

        The settings go last: a reader that finds them finds everything else (see `Catalog`).
        """
        await self.catalog.seed(data.languages, data.currencies, data.personas)
        await self.clients.seed(Client.from_fixture(entry) for entry in data.clients)
        await self.users.seed(user_record(entry, password_hashes[entry["password"]]) for entry in data.users)
        await self.settings.save(with_defaults(self.settings.schema, data.settings))


def user_record(entry: Mapping[str, Any], password_hash: str) -> dict[str, Any]:
    """The stored record of a fixture user: the password replaced by its hash."""
    record = {key: value for key, value in entry.items() if key != "password"}
    record["passwordHash"] = password_hash
    return record
