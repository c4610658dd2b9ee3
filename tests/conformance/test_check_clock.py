"""`clockControl` in a target file: the kit moves the backend's clock on instead of waiting."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
import yaml
from kit_helpers import run_check, serve

from conformance.target import bundled_mock_target
from mock_server.app import create_app
from mock_server.config import ServerConfig
from storefront_kit import registry

CONTRACT = registry.contract("websale")
# The operations the lifetimes scenario checks (an idle session, autologin and opt-in tokens).
EXPIRY_OPERATIONS = ("getAccount", "prepareRedirect", "autologin", "verifyEmail")


def _target(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load(bundled_mock_target(CONTRACT).read_text("utf-8"))
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    path = tmp_path / "target.yaml"
    path.write_text(yaml.safe_dump(raw), "utf-8")
    return path


def test_the_kit_checks_lifetimes_by_moving_the_clock_of_the_mock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A wait longer than any test would sleep: only a moved clock lets the scenario pass.
    target = _target(tmp_path, expiry={"maxWaitSeconds": 0})
    with serve(create_app(ServerConfig(port=0, log_level="error"))) as url:
        run = run_check(
            url,
            "--target",
            str(target),
            "--phase",
            "scenarios",
            "--focus",
            *EXPIRY_OPERATIONS,
            tmp_path=tmp_path,
            capsys=capsys,
        )
        offset = httpx.get(url.replace(CONTRACT.base_path, "") + "/__mock/clock").json()["offsetSeconds"]
    assert run.exit_code == 0, run.output + run.errors
    assert re.search(r"Scenarios: [1-9]\d* passed, 0 failed, 0 not covered", run.output), run.output
    assert offset >= 3  # the scenario's shortened lifetimes (2 s) and one second more


def test_without_a_clock_control_long_lifetimes_are_not_covered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _target(tmp_path, expiry={"maxWaitSeconds": 0}, clockControl="none")
    with serve(create_app(ServerConfig(port=0, log_level="error"))) as url:
        run = run_check(
            url,
            "--target",
            str(target),
            "--phase",
            "scenarios",
            "--focus",
            *EXPIRY_OPERATIONS,
            tmp_path=tmp_path,
            capsys=capsys,
        )
        offset = httpx.get(url.replace(CONTRACT.base_path, "") + "/__mock/clock").json()["offsetSeconds"]
    assert run.exit_code == 0, run.output + run.errors
    assert re.search(r"Scenarios: \d+ passed, 0 failed, 1 not covered", run.output), run.output
    assert "nor clockControl" in ET.tostring(run.junit, encoding="unicode")
    assert offset == 0


def test_a_clock_control_the_backend_lacks_is_a_target_file_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _target(tmp_path, settingsControl="none", mailbox={"type": "none"}, forcedErrors=None)
    with serve(create_app(ServerConfig(port=0, log_level="error", controls=False))) as url:
        run = run_check(url, "--target", str(target), "--phase", "scenarios", tmp_path=tmp_path, capsys=capsys)
    assert run.exit_code == 2
    assert "clockControl" in run.errors
