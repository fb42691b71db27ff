"""Benchmark: ``import deaths`` at scale, DuckDB (default engine) against Spark local mode.

Usage: python benchmarks/bench_scale.py [--records 10000000] [--parts 10] [--with-100m]
                                         [--spark-master local[2]]
                                         [--engines duckdb,duckdb-aggregates,spark]

1. Writes N synthetic death records (seeded, vectorised; the generator of
   ``bench_import_deaths.py``) as ``--parts`` Parquet files under benchmarks/_work/scale_N/
   (10M records: about 150 MB; 100M: about 1.5 GB; 100M is written and run only with
   ``--with-100m``).
2. DuckDB: ``run_import(store, "deaths", files)`` into a fresh on-disk store (records checked,
   stored and aggregated), and a bare DuckDB GROUP BY of the same files.
   ``duckdb-aggregates``: the same with ``aggregates_only=True`` (``import deaths
   --aggregates-only``: the same checks, the counts stored and not the records).
3. Spark: ``import_deaths_spark(store, [folder])`` (records checked and aggregated where they
   are, aggregates stored), and a bare Spark SQL GROUP BY of the same folder, both on
   ``--spark-master`` (default local[2]); the JVM's start is not counted.
Wall-clock seconds, records per second and per second per core, with the load average at the
start of each run, are appended to benchmarks/results.jsonl and printed. Runs are not repeated
(a 100M Spark run takes many minutes): read them as throughput on this machine, not as latency.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _common import WORK, append_result, machine
from _common import duckdb_runs as common_duckdb_runs
from _common import spark_runs as common_spark_runs

from salamat.ingest.records_spark import import_deaths_spark

HERE = Path(__file__).parent


def _sibling() -> Any:
    spec = importlib.util.spec_from_file_location(
        "bench_import_deaths", HERE / "bench_import_deaths.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_import_deaths"] = module
    spec.loader.exec_module(module)
    return module


def make_parts(n: int, parts: int) -> Path:
    """``parts`` Parquet files of n/parts records each (ids unique across the files)."""
    folder = WORK / f"scale_{n}"
    if folder.exists() and len(list(folder.glob("*.parquet"))) == parts:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    gen = _sibling()
    per = n // parts
    for k in range(parts):
        one = gen.make_file(per, seed=100 + k)
        table = pq.read_table(one)
        ids = np.char.add(f"P{k}-", np.arange(per).astype(str))  # unique across the parts
        table = table.set_column(0, "id", pa.array(ids))
        pq.write_table(table, folder / f"part-{k:03d}.parquet", row_group_size=1_000_000)
        one.unlink()
    return folder


def duckdb_runs(folder: Path, *, aggregates_only: bool = False) -> dict[str, Any]:
    figures, summary = common_duckdb_runs(
        sorted(folder.glob("*.parquet")),
        "SELECT region, year(death_date) AS year, sex, date_sub('year', birth_date, death_date) "
        "AS age, icd10, count(*) FROM read_parquet(?) GROUP BY ALL",
        "deaths",
        WORK / "scale.duckdb",
        aggregates_only=aggregates_only,
    )
    assert summary.created == summary.total > 0, summary.as_dict()
    return {**figures, "threads": os.cpu_count()}


def spark_runs(folder: Path, master: str) -> dict[str, Any]:
    figures, _summary = common_spark_runs(
        master,
        "6g",
        lambda store, spark: import_deaths_spark(store, [str(folder)], spark=spark),
        WORK / "scale_spark.duckdb",
        f"""SELECT region, year(death_date), sex, floor(months_between(death_date, birth_date)
        / 12), icd10, count(*) FROM parquet.`{folder}` GROUP BY 1, 2, 3, 4, 5""",
    )
    return figures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--parts", type=int, default=10)
    ap.add_argument("--with-100m", action="store_true", help="also 100M records (1.5 GB)")
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--engines", default="duckdb,duckdb-aggregates,spark")
    args = ap.parse_args()
    sizes = [args.records] + ([100_000_000] if args.with_100m else [])
    for n in sizes:
        folder = make_parts(n, args.parts if n == args.records else 100)
        result: dict[str, Any] = {
            "date": datetime.now().isoformat(timespec="seconds"),
            "bench": "scale",
            "machine": machine(),
            "records": n,
            "files": len(list(folder.glob("*.parquet"))),
            "mb": round(sum(f.stat().st_size for f in folder.glob("*.parquet")) / 1e6, 1),
        }
        engines = args.engines.split(",")
        if "duckdb" in engines:
            result["duckdb"] = duckdb_runs(folder)
        if "duckdb-aggregates" in engines:
            result["duckdb_aggregates_only"] = duckdb_runs(folder, aggregates_only=True)
        if "spark" in engines:
            result["spark"] = spark_runs(folder, args.spark_master)
            s = result["spark"]
            s["records_per_s_per_core"] = round(n / s["import_s"] / s["cores"])
        append_result(result)
        print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
