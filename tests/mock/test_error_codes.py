"""Every error code the contract documents for an operation, produced by its real cause.

Codes every operation of a kind shares (401 for a missing session, 413, 415, malformed JSON) are
generated from the contract; the rest are one scenario each. The last test checks that together
they cover every documented code except the two 503 storage codes, which have no real cause in
an in-memory mock and are covered with `X-Mock-Error` in test_controls.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from mock_api import DEMO_EMAIL, DEMO_PASSWORD, Api, assert_error

from storefront_kit import registry

CONTRACT = registry.contract("websale")
STORAGE_CODES = frozenset({"redisServicePoolInaccessible", "redisServiceNotFound"})
OTHER_EMAIL = "empty@example.com"
UNKNOWN_PRODUCT = "NO-SUCH-PRODUCT"
NO_INVENTORY_PRODUCT = "SKU-NO-INVENTORY-1"
IN_STOCK_PRODUCT = "SKU-IN-STOCK-1"


def _foreign_ids(api: Api) -> tuple[str, str]:
    """An address id and an order id that belong to some account other than the demo's."""
    for account in api.mock.app.runtime.state("websale").fixtures.accounts:
        if account["email"] != DEMO_EMAIL and account["addresses"] and account["orders"]:
            return account["addresses"][0]["id"], account["orders"][0]["id"]
    raise AssertionError("the fixtures need a second account with addresses and orders")


def _fail_logins(api: Api, times: int, email: str = DEMO_EMAIL, vary: bool = False) -> None:
    for attempt in range(times):
        target = f"nobody{attempt}@example.com" if vary else email
        response = api.call("login", session=api.new_session(), json={"id": target, "password": "wrong-password"})
        assert response.status_code == 401, response.text


def _pending_email_taken(api: Api) -> httpx.Response:
    demo = api.login()
    assert api.call("updateEmail", session=demo, json={"email": "wanted@example.com"}).status_code == 200
    token = api.outbox(to="wanted@example.com")[-1]["token"]
    api.register(email="Wanted@Example.com")
    return api.call("verifyEmail", session=demo, json={"otok": token})


def _login_blocked(api: Api) -> httpx.Response:
    api.change_settings(loginThrottle={"accountMaxFailures": 2, "accountBlockSeconds": 60})
    _fail_logins(api, 2)
    return api.call("login", session=api.new_session(), json={"id": DEMO_EMAIL.upper(), "password": DEMO_PASSWORD})


def _ip_blocked(api: Api) -> httpx.Response:
    api.change_settings(loginThrottle={"accountMaxFailures": 50, "ipMaxFailures": 2, "ipBlockSeconds": 60})
    _fail_logins(api, 2, vary=True)
    return api.call("login", session=api.new_session(), json={"id": DEMO_EMAIL, "password": DEMO_PASSWORD})


def _register_while_ip_blocked(api: Api) -> httpx.Response:
    api.change_settings(loginThrottle={"accountMaxFailures": 50, "ipMaxFailures": 1, "ipBlockSeconds": 60})
    _fail_logins(api, 1)
    return api.call(
        "register", session=api.new_session(), json={"email": "later@example.com", "password": "Register-Pass-1"}
    )


def _delete_with_bad_token(api: Api) -> httpx.Response:
    api.change_settings(doubleOptInDeletion=True)
    return api.call("deleteAccount", session=api.login(), json={"otok": "not-a-real-token"})


def _bis(
    operation_id: str, product: str, *, allowed: bool = True, email: str = DEMO_EMAIL, twice: bool = False
) -> Callable[[Api], httpx.Response]:
    def scenario(api: Api) -> httpx.Response:
        if not allowed:
            api.change_settings(backInStockAllowed=False)
        session = api.login()
        if twice:
            assert (
                api.call(operation_id, session=session, json={"email": email, "productId": product}).status_code == 200
            )
        return api.call(operation_id, session=session, json={"email": email, "productId": product})

    return scenario


def _logged_in(
    operation_id: str, *, json: Any = None, params: dict[str, Any] | None = None
) -> Callable[[Api], httpx.Response]:
    return lambda api: api.call(operation_id, session=api.login(), json=json, params=params)


