"""A backend built operation by operation: `--operation` checks what exists, and nothing else is called."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from kit_helpers import mock_app, run_check, serve

from conformance import load_target, run
from conformance.cassette import Cassette
from conformance.errors import ConfigError, NotSelected
from conformance.http import ApiClient
from conformance.results import Outcome
from conformance.scenarios import scenarios_of
from storefront_kit import registry

PROBE_HEADER = b"x-schemathesis-probe"


class PartialBackend:
    """A backend that has only some operations: every other path of its API answers 404, as a web
    framework does for a route it does not know. Counts the requests by path."""

    def __init__(self, contract: str, operations: tuple[str, ...] | None = None) -> None:
        found = registry.contract(contract)
        self.base = found.base_path
        self.app = mock_app(contract)
        self.paths = None if operations is None else {found.operation(op).path for op in operations}
        self.hits: Counter[str] = Counter()
        self.refused: list[str] = []

    def api_paths(self) -> set[str]:
        """The paths of the API the requests went to (not the mock's own control paths)."""
        return {path for path in self.hits if not path.startswith("/__mock/")}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # Over a socket Schemathesis first sends capability probes to a path no operation has
        # (`/schemathesis-probe...`); they are neither counted nor refused here.
        if scope["type"] == "http" and not any(name == PROBE_HEADER for name, _ in scope["headers"]):
            path = scope["path"]
            self.hits[path] += 1
            if (
                self.paths is not None
                and not path.startswith("/__mock/")
                and path.removeprefix(self.base) not in self.paths
            ):
                self.refused.append(f"{scope['method']} {path}")
                body = json.dumps({"detail": "Not Found"}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 404,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def base_url(contract: str) -> str:
    return "http://testserver" + registry.contract(contract).base_path


SESSIONS = ("createSession", "login")


def test_a_backend_with_two_operations_conforms_for_the_two() -> None:
    backend = PartialBackend("websale", SESSIONS)
    result = run(
        load_target(None, "websale"),
        base_url("websale"),
        contract="websale",
        operations=list(SESSIONS),
        max_examples=3,
        app=backend,
    )

    assert result.exit_code == 0, [failure.message for failure in result.failures]
    assert not result.failures
    assert not backend.refused  # no request went to an operation the backend does not have
    assert backend.api_paths() == {"/api/v1/session/create", "/api/v1/account/login"}
    # A flow that checks operations the backend lacks is not run; its cells say what it needs, never a failure.
    needs = "needs register, getAccount, logout (not selected)"
    flow = next(item for item in result.scenarios if item.name == "account.register_login_logout")
    assert flow.outcome is Outcome.NOT_COVERED and flow.reason == needs
    cell = result.cells[("login", "invalidCredentials")]
    assert cell.outcome is Outcome.NOT_COVERED and cell.reason == needs
    # What the two operations can show by themselves is checked, the generic scenarios on a fresh
    # anonymous session: the credential, body and storage codes of both.
    assert result.cells[("login", "emailCheckFailed")].outcome is Outcome.PASSED
    for operation_id, code in (
        ("login", "notLoggedIn"),
        ("login", "redisServiceNotFound"),
        ("createSession", "redisServicePoolInaccessible"),
    ):
        assert result.cells[(operation_id, code)].outcome is Outcome.PASSED, (operation_id, code)
    assert result.codes_covered == (9, 12)
    assert result.operations["createSession"].outcome is Outcome.PASSED
    assert {item.operation_id: item.outcome for item in result.fuzz} == {
        "createSession": Outcome.PASSED,
        "login": Outcome.PASSED,
    }


def test_the_same_partial_backend_over_a_socket(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backend = PartialBackend("websale", SESSIONS)
    with serve(backend) as url:
        checked = run_check(url, "--operation", *SESSIONS, "--max-examples", "2", tmp_path=tmp_path, capsys=capsys)
    assert checked.exit_code == 0, checked.output
    assert "Result: CONFORMS (exit 0)" in checked.output
    assert "login invalidCredentials: needs register, getAccount, logout (not selected)" in checked.output
    assert "FAILED" not in checked.output and not checked.rules
    assert not backend.refused


def test_the_partial_backend_checked_in_full_fails_where_it_is_missing() -> None:
    backend = PartialBackend("websale", SESSIONS)
    result = run(
        load_target(None, "websale"), base_url("websale"), contract="websale", phases=["scenarios"], app=backend
    )

    assert result.exit_code == 1
    broken = {failure.operation_id for failure in result.failures}
    assert "register" in broken and not broken & set(SESSIONS)
    # A cell the flow did not reach names the operation that broke first.
    reason = result.cells[("login", "invalidCredentials")].reason
    assert reason == (
        "scenario account.register_login_logout stopped at an earlier failure of register (documented_success)"
    )


def test_zest_checks_one_catalogue_operation_and_calls_no_other() -> None:
    backend = PartialBackend("zest")  # the full mock, counted
    result = run(
        load_target(None, "zest"),
        base_url("zest"),
        contract="zest",
        operations=["browseCategory"],
        max_examples=3,
        app=backend,
    )

    assert result.exit_code == 0, [failure.message for failure in result.failures]
    assert backend.api_paths() and all(path.startswith("/API/V3/BrowseCategory/") for path in backend.api_paths())
    assert result.cells[("browseCategory", "unknownCategory")].outcome is Outcome.PASSED
    # The generic scenarios need no cart to browse: they send their requests without a session.
    assert result.cells[("browseCategory", "invalidKey")].outcome is Outcome.PASSED


def test_optimizely_checks_a_token_and_the_session_and_calls_nothing_else() -> None:
    backend = PartialBackend("optimizely")
    selected = ["requestToken", "getCurrentSession"]
    result = run(
        load_target(None, "optimizely"),
        base_url("optimizely"),
        contract="optimizely",
        operations=selected,
        max_examples=3,
        app=backend,
    )

    assert result.exit_code == 0, [failure.message for failure in result.failures]
    contract = registry.contract("optimizely")
    assert backend.api_paths() <= {contract.operation(op).path for op in selected}
    fuzzed = {item.operation_id: item for item in result.fuzz}
    assert fuzzed["requestToken"].outcome is Outcome.PASSED
    # Its generated cases need a signed-in token: not covered, for that reason, and never sent.
    assert fuzzed["getCurrentSession"].outcome is Outcome.NOT_COVERED
    assert fuzzed["getCurrentSession"].reason == "needs signIn (not selected)"
    assert not any("NotSelected" in note for note in result.notes)


def test_a_scenario_that_needs_a_missing_operation_sends_nothing() -> None:
    cassette = Cassette()
    result = run(
        load_target(None, "websale"),
        base_url("websale"),
        contract="websale",
        operations=list(SESSIONS),
        phases=["scenarios"],
        app=PartialBackend("websale", SESSIONS),
        cassette=cassette,
    )
    reasons = {item.name: item.reason for item in result.scenarios}
    assert reasons["account.register_login_logout"] == "needs register, getAccount, logout (not selected)"
    sent_by = {interaction["phase"].removeprefix("scenarios: ") for interaction in cassette.interactions}
    assert "account.register_login_logout" not in sent_by  # known up front: not one request sent
    assert "protocol.malformed_body" in sent_by


def test_the_client_sends_nothing_to_an_operation_left_out() -> None:
    contract = registry.contract("websale")
    client = ApiClient("http://testserver/api/v1", contract, selected=frozenset({"createSession"}))
    try:
        with pytest.raises(NotSelected, match=r"^needs register \(not selected\)$"):
            client.call("register", body={"email": "a@example.com", "password": "x"})
        assert client.requests_sent == 0
    finally:
        client.close()


def test_focus_stays_within_the_operations_the_backend_has() -> None:
    with pytest.raises(ConfigError, match=r"--focus login: not among the --operation ids"):
        run(
            load_target(None, "websale"),
            base_url("websale"),
            contract="websale",
            operations=["createSession"],
            focus=["login"],
            app=mock_app("websale"),
        )


ZEST_CART = ("getCart", "addToCart")


def test_zest_scenarios_needing_more_than_the_cart_send_nothing() -> None:
    backend = PartialBackend("zest", ZEST_CART)
    cassette = Cassette()
    result = run(
        load_target(None, "zest"),
        base_url("zest"),
        contract="zest",
        operations=list(ZEST_CART),
        phases=["scenarios"],
        app=backend,
        cassette=cassette,
    )

    assert result.exit_code == 0, [failure.message for failure in result.failures]
    assert not backend.refused
    reasons = {item.name: item.reason for item in result.scenarios if item.outcome is Outcome.NOT_COVERED}
    assert reasons["carts.refusals_leave_the_cart"] == (
        "needs addToNamedCart, replaceCart, replaceNamedCart, getNamedCart (not selected)"
    )
    # One that checks only operations left out is not run at all.
    assert "carts.unknown_items" not in {item.name for item in result.scenarios}
    assert reasons["sessions.sessions_are_isolated"] == "needs getCartItem (not selected)"
    assert "carts.line_quantity_limit" not in reasons
    sent_by = {interaction["phase"].removeprefix("scenarios: ") for interaction in cassette.interactions}
    assert not sent_by & set(reasons)  # known up front: not one request sent
    assert {"sessions.idle_timeout", "sessions.unknown_token_resets"} <= sent_by
    cell = result.cells[("addToCart", "unknownSku")]
    assert cell.outcome is Outcome.NOT_COVERED and cell.reason == reasons["carts.refusals_leave_the_cart"]
    assert result.cells[("addToCart", "badRequest")].outcome is Outcome.PASSED


def test_zest_scenarios_declare_every_operation_they_call() -> None:
    contract = registry.contract("zest")
    cassette = Cassette()
    run(
        load_target(None, "zest"),
        base_url("zest"),
        contract="zest",
        phases=["scenarios"],
        app=mock_app("zest"),
        cassette=cassette,
    )
    routes = [
        (op.method.upper(), re.compile(re.sub(r"\{[^}/]+\}", "[^/]+", op.path) + "$"), op.operation_id)
        for op in contract.operations.values()
    ]
    called: dict[str, set[str]] = {}
    for interaction in cassette.interactions:
        method, path = interaction["request"]["method"], urlsplit(interaction["request"]["uri"]).path
        if path.startswith(contract.base_path + "/"):  # not the mock's controls (settings, clock)
            path = path.removeprefix(contract.base_path)
            found = [op for verb, pattern, op in routes if verb == method and pattern.match(path)]
            called.setdefault(interaction["phase"].removeprefix("scenarios: "), set()).update(found)
    # The generic scenarios and the one of limited keys walk the selected operations themselves.
    walkers = {"keys.keys_limited_to_resources"}
    for item in scenarios_of(registry.kit_profile("zest").scenarios):
        if item.module.startswith("conformance.vendors.zest.") and item.name not in walkers:
            assert called[item.name] <= set(item.calls(contract)), item.name
