"""The validation proxy over real sockets: the project's mock and a deliberately wrong backend behind it."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.cli import main as check
from conformance.proxy import VIOLATIONS_HEADER, ProxyConfig, create_proxy
from mock_server.testing import free_port, running_mock
from storefront_kit import registry
from storefront_kit.journal import Journal

API = "/api/v1"


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """`app` on a free loopback port in a thread until the block ends; yields its origin."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def proxy_to(upstream: str, contract: str = "websale", **options: Any) -> Iterator[str]:
    with serving(create_proxy(ProxyConfig(contract=contract, upstream=upstream, **options))) as origin:
        yield origin


def _error(status: int, code: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": "refused"}}, status, headers=headers)


class WrongBackend:
    """A WEBSALE backend that breaks the contract in one way per route; `release` frees a stuck call."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.app = Starlette(
            routes=[
                Route(f"{API}/session/create", self.teapot, methods=["POST"]),
                Route(f"{API}/account/logout", self.undocumented_code, methods=["POST"]),
                Route(f"{API}/account/login", self.throttle_without_retry_after, methods=["POST"]),
                Route(f"{API}/account/get", self.bad_body, methods=["GET"]),
                Route(f"{API}/account/address/fields", self.stuck, methods=["GET"]),
            ]
        )

    async def teapot(self, request: Request) -> Response:
        return _error(418, "teapot")

    async def undocumented_code(self, request: Request) -> Response:
        return _error(401, "invalidCredentials")  # logout documents only notLoggedIn for 401

    async def throttle_without_retry_after(self, request: Request) -> Response:
        return _error(429, "loginBlocked")

    async def bad_body(self, request: Request) -> Response:
        return JSONResponse({"loggedIn": "yes"})

    async def stuck(self, request: Request) -> Response:
        await self.release.wait()
        return JSONResponse({})


@pytest.fixture
def wrong_backend() -> Iterator[str]:
    backend = WrongBackend()
    with serving(backend.app) as origin:
        try:
            yield origin
        finally:
            backend.release.set()


def _journal(proxy: str, **query: Any) -> list[dict[str, Any]]:
    answer = httpx.get(f"{proxy}/__mock/requests", params=query)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["requests"])


def test_a_conforming_exchange_passes_through_unchanged_and_is_journaled() -> None:
    with running_mock() as mock, proxy_to(mock.base_url) as proxy:
        direct = httpx.post(f"{mock.api_url}/session/create")
        through = httpx.post(f"{proxy}{API}/session/create")
        assert through.status_code == direct.status_code == 200
        assert set(through.json()) == set(direct.json()) == {"id"}
        assert VIOLATIONS_HEADER not in through.headers
        session = through.json()["id"]

        login = httpx.post(
            f"{proxy}{API}/account/login",
            headers={"x-session": session, "X-Custom": "kept"},
            json={"id": "nobody@example.com", "password": "Wrong-password-1"},
        )
        assert login.status_code == 401
        assert login.json()["error"]["code"] == "invalidCredentials"
        assert VIOLATIONS_HEADER not in login.headers

        entries = _journal(proxy)
        assert [entry["operationId"] for entry in entries] == ["createSession", "login"]
        assert [entry["verdict"] for entry in entries] == [
            {"ok": True, "refusedBy": None, "violations": []},
            {
                "ok": False,
                "refusedBy": {
                    "rule": "backend",
                    "code": "invalidCredentials",
                    "reason": "The backend answered HTTP 401 invalidCredentials.",
                },
                "violations": [],
            },
        ]
        assert entries[1]["status"] == 401 and entries[1]["code"] == "invalidCredentials"
        assert entries[1]["request"]["headers"]["x-session"] == session[:4] + "***"
        assert "Wrong-password-1" not in entries[1]["request"]["body"]
        assert [entry["id"] for entry in _journal(proxy, session=session)] == [entries[1]["id"]]
        assert entries[1]["request"]["headers"]["x-custom"] == "kept"
        assert entries[1]["contract"] == "websale"
        assert _journal(proxy, operation="login")[0]["id"] == entries[1]["id"]


def test_the_request_is_forwarded_unchanged() -> None:
    seen: dict[str, Any] = {}

    async def echo(request: Request) -> Response:
        seen.update(
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            headers=dict(request.headers),
            body=await request.body(),
        )
        return Response(b'{"id": "x"}', 200, headers={"set-cookie": "a=1", "x-upstream": "yes"})

    backend = Starlette(routes=[Route("/{rest:path}", echo, methods=["POST"])])
    with serving(backend) as origin, proxy_to(origin) as proxy:
        answer = httpx.post(
            f"{proxy}{API}/session/create?b=2&a=%20x",
            headers={
                "X-Trace": "t-1",
                "Content-Type": "application/json",
                "Connection": "keep-alive, x-hop",
                "X-Hop": "1",
            },
            content=b'{"raw": true}',
        )
    assert answer.status_code == 200
    assert answer.content == b'{"id": "x"}'
    assert answer.headers["x-upstream"] == "yes" and answer.headers["set-cookie"] == "a=1"
    assert seen["method"] == "POST" and seen["path"] == f"{API}/session/create"
    assert seen["query"] == "b=2&a=%20x"
    assert seen["body"] == b'{"raw": true}'
    assert seen["headers"]["x-trace"] == "t-1"
    assert "x-hop" not in seen["headers"]  # named by Connection: this hop's only
    assert "user-agent" in seen["headers"] and "python-httpx" in seen["headers"]["user-agent"]  # the client's own
    assert seen["headers"]["host"] == origin.removeprefix("http://")


@pytest.mark.parametrize(
    ("method", "path", "rule", "status"),
    [
        pytest.param("POST", "/session/create", "status_documented_for_operation", 418, id="wrong-status"),
        pytest.param("POST", "/account/logout", "error_code_documented_for_operation", 401, id="undocumented-code"),
        pytest.param("POST", "/account/login", "retry_after_on_throttle", 429, id="missing-retry-after"),
        pytest.param("GET", "/account/get", "response_matches_schema", 200, id="bad-body"),
    ],
)
def test_an_answer_that_breaks_the_contract_is_reported(
    wrong_backend: str, method: str, path: str, rule: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"id": "a@example.com", "password": "Secret-123"} if path.endswith("login") else None
    with proxy_to(wrong_backend) as proxy:
        answer = httpx.request(method, f"{proxy}{API}{path}", headers={"x-session": "s" * 64}, json=body)
        assert answer.status_code == status  # passed through unchanged
        header = answer.headers[VIOLATIONS_HEADER]
        assert header.startswith("1 violation (") and rule in header
        entry = _journal(proxy)[-1]
        assert header.endswith(f"see /__mock/requests/{entry['id']}")
        assert entry["verdict"]["ok"] is False
        [sentence] = entry["verdict"]["violations"]
        assert f"HTTP {status}" in sentence
        assert httpx.get(f"{proxy}/__mock/requests/{entry['id']}").json() == entry
    assert any(record.levelname == "WARNING" and sentence in record.getMessage() for record in caplog.records)


def test_strict_turns_a_broken_answer_into_a_502_with_the_violations(wrong_backend: str) -> None:
    with proxy_to(wrong_backend, strict=True) as proxy:
        answer = httpx.post(f"{proxy}{API}/account/logout", headers={"x-session": "s" * 64})
        assert answer.status_code == 502
        error = answer.json()["proxyError"]
        assert error["reason"] == "contractViolation" and error["upstreamStatus"] == 401
        assert error["rules"] == ["error_code_documented_for_operation"]
        assert "invalidCredentials" in error["violations"][0]
        assert error["journal"] == f"/__mock/requests/{_journal(proxy)[-1]['id']}"
        assert _journal(proxy)[-1]["status"] == 401  # the journal keeps what the backend answered


def test_strict_passes_a_conforming_answer(wrong_backend: str) -> None:
    with running_mock() as mock, proxy_to(mock.base_url, strict=True) as proxy:
        assert httpx.post(f"{proxy}{API}/session/create").status_code == 200


def test_a_request_that_breaks_the_contract_is_reported_but_not_a_strict_502() -> None:
    with running_mock() as mock, proxy_to(mock.base_url, strict=True) as proxy:
        session = httpx.post(f"{proxy}{API}/session/create").json()["id"]
        answer = httpx.post(f"{proxy}{API}/account/login", headers={"x-session": session}, json={"id": "not-an-email"})
        assert answer.status_code == 400  # the backend's refusal is the right answer
        assert "request_body_matches_schema" in answer.headers[VIOLATIONS_HEADER]
        [sentence] = _journal(proxy)[-1]["verdict"]["violations"]
        assert sentence.startswith("The request to login has a body that breaks its schema")
        assert "password" in sentence

        unknown = httpx.get(f"{proxy}{API}/nowhere")
        assert "request_operation_documented" in unknown.headers[VIOLATIONS_HEADER]
        listed = httpx.get(f"{proxy}{API}/account/order/list", params={"page": "first"}, headers={"x-session": session})
        assert "request_parameters_match_schema" in listed.headers[VIOLATIONS_HEADER]
        assert "the query parameter page" in _journal(proxy)[-1]["verdict"]["violations"][0]


def test_an_unreachable_backend_is_a_quick_502_and_the_proxy_keeps_running() -> None:
    with (
        running_mock() as mock,
        serving(
            create_proxy(ProxyConfig(contract="websale", upstream=f"http://127.0.0.1:{free_port()}"))
        ) as dead_proxy,
        proxy_to(mock.base_url) as live_proxy,
    ):
        started = time.monotonic()
        answer = httpx.post(f"{dead_proxy}{API}/session/create", timeout=10)
        assert time.monotonic() - started < 5
        assert answer.status_code == 502
        assert answer.json()["proxyError"]["reason"] == "upstreamUnreachable"
        assert "could not be reached" in answer.json()["proxyError"]["message"]
        assert _journal(dead_proxy)[-1]["status"] == 502
        assert httpx.post(f"{live_proxy}{API}/session/create").status_code == 200


def test_a_slow_backend_is_a_502_after_the_timeout(wrong_backend: str) -> None:
    with proxy_to(wrong_backend, upstream_timeout=0.3) as proxy:
        started = time.monotonic()
        answer = httpx.get(f"{proxy}{API}/account/address/fields", timeout=10)
        assert time.monotonic() - started < 5
        assert answer.status_code == 502
        error = answer.json()["proxyError"]
        assert error["reason"] == "upstreamTimeout" and "0.3 s" in error["message"]
        assert "upstream" in answer.headers[VIOLATIONS_HEADER]
        # Still serving after the timeout.
        assert httpx.post(f"{proxy}{API}/session/create").status_code == 418


def test_an_xml_contract_is_judged_through_its_codec() -> None:
    with running_mock(contract="zest") as mock, proxy_to(mock.base_url, contract="zest") as proxy:
        cart = httpx.get(f"{proxy}/API/V3/Cart", params={"_session_token": "1"}, auth=("demo-key", ""))
        assert cart.status_code == 200 and cart.headers["content-type"].startswith("application/xml")
        assert VIOLATIONS_HEADER not in cart.headers
        refused = httpx.get(f"{proxy}/API/V3/Cart", auth=("wrong-key", ""))
        assert refused.status_code == 401
        assert VIOLATIONS_HEADER not in refused.headers
        entries = _journal(proxy)
        assert [(entry["operationId"], entry["code"]) for entry in entries] == [
            ("getCart", None),
            ("getCart", "invalidKey"),
        ]
        assert entries[0]["request"]["headers"]["authorization"] == "Basic ***"
        assert entries[0]["verdict"]["violations"] == entries[1]["verdict"]["violations"] == []

        bad = httpx.post(
            f"{proxy}/API/V3/Cart",
            auth=("demo-key", ""),
            content=b"<CartItem><quantity>many</quantity></CartItem>",
            headers={"content-type": "application/xml"},
        )
        assert bad.status_code == 400
        assert "request_body_matches_schema" in bad.headers[VIOLATIONS_HEADER]


def test_an_xml_answer_that_breaks_its_schema_is_reported() -> None:
    async def cart(request: Request) -> Response:
        return Response(
            b"<ResultSet xmlns='http://www.zeald.com'><Oops/></ResultSet>", 200, media_type="application/xml"
        )

    backend = Starlette(routes=[Route("/API/V3/Cart", cart)])
    with serving(backend) as origin, proxy_to(origin, contract="zest") as proxy:
        answer = httpx.get(f"{proxy}/API/V3/Cart", auth=("demo-key", ""))
        assert answer.status_code == 200
        assert answer.content == b"<ResultSet xmlns='http://www.zeald.com'><Oops/></ResultSet>"
        assert "response_matches_schema" in answer.headers[VIOLATIONS_HEADER]


def test_the_command_serves_the_proxy_and_logs_violations(tmp_path: Path) -> None:
    log = tmp_path / "proxy.log"
    port = free_port()
    with running_mock() as mock, log.open("wb") as output:
        command = [sys.executable, "-m", "storefront_kit.cli", "proxy", "--upstream", mock.base_url]
        process = subprocess.Popen([*command, "--port", str(port)], stdout=output, stderr=subprocess.STDOUT)
        try:
            proxy = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log.read_text()
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{proxy}/__mock/requests").status_code == 200:
                        break
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            answer = httpx.get(f"{proxy}{API}/account/get", headers={"x-session": "unknown"})
            assert answer.status_code == 401
            assert VIOLATIONS_HEADER not in answer.headers
            unknown = httpx.get(f"{proxy}{API}/nowhere")
            assert unknown.status_code == 404 and VIOLATIONS_HEADER in unknown.headers
        finally:
            process.terminate()
            process.wait(timeout=10)
    text = log.read_text()
    assert f"{proxy} -> {mock.base_url} (websale)" in text
    assert (
        f"WARNING storefront_kit.proxy: GET {API}/nowhere -> 404: The request GET {API}/nowhere is not an operation"
        in text
    )


def test_the_command_refuses_an_upstream_that_is_no_url(capsys: pytest.CaptureFixture[str]) -> None:
    from storefront_kit.cli import main

    assert main(["proxy", "--upstream", "shop.example"]) == 2
    assert "--upstream must be an http(s) URL" in capsys.readouterr().err
    assert main(["proxy", "--upstream", "http://127.0.0.1:9", "--journal-size", "0"]) == 2
    assert "must be positive" in capsys.readouterr().err


def test_the_journal_keeps_the_newest_exchanges(wrong_backend: str) -> None:
    with proxy_to(wrong_backend, journal_size=2) as proxy:
        for _ in range(3):
            httpx.post(f"{proxy}{API}/session/create")
        assert [entry["id"] for entry in _journal(proxy)] == [2, 3]


def test_the_journal_needs_the_controls_token_when_one_is_set(wrong_backend: str) -> None:
    with proxy_to(wrong_backend, controls_token="letmein") as proxy:
        httpx.post(f"{proxy}{API}/session/create")
        refused = httpx.get(f"{proxy}/__mock/requests")
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "controlsTokenRequired"
        entries = httpx.get(f"{proxy}/__mock/requests", headers={"X-Mock-Token": "letmein"}).json()["requests"]
        assert [entry["status"] for entry in entries] == [418]


def test_the_dashboard_shows_the_proxys_journal_and_leaves_the_root_to_the_backend(wrong_backend: str) -> None:
    with proxy_to(wrong_backend) as proxy:
        page = httpx.get(f"{proxy}/__mock/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '"sections":["journal"]' in page.text and "Validation proxy: websale at http://127.0.0.1:" in page.text
        assert httpx.get(f"{proxy}/__mock/requests").status_code == 200
        root = httpx.get(f"{proxy}/")
        assert root.status_code == 404  # the backend's answer, not a redirect to the proxy's page
        assert _journal(proxy)[-1]["path"] == "/"


def test_a_compressed_answer_travels_compressed_and_is_judged_decoded() -> None:
    compressed = gzip.compress(b'{"id": "not-a-session-id"}')

    async def create(request: Request) -> Response:
        return Response(compressed, 200, headers={"content-encoding": "gzip", "content-type": "application/json"})

    backend = Starlette(routes=[Route(f"{API}/session/create", create, methods=["POST"])])
    with serving(backend) as origin, proxy_to(origin) as proxy:
        with httpx.stream("POST", f"{proxy}{API}/session/create", headers={"accept-encoding": "gzip"}) as answer:
            raw = b"".join(answer.iter_raw())
            violations = answer.headers[VIOLATIONS_HEADER]
        assert raw == compressed
        assert "response_matches_schema" in violations
        entry = _journal(proxy)[-1]
        assert entry["response"]["body"] == '{"id": "***"}'  # decoded, the session id masked
        assert "not-a-session-id" in entry["verdict"]["violations"][0]


def test_a_body_over_the_limit_is_refused_unsent_and_an_upstream_prefix_is_kept() -> None:
    paths: list[str] = []

    async def echo(request: Request) -> Response:
        paths.append(request.url.path)
        return JSONResponse({"id": "0" * 64})

    backend = Starlette(routes=[Route("/{rest:path}", echo, methods=["POST"])])
    with serving(backend) as origin, proxy_to(f"{origin}/staging/", max_body_bytes=100) as proxy:
        refused = httpx.post(f"{proxy}{API}/session/create", content=b"x" * 101)
        assert refused.status_code == 413 and refused.json()["proxyError"]["reason"] == "requestTooLarge"
        assert paths == []
        assert httpx.post(f"{proxy}{API}/session/create", content=b"x" * 100).status_code == 200
        assert paths == [f"/staging{API}/session/create"]


def test_the_mocks_own_controls_stay_reachable_through_the_proxy_unrecorded() -> None:
    with running_mock() as mock, proxy_to(mock.base_url) as proxy:
        settings = httpx.get(f"{proxy}/__mock/settings")
        assert settings.status_code == 200
        assert settings.json() == httpx.get(f"{mock.controls_url}/settings").json()
        assert VIOLATIONS_HEADER not in settings.headers
        assert _journal(proxy) == []


@pytest.mark.parametrize("contract", registry.contract_names())
def test_the_kits_scenarios_through_the_proxy_find_the_mock_conforming(contract: str) -> None:
    """No false alarms: every answer of the bundled mock to the kit's scenarios passes the proxy's judgement,
    and the requests the scenarios send broken on purpose are the ones it reports."""
    journal = Journal(size=5000)
    with (
        running_mock(contract=contract) as mock,
        serving(create_proxy(ProxyConfig(contract=contract, upstream=mock.base_url), journal)) as proxy,
    ):
        base_url = proxy + registry.contract(contract).base_path
        assert check(["--contract", contract, "--base-url", base_url, "--phase", "scenarios", "--no-progress"]) == 0
        entries = asyncio.run(journal.list(limit=5000))
    assert len(entries) > 100
    answer_findings = [
        v for entry in entries for v in entry["verdict"]["violations"] if not v.startswith("The request")
    ]
    assert answer_findings == []
    request_findings = [entry for entry in entries if entry["verdict"]["violations"]]
    assert request_findings, "the scenarios send broken requests on purpose"
    assert all(entry["status"] >= 400 for entry in request_findings)


def test_a_long_upstream_timeout_is_not_cut_short_by_the_clients_own() -> None:
    proxy = create_proxy(ProxyConfig(contract="websale", upstream="http://127.0.0.1:9", upstream_timeout=60))
    timeout = proxy.client.timeout
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (60, 60, 60, 60)


def test_a_cors_preflight_is_forwarded_but_not_judged() -> None:
    with running_mock() as mock, proxy_to(mock.base_url) as proxy:
        preflight = httpx.options(
            f"{proxy}{API}/account/login",
            headers={"Origin": "http://app.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] in ("*", "http://app.example")
        assert VIOLATIONS_HEADER not in preflight.headers
        assert _journal(proxy)[-1]["verdict"]["violations"] == []
