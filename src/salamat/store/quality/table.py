"""The quality-flag table's plumbing: the rule table, the flag columns, merging and reading flags.

A flag never hides or changes a value: it is a row of ``quality_flag`` beside the value
(rule, severity, the value's key, a message a statistician can read, and the numbers behind it
as JSON in ``details``). The rules and their thresholds are data
(``data/quality/rules.csv``, documented in ``docs/quality.md``). Every function here runs inside
the caller's transaction when there is one.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from salamat.store.connection import Store

__all__ = [
    "FLAG_COLUMNS",
    "RuleSet",
    "flag_changes",
    "flags_for",
    "flags_frame",
    "merge_flags",
    "rule_set",
    "rules_digest",
]

FLAG_COLUMNS = (
    "rule",
    "severity",
    "indicator",
    "area",
    "period",
    "sex",
    "age",
    "cause",
    "residence",
    "source",
    "message",
    "details",
    "import_id",
)
# Rules recomputed from the stored observations (a revision is an event: kept, not recomputed).
_KEY = ("indicator", "area", "period", "sex", "age", "cause", "residence", "source")
_SERIES = ("indicator", "area", "sex", "age", "cause", "residence", "source")


@dataclass(frozen=True)
class RuleSet:
    """``rules.csv`` read: parameters by (rule, applies_to) and each rule's severity."""

    params: dict[tuple[str, str], dict[str, str]]
    severity: dict[str, str]
    rows: tuple[tuple[str, str, str, str], ...] = ()  # (rule, applies_to, parameter, value)

    def get(self, rule: str, name: str, indicator: str = "*") -> str | None:
        """The parameter for ``indicator`` if the rules name it, else the rule's default."""
        for key in ((rule, indicator), (rule, "*")):
            value = self.params.get(key, {}).get(name)
            if value is not None:
                return value
        return None

    def number(self, rule: str, name: str, indicator: str = "*") -> float | None:
        text = self.get(rule, name, indicator)
        return None if text is None else float(text)


