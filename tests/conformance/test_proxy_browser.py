"""The proxy's dashboard in a real Chromium (Debian's `chromium`, driven by Playwright): its journal shows
the violations of a backend's answers as they happen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from browser import WAIT_MS, chromium, playwright_or_skip
from test_proxy import API, WrongBackend, proxy_to, serving

sync_api = playwright_or_skip()
expect = sync_api.expect


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium(sync_api) as browser:
        opened = browser.new_page()
        opened.set_default_timeout(WAIT_MS)
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        yield opened
    assert errors == [], errors


def test_the_proxys_journal_shows_a_violation_made_after_the_page_opened(page: Any) -> None:
    backend = WrongBackend()
    with serving(backend.app) as wrong, proxy_to(wrong) as proxy:
        page.goto(f"{proxy}/__mock/")
        expect(page.get_by_role("tab", name=re.compile("Requests"))).to_have_attribute("aria-selected", "true")
        expect(page.get_by_role("tab", name="Settings")).to_have_count(0)  # the proxy has only its journal

        assert httpx.post(f"{proxy}{API}/account/logout", headers={"x-session": "s" * 64}).status_code == 401
        row = page.locator("#journal-table tbody tr", has_text=f"{API}/account/logout")
        expect(row).to_contain_text("1 violation(s)")
        row.get_by_role("button").click()
        detail = page.locator("#journal-detail")
        expect(detail).to_contain_text("logout answered HTTP 401 invalidCredentials")
