"""Secrets: hashed passwords, random tokens, single-use expiring tokens, clean logs, firm throttling."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import MockProcess, sqlite_url

import mock_server
from mock_server.config import ServerConfig
from mock_server.store import open_store
from mock_server.testing import RunningMock, running_mock

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "Demo-Password-1"
FIXTURE_PASSWORDS = ("Demo-Password-1", "Empty-Password-1", "Unverified-Password-1", "Customer-Password-1")
SESSION_ID = re.compile(r"[0-9a-f]{64}")
OPT_IN_TOKEN = re.compile(r"[0-9a-f]{32}")
AUTOLOGIN_TOKEN = re.compile(r"[0-9a-f]{64}")
HANDOVER_KEY = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass
class Flow:
    """Every secret one account's life produced, so tests can look for them."""

    passwords: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)

    @property
    def secrets(self) -> list[str]:
        return [*self.passwords, *self.tokens, *self.sessions]


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def _outbox_token(controls: httpx.Client, email: str) -> str:
    messages = _ok(controls.get("/outbox", params={"to": email}))["messages"]
    return str(messages[-1]["token"])


def run_account_life(api_url: str, controls_url: str, email: str) -> Flow:
    """Register, fail and succeed at login, autologin, forget and reset, change, redirect, log out."""
    flow = Flow(passwords=["First-Secret-Pass-1", "Wrong-Secret-Pass-9", "Reset-Secret-Pass-2", "Change-Secret-Pass-3"])
    first, wrong, after_reset, after_change = flow.passwords
    with httpx.Client(base_url=api_url, timeout=10) as api, httpx.Client(base_url=controls_url, timeout=10) as controls:

        def session() -> dict[str, str]:
            sid = str(_ok(api.post("/session/create"))["id"])
            flow.sessions.append(sid)
            return {"x-session": sid}

        headers = session()
        _ok(api.post("/account/register", headers=headers, json={"email": email, "password": first}))
        assert (
            api.post(
                "/account/register", headers=session(), json={"email": "weak@example.com", "password": "short"}
            ).status_code
            == 400
        )
        assert api.post("/account/login", headers=headers, json={"id": email, "password": wrong}).status_code == 401
        login = _ok(
            api.post("/account/login", headers=headers, json={"id": email, "password": first, "autologin": "all"})
        )
        flow.tokens.append(login["autologinToken"])
        again = _ok(api.post("/account/autologin", headers=session(), json={"token": login["autologinToken"]}))
        if again.get("autologinToken"):
            flow.tokens.append(again["autologinToken"])
        _ok(api.post("/account/password/forgotten", headers=session(), json={"email": email}))
        otok = _outbox_token(controls, email)
        flow.tokens.append(otok)
        _ok(api.post("/account/password/reset", headers=session(), json={"newPassword": after_reset, "otok": otok}))
        headers = session()
        _ok(api.post("/account/login", headers=headers, json={"id": email, "password": after_reset}))
        _ok(
            api.post(
                "/account/password/change",
                headers=headers,
                json={"newPassword": after_change, "passwordAuth": after_reset},
            )
        )
        link = _ok(api.post("/session/prepareRedirect", headers=headers, json={"viewIdentifier": "account"}))[
            "storeFrontLink"
        ]
        flow.tokens.append(re.search(r"sessionKey=([^&]+)", link).group(1))  # type: ignore[union-attr]
        _ok(api.post("/account/logout", headers=headers))
    return flow


# -- passwords at rest ------------------------------------------------------------------------------


async def _dump(url: str) -> dict[str, Any]:
    store = open_store(url)
    try:
        return {key: await store.get(key) for key in await store.keys("")}
    finally:
        await store.close()


def test_passwords_are_stored_only_as_argon2id_hashes(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "state.db")
    with running_mock(ServerConfig(port=0, state=url)) as mock:
        flow = run_account_life(mock.api_url, mock.controls_url, "hashed@example.com")
        contents = asyncio.run(_dump(url))
    accounts = [value for value in contents.values() if isinstance(value, dict) and "passwordHash" in value]
    assert any(account["email"] == "hashed@example.com" for account in accounts)
    assert any(account["email"] == DEMO_EMAIL for account in accounts)
    for account in accounts:
        assert set(account) & {"password", "newPassword", "passwordAuth"} == set(), account
        assert account["passwordHash"].startswith("$argon2id$"), account["passwordHash"]
    dumped = json.dumps(contents)
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("state.db*"))
    for password in (*flow.passwords, *FIXTURE_PASSWORDS):
        assert password not in dumped
        assert password.encode() not in raw


