"""Benchmark: the REST API's series route from a cold start and under a steady load, and the
landing page.

Usage: python benchmarks/bench_api.py [--db FILE] [--rate 200] [--seconds 20] [--append-results]

1. Uses the store ``--db`` (else builds the demo store in benchmarks/_work/demo.duckdb once).
2. The load: 500 distinct ``/api/v1/series/...`` URLs (8 indicators x 17 area choices: countries,
   regions, abolished regions, OTS, a WHO region, several areas at once; x sex x from/to; a
   quarter as CSV), drawn once with a fixed seed and sent in that order, again and again.
3. Starts the server in its own process (uvicorn, one worker, loopback, a free port), as
   ``salamat serve`` runs it, in turn (the pairs alternated when ``--pairs`` > 1):
   - **baseline**: the same server with its slabs off, so a first-time series request is the
     store's own query (DuckDB writes the JSON), as Salamat answered before 2026-12-01; the
     results memo on, as served;
   - **Salamat**: as ``salamat serve`` runs it (slabs and memo on).
   Each is loaded from a cold start: the first 500 requests are the 500 distinct URLs, each
   asked for the first time (*cold*); the rest of ``rate x seconds`` repeat them (*steady*).
   The server's CPU time (user + system, from /proc) is read before and after the cold pass:
   divided by 500 it is the server CPU per first-time query, HTTP parsing included. Before
   it, the time from launch until the server answers, and its CPU time then: Salamat reads
   the catalogue and each indicator's values as it starts (services.web.warm_series).
4. The open-loop load generator (asyncio, 32 keep-alive connections, bounded: ``rate x
   seconds`` requests, 10 s timeout each) sends them at a constant rate. Latency is measured
   from each request's *scheduled* time, so a stall counts against every request it delays (no
   coordinated omission).
5. Opens the landing page in headless Chromium (/usr/bin/chromium) on a fresh server: cold (memo
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
from _common import HERE, RESULTS, WORK, append_result, load_average, machine

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
INDICATORS = [
    "le0",
    "tb_incidence",
    "che_gdp",
    "population_jan1",
    "physicians",
    "u5mr",
    "population",
    "ncd30q70",
]
AREAS = [
    "KAZ",
    "KZ-75",
    "KZ-71",
    "KZ-79",
    "KZ-ONT",  # abolished 2018
    "KZ-VOS",  # abolished 2022
    "KZ-10",
    "KZ-63",
    "UZB",
    "KGZ",
    "TUR",
    "AZE",
    "HUN",
    "OTS",
    "WHO-EUR",
    "KAZ,KZ-75,KZ-71",
    "KZ-ONT,KZ-63,KZ-19",
]
SEXES = ["total", "female", "male", "all"]
YEARS = ["", "&from=2010", "&from=2015&to=2020", "&to=2005", "&from=2019"]
DISTINCT = 500
SERVER = """
import importlib, sys, uvicorn
from salamat.api.app import create_app
if sys.argv[4] == "off":  # the baseline: every first-time series request is the store's query
    importlib.import_module("salamat.services.web.series").SLAB_MAX_ROWS = -1
app = create_app(sys.argv[1], cache_size=int(sys.argv[3]))
if len(sys.argv) > 5:  # --trace: a timing log of every request, written when the server stops
    sys.path.insert(0, sys.argv[6])
    from bench_api_trace import traced
    app = traced(app, sys.argv[5])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            access_log=False, ws="none")
"""


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

    def __init__(
        self, db: Path, cache_size: int, slabs: bool = True, trace: Path | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        extra = [str(trace), str(HERE)] if trace is not None else []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVER,
                str(db),
                str(self.port),
                str(cache_size),
                "on" if slabs else "off",
                *extra,
            ]
        )
        start = time.perf_counter()
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/api/v1/", timeout=1).status_code == 200:
                    self.ready_s = round(time.perf_counter() - start, 3)
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("the server did not start")
            time.sleep(0.02)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux /proc)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def request_mix() -> list[str]:
    """500 distinct series URLs, drawn with a fixed seed from every combination."""
    combos = list(itertools.product(INDICATORS, AREAS, SEXES, YEARS))
    rng = np.random.default_rng(6)
    picked = rng.choice(len(combos), size=DISTINCT, replace=False)
    urls = []
    for n, i in enumerate(picked):
        ind, area, sex, years = combos[i]
        fmt = "csv" if n % 4 == 0 else "json"
        urls.append(f"/api/v1/series/{ind}?area={area}&sex={sex}{years}&format={fmt}")
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


async def load(
    base: str,
    urls: list[str],
    rate: float,
    total: int,
    connections: int = 32,
    each: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Open-loop: request i is due at ``t0 + i / rate``; its latency runs from that time.

    A producer releases each request at its due time into a queue; ``connections`` keep-alive
    connections take them in turn (``urls`` in order, again and again). Bounded: ``total``
    requests, 10 s timeout each. ``each``, when given, receives every request's path, due
    time, send time and latency (``time.perf_counter``: the server's trace uses the same clock).
    """
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors: list[str] = []
    queue: asyncio.Queue[tuple[float, str] | None] = asyncio.Queue()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while (job := await queue.get()) is not None:
                due, path = job
                sent = time.perf_counter()
                try:
                    status, _n = await asyncio.wait_for(_get(reader, writer, path), 10)
                    if status != 200:
                        errors.append(f"{status} {path}")
                except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                    errors.append(f"{type(exc).__name__} {path}")
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
                latencies.append(time.perf_counter() - due)
                if each is not None:
                    each.append({"path": path, "due": due, "sent": sent, "ms": latencies[-1] * 1e3})
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
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
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


