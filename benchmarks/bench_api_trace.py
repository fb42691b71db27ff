"""A timing log of every request inside the benchmark's server (``bench_api.py --trace``).

:func:`traced` wraps the ASGI app: for each request it records, on the server's clock
(``time.perf_counter``), when the app was called (after uvicorn parsed the request), when the
route's work began and ended (the results memo's ``get``, and within it the series service),
on which thread, with how much of that thread's CPU, and when the response started and ended.
The collector's runs are recorded too (``gc.callbacks``). Everything is written as JSON lines
to the given file when the server stops (its lifespan's shutdown). For the benchmark only: the app itself has no log.
"""

from __future__ import annotations

import contextvars
import gc
import json
import threading
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_current: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "trace", default=None
)


def traced(app: ASGIApp, out: str) -> ASGIApp:
    """``app`` with every request timed (module notes); the log goes to ``out`` at exit."""
    from salamat.api.cache import Memo
    from salamat.services import web as svc

    records: list[dict[str, Any]] = []
    gcs: list[dict[str, Any]] = []
    threads: dict[int, float] = {}
    gc_start: list[float] = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_start[0] = time.perf_counter()
        else:
            now = time.perf_counter()
            gcs.append(
                {
                    "start": gc_start[0],
                    "ms": (now - gc_start[0]) * 1000,
                    "generation": info.get("generation"),
                    "collected": info.get("collected"),
                }
            )

    gc.callbacks.append(on_gc)

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            rec = _current.get()
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                if rec is not None:
                    rec[name + "_start"] = t0
                    rec[name + "_end"] = time.perf_counter()
                    rec[name + "_cpu_ms"] = (time.thread_time() - c0) * 1000

        return wrapper

    original_get = Memo.get

    def memo_get(self: Memo, key: Any, build: Any) -> Any:
        rec = _current.get()
        if rec is not None:
            ident = threading.get_ident()
            rec["thread"] = ident
            if ident not in threads:
                threads[ident] = time.perf_counter()
                rec["new_thread"] = True
            rec["hit"] = True

            def counted() -> Any:
                rec["hit"] = False
                return build()

            return timed("route", lambda: original_get(self, key, counted))()
        return original_get(self, key, build)

    Memo.get = memo_get  # type: ignore[method-assign]
    for name in ("series_json_bytes", "series_csv_bytes", "series_json_text", "series_csv_text"):
        if hasattr(svc, name):  # an older checkout has the text ones only
            setattr(svc, name, timed("service", getattr(svc, name)))

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":

            async def on_shutdown(message: Message) -> None:
                if message["type"] == "lifespan.shutdown.complete":
                    dump()  # uvicorn ends on the signal that stopped it: no atexit
                await send(message)

            await app(scope, receive, on_shutdown)
            return
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        rec: dict[str, Any] = {
            "path": scope["path"] + "?" + scope.get("query_string", b"").decode(),
            "arrive": time.perf_counter(),
        }
        _current.set(rec)

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                rec["response_start"] = time.perf_counter()
                rec["status"] = message["status"]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                rec["response_end"] = time.perf_counter()

        await app(scope, receive, timed_send)
        records.append(rec)

    def dump() -> None:
        with open(out, "w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps({"kind": "request", **r}) + "\n")
            for g in gcs:
                fh.write(json.dumps({"kind": "gc", **g}) + "\n")

    return wrapped


def report(path: str, top: int = 15) -> None:
    """The cold pass's slowest requests, phase by phase, and the collector's runs among them.

    Columns (ms): ``lat`` the client's latency from the due time; ``queue`` due -> sent (the
    client waited for a free connection); ``wire`` sent -> the app called (the socket, h11,
    the event loop busy); ``pre`` the app called -> the route's work began (middleware,
    validation, the store dependency, the thread pool); ``route`` the memo's get (``cpu`` that
    thread's CPU in it, ``svc`` the series service); ``post`` the route's end -> the last byte.
    """
    with open(path, encoding="utf-8") as fh:
        lines = [json.loads(x) for x in fh]
    reqs: dict[str, dict[str, Any]] = {}
    for r in lines:  # the first time each path came: the cold pass
        if r["kind"] == "request":
            reqs.setdefault(r["path"], r)
    gcs = [g for g in lines if g["kind"] == "gc"]
    with open(path + ".client", encoding="utf-8") as fh:
        client = [json.loads(x) for x in fh]
    t0 = min(c["due"] for c in client)
    rows = []
    for c in client:
        r = reqs.get(c["path"], {})
        if not r:
            continue

        def ms(a: str, b: str, r: dict[str, Any] = r) -> float:
            return (r.get(b, float("nan")) - r.get(a, float("nan"))) * 1000

        rows.append(
            {
                "at": (c["due"] - t0) * 1000,
                "lat": c["ms"],
                "queue": (c["sent"] - c["due"]) * 1000,
                "wire": (r["arrive"] - c["sent"]) * 1000,
                "pre": ms("arrive", "route_start"),
                "route": ms("route_start", "route_end"),
                "cpu": r.get("route_cpu_ms", float("nan")),
                "svc": ms("service_start", "service_end"),
                "post": ms("route_end", "response_end"),
                "new": "T" if r.get("new_thread") else "",
                "hit": r.get("hit"),
                "path": c["path"].removeprefix("/api/v1/series/"),
                "start": r["arrive"],
                "end": r.get("response_end", r["arrive"]),
            }
        )
    lat = sorted(x["lat"] for x in rows)
    n = len(lat)
    print(
        f"{n} cold requests; p50 {lat[n // 2]:.1f} p90 {lat[int(n * 0.9)]:.1f} "
        f"p99 {lat[int(n * 0.99)]:.1f} max {lat[-1]:.1f} ms"
    )
    cold_end = max(x["end"] for x in rows)
    first = min(x["start"] for x in rows)
    cold_gcs = [g for g in gcs if first <= g["start"] <= cold_end]
    print(
        f"collector runs in the cold pass: {len(cold_gcs)}, "
        f"{sum(g['ms'] for g in cold_gcs):.1f} ms; by generation "
        + str(
            {k: round(sum(g["ms"] for g in cold_gcs if g["generation"] == k), 1) for k in (0, 1, 2)}
        )
    )
    for g in sorted(cold_gcs, key=lambda g: -g["ms"])[:5]:
        print(
            f"  gc gen {g['generation']} at {(g['start'] - first) * 1000:.0f} "
            f"ms (server clock from the first arrival): {g['ms']:.1f} ms"
        )
    print(
        f"{'at':>6} {'lat':>6} {'queue':>6} {'wire':>6} {'pre':>6} {'route':>6} {'cpu':>6} "
        f"{'svc':>6} {'post':>6} new hit path"
    )
    for x in sorted(rows, key=lambda x: -x["lat"])[:top]:
        print(
            f"{x['at']:6.0f} {x['lat']:6.1f} {x['queue']:6.1f} {x['wire']:6.1f} {x['pre']:6.1f} "
            f"{x['route']:6.1f} {x['cpu']:6.1f} {x['svc']:6.1f} {x['post']:6.1f} "
            f"{x['new']:>3} {str(x['hit'])[:1]:>3} {x['path'][:70]}"
        )
    threads = sum(1 for x in rows if x["new"])
    print(f"threads first seen in the cold pass: {threads}")


if __name__ == "__main__":
    import sys

    report(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15)