# -- logs -------------------------------------------------------------------------------------------


def test_no_password_token_or_session_id_reaches_the_log_at_debug_level(tmp_path: Path) -> None:
    log = tmp_path / "mock.log"
    mock = MockProcess("memory", workers=1, log=log, log_level="debug")
    mock.start()
    try:
        flow = run_account_life(mock.api_url, mock.controls_url, "logged@example.com")
        # An error path too: a body that fails validation while carrying a password.
        with httpx.Client(base_url=mock.api_url, timeout=10) as api:
            sid = api.post("/session/create").json()["id"]
            flow.sessions.append(sid)
            leaked = "Leaky-Secret-Pass-7"
            flow.passwords.append(leaked)
            api.post("/account/login", headers={"x-session": sid}, json={"id": "not-an-email", "password": leaked})
            api.post(
                "/account/password/change",
                headers={"x-session": sid},
                json={"newPassword": leaked, "passwordAuth": leaked},
            )
    finally:
        mock.stop()
    text = log.read_text(errors="replace")
    assert "POST /api/v1/account/login" in text, "the access log was not captured"
    assert "DEBUG" in text, "the log was not at debug level"
    for secret in flow.secrets:
        assert secret not in text, f"a secret ({secret[:4]}...) is in the log"


# -- tokens and session ids -------------------------------------------------------------------------


def test_session_ids_and_tokens_are_long_random_strings() -> None:
    with running_mock() as mock:
        flows = [run_account_life(mock.api_url, mock.controls_url, f"random-{index}@example.com") for index in range(2)]
        with httpx.Client(base_url=mock.api_url, timeout=10) as api:
            sessions = [api.post("/session/create").json()["id"] for _ in range(100)]
    sessions += [sid for flow in flows for sid in flow.sessions]
    assert all(SESSION_ID.fullmatch(sid) for sid in sessions), sessions
    assert len(set(sessions)) == len(sessions)
    autologin, otok, handover = zip(*(flow.tokens[:1] + flow.tokens[-2:] for flow in flows), strict=True)
    assert all(AUTOLOGIN_TOKEN.fullmatch(token) for token in autologin)
    assert all(OPT_IN_TOKEN.fullmatch(token) for token in otok)
    assert all(HANDOVER_KEY.fullmatch(token) for token in handover)
    tokens = [token for flow in flows for token in flow.tokens]
    assert len(set(tokens)) == len(tokens)


def test_the_domain_takes_randomness_from_secrets_only() -> None:
    """Sessions and tokens are made in the domain; `random` elsewhere only seeds fixtures and jitters retries."""
    domain = Path(mock_server.__file__).parent / "websale" / "domain"
    for source in domain.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import random|from random import)", text, re.MULTILINE), source
        assert "uuid1" not in text and "uuid4" not in text, source


@pytest.fixture
def mock() -> Iterator[RunningMock]:
    with running_mock() as running:
        yield running


@dataclass
class Shop:
    api: httpx.Client
    controls: httpx.Client

    def session(self) -> dict[str, str]:
        return {"x-session": _ok(self.api.post("/session/create"))["id"]}

    def settings(self, **changes: Any) -> None:
        settings = _ok(self.controls.get("/settings"))
        for key, value in changes.items():
            settings[key] = {**settings[key], **value} if isinstance(value, dict) else value
        _ok(self.controls.put("/settings", json=settings))

    def advance_clock(self, seconds: float) -> None:
        _ok(self.controls.post("/clock", json={"seconds": seconds}))


@pytest.fixture
def shop(mock: RunningMock) -> Iterator[Shop]:
    with (
        httpx.Client(base_url=mock.api_url, timeout=10) as api,
        httpx.Client(base_url=mock.controls_url, timeout=10) as controls,
    ):
        yield Shop(api, controls)


