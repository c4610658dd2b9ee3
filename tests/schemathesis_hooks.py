"""Schemathesis hooks for fuzzing the running mock (loaded through SCHEMATHESIS_HOOKS).

Every generated request gets a live `x-session` logged into an account, so the fuzzer reaches
the account operations' real behaviour instead of stopping at 401. Schemathesis still sends a
share of requests without it, which must answer the documented 401.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

import httpx
import schemathesis

API_URL = os.environ.get("STOREFRONT_MOCK_API_URL", "http://127.0.0.1:8080/api/v1")
DEMO_EMAIL = os.environ.get("STOREFRONT_MOCK_DEMO_EMAIL", "demo@example.com")
DEMO_PASSWORD = os.environ.get("STOREFRONT_MOCK_DEMO_PASSWORD", "Demo-Password-1")
FALLBACK_PASSWORD = "Fuzz-Password-1"


@schemathesis.auth(refresh_interval=5)
class AccountSession:
    def __init__(self) -> None:
        self.fallback_email: str | None = None

    def get(self, case: Any, context: Any) -> str:
        with httpx.Client(base_url=API_URL, timeout=10) as client:
            session_id = str(client.post("/session/create").json()["id"])
            headers = {"x-session": session_id}
            for email, password in ((DEMO_EMAIL, DEMO_PASSWORD), (self.fallback_email, FALLBACK_PASSWORD)):
                if (
                    email
                    and client.post(
                        "/account/login", json={"id": email, "password": password}, headers=headers
                    ).status_code
                    == 200
                ):
                    return session_id
            # The fuzzer may legitimately have changed the demo password (the contract's own
            # example carries it as passwordAuth): carry on with an account of our own.
            self.fallback_email = f"fuzz-{secrets.token_hex(6)}@example.com"
            client.post(
                "/account/register", json={"email": self.fallback_email, "password": FALLBACK_PASSWORD}, headers=headers
            )
        return session_id

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "x-session": data}
