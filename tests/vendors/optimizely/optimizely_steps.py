"""Steps the Optimizely tests share: the settings schema, the demo logins, tokens and callers, and
the target users as the bundled target file describes them."""

from __future__ import annotations

from typing import Any

import httpx

from conformance.http import error_codes_of
from conformance.target import load_target
from conformance.vendors.optimizely.scenarios.sign_in import REFUSALS
from mock_server.vendors.optimizely.domain import Caller, Website
from storefront_kit import registry

DEMO, PASSWORD = "demo", "Demo-Password-1"
GENERATED_PASSWORD = "Customer-Password-1"
NEW_PASSWORD = "New-Password-2"

CONTRACT = registry.contract("optimizely")
WEBSITE_SETTINGS: dict[str, Any] = CONTRACT.settings_schema() or {}
TARGET = load_target(None, CONTRACT)  # conformance/targets/optimizely.yaml


async def token(
    website: Website,
    user: str = DEMO,
    password: str = PASSWORD,
    scope: str | None = None,
    client: tuple[str, str] = ("isc", "any"),
) -> dict[str, Any]:
    """The token endpoint's answer to a password grant."""
    form = {"grant_type": "password", "username": user, "password": password}
    if scope is not None:
        form["scope"] = scope
    return await website.identity.issue(*client, form)


async def bearer(website: Website, access_token: str) -> Caller:
    """The caller a request with this bearer token is, as the security check finds it."""
    grant = await website.authenticate(access_token)
    assert grant is not None, "the access token does not authenticate"
    return Caller(grant=grant)


async def signed_in(
    website: Website, user: str = DEMO, password: str = PASSWORD, **body: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Tokens (with offline access) whose session `user` signed into: the session, and the token answer."""
    tokens = await token(website, user, password, scope="iscapi offline_access")
    caller = await bearer(website, tokens["access_token"])
    answer = await website.sessions.sign_in(caller, {"userName": user, "password": password, **body})
    return answer.session, tokens


class BearerClient:
    """A client that sends its bearer token with every request: each call is a fresh security check."""

    def __init__(self, website: Website, access_token: str) -> None:
        self.website = website
        self.access_token = access_token

    async def __call__(self) -> Caller:
        return await bearer(self.website, self.access_token)


async def signed_in_client(website: Website, user: str = DEMO, password: str = PASSWORD, **body: Any) -> BearerClient:
    _, tokens = await signed_in(website, user, password, **body)
    return BearerClient(website, tokens["access_token"])


def users_not_as_found(base_url: str) -> list[str]:
    """How the target file's users differ from what it says, over HTTP: each must answer its sign-in
    with the target file's password as its role does (signed in, or that role's refusal), and get a
    token with it unless it is the locked-out user (a token tells a lock-out the sign-in's earlier
    refusals hide)."""
    expected = dict(REFUSALS)
    found = []
    token_client = (TARGET.data("client.id"), TARGET.data("client.secret"))
    with httpx.Client(base_url=base_url) as client:
        for role, user in TARGET.data("users").items():
            credentials = {"userName": user["userName"], "password": user["password"]}
            answer = client.post("/api/v1/sessions", json=credentials)
            codes = error_codes_of(CONTRACT, "signIn", answer.status_code, answer.json())
            if role in expected and expected[role] not in codes:
                found.append(
                    f"{role}: the sign-in answered HTTP {answer.status_code} {answer.text}, not {expected[role]}"
                )
            elif role not in expected and answer.status_code != 201:
                found.append(f"{role}: the sign-in answered HTTP {answer.status_code} {answer.text}")
            if role != "lockedOut":
                grant = client.post(
                    "/identity/connect/token",
                    auth=token_client,
                    data={"grant_type": "password", "username": user["userName"], "password": user["password"]},
                )
                if grant.status_code != 200:
                    found.append(f"{role}: the password grant answered HTTP {grant.status_code} {grant.text}")
    return found
