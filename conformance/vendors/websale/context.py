"""The WEBSALE scenarios' context: sessions, throwaway accounts, and their removal afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.checks import Failure
from conformance.scenarios._context import NotCovered, NotSelected, ScenarioContext, example_request

# The operations `WebsaleContext.new_account` calls: a scenario that starts with a new account requires them.
NEW_ACCOUNT = ("createSession", "register")


@dataclass(slots=True)
class Account:
    email: str
    password: str
    session: str
    id: str = ""
    deleted: bool = False


class WebsaleContext(ScenarioContext):
    """A scenario's helpers for WEBSALE: an `x-session` per flow, accounts registered and deleted."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.accounts: list[Account] = []
        self._shared: Account | None = None
        self._anonymous: str | None = None  # a session never logged in, where no account can be made
        self._no_account = False  # the backend has no registration (--operation)

    def session(self) -> str:
        body = self.ok("createSession", "creating a session")
        return str(body["id"])

    def new_account(self) -> Account:
        """Register a fresh account; its session is logged in. It is deleted after the scenario."""
        session = self.session()
        email, password = self.email(), self.password()
        body = self.ok(
            "register",
            "registering a new e-mail address",
            credential=session,
            body={"email": email, "password": password},
        )
        account = Account(email, password, session, str(body.get("account", {}).get("id", "")))
        self.accounts.append(account)
        self.expect(
            body.get("loggedIn") is True,
            "register_logs_in",
            "register answered loggedIn other than true; registration logs the session in",
            operation_id="register",
        )
        return account

    def login(self, account: Account, session: str | None = None, **extra: Any) -> dict[str, Any]:
        session = session or self.session()
        body = self.ok(
            "login",
            "logging in with the right password",
            credential=session,
            body={"id": account.email, "password": account.password, **extra},
        )
        account.session = session
        return dict(body)

    def logged_in(self, session: str) -> bool:
        body = self.ok("getAccount", "reading the session's login state", credential=session)
        return bool(body.get("loggedIn"))

    def valid_request(self, operation_id: str) -> dict[str, Any]:
        """A request the operation takes: a logged-in session (one per scenario), and the contract's example
        body and query."""
        request: dict[str, Any] = {"credential": self._session_for(operation_id)}
        body, query = example_request(self.contract, operation_id)
        if body is not None:
            request["body"] = body
        if query:
            request["query"] = query
        return request

    def _session_for(self, operation_id: str) -> str:
        """The scenario's logged-in session; on a backend without registration (--operation), a fresh
        anonymous one for an operation open to anonymous sessions (not `x-requires-login`)."""
        if self._shared is None and not self._no_account:
            try:
                self._shared = self.new_account()
            except NotSelected:
                self._no_account = True
        if self._shared is not None:
            return self._shared.session
        if self.contract.operation(operation_id).extensions.get("x-requires-login"):
            raise NotSelected("register")
        if self._anonymous is None:
            self._anonymous = self.session()
        return self._anonymous

    def cleanup(self) -> None:
        """Delete every account the scenario created (best effort, noted when impossible)."""
        for account in self.accounts:
            if account.deleted:
                continue
            try:
                self._delete(account)
            except Failure as failure:
                self.note(f"cleanup: could not delete {account.email}: {failure.message}")
            except NotCovered as exc:
                self.note(f"cleanup: could not delete {account.email}: it {exc}")
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self.note(f"cleanup: could not delete {account.email}: {type(exc).__name__}: {exc}")

    def _delete(self, account: Account) -> None:
        session = str((self.client.call("createSession", client_address=self.client_address).json() or {})["id"])
        login = self.client.call(
            "login",
            credential=session,
            client_address=self.client_address,
            body={"id": account.email, "password": account.password},
        )
        if login.status != 200:
            if login.error_code == "invalidCredentials":
                return  # gone already (deleted by the scenario's own flow)
            raise Failure("cleanup", f"login answered HTTP {login.status} {login.error_code}", exchanges=[login])
        deleted = self.client.call("deleteAccount", credential=session, body={}, client_address=self.client_address)
        body = deleted.json() or {}
        if deleted.status == 200 and body.get("confirmationRequired"):
            if not self.mailbox.available:
                raise Failure("cleanup", "double opt-in deletion needs a mailbox")
            token = self.mail_token(account.email, "accountDeletion", cause="deleting the account")
            deleted = self.client.call(
                "confirmAccountDeletion", credential=session, body={"otok": token}, client_address=self.client_address
            )
        if deleted.status != 200:
            raise Failure("cleanup", f"deletion answered HTTP {deleted.status}", exchanges=[deleted])
        account.deleted = True
