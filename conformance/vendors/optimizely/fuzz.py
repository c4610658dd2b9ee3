"""Credentials for Optimizely's generated cases: the client's Basic pair, and a signed-in demo token.

Schemathesis builds sign-ins, password grants and password changes from the contract's examples,
whose users and passwords are the bundled mock's. Sent as generated, they would lock the target's
users out and change their passwords. A case that would count a wrong password against one of the
target file's users, or change one's password, is sent for the spare user instead
(`testData.users.resettable`): the same request, answered alike, on the user the kit may change.
After the phase every user it changed is put back (`UserLedger.restore`).
"""

from __future__ import annotations

from typing import Any

from conformance.controls import MailboxReader
from conformance.http import ApiClient, Credential, credential_for
from conformance.target import Target
from conformance.vendors.optimizely.users import (
    SPARE_ROLE,
    UserLedger,
    client_credential,
    token_form,
)

# The role whose session the shared token is: a password change naming no user is that user's.
_SESSION_ROLE = "demo"
# Where each operation that checks a password names the user.
_USER_FIELD = {"signIn": "userName", "requestToken": "username", "updateCurrentSession": "userName"}


class OptimizelyFuzzAuth:
    """One signed-in token shared by the session operations; sign-out cases get a token of their own."""

    def __init__(self, client: ApiClient, target: Target, seed: int, run_id: str) -> None:
        self.client = client
        self.target = target
        self.users = UserLedger(target)
        self._shared: str | None = None

    def _token(self, *, signed_in: bool) -> str:
        demo = self.target.data(f"users.{_SESSION_ROLE}") or {}
        name, password = str(demo.get("userName", "")), str(demo.get("password", ""))
        exchange = self.client.call(
            "requestToken", credential=client_credential(self.target), form=token_form(name, password)
        )
        token = str((exchange.json() or {}).get("access_token", ""))
        if signed_in and token:
            self.client.call("signIn", credential=token, body={"userName": name, "password": password})
        return token

    def for_operation(self, operation_id: str) -> Credential | None:
        if operation_id == "requestToken":
            return client_credential(self.target)
        if operation_id not in self.client.contract.operations:
            return None
        if operation_id == "signOut":
            token = self._token(signed_in=False)
        else:
            if self._shared is None:
                self._shared = self._token(signed_in=True)
            token = self._shared
        return credential_for(self.client.contract, operation_id, token)

    def body_for(self, operation_id: str, body: Any) -> Any:
        """The body, or a copy for the spare user where it would count a wrong password against another
        of the target's users or change one's password. The right password of a sign-in or a grant
        changes nothing and is sent as it is."""
        spare = self.users.role(SPARE_ROLE)
        field = _USER_FIELD.get(operation_id)
        password = body.get("password") if isinstance(body, dict) else None
        if spare is None or field is None or not isinstance(password, str):
            return body
        if operation_id == "updateCurrentSession":
            if body.get("newPassword") is None:
                return body  # no change with the current password
            user = self.users.role(_SESSION_ROLE) if body.get(field) is None else self.users.named(body[field])
        else:
            if operation_id == "requestToken" and body.get("grant_type") != "password":
                return body
            user = self.users.named(body.get(field))
            if user is not None and password == user.current:
                return body
        if user is None or user is spare:
            return body
        # The right password of the named user becomes the spare's; a wrong one stays wrong.
        if password == user.current:
            password = spare.current
        elif password == spare.current:
            password = user.current
        return {**body, field: spare.name, "password": password}

    def generated(self, operation_id: str, body: Any, status: int) -> None:
        self.users.observe(operation_id, body, status, _SESSION_ROLE)

    def cleanup(self) -> list[str]:
        """Put back the users whose password the phase changed or whom it may have locked out."""
        return self.users.restore(self.client, MailboxReader(self.client, self.target))
