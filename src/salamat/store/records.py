"""Unit-record death registrations and population estimates: validation and aggregation in SQL.

Death records are never looped over in Python. One query reads the file (DuckDB's Parquet reader,
or an Arrow table for CSV), normalises every field and writes, for each field, the reason it is
wrong or NULL; a second query aggregates the clean records to deaths by region x year x sex x
single year of age x cause group, with the cause groups read from the ``cause_group_range``
table (data, not code). A death counts once in every group whose ICD-10 ranges contain its
underlying cause (``all`` holds every death; ``ncd4`` the four SDG 3.4.1 groups together).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass
from datetime import date

import duckdb

from salamat.errors import Problem
from salamat.store.connection import Store
from salamat.store.deaths_sql import (
    DEATH_FIELDS,
    DUCKDB,
    ERR_COLUMNS,
    aggregate_sql,
    detail_sql,
    dv_icd10_sql,
    dv_region_sql,
    dv_sex_sql,
)
from salamat.store.deaths_sql import region_expr as portable_region_expr

__all__ = [
    "DEATH_FIELDS",
    "STAGING_TABLES",
    "DeathCheck",
    "RecordCounts",
    "count_rows",
    "create_region_lookup",
    "cross_file_duplicate_ids",
    "death_problems",
    "distinct_values",
    "drop_sources",
    "drop_staged_rows",
    "drop_tables",
    "drop_unused_dictionary_entries",
    "holds_no_deaths",
    "holds_records",
    "is_view",
    "keep_valid_deaths",
    "materialise",
    "merge_deaths",
    "open_arrow",
    "open_parquet",
    "reaggregate_deferred",
    "region_expr",
    "rename_table",
    "stage_deaths",
    "staged_outside_scope",
    "write_first_file",
]

_ERR_COLUMNS = ERR_COLUMNS
# A control character (NUL, tab, ...) in a record id; ids are checked in blocks of rows.
_CNTRL = DUCKDB.cntrl
_ID_BLOCK = 65536
# The temp tables of a deaths import, dropped when it ends, whatever the outcome.
STAGING_TABLES = (
    "_dr",
    "_dr_dup",
    "_dr_err",
    "_dv_sex",
    "_dv_icd10",
    "_dv_region",
    "_dr_cmp",
    "_dr_changed",
    "_affected",
    "_affected_all",
    "_region_lookup",
    "_new_region",
    "_new_code",
)


@dataclass(frozen=True)
class RecordCounts:
    created: int
    updated: int
    unchanged: int


def create_region_lookup(store: Store) -> None:
    """Temp table ``_region_lookup``: every code and alias of a place (not a group) -> code."""
    store.con.execute("""CREATE OR REPLACE TEMP TABLE _region_lookup AS
        SELECT code AS key, code, valid_from, valid_to FROM orgunit
        WHERE kind NOT IN ('world', 'group', 'who_region')
        UNION ALL
        SELECT a.alias, o.code, o.valid_from, o.valid_to
        FROM orgunit_alias a JOIN orgunit o ON o.code = a.code
        WHERE o.kind NOT IN ('world', 'group', 'who_region')""")


def open_parquet(store: Store, path: object, name: str) -> None:
    """Temp view ``<name>``: the Parquet file's columns and ``_row``, the 1-based record number.
    Temporary: nothing naming the file is kept in the store."""
    literal = str(path).replace("'", "''")
    store.con.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * EXCLUDE (file_row_number), "
        f"file_row_number + 1 AS _row FROM read_parquet('{literal}', file_row_number = true)"
    )


def open_arrow(store: Store, table: object, name: str) -> None:
    """Temp view ``<name>`` over an Arrow table (a CSV read as strings, with ``_row``),
    registered as ``<name>_arrow``: the connection holds it, the store file never does."""
    store.con.register(f"{name}_arrow", table)
    store.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}_arrow")


def is_view(store: Store, name: str) -> bool:
    """Whether the temp relation ``name`` is a view (the records of a clean file, read from the
    file each time) rather than a table."""
    row = store.con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name = ?", [name]
    ).fetchall()[0]
    return bool(row[0])


def _drop(store: Store, name: str) -> None:
    store.con.execute(f"DROP {'VIEW' if is_view(store, name) else 'TABLE'} IF EXISTS {name}")


def rename_table(store: Store, old: str, new: str) -> None:
    """Rename the staged temp table or view ``old`` to ``new``, replacing any relation ``new``."""
    _drop(store, new)
    store.con.execute(f"ALTER {'VIEW' if is_view(store, old) else 'TABLE'} {old} RENAME TO {new}")


def materialise(store: Store, name: str) -> None:
    """Make the staged relation ``name`` a table, if it is a view (before rows are removed)."""
    if is_view(store, name):
        store.con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_m AS SELECT * FROM {name}")
        store.con.execute(f"DROP VIEW {name}")
        store.con.execute(f"ALTER TABLE {name}_m RENAME TO {name}")


def drop_tables(store: Store, names: list[str]) -> None:
    """Drop these (staging) tables or views, whichever exist."""
    for name in names:
        _drop(store, name)


def count_rows(store: Store, table: str) -> int:
    """The number of rows of a (staged) table."""
    row = store.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    return int(row[0])


def drop_sources(store: Store, names: list[str]) -> None:
    """Drop the views and registrations of source files (``_src0`` ...), whatever exists."""
    con = store.con
    for name in names:
        con.execute(f"DROP VIEW IF EXISTS {name}")
        with contextlib.suppress(duckdb.Error):
            con.unregister(f"{name}_arrow")


def region_expr(default_region: str | None) -> str:
    """The record's region text, or ``default_region`` (``--area``, a known code) when blank."""
    return portable_region_expr(DUCKDB, default_region)


