"""A shared team mock: `--no-controls` removes /__mock, `--controls-token` guards it (the real command)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import MockProcess

TOKEN = "team-mock-controls-token-7f3a"
CONTROL_CALLS = [
    ("GET", "/outbox"),
    ("DELETE", "/outbox"),
    ("POST", "/reset"),
    ("GET", "/settings"),
    ("PUT", "/settings"),
    ("GET", "/ui/"),
    ("GET", "/openapi.json"),
]


def _mock(tmp_path: Path, *extra: str) -> Iterator[MockProcess]:
    mock = MockProcess("memory", workers=1, log=tmp_path / "mock.log", extra=extra)
    mock.start()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture(scope="module")
def without_controls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    yield from _mock(tmp_path_factory.mktemp("no-controls"), "--no-controls")


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    yield from _mock(tmp_path_factory.mktemp("guarded"), "--controls-token", TOKEN)


def _error(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    return response.status_code, response.json()["error"]["code"]


@pytest.mark.parametrize(("method", "path"), CONTROL_CALLS)
def test_no_controls_answers_404_on_every_control(without_controls: MockProcess, method: str, path: str) -> None:
    response = httpx.request(
        method, f"{without_controls.controls_url}{path}", json={} if method == "PUT" else None, timeout=5
    )
    assert _error(response) == (404, "notFound")


def test_no_controls_ignores_the_mock_headers(without_controls: MockProcess) -> None:
    headers = {"X-Mock-Error": "redisServiceNotFound", "X-Mock-Delay": "30000"}
    response = httpx.post(f"{without_controls.api_url}/session/create", headers=headers, timeout=5)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("method", "path"), [call for call in CONTROL_CALLS if call[1].startswith(("/outbox", "/reset", "/settings"))]
)
@pytest.mark.parametrize(
    "sent", [None, "", "wrong", TOKEN.upper(), TOKEN[:-1]], ids=["absent", "empty", "wrong", "other-case", "prefix"]
)
def test_the_controls_token_is_required_on_every_control(
    guarded: MockProcess, method: str, path: str, sent: str | None
) -> None:
    headers = {} if sent is None else {"X-Mock-Token": sent}
    response = httpx.request(
        method, f"{guarded.controls_url}{path}", headers=headers, json={} if method == "PUT" else None, timeout=5
    )
    assert _error(response) == (401, "controlsTokenRequired")


def test_the_controls_token_opens_the_controls(guarded: MockProcess) -> None:
    with httpx.Client(base_url=guarded.controls_url, headers={"x-mock-token": TOKEN}, timeout=5) as controls:
        settings = controls.get("/settings")
        assert settings.status_code == 200, settings.text
        assert controls.put("/settings", json=settings.json()).status_code == 200
        assert controls.get("/outbox").status_code == 200
        assert controls.post("/reset").status_code == 200


def test_the_mock_headers_need_the_controls_token_too(guarded: MockProcess) -> None:
    url = f"{guarded.api_url}/session/create"
    unguarded = httpx.post(url, headers={"X-Mock-Error": "redisServiceNotFound"}, timeout=5)
    assert unguarded.status_code == 200 and "X-Mock-Token" in unguarded.headers["X-Mock-Refused"]
    forced = httpx.post(url, headers={"X-Mock-Error": "redisServiceNotFound", "X-Mock-Token": TOKEN}, timeout=5)
    assert _error(forced) == (503, "redisServiceNotFound")


def test_the_controls_token_is_not_logged(guarded: MockProcess) -> None:
    httpx.get(f"{guarded.controls_url}/settings", headers={"X-Mock-Token": TOKEN}, timeout=5)
    assert TOKEN not in guarded.log.read_text(errors="replace")
