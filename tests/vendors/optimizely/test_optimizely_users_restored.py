"""The kit leaves the target's users as it found them: what its fuzz phase and its scenarios change
(passwords, lock-outs) is put back, over a real socket, and what cannot be is named in the report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from kit_helpers import mock_app, serve
from optimizely_steps import (
    CONTRACT,
    NEW_PASSWORD,
    PASSWORD,
    TARGET,
    users_not_as_found,
)

from conformance import run
from conformance.controls import MailboxReader
from conformance.http import ApiClient
from conformance.results import RunResult
from conformance.target import Target, bundled_mock_target, load_target
from conformance.vendors.optimizely.context import OptimizelyContext
from conformance.vendors.optimizely.fuzz import OptimizelyFuzzAuth

SESSIONS, SESSION = "/api/v1/sessions", "/api/v1/sessions/current"
DEMO = {"userName": "demo", "password": PASSWORD}
ATTEMPTS = int(TARGET.setting("maxFailedAttempts"))


class Recording:
    """ASGI middleware: method, path, JSON body and status of every request to the sessions API."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, str, Any, int]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(SESSIONS):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        statuses: list[int] = []

        async def receiving() -> dict[str, Any]:
            message = await receive()
            chunks.append(message.get("body", b""))
            return message

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            await send(message)

        await self.app(scope, receiving, sending)
        try:
            body = json.loads(b"".join(chunks))
        except ValueError:
            body = None
        self.seen.append((scope["method"], scope["path"], body, statuses[0]))


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with serve(mock_app("optimizely"), base_path="") as url:
        yield url


@pytest.fixture
def url(served: str) -> str:
    """The mock, back to its fixtures."""
    assert httpx.post(served + "/__mock/reset").status_code == 200
    return served


def _auth(url: str, target: Target = TARGET) -> OptimizelyFuzzAuth:
    return OptimizelyFuzzAuth(ApiClient(url, CONTRACT), target, 0, "test")


def _reset_mails(url: str, to: str) -> list[dict[str, Any]]:
    messages = httpx.get(url + "/__mock/outbox", params={"to": to}).json()["messages"]
    return [message for message in messages if message["kind"] == "resetPassword"]


def _lock_out(url: str, auth: OptimizelyFuzzAuth, user_name: str) -> None:
    """Wrong passwords until the user is locked out, each reported to the auth as a generated case."""
    for attempt in range(ATTEMPTS):
        body = {"userName": user_name, "password": f"Wrong-Password-{attempt}"}
        auth.generated("signIn", body, httpx.post(url + SESSIONS, json=body).status_code)
    assert httpx.post(url + SESSIONS, json={"userName": user_name, "password": PASSWORD}).status_code == 403


def _change_password(url: str, auth: OptimizelyFuzzAuth, user_name: str) -> None:
    body = {"userName": user_name, "password": PASSWORD, "newPassword": NEW_PASSWORD}
    answer = httpx.patch(url + SESSION, json=body)
    assert answer.status_code == 200, answer.text
    auth.generated("updateCurrentSession", body, answer.status_code)


@pytest.mark.timeout(120)
def test_a_fuzz_run_leaves_every_target_user_as_it_found_them() -> None:
    recording = Recording(mock_app("optimizely"))
    with serve(recording, base_path="") as url:
        result = run(TARGET, url, contract="optimizely", phases=("fuzz",), seed=0, max_examples=10)
        found = users_not_as_found(url)

    assert result.unreachable is None, result.unreachable
    assert result.failures == [], [failure.message for failure in result.failures[:3]]
    # There was something to put back: generated password changes went through, and generated
    # sign-ins sent wrong passwords of the target's users, enough of them to lock a user out.
    passwords = {user["userName"]: user["password"] for user in TARGET.data("users").values()}
    changes = [
        body
        for method, _, body, status in recording.seen
        if method == "PATCH"
        and status == 200
        and isinstance(body, dict)
        and body.get("newPassword") not in (None, *passwords.values())
    ]
    wrong = [
        body
        for method, path, body, status in recording.seen
        if (method, path, status) == ("POST", SESSIONS, 400)
        and isinstance(body, dict)
        and isinstance(body.get("userName"), str)
        and body.get("password") != passwords.get(body["userName"], body.get("password"))
    ]
    assert changes, "the run changed no password"
    assert len(wrong) >= ATTEMPTS, wrong
    assert found == [], found
    assert result.notes == [], result.notes


