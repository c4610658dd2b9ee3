"""The Emporix mock keeps its state in every shared backend: two worker processes, one tenant."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from servers import REPO_ROOT, MockProcess, two_worker_mock

TENANT, STOREFRONT = "demoshop", "demo-storefront"


@pytest.fixture(params=["sqlite", "redis"])
def two_workers(request: pytest.FixtureRequest, tmp_path: Path) -> MockProcess:
    return two_worker_mock(request, tmp_path, "emporix")


def _each_worker(call: Callable[[httpx.Client], httpx.Response], times: int = 8) -> list[httpx.Response]:
    # A new connection per request, so that both workers answer some of them.
    answers = []
    for _ in range(times):
        with httpx.Client(timeout=10) as client:
            answers.append(call(client))
    return answers


def test_a_session_opened_by_one_worker_is_read_and_changed_by_both(two_workers: MockProcess) -> None:
    root = two_workers.root_url
    login = httpx.get(f"{root}/customerlogin/auth/anonymous/login", params={"tenant": TENANT, "client_id": STOREFRONT})
    assert login.status_code == 200, login.text
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    own = f"{root}/session-context/{TENANT}/me/context"
    for key in range(6):
        added = httpx.post(f"{own}/attributes", headers=bearer, json={"key": f"k{key}", "value": "v"}, timeout=10)
        assert added.status_code == 201, added.text
    reads = _each_worker(lambda client: client.get(own, headers=bearer))
    assert {read.status_code for read in reads} == {200}
    assert all(sorted(read.json()["context"]) == [f"k{key}" for key in range(6)] for read in reads)
    assert {read.json()["metadata"]["version"] for read in reads} == {7}


def test_the_conformance_scenarios_pass_against_two_workers(two_workers: MockProcess) -> None:
    command = [
        sys.executable,
        "-m",
        "storefront_kit.cli",
        "check",
        "--contract",
        "emporix",
        "--base-url",
        two_workers.api_url,
        "--phase",
        "scenarios",
        "--no-progress",
    ]
    finished = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert finished.returncode == 0, finished.stdout[-4000:] + finished.stderr[-4000:]
