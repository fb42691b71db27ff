"""Helpers shared by the interop tests (real files are under tests/data/interop)."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import DATA

INTEROP = DATA / "interop"


def write_map(tmp_path: Path, rows: list[tuple[str, str, str]], name: str = "map.csv") -> Path:
    """A --map file (dimension,from,to)."""
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["dimension", "from", "to"])
        w.writerows(rows)
    return path


def messages(summary: object) -> list[str]:
    return [p.message for p in summary.problems]  # type: ignore[attr-defined]
