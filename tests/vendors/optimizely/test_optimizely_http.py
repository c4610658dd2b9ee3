"""The Optimizely mock over a real socket: cookies as a browser sees them, refused tokens on both
paths, and CORS for a browser that sends its session cookie."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest

from mock_server.config import ServerConfig
from mock_server.testing import RunningMock, running_mock

SESSION = "/api/v1/sessions/current"
GERMAN = "0e71cba2-8a53-5b78-8abe-d0b53631cfeb"  # de-de in the bundled fixtures
DEMO = {"userName": "demo", "password": "Demo-Password-1"}


@pytest.fixture(scope="module", params=[True, False], ids=["fast-path", "connexion"])
def mock(request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    config = dataclasses.replace(ServerConfig(port=0, log_level="error"), fast_path=request.param)
    with running_mock(config, contract="optimizely") as running:
        yield running


def _token(mock: RunningMock) -> str:
    answer = httpx.post(
        f"{mock.base_url}/identity/connect/token",
        auth=("isc", "any"),
        data={
            "grant_type": "password",
            "scope": "iscapi offline_access",
            "username": DEMO["userName"],
            "password": DEMO["password"],
        },
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def test_a_visitor_choice_opens_a_cookie_session_that_only_its_cookie_reads(mock: RunningMock) -> None:
    fresh = httpx.get(mock.base_url + SESSION)
    assert "set-cookie" not in fresh.headers  # reading stores nothing
    changed = httpx.patch(mock.base_url + SESSION, json={"language": {"id": GERMAN}})

    assert changed.status_code == 200, changed.text
    name, _, attributes = changed.headers["set-cookie"].partition(";")
    assert name.startswith("SessionId=") and len(name) > len("SessionId=") + 20
    assert {part.strip() for part in attributes.split(";")} == {"Path=/", "HttpOnly", "SameSite=Lax"}
    cookie = {"Cookie": name}
    assert httpx.get(mock.base_url + SESSION, headers=cookie).json()["language"]["languageCode"] == "de-de"
    assert httpx.get(mock.base_url + SESSION).json()["language"]["languageCode"] == "en-us"
    stale = httpx.get(mock.base_url + SESSION, headers={"Cookie": "SessionId=never-issued-by-this-mock"})
    assert (stale.status_code, stale.json()["isAuthenticated"]) == (200, False)


def test_a_remembered_sign_in_sets_a_lasting_cookie(mock: RunningMock) -> None:
    answer = httpx.post(mock.base_url + "/api/v1/sessions", json={**DEMO, "rememberMe": True})

    assert answer.status_code == 201, answer.text
    assert "Max-Age=1209600" in answer.headers["set-cookie"]
    cookie = {"Cookie": answer.headers["set-cookie"].partition(";")[0]}
    session = httpx.get(mock.base_url + SESSION, headers=cookie).json()
    assert (session["isAuthenticated"], session["userName"], session["rememberMe"]) == (True, "demo", True)


def test_a_refused_token_answers_401_where_visitors_are_welcome(mock: RunningMock) -> None:
    refused = {"Authorization": "Bearer never-issued-by-this-mock"}
    denied = {"message": "Authorization has been denied for this request."}

    assert httpx.get(mock.base_url + SESSION).status_code == 200  # no token: a visitor
    for answer in (
        httpx.get(mock.base_url + SESSION, headers=refused),
        httpx.patch(mock.base_url + SESSION, headers=refused, json={"language": {"id": GERMAN}}),
        # the refused token comes before the broken body
        httpx.patch(mock.base_url + SESSION, headers=refused, json={"language": {"id": 7}}),
        httpx.delete(mock.base_url + SESSION, headers=refused),
    ):
        assert (answer.status_code, answer.json()) == (401, denied), answer.request


def test_signing_out_ends_the_tokens_session(mock: RunningMock) -> None:
    bearer = {"Authorization": "Bearer " + _token(mock)}
    assert httpx.post(mock.base_url + "/api/v1/sessions", headers=bearer, json=DEMO).status_code == 201

    assert httpx.delete(mock.base_url + SESSION, headers=bearer).status_code == 204
    assert httpx.get(mock.base_url + SESSION, headers=bearer).status_code == 401
    assert httpx.delete(mock.base_url + SESSION, headers=bearer).status_code == 401


def test_browsers_of_other_origins_may_send_the_session_cookie(mock: RunningMock) -> None:
    origin = {"Origin": "http://localhost:3000"}
    preflight = httpx.options(
        mock.base_url + SESSION,
        headers={
            **origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    answer = httpx.get(mock.base_url + SESSION, headers={**origin, "Cookie": "SessionId=x"})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-credentials"] == "true"
    # With credentials a browser takes only its own origin, never `*`.
    assert answer.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert answer.headers["access-control-allow-credentials"] == "true"


def test_contracts_without_cookies_allow_no_credentials() -> None:
    with running_mock(ServerConfig(port=0, log_level="error"), contract="emporix") as mock:
        answer = httpx.get(f"{mock.base_url}/oauth/token", headers={"Origin": "http://localhost:3000"})
    assert "access-control-allow-credentials" not in answer.headers


def test_every_value_of_a_cookie_sent_twice_is_checked(mock: RunningMock) -> None:
    too_long = "x" * 300
    for cookie in (f"SessionId={too_long}; SessionId=abc", f"SessionId=abc; SessionId={too_long}"):
        answer = httpx.get(mock.base_url + SESSION, headers={"Cookie": cookie})
        assert (answer.status_code, answer.json()["message"]) == (400, "The request is invalid."), cookie
    assert httpx.get(mock.base_url + SESSION, headers={"Cookie": "SessionId=abc; SessionId=def"}).status_code == 200
