"""Compiled validators belong to the app that built them: many apps in one process keep no more."""

from __future__ import annotations

import dataclasses
import gc

import httpx
import pytest

from mock_server.app import MockApp, create_app
from mock_server.config import ServerConfig
from mock_server.validation import _Judges

DEMO = {"id": "demo@example.com", "password": "Demo-Password-1"}
APPS = 4


def _live_judges() -> int:
    gc.collect()
    return sum(1 for found in gc.get_objects() if isinstance(found, _Judges))


async def _exercise(app: MockApp) -> None:
    """Requests that take the fast path and Connexion's body, parameter and response validators."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock/api/v1") as client:
        await app.runtime.ensure_seeded()
        session = (await client.post("/session/create")).json()["id"]
        headers = {"x-session": session}
        assert (await client.post("/account/login", json=DEMO, headers=headers)).status_code == 200
        assert (
            await client.get("/account/order/list", params={"page": 0, "size": 10}, headers=headers)
        ).status_code == 400
        assert (await client.post("/account/address/create", json={"address": {}}, headers=headers)).status_code == 400
        assert (await client.get("/account/get", headers={**headers, "x-mock-delay": "0"})).status_code == 200


@pytest.mark.anyio
async def test_building_many_apps_keeps_one_apps_worth_of_validators() -> None:
    config = dataclasses.replace(ServerConfig(), log_level="warning")
    baseline = _live_judges()
    app = create_app(config)
    await _exercise(app)
    one_app = len(app.runtime.judges)
    assert one_app > 0
    live_with_one_app = _live_judges() - baseline
    assert live_with_one_app > 0
    for _ in range(APPS):
        app = create_app(config)  # the previous app is dropped here
        await _exercise(app)
        assert len(app.runtime.judges) == one_app
        assert _live_judges() - baseline <= live_with_one_app
