"""Deaths written from aggregates whose unit records stay where they are (``--engine spark``,
``--aggregates-only``).

The engine (Spark, :mod:`salamat.store.spark`; or DuckDB, :func:`count_if_clean` and
:func:`count_staged` here) returns deaths by region x year x sex x age x cause group and the
records counted per region x year; this module writes them into ``deaths`` and
``death_aggregate_cell`` in the import's transaction. A region x year is held either by unit
records (``death_record_data``, re-aggregated by :func:`salamat.store.records.reaggregate`) or by
aggregates (``death_aggregate_cell``), never both: each kind of import refuses a cell the other
holds, so that no count is doubled and no re-aggregation drops a cell it cannot recompute.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from salamat.store.connection import Store
from salamat.store.deaths_sql import DUCKDB, MAX_AGE, aggregate_sql
from salamat.store.records import RecordCounts, create_region_lookup, distinct_values

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = [
    "COUNTS_TABLE",
    "cause_ranges",
    "cells_held_by_aggregates",
    "cells_held_by_records",
    "count_if_clean",
    "count_staged",
    "counted_frames",
    "counted_shape",
    "drop_counting",
    "is_aggregate_import",
    "merge_death_aggregates",
    "region_lookup_rows",
]


def region_lookup_rows(store: Store) -> list[tuple[object, ...]]:
    """Every code and alias of a place (not a group) -> (key, code, valid_from, valid_to), as
    :func:`salamat.store.records.create_region_lookup` makes it for DuckDB."""
    return store.con.execute("""SELECT code AS key, code, valid_from, valid_to FROM orgunit
        WHERE kind NOT IN ('world', 'group', 'who_region')
        UNION ALL
        SELECT a.alias, o.code, o.valid_from, o.valid_to
        FROM orgunit_alias a JOIN orgunit o ON o.code = a.code
        WHERE o.kind NOT IN ('world', 'group', 'who_region')""").fetchall()


def cause_ranges(store: Store) -> list[tuple[object, ...]]:
    """The cause groups' ICD-10 category ranges (cause, start3, end3)."""
    return store.con.execute("SELECT cause, start3, end3 FROM cause_group_range").fetchall()


def cells_held_by_records(store: Store, cells: pd.DataFrame) -> list[tuple[str, int]]:
    """The (region, year) of ``cells`` (columns region, year) for which the store holds unit
    records."""
    if cells.empty:
        return []
    store.con.register("_agg_cells", cells[["region", "year"]])
    try:
        rows = store.con.execute("""SELECT DISTINCT c.region, c.year FROM _agg_cells c
            WHERE EXISTS (SELECT 1 FROM death_record_data r JOIN death_region g USING (rid)
                WHERE g.region = c.region AND year(r.death_date) = c.year)
            ORDER BY 1, 2""").fetchall()
    finally:
        store.con.unregister("_agg_cells")
    return [(str(r), int(y)) for r, y in rows]


def cells_held_by_aggregates(store: Store, table: str) -> list[tuple[str, int]]:
    """The (region, year) of the staged death records ``table`` (``rid``, ``death_date``) that
    the store holds as aggregates without records (none, at once, when it holds none)."""
    con = store.con
    if not con.execute("SELECT count(*) FROM death_aggregate_cell").fetchall()[0][0]:
        return []
    rows = con.execute(f"""SELECT DISTINCT a.region, a.year FROM death_aggregate_cell a
        WHERE EXISTS (SELECT 1 FROM {table} t
            JOIN (SELECT rid, region FROM death_region UNION ALL
                  SELECT rid, region FROM _new_region) g ON g.rid = t.rid
            WHERE g.region = a.region AND year(t.death_date) = a.year)
        ORDER BY 1, 2""").fetchall()
    return [(str(r), int(y)) for r, y in rows]


