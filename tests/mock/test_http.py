"""Bad input and HTTP-level behaviour: everything in the envelope, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mock_api import DEMO_EMAIL, DEMO_PASSWORD, Api, assert_error


def test_unknown_route_is_not_found(api: Api) -> None:
    # `/` itself redirects to the dashboard (tests/mock/test_dashboard.py).
    for path in ("/api/v1/account/unknown", "/api/v2/session/create", "/api/v1/", "/index.html"):
        response = api.http.get(api.mock.base_url + path)
        assert_error(response, 404, "notFound")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        pytest.param("GET", "/session/create", {"POST"}, id="get-on-post"),
        pytest.param("POST", "/account/get", {"GET", "HEAD"}, id="post-on-get"),
        pytest.param("PUT", "/account/backInStock/notify", {"POST", "DELETE"}, id="two-methods"),
        pytest.param("PATCH", "/account/address/update", {"PUT"}, id="patch"),
        pytest.param("OPTIONS", "/account/login", {"POST"}, id="plain-options"),
    ],
)
def test_wrong_method_is_method_not_allowed_with_complete_allow(
    api: Api, method: str, path: str, allow: set[str]
) -> None:
    response = api.http.request(method, path)
    assert_error(response, 405, "methodNotAllowed")
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allow


def test_controls_answer_405_with_their_allow(api: Api) -> None:
    response = api.controls.delete("/settings")
    assert_error(response, 405, "methodNotAllowed")
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"GET", "HEAD", "PUT", "PATCH"}


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        pytest.param(b"{", "application/json", "invalidRequest", id="truncated"),
        pytest.param(b"  \n ", "application/json", "invalidRequest", id="whitespace-only"),
        pytest.param(b"\xff\xfe{}", "application/json", "invalidRequest", id="not-utf8"),
        pytest.param(
            b'{"id": "\xc3\x28"}', "application/json; charset=utf-8", "invalidRequest", id="bad-utf8-sequence"
        ),
        pytest.param(b"[" * 5000 + b"]" * 5000, "application/json", "invalidRequest", id="deeply-nested"),
        pytest.param(b"null", "application/json", "invalidRequest", id="null"),
        pytest.param(b'"a string"', "application/json", "invalidRequest", id="string"),
        pytest.param(b"[]", "application/json", "invalidRequest", id="array"),
        pytest.param(
            b'{"id": "a@b.de", "password": "x", "id": 1}', "application/json", "emailCheckFailed", id="duplicate-key"
        ),
        pytest.param(b"{}", "application/json; charset=no-such-codec", "emailCheckFailed", id="unknown-charset"),
        pytest.param(
            b'{"id": "\\ud800@example.com", "password": "x"}',
            "application/json",
            "invalidRequest",
            id="lone-surrogate-escape",
        ),
    ],
)
def test_bad_json_bodies_are_client_errors(api: Api, content: bytes, content_type: str, code: str) -> None:
    response = api.call("login", session=api.new_session(), content=content, headers={"content-type": content_type})
    assert response.status_code == 400, response.text
    # A body that is read but breaks a rule answers that rule's code (the last duplicate key makes `id`
    # a number; `{}` lacks `id`), whatever its declared charset; one that cannot be read, the bad request.
    assert response.json()["error"]["code"] == code


def test_wrong_content_type_is_unsupported_media_type(api: Api) -> None:
    response = api.call(
        "login",
        session=api.new_session(),
        content=b"id=a&password=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 415, "unsupportedMediaType")


def test_json_content_type_is_matched_case_insensitively(api: Api) -> None:
    body = b'{"id": "demo@example.com", "password": "Demo-Password-1"}'
    response = api.call(
        "login", session=api.new_session(), content=body, headers={"content-type": "Application/JSON; charset=UTF-8"}
    )
    assert response.status_code == 200, response.text


def test_missing_content_type_is_read_as_json(api: Api) -> None:
    body = b'{"id": "demo@example.com", "password": "Demo-Password-1"}'
    response = api.http.post("/account/login", content=body, headers={"x-session": api.new_session()})
    assert response.status_code == 200, response.text


def test_oversized_declared_body_is_refused_before_it_is_read(api: Api) -> None:
    size = api.contract.max_body_bytes
    response = api.call(
        "login",
        session=api.new_session(),
        content=b"{" + b" " * size + b"}",
        headers={"content-type": "application/json"},
    )
    assert_error(response, 413, "payloadTooLarge")


def _chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    yield b'{"id": "'
    sent = 0
    while sent < total:
        yield b"a" * min(size, total - sent)
        sent += size
    yield b'@example.com", "password": "x"}'


def test_oversized_streamed_body_is_payload_too_large(api: Api) -> None:
    response = api.http.post(
        "/account/login",
        content=_chunks(200 * 1024),
        headers={"x-session": api.new_session(), "content-type": "application/json"},
    )
    assert_error(response, 413, "payloadTooLarge")


def test_small_streamed_body_is_accepted(api: Api) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"id": "demo@example.com", '
        yield b'"password": "Demo-Password-1"}'

    response = api.http.post(
        "/account/login", content=body(), headers={"x-session": api.new_session(), "content-type": "application/json"}
    )
    assert response.status_code == 200, response.text


def test_unknown_query_parameters_are_ignored(api: Api, demo: str) -> None:
    assert api.call("listOrders", session=demo, params={"page": 1, "size": 5, "colour": "red"}).status_code == 200


def test_body_on_get_is_ignored(api: Api, demo: str) -> None:
    response = api.http.request(
        "GET", "/account/get", content=b"not json", headers={"x-session": demo, "content-type": "text/plain"}
    )
    assert response.status_code == 200


def test_session_header_is_matched_case_insensitively(api: Api) -> None:
    session = api.login()
    assert api.http.get("/account/get", headers={"X-Session": session}).json()["loggedIn"] is True


def test_error_field_names_the_nested_field(api: Api, demo: str) -> None:
    response = api.call("createAddress", session=demo, json={"address": {"custom": {"packstation": 5}}})
    assert_error(response, 400, "invalidFieldType", "address.custom.packstation")


def test_error_message_never_echoes_the_password(api: Api) -> None:
    secret = "tooshort"
    response = api.call("register", session=api.new_session(), json={"email": "x@example.com", "password": secret})
    assert_error(response, 400, "passwordCheckFailed", "password")
    assert secret not in response.text


def test_cors_preflight_allows_the_session_header(api: Api) -> None:
    response = api.http.options(
        "/account/get",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-session",
        },
    )
    assert response.status_code == 200
    assert "x-session" in response.headers["access-control-allow-headers"].lower()


def test_cors_headers_are_on_error_answers_too(api: Api) -> None:
    response = api.http.get("/account/get", headers={"Origin": "http://localhost:3000"})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "*"
    assert "x-session" in response.headers["access-control-expose-headers"].lower()


def test_swagger_ui_and_spec_are_served(api: Api) -> None:
    assert "swagger-ui" in api.http.get("/ui/").text.lower()
    spec = api.http.get("/openapi.json").json()
    assert spec["servers"] == [{"url": "/api/v1"}]
    assert "/account/login" in spec["paths"]


def test_answers_validate_against_the_contract(api: Api) -> None:
    # Response validation is on by default: a successful answer proves the handler's body
    # matched its schema, and an error envelope never leaks Connexion's problem+json.
    response = api.call("login", session=api.new_session(), json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.headers["content-type"].startswith("application/json")
    assert httpx.get(f"{api.mock.api_url}/nope").headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"email": "\\ud800@example.com", "password": "Abcdefg12"}', id="email"),
        pytest.param(b'{"email": "a@example.com", "password": "Abcdefg12\\udfff"}', id="password"),
        pytest.param(b'{"email": "a@example.com", "password": "Abcdefg12", "\\ud800": 1}', id="key"),
    ],
)
def test_unpaired_surrogate_escapes_are_invalid_request(api: Api, body: bytes) -> None:
    response = api.call(
        "register", session=api.new_session(), content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "invalidRequest")


@pytest.mark.parametrize(
    ("session", "content", "content_type", "status", "code"),
    [
        pytest.param(None, b"x" * 70000, "text/plain", 413, "payloadTooLarge", id="too-large-beats-session"),
        pytest.param(None, b"{", "text/plain", 401, "notLoggedIn", id="session-beats-media-type"),
        pytest.param("live", b"{", "text/plain", 415, "unsupportedMediaType", id="media-type-beats-malformed"),
        pytest.param("live", b"{", "application/json", 400, "invalidRequest", id="malformed-beats-schema"),
        pytest.param(
            "live",
            b'{"id": "no-email", "password": "x"}',
            "application/json",
            400,
            "emailCheckFailed",
            id="schema-beats-rules",
        ),
    ],
)
def test_first_fault_in_the_contracts_order_decides(
    api: Api, session: str | None, content: bytes, content_type: str, status: int, code: str
) -> None:
    session_id = api.new_session() if session else None
    response = api.call("login", session=session_id, content=content, headers={"content-type": content_type})
    assert_error(response, status, code)


@pytest.mark.parametrize("content_type", ["multipart/form-data", "application/x-www-form-urlencoded", "text/plain"])
@pytest.mark.parametrize("operation_id", ["createSession", "getAccount", "logout", "listAddressFields"])
def test_operation_without_body_ignores_any_media_type(api: Api, operation_id: str, content_type: str) -> None:
    response = api.call(operation_id, session=api.new_session(), headers={"content-type": content_type})
    assert response.status_code == 200, response.text
