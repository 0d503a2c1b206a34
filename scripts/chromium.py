"""The headless Chromium the browser tests and bench/pages.py launch (Playwright): Debian's
`chromium` and one list of flags, so the tests and the benchmark measure the same browser.

Usage: ``from scripts.chromium import CHROMIUM, ARGS`` (the repository root on sys.path),
then ``playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)``.
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"  # Debian's package (make browser)
# No sandbox (containers run as root), no GPU, and nothing in the background that could
# reach the network or change timings (component updates, sync, first-run pages).
ARGS: list[str] = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