@pytest.mark.parametrize("user_name", ["demo", "lockedout"])
def test_cleanup_changes_a_password_the_phase_changed_back(url: str, user_name: str) -> None:
    """Changed back from the password the phase gave it, not reset by e-mail (which would also end the
    lock-out the locked-out user has on purpose)."""
    auth = _auth(url)
    _change_password(url, auth, user_name)
    assert httpx.post(url + SESSIONS, json={"userName": user_name, "password": PASSWORD}).status_code == 400

    assert auth.cleanup() == []
    assert users_not_as_found(url) == []
    assert httpx.get(url + "/__mock/outbox").json()["messages"] == []


def test_cleanup_resets_a_locked_out_user_by_e_mail(url: str) -> None:
    auth = _auth(url)
    _lock_out(url, auth, "demo")

    assert auth.cleanup() == []
    assert users_not_as_found(url) == []
    assert len(_reset_mails(url, "demo@example.com")) == 1


def test_cleanup_names_each_user_it_cannot_put_back(url: str, tmp_path: Path) -> None:
    """Without a mailbox a lock-out stays, and a password change has cleared a must-change mark: both
    are notes that name the user and the way back."""
    raw = yaml.safe_load(bundled_mock_target(CONTRACT).read_text("utf-8"))
    raw["mailbox"] = {"type": "none"}
    path = tmp_path / "no-mailbox.yaml"
    path.write_text(yaml.safe_dump(raw), "utf-8")
    auth = _auth(url, load_target(path, CONTRACT))
    _lock_out(url, auth, "demo")
    _change_password(url, auth, "mustchange")

    notes = auth.cleanup()

    assert len(notes) == 2, notes
    locked = next(note for note in notes if "'demo'" in note)
    assert "locked out" in locked and "no mailbox" in locked and "POST /__mock/reset" in locked
    mark = next(note for note in notes if "'mustchange'" in note)
    assert "must-change-password mark" in mark and "POST /__mock/reset" in mark
    # What could be put back was: mustchange signs in with its password again (now without the mark).
    assert httpx.post(url + SESSIONS, json={"userName": "mustchange", "password": PASSWORD}).status_code == 201


def test_generated_cases_that_would_change_a_target_user_are_sent_for_the_spare_user() -> None:
    auth = _auth("http://127.0.0.1:9")
    spare = auth.users.role("resettable")
    assert spare is not None
    spare.current = "Spare-Password-9"  # as after an earlier generated change of the spare user
    change = {"userName": "mustchange", "password": PASSWORD, "newPassword": NEW_PASSWORD}
    wrong = {"userName": "Demo", "password": "Not-The-Password-1"}
    grant = {"grant_type": "password", "username": "demo", "password": "Not-The-Password-1", "scope": "iscapi"}

    assert auth.body_for("updateCurrentSession", change) == {
        **change,
        "userName": "resettable",
        "password": "Spare-Password-9",
    }
    # A change naming no user is the shared session's user's (demo).
    assert auth.body_for("updateCurrentSession", {"password": PASSWORD, "newPassword": NEW_PASSWORD}) == {
        "userName": "resettable",
        "password": "Spare-Password-9",
        "newPassword": NEW_PASSWORD,
    }
    assert auth.body_for("signIn", wrong) == {**wrong, "userName": "resettable"}
    assert auth.body_for("requestToken", grant) == {**grant, "username": "resettable"}
    # A wrong password of the named user that is the spare's right one stays wrong.
    assert auth.body_for("signIn", {"userName": "demo", "password": "Spare-Password-9"}) == {
        "userName": "resettable",
        "password": PASSWORD,
    }
    # What changes nothing is sent as generated: the right password, other changes, other grants.
    for operation_id, body in (
        ("signIn", DEMO),
        ("signIn", {"userName": "nobody", "password": "x"}),
        ("updateCurrentSession", {"userName": "demo", "resetPassword": True}),
        ("requestToken", {"grant_type": "refresh_token", "refresh_token": "abc"}),
        ("getCurrentSession", None),
    ):
        assert auth.body_for(operation_id, body) is body


def test_a_scenario_stopped_after_a_password_change_leaves_it_set_back(url: str) -> None:
    client = ApiClient(url, CONTRACT)
    ctx = OptimizelyContext(
        name="passwords.stopped",
        contract=CONTRACT,
        target=TARGET,
        client=client,
        mailbox=MailboxReader(client, TARGET),
        settings=TARGET.settings,
        result=RunResult.empty(CONTRACT, url, 0, ("scenarios",), list(CONTRACT.operations)),
        seed=0,
        client_address=None,
    )
    user = ctx.user("resettable")
    ctx.ok(
        "updateCurrentSession", "a password change", caller=ctx.browser(), body={**user, "newPassword": NEW_PASSWORD}
    )
    # The scenario stops here, before it sets the password back; the runner then cleans up.
    ctx.cleanup()

    assert ctx.notes == []
    assert users_not_as_found(url) == []
