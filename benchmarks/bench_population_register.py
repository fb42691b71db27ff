"""Benchmark: ``import population`` of a population register, DuckDB against Spark local mode.

Usage: python benchmarks/bench_population_register.py [--persons 2000000] [--parts 4]
                                                      [--spark-master local[2]]
                                                      [--engines duckdb,spark]

1. Writes N synthetic persons resident on 2023-07-01 (seeded, vectorised: id, sex, birth_date
   with ages 0-100, one of 20 regions of Kazakhstan valid for the whole of 2023, ref_date)
   as ``--parts`` Parquet files under benchmarks/_work/register_N/.
2. Baseline: a bare DuckDB ``GROUP BY region, sex, completed years`` of the same files (no
   checks, nothing written).
3. DuckDB: ``run_import(store, "population", files)`` into a fresh on-disk store (persons
   checked, duplicate ids looked for, counted into cells, cells written).
4. Spark: ``import_population_spark(store, [folder])`` on ``--spark-master``; the JVM's start
   is not counted.
Wall-clock seconds and the load average at the start of each run are appended to
benchmarks/results.jsonl and printed. One run each: throughput on this machine, not latency.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from salamat.ingest.population_spark import import_population_spark
from salamat.services import imports as services
from salamat.store.connection import Store

HERE = Path(__file__).parent
WORK = HERE / "_work"
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


def make_parts(n: int, parts: int) -> Path:
    """``parts`` Parquet files of n/parts persons each (ids unique across the files)."""
    folder = WORK / f"register_{n}"
    if folder.exists() and len(list(folder.glob("*.parquet"))) == parts:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(16)
    per = n // parts
    ref = np.datetime64("2023-07-01")
    for k in range(parts):
        days = rng.integers(0, 101 * 365, per)
        table = pa.table(
            {
                "id": np.char.add(f"R{k}-", np.arange(per).astype(str)),
                "sex": rng.choice(np.array(["F", "M"]), per),
                "birth_date": (ref - days.astype("timedelta64[D]")).astype(str),
                "region": rng.choice(np.array(REGIONS), per),
                "ref_date": np.full(per, "2023-07-01"),
            }
        )
        pq.write_table(table, folder / f"part-{k:03d}.parquet", row_group_size=1_000_000)
    return folder


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _store(name: str) -> Path:
    db = WORK / name
    for p in (db, Path(f"{db}.wal")):
        p.unlink(missing_ok=True)
    return db


def duckdb_runs(folder: Path) -> dict[str, Any]:
    files = sorted(folder.glob("*.parquet"))
    con = duckdb.connect()
    load = _load()
    t0 = time.perf_counter()
    con.execute(
        "SELECT region, sex, date_sub('year', CAST(birth_date AS DATE), "
        "CAST(ref_date AS DATE)) AS age, count(*) FROM read_parquet(?) GROUP BY ALL",
        [[str(f) for f in files]],
    ).fetchall()
    bare = time.perf_counter() - t0
    con.close()
    db = _store("register.duckdb")
    load_import = _load()
    with Store.open(db) as store:
        t0 = time.perf_counter()
        summary = services.run_import(store, "population", files)
        seconds = time.perf_counter() - t0
    assert summary.ok, summary.as_dict()
    db.unlink(missing_ok=True)
    return {
        "bare_group_by_s": round(bare, 2),
        "bare_load": load,
        "import_s": round(seconds, 2),
        "import_load": load_import,
        "cells": summary.created,
    }


def spark_runs(folder: Path, master: str) -> dict[str, Any]:
    from salamat.store.spark import spark_session

    t0 = time.perf_counter()
    spark = spark_session(master, {"spark.driver.memory": "4g"})
    spark.sparkContext.setLogLevel("ERROR")
    start = time.perf_counter() - t0
    db = _store("register_spark.duckdb")
    load_import = _load()
    with Store.open(db) as store:
        t0 = time.perf_counter()
        summary = import_population_spark(store, [str(folder)], spark=spark)
        seconds = time.perf_counter() - t0
    assert summary.ok, summary.as_dict()
    db.unlink(missing_ok=True)
    cores = spark.sparkContext.defaultParallelism
    spark.stop()
    return {
        "master": master,
        "cores": cores,
        "jvm_start_s": round(start, 2),
        "import_s": round(seconds, 2),
        "import_load": load_import,
        "cells": summary.created,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=2_000_000)
    ap.add_argument("--parts", type=int, default=4)
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--engines", default="duckdb,spark")
    args = ap.parse_args()
    folder = make_parts(args.persons, args.parts)
    result: dict[str, Any] = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "bench": "population_register",
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "persons": args.persons,
        "files": args.parts,
        "mb": round(sum(f.stat().st_size for f in folder.glob("*.parquet")) / 1e6, 1),
        "duckdb_version": duckdb.__version__,
    }
    if "duckdb" in args.engines:
        result["duckdb"] = duckdb_runs(folder)
    if "spark" in args.engines:
        result["spark"] = spark_runs(folder, args.spark_master)
    with open(HERE / "results.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(result) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
