"""Sessions for WEBSALE's generated cases: which operations share a logged-in session, which get their own."""

from __future__ import annotations

import itertools
from typing import Any

from conformance.http import ApiClient, Credential, credential_for
from conformance.target import Target

# Operations that would spoil a shared logged-in session (log it out, delete its account), and
# operations that log a session into another account: each case of these gets its own session.
_OWN_ACCOUNT = frozenset({"logout", "deleteAccount"})
_OWN_SESSION = frozenset({"register", "login", "autologin", "createSession"})


class WebsaleFuzzAuth:
    """Live sessions for generated cases: a shared logged-in one, or a fresh one per case."""

    def __init__(self, client: ApiClient, target: Target, seed: int, run_id: str) -> None:
        self.client = client
        self.target = target
        self.contract = client.contract
        self.tag = f"{seed}-{run_id}"
        self.counter = itertools.count(1)
        self.addresses = itertools.count(1)
        self.accounts: list[tuple[str, str]] = []
        self.shared: str | None = None
        self.spare: tuple[str, str, str] | None = None
        own_account = set(_OWN_ACCOUNT)
        if not target.setting("passwordChange.requirePasswordAuth"):
            own_account.add("changePassword")  # a generated password would lock the shared account out
        self.own_account = frozenset(own_account)

    def address(self) -> str | None:
        if not self.target.client_address_header:
            return None
        number = next(self.addresses)
        return f"198.19.{100 + number // 250 % 50}.{number % 250 + 1}"

    def anonymous(self) -> str:
        exchange = self.client.call("createSession", client_address=self.address())
        body = exchange.json() or {}
        return str(body.get("id", ""))

    def logged_in(self) -> str:
        """A new session logged into a new throwaway account."""
        session = self.anonymous()
        email = f"sfk-{self.tag}-fuzz-{next(self.counter)}@{self.target.email_domain}"
        password = f"Fuzz-{next(self.counter):06d}-Pw1"
        exchange = self.client.call(
            "register", credential=session, client_address=self.address(), body={"email": email, "password": password}
        )
        if exchange.status == 200:
            self.accounts.append((email, password))
            self.spare = (email, password, session)
        return session

    def reusable(self) -> str:
        """A logged-in session that the previous case may have logged out or deleted: checked, and
        logged in again or replaced (a login costs less than a registration)."""
        if self.spare is not None:
            email, password, session = self.spare
            state = self.client.call("getAccount", credential=session, client_address=self.address()).json() or {}
            if state.get("loggedIn"):
                return session
            login = self.client.call(
                "login", credential=session, client_address=self.address(), body={"id": email, "password": password}
            )
            if login.status == 200:
                return session
        return self.logged_in()

    def session_for(self, operation_id: str) -> str | None:
        op = self.contract.operations.get(operation_id)
        if op is None or not op.secured:
            return None
        if operation_id in _OWN_SESSION:
            return self.anonymous()
        if operation_id in self.own_account:
            return self.reusable()
        if self.shared is None:
            self.shared = self.logged_in()
            self.spare = None
        return self.shared

    def for_operation(self, operation_id: str) -> Credential | None:
        session = self.session_for(operation_id)
        return None if session is None else credential_for(self.contract, operation_id, session)

    def body_for(self, operation_id: str, body: Any) -> Any:
        """Sent as generated."""
        return body

    def generated(self, operation_id: str, body: Any, status: int) -> None:
        if operation_id == "register" and 200 <= status < 300 and isinstance(body, dict):
            # Generated registrations are removed after the phase, like the kit's own accounts.
            self.accounts.append((str(body.get("email")), str(body.get("password"))))

    def cleanup(self) -> list[str]:
        """Delete the accounts the fuzz phase registered for its sessions (best effort)."""
        for email, password in self.accounts:
            session = self.anonymous()
            login = self.client.call(
                "login", credential=session, client_address=self.address(), body={"id": email, "password": password}
            )
            if login.status == 200:
                self.client.call("deleteAccount", credential=session, body={}, client_address=self.address())
        return []