def cross_file_duplicate_ids(
    store: Store, staged: list[tuple[str, str]]
) -> list[tuple[str, int, str]]:
    """(file, row, id) of every staged death record whose id appears in more than one of the
    staged tables ``(file, table)``, in the order of the files given, then by row."""
    union = " UNION ALL ".join(
        f"SELECT id, _row, {i} AS k, ? AS file FROM {t}" for i, (_f, t) in enumerate(staged)
    )
    rows = store.con.execute(
        f"""WITH u AS ({union}),
        d AS (SELECT id FROM u GROUP BY id HAVING count(DISTINCT k) > 1)
        SELECT file, _row, id FROM u SEMI JOIN d USING (id) ORDER BY k, _row""",
        [f for f, _t in staged],
    ).fetchall()
    return [(str(f), int(r), str(i)) for f, r, i in rows]


def drop_staged_rows(store: Store, table: str, rows: list[int]) -> None:
    """Remove the records of these file rows from a staged table (``--skip-invalid``)."""
    if rows:
        materialise(store, table)
        store.con.execute(f"DELETE FROM {table} WHERE list_contains(?, _row)", [rows])


def staged_outside_scope(store: Store, table: str, units: list[str]) -> list[tuple[int, str]]:
    """``(row, region)`` of the staged death records whose region is valid but not one of
    ``units`` (a scoped editor's), by row. Records without a valid region are problems already
    and are not listed again (population cells: :func:`salamat.store.population.cells_outside_scope`)."""
    sql = f"""SELECT t._row, r.region FROM {table} t JOIN (
            SELECT rid, region FROM death_region
            UNION ALL SELECT rid, region FROM _new_region) r ON r.rid = t.rid
        WHERE NOT t.bad AND NOT list_contains(?, r.region) ORDER BY t._row"""
    return [(int(row), str(code)) for row, code in store.con.execute(sql, [units]).fetchall()]


def keep_valid_deaths(store: Store) -> None:
    """Remove from ``_dr`` every record with a problem (``--skip-invalid``): any field
    (``bad``), or an id seen earlier in the file (``_dr_dup``, from :func:`death_problems`)."""
    store.con.execute("""DELETE FROM _dr WHERE bad OR _row IN (
        SELECT r._row FROM _dr r JOIN _dr_dup d USING (id) WHERE r._row <> d.first_row)""")