def is_aggregate_import(store: Store, import_id: int) -> bool:
    """Whether the import wrote deaths from aggregates (its records were never stored)."""
    row = store.con.execute(
        "SELECT count(*) FROM death_aggregate_import WHERE import_id = ?", [import_id]
    ).fetchall()[0]
    return bool(row[0])


def merge_death_aggregates(
    store: Store,
    import_id: int,
    aggregates: pd.DataFrame,
    cells: pd.DataFrame,
    *,
    write: bool,
    codes: pd.DataFrame,
    source: str,
    engine: str = "spark",
) -> RecordCounts:
    """Replace the ``deaths`` of every region x year in ``cells`` (region, year, records,
    unknown) by ``aggregates`` (region, year, sex, age, cause, deaths), and the counts the
    record-level quality rules read by ``codes`` (region, year, icd10, no_age, no_sex, n).
    ``engine``: who counted them (``spark``, or ``duckdb`` for ``--aggregates-only``), logged
    in ``death_aggregate_import``.

    Counts are of records, by cell: a cell not held before counts its records as created; one
    held with the same deaths, the same counts by code and the same record counts, as
    unchanged; else as updated.
    """
    con = store.con
    con.register("_agg_new", aggregates[["region", "year", "sex", "age", "cause", "deaths"]])
    con.register("_agg_cells", cells[["region", "year", "records", "unknown"]])
    con.register("_agg_codes", codes[["region", "year", "icd10", "no_age", "no_sex", "n"]])
    try:
        con.execute("""CREATE OR REPLACE TEMP TABLE _agg_cmp AS
            SELECT c.region, CAST(c.year AS INTEGER) AS year, c.records, c.unknown,
                   o.region IS NOT NULL AS held,
                   o.region IS NOT NULL AND o.records = c.records AND o.unknown = c.unknown
                   AND NOT EXISTS (
                       (SELECT sex, age, cause, deaths FROM _agg_new n
                        WHERE n.region = c.region AND n.year = c.year
                        EXCEPT SELECT sex, age, cause, deaths FROM deaths d
                        WHERE d.region = c.region AND d.year = c.year)
                       UNION ALL
                       (SELECT sex, age, cause, deaths FROM deaths d
                        WHERE d.region = c.region AND d.year = c.year
                        EXCEPT SELECT sex, age, cause, deaths FROM _agg_new n
                        WHERE n.region = c.region AND n.year = c.year)
                       UNION ALL
                       (SELECT icd10, no_age, no_sex, n FROM _agg_codes n
                        WHERE n.region = c.region AND n.year = c.year
                        EXCEPT SELECT icd10, no_age, no_sex, n FROM death_aggregate_code d
                        WHERE d.region = c.region AND d.year = c.year)
                       UNION ALL
                       (SELECT icd10, no_age, no_sex, n FROM death_aggregate_code d
                        WHERE d.region = c.region AND d.year = c.year
                        EXCEPT SELECT icd10, no_age, no_sex, n FROM _agg_codes n
                        WHERE n.region = c.region AND n.year = c.year)) AS same
            FROM _agg_cells c LEFT JOIN death_aggregate_cell o
              ON o.region = c.region AND o.year = c.year""")
        row = con.execute("""SELECT
                coalesce(sum(records) FILTER (WHERE NOT held), 0),
                coalesce(sum(records) FILTER (WHERE held AND NOT same), 0),
                coalesce(sum(records) FILTER (WHERE same), 0) FROM _agg_cmp""").fetchall()[0]
        counts = RecordCounts(int(row[0]), int(row[1]), int(row[2]))
        if write:
            con.execute(
                "INSERT INTO death_aggregate_import (import_id, engine, source) VALUES (?, ?, ?)",
                [import_id, engine, source],
            )
        if write and counts.created + counts.updated:
            con.execute("""DELETE FROM deaths WHERE EXISTS (SELECT 1 FROM _agg_cmp c
                WHERE NOT c.same AND c.region = deaths.region AND c.year = deaths.year)""")
            con.execute("""INSERT INTO deaths SELECT n.region, n.year, n.sex, n.age, n.cause,
                    n.deaths FROM _agg_new n
                WHERE EXISTS (SELECT 1 FROM _agg_cmp c
                    WHERE NOT c.same AND c.region = n.region AND c.year = n.year)""")
            con.execute("""DELETE FROM death_aggregate_code WHERE EXISTS (SELECT 1 FROM _agg_cmp c
                WHERE NOT c.same AND c.region = death_aggregate_code.region
                  AND c.year = death_aggregate_code.year)""")
            con.execute(
                """INSERT INTO death_aggregate_code SELECT n.region, n.year, n.icd10, n.no_age,
                    n.no_sex, n.n, ? FROM _agg_codes n
                WHERE EXISTS (SELECT 1 FROM _agg_cmp c
                    WHERE NOT c.same AND c.region = n.region AND c.year = n.year)""",
                [import_id],
            )
            con.execute(
                """INSERT OR REPLACE INTO death_aggregate_cell
                SELECT region, year, records, unknown, ? FROM _agg_cmp WHERE NOT same""",
                [import_id],
            )
        return counts
    finally:
        con.execute("DROP TABLE IF EXISTS _agg_cmp")
        con.unregister("_agg_new")
        con.unregister("_agg_cells")
        con.unregister("_agg_codes")


