"""Tokens for Emporix's generated cases: the service client's on management routes, an anonymous one elsewhere."""

from __future__ import annotations

from typing import Any

from conformance.http import ApiClient, Credential, credential_for
from conformance.target import Target


class EmporixFuzzAuth:
    """Fetches each token once per run; cases that spoil a session only spoil the fuzz run's own."""

    def __init__(self, client: ApiClient, target: Target, seed: int, run_id: str) -> None:
        self.client = client
        self.target = target
        self._tokens: dict[str, str] = {}

    def _token(self, scheme: str) -> str:
        if scheme not in self._tokens:
            if scheme == "OAuth2":
                service = self.target.data("serviceClient") or {}
                exchange = self.client.call(
                    "requestServiceToken",
                    form={
                        "grant_type": "client_credentials",
                        "client_id": service.get("id", ""),
                        "client_secret": service.get("secret", ""),
                    },
                )
            else:
                exchange = self.client.call(
                    "anonymousLogin",
                    query={
                        "tenant": self.target.setting("tenant"),
                        "client_id": self.target.data("storefrontClient"),
                    },
                )
            self._tokens[scheme] = str((exchange.json() or {}).get("access_token", ""))
        return self._tokens[scheme]

    def for_operation(self, operation_id: str) -> Credential | None:
        operation = self.client.contract.operations.get(operation_id)
        if operation is None or not operation.secured:
            return None
        scheme = next(iter(operation.security[0]))
        return credential_for(self.client.contract, operation_id, self._token(scheme))

    def body_for(self, operation_id: str, body: Any) -> Any:
        """Sent as generated."""
        return body

    def generated(self, operation_id: str, body: Any, status: int) -> None:
        """Nothing to remember: generated cases create only sessions, which expire."""

    def cleanup(self) -> list[str]:
        """Nothing to remove (see `generated`)."""
        return []
