"""The command line and the package's public surface."""

from __future__ import annotations

import gc
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import mock_server
from mock_server.cli import _built_objects_frozen, build_parser, config_from_args
from mock_server.config import ServerConfig
from mock_server.testing import listening_socket, running_mock
from storefront_kit import registry
from storefront_kit.cli import main as kit_main

ROOT = Path(__file__).resolve().parents[2]


def test_public_api_is_curated() -> None:
    assert mock_server.__all__ == sorted(mock_server.__all__) == ["ServerConfig", "create_app"]


def test_serve_options_build_the_config() -> None:
    args = build_parser().parse_args(
        [
            "--host",
            "127.0.0.1",
            "--port",
            "9000",
            "--seed",
            "7",
            "--locale",
            "en_US",
            "--cors-origin",
            "http://a.example",
            "--cors-origin",
            "http://b.example",
            "--no-validate-responses",
            "--controls-token",
            "t",
            "--log-level",
            "warning",
            "--no-fast-path",
        ]
    )
    config = config_from_args(args)
    assert config == ServerConfig(
        port=9000,
        seed=7,
        locale="en_US",
        cors_origins=("http://a.example", "http://b.example"),
        validate_responses=False,
        controls_token="t",
        log_level="warning",
        fast_path=False,
    )


def test_serve_defaults_match_the_documented_ones() -> None:
    assert config_from_args(build_parser().parse_args([])) == ServerConfig()


def test_check_without_the_conformance_kit_explains_itself(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "conformance.cli", None)
    assert kit_main(["check", "--base-url", "http://127.0.0.1:1"]) == 2
    assert "conformance kit" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert kit_main(["frobnicate"]) == 2
    assert "usage" in capsys.readouterr().err


@pytest.mark.timeout(60)
def test_python_m_mock_server_prints_urls_and_demo_login_and_answers_quickly() -> None:
    with listening_socket() as sock:
        sock.set_inheritable(True)
        port = sock.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "mock_server", "--fd", str(sock.fileno()), "--log-level", "warning"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            pass_fds=(sock.fileno(),),
        )
    try:
        lines = []
        while process.stdout and not any("Demo login" in line for line in lines):
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/api/v1" in text
        assert f"http://127.0.0.1:{port}/api/v1/ui/" in text
        assert "demo@example.com / Demo-Password-1" in text
        # The port was listening before the mock started: the request waits for it, never refused.
        response = httpx.post(f"http://127.0.0.1:{port}/api/v1/session/create", timeout=20)
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.timeout(60)
def test_a_mock_on_an_inherited_socket_serves_tcp_as_on_its_own_port() -> None:
    """`--fd`: the inherited socket is served as TCP: the access log and the throttle see the client's address."""
    with listening_socket() as sock:
        sock.set_inheritable(True)
        port = sock.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "mock_server", "--fd", str(sock.fileno()), "--log-level", "info"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            pass_fds=(sock.fileno(),),
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=20) as client:
            assert client.post("/session/create").status_code == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert re.search(r'127\.0\.0\.1:\d+ - "POST /api/v1/session/create HTTP/1\.1" 200', output), output[-2000:]


def test_the_app_is_built_without_collections_and_kept_out_of_later_ones() -> None:
    frozen_before = gc.get_freeze_count()
    try:
        with _built_objects_frozen():
            assert not gc.isenabled()
            app = mock_server.create_app(ServerConfig(log_level="warning"))
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen_before
        assert all(tracked is not app for tracked in gc.get_objects())  # frozen: no collection scans it
        with pytest.raises(ValueError), _built_objects_frozen():
            raise ValueError("a broken fixture file")
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_domain_layers_import_no_web_framework() -> None:
    sources = sorted((ROOT / "mock_server" / "vendors").glob("*/domain/*.py"))
    assert {source.parent.parent.name for source in sources} >= {"websale", "emporix"}
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for framework in ("connexion", "starlette", "uvicorn", "httpx"):
            assert f"import {framework}" not in text and f"from {framework}" not in text, (
                f"{source} imports {framework}"
            )


def test_generic_modules_name_no_vendor() -> None:
    generic = [
        path
        for package in ("mock_server", "conformance", "storefront_kit")
        for path in (ROOT / package).rglob("*.py")
        if "vendors" not in path.parts
    ]
    assert len(generic) > 40
    for source in generic:
        text = source.read_text(encoding="utf-8").lower()
        for vendor in registry.contract_names():
            assert vendor not in text, f"{source.relative_to(ROOT)} names {vendor}"


@pytest.mark.parametrize(
    ("argv", "contracts"),
    [
        pytest.param([], (registry.default_contract(),), id="default"),
        pytest.param(["--contract", "emporix"], ("emporix",), id="one"),
        pytest.param(["--contract", "emporix", "--contract", "websale"], ("emporix", "websale"), id="several-in-order"),
        pytest.param(["--contract", "all"], tuple(registry.contract_names()), id="all"),
    ],
)
def test_serve_takes_the_contracts_to_serve(argv: list[str], contracts: tuple[str, ...]) -> None:
    assert config_from_args(build_parser().parse_args(argv)).contracts == contracts


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["serve", "--contract", "nosuchvendor"], "no contract named nosuchvendor", id="unknown-contract"),
        pytest.param(
            ["serve", "--contract", "all", "--fixtures", "x.yaml"],
            "--fixtures belongs to one contract",
            id="fixtures-for-several",
        ),
        pytest.param(
            ["check", "--contract", "nosuchvendor", "--base-url", "http://127.0.0.1:1"],
            "no contract named 'nosuchvendor'",
            id="check-unknown-contract",
        ),
    ],
)
def test_a_wrong_contract_is_a_usage_error(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert kit_main(argv) == 2
    assert message in capsys.readouterr().err


def test_the_default_contract_is_the_registered_one_and_listed_first() -> None:
    assert registry.default_contract() == registry.contract_names()[0] == "websale"
    assert ServerConfig().contracts == ("websale",)


def test_version_and_contracts_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert kit_main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("storefront-kit ")
    assert kit_main(["contracts"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split()[:4] == ["name", "operations", "serve", "check"]
    for name in registry.contract_names():
        row = next(line for line in listing if line.startswith(name + " "))
        assert str(len(registry.contract(name).operations)) in row.split()


def test_an_app_outside_the_command_line_leaves_the_garbage_collector_alone() -> None:
    frozen_before = gc.get_freeze_count()
    with running_mock(contract="emporix") as first, running_mock() as second:
        assert httpx.get(first.controls_url + "/outbox").status_code == 200
        assert httpx.get(second.controls_url + "/outbox").status_code == 200
    assert gc.get_freeze_count() == frozen_before