def _autologin_token(shop: Shop, mode: str = "restricted") -> str:
    login = _ok(
        shop.api.post(
            "/account/login",
            headers=shop.session(),
            json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD, "autologin": mode},
        )
    )
    return str(login["autologinToken"])


def test_an_autologin_token_works_once(shop: Shop) -> None:
    token = _autologin_token(shop)
    _ok(shop.api.post("/account/autologin", headers=shop.session(), json={"token": token}))
    second = shop.api.post("/account/autologin", headers=shop.session(), json={"token": token})
    assert (second.status_code, second.json()["error"]["code"]) == (401, "invalidToken")


def test_an_autologin_token_expires(shop: Shop) -> None:
    shop.settings(autologin={"restrictedTokenTtlSeconds": 600})
    token = _autologin_token(shop)
    shop.advance_clock(601)
    late = shop.api.post("/account/autologin", headers=shop.session(), json={"token": token})
    assert (late.status_code, late.json()["error"]["code"]) == (401, "invalidToken")


def _reset_token(shop: Shop) -> str:
    _ok(shop.api.post("/account/password/forgotten", headers=shop.session(), json={"email": DEMO_EMAIL}))
    return _outbox_token(shop.controls, DEMO_EMAIL)


def test_an_opt_in_token_works_once(shop: Shop) -> None:
    otok = _reset_token(shop)
    _ok(
        shop.api.post(
            "/account/password/reset", headers=shop.session(), json={"newPassword": "Once-Only-Pass-1", "otok": otok}
        )
    )
    second = shop.api.post(
        "/account/password/reset", headers=shop.session(), json={"newPassword": "Twice-Pass-2", "otok": otok}
    )
    assert (second.status_code, second.json()["error"]["code"]) == (401, "notLoggedIn")
    _ok(
        shop.api.post("/account/login", headers=shop.session(), json={"id": DEMO_EMAIL, "password": "Once-Only-Pass-1"})
    )


def test_an_opt_in_token_expires(shop: Shop) -> None:
    shop.settings(optInTokenTtlSeconds=600)
    otok = _reset_token(shop)
    shop.advance_clock(601)
    late = shop.api.post(
        "/account/password/reset", headers=shop.session(), json={"newPassword": "Too-Late-Pass-1", "otok": otok}
    )
    assert (late.status_code, late.json()["error"]["code"]) == (401, "notLoggedIn")
    _ok(shop.api.post("/account/login", headers=shop.session(), json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD}))


def test_an_opt_in_token_for_one_action_does_not_confirm_another(shop: Shop) -> None:
    shop.settings(doubleOptInDeletion=True)
    otok = _reset_token(shop)
    headers = shop.session()
    _ok(shop.api.post("/account/login", headers=headers, json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD}))
    refused = shop.api.request("DELETE", "/account/deleteConfirm", headers=headers, json={"otok": otok})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "actionNotAllowed")


# -- throttling -------------------------------------------------------------------------------------


def test_changing_the_emails_case_does_not_bypass_the_login_throttle(shop: Shop) -> None:
    limit = _ok(shop.controls.get("/settings"))["loginThrottle"]["accountMaxFailures"]
    variants = [
        "DEMO@EXAMPLE.COM",
        "Demo@Example.com",
        "demo@EXAMPLE.com",
        "dEmO@eXaMpLe.CoM",
        "DeMo@example.COM",
        "demo@Example.Com",
    ]
    headers = shop.session()
    for attempt in range(limit):
        # A new client address each time, so only the account's count can block.
        wrong = shop.api.post(
            "/account/login",
            headers={**headers, "X-Forwarded-For": f"198.51.100.{attempt + 1}"},
            json={"id": variants[attempt % len(variants)], "password": "Not-The-Password-1"},
        )
        assert wrong.status_code == 401, wrong.text
    for variant in (DEMO_EMAIL, "DEMO@example.com", "Demo@Example.Com"):
        blocked = shop.api.post(
            "/account/login",
            headers={**headers, "X-Forwarded-For": "203.0.113.9"},
            json={"id": variant, "password": DEMO_PASSWORD},
        )
        assert (blocked.status_code, blocked.json()["error"]["code"]) == (429, "loginBlocked"), blocked.text
        assert int(blocked.headers["Retry-After"]) >= 1
