"""The kit as an integrator meets it: a backend behind a gateway, output paths, pasteable reproductions."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from kit_helpers import Answer, answer_mutant, mock_app, run_check, serve

from conformance import TargetError, load_target, run
from conformance.reporting import summary, write_report
from conformance.target import bundled_mock_target
from storefront_kit import registry

GATEWAY_KEY = "gw-s3cret-0042"


class Gateway:
    """An API gateway in front of a backend: a request without its key is refused before the backend."""

    def __init__(self, app: Any, header: str = "x-gateway-key", value: str = GATEWAY_KEY, guards: str = "/") -> None:
        self.app, self.header, self.value, self.guards = app, header.encode(), value.encode(), guards
        self.refused: list[str] = []
        self.passed = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http"
            or (self.header, self.value) in scope["headers"]
            or not scope["path"].startswith(self.guards)
        ):
            if scope["type"] == "http":
                self.passed += 1
            await self.app(scope, receive, send)
            return
        self.refused.append(f"{scope['method']} {scope['path']}")
        body = json.dumps({"message": "gateway: missing key"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def test_headers_of_the_target_file_pass_a_gateway_in_scenarios_and_fuzzing(tmp_path: Path) -> None:
    gateway = Gateway(mock_app("websale"))
    target = load_target(None, "websale")
    with pytest.raises(TargetError, match="--header"):  # the gateway refuses the kit's first request
        run(target, "http://testserver/api/v1", contract="websale", operations=["createSession"], app=gateway)
    assert gateway.refused

    gateway.refused.clear()
    behind = dataclasses.replace(target, headers={"X-Gateway-Key": GATEWAY_KEY})
    result = run(
        behind,
        "http://testserver/api/v1",
        contract="websale",
        operations=["createSession"],
        max_examples=2,
        app=gateway,
    )
    assert result.exit_code == 0, [failure.message for failure in result.failures]
    assert not gateway.refused
    assert result.scenarios and result.fuzz[0].cases > 0 and gateway.passed > len(result.scenarios)


def test_a_header_option_is_sent_and_masked_over_a_socket(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gateway = Gateway(mock_app("websale"))
    report = tmp_path / "report.md"
    with serve(gateway) as url:
        without = run_check(
            url, "--phase", "scenarios", "--operation", "createSession", tmp_path=tmp_path, capsys=capsys
        )
        assert without.exit_code == 2 and "403" in without.errors and "--header" in without.errors
        gateway.refused.clear()
        passed = run_check(
            url,
            "--header",
            f"X-Gateway-Key: {GATEWAY_KEY}",
            "--header",
            "X-Unused:  other",
            "--operation",
            "createSession",
            "--max-examples",
            "2",
            "--report",
            str(report),
            tmp_path=tmp_path,
            capsys=capsys,
        )
    assert passed.exit_code == 0, passed.output
    assert not gateway.refused
    assert GATEWAY_KEY not in passed.output + passed.errors + report.read_text("utf-8")


def test_a_masked_header_never_shows_in_a_failure(tmp_path: Path) -> None:
    # The API's gateway asks for another key: every answer is its refusal, with the request that was sent.
    gateway = Gateway(mock_app("websale"), value="another-key", guards="/api/")
    target = dataclasses.replace(load_target(None, "websale"), headers={"X-Gateway-Key": GATEWAY_KEY})
    result = run(
        target,
        "http://testserver/api/v1",
        contract="websale",
        operations=["createSession"],
        phases=["fuzz"],
        max_examples=2,
        app=gateway,
    )
    assert result.failures
    report = tmp_path / "report.html"
    write_report(result, report)
    shown = report.read_text("utf-8")
    assert "X-Gateway-Key: ***" in shown or "x-gateway-key: ***" in shown
    assert GATEWAY_KEY not in shown


@pytest.mark.parametrize("header", ["no colon", "X-Empty:", "Bad Name: value"])
def test_a_malformed_header_option_is_a_usage_error(header: str, capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.cli import main

    assert main(["--base-url", "http://127.0.0.1:9/api/v1", "--header", header, "--no-progress"]) == 2
    assert "'Name: value'" in capsys.readouterr().err


def test_target_file_headers_are_validated(tmp_path: Path) -> None:
    raw = bundled_mock_target(registry.contract("websale")).read_text("utf-8")
    path = tmp_path / "target.yaml"
    path.write_text(raw + "\nheaders: {'Bad Name': x}\n", "utf-8")
    with pytest.raises(TargetError, match="headers"):
        load_target(path, "websale")
    path.write_text(raw + "\nheaders: {X-Gateway-Key: abc}\n", "utf-8")
    assert load_target(path, "websale").headers == {"X-Gateway-Key": "abc"}


def _teapot(answer: Answer) -> None:
    if answer.status == 200:
        answer.status = 418


def test_a_fuzz_reproduction_carries_the_test_session_it_sent(tmp_path: Path) -> None:
    app = answer_mutant("websale", "getAccount", _teapot)(mock_app("websale"), pytest.MonkeyPatch())
    result = run(
        load_target(None, "websale"),
        "http://testserver/api/v1",
        contract="websale",
        focus=["getAccount"],
        phases=["fuzz"],
        max_examples=3,
        app=app,
    )
    messages = "\n".join(failure.message for failure in result.failures)
    assert "reproduce: curl" in messages
    assert "[Filtered]" not in messages
    assert re.search(r"x-session: [0-9a-f]{64}", messages), messages


def test_secrets_the_target_marks_are_masked_and_the_kits_own_test_values_shown(tmp_path: Path) -> None:
    raw = yaml.safe_load(bundled_mock_target(registry.contract("websale")).read_text("utf-8"))
    raw["secrets"] = ["accountWithOrders.password"]
    path = tmp_path / "target.yaml"
    path.write_text(yaml.safe_dump(raw), "utf-8")
    target = load_target(path, "websale")
    assert target.secrets == ("Demo-Password-1",)
    app = answer_mutant("websale", "login", _teapot)(mock_app("websale"), pytest.MonkeyPatch())
    result = run(
        target,
        "http://testserver/api/v1",
        contract="websale",
        focus=["login", "listOrders"],
        phases=["scenarios"],
        app=app,
    )
    report = tmp_path / "report.md"
    write_report(result, report)
    shown = report.read_text("utf-8")
    assert "Demo-Password-1" not in shown
    assert '"password":"***"' in shown.replace(" ", "")  # orders.order_history's login to the target's account
    assert re.search(r'"password": ?"Pw-[0-9a-f]+', shown), "the passwords the kit made up are shown as sent"

    path.write_text(yaml.safe_dump({**raw, "secrets": ["accountWithOrders.nothing"]}), "utf-8")
    with pytest.raises(TargetError, match="accountWithOrders.nothing"):
        load_target(path, "websale")


def test_a_marked_secret_is_masked_inside_basic_credentials() -> None:
    from conformance.http import mask

    sent = "Authorization: Basic " + base64.b64encode(b"client:t0p-secret").decode()
    assert mask(sent, ["t0p-secret"]) == "Authorization: Basic ***"
    assert mask(sent, ["other"]) == sent


def test_the_summary_speaks_plainly_and_the_report_needs_no_emoji_font(tmp_path: Path) -> None:
    result = run(
        load_target(None, "websale"),
        "http://testserver/api/v1",
        contract="websale",
        operations=["createSession"],
        max_examples=2,
        app=mock_app("websale"),
    )
    text = summary(result)
    assert re.search(r"^Fuzz: 1 operation, \d+ cases?, 0 failed$", text, re.MULTILINE), text
    assert "NoLinksFound" not in text and not any("NoLinksFound" in note for note in result.notes)
    for name in ("report.html", "report.md"):
        write_report(result, tmp_path / name)
        shown = (tmp_path / name).read_text("utf-8")
        assert not [char for char in shown if ord(char) >= 0x2190], name  # no arrows, symbols or emoji
        assert "OK" in shown


def _undocumented_code(answer: Answer) -> None:
    if isinstance(answer.body, dict) and answer.body.get("error", {}).get("code") == "invalidCredentials":
        answer.status = 400
        answer.body["error"]["code"] = "passwordCheckFailed"


def test_an_undocumented_code_is_reported_with_the_code_its_cause_should_answer(tmp_path: Path) -> None:
    app = answer_mutant("websale", "login", _undocumented_code)(mock_app("websale"), pytest.MonkeyPatch())
    result = run(
        load_target(None, "websale"),
        "http://testserver/api/v1",
        contract="websale",
        focus=["login"],
        phases=["scenarios"],
        app=app,
    )
    messages = [failure.message for failure in result.failures if failure.rule == "error_code_documented_for_operation"]
    assert messages, [failure.message for failure in result.failures]
    assert re.match(
        r"login answered HTTP 400 passwordCheckFailed; expected HTTP 401 invalidCredentials \(.+\); "
        r"documented for this status: emailCheckFailed, invalidRequest$",
        messages[0],
    ), messages[0]
    assert "expected HTTP 401 invalidCredentials" in summary(result)
