"""Emporix's state as the generic runtime sees it: one tenant, seeded from its fixtures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.common.passwords import FixtureHashes
from mock_server.vendor import AccountsView, LinkNotOpenable, StateContext
from mock_server.vendors.emporix.domain.tenant import Tenant
from mock_server.vendors.emporix.fixtures import EmporixFixtureData, load_fixtures

DEMO_EMAIL = "demo@example.com"


class EmporixState:
    seed_marker = "emporix:seeded"
    layout = "done:1"
    outbox = None  # the session-context service sends no e-mails

    def __init__(self, context: StateContext) -> None:
        self.fixtures: EmporixFixtureData = load_fixtures(
            context.fixtures, seed=context.seed, locale=context.locale, contract=context.contract
        )
        self._hashes = FixtureHashes(customer["password"] for customer in self.fixtures.customers)
        settings = context.contract.settings_schema()
        assert settings is not None
        self.tenant = Tenant(context.store, settings, on_empty=context.on_empty)
        self.settings = self.tenant.settings
        self.tenant_schema = next(
            parameter["schema"]
            for operation in context.contract.operations
            for parameter in context.contract.operation_spec(operation).get("parameters", ())
            if parameter["in"] == "path" and parameter["name"] == "tenant"
        )

    async def seed(self) -> None:
        await self.tenant.seed(self.fixtures, await self._hashes.resolved())

    async def upgrade(self) -> None:
        """Nothing to bring up to date: this is the first layout."""

    def banner(self) -> list[tuple[str, str]]:
        lines = [("Tenant", str(self.fixtures.settings["tenant"]))]
        for client in self.fixtures.clients:
            lines.append(("Service client", f"{client['id']} / {client['secret']} ({' '.join(client['scopes'])})"))
        if self.fixtures.storefront_clients:
            lines.append(("Storefront client", ", ".join(self.fixtures.storefront_clients)))
        demo = next((c for c in self.fixtures.customers if c["email"].lower() == DEMO_EMAIL), None)
        if demo is not None:
            lines.append(("Demo customer", f"{demo['email']} / {demo['password']}"))
        return lines

    async def open_link(self, message: Mapping[str, Any]) -> str:
        raise LinkNotOpenable("This backend sends no e-mails.")

    async def accounts(self) -> AccountsView:
        return AccountsView([], [])
