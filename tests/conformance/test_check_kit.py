"""`storefront-kit check` against the real mock: no false alarms, full coverage, honest gaps, and
exit codes that tell a broken contract from an unreachable target or a bad target file."""

from __future__ import annotations

import copy
import gc
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kit_helpers import API, run_check, serve

from conformance.bundled_mock import wait_until_up
from conformance.cli import BASE_URL_ENV, TARGET_ENV
from conformance.scenarios import scenarios_for
from conformance.target import bundled_mock_target
from mock_server.testing import free_port, listening_socket
from storefront_kit import registry

CONTRACT = registry.contract("websale")
BUNDLED_MOCK_PATH = bundled_mock_target(CONTRACT)
SCENARIOS = scenarios_for(registry.kit_profile("websale").scenarios, CONTRACT)
FULL = re.compile(r"Coverage: operations (\d+)/(\d+) \(100\.0%\), documented error codes (\d+)/(\d+) \(100\.0%\)")


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    """The unmodified mock as its own process, the way integrators run it; shared by the tests
    below like a shared backend (each run makes and removes its own accounts)."""
    with listening_socket() as sock:
        port = sock.getsockname()[1]
        command = [sys.executable, "-m", "mock_server", "--fd", str(sock.fileno()), "--log-level", "error"]
        process = subprocess.Popen(command, pass_fds=(sock.fileno(),))
    url = f"http://127.0.0.1:{port}{API}"
    try:
        if not wait_until_up(f"http://127.0.0.1:{port}", process):
            pytest.fail("the mock did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _target(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load(BUNDLED_MOCK_PATH.read_text("utf-8"))
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    path = tmp_path / "target.yaml"
    path.write_text(yaml.safe_dump(raw), "utf-8")
    return path


@pytest.mark.parametrize(
    ("seed", "fuzz"),
    [
        # Other seeds: tests/mock/test_two_paths.py checks the mock with seed 7.
        pytest.param(0, (), id="seed-0-default-settings"),
    ],
)
def test_the_mock_conforms_with_full_coverage(
    mock_url: str, seed: int, fuzz: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.md"
    run = run_check(mock_url, "--seed", str(seed), "--report", str(report), *fuzz, tmp_path=tmp_path, capsys=capsys)
    assert run.exit_code == 0, run.output
    match = FULL.search(run.output)
    assert match, run.output
    assert (
        match.groups()
        == (str(len(CONTRACT.operations)),) * 2
        + (str(sum(len(op.error_codes) for op in CONTRACT.operations.values())),) * 2
    )
    suites = {suite.get("name"): suite for suite in run.junit.iter("testsuite")}
    assert len(suites["conformance.fuzz"].findall("testcase")) == len(CONTRACT.operations)
    assert len(suites["conformance.scenarios"].findall("testcase")) >= 20
    assert "## Coverage matrix" in report.read_text("utf-8")


def test_a_closed_port_is_unreachable_not_a_contract_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_check(f"http://127.0.0.1:{free_port()}{API}", tmp_path=tmp_path, capsys=capsys)
    assert run.exit_code == 3
    assert "TARGET UNREACHABLE" in run.output
    assert not run.rules


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("settings: [unclosed", "not valid YAML", id="not-yaml"),
        pytest.param("settings: {redirects: []}", "storefrontBaseUrl", id="settings-missing-a-field"),
        pytest.param(
            "settings: {storefrontBaseUrl: https://x.example, redirects: []}\nmailbox: {type: pigeon}",
            "mailbox.type",
            id="unknown-mailbox",
        ),
        pytest.param(
            "settings: {storefrontBaseUrl: https://x.example, redirects: []}\nsettingControl: mock",
            "settingControl",
            id="misspelt-key",
        ),
    ],
)
def test_a_bad_target_file_is_a_usage_error(
    content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "target.yaml"
    path.write_text(content, "utf-8")
    run = run_check("http://127.0.0.1:9/api/v1", "--target", str(path), tmp_path=tmp_path, capsys=capsys)
    assert run.exit_code == 2
    assert message in run.errors and "target" in run.errors


def test_usage_errors_exit_2_with_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.cli import main

    assert main(["--base-url", "http://127.0.0.1:9/api/v1", "--report", str(tmp_path / "r.pdf")]) == 2
    assert ".md or .html" in capsys.readouterr().err
    # An unknown operation is refused before the backend is asked anything: nothing listens on
    # port 9, and the answer is the usage error, not the unreachable target.
    assert main(["--base-url", "http://127.0.0.1:9/api/v1", "--operation", "noSuchOperation"]) == 2
    assert "unknown operation id noSuchOperation" in capsys.readouterr().err
    assert main(["--phase", "everything"]) == 2


@pytest.mark.parametrize("option", ["--junit", "--report"])
@pytest.mark.parametrize("where", ["missing-folder", "a-folder", "under-a-file"])
def test_an_output_path_that_cannot_be_written_exits_2_before_any_request(
    option: str, where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conformance.cli import main

    requests: list[str] = []

    async def backend(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        requests.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    (tmp_path / "file").write_text("", "utf-8")
    location = {
        "missing-folder": tmp_path / "nowhere" / "out.html",
        "a-folder": tmp_path,
        "under-a-file": tmp_path / "file" / "out.html",
    }[where]
    with serve(backend) as url:
        code = main(["--base-url", url, "--no-progress", option, str(location)])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert not requests
    assert f"{option} {location}" in captured.err and "Traceback" not in captured.err
    assert "CONFORMS" not in captured.out


def test_a_target_that_contradicts_the_backend_is_a_usage_error(
    mock_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = yaml.safe_load(BUNDLED_MOCK_PATH.read_text("utf-8"))
    raw["settings"]["doubleOptInDeletion"] = True
    path = tmp_path / "target.yaml"
    path.write_text(yaml.safe_dump(raw), "utf-8")
    from conformance.cli import main

    assert main(["--base-url", mock_url, "--target", str(path), "--phase", "scenarios", "--no-progress"]) == 2
    assert "doubleOptInDeletion" in capsys.readouterr().err


def test_what_the_target_cannot_do_is_not_covered_with_its_reason(
    mock_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _target(tmp_path, mailbox={"type": "none"}, forcedErrors=None, settingsControl="none")
    report = tmp_path / "report.html"
    # Only what the test is about: the throttle scenario would wait out the mock's 10 s blocks.
    run = run_check(
        mock_url,
        "--target",
        str(path),
        "--phase",
        "scenarios",
        "--report",
        str(report),
        "--focus",
        "createBackInStock",
        "requestPasswordReset",
        tmp_path=tmp_path,
        capsys=capsys,
    )
    assert run.exit_code == 0, run.output
    text = report.read_text("utf-8")
    assert "needs a forced-error control" in text
    assert "mailbox.type: none" in text
    assert "needs the setting backInStockAllowed = false" in text
    assert not FULL.search(run.output)
    skipped = {case.get("name") for case in run.junit.iter("testcase") if case.find("skipped") is not None}
    assert {"protocol.storage_unavailable", "password.reset_by_email", "back_in_stock.switched_off"} <= skipped


def _pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in (BASE_URL_ENV, TARGET_ENV)}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "conformance.pytest_plugin",
        "--pyargs",
        "conformance",
        "-q",
        "-rs",
        "-p",
        "no:cacheprovider",
        *args,
    ]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=240)


def test_the_pytest_suite_skips_without_a_backend(tmp_path: Path) -> None:
    done = _pytest(cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no backend to check" in done.stdout
    assert " passed" not in done.stdout


def test_the_pytest_plugin_loads_next_to_pytest_base_url(tmp_path: Path) -> None:
    # pytest-base-url (pulled in by pytest-playwright) owns --base-url; a second owner is an error.
    (tmp_path / "owns_base_url.py").write_text(
        "def pytest_addoption(parser):\n    parser.addoption('--base-url', default=None)\n", "utf-8"
    )
    env = {key: value for key, value in os.environ.items() if key not in (BASE_URL_ENV, TARGET_ENV)}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), *filter(None, [env.get("PYTHONPATH")])])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "owns_base_url",
            "-p",
            "conformance.pytest_plugin",
            "-p",
            "no:cacheprovider",
            "--help",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "--storefront-base-url" in done.stdout


