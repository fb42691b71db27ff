"""Revisions kept and imports undone: the import log, vintages of a value, and undo.

How revisions are kept. The current tables (``observation``, ``population``, ``death_record``,
``orgunit``, ``orgunit_alias``) hold the latest version of every row, so every existing query
reads them unchanged. When an import replaces a row, the row it replaces moves to the table's
``*_version`` twin with ``superseded_by`` (the replacing import's id; observations also keep
``superseded_at``, that import's time). Every row carries the ``import_id`` that wrote it.

Vintages of an observation (``salamat series --vintage``, API ``vintage=``):

* ``latest`` (default): the current table;
* ``all``: every version, current and superseded, each with its ``import_id``, ``imported_at``
  and ``superseded_by``;
* an ISO date ``YYYY-MM-DD``: the values as the store held them at the end of that day (the
  importing computer's local clock): imported on or before it and not superseded on or before it;
* any other text: a publisher's vintage (the ``vintage`` column, e.g. ``2024`` or
  ``2024-10``), every version that carries it.

Undo of import *X* (:func:`plan_undo`, :func:`apply_undo`) removes the rows *X* created and puts
back the rows *X* replaced, in every table, then re-aggregates the deaths of the region x year
cells it touched, removes the indicators and quality flags it created, and logs itself. It is
refused when a later import depends on *X*: one that replaced a row *X* wrote (undo that one
first), or that wrote data for an org unit or indicator *X* created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from salamat.store.completeness import recompute_completeness
from salamat.store.connection import Store
from salamat.store.death_aggregates import is_aggregate_import
from salamat.store.observations import OBSERVATION_COLUMNS
from salamat.store.quality import recompute_death_flags, recompute_flags
from salamat.store.records import drop_unused_dictionary_entries, reaggregate

__all__ = [
    "Blocker",
    "UndoPlan",
    "apply_undo",
    "flags_of_value",
    "import_frame",
    "mark_undone",
    "observation_relation",
    "plan_undo",
    "value_flags",
    "vintage_options",
]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# versioned table -> its key columns (rows of one key replaced in place on undo)
_KEYS: dict[str, tuple[str, ...]] = {
    "observation": ("indicator", "area", "period", "sex", "age", "cause", "residence", "source"),
    "population": ("region", "year", "sex", "age"),
    "orgunit": ("code",),
    "orgunit_alias": ("alias",),
    "data_element": ("code",),
    "indicator_bound": ("indicator",),
    "target": ("code",),
    "policy_event": ("code",),
}


def observation_relation(vintage: str | None) -> tuple[str, list[Any]]:
    """SQL relation (with its parameters) of the observations of one vintage (module notes).

    Every relation has the observation columns; ``all``, a date and a publisher vintage add
    ``superseded_by`` and ``superseded_at`` (NULL for a current value) and ``flags_at``: the
    import just before which the value's flags are read (:func:`flags_of_value`; NULL: its
    current flags). A replaced value shows the flags it had when it was replaced; with a date,
    every value shows the flags it had at the end of that day.
    """
    if vintage is None or vintage == "latest":
        return "observation", []
    union = (
        f"(SELECT {OBSERVATION_COLUMNS}, NULL::INTEGER AS superseded_by, "
        f"NULL::TIMESTAMP AS superseded_at FROM observation UNION ALL "
        f"SELECT {OBSERVATION_COLUMNS}, superseded_by, superseded_at FROM observation_version)"
    )
    if vintage == "all":
        return f"(SELECT *, superseded_by AS flags_at FROM {union})", []
    if _ISO_DATE.match(vintage):
        day = date.fromisoformat(vintage)
        after = (
            "(SELECT min(import_id) FROM import_log "
            "WHERE started >= CAST(? AS DATE) + INTERVAL 1 DAY)"
        )
        return (
            f"(SELECT *, coalesce({after}, superseded_by) AS flags_at FROM {union} "
            "WHERE imported_at < CAST(? AS DATE) + INTERVAL 1 DAY "
            "AND (superseded_at IS NULL OR superseded_at >= CAST(? AS DATE) + INTERVAL 1 DAY))",
            [day, day, day],
        )
    return f"(SELECT *, superseded_by AS flags_at FROM {union} WHERE vintage = ?)", [vintage]


_VALUE_KEY = ("indicator", "area", "period", "sex", "age", "cause", "residence", "source")
_FLAG_UNION = (
    "(SELECT *, NULL::INTEGER AS superseded_by FROM quality_flag "
    "UNION ALL SELECT * FROM quality_flag_version)"
)


def _flag_match(alias: str) -> str:
    """The condition that flag ``f`` belonged to value ``alias`` as it was (its ``flags_at``)."""
    on = " AND ".join(f"f.{k} = {alias}.{k}" for k in _VALUE_KEY)
    return f"""{on} AND CASE WHEN {alias}.flags_at IS NULL THEN f.superseded_by IS NULL
            ELSE coalesce(f.import_id, 0) < {alias}.flags_at
                 AND (f.superseded_by IS NULL OR f.superseded_by >= {alias}.flags_at) END"""


def flags_of_value(select: str, alias: str = "o") -> str:
    """A correlated SQL subquery: ``select`` over the flags of the value ``alias`` as it was.

    ``alias`` is a row of :func:`observation_relation` with ``flags_at``: NULL gives the
    current flags of the value's key; an import id gives the flags present just before that
    import: raised by an earlier import (or by none: ``salamat flags --recompute``) and not
    replaced before it (``quality_flag_version``). So an old vintage shows its own flags (its
    revision flag, if it was itself a revision) and never the flags computed for the value
    that replaced it.
    """
    return f"(SELECT {select} FROM {_FLAG_UNION} f WHERE {_flag_match(alias)})"


def value_flags(
    store: Store, indicator: str, areas: list[str], vintage: str | None
) -> pd.DataFrame:
    """The flags of every value of one vintage (:func:`observation_relation`), as they were:
    the value's key and ``import_id`` (which version), ``rule``, ``severity``, ``message``."""
    relation, params = observation_relation(vintage)
    if relation == "observation":
        relation = "(SELECT *, NULL::INTEGER AS flags_at FROM observation)"
    keys = ", ".join(f"o.{k}" for k in _VALUE_KEY[1:])
    marks = ", ".join("?" for _ in areas) or "NULL"
    return store.con.execute(
        f"""SELECT {keys}, o.import_id, f.rule, f.severity, f.message
        FROM {relation} o JOIN {_FLAG_UNION} f ON {_flag_match("o")}
        WHERE o.indicator = ? AND o.area IN ({marks})
        ORDER BY {keys}, o.import_id, f.rule""",
        [*params, indicator, *areas],
    ).df()


