"""ZEST's state as the generic runtime sees it: one shop, seeded from its fixtures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.common.directory import iso_time, records
from mock_server.vendor import AccountsView, LinkNotOpenable, StateContext
from mock_server.vendors.zest.domain import Shop
from mock_server.vendors.zest.domain.sessions import SESSION_PREFIX
from mock_server.vendors.zest.fixtures import ZestFixtureData, load_fixtures

DEMO_CATEGORY = "00411"


class ZestState:
    seed_marker = "zest:seeded"
    layout = "done:1"
    outbox = None  # the shop sends no e-mails

    def __init__(self, context: StateContext) -> None:
        self.fixtures: ZestFixtureData = load_fixtures(
            context.fixtures, seed=context.seed, locale=context.locale, contract=context.contract
        )
        settings = context.contract.settings_schema()
        assert settings is not None
        self._store = context.store
        self.shop = Shop(context.store, settings, clock=context.clock, on_empty=context.on_empty)
        self.settings = self.shop.settings
        # Links are absolute: the handlers put the request's origin before this (`/API/V3`).
        self.base_path = context.contract.base_path

    async def seed(self) -> None:
        await self.shop.seed(self.fixtures)

    async def upgrade(self) -> None:
        """Nothing to bring up to date: this is the first layout."""

    def banner(self) -> list[tuple[str, str]]:
        lines = []
        for application in self.fixtures.applications:
            resources = application["resources"]
            allowed = "every resource" if resources is None else ", ".join(resources) + " only"
            lines.append(("Application key", f"{application['key']} ({allowed})"))
        demo = next((entry for entry in self.fixtures.categories if entry["code"] == DEMO_CATEGORY), None)
        if demo is not None:
            lines.append(("Demo category", f"{demo['code']} {demo['title']} ({len(demo['products'])} products)"))
        return lines

    async def open_link(self, message: Mapping[str, Any]) -> str:
        raise LinkNotOpenable("This backend sends no e-mails.")

    async def accounts(self) -> AccountsView:
        """The application keys (sent as the Basic user or `_key`; there are no customer logins) and the sessions.

        The store keeps a digest of each session token, never the token: a session is listed by its digest.
        """
        accounts = [
            {
                "login": application["key"],
                "password": "",
                "state": "active",
                "details": {"resources": application["resources"] or "all"},
            }
            for application in self.fixtures.applications
        ]
        idle = float((await self.settings.get())["sessionIdleSeconds"])
        sessions = [
            {
                "session": digest,
                "login": None,
                "expiresAt": iso_time(record["t"] + idle),
                "details": {"tokenDigest": True},
            }
            for digest, record in await records(self._store, SESSION_PREFIX)
        ]
        return AccountsView(accounts, sessions)
