"""The pytest plugin's options of `storefront-kit check`: operations, headers, checks, failures, cassette."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kit_helpers import Answer, answer_mutant, mock_app, serve

from conformance.cli import BASE_URL_ENV, TARGET_ENV

GATEWAY_KEY = "k3y-of-the-gateway"
SESSIONS = ("--conformance-operation", "createSession", "--conformance-operation", "login")
WITH_KEY = ("--conformance-header", f"X-Gateway-Key: {GATEWAY_KEY}")


class Gateway:
    """Answers 403 to every request without the gateway's key, as an API gateway does."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (b"x-gateway-key", GATEWAY_KEY.encode()) not in scope["headers"]:
            body = json.dumps({"message": "Forbidden"}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _plain_error(answer: Answer) -> None:
    if answer.status >= 400:
        answer.headers["content-type"] = "application/problem+json"


@pytest.fixture(scope="module")
def backend_url() -> Iterator[str]:
    """The WEBSALE mock behind a gateway, its login's errors sent as text/plain (an error_body_shape failure only)."""
    app = answer_mutant("websale", "login", _plain_error)(mock_app("websale"), pytest.MonkeyPatch())
    with serve(Gateway(app)) as url:
        yield url


def _pytest(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in (BASE_URL_ENV, TARGET_ENV)}
    command = [sys.executable, "-m", "pytest", "-p", "conformance.pytest_plugin", "--pyargs", "conformance"]
    command += ["-q", "-rs", "-p", "no:cacheprovider", "-p", "no:randomly", "--storefront-base-url", url]
    command += ["--target", "bundled-mock", "--conformance-phase", "scenarios", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False)


def test_operations_header_excluded_check_and_cassette(backend_url: str, tmp_path: Path) -> None:
    cassette = tmp_path / "run.yaml"
    args = (*SESSIONS, *WITH_KEY, "--conformance-exclude-checks", "error_body_shape")
    done = _pytest(backend_url, *args, "--conformance-cassette", str(cassette), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not covered: needs register, getAccount, logout (not selected)" in done.stdout
    interactions = yaml.safe_load(cassette.read_text("utf-8"))["http_interactions"]
    uris = {item["request"]["uri"].split("?")[0] for item in interactions}
    paths = {uri.split("/api/v1", 1)[1] for uri in uris if "/api/v1/" in uri}
    assert paths == {"/session/create", "/account/login"}
    assert all(item["request"]["headers"].get("x-gateway-key") == ["***"] for item in interactions), interactions[0][
        "request"
    ]
    assert GATEWAY_KEY not in cassette.read_text("utf-8")


def test_the_check_left_on_fails_and_only_named_checks_pass(backend_url: str, tmp_path: Path) -> None:
    done = _pytest(backend_url, *SESSIONS, *WITH_KEY, cwd=tmp_path)
    assert done.returncode == 1 and "[error_body_shape]" in done.stdout, done.stdout + done.stderr
    done = _pytest(
        backend_url, *SESSIONS, *WITH_KEY, "--conformance-checks", "status_documented_for_operation", cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    done = _pytest(backend_url, *SESSIONS, "--conformance-checks", "no_such_check", cwd=tmp_path)
    assert done.returncode == 1 and "conformance run not possible" in done.stdout and "no_such_check" in done.stdout


def test_max_failures_skips_what_was_not_run(backend_url: str, tmp_path: Path) -> None:
    done = _pytest(backend_url, *WITH_KEY, "--conformance-max-failures", "1", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, " in done.stdout and "not run: stopped after 1 failure" in done.stdout
    done = _pytest(backend_url, *SESSIONS, cwd=tmp_path)  # without the gateway's key
    assert done.returncode == 1 and "if a gateway or Basic auth guards the backend" in done.stdout, done.stdout
    done = _pytest(
        backend_url, "--conformance-max-failures", "0", "--conformance-cassette", str(tmp_path), cwd=tmp_path
    )
    assert done.returncode == 1 and "--conformance-max-failures must be at least 1" in done.stdout
