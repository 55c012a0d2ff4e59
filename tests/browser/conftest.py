"""One Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

Never ``playwright install``: ``scripts/ensure-browser.sh`` installs Debian's chromium and
the CJK fonts. ``browser`` is a launched Chromium (one per test, closed afterwards);
``browser_page`` is a page on it at the viewport a test names by
``@pytest.mark.viewport(width, height, mobile=False)`` (375 × 812 phone by default), failing
the test on any JavaScript error. Screenshots go to ``SHOTS`` (``BROWSER_SHOTS_DIR``, default
the temp directory)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("BROWSER_SHOTS_DIR", tempfile.gettempdir()))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_page(browser, request):
    marker = request.node.get_closest_marker("viewport")
    width, height = marker.args if marker else (375, 812)
    mobile = marker.kwargs.get("mobile", width < 600) if marker else True
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=1,
        is_mobile=mobile,
        has_touch=mobile,
        locale="zh-CN",
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
