"""Emporix's contract holds the vendor's session-context routes and the token routes, as documented."""

from __future__ import annotations

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from mock_server.config import ServerConfig
from mock_server.testing import running_mock
from storefront_kit import registry

CONTRACT = registry.contract("emporix")
MANAGE = "sessioncontext.context_manage"

# (method, path, success status) of every operation, as the vendor documents them.
OPERATIONS = {
    "getSessionContext": ("get", "/session-context/{tenant}/context/{sessionId}", 200),
    "updateSessionContext": ("put", "/session-context/{tenant}/context/{sessionId}", 204),
    "addSessionContextAttribute": ("post", "/session-context/{tenant}/context/{sessionId}/attributes", 204),
    "removeSessionContextAttribute": (
        "delete",
        "/session-context/{tenant}/context/{sessionId}/attributes/{attributeName}",
        204,
    ),
    "getOwnSessionContext": ("get", "/session-context/{tenant}/me/context", 200),
    "updateOwnSessionContext": ("patch", "/session-context/{tenant}/me/context", 204),
    "addOwnSessionContextAttribute": ("post", "/session-context/{tenant}/me/context/attributes", 201),
    "removeOwnSessionContextAttribute": (
        "delete",
        "/session-context/{tenant}/me/context/attributes/{attributeName}",
        204,
    ),
    "requestServiceToken": ("post", "/oauth/token", 200),
    "anonymousLogin": ("get", "/customerlogin/auth/anonymous/login", 200),
    "anonymousRefresh": ("get", "/customerlogin/auth/anonymous/refresh", 200),
    "customerLogin": ("post", "/customer/{tenant}/login", 200),
    "customerRefresh": ("get", "/customer/{tenant}/refreshauthtoken", 200),
    "customerLogout": ("get", "/customer/{tenant}/logout", 204),
}


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_documented_route_is_there_with_its_success_status(operation_id: str) -> None:
    method, path, success = OPERATIONS[operation_id]
    operation = CONTRACT.operation(operation_id)
    assert (operation.method, operation.path) == (method, path)
    successes = [status for status in CONTRACT.operation_spec(operation_id)["responses"] if status.startswith("2")]
    assert successes == [str(success)]
    if success == 204:
        assert "content" not in CONTRACT.operation_spec(operation_id)["responses"]["204"]


def test_there_are_no_other_operations() -> None:
    assert set(CONTRACT.operations) == set(OPERATIONS)


def test_management_routes_need_the_manage_scope_and_own_routes_a_session_token() -> None:
    for operation in CONTRACT.operations.values():
        if "/context/{sessionId}" in operation.path:
            assert operation.security == ({"OAuth2": (MANAGE,)},), operation.operation_id
        elif "/me/" in operation.path or operation.operation_id == "customerLogin":
            assert operation.security == ({"CustomerAccessToken": ()},), operation.operation_id
        else:
            assert operation.security == (), operation.operation_id


def test_an_own_attribute_is_answered_with_its_name_as_a_json_string() -> None:
    response = CONTRACT.operation_spec("addOwnSessionContextAttribute")["responses"]["201"]
    schema = response["content"]["application/json"]["schema"]
    OAS30Validator(schema).validate("colour")
    assert not OAS30Validator(schema).is_valid({"key": "colour"})


def test_put_and_patch_require_the_current_version_and_patch_keeps_unknown_fields_out_of_its_rules() -> None:
    for operation_id in ("updateSessionContext", "updateOwnSessionContext"):
        schema = CONTRACT.request_body_schema(operation_id)
        validator = OAS30Validator(schema)
        assert not validator.is_valid({"currency": "EUR"}), operation_id
        assert validator.is_valid({"currency": "EUR", "metadata": {"version": 3}}), operation_id
    # Other fields are ignored by PATCH, not refused.
    assert OAS30Validator(CONTRACT.request_body_schema("updateOwnSessionContext")).is_valid(
        {"cartId": "c-1", "metadata": {"version": 1}}
    )


def test_errors_carry_no_code_name_so_every_error_response_lists_its_codes() -> None:
    assert CONTRACT.error_format.code_at is None
    for operation in CONTRACT.operations.values():
        for status, response in CONTRACT.operation_spec(operation.operation_id)["responses"].items():
            if int(status) >= 400:
                assert response.get("x-error-codes"), (operation.operation_id, status)


def test_the_vendor_codes_and_the_kit_decisions_are_told_apart() -> None:
    vendor = {code for code, entry in CONTRACT.catalog.items() if entry.origin == "vendor"}
    assert vendor == {"invalidAccessToken", "invalidCredentials", "sessionNotFound", "internalError"}
    assert CONTRACT.catalog["versionConflict"].status == 409
    assert CONTRACT.catalog["sessionNotFound"].body["sessionId"] == "{sessionId}"


def test_the_tenant_is_a_lowercase_name_of_3_to_16_characters() -> None:
    parameter = next(p for p in CONTRACT.operation_spec("getSessionContext")["parameters"] if p["name"] == "tenant")
    validator = OAS30Validator(parameter["schema"])
    assert validator.is_valid("demoshop")
    for wrong in ("ab", "Demoshop", "1shop", "a" * 17):
        assert not validator.is_valid(wrong), wrong


def test_an_attribute_name_with_a_slash_is_refused_where_it_would_be_added() -> None:
    # Its DELETE route could never reach it: `%2F` is decoded or refused before routing.
    with running_mock(ServerConfig(port=0, contracts=("emporix",))) as mock:
        login = httpx.get(
            f"{mock.base_url}/customerlogin/auth/anonymous/login",
            params={"tenant": "demoshop", "client_id": "demo-storefront"},
        )
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        own = f"{mock.base_url}/session-context/demoshop/me/context"
        refused = httpx.post(f"{own}/attributes", headers=bearer, json={"key": "gift/message", "value": "v"})
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == 400 and refused.json()["message"].startswith("key: ")
        assert "gift/message" not in httpx.get(own, headers=bearer).json()["context"]
