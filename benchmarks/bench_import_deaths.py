"""Benchmark: importing unit-record deaths from Parquet, against a bare DuckDB GROUP BY.

Usage: python benchmarks/bench_import_deaths.py [--records 10000000] [--repeat 3]

1. Writes N synthetic death records (seeded) to benchmarks/_work/deaths_N.parquet.
2. Baseline: a fresh in-memory DuckDB counts the same file grouped by region, year of death,
   sex, age and ICD-10 code (no validation, nothing written).
3. Salamat: ``salamat.services.imports.run_import(store, "deaths", [file])`` into a fresh on-disk store:
   every field validated, duplicate ids checked, records normalised and stored, and aggregated
   to region x year x sex x age x cause group, in one transaction.
4. The same with ``aggregates_only=True`` (``salamat import deaths --aggregates-only``): every
   check the same, the counts stored and not the records.
With ``--floor``, also what any import that stores the records and checks their ids exactly
pays before a field is checked (:func:`floor`). Each is run ``--repeat`` times, each time in a fresh Python process (the time is taken around
the work, not the process's start), alternating; the best time of each is compared (wall clock, and the process's
CPU time, which the other work on a shared machine disturbs less). Results are appended to
benchmarks/results.jsonl with the load average at the start, and printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _common import REGIONS, machine

from salamat.services import imports as services
from salamat.store.connection import Store

HERE = Path(__file__).parent
WORK = HERE / "_work"
CODES = [
    "I21.9",
    "I25.1",
    "I63.9",
    "I64",
    "I11.9",
    "C34.9",
    "C16.9",
    "C50.9",
    "E11.9",
    "J44.9",
    "J45.9",
    "A16.2",
    "V89.2",
    "X70",
    "W19",
    "R99",
    "J18.9",
    "K70.3",
    "N18.9",
    "U07.1",
]


def make_file(n: int, seed: int = 1) -> Path:
    path = WORK / f"deaths_{n}.parquet"
    if path.exists():
        return path
    WORK.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    death = np.datetime64("2022-01-01") + rng.integers(0, 730, n).astype("timedelta64[D]")
    age = np.minimum(rng.gamma(9.0, 7.5, n).astype(np.int64), 110)
    birth = death - (age * 365.2425 + rng.random(n) * 360 + 2).astype("timedelta64[D]")
    table = pa.table(
        {
            "id": pa.array(np.char.add("D", np.arange(n).astype(str))),
            "sex": pa.array(np.where(rng.random(n) < 0.5, "F", "M")),
            "birth_date": pa.array(birth.astype("datetime64[D]")),
            "death_date": pa.array(death.astype("datetime64[D]")),
            "region": pa.DictionaryArray.from_arrays(
                pa.array(rng.integers(0, len(REGIONS), n).astype(np.int32)), pa.array(REGIONS)
            ),
            "icd10": pa.DictionaryArray.from_arrays(
                pa.array(rng.integers(0, len(CODES), n).astype(np.int32)), pa.array(CODES)
            ),
        }
    )
    pq.write_table(table, path, row_group_size=1_000_000)
    return path


def baseline(path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of the bare GROUP BY."""
    con = duckdb.connect()
    t0, c0 = time.perf_counter(), time.process_time()
    con.execute(
        "SELECT region, year(death_date) AS year, sex, date_sub('year', birth_date, death_date) "
        "AS age, icd10, count(*) FROM read_parquet(?) GROUP BY ALL",
        [str(path)],
    ).fetchall()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    con.close()
    return seconds, cpu


