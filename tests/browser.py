"""Real headless Chromium for the browser tests (Debian's /usr/bin/chromium, driven by Playwright): every page in
a fresh browser profile, closed and deleted afterwards; screenshots kept under var/artifacts/<folder>/ for people
to look at. Test modules still ``pytest.importorskip("playwright.sync_api")`` themselves, before using this."""
from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List, Optional

import pytest

from bot.paths import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = REPO_ROOT / "var" / "artifacts"


@contextmanager
def chromium_driver() -> Iterator[Any]:
    """Playwright, once the browser is known to be installed (a missing browser fails the test, never skips it)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (scripts/setup.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


class FreshPages:
    """``open(url, viewport)`` → a page at ``url``, in a browser context of its own over a new profile folder
    (``profile_prefix``…); ``close()`` closes every context opened and deletes the folders.

    ``locale`` is the browsers' language (``None``: Chromium's default); ``timeout_ms`` Playwright's default
    timeout on each page."""

    def __init__(self, driver: Any, profile_prefix: str, locale: Optional[str] = "zh-CN",
                 timeout_ms: int = 120_000) -> None:
        self.driver, self.profile_prefix, self.locale, self.timeout_ms = driver, profile_prefix, locale, timeout_ms
        self.contexts: List[Any] = []
        self.profiles: List[str] = []

    def open(self, url: str, viewport: dict, init_script: Optional[str] = None):
        profile = tempfile.mkdtemp(prefix=self.profile_prefix)
        self.profiles.append(profile)
        language = {"locale": self.locale} if self.locale else {}
        context = self.driver.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, viewport=viewport, **language)
        self.contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(self.timeout_ms)
        page.goto(url)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        for profile in self.profiles:
            shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def fresh_pages(profile_prefix: str, **options) -> Iterator[FreshPages]:
    """:class:`FreshPages` on a Playwright driver of their own, for as long as the ``with`` block lasts."""
    with chromium_driver() as driver:
        pages = FreshPages(driver, profile_prefix, **options)
        try:
            yield pages
        finally:
            pages.close()


def save_screenshot(page, folder: str, name: str, full_page: bool = False) -> None:
    """The page as ``var/artifacts/<folder>/<name>.png``."""
    (ARTIFACTS / folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / folder / f"{name}.png"), full_page=full_page)
