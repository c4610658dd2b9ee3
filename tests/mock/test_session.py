"""Sessions: creation, idle expiry and hand-over links."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from mock_api import Api, assert_error


def test_create_session_answers_64_lowercase_hex_characters(api: Api) -> None:
    response = api.call("createSession")
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{64}", response.json()["id"])


def test_each_session_is_new(api: Api) -> None:
    assert len({api.new_session() for _ in range(5)}) == 5


def test_new_session_is_anonymous(api: Api) -> None:
    response = api.call("getAccount", session=api.new_session())
    assert response.json() == {"loggedIn": False}


def test_session_ends_after_idle_time(api: Api) -> None:
    api.change_settings(sessionIdleSeconds=600)
    session = api.login()
    api.advance_clock(599)
    assert api.call("getAccount", session=session).json()["loggedIn"] is True
    api.advance_clock(601)
    assert_error(api.call("getAccount", session=session), 401, "notLoggedIn")
    assert_error(
        api.call("prepareRedirect", session=session, json={"viewIdentifier": "checkout"}), 401, "invalidSession"
    )


def test_using_a_session_restarts_its_idle_time(api: Api) -> None:
    api.change_settings(sessionIdleSeconds=600)
    session = api.login()
    for _ in range(3):
        api.advance_clock(400)
        assert api.call("getAccount", session=session).json()["loggedIn"] is True
    api.advance_clock(601)
    assert_error(api.call("getAccount", session=session), 401, "notLoggedIn")


def test_prepare_redirect_links_to_the_configured_template_with_a_session_key(api: Api) -> None:
    response = api.call("prepareRedirect", session=api.new_session(), json={"viewIdentifier": "checkout"})
    assert response.status_code == 200
    link = urlsplit(response.json()["storeFrontLink"])
    settings = api.settings()
    assert f"{link.scheme}://{link.netloc}" == settings["storefrontBaseUrl"].rstrip("/")
    assert link.path == "/checkout.htm"
    key = parse_qs(link.query)["sessionKey"][0]
    assert len(key) >= 24


def test_prepare_redirect_never_puts_the_session_id_in_the_link(api: Api) -> None:
    session = api.new_session()
    link = api.call("prepareRedirect", session=session, json={"viewIdentifier": "basket"}).json()["storeFrontLink"]
    assert session not in link


def test_prepare_redirect_session_keys_are_one_time_values(api: Api) -> None:
    session = api.new_session()
    links = {
        api.call("prepareRedirect", session=session, json={"viewIdentifier": "basket"}).json()["storeFrontLink"]
        for _ in range(3)
    }
    assert len(links) == 3


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"parameters": {"step": "address", "highlight": "shipping"}},
            {"step": "address", "highlight": "shipping"},
            id="parameters",
        ),
        pytest.param({"params": {"step": "address"}}, {"step": "address"}, id="deprecated-params"),
        pytest.param(
            {"params": {"step": "payment", "x": "1"}, "parameters": {"step": "address"}},
            {"step": "address", "x": "1"},
            id="parameters-win",
        ),
    ],
)
def test_prepare_redirect_carries_parameters_as_query(
    api: Api, body: dict[str, object], expected: dict[str, str]
) -> None:
    response = api.call("prepareRedirect", session=api.new_session(), json={"viewIdentifier": "checkout", **body})
    query = parse_qs(urlsplit(response.json()["storeFrontLink"]).query)
    assert {k: v[0] for k, v in query.items() if k != "sessionKey"} == expected


def test_prepare_redirect_follows_changed_settings(api: Api) -> None:
    api.change_settings(
        storefrontBaseUrl="https://shop.example.org/",
        redirects=[{"identifier": "cart", "targetTemplateName": "cart/view.htm"}],
    )
    link = api.call("prepareRedirect", session=api.new_session(), json={"viewIdentifier": "cart"}).json()[
        "storeFrontLink"
    ]
    assert link.startswith("https://shop.example.org/cart/view.htm?sessionKey=")
    assert_error(
        api.call("prepareRedirect", session=api.new_session(), json={"viewIdentifier": "checkout"}),
        404,
        "redirectNotFound",
    )
