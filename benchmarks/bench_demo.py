"""Benchmark: ``salamat demo`` against bare DuckDB loading the same files, in the same run.

Usage: python benchmarks/bench_demo.py [--repeat 3]

1. Writes the demo's two synthetic files once (not timed): the single-age population and the
   death records (seed 2024), as Parquet, exactly as ``salamat demo`` makes them.
2. Baseline, a fresh process each time: ``python -c`` that imports duckdb and, in one
   transaction into a fresh on-disk database, copies every file the demo reads (the bundled
   BNS, UN WPP, OWID, Open SDG and published CSVs and the two synthetic Parquet files) into a
   table of its own with ``read_csv``/``read_parquet``: no validation, no normalisation, no
   aggregation, no quality rules.
3. Salamat: ``salamat demo --db FILE`` into a fresh store, as a user runs it (start-up, the
   synthetic generator, nine imports with every check, aggregates and quality flags).

Baseline and Salamat alternate; the wall-clock and CPU times (user + system of every thread,
which a busy machine disturbs less) of each, the ratios of their medians and the load average
are printed and appended to benchmarks/results.jsonl. The goal (issue
12) is an absolute one: the demo under 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from datetime import datetime
from importlib import resources
from pathlib import Path

from _common import WORK as BENCH_WORK
from _common import append_result, fresh, load_average, machine, run_timed

WORK = BENCH_WORK / "demo"

BASELINE = """
import sys, duckdb
db, files = sys.argv[1], sys.argv[2:]
con = duckdb.connect(db)
con.execute("BEGIN")
for i, f in enumerate(files):
    reader = "read_parquet" if f.endswith(".parquet") else "read_csv"
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM {reader}(?)", [f])
con.execute("COMMIT")
con.close()
"""


def _inputs() -> list[Path]:
    """Every file the demo reads, the synthetic ones written first."""
    from salamat.demo import _OWID, _WPP_FILES
    from salamat.demo.kz import SOURCES
    from salamat.demo.opensdg import DEMO_SERIES
    from salamat.demo.published import FILE
    from salamat.demo.synthetic import synthetic_deaths, synthetic_population
    from salamat.demo.wpp_intervals import FILE as WPP_INTERVALS

    WORK.mkdir(parents=True, exist_ok=True)
    pop_file, deaths_file = WORK / "population.parquet", WORK / "deaths.parquet"
    if not deaths_file.exists():
        pop = synthetic_population()
        pop.to_parquet(pop_file, index=False)
        synthetic_deaths(pop, 2024).to_parquet(deaths_file, index=False)
    data = resources.files("salamat") / "data"
    demo = data / "demo"
    files = [demo / "kz" / entry[0] for entry in SOURCES.values()]
    files += [demo / "un_wpp" / name for name in (*_WPP_FILES, WPP_INTERVALS)]
    files += [demo / "owid" / name for name in _OWID]
    files += [demo / "opensdg_kazstat_goal3" / "data" / f"indicator_{s}.csv" for s in DEMO_SERIES]
    files += [data / "published" / FILE]
    return [Path(str(f)) for f in files] + [pop_file, deaths_file]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default="", help="What was measured, e.g. a commit id.")
    args = parser.parse_args()
    salamat = shutil.which("salamat")
    if salamat is None:
        raise SystemExit("salamat is not on PATH: pip install -e . in this environment first")
    files = [str(f) for f in _inputs()]
    base_db, demo_db = WORK / "baseline.duckdb", WORK / "demo.duckdb"
    load_before = os.getloadavg()
    base: list[tuple[float, float]] = []
    mine: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        fresh(base_db)
        base.append(run_timed([sys.executable, "-c", BASELINE, str(base_db), *files]))
        fresh(demo_db)
        mine.append(run_timed([salamat, "demo", "--db", str(demo_db)]))
    wall = statistics.median(t[0] for t in mine) / statistics.median(t[0] for t in base)
    cpu = statistics.median(t[1] for t in mine) / statistics.median(t[1] for t in base)
    record = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "benchmark": "demo",
        "label": args.label,
        "machine": machine(),
        "baseline": "bare DuckDB: every file the demo reads copied into its own table",
        "baseline_wall_s": [round(t[0], 3) for t in base],
        "baseline_cpu_s": [round(t[1], 3) for t in base],
        "salamat_demo_wall_s": [round(t[0], 3) for t in mine],
        "salamat_demo_cpu_s": [round(t[1], 3) for t in mine],
        "ratio_wall_median": round(wall, 2),
        "ratio_cpu_median": round(cpu, 2),
        "goal_s": 10.0,
        "load_average": load_average(*load_before),
    }
    print(
        f"baseline median {statistics.median(t[0] for t in base):.2f} s "
        f"(cpu {statistics.median(t[1] for t in base):.2f} s); salamat demo best "
        f"{min(t[0] for t in mine):.2f} s, median {statistics.median(t[0] for t in mine):.2f} s "
        f"(cpu {statistics.median(t[1] for t in mine):.2f} s); ratio of medians {wall:.2f}x wall, "
        f"{cpu:.2f}x cpu (goal: under 10 s); load average {load_before[0]:.2f} -> "
        f"{os.getloadavg()[0]:.2f}"
    )
    append_result(record)


if __name__ == "__main__":
    main()