def vintage_options(store: Store, indicator: str) -> tuple[list[str], list[date]]:
    """The publisher vintages and the import dates of one indicator's values, current or
    replaced (newest first): what the explorer offers to compare."""
    union = (
        "SELECT vintage, imported_at FROM observation WHERE indicator = ? UNION ALL "
        "SELECT vintage, imported_at FROM observation_version WHERE indicator = ?"
    )
    vintages = [
        str(r[0])
        for r in store.con.execute(
            f"SELECT DISTINCT vintage FROM ({union}) WHERE vintage IS NOT NULL ORDER BY 1 DESC",
            [indicator, indicator],
        ).fetchall()
    ]
    days = [
        r[0]
        for r in store.con.execute(
            f"SELECT DISTINCT CAST(imported_at AS DATE) FROM ({union}) ORDER BY 1 DESC",
            [indicator, indicator],
        ).fetchall()
    ]
    return vintages, days


def import_frame(store: Store, import_id: int | None = None) -> pd.DataFrame:
    """The import log, newest first (one import when ``import_id`` is given)."""
    where = "WHERE import_id = ?" if import_id is not None else ""
    return store.con.execute(
        f"""SELECT import_id AS id, started AS time, finished, kind, files, sha256, created,
               updated, unchanged, rejected, removed, status, source, undoes, undone_by,
               coalesce(approval, 'approved') AS approval, imported_by, approved_by, approved_at
        FROM main.import_log {where} ORDER BY import_id DESC""",
        [import_id] if import_id is not None else [],
    ).df()


@dataclass(frozen=True)
class Blocker:
    """Why an import cannot be undone: a later import (or a target) that depends on it."""

    import_id: int | None
    kind: str | None
    reason: str


