"""The Emporix scenarios' context: service, anonymous and customer tokens of the target's tenant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.errors import TargetUnreachable
from conformance.scenarios._context import NotCovered, ScenarioContext, example_request

MANAGE_SCOPE = "sessioncontext.context_manage"


# The operations a scenario's first steps call: an anonymous session (`EmporixContext.anonymous`), a service
# token (`service_token`), a customer logged in (`log_in`).
ANONYMOUS = ("anonymousLogin",)
SERVICE = ("requestServiceToken",)
LOGGED_IN = ("anonymousLogin", "customerLogin")


@dataclass(slots=True)
class Session:
    """A storefront session: its id and the anonymous (later the customer's) tokens."""

    session_id: str
    access_token: str
    refresh_token: str
    saas_token: str = ""
    customer_id: str = ""


class EmporixContext(ScenarioContext):
    """A scenario's helpers for Emporix: tokens for the target's clients and customer, sessions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._service: dict[str, str] = {}
        self._shared: Session | None = None
        self._customer: Session | None = None
        self.logins: list[Session] = []

    # -- the target's data ----------------------------------------------------------------------

    @property
    def tenant(self) -> str:
        return str(self.setting("tenant"))

    def other_tenant(self) -> str:
        """A well-formed tenant name that is not the target's."""
        return "sfkother" if self.tenant != "sfkother" else "sfkanother"

    def default_site(self) -> Mapping[str, Any]:
        sites = self.setting("sites") or []
        return next((site for site in sites if site.get("default")), sites[0] if sites else {})

    def test_data(self, role: str) -> Mapping[str, str]:
        client = self.target.data(role)
        if not client:
            raise NotCovered(f"needs testData.{role} in the target file")
        return dict(client)

    # -- tokens ---------------------------------------------------------------------------------

    def service_token(self, role: str = "serviceClient") -> str:
        """A service token of one of the target's clients (`serviceClient` or `limitedClient`), kept."""
        if role not in self._service:
            client = self.test_data(role)
            with self.using_target_data(f"testData.{role}"):
                body = self.ok(
                    "requestServiceToken",
                    f"a service token for the client {client['id']!r}",
                    form={
                        "grant_type": "client_credentials",
                        "client_id": client["id"],
                        "client_secret": client["secret"],
                    },
                )
            self._service[role] = str(body["access_token"])
        return self._service[role]

    def anonymous(self, **parameters: str) -> Session:
        """A new storefront session from the anonymous login, with optional context values."""
        body = self.ok(
            "anonymousLogin",
            "an anonymous login of the storefront client",
            query={"tenant": self.tenant, "client_id": self.target.data("storefrontClient"), **parameters},
        )
        return Session(str(body["sessionId"]), str(body["access_token"]), str(body["refresh_token"]))

    def shared(self) -> Session:
        """One anonymous session for the scenario's requests that only need some session."""
        if self._shared is None:
            self._shared = self.anonymous()
        return self._shared

    def log_in(self, session: Session | None = None) -> Session:
        """The target's customer logged into `session` (a new anonymous one by default)."""
        session = session or self.anonymous()
        customer = self.test_data("customer")
        with self.using_target_data("testData.customer"):
            body = self.ok(
                "customerLogin",
                "logging the customer in with the right password",
                credential=session.access_token,
                path={"tenant": self.tenant},
                body={"email": customer["email"], "password": customer["password"]},
            )
        login = Session(
            str(body["session_id"]),
            str(body["access_token"]),
            str(body["refresh_token"]),
            str(body.get("saas_token", "")),
        )
        self.logins.append(login)
        return login

    def customer(self) -> Session:
        """One logged-in customer session for the scenario's requests that need one."""
        if self._customer is None:
            self._customer = self.log_in()
        return self._customer

    def context(self, session_id: str) -> dict[str, Any]:
        """The session's context, read with the service token."""
        return dict(
            self.ok(
                "getSessionContext",
                "reading a session's context",
                credential=self.service_token(),
                path={"tenant": self.tenant, "sessionId": session_id},
            )
        )

    # -- the generic scenarios' requests --------------------------------------------------------

    def valid_request(self, operation_id: str) -> dict[str, Any]:
        """A request the operation takes past its credential, tenant and parameter checks."""
        operation = self.contract.operation(operation_id)
        body, _ = example_request(self.contract, operation_id)
        request: dict[str, Any] = {}
        schemes = [name for requirement in operation.security for name in requirement]
        if "OAuth2" in schemes:
            request["credential"] = self.service_token()
        elif schemes:
            request["credential"] = self.shared().access_token
        path = {"tenant": self.tenant, "sessionId": self.shared().session_id, "attributeName": "sfk"}
        request["path"] = {name: value for name, value in path.items() if "{" + name + "}" in operation.path}
        query = {
            "anonymousLogin": {"tenant": self.tenant, "client_id": self.target.data("storefrontClient")},
            "anonymousRefresh": {
                "tenant": self.tenant,
                "client_id": self.target.data("storefrontClient"),
                "refresh_token": self.shared().refresh_token,
            },
            "customerRefresh": {"refreshToken": self.hex_token(43)},
            "customerLogout": {"accessToken": self.hex_token(43)},
        }.get(operation_id)
        if query:
            request["query"] = query
        if operation_id == "requestServiceToken":
            client = self.test_data("serviceClient")
            request["form"] = {
                "grant_type": "client_credentials",
                "client_id": client["id"],
                "client_secret": client["secret"],
            }
        elif body is not None:
            request["body"] = body
        return request

    def cleanup(self) -> None:
        """Log the scenario's customer logins out (best effort); anonymous sessions expire by themselves."""
        for login in self.logins:
            try:
                self.client.call(
                    "customerLogout",
                    path={"tenant": self.tenant},
                    query={"accessToken": login.access_token},
                    client_address=self.client_address,
                )
            except TargetUnreachable:
                self.note(f"cleanup: could not log out the session {login.session_id}: the target is unreachable")
                return
            except NotCovered as exc:
                self.note(f"cleanup: could not log out the session {login.session_id}: it {exc}")
                return
