"""Real-browser tests' shared parts: Debian's Chromium driven by Playwright, and where screenshots go.

A test calls `chromium` (a context manager yielding a Playwright browser); when Chromium or Playwright is missing
it is skipped, or failed under CI (`tests.services.missing`). Screenshots are test artifacts, written under
``TEST_ARTIFACTS`` (default ``test-artifacts/`` at the top of the checkout, git-ignored) and never committed.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.services import missing

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium's own background traffic off, as this machine's closed network needs (see .ci/run).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def artifacts(name: str) -> Path:
    """The directory for ``name``'s screenshots (created), under ``TEST_ARTIFACTS``."""
    root = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))
    directory = root / name
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright's ``Browser``), closed afterwards."""
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        missing(f"Chromium ({CHROMIUM})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a dev package of the Pipfile
        missing("Playwright")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