def test_the_pytest_suite_runs_against_the_mock(mock_url: str, tmp_path: Path) -> None:
    done = _pytest(
        "--storefront-base-url",
        mock_url,
        "--target",
        str(BUNDLED_MOCK_PATH),
        "--conformance-phase",
        "scenarios",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(SCENARIOS)} passed" in done.stdout


def test_an_http_mailbox_of_the_outbox_shape_serves_the_token_flows(
    mock_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = mock_url[: -len(API)]
    path = _target(tmp_path, mailbox={"type": "http", "url": f"{origin}/__mock/outbox", "waitSeconds": 2})
    run = run_check(
        mock_url,
        "--target",
        str(path),
        "--phase",
        "scenarios",
        "--focus",
        "resetPassword",
        "verifyEmail",
        tmp_path=tmp_path,
        capsys=capsys,
    )
    assert run.exit_code == 0, run.output
    passed = {
        case.get("name")
        for case in run.junit.iter("testcase")
        if case.find("failure") is None and case.find("skipped") is None
    }
    assert {"password.reset_by_email", "profile.email_change_verified"} <= passed


def test_the_kit_never_imports_the_mock() -> None:
    code = (
        "import sys, conformance, conformance.cli, conformance.fuzz, conformance.bundled_mock, "
        "conformance.pytest_plugin\n"
        "from conformance.scenarios import scenarios_of\n"
        "from storefront_kit import registry\n"
        "for name in registry.contract_names(): scenarios_of(registry.kit_profile(name).scenarios)\n"
        "sys.exit(any(name.split('.')[0] == 'mock_server' for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_the_kits_validators_are_kept_per_contract_object() -> None:
    from conformance import checks
    from storefront_kit.contract import Contract

    before = len(checks._VALIDATORS)
    base = registry.contract(registry.default_contract())
    for _ in range(3):
        contract = Contract(copy.deepcopy(base.raw), base.path, base.name)
        operation_id = next(iter(contract.operations))
        first = checks.response_validator(contract, operation_id, 200)
        assert first is not None
        assert checks.response_validator(contract, operation_id, 200) is first
        assert len(checks._VALIDATORS) == before + 1
        del contract, first
        gc.collect()
        assert len(checks._VALIDATORS) == before


def test_a_fuzz_run_leaves_schemathesis_check_registry_as_it_was(
    mock_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schemathesis.checks import CHECKS

    from conformance import fuzz
    from conformance.runner import run
    from conformance.target import load_target

    seen_during: list[str] = []
    original = fuzz._fuzz

    def spying(*args: Any, **kwargs: Any) -> None:
        seen_during.extend(CHECKS.get_all_names())
        original(*args, **kwargs)

    before = CHECKS.get_all_names()
    monkeypatch.setattr(fuzz, "_fuzz", spying)
    result = run(
        load_target(BUNDLED_MOCK_PATH, CONTRACT),
        mock_url,
        contract=CONTRACT,
        phases=("fuzz",),
        operations=["createSession"],
        max_examples=2,
    )
    assert result.unreachable is None
    assert set(fuzz._FUZZ_CHECKS) <= set(seen_during) - set(before)  # the kit's checks, for the run
    # Schemathesis registers its own OpenAPI checks when it first loads a schema; nothing else stays.
    added = [CHECKS.get_one(name) for name in CHECKS.get_all_names() if name not in before]
    assert all(check.__module__.startswith("schemathesis.") for check in added), added
    assert not set(fuzz._FUZZ_CHECKS) & set(CHECKS.get_all_names())