# --- the aggregates-only import with DuckDB (``import deaths --aggregates-only``) ----------------

_INTEGER_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)
# the counts the aggregates-only import builds, whichever way it checked the records
COUNTS_TABLE = "_afine_n"


def _typed_date(typ: str) -> bool:
    return typ.upper().startswith(("DATE", "TIMESTAMP"))


def counted_shape(columns: dict[str, str]) -> str | None:
    """Whether records with these columns (name -> DuckDB type) can be proved clean by
    counting (:func:`count_if_clean`): ``"dates"`` (a typed death_date and birth_date, no
    age), ``"age"`` (a typed death_date and an integer age, no birth_date), else None (text
    dates, both age and birth_date: the records are checked one by one)."""
    death = columns.get("death_date", "")
    if not _typed_date(death):
        return None
    if "birth_date" in columns and "age" not in columns and _typed_date(columns["birth_date"]):
        return "dates"
    if "age" in columns and "birth_date" not in columns and columns["age"] in _INTEGER_TYPES:
        return "age"
    return None


def count_if_clean(
    store: Store,
    views: Sequence[str],
    columns: Sequence[str],
    shape: str,
    today: date,
    default_region: str | None,
    files: Sequence[Path] = (),
) -> int | None:
    """Prove every record of the ``views`` (the files of one import, with the death-record
    ``columns``, read as one relation ``_srcall``) free of problems by counting, and if so
    count them into ``_afine_n`` (region, year, sex, age, icd10, n) and return their number;
    None, with nothing counted, when the proof fails: the records are then checked one by one
    (:func:`salamat.store.records.stage_deaths`), which names every problem. ``shape``:
    :func:`counted_shape` of the columns; ``files``: the Parquet files the views read, if they
    read only such files (their ids are then read for the character check by pyarrow, without
    DuckDB making Arrow of them). :func:`drop_counting` drops what this leaves.

    The records are first grouped by the texts of sex, region and cause, the year of death and
    the age, keeping per group the first and last death_date, the least number of days from
    birth to death and the counts of dates given. Each check of
    :func:`salamat.store.deaths_sql.detail_sql` then holds for every record of a group exactly
    when it holds for these: the sex, region and code texts are checked once each
    (``_dva_*``), a region's validity against the first and last death_date, the future against
    the last, the order of the dates against the least gap, and the age (completed years, the
    same arithmetic) is a key of the group. The ids are proved present, without a control
    character, without blanks that ``trim`` would remove and distinct
    (:func:`_ids_clean`). Two passes over the file, and no record is written anywhere.
    """
    con = store.con
    cols = ", ".join(columns)
    union = " UNION ALL BY NAME ".join(f"SELECT {cols} FROM {v}" for v in views)
    con.execute(f"CREATE OR REPLACE TEMP VIEW _srcall AS {union}")
    source_sql = "_srcall"
    if shape == "dates":
        age = DUCKDB.years("bd", "dd")
        gap = "min(dd - bd) AS gap, count(bd) AS n_birth"
        age_ok = "f.gap >= 0 AND f.n_birth = f.n"
    else:
        age = "CAST(age AS INTEGER)"
        gap = "0 AS gap, count(*) AS n_birth"
        age_ok = "true"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _afine AS
        SELECT sex_raw, region_text, icd_text, year(dd) AS year, {age} AS age,
               min(dd) AS d0, max(dd) AS d1, {gap}, count(*) AS n, count(dd) AS n_death
        FROM (SELECT CAST(sex AS VARCHAR) AS sex_raw, CAST(region AS VARCHAR) AS region_text,
                     CAST(icd10 AS VARCHAR) AS icd_text, CAST(death_date AS DATE) AS dd,
                     {"CAST(birth_date AS DATE)" if shape == "dates" else "NULL::DATE"} AS bd,
                     {"age" if shape == "age" else "NULL"} AS age
              FROM {source_sql})
        GROUP BY ALL""")
    # the distinct texts of sex, region and cause, from the groups: no other pass over the file
    create_region_lookup(store)
    distinct_values(
        store,
        "(SELECT sex_raw AS sex, region_text AS region, icd_text AS icd10 FROM _afine)",
        default_region,
        "_dva",
    )
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {COUNTS_TABLE} AS
        SELECT vr.code AS region, f.year, vs.sex, f.age, vi.icd10, f.n,
               vs.sex IS NOT NULL AND vr.code IS NOT NULL AND vi.icd10 IS NOT NULL
               AND vi.e_icd10 IS NULL AND f.n_death = f.n AND f.d1 <= DATE '{today.isoformat()}'
               AND (vr.valid_from IS NULL OR f.d0 >= vr.valid_from)
               AND (vr.valid_to IS NULL OR f.d1 <= vr.valid_to)
               AND f.age IS NOT NULL AND f.age BETWEEN 0 AND {MAX_AGE} AND {age_ok} AS ok
        FROM _afine f
        LEFT JOIN _dva_sex vs ON vs.raw IS NOT DISTINCT FROM f.sex_raw
        LEFT JOIN _dva_region vr ON vr.raw IS NOT DISTINCT FROM f.region_text
        LEFT JOIN _dva_icd10 vi ON vi.raw IS NOT DISTINCT FROM f.icd_text""")
    con.execute("DROP TABLE _afine")
    groups_ok = con.execute(f"SELECT bool_and(ok) FROM {COUNTS_TABLE}").fetchall()[0][0]
    n = int(con.execute(f"SELECT coalesce(sum(n), 0) FROM {COUNTS_TABLE}").fetchall()[0][0])
    if groups_ok is False or not _ids_clean(store, source_sql, files, n):
        con.execute(f"DROP TABLE {COUNTS_TABLE}")
        return None
    return n


