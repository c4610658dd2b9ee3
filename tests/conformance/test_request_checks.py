"""What the validation proxy finds in a client's request, read by the contract's validators and codecs."""

from __future__ import annotations

import pytest

from conformance.request_checks import SentRequest, find_operation, request_failures
from storefront_kit import registry


def _sent(
    method: str, path: str, query: str = "", headers: dict[str, str] | None = None, body: bytes = b""
) -> SentRequest:
    return SentRequest(method, path, query, [(name.lower(), value) for name, value in (headers or {}).items()], body)


def _findings(contract: str, request: SentRequest) -> list[tuple[str, str]]:
    return [(failure.rule, failure.message) for failure in request_failures(registry.contract(contract), request)]


def test_a_literal_path_wins_over_a_template_and_path_values_are_read() -> None:
    contract = registry.contract("emporix")
    own = find_operation(contract, "GET", "/session-context/shop/me/context")
    assert own is not None and own[0].operation_id == "getOwnSessionContext" and own[1] == {"tenant": "shop"}
    managed = find_operation(contract, "GET", "/session-context/shop/context/s-1")
    assert managed is not None and managed[1] == {"tenant": "shop", "sessionId": "s-1"}
    assert find_operation(contract, "GET", "/session-context/shop") is None


@pytest.mark.parametrize(
    ("contract", "request_sent", "rule", "words"),
    [
        pytest.param(
            "websale",
            _sent("PATCH", "/api/v1/account/get"),
            "request_operation_documented",
            "(documented: GET)",
            id="undocumented-method",
        ),
        pytest.param(
            "websale",
            _sent("GET", "/api/v1/nowhere"),
            "request_operation_documented",
            "not an operation",
            id="unknown-path",
        ),
        pytest.param(
            "websale",
            _sent("GET", "/api/v1/account/order/list", "page=0&size=x", {"x-session": "s"}),
            "request_parameters_match_schema",
            "the query parameter size: 'x' is not of type 'integer'",
            id="query-type",
        ),
        pytest.param(
            "emporix",
            _sent("GET", "/session-context/A/me/context", headers={"authorization": "Bearer t"}),
            "request_parameters_match_schema",
            "the path parameter tenant",
            id="path-pattern",
        ),
        pytest.param(
            "optimizely",
            _sent("GET", "/api/v1/sessions/current", headers={"cookie": "SessionId=" + "x" * 600}),
            "request_parameters_match_schema",
            "the cookie parameter SessionId",
            id="cookie-length",
        ),
        pytest.param(
            "optimizely",
            # Another app's cookie that Python's own cookie parser chokes on hides nothing.
            _sent("GET", "/api/v1/sessions/current", headers={"cookie": 'prefs={"a": 1}; SessionId=' + "x" * 600}),
            "request_parameters_match_schema",
            "the cookie parameter SessionId",
            id="cookie-length-beside-a-malformed-cookie",
        ),
        pytest.param(
            "optimizely",
            _sent(
                "POST",
                "/identity/connect/token",
                headers={"content-type": "application/x-www-form-urlencoded"},
                body=b"grant_type=magic",
            ),
            "request_body_matches_schema",
            "the body/grant_type: 'magic' is not one of",
            id="form-enum",
        ),
        pytest.param(
            "websale",
            _sent("POST", "/api/v1/account/login", headers={"x-session": "s", "content-type": "text/plain"}, body=b"x"),
            "request_body_matches_schema",
            "sent as text/plain; the contract documents application/json",
            id="media-type",
        ),
        pytest.param(
            "zest",
            _sent("POST", "/API/V3/Cart", headers={"content-type": "application/xml"}, body=b"<CartItem><sku>"),
            "request_body_matches_schema",
            "the body cannot be read as application/xml",
            id="malformed-xml",
        ),
    ],
)
def test_a_request_breaking_the_contract_is_named_by_its_rule(
    contract: str, request_sent: SentRequest, rule: str, words: str
) -> None:
    findings = _findings(contract, request_sent)
    assert [found_rule for found_rule, _ in findings] == [rule]
    assert words in findings[0][1]


@pytest.mark.parametrize(
    ("contract", "request_sent"),
    [
        pytest.param(
            "websale",
            _sent(
                "POST",
                "/api/v1/account/login",
                headers={"x-session": "s", "content-type": "application/json; charset=utf-8"},
                body=b'{"id": "a@example.com", "password": "p"}',
            ),
            id="json",
        ),
        pytest.param(
            "optimizely",
            _sent(
                "POST",
                "/identity/connect/token",
                headers={"content-type": "application/x-www-form-urlencoded"},
                body=b"grant_type=password&username=demo&password=x&scope=iscapi+offline_access",
            ),
            id="form",
        ),
        pytest.param(
            "zest",
            _sent(
                "POST",
                "/API/V3/Cart",
                "_session_token=1",
                {"content-type": "text/xml"},
                b"<ResultSet><CartItem><sku>4012</sku><quantity>2</quantity></CartItem></ResultSet>",
            ),
            id="xml",
        ),
        pytest.param(
            "websale", _sent("GET", "/api/v1/account/order/list", "page=1&size=5", {"x-session": "s"}), id="query"
        ),
    ],
)
def test_a_request_within_the_contract_has_no_findings(contract: str, request_sent: SentRequest) -> None:
    assert _findings(contract, request_sent) == []
