"""Sensitivity: each mutant of the mock is a realistic backend bug that `check` must catch, exit 1,
and name by the rule it breaks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from kit_helpers import Answer, Rewrite, mock_app, run_check, serve

from mock_server.common.passwords import verify_password_async
from mock_server.errors import ApiError
from mock_server.vendors.websale.domain import accounts, addresses, tokens

Mutant = Callable[[Any, pytest.MonkeyPatch], Any]


def _answer(method: str, path: str, change: Callable[[Answer], None]) -> Mutant:
    return lambda app, _: Rewrite(app, method, path, on_answer=change)


def _request(method: str, path: str, change: Callable[[str, Any], tuple[str, Any]]) -> Mutant:
    return lambda app, _: Rewrite(app, method, path, on_request=change)


def _code(answer: Answer) -> str | None:
    body = answer.body
    return body.get("error", {}).get("code") if isinstance(body, dict) else None


def wrong_code(answer: Answer) -> None:
    """Duplicate registration answered with a code register does not document."""
    if _code(answer) == "accountAlreadyExists":
        answer.body["error"]["code"] = "entryExists"


def wrong_status(answer: Answer) -> None:
    """Duplicate registration answered 400 instead of 409."""
    if _code(answer) == "accountAlreadyExists":
        answer.status = 400


def missing_required_field(answer: Answer) -> None:
    """getAccount leaves out the account's createdAt."""
    if answer.status == 200 and isinstance(answer.body.get("account"), dict):
        answer.body["account"].pop("createdAt", None)


def session_not_enforced(answer: Answer) -> None:
    """The address list is answered without a logged-in account."""
    if answer.status == 401:
        answer.status, answer.body = 200, {"addresses": []}


def address_not_stored(answer: Answer) -> None:
    """The newest address never makes it into the list (state not kept)."""
    if answer.status == 200 and answer.body["addresses"]:
        answer.body["addresses"].pop()


def duplicate_accepted(answer: Answer) -> None:
    """A second identical back-in-stock notification is accepted."""
    if _code(answer) == "entryExists":
        request = answer.request
        answer.status = 200
        answer.body = {
            "entry": {"productId": request["productId"], "email": request["email"], "createdAt": "2026-11-22T08:00:00Z"}
        }


def paging_ignored(query: str, body: Any) -> tuple[str, Any]:
    """listOrders always serves the first page."""
    params = dict(parse_qsl(query))
    params["page"] = "1"
    return urlencode(params), body


def field_dropped_on_update(query: str, body: Any) -> tuple[str, Any]:
    """updateAddress silently ignores the city."""
    if isinstance(body, dict) and isinstance(body.get("address"), dict) and len(body["address"]) > 1:
        body["address"].pop("city", None)
    elif isinstance(body, dict) and isinstance(body.get("address"), dict):
        body["address"] = {key: value for key, value in body["address"].items() if key != "city"} or {"zip": "1"}
    return query, body


def undocumented_status(answer: Answer) -> None:
    """An unknown address id answered 422, which getAddress does not document."""
    if _code(answer) == "invalidAddressId":
        answer.status = 422


def malformed_envelope(answer: Answer) -> None:
    """Wrong credentials answered as a bare {"code", "message"} object."""
    if _code(answer) == "invalidCredentials":
        answer.body = answer.body["error"]


def no_retry_after(answer: Answer) -> None:
    """A blocked login answered without Retry-After."""
    if answer.status == 429:
        answer.headers.pop("retry-after", None)


def logout_ignored(answer: Answer) -> None:
    """Logout answers loggedIn: false but leaves the session logged in (it is never forwarded)."""


def session_id_uppercase(answer: Answer) -> None:
    """Session ids in upper case."""
    if answer.status == 200:
        answer.body["id"] = answer.body["id"].upper()


def redirect_without_session(answer: Answer) -> None:
    """The redirect link forgets the sessionKey."""
    if answer.status == 200:
        link = answer.body["storeFrontLink"]
        answer.body["storeFrontLink"] = link.replace("sessionKey=", "session_key=")


def block_one_attempt_late() -> Callable[[Answer], None]:
    """Off by one: the first blocked login on an account still answers invalidCredentials."""
    seen: set[str] = set()

    def change(answer: Answer) -> None:
        if _code(answer) == "loginBlocked" and isinstance(answer.request, dict):
            email = str(answer.request.get("id", "")).lower()
            if email not in seen:
                seen.add(email)
                answer.status = 401
                answer.headers.pop("retry-after", None)
                answer.body = {"error": {"code": "invalidCredentials", "message": "Wrong e-mail or password."}}

    return change