@dataclass
class UndoPlan:
    """What undoing one import would do: rows removed and restored per table, or why not."""

    import_id: int
    kind: str
    files: str
    sha256: str | None
    source: str | None
    removed: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)
    blockers: list[Blocker] = field(default_factory=list)
    refusal: str | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None and not self.blockers


def _has_table(store: Store, table: str, column: str) -> bool:
    rows = store.con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = ? "
        "AND NOT internal AND schema_name = 'main' AND database_name = current_database()",
        [table, column],
    ).fetchall()
    return bool(rows and rows[0][0])


def _count(store: Store, sql: str, params: list[Any]) -> int:
    rows = store.con.execute(sql, params).fetchall()
    return int(rows[0][0]) if rows else 0


def plan_undo(store: Store, import_id: int) -> UndoPlan | None:
    """What undoing ``import_id`` would do, or why it cannot; None if no such import."""
    con = store.con
    row = con.execute(
        "SELECT kind, files, sha256, source, status, undoes, undone_by FROM import_log "
        "WHERE import_id = ?",
        [import_id],
    ).fetchall()
    if not row:
        return None
    kind, files, sha256, source, status, undoes, undone_by = row[0]
    plan = UndoPlan(int(import_id), str(kind), str(files), sha256, source)
    if undone_by is not None:
        plan.refusal = f"import {import_id} was already undone by import {undone_by}"
        return plan
    if undoes is not None or kind == "undo":
        plan.refusal = (
            f"import {import_id} is itself an undo (of import {undoes}); an undo cannot be "
            "undone: import the files again"
        )
        return plan
    if status not in ("SUCCESS", "WARNING"):  # WARNING: written with --skip-invalid
        plan.refusal = f"import {import_id} has status {status}: only a written import is undone"
        return plan
    if is_aggregate_import(store, import_id):
        plan.refusal = (
            f"import {import_id} wrote deaths as aggregates (--aggregates-only or --engine "
            "spark): the records stayed where they were and the deaths it replaced were not "
            "kept, so it cannot be "
            "undone; import the earlier records again to restore them"
        )
        return plan
    x = [import_id]
    # 1. later imports that replaced rows this import wrote
    later: dict[int, list[str]] = {}
    for table, what in (
        ("observation", "value(s)"),
        ("population", "population cell(s)"),
        ("death_record", "death record(s)"),
        ("orgunit", "org unit(s)"),
        ("orgunit_alias", "alias(es)"),
        ("data_element", "indicator definition(s)"),
        ("indicator_bound", "indicator bound(s)"),
        ("target", "target(s)"),
        ("policy_event", "policy event(s)"),
    ):
        for by, n in con.execute(
            f"SELECT superseded_by, count(*) FROM {table}_version WHERE import_id = ? "
            "GROUP BY 1 ORDER BY 1",
            x,
        ).fetchall():
            later.setdefault(int(by), []).append(f"{n} {what}")
    # 2. later data on org units or indicators this import created
    created_units = (
        "SELECT code FROM orgunit WHERE import_id = ? AND code NOT IN "
        "(SELECT code FROM orgunit_version WHERE superseded_by = ?)"
    )
    for table, col, what in (
        ("observation", "area", "value(s) for org units it created"),
        ("population", "region", "population cell(s) for org units it created"),
        ("death_record", "region", "death record(s) in org units it created"),
        ("orgunit", "parent", "org unit(s) under org units it created"),
        ("orgunit_alias", "code", "alias(es) of org units it created"),
    ):
        for by, n in con.execute(
            f"SELECT import_id, count(*) FROM {table} WHERE import_id IS DISTINCT FROM ? "
            f"AND {col} IN ({created_units}) GROUP BY 1 ORDER BY 1",
            [import_id, import_id, import_id],
        ).fetchall():
            if by is None:
                plan.blockers.append(Blocker(None, None, f"bundled rows use {n} {what}"))
            else:
                later.setdefault(int(by), []).append(f"{n} {what}")
    # values imported later of an indicator it defined (created, or redefined: its bounds)
    for by, n in con.execute(
        "SELECT import_id, count(*) FROM observation WHERE import_id > ? AND indicator IN "
        "(SELECT code FROM data_element WHERE import_id = ? "
        "UNION SELECT indicator FROM indicator_bound WHERE import_id = ?) GROUP BY 1",
        [import_id, import_id, import_id],
    ).fetchall():
        later.setdefault(int(by), []).append(f"{n} value(s) of indicators it defined")
    for code, area in con.execute(
        f"SELECT code, area FROM target WHERE area IN ({created_units}) OR indicator IN "
        "(SELECT code FROM data_element WHERE import_id = ? AND origin = 'user' AND code NOT IN "
        "(SELECT code FROM data_element_version WHERE superseded_by = ?))",
        [import_id, import_id, import_id, import_id],
    ).fetchall():
        plan.blockers.append(
            Blocker(None, None, f"target {code} uses an org unit or indicator it created ({area})")
        )
    if kind == "flags":
        # a recompute's flags are put back as they were, without running the rules again:
        # only while no later import has raised or replaced flags since
        for (by,) in con.execute(
            """SELECT DISTINCT i FROM (
                SELECT import_id AS i FROM quality_flag WHERE import_id > ?
                UNION SELECT superseded_by FROM quality_flag_version WHERE superseded_by > ?)
            ORDER BY 1""",
            [import_id, import_id],
        ).fetchall():
            later.setdefault(int(by), []).append("the quality flags since")
    kinds = dict(con.execute("SELECT import_id, kind FROM import_log").fetchall())
    for by in sorted(later):
        plan.blockers.append(
            Blocker(
                by,
                kinds.get(by),
                f"import {by} ({kinds.get(by, '?')}) changed or used what it wrote: "
                f"{', '.join(later[by])}; undo import {by} first",
            )
        )
    # 3. what would be removed and restored
    for table in ("observation", "population", "death_record", "orgunit", "orgunit_alias"):
        restored = _count(store, f"SELECT count(*) FROM {table}_version WHERE superseded_by = ?", x)
        written = _count(store, f"SELECT count(*) FROM {table} WHERE import_id = ?", x)
        # a death record corrected by this import is replaced (its id is kept); other tables
        # restore the earlier row in place
        plan.removed[table] = written - restored
        plan.restored[table] = restored
    for table, name in (
        ("data_element", "indicator"),
        ("indicator_bound", "indicator_bound"),
        ("target", "target"),
        ("policy_event", "policy_event"),
    ):
        restored = _count(store, f"SELECT count(*) FROM {table}_version WHERE superseded_by = ?", x)
        written = _count(store, f"SELECT count(*) FROM {table} WHERE import_id = ?", x)
        plan.removed[name] = written - restored
        plan.restored[name] = restored
    if _has_table(store, "quality_flag", "import_id"):
        plan.removed["quality_flag"] = _count(
            store, "SELECT count(*) FROM quality_flag WHERE import_id = ?", x
        )
        plan.restored["quality_flag"] = _count(
            store, "SELECT count(*) FROM quality_flag_version WHERE superseded_by = ?", x
        )
    return plan