def run_server(
    db: Path, slabs: bool, rate: float, seconds: float, trace: Path | None = None
) -> dict[str, dict[str, Any]]:
    """A fresh server: the cold pass (each of the 500 URLs once), then the steady load.

    ``trace``: the server writes its timing log of every request to ``trace`` (when it stops)
    and the client's view of the cold pass goes to ``trace`` + ``.client``
    (:mod:`bench_api_trace`; ``python benchmarks/bench_api_trace.py FILE`` reports them)."""
    urls = request_mix()
    server = Server(db, 4096, slabs=slabs, trace=trace)
    each: list[dict[str, Any]] | None = [] if trace is not None else None
    try:
        before = server.cpu_seconds()
        ready = {"ready_s": server.ready_s, "server_cpu_at_ready_s": round(before, 3)}
        cold = asyncio.run(load(server.url, urls, rate, len(urls), each=each))
        cpu = server.cpu_seconds() - before
        cold["server_cpu_s"] = round(cpu, 3)
        cold["server_cpu_ms_per_first_time_query"] = round(cpu / len(urls) * 1000, 3)
        steady = asyncio.run(load(server.url, urls, rate, int(rate * seconds)))
    finally:
        server.stop()
    if trace is not None and each is not None:
        with open(str(trace) + ".client", "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(e) + "\n" for e in each)
    return {"start": ready, "cold": cold, "steady": steady}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pairs", type=int, default=1, help="baseline/Salamat pairs, alternated")
    parser.add_argument("--no-page", action="store_true", help="skip the landing page")
    parser.add_argument("--append-results", action="store_true")
    parser.add_argument(
        "--trace",
        type=Path,
        default=None,
        help="a folder: each server writes its timing log of every request there "
        "(python benchmarks/bench_api_trace.py FILE reports one)",
    )
    parser.add_argument(
        "--only", choices=("baseline", "salamat"), default=None, help="run one side only"
    )
    args = parser.parse_args()
    db = demo_store(args.db)
    load_before = os.getloadavg()
    runs: dict[str, list[dict[str, Any]]] = {"baseline_store_query": [], "salamat": []}
    for _ in range(args.pairs):
        for name, slabs in (("baseline_store_query", False), ("salamat", True)):
            if args.only is not None and not name.startswith(args.only):
                continue
            trace = None
            if args.trace is not None:
                args.trace.mkdir(parents=True, exist_ok=True)
                trace = args.trace / f"{name}_{len(runs[name])}.jsonl"
            out = run_server(db, slabs, args.rate, args.seconds, trace)
            runs[name].append(out)
            for phase, r in out.items():
                print(name, phase, json.dumps(r))
    page = None if args.no_page else landing_page(db)
    print("landing page", json.dumps(page))

    def median(name: str, phase: str, metric: str) -> float:
        values = [r[phase][metric] for r in runs[name]]
        return float(np.median(values)) if values else float("nan")

    record = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "bench": "api_series",
        "machine": machine(),
        "python": platform.python_version(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": load_average(),
        "rate": args.rate,
        "seconds": args.seconds,
        "distinct_urls": DISTINCT,
        "runs": runs,
        "landing_page": page,
        "ratio_cold_p99": round(
            median("salamat", "cold", "p99_ms")
            / max(median("baseline_store_query", "cold", "p99_ms"), 1e-9),
            3,
        ),
        "ratio_cpu_per_first_time_query": round(
            median("salamat", "cold", "server_cpu_ms_per_first_time_query")
            / max(
                median("baseline_store_query", "cold", "server_cpu_ms_per_first_time_query"), 1e-9
            ),
            3,
        ),
    }
    WORK.mkdir(parents=True, exist_ok=True)
    lines = [WORK / "results_api.jsonl"] + ([RESULTS] if args.append_results else [])
    for path in lines:
        append_result(record, path)
    print(
        "ratios (Salamat / baseline, medians):",
        record["ratio_cold_p99"],
        "p99 cold;",
        record["ratio_cpu_per_first_time_query"],
        "CPU per first-time query",
    )
    if not runs["salamat"]:
        return
    for phase in ("cold", "steady"):
        worst = max(r[phase]["p99_ms"] for r in runs["salamat"])
        errors = sum(r[phase]["errors"] for r in runs["salamat"])
        ok = worst < 50 and errors == 0
        print(f"goal p99 < 50 ms, no errors ({phase}, worst run):", "met" if ok else "NOT met")
    cpu = max(r["cold"]["server_cpu_ms_per_first_time_query"] for r in runs["salamat"])
    print(
        "goal < 3 ms server CPU per first-time query (worst run):", "met" if cpu < 3 else "NOT met"
    )
    if page is not None:
        print("goal landing page < 1.5 s (cold):", "met" if page["cold_s"] < 1.5 else "NOT met")


if __name__ == "__main__":
    main()
