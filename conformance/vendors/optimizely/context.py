"""The Optimizely scenarios' context: tokens of the target's client, signed-in sessions, browsers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.errors import TargetUnreachable
from conformance.http import Credential, Exchange, Visitor
from conformance.scenarios._context import NotCovered, NotSelected, ScenarioContext, example_request
from conformance.vendors.optimizely.users import (
    SCOPE,
    UserLedger,
    client_credential,
    token_form,
)

SESSION_OPERATIONS = ("getCurrentSession", "signIn", "updateCurrentSession", "signOut")
# The operations `OptimizelyContext.sign_in` calls: a scenario that starts signed in requires them.
SIGNED_IN = ("requestToken", "signIn")


@dataclass(slots=True)
class Caller:
    """Who a session request comes from: a bearer token (with its refresh token), or a browser."""

    access_token: str | None = None
    refresh_token: str | None = None
    visitor: Visitor | None = None
    user: str | None = None  # the role of the user signed into the session, if any

    def apply(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if self.access_token is not None:
            kwargs.setdefault("credential", self.access_token)
        if self.visitor is not None:
            kwargs["headers"] = {**self.visitor.headers(), **kwargs.get("headers", {})}
        return kwargs

    def remember(self, exchange: Exchange) -> None:
        if self.visitor is not None:
            self.visitor.remember(exchange)


@dataclass(frozen=True, slots=True)
class Customers:
    """The demo user's bill-tos, each with its ship-tos, as the target file lists them."""

    bill_tos: tuple[str, ...]
    ship_tos: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def other_bill_to(self, current: object) -> str:
        return next(bill_to for bill_to in self.bill_tos if bill_to != current)


class OptimizelyContext(ScenarioContext):
    """A scenario's helpers for Optimizely: tokens, sign-ins, cookie-keeping browsers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shared: Caller | None = None
        self.signed_in_callers: list[Caller] = []
        self.users = UserLedger(self.target)  # what the scenario did to the target's users, put back at cleanup

    # -- the target's data ----------------------------------------------------------------------

    def user(self, role: str) -> dict[str, str]:
        """`userName` and `password` of one of the target's users (`demo`, `mustChangePassword`, ...)."""
        user = self.target.data(f"users.{role}")
        if not user:
            raise NotCovered(f"needs testData.users.{role} in the target file")
        return {"userName": str(user["userName"]), "password": str(user["password"])}

    def customers(self) -> Customers:
        listed = self.target.data("customers") or []
        if len(listed) < 2:
            raise NotCovered("needs testData.customers: the demo user's bill-tos (at least two) with their ship-tos")
        return Customers(
            tuple(entry["billTo"] for entry in listed),
            {entry["billTo"]: tuple(entry.get("shipTos", ())) for entry in listed},
        )

    def choices(self, kind: str) -> list[dict[str, str]]:
        """The target's live `languages` or `currencies` (`id`, `code`), at least two."""
        listed = self.target.data(kind) or []
        if len(listed) < 2:
            raise NotCovered(f"needs testData.{kind} in the target file (at least two, with id and code)")
        return [dict(entry) for entry in listed]

    def client_credential(self, client_id: str | None = None, secret: str | None = None) -> Credential:
        """HTTP Basic credentials of the target's token client (or of the given id and secret)."""
        return client_credential(self.target, client_id, secret)

    def unknown_id(self) -> str:
        """A well-formed id no customer, language or currency has."""
        digits = self.hex_token(32)
        return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-8{digits[17:20]}-{digits[20:]}"

    # -- calls ----------------------------------------------------------------------------------

    def call(self, operation_id: str, *, caller: Caller | None = None, **kwargs: Any) -> Exchange:
        """A call as `caller`: its bearer token, or its browser's cookies (kept from the answer)."""
        if caller is not None:
            kwargs = caller.apply(kwargs)
        exchange = super().call(operation_id, **kwargs)
        if caller is not None:
            caller.remember(exchange)
        self.users.observe(
            operation_id,
            kwargs.get("body", kwargs.get("form")),
            exchange.status,
            caller.user if caller is not None else None,
        )
        return exchange

    def token_form(self, role: str = "demo", scope: str = SCOPE) -> dict[str, str]:
        user = self.user(role)
        return token_form(user["userName"], user["password"], scope)

    def token(self, role: str = "demo", scope: str = SCOPE) -> Caller:
        """A caller with a new access (and refresh) token of the user `role`; not yet signed in."""
        with self.using_target_data(f"testData.users.{role}"):
            body = self.ok(
                "requestToken",
                f"the password grant of the user {role!r}",
                credential=self.client_credential(),
                form=self.token_form(role, scope),
            )
        return Caller(str(body["access_token"]), str(body.get("refresh_token") or "") or None)

    def sign_in(self, role: str = "demo", caller: Caller | None = None, *, remember_me: bool = False) -> Caller:
        """The user `role` signed into `caller`'s session (a new token of that user by default)."""
        caller = caller or self.token(role)
        user = self.user(role)
        with self.using_target_data(f"testData.users.{role}"):
            self.ok(
                "signIn",
                f"signing the user {role!r} in with the right password",
                caller=caller,
                body={**user, "rememberMe": remember_me},
            )
        caller.user = role
        self.signed_in_callers.append(caller)
        return caller

    def browser(self) -> Caller:
        """A new browser: no token, its cookies kept from every answer."""
        return Caller(visitor=Visitor())

    def shared(self) -> Caller:
        """One signed-in demo session for the scenario's requests that only need some live token."""
        if self._shared is None:
            self._shared = self.sign_in()
        return self._shared

    def session(self, caller: Caller, cause: str = "reading the current session") -> dict[str, Any]:
        return dict(self.ok("getCurrentSession", cause, caller=caller))

    # -- the generic scenarios' requests --------------------------------------------------------

    def valid_request(self, operation_id: str) -> dict[str, Any]:
        """A request the operation takes past its credential and parameter checks."""
        if operation_id == "requestToken":
            return {"credential": self.client_credential(), "form": self.token_form()}
        request: dict[str, Any] = {}
        if operation_id in SESSION_OPERATIONS:
            # Signing out would end the shared session: that request gets a token of its own.
            try:
                caller = self.token() if operation_id == "signOut" else self.shared()
                request["credential"] = caller.access_token
            except NotSelected:
                # A backend without sign-in (--operation): a token not signed in, else none where anonymous
                # callers are admitted.
                try:
                    request["credential"] = self.token().access_token
                except NotSelected:
                    if self.contract.operation(operation_id).secured:
                        raise
        body, query = example_request(self.contract, operation_id)
        if operation_id == "signIn":
            body = {**self.user("demo"), "rememberMe": False}
        elif operation_id == "updateCurrentSession":
            body = {"language": {"id": self.choices("languages")[0]["id"]}}
        if body is not None:
            request["body"] = body
        if query:
            request["query"] = query
        return request

    def cleanup(self) -> None:
        """Sign the scenario's sessions out (best effort; anonymous sessions expire by themselves), and put
        back the users whose password it changed or whom it may have locked out."""
        for caller in self.signed_in_callers:
            try:
                self.client.call("signOut", **caller.apply({}), client_address=self.client_address)
            except TargetUnreachable:
                self.note("cleanup: could not sign a session out: the target is unreachable")
                break
            except NotCovered as exc:
                self.note(f"cleanup: could not sign a session out: it {exc}")
                break
        for note in self.users.restore(self.client, self.mailbox, self.client_address):
            self.note(f"cleanup: {note}")
