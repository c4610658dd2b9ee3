"""WEBSALE's contract (openapi.yaml) holds what the vendor documents and the decisions it states.

The conventions every contract keeps are checked for all of them in tests/contract.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from openapi_schema_validator import OAS30Validator
from spec_tree import walk

from storefront_kit import registry

CONTRACT = registry.contract("websale")
RAW = CONTRACT.raw
RESOLVED = CONTRACT.resolved
FORMATS = OAS30Validator.FORMAT_CHECKER

# Error codes per operation as the vendor documents them (seeds 000 and 004), with the status the
# contract decided for each code. The session group's code table sits under prepareRedirect.
VENDOR_CODES: dict[str, dict[str, int]] = {
    "createSession": {},
    "prepareRedirect": {"redirectNotFound": 404, "redisServicePoolInaccessible": 503, "redisServiceNotFound": 503},
    "login": {"emailCheckFailed": 400, "loginBlocked": 429, "invalidCredentials": 401, "ipAddressBlocked": 429},
    "autologin": {"invalidToken": 401},
    "register": {"emailCheckFailed": 400, "loginBlocked": 429, "passwordCheckFailed": 400, "accountAlreadyExists": 409},
    "getAccount": {},
    "logout": {},
    "deleteAccount": {"notLoggedIn": 401, "actionNotAllowed": 403},
    "confirmAccountDeletion": {"notLoggedIn": 401, "actionNotAllowed": 403},
    "listAddressFields": {},
    "listAddresses": {"notLoggedIn": 401},
    "getAddress": {"notLoggedIn": 401},
    "createAddress": {"notLoggedIn": 401, "emptyAddress": 400, "unknownField": 400, "invalidFieldType": 400},
    "updateAddress": {"invalidAddressId": 404, "emptyAddress": 400, "unknownField": 400, "invalidFieldType": 400},
    "setMainAddress": {"notLoggedIn": 401, "invalidAddressId": 404},
    "deleteAddress": {"notLoggedIn": 401, "invalidAddressId": 404},
    "listBackInStock": {},
    "createBackInStock": {"notLoggedIn": 401, "notAllowed": 403, "missingInventoryState": 409, "entryExists": 409},
    "deleteBackInStock": {"notLoggedIn": 401, "notAllowed": 403, "missingInventoryState": 409},
    "listOrders": {},
    "getOrder": {},
    "updateDisplayName": {"notLoggedIn": 401},
    "updateEmail": {"emailCheckFailed": 400, "accountAlreadyExists": 409},
    "verifyEmail": {"actionNotAllowed": 403},
    "changePassword": {
        "notLoggedIn": 401,
        "emailMismatch": 403,
        "missingEmail": 403,
        "failedPasswordAuth": 403,
        "missingPasswordAuth": 403,
        "passwordCheckFailed": 400,
    },
    "requestPasswordReset": {"emailCheckFailed": 400, "passwordRecoveryFailed": 404},
    "resetPassword": {"notLoggedIn": 401, "emailMismatch": 403, "missingEmail": 403, "passwordCheckFailed": 400},
}

# Which documented code a broken syntactic rule must produce: (operation, body, code).
RULE_CASES = [
    pytest.param("login", {"id": "not-an-email", "password": "x"}, "emailCheckFailed", id="login-email-format"),
    pytest.param("login", {"password": "x"}, "emailCheckFailed", id="login-email-missing"),
    pytest.param(
        "login",
        {"id": "a@example.com", "password": "x", "autologin": "always"},
        "invalidRequest",
        id="login-autologin-enum",
    ),
    pytest.param(
        "register",
        {"email": "a@example.com", "password": "short1"},
        "passwordCheckFailed",
        id="register-password-length",
    ),
    pytest.param(
        "register",
        {"email": "a@example.com", "password": "lettersonly"},
        "passwordCheckFailed",
        id="register-password-no-digit",
    ),
    pytest.param(
        "register", {"email": "a@example", "password": "Passwort-123"}, "emailCheckFailed", id="register-email-format"
    ),
    pytest.param("createAddress", {}, "emptyAddress", id="address-missing"),
    pytest.param("createAddress", {"address": {}}, "emptyAddress", id="address-empty"),
    pytest.param("createAddress", {"address": {"floor": "2"}}, "unknownField", id="address-unknown-field"),
    pytest.param("createAddress", {"address": {"zip": 75172}}, "invalidFieldType", id="address-number-for-string"),
    pytest.param("createAddress", {"address": {"country": "Germany"}}, "invalidFieldType", id="address-country-form"),
    pytest.param(
        "createAddress", {"address": {"custom": {"packstation": 5}}}, "invalidFieldType", id="address-custom-type"
    ),
    pytest.param("updateAddress", {"addressId": "97", "address": {}}, "emptyAddress", id="update-address-empty"),
    pytest.param("updateAddress", {"address": {"city": "Ulm"}}, "invalidRequest", id="update-address-id-missing"),
    pytest.param("changePassword", {"newPassword": "weak"}, "passwordCheckFailed", id="change-password-policy"),
    pytest.param("resetPassword", {"newPassword": "Passwort-123"}, "invalidRequest", id="reset-token-missing"),
    pytest.param("updateEmail", {"email": "no-at-sign"}, "emailCheckFailed", id="email-update-format"),
    pytest.param("requestPasswordReset", {"email": "@example.com"}, "emailCheckFailed", id="forgotten-email-format"),
    pytest.param("createBackInStock", {"email": "x", "productId": "1"}, "emailCheckFailed", id="back-in-stock-email"),
    pytest.param("prepareRedirect", {"viewIdentifier": ""}, "invalidRequest", id="redirect-identifier-empty"),
]


def check_instance(instance: Any, schema: dict[str, Any]) -> None:
    OAS30Validator(schema, format_checker=FORMATS).validate(instance)


def test_contract_declares_the_27_documented_operations() -> None:
    assert len(CONTRACT.operations) == 27
    assert set(CONTRACT.operations) == set(VENDOR_CODES)


@pytest.mark.parametrize("operation_id", sorted(VENDOR_CODES))
def test_vendor_error_codes_are_listed_under_the_decided_status(operation_id: str) -> None:
    operation = CONTRACT.operation(operation_id)
    for code, status in VENDOR_CODES[operation_id].items():
        assert code in operation.codes_by_status.get(status, ()), f"{code} not under {status}"
        assert code not in operation.kit_codes, f"{code} is the vendor's, not the kit's"
    kit_added = operation.error_codes - set(VENDOR_CODES[operation_id])
    assert kit_added <= operation.kit_codes, f"codes added by the kit but not marked: {kit_added - operation.kit_codes}"


def test_catalog_tells_vendor_codes_from_kit_codes() -> None:
    vendor = {code for codes in VENDOR_CODES.values() for code in codes}
    catalogued_vendor = {code for code, entry in CONTRACT.catalog.items() if entry.origin == "vendor"}
    # Every code the vendor documents anywhere is catalogued as the vendor's; the vendor also
    # documents notLoggedIn on password/reset and the session codes on the session group.
    assert vendor <= catalogued_vendor
    assert {entry.origin for entry in CONTRACT.catalog.values()} == {"vendor", "kit"}


@pytest.mark.parametrize(("operation_id", "body", "expected"), RULE_CASES)
def test_broken_rule_maps_to_its_documented_code(operation_id: str, body: Any, expected: str) -> None:
    schema = CONTRACT.request_body_schema(operation_id)
    assert schema is not None
    errors = list(OAS30Validator(schema, format_checker=FORMATS).iter_errors(body))
    assert errors, "the body should break a rule"
    error = jsonschema.exceptions.best_match(errors)
    missing = None
    if error.validator == "required":
        missing = next(name for name in error.validator_value if name not in error.instance)
    code = CONTRACT.code_for_schema_failure(schema, error.absolute_schema_path, error.validator, missing)
    assert code == expected
    assert code in CONTRACT.operation(operation_id).codes_by_status[400]


def test_settings_schema_defaults_form_valid_settings() -> None:
    schema = CONTRACT.settings_schema()
    minimal = {
        "storefrontBaseUrl": "https://demo.shop.example",
        "redirects": [{"identifier": "checkout", "targetTemplateName": "checkout.htm"}],
    }
    check_instance(minimal, schema)
    with pytest.raises(jsonschema.ValidationError):
        check_instance({**minimal, "loginThrottle": {"accountMaxFailures": 0}}, schema)


def test_servers_name_a_real_shop_and_the_local_mock() -> None:
    urls = [server["url"] for server in RAW["servers"]]
    assert "https://{shop}/api/v1" in urls
    assert any(url.startswith("http://127.0.0.1") and url.endswith("/api/v1") for url in urls)


def test_login_is_required_exactly_where_an_anonymous_session_cannot_succeed() -> None:
    anonymous_ok = {
        "createSession",
        "prepareRedirect",
        "login",
        "autologin",
        "register",
        "getAccount",
        "logout",
        "listAddressFields",
        "verifyEmail",
        "requestPasswordReset",
        "resetPassword",
    }
    for operation in CONTRACT.operations.values():
        requires_login = bool(operation.extensions.get("x-requires-login"))
        assert requires_login == (operation.operation_id not in anonymous_ok), operation.operation_id
        if requires_login:
            assert "notLoggedIn" in operation.codes_by_status[401]


def test_settings_dependent_codes_are_403s_no_schema_rule_produces() -> None:
    """A field the schema calls optional and the shop requires is refused as a setting refuses
    (403), so a schema-valid request never gets a 400 (Schemathesis' positive_data_acceptance)."""
    dependent = {code for code, entry in CONTRACT.catalog.items() if entry.settings_dependent}
    assert dependent == {"missingEmail", "missingPasswordAuth"}
    mapped = set()
    for _, node in walk(RAW):
        if isinstance(node, dict) and "x-error-code" in node:
            rule = node["x-error-code"]
            mapped.update([rule] if isinstance(rule, str) else rule.values())
    assert not dependent & mapped
    assert all(CONTRACT.catalog[code].status == 403 for code in dependent)
