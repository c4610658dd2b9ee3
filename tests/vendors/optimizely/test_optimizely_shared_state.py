"""The Optimizely mock keeps its state in every shared backend: two worker processes, one website."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from servers import REPO_ROOT, MockProcess, two_worker_mock

SESSION = "/api/v1/sessions/current"
LANGUAGES = ["0e71cba2-8a53-5b78-8abe-d0b53631cfeb", "972ab84f-88cb-5622-9211-38e3152e632a"]  # de-de, fr-fr


@pytest.fixture(params=["sqlite", "redis"])
def two_workers(request: pytest.FixtureRequest, tmp_path: Path) -> MockProcess:
    return two_worker_mock(request, tmp_path, "optimizely")


def test_a_signed_in_session_is_read_and_changed_by_both_workers(two_workers: MockProcess) -> None:
    root = two_workers.root_url
    token = httpx.post(
        f"{root}/identity/connect/token",
        auth=("isc", "any"),
        timeout=10,
        data={"grant_type": "password", "username": "demo", "password": "Demo-Password-1"},
    )
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    signed_in = httpx.post(
        f"{root}/api/v1/sessions", headers=bearer, timeout=10, json={"userName": "demo", "password": "Demo-Password-1"}
    )
    assert signed_in.status_code == 201, signed_in.text
    # A new connection per request, so that both workers answer some of them.
    for number in range(8):
        with httpx.Client(timeout=10) as client:
            changed = client.patch(root + SESSION, headers=bearer, json={"language": {"id": LANGUAGES[number % 2]}})
            assert changed.status_code == 200, changed.text
        with httpx.Client(timeout=10) as client:
            read = client.get(root + SESSION, headers=bearer).json()
        assert (read["userName"], read["language"]["id"]) == ("demo", LANGUAGES[number % 2])


def test_the_conformance_scenarios_pass_against_two_workers(two_workers: MockProcess) -> None:
    command = [
        sys.executable,
        "-m",
        "storefront_kit.cli",
        "check",
        "--contract",
        "optimizely",
        "--base-url",
        two_workers.api_url,
        "--phase",
        "scenarios",
        "--no-progress",
    ]
    finished = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert finished.returncode == 0, finished.stdout[-4000:] + finished.stderr[-4000:]
