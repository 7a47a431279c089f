"""Regenerate the README's screenshots: the Overview, Velocity and Country pages, on a desk (1440x900) and on
a phone (390x844), in English and in French: docs/img/<page>-<size>-<lang>.png, 12 images.

    make screenshots        # or: PYTHONPATH=. .venv/bin/python scripts/screenshots.py [PAGE ...] [--lang fr]

Builds the demo warehouse in a temporary folder (the working warehouse is left alone), serves the app on
a free local port, and photographs each page's first screen (what shows without scrolling) with headless
Chromium. The browser reports its locale as en-CA whatever the language, as a person's would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = {"overview": "", "velocity": "velocity", "countries": "countries"}  # file name -> url path
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGS = ("en", "fr")
CHART = '[data-testid="stPlotlyChart"] .trace'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(base: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def photograph(browser, base: str, pages: dict[str, str], langs: tuple[str, ...]) -> list[Path]:
    written = []
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport, locale="en-CA")
        for lang in langs:
            for name, path in pages.items():
                page = context.new_page()
                page.goto(f"{base}/{path}?lang={lang}")
                page.wait_for_selector(IDLE, timeout=120_000)
                page.wait_for_selector(CHART, timeout=120_000)
                page.wait_for_selector(IDLE, timeout=120_000)
                page.wait_for_timeout(1500)  # plotly's last relayout and the fonts
                target = OUT / f"{name}-{size}-{lang}.png"
                page.screenshot(path=str(target))
                written.append(target)
                print(f"wrote {target.relative_to(ROOT)}", flush=True)
                page.close()
        context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    import argparse

    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description="Regenerate the README's screenshots (all of them by default).")
    parser.add_argument("pages", nargs="*", metavar="PAGE", help=f"only these pages: {', '.join(PAGES)}")
    parser.add_argument("--lang", choices=LANGS, action="append", help="only this language (repeatable)")
    args = parser.parse_args(argv)
    if unknown := [p for p in args.pages if p not in PAGES]:
        parser.error(f"unknown page {', '.join(unknown)}; the pages are {', '.join(PAGES)}")
    pages = {name: PAGES[name] for name in (args.pages or PAGES)}
    langs = tuple(args.lang or LANGS)

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DASHBOARD_WAREHOUSE": str(Path(tmp) / "warehouse"), "PYTHONPATH": str(ROOT)}
        env.pop("DASHBOARD_PROGRAMS", None)  # the demo's own programs file
        subprocess.run([sys.executable, "-m", "dashboard.build", "--force"], cwd=ROOT, env=env, check=True)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_server(base)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    photograph(browser, base, pages, langs)
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
