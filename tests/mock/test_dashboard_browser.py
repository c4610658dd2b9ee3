"""The dashboard in a real Chromium (Debian's `chromium`, driven by Playwright), against a mock on a loopback port."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from browser import WAIT_MS, chromium, playwright_or_skip
from mock_api import DEMO_EMAIL, Api

from mock_server.config import ServerConfig
from mock_server.testing import running_mock
from storefront_kit import registry

sync_api = playwright_or_skip()
expect = sync_api.expect


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module; each test gets a fresh page in it."""
    with chromium(sync_api) as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors


@pytest.fixture
def fresh(api: Api) -> Api:
    """The shared mock in its fixture state, with an empty journal and no faults."""
    assert api.controls.delete("/requests").status_code == 200
    assert api.controls.delete("/faults").status_code == 200
    return api


def _open(page: Any, api: Api, section: str) -> None:
    page.goto(f"{api.mock.base_url}/")
    expect(page).to_have_url(re.compile(r"/__mock/"))
    page.get_by_role("tab", name=re.compile(section)).click()
    expect(page.get_by_role("tab", name=re.compile(section))).to_have_attribute("aria-selected", "true")


def test_the_journal_shows_a_request_made_after_the_page_opened(page: Any, fresh: Api) -> None:
    _open(page, fresh, "Requests")
    expect(page.get_by_label("From")).to_be_hidden()  # one contract: nothing to filter by
    response = fresh.call("getAccount")  # no session: refused
    assert response.status_code == 401
    row = page.locator("#journal-table tbody tr", has_text="/api/v1/account/get")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("401")
    row.get_by_role("button").click()
    detail = page.locator("#journal-detail")
    expect(detail).to_contain_text("getAccount")
    expect(detail.locator(".refusal")).to_contain_text(response.json()["error"]["code"])


def test_a_setting_saved_in_the_form_changes_the_mocks_behaviour(page: Any, fresh: Api) -> None:
    session = fresh.login()
    assert fresh.call("updateEmail", session=session, json={"email": "a@example.com"}).json()["verificationRequired"]
    _open(page, fresh, "Settings")
    checkbox = page.get_by_label("emailChangeVerification")
    expect(checkbox).to_be_checked()
    checkbox.uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#notice")).to_contain_text("Saved: emailChangeVerification")
    assert fresh.settings()["emailChangeVerification"] is False
    answer = fresh.call("updateEmail", session=session, json={"email": "b@example.com"}).json()
    assert answer["verificationRequired"] is False and answer["account"]["email"] == "b@example.com"


def test_a_refused_setting_shows_the_reason_and_changes_nothing(page: Any, fresh: Api) -> None:
    _open(page, fresh, "Settings")
    page.get_by_label("sessionIdleSeconds").fill("0")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#notice.error")).to_contain_text("sessionIdleSeconds")
    assert fresh.settings()["sessionIdleSeconds"] == 1800


def test_a_sticky_fault_set_in_the_page_answers_the_next_calls(page: Any, fresh: Api) -> None:
    _open(page, fresh, "Faults")
    form = page.locator("#fault-form")
    form.get_by_label("Operation").select_option("createSession")
    form.get_by_label("Error").select_option("redisServicePoolInaccessible")
    form.get_by_label("For the next").fill("2")
    form.get_by_role("button", name="Force").click()
    expect(page.locator("#faults-table tbody tr")).to_contain_text("redisServicePoolInaccessible")
    for _ in range(2):
        forced = fresh.call("createSession")
        assert forced.status_code == 503 and forced.json()["error"]["code"] == "redisServicePoolInaccessible"
    assert fresh.call("createSession").status_code == 200


