"""The check's options for a real run: --max-failures, --checks/--exclude-checks, --cassette, init-target,
and a test account of the target file that the backend refuses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from kit_helpers import Answer, answer_mutant, mock_app, run_check, serve

from conformance import TargetError, load_target, run
from conformance.cassette import Cassette
from conformance.cli import main as check
from conformance.init_target import starter_target
from conformance.reporting import summary, write_report
from conformance.results import Outcome
from conformance.target import bundled_mock_target
from storefront_kit import registry
from storefront_kit.cli import main as storefront_kit

BASE = "http://testserver/api/v1"


def _teapot(answer: Answer) -> None:
    if answer.status == 200:
        answer.status = 418


def _broken_login_app() -> Any:
    """The WEBSALE mock whose login answers 418 where it should succeed: every flow that logs in fails."""
    return answer_mutant("websale", "login", _teapot)(mock_app("websale"), pytest.MonkeyPatch())


# -- --max-failures ---------------------------------------------------------------------------------


def test_max_failures_stops_the_run_and_says_so() -> None:
    target = load_target(None, "websale")
    full = run(target, BASE, contract="websale", focus=["login"], phases=["scenarios"], app=_broken_login_app())
    assert len(full.failures) > 1 and full.stopped is None

    result = run(
        target,
        BASE,
        contract="websale",
        focus=["login"],
        max_failures=1,
        max_examples=2,
        app=_broken_login_app(),
    )
    assert len(result.failures) == 1
    assert result.stopped == "stopped after 1 failure (--max-failures 1)"
    assert result.exit_code == 1
    assert not result.fuzz  # the fuzz phase was not run
    after = [item for item in result.scenarios if item.reason.startswith("not run: stopped after 1 failure")]
    assert after and all(item.outcome is Outcome.NOT_COVERED for item in after)
    text = summary(result)
    assert "Stopped early: stopped after 1 failure (--max-failures 1); the rest was not run" in text


def test_max_failures_limits_the_fuzz_phase() -> None:
    app = answer_mutant("websale", "getAccount", _teapot)(mock_app("websale"), pytest.MonkeyPatch())
    result = run(
        load_target(None, "websale"),
        BASE,
        contract="websale",
        focus=["getAccount"],
        phases=["fuzz"],
        max_examples=3,
        max_failures=1,
        app=app,
    )
    assert result.failures and result.stopped is not None and "--max-failures" in result.stopped


def test_max_failures_below_one_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert check(["--base-url", "http://127.0.0.1:9/api/v1", "--max-failures", "0", "--no-progress"]) == 2
    assert "--max-failures must be at least 1" in capsys.readouterr().err


# -- --checks / --exclude-checks --------------------------------------------------------------------


def test_an_unknown_check_name_lists_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert check(["--base-url", "http://127.0.0.1:9/api/v1", "--exclude-checks", "no_such_check", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "unknown check no_such_check" in err
    for listed in ("error_body_shape (kit)", "session_id_format (kit)", "not_a_server_error (Schemathesis)"):
        assert listed in err


def test_excluded_checks_are_not_made_and_the_report_says_why(tmp_path: Path) -> None:
    app = answer_mutant("websale", "getAccount", _teapot)(mock_app("websale"), pytest.MonkeyPatch())
    target = load_target(None, "websale")
    options: dict[str, Any] = {"contract": "websale", "focus": ["getAccount"], "phases": ["fuzz"], "max_examples": 3}
    found = {failure.rule for failure in run(target, BASE, app=app, **options).failures}
    assert {"status_code_conformance", "error_body_shape"} <= found

    result = run(target, BASE, app=app, exclude_checks=["status_code_conformance", "error_body_shape"], **options)
    rules = {failure.rule for failure in result.failures}
    assert not rules & {"status_code_conformance", "error_body_shape"}
    assert result.checks_off == {
        "status_code_conformance": "off (--exclude-checks)",
        "error_body_shape": "off (--exclude-checks)",
    }
    assert "Checks off (--exclude-checks): error_body_shape, status_code_conformance" in summary(result)


def test_only_the_named_checks_run_in_the_scenarios() -> None:
    def wrong_media_type(answer: Answer) -> None:
        if answer.status >= 400:
            answer.headers["content-type"] = "text/plain"

    app = answer_mutant("websale", "login", wrong_media_type)(mock_app("websale"), pytest.MonkeyPatch())
    target = load_target(None, "websale")
    options: dict[str, Any] = {"contract": "websale", "focus": ["login"], "phases": ["scenarios"]}
    assert "error_body_shape" in {failure.rule for failure in run(target, BASE, app=app, **options).failures}

    result = run(target, BASE, app=app, checks=["status_documented_for_operation"], **options)
    assert "error_body_shape" not in {failure.rule for failure in result.failures}
    assert result.checks_off["error_body_shape"] == "off (not named by --checks)"
    assert "status_documented_for_operation" not in result.checks_off


# -- --cassette -------------------------------------------------------------------------------------


def test_the_cassette_holds_every_request_of_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cassette = tmp_path / "run.yaml"
    with serve(mock_app("websale")) as url:
        checked = run_check(
            url,
            "--operation",
            "createSession",
            "--max-examples",
            "2",
            "--header",
            "X-Gateway-Key: gw-s3cret",
            "--cassette",
            str(cassette),
            tmp_path=tmp_path,
            capsys=capsys,
        )
    assert checked.exit_code == 0, checked.output
    kit_requests = int(re.search(r"(\d+) kit requests", checked.output).group(1))  # type: ignore[union-attr]
    recorded = yaml.safe_load(cassette.read_text("utf-8"))
    assert recorded["command"].startswith("storefront-kit check --base-url")
    assert recorded["seed"] == 0 and "Schemathesis" in recorded["recorded_with"]
    interactions = recorded["http_interactions"]
    phases = [item["phase"] for item in interactions]
    assert any(phase.startswith("scenarios: ") for phase in phases)
    generated = [phase for phase in phases if phase.startswith("fuzz: ") and phase != "fuzz: kit requests"]
    assert generated and len(phases) - len(generated) == kit_requests
    first = interactions[0]
    assert first["request"]["method"] == "POST" and first["request"]["uri"].startswith(url)
    assert first["response"]["status"]["code"] == "200" and "body" in first["response"]
    sent = [{name.lower(): values for name, values in item["request"]["headers"].items()} for item in interactions]
    assert all(headers.get("x-gateway-key") == ["***"] for headers in sent), sent  # masked as in reports
    assert "gw-s3cret" not in cassette.read_text("utf-8")


def test_the_cassette_path_is_checked_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-folder" / "run.yaml"
    assert check(["--base-url", "http://127.0.0.1:9/api/v1", "--cassette", str(missing), "--no-progress"]) == 2
    assert "--cassette" in capsys.readouterr().err


def test_the_cassette_masks_the_targets_secrets() -> None:
    cassette = Cassette(secrets=("t0p",))
    cassette.record(
        method="post",
        uri="http://h/x?key=t0p",
        request_headers=[("X-Key", "t0p")],
        request_body=b'{"password": "t0p"}',
        status=201,
        response_headers=[],
        response_body=b"\xff\xfe",
        elapsed=0.1,
        operation_id="x",
    )
    (item,) = cassette.interactions
    assert item["request"]["uri"] == "http://h/x?key=***" and item["request"]["headers"] == {"X-Key": ["***"]}
    assert item["request"]["body"]["string"] == '{"password": "***"}'
    assert item["response"]["body"] == {"encoding": "utf-8", "base64_string": "//4="}
    assert item["response"]["status"] == {"code": "201", "message": "Created"}


# -- init-target ------------------------------------------------------------------------------------


@pytest.mark.parametrize("contract", ["websale", "emporix", "optimizely", "zest"])
def test_an_unfilled_starter_target_names_its_keys(contract: str, tmp_path: Path) -> None:
    path = tmp_path / "target.yaml"
    assert storefront_kit(["init-target", "--contract", contract, "--output", str(path)]) == 0
    text = path.read_text("utf-8")
    assert text.startswith("# storefront-kit conformance target") and "FILL-IN" in text
    # Every key of the target file's own schema is written, with the parser's defaults.
    written = yaml.safe_load(text)
    assert {"mailbox", "settingsControl", "clockControl", "expiry", "limits"} <= set(written)
    assert written["limits"] == {"oversizedBodyBytes": 1_048_576, "requestTimeoutSeconds": 10}
    with pytest.raises(TargetError, match="is not filled in: replace the FILL-IN values of ") as raised:
        load_target(path, contract)
    message = str(raised.value)
    profile_keys = registry.kit_profile(contract).test_data_schema["properties"]
    assert all(f"testData.{key}" in message for key in profile_keys if key != "emailDomain"), message


def test_a_filled_starter_target_checks_the_mock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contract = registry.contract("websale")
    starter = yaml.safe_load(starter_target(contract))
    bundled = yaml.safe_load(bundled_mock_target(contract).read_text("utf-8"))
    starter["settings"].update(storefrontBaseUrl=bundled["settings"]["storefrontBaseUrl"])
    starter["settings"]["redirects"] = bundled["settings"]["redirects"]
    starter["testData"] = bundled["testData"]
    path = tmp_path / "filled.yaml"
    path.write_text(yaml.safe_dump(starter), "utf-8")
    assert load_target(path, "websale").test_data == bundled["testData"]

    unfilled = tmp_path / "unfilled.yaml"
    assert storefront_kit(["init-target", "--output", str(unfilled)]) == 0
    assert check(["--base-url", "http://127.0.0.1:9/api/v1", "--target", str(unfilled), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "settings.storefrontBaseUrl" in err and "testData.accountWithOrders.password" in err
    assert storefront_kit(["init-target", "--output", str(unfilled)]) == 2  # never overwritten unasked
    assert "--force" in capsys.readouterr().err


# -- target data --------------------------------------------------------------------------------------


def test_a_wrong_password_of_the_targets_account_is_a_target_data_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As after the README's password-reset example: the account's password is no longer the file's.
    raw = yaml.safe_load(bundled_mock_target(registry.contract("websale")).read_text("utf-8"))
    raw["testData"]["accountWithOrders"]["password"] = "Changed-Password-9"
    path = tmp_path / "target.yaml"
    path.write_text(yaml.safe_dump(raw), "utf-8")
    with serve(mock_app("websale")) as url:
        checked = run_check(
            url,
            "--target",
            str(path),
            "--phase",
            "scenarios",
            "--focus",
            "listOrders",
            "getOrder",
            tmp_path=tmp_path,
            capsys=capsys,
        )
    assert checked.exit_code == 2, checked.output
    assert not checked.rules  # no contract failure
    assert (
        "Target data error: testData.accountWithOrders: login answered HTTP 401 invalidCredentials "
        "(logging in with the right password); fix the target file or the backend's test data"
    ) in checked.output
    assert "  blocked: orders.order_history" in checked.output
    assert "Result: TARGET DATA ERROR (exit 2)" in checked.output


def test_one_unusable_account_is_reported_once_with_every_scenario_it_blocked(tmp_path: Path) -> None:
    raw = yaml.safe_load(bundled_mock_target(registry.contract("emporix")).read_text("utf-8"))
    raw["testData"]["customer"]["password"] = "wrong-password-9"
    from conformance.target import parse_target

    contract = registry.contract("emporix")
    target = parse_target(raw, contract, "target", registry.kit_profile("emporix").test_data_schema)
    result = run(
        target,
        "http://testserver",
        contract="emporix",
        phases=["scenarios"],
        focus=["customerLogin", "customerRefresh", "customerLogout"],
        app=mock_app("emporix"),
    )
    assert result.exit_code == 2
    assert list(result.target_data) == ["testData.customer"]
    problem = result.target_data["testData.customer"]
    assert problem.message.startswith("customerLogin answered HTTP 401")
    assert len(problem.blocked) >= 2, problem.blocked
    assert not [failure for failure in result.failures if failure.operation_id == "customerLogin"]
    for name in ("report.md", "report.html"):
        write_report(result, tmp_path / name)
        shown = (tmp_path / name).read_text("utf-8")
        assert "Target data errors" in shown and "testData.customer" in shown and problem.blocked[-1] in shown


# -- coverage -----------------------------------------------------------------------------------------


def test_an_operation_that_only_failed_is_not_covered() -> None:
    result = run(
        load_target(None, "websale"),
        BASE,
        contract="websale",
        focus=["login"],
        phases=["scenarios"],
        app=_broken_login_app(),
    )
    assert result.operations["login"].outcome is Outcome.FAILED
    assert not result.operations["login"].verified
    assert result.operations_covered == (0, 1)
    failed = [cell for cell in result.cells.values() if cell.outcome is Outcome.FAILED]
    passed = [cell for cell in result.cells.values() if cell.outcome is Outcome.PASSED]
    assert result.codes_covered == (len(passed), len(result.cells))
    assert not failed or result.codes_covered[0] < len(result.cells)


# -- one root cause -----------------------------------------------------------------------------------


def _short_session_id(answer: Answer) -> None:
    if answer.status == 200 and isinstance(answer.body, dict) and isinstance(answer.body.get("id"), str):
        answer.body["id"] = answer.body["id"][:32]


def test_one_broken_rule_is_summarised_once_with_where_it_showed() -> None:
    app = answer_mutant("websale", "createSession", _short_session_id)(mock_app("websale"), pytest.MonkeyPatch())
    result = run(
        load_target(None, "websale"),
        BASE,
        contract="websale",
        focus=["createSession", "login"],
        phases=["scenarios"],
        app=app,
    )
    failed = [item.name for item in result.scenarios if item.outcome is Outcome.FAILED]
    assert len(failed) > 2 and {failure.rule for failure in result.failures} == {"session_id_format"}
    text = summary(result)
    assert f"Failures ({len(result.failures)}, 1 root cause):" in text, text
    assert len([line for line in text.splitlines() if line.startswith("  [session_id_format]")]) == 1
    assert f"    the same break in {len(failed)} places: {', '.join(failed[:5])}" in text


def _refuse_every_login(answer: Answer) -> None:
    if answer.status == 200:
        answer.status = 401
        answer.body = {"error": {"code": "invalidCredentials", "message": "wrong e-mail address or password"}}


def test_a_backend_that_refuses_every_login_is_a_contract_failure_first() -> None:
    app = answer_mutant("websale", "login", _refuse_every_login)(mock_app("websale"), pytest.MonkeyPatch())
    result = run(
        load_target(None, "websale"),
        BASE,
        contract="websale",
        focus=["login", "listOrders"],
        phases=["scenarios"],
        app=app,
    )
    # The target's account is refused like the kit's own: the broken contract decides the exit code.
    assert "testData.accountWithOrders" in result.target_data
    assert any(failure.operation_id == "login" for failure in result.failures)
    assert result.exit_code == 1
    assert "Result: CONTRACT FAILURES (exit 1)" in summary(result)
