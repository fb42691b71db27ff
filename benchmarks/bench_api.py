"""Benchmark: the REST API's series route under a steady load on loopback, and the landing page.

Usage: python benchmarks/bench_api.py [--db FILE] [--rate 200] [--seconds 20] [--append-results]

1. Uses the store ``--db`` (else builds the demo store in benchmarks/_work/demo.duckdb once).
2. Starts the server in its own process (uvicorn, one worker, loopback, a free port), twice:
   - **baseline**: the results memo off, so every request queries DuckDB and serialises;
   - **Salamat**: as ``salamat serve`` runs it (memo on; the store is read-only while served),
     loaded twice in a row: *cold* (a fresh server: each distinct URL is computed the first
     time it comes) and *steady* (the same server again).
3. For each, an open-loop load generator (asyncio, 32 keep-alive connections, bounded:
   ``rate x seconds`` requests, 10 s timeout each) sends ``/api/v1/series/...`` requests at a
   constant rate, cycling through a mix of indicators, areas (countries, regions, OTS), sexes and
   JSON/CSV. Latency is measured from each request's *scheduled* time, so a stall counts against
   every request it delays (no coordinated omission).
4. Opens the landing page in headless Chromium (/usr/bin/chromium) on a fresh server: cold (memo
   empty: the target board is computed) and warm; time until every chart is drawn.
Prints the figures; ``--append-results`` appends them to benchmarks/results.jsonl, and they are
always written to benchmarks/_work/results_api.jsonl.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

HERE = Path(__file__).parent
WORK = HERE / "_work"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
INDICATORS = ["le0", "tb_incidence", "che_gdp", "population_jan1", "physicians"]
AREAS = [
    "KAZ",
    "KZ-75",
    "KZ-71",
    "KZ-79",
    "KZ-ONT",
    "KZ-10",
    "KZ-63",
    "KZ-VOS",
    "UZB",
    "KGZ",
    "TUR",
    "AZE",
    "OTS",
    "KAZ,KZ-75,KZ-71",
]
SEXES = ["total", "female", "male", "all"]
SERVER = """
import sys, uvicorn
from salamat.api.app import create_app
app = create_app(sys.argv[1], cache_size=int(sys.argv[3]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            access_log=False, ws="none")
"""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB, {platform.system()} {platform.release()}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_store(path: Path | None) -> Path:
    if path is not None:
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / "demo.duckdb"
    if not db.exists():
        subprocess.run(
            [sys.executable, "-m", "salamat", "demo", "--db", str(db)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return db


class Server:
    """The app in its own Python process, so the load generator does not share its GIL."""

    def __init__(self, db: Path, cache_size: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(db), str(self.port), str(cache_size)]
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/api/v1/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("the server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def request_mix() -> list[str]:
    urls = []
    for ind, area, sex in itertools.product(INDICATORS, AREAS, SEXES):
        fmt = "csv" if hash((ind, area, sex)) % 4 == 0 else "json"
        urls.append(f"/api/v1/series/{ind}?area={area}&sex={sex}&format={fmt}")
    rng = np.random.default_rng(6)
    rng.shuffle(urls)
    return urls


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str
) -> tuple[int, int]:
    """One HTTP/1.1 keep-alive GET; returns (status, body bytes). Minimal on purpose: httpx's
    per-request cost in the same 2 cores would be measured as server latency."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        total = 0
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            total += size
            if size == 0:
                return status, total
    await reader.readexactly(length)
    return status, length


async def load(base: str, rate: float, seconds: float, connections: int = 32) -> dict[str, Any]:
    """Open-loop: request i is due at ``t0 + i / rate``; its latency runs from that time.

    A producer releases each request at its due time into a queue; ``connections`` keep-alive
    connections take them in turn. Bounded: ``rate x seconds`` requests, 10 s timeout each.
    """
    urls = request_mix()
    total = int(rate * seconds)
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors: list[str] = []
    queue: asyncio.Queue[tuple[float, str] | None] = asyncio.Queue()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while (job := await queue.get()) is not None:
                due, path = job
                try:
                    status, _n = await asyncio.wait_for(_get(reader, writer, path), 10)
                    if status != 200:
                        errors.append(f"{status} {path}")
                except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                    errors.append(f"{type(exc).__name__} {path}")
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
                latencies.append(time.perf_counter() - due)
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    await asyncio.sleep(0.3)
    t0 = time.perf_counter()
    for i in range(total):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, urls[i % len(urls)]))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - t0
    ms = np.array(latencies) * 1000
    return {
        "requests": total,
        "distinct_urls": min(total, len(urls)),
        "achieved_rps": round(total / elapsed, 1),
        "errors": len(errors),
        "error_examples": errors[:5],
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p90_ms": round(float(np.percentile(ms, 90)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(float(ms.max()), 2),
    }


def landing_page(db: Path) -> dict[str, float] | None:
    if not CHROMIUM.exists():
        return None
    from playwright.sync_api import sync_playwright

    server = Server(db, 4096)
    try:
        out: dict[str, float] = {}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            for run in ("cold", "warm", "warm2"):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(server.url + "/?lang=en")
                page.wait_for_selector("body[data-charts-ready]", timeout=30_000)
                out[f"{run}_s"] = round(time.perf_counter() - start, 3)
                context.close()
            browser.close()
        return out
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--append-results", action="store_true")
    args = parser.parse_args()
    db = demo_store(args.db)
    runs = {}
    for name, cache in (("baseline_no_memo", 0), ("salamat", 4096)):
        server = Server(db, cache)
        try:
            phase = "cold" if cache else "every_request_computed"
            runs[f"{name}_{phase}"] = asyncio.run(load(server.url, args.rate, args.seconds))
            print(name, phase, json.dumps(runs[f"{name}_{phase}"]))
            if cache:  # the same server again: every URL of the mix has been asked once
                runs[f"{name}_steady"] = asyncio.run(load(server.url, args.rate, args.seconds))
                print(name, "steady", json.dumps(runs[f"{name}_steady"]))
        finally:
            server.stop()
    page = landing_page(db)
    print("landing page", json.dumps(page))
    record = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "bench": "api_series",
        "machine": machine(),
        "python": platform.python_version(),
        "rate": args.rate,
        "seconds": args.seconds,
        **{f"{k}_{m}": v for k, r in runs.items() for m, v in r.items() if m != "error_examples"},
        "landing_page": page,
        "ratio_p99_cold": round(
            runs["salamat_cold"]["p99_ms"]
            / max(runs["baseline_no_memo_every_request_computed"]["p99_ms"], 1e-9),
            3,
        ),
    }
    WORK.mkdir(parents=True, exist_ok=True)
    lines = [WORK / "results_api.jsonl"] + ([HERE / "results.jsonl"] if args.append_results else [])
    for path in lines:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
    for phase in ("cold", "steady"):
        r = runs[f"salamat_{phase}"]
        ok = r["p99_ms"] < 50 and r["errors"] == 0
        print(f"goal p99 < 50 ms, no errors ({phase}):", "met" if ok else "NOT met")
    if page is not None:
        print("goal landing page < 1.5 s (cold):", "met" if page["cold_s"] < 1.5 else "NOT met")


if __name__ == "__main__":
    main()