def test_the_outbox_link_confirms_the_email_change(page: Any, fresh: Api) -> None:
    session = fresh.login()
    fresh.call("updateEmail", session=session, json={"email": "moved@example.com"})
    assert fresh.call("getAccount", session=session).json()["account"]["email"] == DEMO_EMAIL
    _open(page, fresh, "Outbox")
    link = page.get_by_role("link", name=re.compile(r"email-verify\?otok="))
    link.click()
    expect(page.locator("#notice")).to_contain_text("is now moved@example.com")
    assert fresh.call("getAccount", session=session).json()["account"]["email"] == "moved@example.com"


def test_the_controls_token_entered_in_the_page_is_sent(browser: Any) -> None:
    config = ServerConfig(port=0, controls_token="s3cret")
    with running_mock(config) as mock:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{mock.controls_url}/")
        expect(page.locator("#notice.error")).to_contain_text("controls token")
        page.get_by_label("Controls token").fill("s3cret")
        page.get_by_role("button", name="Use").click()
        httpx.post(f"{mock.api_url}/session/create")
        expect(page.locator("#journal-table tbody tr", has_text="/session/create")).to_have_count(1)
        context.close()


@pytest.mark.parametrize("name", registry.contract_names())
def test_every_tab_works_for_every_contract(browser: Any, name: str) -> None:
    with running_mock(contract=name) as mock:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{mock.controls_url}/")
        httpx.get(f"{mock.api_url}/no-such-path")
        expect(page.locator("#journal-table tbody tr", has_text="/no-such-path")).to_have_count(1)
        for tab in ("Outbox", "Accounts", "Settings", "Faults"):
            page.get_by_role("tab", name=tab).click()
            expect(page.locator(f"#{tab.lower()}")).to_be_visible()
        page.get_by_role("tab", name="Settings").click()
        expect(page.locator("#settings-fields .field").first).to_be_visible()
        context.close()
    assert errors == [], errors


def test_with_several_contracts_the_chosen_ones_settings_are_saved(browser: Any) -> None:
    with running_mock(ServerConfig(port=0, contracts=tuple(registry.contract_names()))) as mock:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{mock.controls_url}/#settings")
        page.get_by_label("Contract", exact=True).select_option("zest")
        currency = page.get_by_label("currency", exact=True)
        expect(currency).to_have_value("NZD")
        currency.fill("AUD")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator("#notice")).to_contain_text("Saved: currency")
        context.close()
        controls = f"{mock.controls_url}/settings"
        assert httpx.get(controls, params={"contract": "zest"}).json()["currency"] == "AUD"
        assert httpx.get(controls, params={"contract": "websale"}).json()["sessionIdleSeconds"] == 1800


def test_the_tabs_follow_the_arrow_keys(page: Any, fresh: Api) -> None:
    _open(page, fresh, "Requests")
    page.get_by_role("tab", name=re.compile("Requests")).focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Outbox")).to_be_focused()
    expect(page.get_by_role("tabpanel")).to_have_attribute("id", "outbox")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="Faults")).to_have_attribute("aria-selected", "true")


def test_the_accounts_tab_tells_who_logs_in_with_what(page: Any, fresh: Api) -> None:
    session = fresh.login()
    _open(page, fresh, "Accounts")
    demo = page.locator("#accounts-body tr", has_text=DEMO_EMAIL).first
    expect(demo).to_contain_text("Demo-Password-1")
    expect(page.locator("#accounts-body tr", has_text=session).first).to_contain_text(DEMO_EMAIL)


def test_with_several_contracts_the_journal_filters_by_contract(browser: Any) -> None:
    with running_mock(ServerConfig(port=0, contracts=("websale", "zest"))) as mock:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{mock.controls_url}/")
        httpx.post(f"{mock.url_of('websale')}/session/create")
        httpx.get(f"{mock.url_of('zest')}/Cart")
        rows = page.locator("#journal-table tbody tr")
        expect(rows).to_have_count(2)
        page.get_by_label("From").select_option("zest")
        page.get_by_role("button", name="Filter").click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("/API/V3/Cart")
        context.close()
