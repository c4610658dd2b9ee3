"""The request journal at /__mock/requests: what was sent, what was answered, which rule refused it."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mock_api import DEMO_EMAIL, Api, assert_error

from mock_server.config import ServerConfig
from mock_server.testing import RunningMock, running_mock


@pytest.fixture
def journal(api: Api) -> Api:
    """The shared mock with an empty journal."""
    assert api.controls.delete("/requests").status_code == 200
    return api


def entries(api: Api, **filters: Any) -> list[dict[str, Any]]:
    response = api.controls.get("/requests", params=filters)
    assert response.status_code == 200, response.text
    return list(response.json()["requests"])


def test_a_served_request_is_recorded_with_its_session_masked(journal: Api) -> None:
    session = journal.new_session()
    assert journal.call("getAccount", session=session).status_code == 200
    (entry,) = entries(journal, operation="getAccount")
    assert (entry["contract"], entry["method"], entry["path"]) == ("websale", "GET", "/api/v1/account/get")
    assert (entry["status"], entry["code"]) == (200, None)
    assert entry["verdict"] == {"ok": True, "refusedBy": None, "violations": []}
    assert entry["response"]["body"] == '{"loggedIn":false}'
    assert entry["session"] == session[:4] + "***"
    assert entry["request"]["headers"]["x-session"] == session[:4] + "***"
    assert entry["durationMs"] >= 0 and entry["at"].endswith("Z")
    assert session not in json.dumps(entries(journal))


def test_the_new_session_id_in_an_answer_is_masked(journal: Api) -> None:
    session = journal.new_session()
    (entry,) = entries(journal, operation="createSession")
    assert entry["response"]["body"] == '{"id":"***"}'
    assert session not in json.dumps(entry)


def test_a_schema_refusal_names_the_rule_the_field_and_the_code(journal: Api) -> None:
    session = journal.new_session()
    response = journal.call("login", session=session, json={"id": "not-an-email", "password": "Whatever-Secret-1"})
    assert_error(response, 400, "emailCheckFailed", "id")
    (entry,) = entries(journal, operation="login")
    assert (entry["status"], entry["code"]) == (400, "emailCheckFailed")
    refusal = entry["verdict"]["refusedBy"]
    assert refusal["rule"] == "schema" and refusal["code"] == "emailCheckFailed"
    assert "format" in refusal["reason"] and "field id" in refusal["reason"]
    assert entry["verdict"]["ok"] is False
    assert "Whatever-Secret-1" not in json.dumps(entry)
    assert json.loads(entry["request"]["body"])["password"] == "***"


def test_a_domain_refusal_is_recorded_with_its_reason(journal: Api) -> None:
    session = journal.new_session()
    journal.call("login", session=session, json={"id": DEMO_EMAIL, "password": "Wrong-Password-123"})
    (entry,) = entries(journal, operation="login")
    assert entry["verdict"]["refusedBy"]["rule"] == "domain"
    assert entry["verdict"]["refusedBy"]["code"] == entry["code"] == "invalidCredentials"
    assert "Wrong-Password-123" not in json.dumps(entry)


def test_a_parameter_refusal_names_the_parameter(journal: Api) -> None:
    session = journal.login()
    journal.call("listOrders", session=session, params={"page": "0"})
    (entry,) = entries(journal, operation="listOrders")
    assert entry["status"] == 400 and entry["query"] == "page=0"
    assert entry["verdict"]["refusedBy"]["rule"] == "query parameter"
    assert "page" in entry["verdict"]["refusedBy"]["reason"]


def test_an_unknown_route_is_recorded_without_operation(journal: Api) -> None:
    journal.http.get("/no/such/thing")
    (entry,) = entries(journal, path="/no/such")
    assert entry["operationId"] is None and entry["status"] == 404
    assert entry["verdict"]["refusedBy"]["rule"] == "route"


def test_a_forced_error_is_a_fault(journal: Api) -> None:
    journal.call("createSession", headers={"X-Mock-Error": "redisServiceNotFound"})
    (entry,) = entries(journal)
    assert entry["verdict"]["refusedBy"]["rule"] == "fault" and entry["code"] == "redisServiceNotFound"


def test_filters_by_session_status_path_and_operation(journal: Api) -> None:
    first, second = journal.new_session(), journal.new_session()
    journal.call("getAccount", session=first)
    journal.call("listAddresses", session=first)
    journal.call("getAccount", session=second)
    assert [e["operationId"] for e in entries(journal, session=first)] == ["getAccount", "listAddresses"]
    assert [e["operationId"] for e in entries(journal, session=second)] == ["getAccount"]
    assert [e["status"] for e in entries(journal, status=401)] == [401]
    assert len(entries(journal, path="/account/get")) == 2
    assert len(entries(journal, operation="createSession")) == 2
    assert entries(journal, session="no-such-session") == []


def test_after_answers_only_newer_entries_and_limit_the_newest(journal: Api) -> None:
    for _ in range(3):
        journal.call("createSession")
    ids = [entry["id"] for entry in entries(journal)]
    assert ids == sorted(ids) and len(ids) == 3
    assert [entry["id"] for entry in entries(journal, after=ids[0])] == ids[1:]
    assert entries(journal, after=ids[-1]) == []
    assert [entry["id"] for entry in entries(journal, limit=2)] == ids[1:]


def test_one_entry_by_id_and_clearing(journal: Api) -> None:
    journal.call("createSession")
    (entry,) = entries(journal)
    assert journal.controls.get(f"/requests/{entry['id']}").json() == entry
    assert journal.controls.delete("/requests").json() == {"deleted": 1}
    assert_error(journal.controls.get(f"/requests/{entry['id']}"), 404, "unknownEntry", "id")


def test_control_calls_are_not_recorded(journal: Api) -> None:
    journal.controls.get("/settings")
    journal.controls.get("/requests")
    assert entries(journal) == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/requests?status=abc", "status"),
        ("/requests?status=99", "status"),
        ("/requests?limit=0", "limit"),
        ("/requests?limit=100000", "limit"),
        ("/requests?after=-1", "after"),
        ("/requests/abc", "id"),
    ],
)
def test_bad_journal_queries_answer_the_controls_envelope(journal: Api, path: str, field: str) -> None:
    assert_error(journal.controls.get(path), 400, "invalidRequest", field)


def test_each_refusal_is_logged_at_info(journal: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="mock_server"):
        journal.call("login", session=journal.new_session(), json={"id": "nope", "password": "x"})
    refusals = [record.getMessage() for record in caplog.records if "refused" in record.getMessage()]
    assert any("400 emailCheckFailed by schema rule" in message and "field id" in message for message in refusals)


def test_the_journal_keeps_the_newest_entries_only() -> None:
    with running_mock(ServerConfig(port=0, journal_size=3)) as mock:
        for _ in range(5):
            httpx.post(f"{mock.api_url}/session/create")
        ids = [entry["id"] for entry in httpx.get(f"{mock.controls_url}/requests").json()["requests"]]
        assert ids == [3, 4, 5]


def test_the_journal_can_be_switched_off() -> None:
    with running_mock(ServerConfig(port=0, journal=False)) as mock:
        assert httpx.post(f"{mock.api_url}/session/create").status_code == 200
        assert httpx.get(f"{mock.controls_url}/requests").json() == {"requests": []}


# --- other contracts: their credentials and bodies are masked too --------------------------------


@pytest.fixture(scope="module")
def vendors() -> Iterator[RunningMock]:
    with running_mock(ServerConfig(port=0, contracts=("emporix", "zest"))) as mock:
        yield mock


def test_emporix_tokens_are_masked_and_the_bearer_is_the_session(vendors: RunningMock) -> None:
    base = vendors.config.base_url
    httpx.delete(f"{vendors.controls_url}/requests")
    login = httpx.get(
        f"{base}/customerlogin/auth/anonymous/login", params={"tenant": "demoshop", "client_id": "demo-storefront"}
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    context = httpx.get(f"{base}/session-context/demoshop/me/context", headers={"Authorization": f"Bearer {token}"})
    listed = httpx.get(f"{vendors.controls_url}/requests", params={"session": token}).json()["requests"]
    (entry,) = listed
    assert (entry["contract"], entry["path"]) == ("emporix", "/session-context/demoshop/me/context")
    assert entry["status"] == context.status_code
    assert entry["request"]["headers"]["authorization"] == "Bearer ***"
    everything = httpx.get(f"{vendors.controls_url}/requests").text
    assert token not in everything
    first = httpx.get(f"{vendors.controls_url}/requests", params={"limit": 2}).json()["requests"][0]
    assert json.loads(first["response"]["body"])["access_token"] == "***"


def test_zest_keys_tokens_and_xml_are_masked(vendors: RunningMock) -> None:
    base = vendors.config.base_url
    httpx.delete(f"{vendors.controls_url}/requests")
    basic = "Basic " + base64.b64encode(b"demo-key:").decode()
    opened = httpx.get(f"{base}/API/V3/Cart", params={"_session_token": "1"}, headers={"Authorization": basic})
    assert opened.status_code == 200, opened.text
    token = opened.text.split('session="', 1)[1].split('"', 1)[0]
    httpx.get(f"{base}/API/V3/Cart?_key=demo-key&_session_token={token}")
    listed = httpx.get(f"{vendors.controls_url}/requests", params={"session": token}).json()["requests"]
    assert len(listed) == 1 and listed[0]["contract"] == "zest"
    assert listed[0]["query"] == "_key=***&_session_token=***"
    text = httpx.get(f"{vendors.controls_url}/requests").text
    assert token not in text and "demo-key" not in text
    first = httpx.get(f"{vendors.controls_url}/requests", params={"limit": 2}).json()["requests"][0]
    assert 'session="***"' in first["response"]["body"]
    assert first["request"]["headers"]["authorization"] == "Basic ***"


@pytest.mark.parametrize(
    "headers", [pytest.param({}, id="fast-path"), pytest.param({"X-Mock-Delay": "0"}, id="connexion")]
)
def test_an_answer_that_breaks_the_contract_is_a_violation(
    journal: Api, monkeypatch: pytest.MonkeyPatch, headers: dict[str, str]
) -> None:
    async def sloppy(*_: Any, **__: Any) -> Any:
        return {"loggedIn": "yes"}

    monkeypatch.setattr(journal.mock.app.runtime.state("websale").shop.accounts, "get", sloppy)
    assert_error(journal.call("getAccount", session=journal.new_session(), headers=headers), 500, "internalError")
    (entry,) = entries(journal, operation="getAccount")
    assert entry["verdict"]["ok"] is False and entry["code"] == "internalError"
    assert entry["verdict"]["violations"] and "NonConformingResponse" in entry["verdict"]["violations"][0]


def test_a_journal_in_the_store_is_shared_by_the_workers(tmp_path: Path) -> None:
    config = ServerConfig(port=0, state=f"sqlite:///{tmp_path / 'state.db'}", journal_in_store=True, journal_size=3)
    with running_mock(config) as one, running_mock(config) as two:
        session = httpx.post(f"{one.api_url}/session/create").json()["id"]
        httpx.get(f"{two.api_url}/account/get", headers={"x-session": session})
        listed = httpx.get(f"{one.controls_url}/requests", params={"session": session}).json()["requests"]
        assert [entry["operationId"] for entry in listed] == ["getAccount"]
        assert httpx.get(f"{two.controls_url}/requests").json() == httpx.get(f"{one.controls_url}/requests").json()
        assert session not in httpx.get(f"{two.controls_url}/requests").text
        for _ in range(3):
            httpx.post(f"{two.api_url}/session/create")
        ids = [entry["id"] for entry in httpx.get(f"{one.controls_url}/requests").json()["requests"]]
        assert ids == [3, 4, 5]
        assert httpx.get(f"{one.controls_url}/requests/5").json()["operationId"] == "createSession"
        assert httpx.delete(f"{two.controls_url}/requests").json() == {"deleted": 3}
        assert httpx.get(f"{one.controls_url}/requests").json() == {"requests": []}


def test_long_bodies_are_kept_truncated(journal: Api) -> None:
    long_text = "x" * 10_000
    journal.call("login", session=journal.new_session(), json={"id": DEMO_EMAIL, "password": "p", "note": long_text})
    (entry,) = entries(journal, operation="login")
    assert entry["request"]["truncated"] is True
    assert 4000 <= len(entry["request"]["body"]) <= 4200
    assert entry["response"]["truncated"] is False