@cache
def rule_set() -> RuleSet:
    """Read the bundled ``data/quality/rules.csv`` (once per process)."""
    ref = resources.files("salamat") / "data" / "quality" / "rules.csv"
    params: dict[tuple[str, str], dict[str, str]] = {}
    severity: dict[str, str] = {}
    rows: list[tuple[str, str, str, str]] = []
    with ref.open("r", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rule = row["rule"].strip()
            rows.append(
                (rule, row["applies_to"].strip(), row["parameter"].strip(), row["value"].strip())
            )
            for target in row["applies_to"].split(";"):
                params.setdefault((rule, target.strip()), {})[row["parameter"].strip()] = row[
                    "value"
                ].strip()
            severity.setdefault(rule, row["severity"].strip())
    return RuleSet(params, severity, tuple(rows))


# -- reading flags ------------------------------------------------------------------------


def flags_for(
    store: Store, indicator: str, area: str, sex: str = "total", source: str | None = None
) -> pd.DataFrame:
    """The flags on one indicator's series for one area and sex (optionally one source).

    Returns a DataFrame with columns ``rule, period, year, source, severity, message,
    details`` (``year`` is the first calendar year of the period; ``details`` the rule's JSON),
    ordered by period and rule; empty (with those columns) when no value is flagged.
    """
    where = "indicator = ? AND area = ? AND sex = ?"
    params: list[Any] = [indicator, area, sex]
    if source is not None:
        where += " AND source = ?"
        params.append(source)
    frame = store.con.execute(
        f"""
        SELECT rule, period, TRY_CAST(substr(period, 1, 4) AS INTEGER) AS year, source,
               severity, message, details
        FROM quality_flag WHERE {where}
        ORDER BY year, period, rule, source""",
        params,
    ).df()
    frame["year"] = frame["year"].astype("Int64")
    return frame


def flags_frame(
    store: Store,
    *,
    areas: Sequence[str] | None = None,
    indicator: str | None = None,
    rule: str | None = None,
) -> pd.DataFrame:
    """Every stored flag (optionally for some areas, one indicator, one rule), in key order."""
    where = ["true"]
    params: list[Any] = []
    if areas:
        where.append(f"area IN ({', '.join('?' for _ in areas)})")
        params.extend(areas)
    if indicator is not None:
        where.append("indicator = ?")
        params.append(indicator)
    if rule is not None:
        where.append("rule = ?")
        params.append(rule)
    return store.con.execute(
        f"""
        SELECT {", ".join(FLAG_COLUMNS)} FROM quality_flag WHERE {" AND ".join(where)}
        ORDER BY indicator, area, source, sex, age, cause, residence, period, rule""",
        params,
    ).df()


_SAME = " AND ".join(f"n.{c} IS NOT DISTINCT FROM q.{c}" for c in FLAG_COLUMNS[:-1])


def merge_flags(
    store: Store,
    scope: str,
    params: list[Any],
    import_id: int | None,
    *,
    new: str = "_qnew",
    inputs: bool = True,
) -> int:
    """Make the flags in ``scope`` (a WHERE clause over ``quality_flag q``) those of ``new``.

    A flag found again (same rule, severity, value key, message and details) keeps its row and
    the import that first raised it; a flag no longer raised moves to ``quality_flag_version``
    with ``superseded_by`` = ``import_id`` (deleted only when called with no import; every
    command, ``salamat flags --recompute`` too, runs as one); a new flag is stored with
    ``import_id``. So an undo can put back exactly the flags an import replaced, and a replaced
    value keeps the flags it had (:func:`salamat.store.revisions.flags_of_value`). Then, unless
    ``inputs`` is false, the ``input_flag`` flags of saved computed values are brought in line
    with their inputs' flags (:func:`salamat.store.quality.carried.refresh_input_flags`).
    Returns the number of flags in ``scope``.
    """
    con = store.con
    gone = f"({scope}) AND NOT EXISTS (SELECT 1 FROM {new} n WHERE {_SAME})"
    if import_id is not None:
        con.execute(
            f"INSERT INTO quality_flag_version SELECT q.*, ? FROM quality_flag q WHERE {gone}",
            [import_id, *params],
        )
    con.execute(f"DELETE FROM quality_flag q WHERE {gone}", params)
    con.execute(
        f"INSERT INTO quality_flag SELECT * FROM {new} n WHERE NOT EXISTS "
        f"(SELECT 1 FROM quality_flag q WHERE ({scope}) AND {_SAME})",
        params,
    )
    rows = con.execute(f"SELECT count(*) FROM quality_flag q WHERE {scope}", params).fetchall()
    if inputs:
        from salamat.store.quality.carried import refresh_input_flags

        refresh_input_flags(store, import_id)
    return int(rows[0][0]) if rows else 0


def _count(store: Store) -> int:
    rows = store.con.execute("SELECT count(*) FROM quality_flag").fetchall()
    return int(rows[0][0]) if rows else 0


def rules_digest() -> str:
    """SHA-256 of the bundled rule files (``rules.csv``, ``garbage_codes.csv``), in that order:
    which rules a recompute ran."""
    digest = hashlib.sha256()
    for name in ("rules.csv", "garbage_codes.csv"):
        digest.update((resources.files("salamat") / "data" / "quality" / name).read_bytes())
    return digest.hexdigest()


def flag_changes(store: Store, import_id: int) -> tuple[int, int]:
    """Flags an import raised (current, carrying its id) and flags it replaced (moved to
    ``quality_flag_version`` with it as ``superseded_by``)."""
    rows = store.con.execute(
        "SELECT (SELECT count(*) FROM quality_flag WHERE import_id = $x), "
        "(SELECT count(*) FROM quality_flag_version WHERE superseded_by = $x)",
        {"x": import_id},
    ).fetchall()
    return int(rows[0][0]), int(rows[0][1])
