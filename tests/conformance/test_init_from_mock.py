"""`storefront-kit init-target --from-mock URL`: a target file from a running mock, that its check passes."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import httpx
import pytest
import yaml

from mock_server.config import ServerConfig
from mock_server.testing import running_mock
from storefront_kit.cli import main as storefront_kit


def _init(contract: str, url: str, path: Path, *extra: str) -> int:
    return storefront_kit(["init-target", "--contract", contract, "--from-mock", url, "--output", str(path), *extra])


@pytest.mark.parametrize("contract", ["websale", "emporix", "optimizely", "zest"])
def test_the_written_target_checks_the_mock_it_came_from(
    contract: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "target.yaml"
    with running_mock(contract=contract) as mock:
        assert _init(contract, mock.base_url, path) == 0
        assert f"--base-url {mock.api_url} --target {path}" in capsys.readouterr().out
        written = yaml.safe_load(path.read_text("utf-8"))
        assert "FILL-IN" not in path.read_text("utf-8")
        code = storefront_kit(
            ["check", "--contract", contract, "--base-url", mock.api_url, "--target", str(path), "--no-progress"]
            + ["--phase", "scenarios"]
        )
        output = capsys.readouterr().out
    assert code == 0, output
    assert "Result: CONFORMS (exit 0)" in output and " 0 not covered" in output
    assert written["settingsControl"] == "mock" and written["clockControl"] == "mock"


def test_settings_and_passwords_are_the_running_mocks(tmp_path: Path) -> None:
    path = tmp_path / "target.yaml"
    with running_mock(contract="optimizely") as mock:
        changed = httpx.patch(
            f"{mock.controls_url}/settings", params={"contract": "optimizely"}, json={"sessionIdleSeconds": 600}
        )
        assert changed.status_code == 200, changed.text
        assert _init("optimizely", mock.api_url, path) == 0  # the API base works as well as the root
    written = yaml.safe_load(path.read_text("utf-8"))
    assert written["settings"]["sessionIdleSeconds"] == 600
    assert written["testData"]["users"]["lockedOut"] == {"userName": "lockedout", "password": "Demo-Password-1"}


def test_a_mock_with_a_control_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "target.yaml"
    config = dataclasses.replace(ServerConfig(port=0), controls_token="s3cret")
    with running_mock(config, contract="zest") as mock:
        assert _init("zest", mock.base_url, path) == 2
        assert "the mock's controls wants a control token (HTTP 401" in capsys.readouterr().err
        assert _init("zest", mock.base_url, path, "--controls-token", "wrong") == 2
        assert "refused the token given with --controls-token" in capsys.readouterr().err
        assert not path.exists()
        assert _init("zest", mock.base_url, path, "--controls-token", "s3cret") == 0
        assert yaml.safe_load(path.read_text("utf-8"))["headers"] == {"X-Mock-Token": "s3cret"}
        code = storefront_kit(
            ["check", "--contract", "zest", "--base-url", mock.api_url, "--target", str(path), "--no-progress"]
            + ["--phase", "scenarios"]
        )
        assert code == 0, capsys.readouterr().out


def test_a_mock_without_controls(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = dataclasses.replace(ServerConfig(port=0), controls=False)
    with running_mock(config, contract="emporix") as mock:
        assert _init("emporix", mock.base_url, tmp_path / "target.yaml") == 2
    err = capsys.readouterr().err
    assert f"--from-mock {mock.base_url}: no mock controls at {mock.base_url}/__mock/accounts (HTTP 404)" in err
    assert "--no-controls" in err


def test_a_mock_of_another_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with running_mock(contract="zest") as mock:
        assert _init("websale", mock.base_url, tmp_path / "target.yaml") == 2
    err = capsys.readouterr().err
    assert "the mock does not serve the websale contract (it serves zest)" in err


def test_a_url_that_does_not_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as bound:  # bound, never listening: connections are refused
        bound.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{bound.getsockname()[1]}"
        assert _init("websale", url, tmp_path / "target.yaml") == 2
    err = capsys.readouterr().err
    assert f"--from-mock {url}: no answer (ConnectError" in err and "storefront-kit serve --contract websale" in err
    assert not (tmp_path / "target.yaml").exists()


def test_controls_token_needs_from_mock(capsys: pytest.CaptureFixture[str]) -> None:
    assert storefront_kit(["init-target", "--controls-token", "x"]) == 2
    assert "--controls-token goes with --from-mock" in capsys.readouterr().err


def test_a_fixture_password_changed_since_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "target.yaml"
    with running_mock(contract="websale") as mock:
        session = httpx.post(f"{mock.api_url}/session/create").json()["id"]
        headers = {"x-session": session}
        login = {"id": "demo@example.com", "password": "Demo-Password-1"}
        assert httpx.post(f"{mock.api_url}/account/login", headers=headers, json=login).status_code == 200
        change = {"newPassword": "Changed-Password-9", "passwordAuth": "Demo-Password-1"}
        assert httpx.post(f"{mock.api_url}/account/password/change", headers=headers, json=change).is_success
        assert _init("websale", mock.base_url, path) == 2
        assert "the mock no longer knows the password of demo@example.com (testData.accountWithOrders)" in (
            capsys.readouterr().err
        )
        assert httpx.post(f"{mock.controls_url}/reset").is_success
        assert _init("websale", mock.base_url, path) == 0
    assert yaml.safe_load(path.read_text("utf-8"))["testData"]["accountWithOrders"]["password"] == "Demo-Password-1"