def drop_counting(store: Store) -> None:
    """Drop the temp relations of :func:`count_if_clean` and :func:`count_staged`."""
    for table in (COUNTS_TABLE, "_afine", "_dva_sex", "_dva_icd10", "_dva_region"):
        store.con.execute(f"DROP TABLE IF EXISTS {table}")
    store.con.execute("DROP VIEW IF EXISTS _srcall")


def _ids_clean(store: Store, source_sql: str, files: Sequence[Path], n: int) -> bool:
    """Every record has an id, no two the same, none blank, none with a control character
    (NUL, tab ...) and none with blanks at either end (the check trims them; ids that differ
    only so would be one id): what the per-record check of the id finds nothing wrong with.

    Distinct: as many distinct 64-bit hashes as ids proves the ids distinct (equal ids have
    equal hashes); fewer is reported as not proved, and the record-by-record check compares
    the texts. The characters are checked on the ids' bytes (:func:`_id_bytes_clean`). The
    ids of Parquet ``files`` are read once, by pyarrow, when they fit in
    :data:`ID_MEMORY_BYTES`, and their hashes counted from that copy; else they are read twice
    (hashes counted by DuckDB from the files, bytes checked a block of rows at a time)."""
    con = store.con
    typ = con.execute(f"SELECT typeof(id) FROM {source_sql} LIMIT 1").fetchall()
    if not typ:
        return True  # no record
    kind = str(typ[0][0])
    if kind not in _INTEGER_TYPES and kind != "VARCHAR":
        return False
    # ``n`` records (as counted): as many distinct hashes (a missing id has one hash too, and
    # is looked for apart)
    distinct = f"SELECT count(*) FROM (SELECT DISTINCT hash(id) FROM {source_sql})"
    if kind in _INTEGER_TYPES:  # never blank, no control character
        if con.execute(distinct).fetchall()[0][0] != n:
            return False
        missing = con.execute(f"SELECT count(*) FROM {source_sql} WHERE id IS NULL").fetchall()
        return not missing[0][0]
    held = _file_ids_in_memory(files) if files else None
    if held is not None:  # one read of the ids: their bytes checked, then their hashes counted
        verdict = _id_bytes_clean(held.column(0).chunks)
        if verdict is False:
            return False
        con.register("_ids_arrow", held)
        try:
            hashes = con.execute(
                "SELECT count(*) FROM (SELECT DISTINCT hash(id) FROM _ids_arrow)"
            ).fetchall()[0][0]
        finally:
            con.unregister("_ids_arrow")
    else:
        hashes = con.execute(distinct).fetchall()[0][0]
        batches = (
            _file_ids(files)
            if files
            else (
                b.column(0)
                for b in con.sql(f"SELECT id FROM {source_sql}").to_arrow_reader(1 << 20)
            )
        )
        verdict = _id_bytes_clean(batches)
    if hashes != n or verdict is False:
        return False
    if verdict is None:  # not only ASCII: what ``trim`` would remove, asked of SQL
        trimmed = con.execute(f"SELECT count(*) FROM {source_sql} WHERE id <> trim(id)")
        return not trimmed.fetchall()[0][0]
    return True


