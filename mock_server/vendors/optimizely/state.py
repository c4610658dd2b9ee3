"""Optimizely's state as the generic runtime sees it: one website, seeded from its fixtures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.common.directory import fixture_passwords, iso_time, records
from mock_server.common.passwords import FixtureHashes
from mock_server.vendor import AccountsView, LinkNotOpenable, StateContext
from mock_server.vendors.optimizely.domain import Website
from mock_server.vendors.optimizely.domain.session_records import SESSION_PREFIX, SessionState
from mock_server.vendors.optimizely.domain.tokens import ACCESS_PREFIX
from mock_server.vendors.optimizely.domain.users import USER_PREFIX, User
from mock_server.vendors.optimizely.fixtures import OptimizelyFixtureData, load_fixtures

DEMO_USER = "demo"


class OptimizelyState:
    seed_marker = "optimizely:seeded"
    layout = "done:1"

    def __init__(self, context: StateContext) -> None:
        self.fixtures: OptimizelyFixtureData = load_fixtures(
            context.fixtures, seed=context.seed, locale=context.locale, contract=context.contract
        )
        self._store = context.store
        self._hashes = FixtureHashes(user["password"] for user in self.fixtures.users)
        settings = context.contract.settings_schema()
        assert settings is not None
        self.website = Website(context.store, settings, clock=context.clock, on_empty=context.on_empty)
        self.settings = self.website.settings
        self.outbox = self.website.outbox

    async def seed(self) -> None:
        await self.website.seed(self.fixtures, await self._hashes.resolved())

    async def upgrade(self) -> None:
        """Nothing to bring up to date: this is the first layout."""

    def banner(self) -> list[tuple[str, str]]:
        lines = [("Website", str(self.fixtures.settings.get("website", "Storefront")))]
        for client in self.fixtures.clients:
            secret = "any secret" if client.get("secret") is None else f"secret {client['secret']}"
            lines.append(("Token client", f"{client['id']} ({secret})"))
        demo = next((user for user in self.fixtures.users if user["userName"] == DEMO_USER), None)
        if demo is not None:
            lines.append(("Demo user", f"{demo['userName']} / {demo['password']}"))
        return lines

    async def open_link(self, message: Mapping[str, Any]) -> str:
        """Both e-mails lead to a page that asks for a new password."""
        raise LinkNotOpenable(
            f"The {message['kind']} link leads to a page that asks for a new password: "
            "PATCH api/v1/sessions/current with the resetToken, the userName and a newPassword."
        )

    async def accounts(self) -> AccountsView:
        """Users (they sign in with user name and password) and the sessions with their access tokens."""
        passwords = fixture_passwords(await self._hashes.resolved())
        users = {user_id: User.from_record(record) for user_id, record in await records(self._store, USER_PREFIX)}
        now = self.website.clock()
        settings = await self.settings.get()
        website, idle = str(settings["website"]), float(settings["sessionIdleSeconds"])
        accounts = [
            {
                "login": user.user_name,
                "password": passwords.get(user.password_hash),
                "state": _sign_in_state(user, now, website),
                "name": " ".join(filter(None, (user.first_name, user.last_name))) or None,
                "details": {"email": user.email, "billTos": [bill_to.id for bill_to in user.bill_tos]},
            }
            for user in users.values()
        ]
        # Tokens are stored by their digest only: a session shows how many it has.
        tokens: dict[str, int] = {}
        for _digest, record in await records(self._store, ACCESS_PREFIX):
            tokens[record["s"]] = tokens.get(record["s"], 0) + 1
        sessions = []
        for session_id, record in await records(self._store, SESSION_PREFIX):
            user = users.get(record.get("u") or "")
            sessions.append(
                {
                    "session": session_id,
                    "login": None if user is None else user.user_name,
                    "expiresAt": iso_time(SessionState.from_record(record).ends(idle)),
                    "details": {"accessTokens": tokens.get(session_id, 0), "rememberMe": bool(record.get("r"))},
                }
            )
        return AccountsView(accounts, sessions)


def _sign_in_state(user: User, now: float, website: str) -> str:
    """Why signing in is refused, in the order the sign-in checks it; `active` when it is not."""
    if user.deactivated:
        return "deactivated"
    if user.must_change_password:
        return "mustChangePassword"
    if user.locked(now):
        return "lockedOut"
    if not user.allowed_on(website):
        return "otherWebsite"
    if user.default_bill_to() is None:
        return "noBillTo"
    return "active"
