"""Benchmark: how long ``salamat`` takes to start, against bare Python imports in the same run.

Usage: python benchmarks/bench_startup.py [--repeat 15] [--db FILE]

Pairs of commands, each run ``--repeat`` times as fresh processes, interleaved (baseline, Salamat,
baseline, ...) so that a change in the machine's load hits both alike:

1. ``salamat --help`` against ``python -c "import duckdb"`` (goal: at most 3x);
2. ``salamat series le0 --area KAZ`` on the demo store against
   ``python -c "import duckdb, pandas"`` (goal: at most 1.5x).

For each command the median and the best wall-clock time are kept, and the CPU time (user +
system) of the child process, which a busy machine disturbs less than the wall clock. The
ratios of the medians are printed and appended, with the load average, to
benchmarks/results.jsonl. The demo store is built first when ``--db`` does not exist.

Bytecode: an installed package runs from cached bytecode (pip compiles it; Python caches a
source checkout's on first import). This machine's environment sets
``PYTHONDONTWRITEBYTECODE=1``, so without care Salamat's own modules would be compiled from
source on every run while the libraries of the baseline load from bytecode. The children run
without that variable (the warm-up runs write the cache), as on a user's machine;
``--compile-each-run`` keeps the variable as set, to measure that case too (on a checkout with
no ``__pycache__`` yet: Python still reads a cache that is there).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from _common import WORK, append_result, load_average, machine, run_timed


def _summary(times: list[tuple[float, float]]) -> dict[str, float]:
    walls = [t[0] for t in times]
    cpus = [t[1] for t in times]
    return {
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_best_s": round(min(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--db", type=Path, default=WORK / "startup_demo.duckdb")
    parser.add_argument("--label", default="", help="What was measured, e.g. a commit id.")
    parser.add_argument(
        "--compile-each-run",
        action="store_true",
        help="Keep PYTHONDONTWRITEBYTECODE as the environment sets it (module notes).",
    )
    args = parser.parse_args()
    salamat = shutil.which("salamat")
    if salamat is None:
        raise SystemExit("salamat is not on PATH: pip install -e . in this environment first")
    env = dict(os.environ, SALAMAT_DB=str(args.db))
    if not args.compile_each_run:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([salamat, "demo"], env=env, check=True, capture_output=True)
    py = sys.executable
    pairs = {
        "help": (
            [py, "-c", "import duckdb"],
            [salamat, "--help"],
            3.0,
        ),
        "series": (
            [py, "-c", "import duckdb, pandas"],
            [salamat, "series", "le0", "--area", "KAZ"],
            1.5,
        ),
    }
    load_before = os.getloadavg()
    record: dict[str, object] = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "benchmark": "startup",
        "machine": machine(),
        "python": platform.python_version(),
        "repeat": args.repeat,
        "label": args.label,
        "bytecode": "as set" if args.compile_each_run else "cached",
        "pythondontwritebytecode": env.get("PYTHONDONTWRITEBYTECODE", ""),
    }
    for name, (base_argv, argv, goal) in pairs.items():
        for _ in range(2):  # warm the file cache
            run_timed(base_argv, env)
            run_timed(argv, env)
        base: list[tuple[float, float]] = []
        mine: list[tuple[float, float]] = []
        for _ in range(args.repeat):
            base.append(run_timed(base_argv, env))
            mine.append(run_timed(argv, env))
        b, m = _summary(base), _summary(mine)
        ratio = m["wall_median_s"] / b["wall_median_s"]
        ratio_cpu = m["cpu_median_s"] / b["cpu_median_s"]
        record[name] = {
            "baseline": " ".join(base_argv[1:]) if base_argv[0] == py else " ".join(base_argv),
            "command": "salamat " + " ".join(argv[1:]),
            "baseline_times": b,
            "salamat_times": m,
            "ratio_wall_median": round(ratio, 2),
            "ratio_cpu_median": round(ratio_cpu, 2),
            "goal": goal,
        }
        print(
            f"{name:>7}: baseline {b['wall_median_s']:.3f} s (cpu {b['cpu_median_s']:.3f}), "
            f"salamat {m['wall_median_s']:.3f} s (cpu {m['cpu_median_s']:.3f}): "
            f"{ratio:.2f}x wall, {ratio_cpu:.2f}x cpu (goal {goal}x)"
        )
    record["load_average"] = load_average(*load_before)
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    append_result(record)


if __name__ == "__main__":
    main()
