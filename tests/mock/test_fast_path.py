"""The fast path answers exactly as Connexion's full stack would, and takes what it should.

Two mocks run side by side from the same fixtures, one with the fast path and one without
(`--no-fast-path`); every case sends the same requests to both and compares status, headers and
body, with only per-run values (random ids, timestamps, seconds left) masked.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from connexion.middleware.routing import RoutingMiddleware

from mock_server.app import create_app
from mock_server.config import ServerConfig
from mock_server.testing import RunningMock, running_mock

DEMO = {"id": "demo@example.com", "password": "Demo-Password-1"}
ADDRESS = {
    "firstName": "Kim",
    "lastName": "Meier",
    "street": "Hauptstraße",
    "streetNumber": "12",
    "zip": "75172",
    "city": "Pforzheim",
    "country": "DE",
}
_VOLATILE = [
    (re.compile(r"\b[0-9a-f]{64}\b"), "<session>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"), "<time>"),
    (re.compile(r"sessionKey=[A-Za-z0-9_-]+"), "sessionKey=<key>"),
    (re.compile(r"\b\d+ seconds\b"), "<n> seconds"),
]

Script = Callable[[httpx.Client], list[httpx.Response]]


def _masked(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _observed(response: httpx.Response) -> tuple[Any, ...]:
    try:
        body: Any = json.loads(_masked(response.text))
    except ValueError:
        body = _masked(response.text)
    headers = {
        name: response.headers.get(name) for name in ("content-type", "allow", "vary", "access-control-allow-origin")
    }
    return response.status_code, headers, "retry-after" in response.headers, body


def _session(client: httpx.Client) -> str:
    return str(client.post("/session/create").json()["id"])


def _logged_in(client: httpx.Client) -> str:
    session = _session(client)
    assert client.post("/account/login", json=DEMO, headers={"x-session": session}).status_code == 200
    return session


def _reads(client: httpx.Client) -> list[httpx.Response]:
    session = _logged_in(client)
    headers = {"x-session": session}
    return [
        client.get("/account/get", headers=headers),
        client.get("/account/get", headers={"x-session": _session(client)}),
        client.get("/account/address/list", headers=headers),
        client.get("/account/address/get", params={"addressId": "1"}, headers=headers),
        client.get("/account/address/get", params={"addressId": "no-such-address"}, headers=headers),
        client.get("/account/address/fields"),
        client.get("/account/backInStock/list", headers=headers),
        client.get("/account/order/get", params={"orderId": "1"}, headers=headers),
    ]


def _order_queries(client: httpx.Client) -> list[httpx.Response]:
    headers = {"x-session": _logged_in(client)}
    queries = [
        "page=1&size=10",
        "page=2&size=5&order=totalAsc",
        "page=1&size=10&order=",
        "page=01&size=10",
        "page=%2B1&size=10",
        "page=1&page=2&size=10",
        "page=0&size=10",
        "page=1&size=101",
        "page=1",
        "page=abc&size=1",
        "page=1&size=10&order=cheapest",
        "page=1&size=10&unknown=1",
        "page=1&size=10.0",
        "page=99999999999999999999&size=1",
    ]
    return [client.get(f"/account/order/list?{query}", headers=headers) for query in queries]


def _sessions_and_gates(client: httpx.Client) -> list[httpx.Response]:
    anonymous = _session(client)
    return [
        client.get("/account/get"),
        client.get("/account/get", headers={"x-session": "0" * 64}),
        client.get("/account/get", headers={"x-session": "not-a-session"}),
        client.get("/account/address/list", headers={"x-session": anonymous}),
        # 401 before 400: an anonymous session with a broken body.
        client.post("/account/address/create", content=b"{", headers={"x-session": anonymous}),
        client.post("/account/address/create", json={"address": ADDRESS}, headers={"x-session": anonymous}),
        client.post("/session/create", content=b"ignored", headers={"content-type": "text/plain"}),
        client.head("/account/get", headers={"x-session": anonymous}),
        client.put("/account/get", headers={"x-session": anonymous}),
        client.get("/account/get", headers={"x-session": anonymous, "origin": "https://shop.example"}),
        client.options(
            "/account/get", headers={"origin": "https://shop.example", "access-control-request-method": "GET"}
        ),
        # The body limit: by the declared length, and for a streamed body by what arrives.
        client.post("/account/login", content=b"{" + b" " * 70_000 + b"}", headers={"x-session": anonymous}),
        client.post(
            "/account/login",
            content=iter([b'{"id": "a@example.com", "password": "x"}']),
            headers={"x-session": anonymous},
        ),
        client.post("/account/login", content=iter([b" " * 70_000]), headers={"x-session": anonymous}),
    ]


def _bodies(client: httpx.Client) -> list[httpx.Response]:
    headers = {"x-session": _logged_in(client)}
    valid = json.dumps({"address": ADDRESS}).encode()

    def create(content: bytes, content_type: str | None = "application/json") -> httpx.Response:
        extra = {} if content_type is None else {"content-type": content_type}
        return client.post("/account/address/create", content=content, headers={**headers, **extra})

    return [
        create(valid),
        create(valid, "application/json; charset=utf-8"),
        create(valid, "Application/JSON"),
        create(valid, None),
        create(valid, "text/plain"),
        create(valid, "application/json; charset=latin-1"),
        create(b""),
        create(b"null"),
        create(b"[]"),
        create(b'{"address": {}}'),
        create(b'{"address": {"firstName": "Kim", "nickname": "K"}}'),
        create(b'{"address": {"firstName": 5}}'),
        create(b'{"address": {"firstName": "\\ud800"}}'),
        create(b'{"address": {"firstName": "Kim"}} trailing'),
        create(b"\xff\xfe{}"),
        create(b'{"address": {"firstName": "Kim", "lastName": "Meier"}, "address": {"city": "Ulm"}}'),
        create(b'{"address": {"firstName": NaN}}'),
        client.get("/account/address/list", headers=headers),
        client.post("/account/address/setMain", json={"addressId": "2"}, headers=headers),
        client.put("/account/address/update", json={"addressId": "2", "address": {"city": "Ulm"}}, headers=headers),
        client.request("DELETE", "/account/address/delete", json={"addressId": "3"}, headers=headers),
        client.request("DELETE", "/account/address/delete", json={"addressId": "3"}, headers=headers),
        client.get("/account/address/list", headers=headers),
    ]


def _accounts(client: httpx.Client) -> list[httpx.Response]:
    headers = {"x-session": _session(client)}
    new = {"email": "fast-path@example.com", "password": "Fast-Path-Password-1"}
    answers = [
        client.post("/account/register", json=new, headers={"x-session": _session(client)}),
        client.post("/account/register", json=new, headers={"x-session": _session(client)}),
        client.post("/account/register", json={"email": "no-at-sign", "password": "x"}, headers=headers),
        client.post("/account/logout", headers={"x-session": _logged_in(client)}),
        client.post("/session/prepareRedirect", json={"viewIdentifier": "nothing-like-this"}, headers=headers),
        client.post("/account/password/forgotten", json={"email": DEMO["id"]}, headers=headers),
        # An optional body left out: the fast path reads nothing and hands the request on.
        client.request("DELETE", "/account/delete", headers={"x-session": _logged_in(client)}),
    ]
    wrong = {"id": DEMO["id"], "password": "Wrong-Password-1"}
    return answers + [client.post("/account/login", json=wrong, headers=headers) for _ in range(7)]


def _controls(client: httpx.Client) -> list[httpx.Response]:
    headers = {"x-session": _logged_in(client)}
    return [
        client.get("/account/get", headers={**headers, "x-mock-error": "internalError"}),
        client.get("/account/get", headers={**headers, "x-mock-error": "notLoggedIn"}),
        client.get("/account/get", headers={**headers, "x-mock-delay": "1"}),
        client.get("/account/get", headers={**headers, "x-mock-delay": "soon"}),
    ]


CASES: dict[str, Script] = {
    "reads": _reads,
    "order-list queries": _order_queries,
    "sessions and gates": _sessions_and_gates,
    "bodies and media types": _bodies,
    "accounts and throttling": _accounts,
    "forced errors and delays": _controls,
}


@pytest.fixture(scope="module")
def twins() -> Iterator[tuple[RunningMock, RunningMock]]:
    with running_mock() as fast, running_mock(ServerConfig(port=0, fast_path=False)) as reference:
        yield fast, reference


@pytest.mark.parametrize("case", CASES)
def test_the_fast_path_answers_as_connexion_does(case: str, twins: tuple[RunningMock, RunningMock]) -> None:
    observed = []
    for mock in twins:
        with httpx.Client(base_url=mock.api_url, timeout=15) as client:
            assert client.post(f"{mock.controls_url}/reset").status_code == 200
            observed.append([_observed(response) for response in CASES[case](client)])
    fast, reference = observed
    assert len(fast) == len(reference)
    for index, (mine, theirs) in enumerate(zip(fast, reference, strict=True)):
        assert mine == theirs, f"request {index} of {case!r}"


def test_a_nonconforming_answer_is_a_500_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    from mock_server.vendors.websale.handlers import session as handlers

    async def broken() -> dict[str, Any]:
        return {"id": 5}

    monkeypatch.setattr(handlers, "create_session", broken)
    answers = []
    for fast_path in (True, False):
        with running_mock(ServerConfig(port=0, fast_path=fast_path)) as mock:
            answers.append(_observed(httpx.post(f"{mock.api_url}/session/create", timeout=15)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 500 and answers[0][3]["error"]["code"] == "internalError"


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths that reached Connexion's routing, in order."""
    paths: list[str] = []
    original = RoutingMiddleware.__call__

    async def counting(self: Any, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            paths.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(RoutingMiddleware, "__call__", counting)
    return paths


@pytest.mark.anyio
async def test_well_formed_requests_bypass_connexion_and_the_rest_reach_it(routed: list[str]) -> None:
    app = create_app(dataclasses.replace(ServerConfig(), log_level="warning"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock/api/v1") as client:
        await app.runtime.ensure_seeded()
        session = (await client.post("/session/create")).json()["id"]
        assert (await client.post("/account/login", json=DEMO, headers={"x-session": session})).status_code == 200
        headers = {"x-session": session}
        fast = [
            await client.get("/account/get", headers=headers),
            await client.get("/account/order/list", params={"page": 1, "size": 10}, headers=headers),
            await client.post("/account/address/create", json={"address": ADDRESS}, headers=headers),
            await client.get("/account/get", headers={"x-session": "0" * 64}),  # a refused session is answered too
        ]
        assert [r.status_code for r in fast] == [200, 200, 200, 401]
        assert routed == []
        declined = [
            await client.get("/account/order/list", params={"page": 0, "size": 10}, headers=headers),
            await client.post("/account/address/create", json={"address": {}}, headers=headers),
            await client.get("/account/get", headers={**headers, "x-mock-delay": "0"}),
            await client.request("PATCH", "/account/get", headers=headers),
            await client.get("/account/get"),  # no credential at all: Connexion's security says so
        ]
        assert [r.status_code for r in declined] == [400, 400, 200, 405, 401]
        assert routed == ["/api/v1/account/order/list", "/api/v1/account/address/create"] + ["/api/v1/account/get"] * 3