def token_reusable(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Opt-in tokens are never spent: a used token works again."""

    async def spend(self: Any, token: str) -> bool:
        return True

    monkeypatch.setattr(tokens.OptInTokens, "spend", spend)
    return app


def blocked_login_let_through(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """While the account is blocked, the right password still logs in."""
    original = accounts.AccountService.login

    async def login(self: Any, visit: Any, email: str, password: str, autologin: str = "off") -> dict[str, Any]:
        try:
            return await original(self, visit, email, password, autologin)
        except ApiError as exc:
            if exc.code not in ("loginBlocked", "ipAddressBlocked"):
                raise
            record = await self._records.by_email(email)
            if record is None or not await verify_password_async(record["passwordHash"], password):
                raise
            await self._sessions.set_account(visit, record["id"])
            return {"loggedIn": True, "account": accounts.account_view(record)}

    monkeypatch.setattr(accounts.AccountService, "login", login)
    return app


def update_replaces_address(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """updateAddress replaces the whole address: fields not sent are emptied."""
    original = addresses.AddressService.update

    async def update(self: Any, visit: Any, address_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        blank = {name: "" for name in ("firstName", "lastName", "street", "zip", "country")}
        return await original(self, visit, address_id, {**blank, **fields})

    monkeypatch.setattr(addresses.AddressService, "update", update)
    return app


def logout_not_forwarded(app: Any, _: pytest.MonkeyPatch) -> Any:
    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/account/logout") and scope["method"] == "POST":
            body = b'{"loggedIn": false}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapped


MUTANTS = [
    pytest.param(
        _answer("POST", "/account/register", wrong_code),
        "error_code_documented_for_operation",
        ("--focus", "register"),
        id="wrong-code",
    ),
    pytest.param(
        _answer("POST", "/account/register", wrong_status),
        "status_matches_code",
        ("--focus", "register"),
        id="wrong-status",
    ),
    pytest.param(
        _answer("GET", "/account/get", missing_required_field),
        "response_matches_schema",
        ("--focus", "getAccount"),
        id="missing-required-field",
    ),
    pytest.param(
        _answer("GET", "/account/address/list", session_not_enforced),
        "session_enforced",
        ("--focus", "listAddresses"),
        id="session-not-enforced",
    ),
    pytest.param(
        _answer("GET", "/account/address/list", address_not_stored),
        "created_address_listed",
        ("--focus", "createAddress"),
        id="state-not-kept",
    ),
    pytest.param(
        _answer("POST", "/account/backInStock/notify", duplicate_accepted),
        "duplicate_refused",
        ("--focus", "createBackInStock"),
        id="duplicate-accepted",
    ),
    pytest.param(
        _request("GET", "/account/order/list", paging_ignored),
        "paging_arithmetic",
        ("--focus", "listOrders"),
        id="paging-ignored",
    ),
    pytest.param(token_reusable, "token_single_use", ("--focus", "verifyEmail", "resetPassword"), id="token-reusable"),
    pytest.param(
        blocked_login_let_through, "blocked_login_stays_blocked", ("--focus", "login"), id="blocked-login-let-through"
    ),
    pytest.param(
        _request("PUT", "/account/address/update", field_dropped_on_update),
        "update_changes_sent_fields",
        ("--focus", "updateAddress"),
        id="field-dropped-on-update",
    ),
    pytest.param(
        update_replaces_address,
        "update_keeps_other_fields",
        ("--focus", "updateAddress"),
        id="update-clears-other-fields",
    ),
    pytest.param(
        _answer("GET", "/account/address/get", undocumented_status),
        "status_documented_for_operation",
        ("--focus", "getAddress"),
        id="undocumented-status",
    ),
    pytest.param(
        _answer("POST", "/account/login", malformed_envelope),
        "error_body_shape",
        ("--focus", "login"),
        id="malformed-envelope",
    ),
    pytest.param(
        _answer("POST", "/account/login", no_retry_after),
        "retry_after_on_throttle",
        ("--focus", "login"),
        id="no-retry-after",
    ),
    pytest.param(logout_not_forwarded, "logout_logs_out", ("--focus", "logout"), id="logout-ignored"),
    pytest.param(
        _answer("POST", "/session/create", session_id_uppercase),
        "session_id_format",
        ("--focus", "createSession"),
        id="session-id-format",
    ),
    pytest.param(
        _answer("POST", "/session/prepareRedirect", redirect_without_session),
        "redirect_link_carries_session",
        ("--focus", "prepareRedirect"),
        id="redirect-without-session",
    ),
    pytest.param(
        _answer("POST", "/account/login", block_one_attempt_late()),
        "throttle_blocks_login",
        ("--focus", "login"),
        id="throttle-off-by-one",
    ),
]


@pytest.mark.parametrize(("mutate", "rule", "selection"), MUTANTS)
def test_check_names_the_rule_a_mutant_breaks(
    mutate: Mutant,
    rule: str,
    selection: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = mutate(mock_app(), monkeypatch)
    with serve(app) as url:
        run = run_check(url, "--phase", "scenarios", *selection, tmp_path=tmp_path, capsys=capsys)
    assert run.exit_code == 1, run.output
    assert rule in run.rules, f"expected a failure of {rule}, got {sorted(run.rules)}\n{run.output}"


def test_the_fuzz_phase_runs_the_kits_own_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Schemathesis's answers go through the kit's checks too (they name the kit's rule)."""

    def bare_errors(answer: Answer) -> None:
        if _code(answer) == "notLoggedIn":
            answer.body = answer.body["error"]

    with serve(Rewrite(mock_app(), "GET", "/account/backInStock/list", on_answer=bare_errors)) as url:
        run = run_check(
            url,
            "--phase",
            "fuzz",
            "--focus",
            "listBackInStock",
            "--max-examples",
            "5",
            tmp_path=tmp_path,
            capsys=capsys,
        )
    assert run.exit_code == 1, run.output
    assert "error_body_shape" in run.rules