def distinct_values(
    store: Store, source_sql: str, default_region: str | None, dv: str = "_dv"
) -> None:
    """Temp tables ``<dv>_sex``, ``<dv>_icd10`` and ``<dv>_region``: each distinct text of the
    file's sex, cause and region (a few dozen to a few thousand, NULL included), normalised and
    checked once; the records join them (``raw``), so no per-record string work is done on
    these columns. A valid region or code also gets its dictionary id (``rid``, ``cid``): the
    stored one (``death_region``, ``death_code``), or a new one kept in ``_new_region`` /
    ``_new_code`` until the import writes (shared by the files of one import)."""
    con = store.con
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _new_region (rid INTEGER, region VARCHAR)")
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _new_code (cid INTEGER, icd10 VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {dv}_sex AS {dv_sex_sql(DUCKDB, source_sql)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {dv}_icd10 AS {dv_icd10_sql(DUCKDB, source_sql)}")
    _dictionary_ids(
        store, f"{dv}_icd10", "icd10", "e_icd10 IS NULL", "death_code", "_new_code", "cid"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {dv}_region AS "
        + dv_region_sql(DUCKDB, source_sql, default_region)
    )
    _dictionary_ids(
        store, f"{dv}_region", "code", "code IS NOT NULL", "death_region", "_new_region", "rid"
    )


def _dictionary_ids(
    store: Store, dv: str, col: str, valid: str, stored: str, new: str, key: str
) -> None:
    """Add ``key`` to the distinct-value table ``dv``: the id of its value ``col`` (where
    ``valid``) in the dictionary ``stored`` or, numbered on from the largest id of both, in the
    import's ``new`` (value column named as in ``stored``)."""
    name = {"death_region": "region", "death_code": "icd10"}[stored]
    con = store.con
    con.execute(f"""INSERT INTO {new}
        SELECT (SELECT coalesce(max({key}), 0) FROM (SELECT {key} FROM {stored}
                UNION ALL SELECT {key} FROM {new})) + row_number() OVER (ORDER BY v), v
        FROM (SELECT DISTINCT {col} AS v FROM {dv} WHERE {valid}) d
        WHERE NOT EXISTS (SELECT 1 FROM {stored} s WHERE s.{name} = d.v)
          AND NOT EXISTS (SELECT 1 FROM {new} n WHERE n.{name} = d.v)""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {dv} AS
        SELECT v.*, CASE WHEN {valid} THEN k.{key} END AS {key} FROM {dv} v
        LEFT JOIN (SELECT {key}, {name} FROM {stored} UNION ALL SELECT {key}, {name} FROM {new}) k
          ON k.{name} = v.{col}""")


def _detail_sql(
    source_sql: str, columns: dict[str, str], today: date, dv: str, *, id_chars: bool = True
) -> str:
    """:func:`salamat.store.deaths_sql.detail_sql` for DuckDB, with the dictionary ids."""
    return detail_sql(DUCKDB, source_sql, columns, today, id_chars=id_chars, dv=dv)


@dataclass(frozen=True)
class DeathCheck:
    """What the check of a file's staged records found (:func:`stage_deaths`).

    ``hashes``: the number of distinct 64-bit hashes of the ids. As many distinct hashes as ids
    proves the ids distinct (equal ids have equal hashes); fewer may be a duplicate or a
    collision, and the ids are then compared as texts (:func:`death_problems`).
    """

    records: int
    bad: int
    ids: int
    hashes: int

    @property
    def clean(self) -> bool:
        """No record with a problem and every id distinct: every record is to be written."""
        return self.bad == 0 and self.hashes == self.ids == self.records


def stage_deaths(
    store: Store,
    source_sql: str,
    columns: dict[str, str],
    today: date,
    *,
    default_region: str | None = None,
    dv: str = "_dv",
) -> DeathCheck:
    """Normalise and check every record of ``source_sql`` into the temp table ``_dr``.

    ``source_sql`` is a relation with the file's columns and ``_row``; ``columns`` maps each
    column name to its DuckDB type; ``dv`` names the file's distinct-value tables. ``bad`` is
    true when any field is wrong; the reasons are worked out again, for those records only, by
    :func:`death_problems` (the same SQL), so a clean file never materialises a message.
    """
    create_region_lookup(store)
    distinct_values(store, source_sql, default_region, dv)
    bad = " OR ".join(f"{e} IS NOT NULL" for e in _ERR_COLUMNS)
    con = store.con
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _dr AS
        SELECT _row, id, sex, death_date, age, rid, cid, ({bad}) AS bad
        FROM ({_detail_sql(source_sql, columns, today, dv, id_chars=False)})"""
    )
    # A control character in an id: looked for in the ids joined into one text per block of
    # rows (one regular-expression scan of each block, not one call per record; joining texts
    # cannot make a control character), and only when a block has one are its records marked.
    blocks = con.execute(f"""SELECT list(b ORDER BY b) FROM (
        SELECT _row // {_ID_BLOCK} AS b, string_agg(id, '') AS ids FROM _dr GROUP BY b)
        WHERE regexp_matches(ids, '{_CNTRL}')""").fetchall()[0][0]
    if blocks:
        con.execute(
            f"UPDATE _dr SET bad = true WHERE list_contains(?, _row // {_ID_BLOCK}) "
            f"AND regexp_matches(id, '{_CNTRL}')",
            [blocks],
        )
    # one pass: the bad records, and the ids' distinct hashes (cheaper than the texts')
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE bad), count(id), count(DISTINCT hash(id)) FROM _dr"
    ).fetchall()[0]
    return DeathCheck(*(int(x) for x in row))


def holds_no_deaths(store: Store) -> bool:
    """Whether the store holds no death record and no death aggregate imported without its
    records: a file imported into it writes every one of its records as new."""
    row = store.con.execute(
        "SELECT (SELECT count(*) FROM death_record_data) + "
        "(SELECT count(*) FROM death_aggregate_cell)"
    ).fetchall()[0]
    return int(row[0]) == 0


def write_first_file(
    store: Store,
    source_sql: str,
    columns: dict[str, str],
    today: date,
    *,
    default_region: str | None,
    import_id: int,
    source: str,
) -> int | None:
    """Check and write every record of one file into a store that holds none
    (:func:`holds_no_deaths`), in the import's transaction; the number of records written, or
    None when the file has a problem (the caller rolls back and checks it record by record).

    One pass reads the file, normalises and checks every record with the SQL of
    :func:`stage_deaths` and writes the clean ones straight into ``death_record_data``: no
    staging copy of the records. The file is clean when every record was written and the ids
    written have as many distinct 64-bit hashes as records (equal ids have equal hashes, so
    this proves them distinct; fewer is a duplicate or a collision, and the long way decides).
    Then the dictionaries, the source and the aggregates, as :func:`merge_deaths` writes them.
    """
    con = store.con
    create_region_lookup(store)
    distinct_values(store, source_sql, default_region)
    total = int(con.execute(f"SELECT count(*) FROM {source_sql}").fetchall()[0][0])
    bad = " OR ".join(f"{e} IS NOT NULL" for e in _ERR_COLUMNS)
    written = con.execute(
        f"""INSERT INTO death_record_data
        SELECT id, rid, death_date, sex, age, cid, {int(import_id)}
        FROM ({_detail_sql(source_sql, columns, today, "_dv")}) WHERE NOT ({bad})"""
    ).fetchall()[0][0]
    if int(written) != total:
        return None
    hashes = con.execute("SELECT count(DISTINCT hash(id)) FROM death_record_data").fetchall()
    if int(hashes[0][0]) != total:
        return None
    # every record written: every new region and code is used by one
    con.execute("INSERT INTO death_region SELECT * FROM _new_region")
    con.execute("INSERT INTO death_code SELECT * FROM _new_code")
    con.execute("INSERT INTO death_record_source VALUES (?, ?)", [import_id, source])
    reaggregate(store)
    return total


def death_problems(
    store: Store,
    file: str,
    limit: int,
    source_sql: str,
    columns: dict[str, str],
    today: date,
    check: DeathCheck,
    dv: str = "_dv",
) -> tuple[Counter[str], list[Problem], int]:
    """Count every problem of the records staged by :func:`stage_deaths` by reason; return the
    first ``limit`` in full and the number of records with at least one problem. Duplicate ids
    within the file are problems. ``source_sql``, ``columns``, ``today`` and ``dv`` as staged;
    ``check``: what staging found (a clean file has no problem to look for)."""
    con = store.con
    reasons: Counter[str] = Counter()
    con.execute("""CREATE OR REPLACE TEMP TABLE _dr_dup AS
        SELECT NULL::VARCHAR AS id, NULL::BIGINT AS first_row WHERE false""")
    if check.clean:
        return reasons, [], 0
    n_bad = check.bad
    # the reasons, for the records with a problem only
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _dr_err AS
        SELECT _row, {", ".join(_ERR_COLUMNS)} FROM ({
            _detail_sql(
                f"(SELECT * FROM {source_sql} WHERE _row IN (SELECT _row FROM _dr WHERE bad))"
                if n_bad
                else f"(SELECT * FROM {source_sql} WHERE false)",
                columns,
                today,
                dv,
            )
        }) WHERE {" OR ".join(f"{e} IS NOT NULL" for e in _ERR_COLUMNS)}"""
    )
    for field, err in zip(DEATH_FIELDS, _ERR_COLUMNS, strict=True):
        if not n_bad:
            break
        for msg, k in con.execute(
            f"SELECT regexp_replace({err}, ' \\(\\d+ completed years\\)', ''), count(*) "
            f"FROM _dr_err WHERE {err} IS NOT NULL GROUP BY 1"
        ).fetchall():
            reasons[f"{field}: {msg}"] += int(k)
    # fewer distinct hashes than ids: a duplicate, or two ids with one hash; the texts decide
    if check.hashes < check.ids:
        con.execute("""CREATE OR REPLACE TEMP TABLE _dr_dup AS
            SELECT id, min(_row) AS first_row, count(*) AS n FROM _dr WHERE id IS NOT NULL
            GROUP BY id HAVING count(*) > 1""")
        extra = con.execute("SELECT coalesce(sum(n - 1), 0) FROM _dr_dup").fetchall()[0][0]
        if extra:
            reasons["id: the record id appears more than once in the file"] += int(extra)
    if not reasons:
        return reasons, [], 0
    bad_rows = con.execute("""
        SELECT count(*) FROM _dr LEFT JOIN _dr_dup d USING (id)
        WHERE bad OR (d.id IS NOT NULL AND _row <> d.first_row)""").fetchall()[0]
    problems: list[Problem] = []
    raw = {f: (f"CAST(src.{f} AS VARCHAR)" if f in columns else "NULL") for f in DEATH_FIELDS}
    parts = [
        f"SELECT d._row, '{f}' AS field, d.{e} AS message, {raw[f]} AS value "
        f"FROM _dr_err d JOIN {source_sql} src ON src._row = d._row WHERE d.{e} IS NOT NULL"
        for f, e in zip(DEATH_FIELDS, _ERR_COLUMNS, strict=True)
    ]
    parts.append(
        "SELECT r._row, 'id', 'the record id appears more than once in the file '"
        "|| '(first at row ' || d.first_row || ')', r.id FROM _dr r JOIN _dr_dup d "
        "USING (id) WHERE r._row <> d.first_row"
    )
    for row, field, msg, value in con.execute(
        " UNION ALL ".join(parts) + " ORDER BY 1, 2 LIMIT ?", [limit]
    ).fetchall():
        problems.append(Problem(file, int(row), field, msg, value))
    return reasons, problems, int(bad_rows[0])


def merge_deaths(
    store: Store,
    import_id: int,
    source: str,
    *,
    write: bool,
    clean: int | None = None,
    defer: bool = False,
    all_new: bool = False,
) -> RecordCounts:
    """Merge the clean ``_dr`` records into ``death_record_data`` and re-aggregate what changed.

    ``clean``: the number of records when ``_dr`` is a clean file's view (every record to be
    written, :attr:`DeathCheck.clean`), so that they are not counted again. ``defer``: do not
    re-aggregate; add the region-years this merge changed to ``_affected_all`` instead, for
    one :func:`reaggregate` after the last file of an import (re-aggregating after each of N
    files would count the records of the first files N times). ``all_new``: no record of
    ``_dr`` can be stored already (the store held no record before this import, whose files'
    ids were checked distinct), so they are not looked up among the stored ones.

    ``source`` is the records' source, kept once for the import in ``death_record_source``
    (a record keeps the import, hence the source, that last wrote its content). The regions
    and codes new to the store go to the dictionaries (``death_region``, ``death_code``) first.

    A record id already stored with the same content is unchanged; with different content it is
    a correction (updated), and the stored version moves to ``death_record_version_data``.
    Aggregates are recomputed for every region x year that gained or lost a record, from the
    stored records, so they always equal a fresh count (all of them when the store held no
    record before: every cell is new).
    """
    con = store.con
    first = all_new or not holds_records(store)
    if first:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _dr_changed AS SELECT NULL::VARCHAR AS id, "
            "NULL::INTEGER AS rid, NULL::INTEGER AS year WHERE false"
        )
        if clean is None:
            clean = int(con.execute("SELECT count(*) FROM _dr").fetchall()[0][0])
        created, updated, unchanged = clean, 0, 0
        new_sql = "SELECT * FROM _dr"
    else:
        # the dictionaries are one-to-one: equal ids are equal texts
        con.execute("""CREATE OR REPLACE TEMP TABLE _dr_cmp AS
            SELECT n.*, o.id IS NOT NULL AS existed, o.rid AS old_rid,
                   year(o.death_date) AS old_year,
                   o.id IS NOT NULL AND (o.rid <> n.rid OR o.death_date <> n.death_date
                       OR o.sex <> n.sex OR o.age IS DISTINCT FROM n.age
                       OR o.cid <> n.cid) AS changed
            FROM _dr n LEFT JOIN death_record_data o ON o.id = n.id""")
        row = con.execute("""SELECT count(*) FILTER (WHERE NOT existed),
                count(*) FILTER (WHERE changed), count(*) FILTER (WHERE existed AND NOT changed)
            FROM _dr_cmp""").fetchall()[0]
        assert row is not None
        created, updated, unchanged = (int(x) for x in row)
        con.execute("""CREATE OR REPLACE TEMP TABLE _dr_changed AS
            SELECT id, old_rid AS rid, old_year AS year FROM _dr_cmp WHERE changed""")
        new_sql = "SELECT * FROM _dr_cmp WHERE NOT existed OR changed"
    if not write or created + updated == 0:
        return RecordCounts(created, updated, unchanged)
    # only the entries the written records use: a dictionary holds no text of a record that was
    # not written (and undo removes what no record uses any longer)
    # (every new entry of a clean file is used: a record with a region or code the store
    # does not hold is new or corrected, hence written)
    for table, new, key in (
        ("death_region", "_new_region", "rid"),
        ("death_code", "_new_code", "cid"),
    ):
        used = (
            "" if clean is not None else f"n.{key} IN (SELECT DISTINCT {key} FROM ({new_sql})) AND "
        )
        con.execute(
            f"INSERT INTO {table} SELECT * FROM {new} n WHERE {used}"
            f"NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{key} = n.{key})"
        )
    if not first:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _affected AS
            SELECT DISTINCT g.region, a.year FROM (
                SELECT rid, year FROM _dr_changed
                UNION ALL SELECT rid, year(death_date) FROM ("""
            + new_sql
            + """)) a JOIN death_region g USING (rid)"""
        )
    if updated:
        # the corrected records' earlier versions are kept, so that the import can be undone
        con.execute(
            "INSERT INTO death_record_version_data SELECT *, ? FROM death_record_data "
            "WHERE id IN (SELECT id FROM _dr_changed)",
            [import_id],
        )
        con.execute("DELETE FROM death_record_data WHERE id IN (SELECT id FROM _dr_changed)")
    con.execute(
        f"""INSERT INTO death_record_data
        SELECT id, rid, death_date, sex, age, cid, ? FROM ({new_sql})""",
        [import_id],
    )
    con.execute(
        "INSERT INTO death_record_source VALUES (?, ?) ON CONFLICT DO NOTHING", [import_id, source]
    )
    if defer:
        if not first:
            con.execute(
                "CREATE TEMP TABLE IF NOT EXISTS _affected_all AS SELECT * FROM _affected LIMIT 0"
            )
            con.execute("INSERT INTO _affected_all SELECT * FROM _affected")
    else:
        reaggregate(store, None if first else "_affected")
    return RecordCounts(created, updated, unchanged)


def holds_records(store: Store) -> bool:
    """Whether the store holds any death record (before an import's deferred merges)."""
    return bool(store.con.execute("SELECT count(*) FROM death_record_data").fetchall()[0][0])


def reaggregate_deferred(store: Store, *, held_records: bool) -> None:
    """The one re-aggregation after an import's merges with ``defer`` (:func:`merge_deaths`):
    every cell when the store held no record before the import (``held_records`` False: all
    records are the import's), else the region-years the merges changed."""
    if not held_records:
        reaggregate(store)
        return
    exists = store.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = '_affected_all'"
    ).fetchall()[0][0]
    if exists:
        reaggregate(store, "_affected_all")


def drop_unused_dictionary_entries(store: Store) -> None:
    """Remove the regions and codes no stored record or earlier version uses (after an undo:
    the dictionaries are then as before the import undone)."""
    for table, key in (("death_region", "rid"), ("death_code", "cid")):
        store.con.execute(
            f"DELETE FROM {table} WHERE {key} NOT IN (SELECT {key} FROM death_record_data "
            f"UNION SELECT {key} FROM death_record_version_data)"
        )


def reaggregate(store: Store, affected: str | None = None) -> None:
    """Recompute ``deaths`` for the region x year cells (``region``, ``year``) in table
    ``affected`` (all if None).

    The counting is :func:`salamat.store.deaths_sql.aggregate_sql`, the one the Spark engine
    runs, over the stored records' dictionary ids.
    """
    con = store.con
    # DuckDB compares row values as structs; keep the filter in a semi-join instead.
    if affected:
        con.execute(
            f"DELETE FROM deaths WHERE EXISTS (SELECT 1 FROM {affected} a "
            "WHERE a.region = deaths.region AND a.year = deaths.year)"
        )
        scope = (
            "FROM death_record_data r SEMI JOIN (SELECT g.rid, a.year "
            f"FROM {affected} a JOIN death_region g ON g.region = a.region) a "
            "ON a.rid = r.rid AND a.year = year(r.death_date)"
        )
    else:
        # every cell but those held as aggregates without records (--engine spark)
        con.execute("""DELETE FROM deaths WHERE NOT EXISTS (SELECT 1 FROM death_aggregate_cell c
            WHERE c.region = deaths.region AND c.year = deaths.year)""")
        scope = "FROM death_record_data r"
    con.execute(
        "INSERT INTO deaths "
        + aggregate_sql(
            f"(SELECT r.* {scope}) AS r",
            keys=("rid", "cid"),
            dictionaries=("death_region", "death_code"),
        )
    )


def describe(store: Store, source_sql: str) -> dict[str, str]:
    """Column name -> DuckDB type of a relation."""
    try:
        rows = store.con.execute(f"DESCRIBE SELECT * FROM {source_sql}").fetchall()
    except duckdb.Error as exc:
        raise OSError(str(exc)) from exc
    return {str(r[0]).lower(): str(r[1]) for r in rows}
