"""Take the dashboard screenshots in docs/screenshots with headless Chromium (Debian's package).

Usage: python docs/make_screenshots.py [--db FILE]

Serves the store (default: a demo store built in benchmarks/_work/demo.duckdb) on a free
loopback port, opens each page in /usr/bin/chromium through Playwright (never a downloaded
browser), waits until every chart is drawn and saves a PNG. Requests that would leave localhost
are refused and reported.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).parent
OUT = HERE / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SHOTS = [
    # name, path, viewport (width, height), full page
    ("targets", "/?lang=en", (1280, 900), True),
    (
        "explorer",
        "/explorer?lang=en&indicator=le0&area=KAZ&area=KZ-75&area=KZ-79",
        (1280, 900),
        True,
    ),
    (
        "explorer_intervals",
        "/explorer?lang=en&indicator=le0&area=KAZ&area=KGZ&area=TUR",
        (1280, 900),
        True,
    ),
    (
        "explorer_vintages",
        "/explorer?lang=en&indicator=le0&area=KAZ&vintage=2023-09&compare=latest",
        (1280, 900),
        True,
    ),
    ("map", "/map?lang=en&indicator=le0&year=2010", (1280, 900), False),
    ("compare", "/compare?lang=en&indicator=tb_incidence", (1280, 900), True),
    ("lifetable", "/lifetable?lang=en&area=KAZ&year=2023&from=2018&to=2023", (1280, 900), True),
    (
        "explorer_kk",
        "/explorer?lang=kk&indicator=le0&area=KAZ&area=KZ-10&area=KZ-63",
        (1280, 900),
        False,
    ),
    ("map_ru", "/map?lang=ru&indicator=le0&year=2022", (1280, 900), False),
    ("targets_phone", "/?lang=ru", (390, 844), False),
]


def main() -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from salamat.api.app import create_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    db = args.db
    if db is None:
        db = HERE.parent / "benchmarks" / "_work" / "demo.duckdb"
        if not db.exists():
            db.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, "-m", "salamat", "demo", "--db", str(db)], check=True)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(db), log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    OUT.mkdir(parents=True, exist_ok=True)
    refused: list[str] = []

    def route(r: Any) -> None:
        if urlsplit(r.request.url).hostname in ("127.0.0.1", None):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, path, (width, height), full in SHOTS:
                context = browser.new_context(
                    viewport={"width": width, "height": height}, device_scale_factor=1
                )
                context.route("**/*", route)
                page = context.new_page()
                page.goto(base + path)
                page.wait_for_selector("body[data-charts-ready]", timeout=30_000)
                page.wait_for_timeout(300)
                target = OUT / f"{name}.png"
                page.screenshot(path=str(target), full_page=full)
                print(f"{target} ({target.stat().st_size:,} bytes)")
                context.close()
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
    if refused:
        raise SystemExit(f"requests outside localhost were refused: {refused}")


if __name__ == "__main__":
    main()
