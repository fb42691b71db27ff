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
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _common import REGIONS, WORK, append_result, machine
from _common import duckdb_runs as common_duckdb_runs
from _common import spark_runs as common_spark_runs

from salamat.ingest.population_spark import import_population_spark


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


def duckdb_runs(folder: Path) -> dict[str, Any]:
    figures, summary = common_duckdb_runs(
        sorted(folder.glob("*.parquet")),
        "SELECT region, sex, date_sub('year', CAST(birth_date AS DATE), "
        "CAST(ref_date AS DATE)) AS age, count(*) FROM read_parquet(?) GROUP BY ALL",
        "population",
        WORK / "register.duckdb",
    )
    return {**figures, "cells": summary.created}


def spark_runs(folder: Path, master: str) -> dict[str, Any]:
    figures, summary = common_spark_runs(
        master,
        "4g",
        lambda store, spark: import_population_spark(store, [str(folder)], spark=spark),
        WORK / "register_spark.duckdb",
    )
    return {**figures, "cells": summary.created}


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
        "machine": machine(),
        "persons": args.persons,
        "files": args.parts,
        "mb": round(sum(f.stat().st_size for f in folder.glob("*.parquet")) / 1e6, 1),
        "duckdb_version": duckdb.__version__,
    }
    if "duckdb" in args.engines:
        result["duckdb"] = duckdb_runs(folder)
    if "spark" in args.engines:
        result["spark"] = spark_runs(folder, args.spark_master)
    append_result(result)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
