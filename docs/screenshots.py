"""Take the README's screenshots of the dashboard: a WEBSALE mock with some traffic, in Debian's Chromium.

    .venv/bin/python docs/screenshots.py        # writes docs/img/dashboard-*.png

Needs `chromium` (apt-get install chromium) and Playwright (in the test extras); no browser download.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import ViewportSize, sync_playwright

from mock_server.testing import running_mock

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
OUT = Path(__file__).resolve().parent / "img"
VIEWPORT: ViewportSize = {"width": 1280, "height": 720}


def _traffic(api: httpx.Client, controls: httpx.Client) -> None:
    """A short visit: a session, a wrong password, a login, an e-mail change, a bad address, a forced fault."""
    session = api.post("/session/create").json()["id"]
    headers = {"x-session": session}
    api.post("/account/login", headers=headers, json={"id": "demo@example.com", "password": "Wrong-Password-1"})
    api.post("/account/login", headers=headers, json={"id": "demo@example.com", "password": "Demo-Password-1"})
    api.get("/account/get", headers=headers)
    api.post("/account/email/update", headers=headers, json={"email": "max.new@example.com"})
    api.post("/account/address/create", headers=headers, json={"address": {"zip": 12345}})
    api.get("/account/get")
    controls.post("/faults", json={"operationId": "login", "error": "loginBlocked", "times": 3})
    controls.post("/faults", json={"operationId": "getAccount", "delayMs": 1500, "times": 5})


def _shoot(page: Any, name: str) -> None:
    page.wait_for_timeout(400)  # the panel's first answer and its layout
    path = OUT / f"dashboard-{name}.png"
    page.screenshot(path=str(path))
    print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with running_mock() as mock:
        with httpx.Client(base_url=mock.api_url) as api, httpx.Client(base_url=mock.controls_url) as controls:
            _traffic(api, controls)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(f"{mock.base_url}/")
            rows = page.locator("#journal-table tbody tr")
            rows.first.wait_for()
            rows.filter(has_text="/account/login").last.get_by_role("button").click()
            page.locator("#journal-detail .refusal").wait_for()
            _shoot(page, "journal")
            for tab in ("Outbox", "Settings", "Faults", "Accounts"):
                page.get_by_role("tab", name=tab).click()
                _shoot(page, tab.lower())
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