def _anonymous(operation_id: str, json: Any) -> Callable[[Api], httpx.Response]:
    return lambda api: api.call(operation_id, session=api.new_session(), json=json)


def _with_settings(
    changes: dict[str, Any], scenario: Callable[[Api], httpx.Response]
) -> Callable[[Api], httpx.Response]:
    def run(api: Api) -> httpx.Response:
        api.change_settings(**changes)
        return scenario(api)

    return run


def _reset_with(json_without_token: dict[str, Any]) -> Callable[[Api], httpx.Response]:
    def scenario(api: Api) -> httpx.Response:
        assert (
            api.call("requestPasswordReset", session=api.new_session(), json={"email": DEMO_EMAIL}).status_code == 200
        )
        token = api.outbox(to=DEMO_EMAIL)[-1]["token"]
        return api.call("resetPassword", session=api.new_session(), json={**json_without_token, "otok": token})

    return scenario


ADDRESS_BODY = {"address": {"city": "Pforzheim"}}

# (operationId, code, field or None, scenario)
SCENARIOS: list[tuple[str, str, str | None, Callable[[Api], httpx.Response]]] = [
    (
        "prepareRedirect",
        "redirectNotFound",
        "viewIdentifier",
        lambda api: api.call("prepareRedirect", session=api.new_session(), json={"viewIdentifier": "nowhere"}),
    ),
    ("login", "emailCheckFailed", "id", _anonymous("login", {"id": "not-an-email", "password": "x"})),
    ("login", "invalidCredentials", None, _anonymous("login", {"id": DEMO_EMAIL, "password": "Wrong-Password-1"})),
    ("login", "loginBlocked", None, _login_blocked),
    ("login", "ipAddressBlocked", None, _ip_blocked),
    ("autologin", "invalidToken", "token", _anonymous("autologin", {"token": "f" * 64})),
    (
        "register",
        "emailCheckFailed",
        "email",
        _anonymous("register", {"email": "@example.com", "password": "Register-Pass-1"}),
    ),
    (
        "register",
        "passwordCheckFailed",
        "password",
        _anonymous("register", {"email": "x@example.com", "password": "lettersonly"}),
    ),
    (
        "register",
        "accountAlreadyExists",
        "email",
        _anonymous("register", {"email": "DEMO@example.com", "password": "Register-Pass-1"}),
    ),
    ("register", "loginBlocked", None, _register_while_ip_blocked),
    ("deleteAccount", "actionNotAllowed", "otok", _delete_with_bad_token),
    (
        "confirmAccountDeletion",
        "actionNotAllowed",
        "otok",
        _logged_in("confirmAccountDeletion", json={"otok": "whatever"}),
    ),
    (
        "getAddress",
        "invalidAddressId",
        "addressId",
        lambda api: api.call("getAddress", session=api.login(), params={"addressId": _foreign_ids(api)[0]}),
    ),
    ("getAddress", "invalidRequest", None, _logged_in("getAddress")),
    ("createAddress", "emptyAddress", "address", _logged_in("createAddress", json={"address": {}})),
    ("createAddress", "unknownField", "address.floor", _logged_in("createAddress", json={"address": {"floor": "2"}})),
    ("createAddress", "invalidFieldType", "address.zip", _logged_in("createAddress", json={"address": {"zip": 75172}})),
    ("updateAddress", "emptyAddress", "address", _logged_in("updateAddress", json={"addressId": "5001"})),
    (
        "updateAddress",
        "unknownField",
        "address.floor",
        _logged_in("updateAddress", json={"addressId": "5001", "address": {"floor": "2"}}),
    ),
    (
        "updateAddress",
        "invalidFieldType",
        "address.country",
        _logged_in("updateAddress", json={"addressId": "5001", "address": {"country": "Germany"}}),
    ),
    (
        "updateAddress",
        "invalidAddressId",
        "addressId",
        lambda api: api.call(
            "updateAddress", session=api.login(), json={"addressId": _foreign_ids(api)[0], **ADDRESS_BODY}
        ),
    ),
    ("setMainAddress", "invalidAddressId", "addressId", _logged_in("setMainAddress", json={"addressId": "999999"})),
    ("deleteAddress", "invalidAddressId", "addressId", _logged_in("deleteAddress", json={"addressId": "999999"})),
    ("createBackInStock", "emailCheckFailed", "email", _bis("createBackInStock", IN_STOCK_PRODUCT, email="no-at-sign")),
    ("createBackInStock", "notAllowed", None, _bis("createBackInStock", "SKU-OUT-OF-STOCK-1", allowed=False)),
    ("createBackInStock", "missingInventoryState", "productId", _bis("createBackInStock", NO_INVENTORY_PRODUCT)),
    ("createBackInStock", "entryExists", None, _bis("createBackInStock", IN_STOCK_PRODUCT, twice=True)),
    ("deleteBackInStock", "emailCheckFailed", "email", _bis("deleteBackInStock", IN_STOCK_PRODUCT, email="no-at-sign")),
    ("deleteBackInStock", "notAllowed", None, _bis("deleteBackInStock", "SKU-OUT-OF-STOCK-2", allowed=False)),
    ("deleteBackInStock", "missingInventoryState", "productId", _bis("deleteBackInStock", UNKNOWN_PRODUCT)),
    ("listOrders", "invalidRequest", None, _logged_in("listOrders", params={"page": 1, "size": 101})),
    (
        "getOrder",
        "invalidOrderId",
        "orderId",
        lambda api: api.call("getOrder", session=api.login(), params={"orderId": _foreign_ids(api)[1]}),
    ),
    ("getOrder", "invalidRequest", None, _logged_in("getOrder")),
    ("updateDisplayName", "invalidRequest", "displayName", _logged_in("updateDisplayName", json={"displayName": ""})),
    ("updateEmail", "emailCheckFailed", "email", _logged_in("updateEmail", json={"email": "two@@example.com"})),
    ("updateEmail", "accountAlreadyExists", "email", _logged_in("updateEmail", json={"email": OTHER_EMAIL.upper()})),
    ("verifyEmail", "actionNotAllowed", "otok", _anonymous("verifyEmail", {"otok": "0" * 32})),
    ("verifyEmail", "accountAlreadyExists", None, _pending_email_taken),
    (
        "changePassword",
        "passwordCheckFailed",
        "newPassword",
        _logged_in("changePassword", json={"newPassword": "12345678", "passwordAuth": DEMO_PASSWORD}),
    ),
    (
        "changePassword",
        "missingEmail",
        "email",
        _with_settings(
            {"passwordChange": {"requireEmail": True}},
            _logged_in("changePassword", json={"newPassword": "New-Secret-9", "passwordAuth": DEMO_PASSWORD}),
        ),
    ),
    (
        "changePassword",
        "emailMismatch",
        "email",
        _logged_in("changePassword", json={"newPassword": "New-Secret-9", "email": OTHER_EMAIL}),
    ),
    (
        "changePassword",
        "missingPasswordAuth",
        "passwordAuth",
        _logged_in("changePassword", json={"newPassword": "New-Secret-9"}),
    ),
    (
        "changePassword",
        "failedPasswordAuth",
        "passwordAuth",
        _logged_in("changePassword", json={"newPassword": "New-Secret-9", "passwordAuth": "Not-It-123"}),
    ),
    (
        "requestPasswordReset",
        "emailCheckFailed",
        "email",
        _anonymous("requestPasswordReset", {"email": "missing-domain@"}),
    ),
    (
        "requestPasswordReset",
        "passwordRecoveryFailed",
        "email",
        _anonymous("requestPasswordReset", {"email": "nobody@example.com"}),
    ),
    ("resetPassword", "passwordCheckFailed", "newPassword", _reset_with({"newPassword": "short1"})),
    (
        "resetPassword",
        "missingEmail",
        "email",
        _with_settings({"passwordReset": {"requireEmail": True}}, _reset_with({"newPassword": "New-Secret-9"})),
    ),
    (
        "resetPassword",
        "notLoggedIn",
        "otok",
        _anonymous("resetPassword", {"newPassword": "New-Secret-9", "otok": "used-or-unknown"}),
    ),
    ("resetPassword", "emailMismatch", "email", _reset_with({"newPassword": "New-Secret-9", "email": OTHER_EMAIL})),
]


