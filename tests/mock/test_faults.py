"""Server-side faults: store outages, bugs and non-conforming answers stay in the envelope."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from mock_api import DEMO_EMAIL, DEMO_PASSWORD, Api, assert_error

from mock_server.store import StoreUnavailable


@pytest.mark.parametrize(
    ("kind", "code"), [("refused", "redisServicePoolInaccessible"), ("unreachable", "redisServiceNotFound")]
)
def test_store_outage_answers_its_503_code(api: Api, monkeypatch: pytest.MonkeyPatch, kind: str, code: str) -> None:
    session = api.new_session()

    async def unreachable(*_: Any, **__: Any) -> Any:
        raise StoreUnavailable(kind, "connection refused")

    monkeypatch.setattr(api.mock.app.runtime.store, "get", unreachable)
    assert_error(api.call("getAccount", session=session), 503, code)
    assert_error(api.call("createSession"), 503, code)


def test_unexpected_fault_is_internal_error_and_logs_no_request_data(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError(f"boom {DEMO_PASSWORD}")

    monkeypatch.setattr(api.mock.app.runtime.state("websale").shop.accounts, "login", broken)
    with caplog.at_level(logging.DEBUG, logger="mock_server"):
        response = api.call("login", session=api.new_session(), json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert_error(response, 500, "internalError")
    assert DEMO_PASSWORD not in response.text
    assert "RuntimeError" in caplog.text
    assert DEMO_PASSWORD not in caplog.text


def test_answer_outside_the_contract_is_caught_by_response_validation(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def sloppy(*_: Any, **__: Any) -> Any:
        return {"loggedIn": "yes"}

    monkeypatch.setattr(api.mock.app.runtime.state("websale").shop.accounts, "get", sloppy)
    assert_error(api.call("getAccount", session=api.new_session()), 500, "internalError")


def test_passwords_are_stored_as_argon2id_hashes(api: Api) -> None:
    import asyncio

    record = asyncio.run(
        api.mock.app.runtime.store.get(
            "websale:account:" + api.call("getAccount", session=api.login()).json()["account"]["id"]
        )
    )
    assert record["passwordHash"].startswith("$argon2id$")
    assert DEMO_PASSWORD not in str(record)
