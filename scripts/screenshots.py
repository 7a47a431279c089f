"""Regenerate the README's screenshots of the Overview (docs/img/overview-en.png, overview-fr.png).

    make screenshots        # or: PYTHONPATH=. .venv/bin/python scripts/screenshots.py

Builds the demo warehouse in a temporary folder (the working warehouse is left alone), serves the app on
a free local port, and photographs the Overview in English and in French with headless Chromium.
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
VIEWPORT = {"width": 1400, "height": 1500}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    from playwright.sync_api import sync_playwright

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
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for lang in ("en", "fr"):
                    page = browser.new_page(viewport=VIEWPORT)
                    page.goto(f"{base}/?lang={lang}")
                    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                                           timeout=60_000)
                    page.wait_for_selector('[data-testid="stPlotlyChart"] .barlayer .trace', timeout=60_000)
                    page.wait_for_timeout(1000)
                    target = OUT / f"overview-{lang}.png"
                    page.screenshot(path=str(target))
                    print(f"wrote {target.relative_to(ROOT)}")
                    page.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