@pytest.mark.parametrize(
    ("operation_id", "code", "field", "scenario"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in SCENARIOS],
)
def test_documented_code_by_its_cause(
    api: Api, operation_id: str, code: str, field: str | None, scenario: Callable[[Api], httpx.Response]
) -> None:
    response = scenario(api)
    assert_error(response, CONTRACT.operation(operation_id).status_of(code) or 0, code, field)
    if response.status_code == 429:
        assert int(response.headers["Retry-After"]) >= 1


SESSION_OPERATIONS = [op for op in CONTRACT.operations.values() if op.secured]
LOGIN_OPERATIONS = sorted(
    op.operation_id for op in CONTRACT.operations.values() if op.extensions.get("x-requires-login")
)
BODY_OPERATIONS = [op for op in CONTRACT.operations.values() if op.has_body]


def _minimal_body(operation_id: str) -> dict[str, Any]:
    return {"prepareRedirect": {"viewIdentifier": "checkout"}}.get(operation_id, {})


@pytest.mark.parametrize("operation", [pytest.param(op, id=op.operation_id) for op in SESSION_OPERATIONS])
@pytest.mark.parametrize(
    "session",
    [pytest.param(None, id="missing"), pytest.param("a" * 64, id="unknown"), pytest.param("not-hex", id="malformed")],
)
def test_operation_without_live_session_answers_its_session_code(api: Api, operation: Any, session: str | None) -> None:
    # The body is wrong on purpose: the 401 must win over validation.
    response = api.call(
        operation.operation_id, session=session, json={"unexpected": True} if operation.has_body else None
    )
    assert_error(response, 401, CONTRACT.unauthenticated_code(operation))