def apply_undo(store: Store, plan: UndoPlan, undo_id: int) -> None:
    """Carry out an :func:`plan_undo` plan that is ``ok``; inside the caller's transaction."""
    if not plan.ok:
        raise ValueError("apply_undo needs a plan without blockers")
    con = store.con
    x = plan.import_id
    # the indicators whose values or flags it touched: their flags are recomputed after
    touched = [
        str(r[0])
        for r in con.execute(
            """SELECT indicator FROM observation WHERE import_id = ?
            UNION SELECT indicator FROM observation_version WHERE superseded_by = ?
            UNION SELECT indicator FROM quality_flag WHERE import_id = ?
            UNION SELECT indicator FROM quality_flag_version WHERE superseded_by = ?""",
            [x, x, x, x],
        ).fetchall()
    ]
    # the values it wrote (they go): the flags it raised on them go with them, in every version
    keys = ", ".join(_VALUE_KEY)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _undo_values AS "
        f"SELECT DISTINCT {keys} FROM observation WHERE import_id = ?",
        [x],
    )
    # deaths: remember the cells touched before the records change, re-aggregate them after
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _undo_cells AS
        SELECT DISTINCT region, year FROM (
            SELECT region, year FROM death_record WHERE import_id = ?
            UNION ALL SELECT region, year FROM death_record_version WHERE superseded_by = ?)""",
        [x, x],
    )
    con.execute("DELETE FROM death_record_data WHERE import_id = ?", [x])
    con.execute(
        "INSERT INTO death_record_data SELECT * EXCLUDE (superseded_by) "
        "FROM death_record_version_data "
        "WHERE superseded_by = ?",
        [x],
    )
    con.execute("DELETE FROM death_record_version_data WHERE superseded_by = ?", [x])
    drop_unused_dictionary_entries(store)
    # the records it wrote are gone (a later import that superseded them blocks the undo)
    con.execute("DELETE FROM death_record_source WHERE import_id = ?", [x])
    deaths_touched = _count(store, "SELECT count(*) FROM _undo_cells", []) > 0
    if deaths_touched:
        reaggregate(store, "_undo_cells")
    con.execute("DROP TABLE _undo_cells")
    # keyed tables: the replaced rows go back in place (an UPDATE keeps the key), then what
    # the import created is removed
    for table, key in _KEYS.items():
        cols = [
            str(r[0])
            for r in con.execute(
                # the table's own columns (the schema ``approved`` has views of the same
                # name: salamat.store.approved_views)
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "AND schema_name = 'main' AND database_name = current_database() "
                "ORDER BY column_index",
                [table],
            ).fetchall()
        ]
        payload = [c for c in cols if c not in key]
        sets = ", ".join(f"{c} = v.{c}" for c in payload)
        on = " AND ".join(f"t.{k} = v.{k}" for k in key)
        con.execute(
            f"UPDATE {table} AS t SET {sets} FROM {table}_version v "
            f"WHERE v.superseded_by = ? AND {on}",
            [x],
        )
        con.execute(f"DELETE FROM {table}_version WHERE superseded_by = ?", [x])
        con.execute(f"DELETE FROM {table} WHERE import_id = ?", [x])
    # the inputs a compute --save kept for its values: an earlier save's are its inputs again
    if _has_table(store, "computed_input", "import_id"):
        con.execute("DELETE FROM computed_input WHERE import_id = ?", [x])
    if _has_table(store, "quality_flag", "import_id"):
        # the flags it raised go; the flags it replaced come back with their own import ids;
        # then the rules run over what remains (a later import may have changed the picture):
        # a flag found again keeps its row, so undoing the last import restores every flag
        con.execute("DELETE FROM quality_flag WHERE import_id = ?", [x])
        # a flag it raised that a later import replaced is part of the history of the value
        # it was on (a peer flag on another area's value, shown with that value's old
        # vintage): kept, unless the value was its own, which goes
        own = " AND ".join(f"v.{k} = f.{k}" for k in _VALUE_KEY)
        other = " AND ".join(f"o.{k} = f.{k}" for k in _VALUE_KEY)
        con.execute(
            f"""DELETE FROM quality_flag_version f WHERE import_id = ?
            AND (EXISTS (SELECT 1 FROM _undo_values v WHERE {own})
                 OR NOT EXISTS (SELECT 1 FROM observation o WHERE {other})
                    AND NOT EXISTS (SELECT 1 FROM observation_version o WHERE {other}))""",
            [x],
        )
        con.execute(
            "INSERT INTO quality_flag SELECT * EXCLUDE (superseded_by) FROM quality_flag_version "
            "WHERE superseded_by = ?",
            [x],
        )
        con.execute("DELETE FROM quality_flag_version WHERE superseded_by = ?", [x])
        con.execute("DROP TABLE IF EXISTS _undo_values")
        if plan.kind == "flags":
            # a recompute (salamat flags --recompute) changed no data: the flags it replaced
            # are back as they were, and running the rules again would replace them again
            mark_undone(store, x, undo_id)
            return
        if touched:
            recompute_flags(store, touched, import_id=undo_id)
        if deaths_touched:
            recompute_death_flags(store, import_id=undo_id)
        # completeness reads records, population, rates and deaths series: always rerun
        recompute_completeness(store, import_id=undo_id)
    con.execute("DROP TABLE IF EXISTS _undo_values")
    mark_undone(store, x, undo_id)


def mark_undone(store: Store, import_id: int, undo_id: int) -> None:
    store.con.execute(
        "UPDATE import_log SET status = 'UNDONE', undone_by = ? WHERE import_id = ?",
        [undo_id, import_id],
    )
