"""Debian's Chromium driven by Playwright, for the dashboard's browser tests (no browser download)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Headless as root, and none of the background connections this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 10_000


def playwright_or_skip() -> ModuleType:
    """`playwright.sync_api`; skips the calling test module without Chromium or Playwright."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is not installed (Debian: apt-get install chromium); the dashboard's browser tests are skipped",
            allow_module_level=True,
        )
    return pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e .[test])")


@contextmanager
def chromium(sync_api: ModuleType) -> Iterator[Any]:
    """A launched Chromium, closed on the way out."""
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