@pytest.mark.parametrize("operation_id", LOGIN_OPERATIONS)
def test_account_operation_on_anonymous_session_is_not_logged_in(api: Api, operation_id: str) -> None:
    operation = CONTRACT.operation(operation_id)
    response = api.call(
        operation_id, session=api.new_session(), json={"unexpected": True} if operation.has_body else None
    )
    assert_error(response, 401, "notLoggedIn")


@pytest.mark.parametrize("operation", [pytest.param(op, id=op.operation_id) for op in BODY_OPERATIONS])
def test_malformed_json_is_invalid_request(api: Api, operation: Any) -> None:
    session = api.login()
    response = api.call(
        operation.operation_id, session=session, content=b'{"broken": ', headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "invalidRequest")


@pytest.mark.parametrize("operation", [pytest.param(op, id=op.operation_id) for op in BODY_OPERATIONS])
def test_body_that_is_not_json_is_unsupported_media_type(api: Api, operation: Any) -> None:
    session = api.login()
    response = api.call(operation.operation_id, session=session, content=b"a=1", headers={"content-type": "text/plain"})
    assert_error(response, 415, "unsupportedMediaType")


@pytest.mark.parametrize("operation", [pytest.param(op, id=op.operation_id) for op in BODY_OPERATIONS])
def test_oversized_body_is_payload_too_large(api: Api, operation: Any) -> None:
    body = b'{"pad": "' + b"x" * CONTRACT.max_body_bytes + b'"}'
    response = api.call(
        operation.operation_id, session=api.new_session(), content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "payloadTooLarge")


def test_every_documented_code_is_covered_here() -> None:
    covered = {(op_id, code) for op_id, code, _, _ in SCENARIOS}
    for op in SESSION_OPERATIONS:
        covered.add((op.operation_id, CONTRACT.unauthenticated_code(op)))
    for op_id in LOGIN_OPERATIONS:
        covered.add((op_id, "notLoggedIn"))
    for op in BODY_OPERATIONS:
        covered |= {
            (op.operation_id, "invalidRequest"),
            (op.operation_id, "unsupportedMediaType"),
            (op.operation_id, "payloadTooLarge"),
        }
    documented = {
        (op.operation_id, code) for op in CONTRACT.operations.values() for code in op.error_codes - STORAGE_CODES
    }
    assert documented - covered == set()
    assert covered - documented == set()