def _id_bytes_clean(batches: Iterable[pa.Array]) -> bool | None:
    """Whether the text ids of ``batches`` are all given, none empty, none with a control
    character (the bytes 0x00-0x1F and 0x7F of UTF-8, as ``[[:cntrl:]]``) and none beginning
    or ending with a space: True; False when one is not; None when all are but some hold
    other than ASCII characters (``trim`` also removes Unicode spaces: the caller asks SQL).
    Vectorised over the bytes Arrow holds, a block of rows at a time."""
    import numpy as np
    import pyarrow as pa

    non_ascii = False
    for ids in batches:
        if ids.null_count:
            return False
        if not (pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type)):
            ids = ids.cast(pa.large_string())
        if not len(ids):
            continue
        width = np.int32 if pa.types.is_string(ids.type) else np.int64
        offsets = np.frombuffer(ids.buffers()[1], dtype=width)[
            ids.offset : ids.offset + len(ids) + 1
        ]
        if (offsets[1:] == offsets[:-1]).any():  # an empty id
            return False
        data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        if (data < 0x20).any() or (data == 0x7F).any():
            return False
        starts = offsets[:-1] - offsets[0]
        if (data[starts] == 0x20).any() or (data[offsets[1:] - 1 - offsets[0]] == 0x20).any():
            return False
        non_ascii = non_ascii or bool((data >= 0x80).any())
    return None if non_ascii else True


