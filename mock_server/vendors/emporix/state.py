"""Emporix's state as the generic runtime sees it: one tenant, seeded from its fixtures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.common.directory import fixture_passwords, iso_time, records
from mock_server.common.passwords import FixtureHashes
from mock_server.vendor import AccountsView, LinkNotOpenable, StateContext
from mock_server.vendors.emporix.domain.contexts import CONTEXT_PREFIX
from mock_server.vendors.emporix.domain.customers import CUSTOMER_PREFIX
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
        self._store = context.store
        self._hashes = FixtureHashes(customer["password"] for customer in self.fixtures.customers)
        settings = context.contract.settings_schema()
        assert settings is not None
        self.tenant = Tenant(context.store, settings, clock=context.clock, on_empty=context.on_empty)
        self.settings = self.tenant.settings
        self.tenant_schema: Mapping[str, Any] = next(
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
        """Customers (they log in with e-mail and password) and the session contexts."""
        passwords = fixture_passwords(await self._hashes.resolved())
        customers = dict(await records(self._store, CUSTOMER_PREFIX))
        accounts = [
            {
                "login": customer["email"],
                "password": passwords.get(customer["passwordHash"]),
                "state": "active",
                "name": " ".join(filter(None, (customer.get("firstName"), customer.get("lastName")))) or None,
                "details": {"customerId": customer_id, "tenant": str(self.fixtures.settings["tenant"])},
            }
            for customer_id, customer in customers.items()
        ]
        sessions = []
        for session_id, context in await records(self._store, CONTEXT_PREFIX):
            customer = customers.get(context.get("customerId") or "")
            sessions.append(
                {
                    "session": session_id,
                    "login": None if customer is None else customer["email"],
                    "expiresAt": iso_time(context.get("expiresAt")),
                    "details": {
                        name: context[name] for name in ("siteCode", "currency", "language") if context.get(name)
                    },
                }
            )
        return AccountsView(accounts, sessions)
