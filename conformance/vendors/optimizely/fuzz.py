"""Credentials for Optimizely's generated cases: the client's Basic pair, and a signed-in demo token."""

from __future__ import annotations

import base64
from typing import Any

from conformance.http import ApiClient, Credential, credential_for
from conformance.target import Target
from conformance.vendors.optimizely.context import SCOPE


class OptimizelyFuzzAuth:
    """One signed-in token shared by the session operations; sign-out cases get a token of their own."""

    def __init__(self, client: ApiClient, target: Target, seed: int, run_id: str) -> None:
        self.client = client
        self.target = target
        self._shared: str | None = None

    def _basic(self) -> Credential:
        client = self.target.data("client") or {}
        pair = f"{client.get('id', '')}:{client.get('secret', '')}".encode()
        return Credential(headers={"Authorization": "Basic " + base64.b64encode(pair).decode()})

    def _token(self, *, signed_in: bool) -> str:
        demo = self.target.data("users.demo") or {}
        exchange = self.client.call("requestToken", credential=self._basic(), form={
            "grant_type": "password", "username": demo.get("userName", ""), "password": demo.get("password", ""),
            "scope": SCOPE,
        })
        token = str((exchange.json() or {}).get("access_token", ""))
        if signed_in and token:
            self.client.call("signIn", credential=token, body={"userName": demo.get("userName", ""),
                                                               "password": demo.get("password", "")})
        return token

    def for_operation(self, operation_id: str) -> Credential | None:
        if operation_id == "requestToken":
            return self._basic()
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
        """Sent as generated."""
        return body

    def generated(self, operation_id: str, body: Any, status: int) -> None:
        """Nothing to remember: generated cases create only sessions, which time out."""

    def cleanup(self) -> list[str]:
        """Nothing to remove (see `generated`)."""
        return []
