"""PATCH /__mock/settings: a JSON merge patch of one contract's settings, validated, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mock_api import DEMO_EMAIL, Api, assert_error

from mock_server.config import ServerConfig
from mock_server.testing import RunningMock, running_mock

MERGE_PATCH = {"content-type": "application/merge-patch+json"}


def test_one_setting_changes_and_the_others_stay(api: Api) -> None:
    before = api.settings()
    response = api.controls.patch("/settings", json={"doubleOptInDeletion": True})
    assert response.status_code == 200, response.text
    assert response.json() == {**before, "doubleOptInDeletion": True}
    assert api.settings() == response.json()


def test_objects_merge_member_by_member_and_null_restores_the_default(api: Api) -> None:
    api.controls.patch("/settings", json={"sessionIdleSeconds": 60})
    patched = api.controls.patch(
        "/settings",
        content=b'{"loginThrottle": {"ipMaxFailures": 3}, "sessionIdleSeconds": null}',
        headers=MERGE_PATCH,
    )
    assert patched.status_code == 200, patched.text
    settings = patched.json()
    assert settings["loginThrottle"]["ipMaxFailures"] == 3
    assert settings["loginThrottle"]["accountMaxFailures"] == 5
    assert settings["sessionIdleSeconds"] == 1800


def test_a_patched_setting_changes_the_mocks_behaviour(api: Api) -> None:
    session = api.login()
    body = {"email": DEMO_EMAIL, "productId": "SKU-IN-STOCK-1"}
    api.controls.patch("/settings", json={"backInStockAllowed": False})
    assert_error(api.call("createBackInStock", session=session, json=body), 403, "notAllowed")
    api.controls.patch("/settings", json={"backInStockAllowed": True})
    assert api.call("createBackInStock", session=session, json=body).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"sessionIdleSeconds": 0}, "sessionIdleSeconds", id="below-minimum"),
        pytest.param({"storefrontBaseUrl": None}, None, id="required-removed"),
        pytest.param({"colour": "red"}, None, id="unknown-setting"),
        pytest.param({"loginThrottle": {"ipMaxFailures": "many"}}, "loginThrottle.ipMaxFailures", id="nested"),
        pytest.param([], None, id="not-an-object"),
        pytest.param("text", None, id="a-string"),
    ],
)
def test_a_patch_that_breaks_the_schema_changes_nothing(api: Api, body: Any, field: str | None) -> None:
    before = api.settings()
    assert_error(
        api.controls.patch("/settings", json={"doubleOptInDeletion": True, **body} if isinstance(body, dict) else body),
        400,
        "invalidRequest",
        field,
    )
    assert api.settings() == before


def test_a_patch_that_is_not_json_is_refused(api: Api) -> None:
    assert_error(api.controls.patch("/settings", content=b"{oops", headers=MERGE_PATCH), 400, "invalidRequest")
    assert_error(
        api.controls.patch("/settings", content=b"a=b", headers={"content-type": "text/plain"}),
        415,
        "unsupportedMediaType",
    )


@pytest.fixture(scope="module")
def two_contracts() -> Iterator[RunningMock]:
    with running_mock(ServerConfig(port=0, contracts=("websale", "optimizely"))) as mock:
        yield mock


def test_another_contracts_settings_are_patched_by_name(two_contracts: RunningMock) -> None:
    url = f"{two_contracts.controls_url}/settings"
    assert_error(httpx.patch(url, json={"lockoutSeconds": 60}), 400, "invalidRequest", "contract")
    assert_error(httpx.patch(url, params={"contract": "nope"}, json={}), 404, "unknownContract", "contract")
    patched = httpx.patch(url, params={"contract": "optimizely"}, json={"passwordRules": {"minLength": 12}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["passwordRules"] == {
        "minLength": 12,
        "requireDigit": True,
        "requireUppercase": True,
        "requireLowercase": True,
        "requireSpecialCharacter": False,
    }
    assert httpx.get(url, params={"contract": "websale"}).json()["sessionIdleSeconds"] == 1800