# the most bytes of ids (uncompressed, as Parquet's metadata gives them) held in memory at once
# by the aggregates-only check: about 80 million ids of 12 characters
ID_MEMORY_BYTES = 1 << 30


def _file_ids_in_memory(files: Sequence[Path]) -> pa.Table | None:
    """The ids of the Parquet ``files`` as one Arrow table (column ``id``), or None when they
    would take more than :data:`ID_MEMORY_BYTES` or the files give them different types."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    size = 0
    names = []
    for path in files:
        with pq.ParquetFile(path) as pf:
            name = next(n for n in pf.schema_arrow.names if n.lower() == "id")
            j = pf.schema_arrow.names.index(name)
            meta = pf.metadata
            size += sum(
                meta.row_group(i).column(j).total_uncompressed_size
                for i in range(meta.num_row_groups)
            )
            names.append(name)
    if size > ID_MEMORY_BYTES:
        return None
    tables = [
        pq.read_table(path, columns=[name]).rename_columns(["id"])
        for path, name in zip(files, names, strict=True)
    ]
    try:
        return pa.concat_tables(tables)
    except pa.ArrowInvalid:
        return None


def _file_ids(files: Sequence[Path]) -> Iterator[pa.Array]:
    """The ids of the Parquet ``files`` (the column named ``id`` in any case), a block of rows
    at a time, read by pyarrow."""
    import pyarrow.parquet as pq

    for path in files:
        with pq.ParquetFile(path) as pf:
            name = next(n for n in pf.schema_arrow.names if n.lower() == "id")
            for batch in pf.iter_batches(batch_size=1 << 20, columns=[name]):
                yield batch.column(0)


def count_staged(store: Store, tables: list[str]) -> None:
    """``_afine_n`` (region, year, sex, age, icd10, n) from death records checked one by one
    and staged in ``tables`` (``rid``, ``cid``, ``death_date``, ``sex``, ``age``; the records
    to write only, after ``--skip-invalid`` removed the others)."""
    union = " UNION ALL ".join(
        f"SELECT rid, cid, year(death_date) AS year, sex, age FROM {t}" for t in tables
    )
    store.con.execute(f"""CREATE OR REPLACE TEMP TABLE {COUNTS_TABLE} AS
        SELECT g.region, c.year, c.sex, c.age, k.icd10, c.n FROM (
            SELECT rid, cid, year, sex, age, count(*) AS n FROM ({union}) GROUP BY ALL) c
        JOIN (SELECT rid, region FROM death_region UNION ALL
              SELECT rid, region FROM _new_region) g ON g.rid = c.rid
        JOIN (SELECT cid, icd10 FROM death_code UNION ALL
              SELECT cid, icd10 FROM _new_code) k ON k.cid = c.cid""")


def counted_frames(store: Store) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """From ``_afine_n``: the deaths by region x year x sex x age x cause group
    (:func:`salamat.store.deaths_sql.aggregate_sql`, the one definition), the records and
    those without age or sex by region x year, and the deaths by ICD-10 code that the quality
    rules read: what :func:`merge_death_aggregates` writes, as Spark returns them."""
    con = store.con
    aggregates = con.execute(aggregate_sql(COUNTS_TABLE, counted=True)).df()
    cells = con.execute(f"""SELECT region, year, sum(n)::BIGINT AS records,
            coalesce(sum(n) FILTER (WHERE age IS NULL OR sex NOT IN ('female', 'male')), 0)
                ::BIGINT AS unknown
        FROM {COUNTS_TABLE} GROUP BY region, year""").df()
    codes = con.execute(f"""SELECT region, year, icd10, age IS NULL AS no_age,
            sex NOT IN ('female', 'male') AS no_sex, sum(n)::BIGINT AS n
        FROM {COUNTS_TABLE} GROUP BY ALL""").df()
    return aggregates, cells, codes
