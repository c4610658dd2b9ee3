"""WEBSALE's state as the generic runtime sees it: the shop, seeded from its fixtures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.common.directory import expiry, fixture_passwords, records
from mock_server.common.passwords import FixtureHashes
from mock_server.errors import ApiError
from mock_server.vendor import AccountsView, LinkNotOpenable, StateContext
from mock_server.vendors.websale.domain import Shop, Visit
from mock_server.vendors.websale.domain.accounts import ACCOUNT_PREFIX
from mock_server.vendors.websale.domain.sessions import SESSION_PREFIX
from mock_server.vendors.websale.fixtures import FixtureData, load_fixtures

DEMO_EMAIL = "demo@example.com"
# The e-mails whose page needs more than the click: what it asks for, and the call that takes the token.
NEEDS_MORE = {
    "accountDeletion": 'the account\'s logged-in session: POST account/deleteConfirm with {"otok": token}',
    "passwordReset": "a new password: POST account/password/reset with the token",
}


class WebsaleState:
    # The marker and layout keep the names of the versions before several vendors, so that a
    # shared store written by one of them is kept.
    seed_marker = "mock:seeded"
    layout = "done:2"

    def __init__(self, context: StateContext) -> None:
        self.fixtures: FixtureData = load_fixtures(
            context.fixtures, seed=context.seed, locale=context.locale, contract=context.contract
        )
        self._store = context.store
        self._hashes = FixtureHashes(account["password"] for account in self.fixtures.accounts)
        self.shop = Shop(
            context.store,
            context.contract.resolved["components"]["schemas"],
            on_empty=context.on_empty,
            clock=context.clock,
        )
        self.settings = self.shop.settings
        self.outbox = self.shop.outbox
        self.login_operations = frozenset(
            op.operation_id for op in context.contract.operations.values() if op.extensions.get("x-requires-login")
        )

    async def seed(self) -> None:
        await self.shop.seed(self.fixtures, await self._hashes.resolved())

    async def upgrade(self) -> None:
        await self.shop.upgrade()

    def banner(self) -> list[tuple[str, str]]:
        accounts = self.fixtures.accounts
        demo = next((a for a in accounts if a["email"].lower() == DEMO_EMAIL), accounts[0] if accounts else None)
        return [] if demo is None else [("Demo login", f"{demo['email']} / {demo['password']}")]

    async def open_link(self, message: Mapping[str, Any]) -> str:
        """The e-mail verification page confirms the change with the token from any session."""
        if message["kind"] != "emailVerification":
            needs = NEEDS_MORE.get(message["kind"], "more than a click")
            raise LinkNotOpenable(f"The {message['kind']} link needs {needs}.")
        try:
            answer = await self.shop.profile.verify_email(Visit("", None, "mock-controls"), message["token"])
        except ApiError as refusal:
            raise LinkNotOpenable(f"The shop refuses the link ({refusal.code}): {refusal.message}") from refusal
        return f"The e-mail address of account {answer['account']['id']} is now {answer['account']['email']}."

    async def accounts(self) -> AccountsView:
        """Accounts (they log in with e-mail and password) and the live sessions."""
        passwords = fixture_passwords(await self._hashes.resolved())
        stored = dict(await records(self._store, ACCOUNT_PREFIX))
        accounts = [
            {
                "login": account["email"],
                "password": passwords.get(account["passwordHash"]),
                "state": "active",
                "name": account.get("displayName") or None,
                "details": {"id": account_id, "emailVerified": bool(account.get("emailVerified"))},
            }
            for account_id, account in stored.items()
        ]
        sessions = []
        for session_id, session in await records(self._store, SESSION_PREFIX):
            account = stored.get(session.get("accountId") or "")
            sessions.append(
                {
                    "session": session_id,
                    "login": None if account is None else account["email"],
                    "expiresAt": await expiry(self._store, SESSION_PREFIX + session_id, self.shop.clock()),
                }
            )
        return AccountsView(accounts, sessions)
