"""Hostile input over real HTTP: every answer is a documented 4xx, comes fast, and harms nothing.

Each request goes to a mock on a free loopback port. After each one the mock must still answer and
an address stored before must be unchanged. Requests that are not HTTP at all (a control byte in a
header, conflicting lengths, a method name the HTTP parser does not know) never reach the mock: the
HTTP server refuses them with a plain 400 and closes the connection; those are tested for exactly
that, as docs/running-for-a-team.md describes.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from wire import ANSWER_BOUND, Answer, request_bytes, send, send_streaming

from mock_server.config import ServerConfig
from mock_server.testing import RunningMock, running_mock
from storefront_kit import registry

CONTRACT = registry.contract("websale")
LIMIT = CONTRACT.max_body_bytes
PASSWORD = "Hostile-Input-Pass-1"
JSON = ("Content-Type", "application/json")


@dataclass(frozen=True, slots=True)
class Witness:
    """An account with a session and an address, stored before any hostile request."""

    email: str
    session: str
    address: dict[str, Any]


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    with running_mock() as running:
        yield running


@pytest.fixture(scope="module")
def witness(mock: RunningMock) -> Witness:
    with httpx.Client(base_url=mock.api_url, timeout=10) as client:
        session = client.post("/session/create").json()["id"]
        email = "witness@example.com"
        registered = client.post(
            "/account/register", headers={"x-session": session}, json={"email": email, "password": PASSWORD}
        )
        assert registered.status_code == 200, registered.text
        body = {"address": {"firstName": "Wanda", "lastName": "Witness", "city": "Kassel", "zip": "34117"}}
        created = client.post("/account/address/create", headers={"x-session": session}, json=body)
        assert created.status_code == 200, created.text
        return Witness(email, session, created.json()["address"])


@pytest.fixture
def intact(mock: RunningMock, witness: Witness) -> Iterator[None]:
    """After the test: the mock still answers and the stored address is unchanged."""
    yield
    with httpx.Client(base_url=mock.api_url, timeout=ANSWER_BOUND) as client:
        response = client.get(
            "/account/address/get", params={"addressId": witness.address["id"]}, headers={"x-session": witness.session}
        )
        assert response.status_code == 200, response.text
        assert response.json()["address"] == witness.address
        assert client.post("/session/create").status_code == 200


pytestmark = pytest.mark.usefixtures("intact")


def assert_envelope(answer: Answer, status: int, code: str) -> None:
    assert (answer.status, answer.code) == (status, code), (answer.status, answer.body[:500])
    assert answer.headers["content-type"].startswith("application/json")
    # Never the request echoed back at length.
    assert len(answer.body) < 2000, answer.body[:200]
    assert answer.elapsed < ANSWER_BOUND


def operation_path(operation_id: str) -> str:
    return CONTRACT.base_path + CONTRACT.operation(operation_id).path


def login_request(body: bytes, *headers: tuple[str, str | bytes], session: str) -> bytes:
    return request_bytes("POST", operation_path("login"), [("x-session", session), *headers], body)


# -- bodies over the limit: refused without being read -------------------------------------------


def test_a_declared_body_of_10_gb_is_refused_at_once(mock: RunningMock, witness: Witness) -> None:
    data = login_request(
        b'{"id": "a@example.com"}', JSON, ("Content-Length", str(10 * 1024**3)), session=witness.session
    )
    answer = send(mock.config.port, data, bound=2)
    assert_envelope(answer, 413, "payloadTooLarge")


def test_an_endless_chunked_body_is_refused_once_it_passes_the_limit(mock: RunningMock, witness: Witness) -> None:
    head = request_bytes(
        "POST", operation_path("login"), [("x-session", witness.session), JSON, ("Transfer-Encoding", "chunked")]
    )
    piece = b"a" * 8192
    endless = (b"%x\r\n%s\r\n" % (len(piece), piece) for _ in itertools.count())
    answer, sent = send_streaming(mock.config.port, head, endless, bound=3)
    assert_envelope(answer, 413, "payloadTooLarge")
    # Refused long before the client gave up sending: the server stopped reading near the limit.
    assert sent < 200 * LIMIT


def test_the_refusal_of_an_oversized_body_comes_before_the_session_check(mock: RunningMock) -> None:
    data = request_bytes("POST", operation_path("login"), [JSON, ("Content-Length", str(LIMIT + 1))], b"{}")
    assert_envelope(send(mock.config.port, data), 413, "payloadTooLarge")


def test_a_body_of_exactly_the_limit_is_read(mock: RunningMock, witness: Witness) -> None:
    core = b'{"id": "nobody@example.com", "password": "x"}'
    body = core[:-1] + b" " * (LIMIT - len(core)) + b"}"
    assert len(body) == LIMIT
    answer = send(mock.config.port, login_request(body, JSON, session=witness.session))
    assert_envelope(answer, 401, "invalidCredentials")


def test_the_limit_is_configurable() -> None:
    with running_mock(ServerConfig(port=0, max_body_bytes=1024)) as small:
        session = httpx.post(f"{small.api_url}/session/create").json()["id"]
        body = b'{"id": "a@example.com", "password": "' + b"x" * 2000 + b'"}'
        assert_envelope(send(small.config.port, login_request(body, JSON, session=session)), 413, "payloadTooLarge")


# -- JSON that is deep, large, badly encoded or ambiguous ------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 30_000 + b"]" * 30_000, id="30k-nested-arrays"),
        pytest.param(b'{"a":' * 10_000 + b"1" + b"}" * 10_000, id="10k-nested-objects"),
        pytest.param(
            b'{"id": "a@example.com", "password": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", id="nested-in-a-field"
        ),
        pytest.param(b'{"id": 1' + b"0" * 5000 + b', "password": "x"}', id="5000-digit-number"),
        pytest.param(b'{"id": NaN, "password": Infinity}', id="nan-and-infinity"),
    ],
)
def test_deep_or_odd_json_is_invalid_request(mock: RunningMock, witness: Witness, body: bytes) -> None:
    answer = send(mock.config.port, login_request(body, JSON, session=witness.session))
    assert answer.status == 400, answer.body[:300]
    assert answer.code == "invalidRequest"


@pytest.fixture(scope="module")
def roomy() -> Iterator[RunningMock]:
    """A mock with a 1 MB body limit, so that 100,000 levels of nesting reach the JSON parser."""
    with running_mock(ServerConfig(port=0, max_body_bytes=1_000_000)) as running:
        yield running


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 100_000, id="100k-unclosed"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="100k-balanced"),
        pytest.param(b'{"a":' * 100_000 + b"1" + b"}" * 100_000, id="100k-objects"),
    ],
)
def test_100k_levels_of_nesting_are_invalid_request(roomy: RunningMock, body: bytes) -> None:
    session = httpx.post(f"{roomy.api_url}/session/create").json()["id"]
    answer = send(roomy.config.port, login_request(body, JSON, session=session))
    assert_envelope(answer, 400, "invalidRequest")
    assert httpx.post(f"{roomy.api_url}/session/create", timeout=ANSWER_BOUND).status_code == 200


def test_100k_levels_of_nesting_are_too_large_for_the_default_limit(mock: RunningMock, witness: Witness) -> None:
    answer = send(mock.config.port, login_request(b"[" * 100_000, JSON, session=witness.session))
    assert_envelope(answer, 413, "payloadTooLarge")


HUGE = b"a" * (LIMIT - 200)


@pytest.mark.parametrize(
    ("operation_id", "body", "status", "code", "field"),
    [
        pytest.param(
            "login",
            b'{"id": "demo@example.com", "password": "' + HUGE + b'"}',
            400,
            "invalidRequest",
            "password",
            id="password",
        ),
        pytest.param(
            "login", b'{"id": "' + HUGE + b'@example.com", "password": "x"}', 400, "emailCheckFailed", "id", id="email"
        ),
        pytest.param(
            "createAddress",
            b'{"address": {"city": "' + HUGE + b'"}}',
            400,
            "invalidFieldType",
            "address.city",
            id="address-field",
        ),
        pytest.param(
            "createAddress", b'{"address": {"' + HUGE + b'": "x"}}', 400, "unknownField", None, id="address-key"
        ),
    ],
)
def test_huge_strings_within_the_limit_answer_the_fields_code(
    mock: RunningMock, witness: Witness, operation_id: str, body: bytes, status: int, code: str, field: str | None
) -> None:
    path = operation_path(operation_id)
    answer = send(mock.config.port, request_bytes("POST", path, [("x-session", witness.session), JSON], body))
    assert_envelope(answer, status, code)
    if field is not None:
        assert answer.json()["error"]["field"] == field


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"id": "\xff\xfe@example.com", "password": "x"}', id="invalid-bytes"),
        pytest.param(b'{"id": "\xc0\xafa@example.com", "password": "x"}', id="overlong-encoding"),
        pytest.param(b'{"id": "a@example.com", "password": "\xed\xa0\x80"}', id="encoded-surrogate"),
        pytest.param(b'{"id": "a@example.com", "password": "\xe2\x82"}', id="truncated-sequence"),
        pytest.param('{"id": "a@example.com", "password": "x"}'.encode("utf-16"), id="utf-16"),
    ],
)
def test_invalid_utf8_is_invalid_request(mock: RunningMock, witness: Witness, body: bytes) -> None:
    answer = send(mock.config.port, login_request(body, JSON, session=witness.session))
    assert_envelope(answer, 400, "invalidRequest")


def test_duplicate_keys_the_last_one_wins(mock: RunningMock, witness: Witness) -> None:
    """The contract is silent; the mock reads JSON objects as most parsers do: the last key wins."""
    right_last = b'{"id": "x@example.com", "password": "wrong", "id": "%s", "password": "%s"}' % (
        witness.email.encode(),
        PASSWORD.encode(),
    )
    answer = send(
        mock.config.port,
        login_request(right_last, JSON, session=httpx.post(f"{mock.api_url}/session/create").json()["id"]),
    )
    assert answer.status == 200, answer.body
    wrong_last = b'{"id": "%s", "password": "%s", "password": "not-it"}' % (witness.email.encode(), PASSWORD.encode())
    assert_envelope(
        send(mock.config.port, login_request(wrong_last, JSON, session=witness.session)), 401, "invalidCredentials"
    )


def test_duplicate_keys_in_a_stored_object_store_the_last_value(mock: RunningMock, witness: Witness) -> None:
    body = b'{"address": {"city": "First", "city": "Last"}}'
    created = send(
        mock.config.port,
        request_bytes("POST", operation_path("createAddress"), [("x-session", witness.session), JSON], body),
    )
    assert created.status == 200, created.body
    assert created.json()["address"]["city"] == "Last"
    with httpx.Client(base_url=mock.api_url, timeout=ANSWER_BOUND) as client:
        stored = client.get(
            "/account/address/get",
            params={"addressId": created.json()["address"]["id"]},
            headers={"x-session": witness.session},
        )
        assert stored.json()["address"]["city"] == "Last"
        client.request(
            "DELETE",
            "/account/address/delete",
            json={"addressId": created.json()["address"]["id"]},
            headers={"x-session": witness.session},
        )


# -- content types ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/jsonx",
        "json",
        "*/*",
    ],
)
def test_wrong_content_types_are_unsupported_media_type(mock: RunningMock, witness: Witness, content_type: str) -> None:
    body = b'{"id": "a@example.com", "password": "x"}'
    answer = send(mock.config.port, login_request(body, ("Content-Type", content_type), session=witness.session))
    assert_envelope(answer, 415, "unsupportedMediaType")


def test_a_content_type_of_raw_bytes_is_unsupported_media_type(mock: RunningMock, witness: Witness) -> None:
    answer = send(mock.config.port, login_request(b"{}", ("Content-Type", b"\xff\xfe;;;"), session=witness.session))
    assert_envelope(answer, 415, "unsupportedMediaType")


def test_the_session_is_checked_before_the_content_type(mock: RunningMock) -> None:
    answer = send(
        mock.config.port, request_bytes("POST", operation_path("login"), [("Content-Type", "text/plain")], b"x")
    )
    assert_envelope(answer, 401, "notLoggedIn")


# -- headers ----------------------------------------------------------------------------------------


def test_hundreds_of_headers_are_ignored(mock: RunningMock, witness: Witness) -> None:
    headers = [(f"X-Flood-{index}", "v" * 50) for index in range(500)]
    answer = send(
        mock.config.port, request_bytes("GET", operation_path("getAccount"), [("x-session", witness.session), *headers])
    )
    assert answer.status == 200, answer.body
    assert answer.json()["account"]["email"] == witness.email


def test_a_64_kb_header_is_ignored(mock: RunningMock, witness: Witness) -> None:
    data = request_bytes("GET", operation_path("getAccount"), [("x-session", witness.session), ("X-Big", "b" * 65536)])
    answer = send(mock.config.port, data)
    assert answer.status == 200, answer.body


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        pytest.param("x-session", 401, "notLoggedIn", id="session"),
        # A control that cannot be applied is ignored: the request answers as without it (no session here).
        pytest.param("X-Mock-Error", 401, "notLoggedIn", id="forced-error"),
        pytest.param("X-Mock-Delay", 401, "notLoggedIn", id="delay"),
    ],
)
def test_a_64_kb_value_in_a_header_the_mock_reads_is_refused(
    mock: RunningMock, name: str, status: int, code: str
) -> None:
    answer = send(mock.config.port, request_bytes("GET", operation_path("getAccount"), [(name, "9" * 65536)]))
    assert_envelope(answer, status, code)
    if name.startswith("X-Mock"):
        assert 0 < len(answer.headers["x-mock-refused"]) < 2000


def test_a_64_kb_forwarded_for_counts_as_one_client(mock: RunningMock, witness: Witness) -> None:
    body = b'{"id": "%s", "password": "%s"}' % (witness.email.encode(), PASSWORD.encode())
    answer = send(
        mock.config.port, login_request(body, JSON, ("X-Forwarded-For", "1" * 65536), session=witness.session)
    )
    assert answer.status == 200, answer.body


# -- NUL bytes --------------------------------------------------------------------------------------


def test_a_raw_nul_byte_in_json_is_invalid_request(mock: RunningMock, witness: Witness) -> None:
    answer = send(
        mock.config.port, login_request(b'{"id": "a\x00@example.com", "password": "x"}', JSON, session=witness.session)
    )
    assert_envelope(answer, 400, "invalidRequest")


def test_an_escaped_nul_in_an_email_fails_the_email_check(mock: RunningMock, witness: Witness) -> None:
    answer = send(
        mock.config.port,
        login_request(b'{"id": "a\\u0000@example.com", "password": "x"}', JSON, session=witness.session),
    )
    assert_envelope(answer, 400, "emailCheckFailed")


def test_a_password_with_nul_is_not_cut_at_the_nul(mock: RunningMock) -> None:
    """A password is compared whole: what follows a NUL counts."""
    with httpx.Client(base_url=mock.api_url, timeout=ANSWER_BOUND) as client:
        session = client.post("/session/create").json()["id"]
        password = "Nul-Pass-1\x00tail"
        registered = client.post(
            "/account/register", headers={"x-session": session}, json={"email": "nul@example.com", "password": password}
        )
        assert registered.status_code == 200, registered.text
        for attempt, status in (("Nul-Pass-1", 401), ("Nul-Pass-1\x00", 401), ("Nul-Pass-1\x00tail", 200)):
            response = client.post(
                "/account/login", headers={"x-session": session}, json={"id": "nul@example.com", "password": attempt}
            )
            assert response.status_code == status, (attempt, response.text)


@pytest.mark.parametrize(
    ("target", "status", "code"),
    [
        pytest.param("/api/v1/account/get%00", 404, "notFound", id="path"),
        pytest.param("/api/v1/account/order/list?page=1%00&size=1", 400, "invalidRequest", id="integer-query"),
        pytest.param("/api/v1/account/order/get?orderId=%00%00", 404, "invalidOrderId", id="string-query"),
    ],
)
def test_nul_in_the_url_is_a_client_error(
    mock: RunningMock, witness: Witness, target: str, status: int, code: str
) -> None:
    assert_envelope(
        send(mock.config.port, request_bytes("GET", target, [("x-session", witness.session)])), status, code
    )


# -- methods ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PATCH", "TRACE", "PROPFIND", "PURGE", "SEARCH", "QUERY", "OPTIONS", "DELETE"])
def test_unusual_methods_are_method_not_allowed_with_allow(mock: RunningMock, witness: Witness, method: str) -> None:
    answer = send(
        mock.config.port, request_bytes(method, operation_path("getAccount"), [("x-session", witness.session)])
    )
    assert_envelope(answer, 405, "methodNotAllowed")
    assert {part.strip() for part in answer.headers["allow"].split(",")} == {"GET", "HEAD"}


def test_a_60_kb_unknown_path_is_not_found_without_being_quoted_in_full(mock: RunningMock) -> None:
    assert_envelope(send(mock.config.port, request_bytes("GET", "/api/v1/" + "a" * 60_000)), 404, "notFound")


def test_unusual_methods_on_an_unknown_path_are_not_found(mock: RunningMock) -> None:
    assert_envelope(send(mock.config.port, request_bytes("TRACE", "/nowhere")), 404, "notFound")


def test_head_answers_like_get_without_a_body(mock: RunningMock, witness: Witness) -> None:
    answer = send(
        mock.config.port, request_bytes("HEAD", operation_path("getAccount"), [("x-session", witness.session)])
    )
    assert answer.status == 200
    assert answer.body == b""


# -- query strings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("page=" + "9" * 5000 + "&size=1", id="5000-digit-page"),
        pytest.param("page=1000000000000000000000000000000&size=1", id="page-1e30"),
        pytest.param("page=-1&size=0", id="negative"),
        pytest.param("page=1.5&size=1e3", id="not-integers"),
        pytest.param("page=%ff%fe&size=%00", id="bad-percent-encoding"),
        pytest.param("&".join(["page=1"] * 5000), id="5000-repeats-and-size-missing"),
        pytest.param("q=" + "a" * 60_000, id="60-kb-unknown-and-page-missing"),
    ],
)
def test_absurd_query_strings_are_invalid_request(mock: RunningMock, witness: Witness, query: str) -> None:
    answer = send(
        mock.config.port,
        request_bytes("GET", f"{operation_path('listOrders')}?{query}", [("x-session", witness.session)]),
    )
    assert_envelope(answer, 400, "invalidRequest")


@pytest.mark.parametrize(
    ("address_id", "status", "code"),
    [
        pytest.param("7" * 5000, 400, "invalidRequest", id="longer-than-an-id"),
        pytest.param("7" * 64, 404, "invalidAddressId", id="longest-id"),
        pytest.param("%2e%2e%2f%2e%2e%2f", 404, "invalidAddressId", id="path-traversal"),
    ],
)
def test_absurd_ids_in_the_query(mock: RunningMock, witness: Witness, address_id: str, status: int, code: str) -> None:
    data = request_bytes(
        "GET", f"{operation_path('getAddress')}?addressId={address_id}", [("x-session", witness.session)]
    )
    assert_envelope(send(mock.config.port, data), status, code)


def test_thousands_of_unknown_query_parameters_are_ignored(mock: RunningMock, witness: Witness) -> None:
    query = "&".join(f"p{index}=x" for index in range(3000))
    answer = send(
        mock.config.port,
        request_bytes("GET", f"{operation_path('getAccount')}?{query}", [("x-session", witness.session)]),
    )
    assert answer.status == 200


# -- not HTTP: refused by the HTTP server before the mock sees it -------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(request_bytes("GET", "/api/v1/account/get", [("X-Nul", b"a\x00b")]), id="nul-in-a-header"),
        pytest.param(
            request_bytes("GET", "/api/v1/account/get", [("X-Ctl", b"a\x01b")]), id="control-byte-in-a-header"
        ),
        pytest.param(request_bytes("FOO", "/api/v1/account/get"), id="unknown-method-name"),
        pytest.param(request_bytes("get", "/api/v1/account/get"), id="lowercase-method"),
        pytest.param(
            request_bytes("POST", "/api/v1/account/login", [JSON, ("Content-Length", "-1")], b"{}"),
            id="negative-length",
        ),
        pytest.param(
            request_bytes("POST", "/api/v1/account/login", [JSON, ("Content-Length", "abc")], b"{}"),
            id="non-numeric-length",
        ),
        pytest.param(
            request_bytes(
                "POST", "/api/v1/account/login", [JSON, ("Content-Length", "2"), ("Content-Length", "3")], b"{}"
            ),
            id="two-lengths",
        ),
        pytest.param(
            request_bytes(
                "POST",
                "/api/v1/account/login",
                [JSON, ("Content-Length", "2"), ("Transfer-Encoding", "chunked")],
                b"2\r\n{}\r\n0\r\n\r\n",
            ),
            id="length-and-chunked",
        ),
        pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", id="http2-preface"),
        pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n", id="tls-hello"),
    ],
)
def test_malformed_http_is_refused_with_400_and_a_closed_connection(mock: RunningMock, data: bytes) -> None:
    answer = send(mock.config.port, data)
    assert answer.status == 400
    assert answer.elapsed < ANSWER_BOUND


# -- clients that stop half-way -------------------------------------------------------------------


def test_clients_that_stop_half_way_do_not_hold_up_others(mock: RunningMock, witness: Witness) -> None:
    half_head = b"GET /api/v1/account/get HTTP/1.1\r\nHost: 127.0.0.1\r\nx-sess"
    half_body = (
        request_bytes(
            "POST", operation_path("login"), [("x-session", witness.session), JSON, ("Content-Length", "1000")]
        )
        + b'{"id": '
    )
    stalled = []
    try:
        for data in [half_head, half_body] * 50:
            sock = socket.create_connection(("127.0.0.1", mock.config.port), timeout=ANSWER_BOUND)
            sock.sendall(data)
            stalled.append(sock)
        answer = send(
            mock.config.port,
            request_bytes("GET", operation_path("getAccount"), [("x-session", witness.session)]),
            bound=2,
        )
        assert answer.status == 200
    finally:
        for sock in stalled:
            sock.close()
