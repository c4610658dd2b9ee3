"""Small independent backends, as integrators build them, and the kit's exact verdict on each: behind a
gateway that adds and strips headers, with one wrong code, and with a staging Authorization header
next to the contract's own credentials. (Partial backends: test_check_partial.py.)"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from kit_helpers import Answer, answer_mutant, check_mutant, mock_app, run_check, serve

from conformance import load_target, run
from conformance.http import ApiClient, Credential
from conformance.target import bundled_mock_target
from conformance.vendors.optimizely.users import client_credential
from conformance.vendors.zest.context import key_credential
from storefront_kit import registry

GATEWAY_KEY = "gw-key-7731"
STAGING = "Basic c3RhZ2luZzpzM2NyZXQ="  # staging:s3cret


class HeaderGateway:
    """A gateway in front of a backend: it needs its key (and strips it before the backend), adds a header to
    every answer, and can strip named answer headers on the way back."""

    def __init__(self, app: Any, *, strip_answer: tuple[str, ...] = ()) -> None:
        self.app = app
        self.strip_answer = {name.lower().encode() for name in strip_answer}
        self.keys_seen_by_backend = 0
        self.refused = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        if (b"x-gateway-key", GATEWAY_KEY.encode()) not in headers:
            self.refused += 1
            body = json.dumps({"message": "gateway: no key"}).encode()
            await send({"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": body})
            return
        scope = {**scope, "headers": [(name, value) for name, value in headers if name != b"x-gateway-key"]}

        async def relay(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                kept = [(name, value) for name, value in message["headers"] if name.lower() not in self.strip_answer]
                message = {**message, "headers": [*kept, (b"x-gateway-trace", b"gw-1")]}
            await send(message)

        async def counted_receive() -> dict[str, Any]:
            return await receive()

        if any(name == b"x-gateway-key" for name, _ in scope["headers"]):
            self.keys_seen_by_backend += 1
        await self.app(scope, counted_receive, relay)


def test_a_backend_behind_a_gateway_that_adds_and_strips_headers_conforms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway = HeaderGateway(mock_app("websale"))
    with serve(gateway) as url:
        checked = run_check(
            url,
            "--header",
            f"X-Gateway-Key: {GATEWAY_KEY}",
            "--operation",
            "createSession",
            "login",
            "--max-examples",
            "2",
            tmp_path=tmp_path,
            capsys=capsys,
        )
    assert checked.exit_code == 0, checked.output
    assert "Result: CONFORMS (exit 0)" in checked.output and not checked.rules
    assert gateway.refused == 0 and gateway.keys_seen_by_backend == 0


def test_a_gateway_that_strips_retry_after_breaks_exactly_that_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target.yaml"
    raw = yaml.safe_load(bundled_mock_target(registry.contract("websale")).read_text("utf-8"))
    target.write_text(yaml.safe_dump({**raw, "headers": {"X-Gateway-Key": GATEWAY_KEY}}), "utf-8")
    gateway = HeaderGateway(mock_app("websale"), strip_answer=("retry-after",))
    with serve(gateway) as url:
        checked = run_check(
            url,
            "--target",
            str(target),
            "--phase",
            "scenarios",
            "--focus",
            "login",
            tmp_path=tmp_path,
            capsys=capsys,
        )
    assert checked.exit_code == 1, checked.output
    assert checked.rules == {"retry_after_on_throttle"}, checked.output
    assert "login answered HTTP 429 without a Retry-After of whole seconds (got None)" in checked.output


def _wrong_code(answer: Answer) -> None:
    """The backend's one mistake: a wrong password answered with the code of a missing login."""
    if isinstance(answer.body, dict) and answer.body.get("error", {}).get("code") == "invalidCredentials":
        answer.body["error"]["code"] = "notLoggedIn"


def test_a_backend_with_one_wrong_code_fails_on_that_code_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = answer_mutant("websale", "login", _wrong_code)(mock_app("websale"), pytest.MonkeyPatch())
    checked = check_mutant(app, "websale", ("login",), wait_for_expiry=False, tmp_path=tmp_path, capsys=capsys)
    assert checked.exit_code == 1, checked.output
    # The two flows that send a wrong password, each naming its rule; nothing else is reported.
    assert checked.rules == {"credentials_checked", "throttle_threshold"}, checked.output
    failures = [line for line in checked.output.splitlines() if line.startswith("  [")]
    assert len(failures) == 2 and all(" login invalidCredentials: login: " in line for line in failures), failures
    assert "must answer HTTP 401 invalidCredentials; it answered HTTP 401 notLoggedIn" in checked.output


# -- a configured Authorization header next to the contract's own credential ------------------------


def _recording_client(contract: str) -> tuple[ApiClient, list[list[str]]]:
    seen: list[list[str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get_list("authorization"))
        return httpx.Response(200, json={})

    found = registry.contract(contract)
    client = ApiClient(
        "http://backend.test" + found.base_path,
        found,
        headers={"Authorization": STAGING, "X-Gateway-Key": GATEWAY_KEY},
        transport=httpx.MockTransport(answer),
    )
    return client, seen


def test_a_configured_authorization_gives_way_to_an_optimizely_bearer_and_client_credential() -> None:
    client, seen = _recording_client("optimizely")
    target = load_target(None, "optimizely")
    own_client = client_credential(target)
    try:
        client.call("getCurrentSession", credential="token-123")
        client.call("requestToken", credential=own_client, form={"grant_type": "password"})
        client.call("getCurrentSession", credential=None)  # a call with no credential of its own
    finally:
        client.close()
    assert seen == [["Bearer token-123"], [own_client.headers["Authorization"]], [STAGING]]


def test_a_configured_authorization_gives_way_to_a_zest_key() -> None:
    client, seen = _recording_client("zest")
    credential: Credential = key_credential("key-42")
    try:
        client.call("getCart", credential=credential)
        client.call("getCart", credential=key_credential("key-42", in_query=True))
    finally:
        client.close()
    assert seen == [[credential.headers["Authorization"]], [STAGING]]


class AuthorizationRecorder:
    """Passes every request on, keeping the Authorization headers it carried, by path."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, list[bytes]]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen.append((scope["path"], [value for name, value in scope["headers"] if name == b"authorization"]))
        await self.app(scope, receive, send)


def test_generated_optimizely_cases_keep_their_bearer_next_to_a_configured_authorization() -> None:
    recorder = AuthorizationRecorder(mock_app("optimizely"))
    target = dataclasses.replace(load_target(None, "optimizely"), headers={"Authorization": STAGING})
    result = run(
        target,
        "http://testserver" + registry.contract("optimizely").base_path,
        contract="optimizely",
        focus=["getCurrentSession"],
        phases=["fuzz"],
        max_examples=3,
        app=recorder,
    )
    assert result.fuzz and result.fuzz[0].cases > 0
    session_path = (
        registry.contract("optimizely").base_path + registry.contract("optimizely").operation("getCurrentSession").path
    )
    sent = [values for path, values in recorder.seen if path == session_path]
    assert sent and all(len(values) == 1 for values in sent)  # one Authorization each, never two
    bearers = [values for values in sent if values[0].startswith(b"Bearer ")]
    # The generated cases carry their bearer; the configured value only goes where a case sends none
    # (Schemathesis' own probe of a request without its credential).
    assert len(bearers) >= len(sent) - 1, [values[0][:12] for values in sent]
