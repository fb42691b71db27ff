"""What the benchmark scripts share: the machine and its load, (wall, CPU) timings, fresh store
files and the results file.

A script run as ``python benchmarks/NAME.py`` has this folder on its path, so it imports these
as ``from _common import machine, ...``.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salamat.ingest.summary import ImportSummary
    from salamat.store.connection import Store

HERE = Path(__file__).parent
WORK = HERE / "_work"
RESULTS = HERE / "results.jsonl"

# The regions of the synthetic records and persons: Kazakhstan's 17 regions and 3 cities in the
# borders of the June 2022 reform (in the store from 2022-01-01).
REGIONS = [
    "KZ-10",
    "KZ-11",
    "KZ-15",
    "KZ-19",
    "KZ-23",
    "KZ-27",
    "KZ-31",
    "KZ-33",
    "KZ-35",
    "KZ-39",
    "KZ-43",
    "KZ-47",
    "KZ-55",
    "KZ-59",
    "KZ-61",
    "KZ-62",
    "KZ-63",
    "KZ-71",
    "KZ-75",
    "KZ-79",
]


def machine() -> str:
    """The machine a result was measured on, e.g. ``AMD EPYC, 2 cores, 24 GB, Linux 6.18.44``:
    the CPU model from /proc/cpuinfo (else what Python reports: processor or architecture), the
    logical cores, the physical memory (left out where the OS does not report it) and the OS
    release."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    parts = [cpu, f"{os.cpu_count()} cores"]
    try:
        gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        parts.append(f"{gb:.0f} GB")
    except (AttributeError, ValueError, OSError):
        pass
    parts.append(f"{platform.system()} {platform.release()}")
    return ", ".join(parts)


def load_average(*before: float) -> list[float]:
    """The 1-, 5- and 15-minute load averages now, rounded to 0.01; ``before`` (an earlier
    ``os.getloadavg()``), when given, goes first: ``[*before, *now]``."""
    return [round(x, 2) for x in (*before, *os.getloadavg())]


class Timer:
    """Wall-clock (``time.perf_counter``) and CPU seconds (``time.process_time``: user + system
    of every thread of this process) of a block::

        with Timer() as t:
            work()
        t.wall, t.cpu
    """

    wall: float
    cpu: float

    def __enter__(self) -> Timer:
        self._t0, self._c0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.wall = time.perf_counter() - self._t0
        self.cpu = time.process_time() - self._c0


def run_timed(argv: list[str], env: Mapping[str, str] | None = None) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system, every thread) of one fresh process running
    ``argv``; its output is discarded, and a failure stops the benchmark with the end of its
    error output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        shown = " ".join(argv if len(argv) <= 6 else [*argv[:4], "..."])
        raise SystemExit(f"{shown} failed: {done.stderr.decode(errors='replace')[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def fresh(db: Path) -> Path:
    """``db`` with no store file and no write-ahead log left from an earlier run."""
    for p in (db, Path(f"{db}.wal")):
        p.unlink(missing_ok=True)
    return db


def duckdb_runs(
    files: list[Path], bare_sql: str, kind: str, db: Path, **options: Any
) -> tuple[dict[str, Any], ImportSummary]:
    """A bare DuckDB query of ``files`` (``bare_sql``, whose one parameter is the list of files;
    no checks, nothing written), then ``run_import(store, kind, files, **options)`` into the fresh on-disk
    store ``db``, which is removed after. Each is timed (wall clock) once, with the load average
    at its start; the import must succeed. Returns the figures and the import's summary."""
    import duckdb

    from salamat.services import imports as services
    from salamat.store.connection import Store

    con = duckdb.connect()
    load = load_average()
    with Timer() as bare:
        con.execute(bare_sql, [[str(f) for f in files]]).fetchall()
    con.close()
    fresh(db)
    load_import = load_average()
    with Store.open(db) as store, Timer() as timed:
        summary = services.run_import(store, kind, files, **options)
    assert summary.ok, summary.as_dict()
    db.unlink(missing_ok=True)
    figures = {
        "bare_group_by_s": round(bare.wall, 2),
        "bare_load": load,
        "import_s": round(timed.wall, 2),
        "import_load": load_import,
    }
    return figures, summary


def spark_runs(
    master: str,
    memory: str,
    run_import: Callable[[Store, Any], ImportSummary],
    db: Path,
    bare_sql: str | None = None,
) -> tuple[dict[str, Any], ImportSummary]:
    """A Spark session on ``master`` (driver memory ``memory``; the JVM's start is timed apart),
    then, if given, the bare Spark SQL query ``bare_sql`` (collected), then ``run_import(store,
    spark)`` into the fresh on-disk store ``db``, which is removed after; the session is stopped
    at the end. Each is timed (wall clock) once, with the load average at its start; the import
    must succeed. Returns the figures and the import's summary."""
    from salamat.store.connection import Store
    from salamat.store.spark import spark_session

    with Timer() as start:
        spark = spark_session(master, {"spark.driver.memory": memory})
        spark.sparkContext.setLogLevel("ERROR")
    figures: dict[str, Any] = {"master": master, "cores": 0, "jvm_start_s": round(start.wall, 2)}
    if bare_sql is not None:
        load = load_average()
        with Timer() as bare:
            spark.sql(bare_sql).collect()
        figures.update({"bare_group_by_s": round(bare.wall, 2), "bare_load": load})
    fresh(db)
    load_import = load_average()
    with Store.open(db) as store, Timer() as timed:
        summary = run_import(store, spark)
    assert summary.ok, summary.as_dict()
    db.unlink(missing_ok=True)
    figures["cores"] = spark.sparkContext.defaultParallelism
    spark.stop()
    figures.update({"import_s": round(timed.wall, 2), "import_load": load_import})
    return figures, summary


def append_result(record: Mapping[str, Any], path: Path = RESULTS) -> None:
    """Append ``record`` to the results file (JSON Lines: one JSON object a line)."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