def floor(path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of what any import that stores the records and checks their ids
    exactly pays before a field is checked: the records written as read (region and code as
    small integers, the age from the dates, no check) into a fresh on-disk table laid out as
    ``death_record_data``, committed, and the ids' distinct hashes counted."""
    db = WORK / "floor.duckdb"
    for p in (db, Path(f"{db}.wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute("""CREATE TABLE rec (id VARCHAR USING COMPRESSION uncompressed NOT NULL,
        rid INTEGER NOT NULL, death_date DATE NOT NULL, sex VARCHAR NOT NULL, age INTEGER,
        cid INTEGER NOT NULL, import_id INTEGER NOT NULL)""")
    t0, c0 = time.perf_counter(), time.process_time()
    con.execute("BEGIN")
    con.execute(
        "INSERT INTO rec SELECT id, (hash(region) % 20)::INTEGER, death_date, sex, "
        "date_sub('year', birth_date, death_date), (hash(icd10) % 20)::INTEGER, 1 "
        "FROM read_parquet(?)",
        [str(path)],
    )
    con.execute("SELECT count(DISTINCT hash(id)) FROM rec").fetchall()
    con.execute("COMMIT")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    con.close()
    for p in (db, Path(f"{db}.wal")):
        p.unlink(missing_ok=True)
    return seconds, cpu


def salamat_import(path: Path, *, aggregates_only: bool = False) -> tuple[float, float]:
    """(wall, CPU) seconds of ``salamat import deaths [--aggregates-only]`` into a fresh store."""
    db = WORK / "bench.duckdb"
    for p in (db, Path(f"{db}.wal")):
        p.unlink(missing_ok=True)
    with Store.open(db) as store:
        t0, c0 = time.perf_counter(), time.process_time()
        summary = services.run_import(store, "deaths", [path], aggregates_only=aggregates_only)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert summary.ok and summary.created == path_records(path), summary.as_dict()
    return seconds, cpu


def path_records(path: Path) -> int:
    return int(pq.ParquetFile(path).metadata.num_rows)


MEASURES: dict[str, Callable[[Path], tuple[float, float]]] = {
    "baseline": baseline,
    "floor": floor,
    "import": salamat_import,
    "aggregates": lambda path: salamat_import(path, aggregates_only=True),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--label", default="", help="what was measured (a commit, before/after)")
    ap.add_argument(
        "--floor",
        action="store_true",
        help="also measure the floor: the records written unchecked and their ids counted",
    )
    ap.add_argument(
        "--same-process",
        action="store_true",
        help="run every measurement in this process (before 2026-12-01 15:20 the only way): "
        "an import then follows the memory left by the one before it",
    )
    ap.add_argument("--child", choices=sorted(MEASURES), help=argparse.SUPPRESS)
    args = ap.parse_args()
    path = make_file(args.records)
    if args.child:  # one measurement in a fresh process, printed for the parent
        print(json.dumps(MEASURES[args.child](path)))
        return
    load = os.getloadavg()

    def measure(what: str) -> tuple[float, float]:
        """(wall, CPU) of one measurement, timed around the work only, in a fresh process
        unless --same-process."""
        if args.same_process:
            return MEASURES[what](path)
        done = subprocess.run(
            [sys.executable, __file__, "--child", what, "--records", str(args.records)],
            capture_output=True,
            text=True,
            check=True,
        )
        wall, cpu = json.loads(done.stdout.strip().splitlines()[-1])
        return float(wall), float(cpu)

    # alternated, so that a change in the machine's load hits each alike
    base: list[tuple[float, float]] = []
    ours: list[tuple[float, float]] = []
    agg: list[tuple[float, float]] = []
    low: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        base.append(measure("baseline"))
        if args.floor:
            low.append(measure("floor"))
        ours.append(measure("import"))
        agg.append(measure("aggregates"))
    result = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "label": args.label,
        "processes": "one" if args.same_process else "a fresh one per measurement",
        "machine": machine(),
        "load_average_1_5_15": [round(x, 2) for x in load],
        "duckdb": duckdb.__version__,
        "records": args.records,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "baseline_group_by_s": [round(w, 3) for w, _c in base],
        "salamat_import_s": [round(w, 3) for w, _c in ours],
        "baseline_cpu_s": [round(c, 3) for _w, c in base],
        "salamat_cpu_s": [round(c, 3) for _w, c in ours],
        "ratio_best": round(min(w for w, _c in ours) / min(w for w, _c in base), 2),
        "ratio_cpu_best": round(min(c for _w, c in ours) / min(c for _w, c in base), 2),
        # import deaths --aggregates-only: the same checks, the counts stored, not the records
        "aggregates_only_s": [round(w, 3) for w, _c in agg],
        "aggregates_only_cpu_s": [round(c, 3) for _w, c in agg],
        "aggregates_only_ratio_best": round(min(w for w, _c in agg) / min(w for w, _c in base), 2),
        "aggregates_only_ratio_cpu_best": round(
            min(c for _w, c in agg) / min(c for _w, c in base), 2
        ),
    }
    if low:
        result["floor_s"] = [round(w, 3) for w, _c in low]
        result["floor_cpu_s"] = [round(c, 3) for _w, c in low]
        result["floor_ratio_cpu_best"] = round(
            min(c for _w, c in low) / min(c for _w, c in base), 2
        )
    with open(HERE / "results.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(result) + "\n")
    print(json.dumps(result, indent=1))
    shutil.rmtree(WORK / "bench.duckdb", ignore_errors=True)


if __name__ == "__main__":
    main()
