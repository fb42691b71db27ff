"""``salamat import observations``: the plain long format, CSV or Parquet.

Columns: ``indicator``, ``area``, ``period``, ``value`` and optionally ``sex``, ``age``,
``cause``, ``residence``, ``lower``, ``upper``, ``unit``, ``source``, ``vintage``, ``note``.
Any other column is an error (a misspelt ``lowr`` must not be silently ignored).
"""

from __future__ import annotations

from pathlib import Path

from salamat.errors import InputError, Problem
from salamat.ingest.canonical import COLUMNS, REQUIRED
from salamat.ingest.registry import ParseContext, Parsed, register_parser
from salamat.ingest.tables import read_table, require_columns

__all__ = ["parse_observations"]


def parse_observations(path: Path, ctx: ParseContext) -> Parsed:
    df = read_table(path)
    require_columns(df, path, REQUIRED)
    extra = [c for c in df.columns if not c.startswith("_") and c not in COLUMNS]
    if extra:
        raise InputError(
            f"{path}: unknown column(s) {', '.join(extra)}",
            [
                Problem(str(path), 1, c, "unknown column: expected one of " + ", ".join(COLUMNS))
                for c in extra
            ],
        )
    return Parsed(df)


register_parser(
    "observations",
    parse_observations,
    "long CSV/Parquet: indicator, area, period, value [, sex, age, cause, lower, upper, unit, source]",
)
