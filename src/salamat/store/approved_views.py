"""The schema ``approved``: every table of values as the readers who see approved data only see it.

An import's values are a draft until the import is approved (:mod:`salamat.store.approval`).
Viewers and anonymous readers read the store through these views (a connection whose
``search_path`` is ``approved,main`` finds them before the tables of ``main``), so every query
that reads ``observation``, ``population``, ``death_record``, ``deaths`` or ``quality_flag``
answers with approved values without a line of it changing.

A value's approved version is its newest version written by an approved import (the vintage
machinery of :mod:`salamat.store.revisions` keeps every version with its import):

* a current row whose import is approved is itself;
* a current row written by a draft import gives way to the newest version of the same key kept
  in the ``*_version`` twin whose import is approved (none: the value does not exist yet for
  these readers);
* the ``deaths`` aggregates of a region and year touched by a draft import's records (the
  records it wrote and those it replaced) are recounted from the approved records, with the
  same SQL as :func:`salamat.store.records.reaggregate` (:func:`salamat.store.deaths_sql.aggregate_sql`); every other cell is the stored one;
* a quality flag raised by a draft import is left out and a flag it replaced comes back.

An undone draft is no longer waiting (its values are gone with it). With no draft in the
store every view returns its table unchanged (the draft set is empty).
The views name ``main`` explicitly: inside the schema ``approved`` an unqualified name would
find the view itself.
"""

from __future__ import annotations

from salamat.store.deaths_sql import aggregate_sql

__all__ = ["APPROVED_SCHEMA", "APPROVED_VIEWS"]

APPROVED_SCHEMA = "approved"

_DRAFTS = "(SELECT import_id FROM main.draft_import)"

_OBS_KEY = ("indicator", "area", "period", "sex", "age", "cause", "residence", "source")
_OBS_COLUMNS = (
    "indicator, area, period, period_type, period_start, period_end, sex, age, cause, "
    "residence, value, lower, upper, unit, source, vintage, note, import_id, imported_at"
)
_POP_KEY = ("region", "year", "sex", "age")
_POP_COLUMNS = "region, year, sex, age, open_age, population, source, import_id, imported_at"
_DEATH_COLUMNS = "id, rid, death_date, sex, age, cid, import_id"
_FLAG_COLUMNS = (
    "rule, severity, indicator, area, period, sex, age, cause, residence, source, message, "
    "details, import_id"
)


def _newest_approved(table: str, key: tuple[str, ...], columns: str) -> str:
    """The rows of ``main.<table>`` from approved imports, and for each key whose current row
    is a draft, its newest version from an approved import (``main.<table>_version``)."""
    same = " AND ".join(f"c.{k} = v.{k}" for k in key)
    return f"""SELECT {columns} FROM main.{table} WHERE import_id NOT IN {_DRAFTS}
        UNION ALL
        SELECT {columns} FROM (
            SELECT v.*, row_number() OVER (
                PARTITION BY {", ".join(f"v.{k}" for k in key)} ORDER BY v.import_id DESC) AS _n
            FROM main.{table}_version v
            WHERE v.import_id NOT IN {_DRAFTS} AND EXISTS (
                SELECT 1 FROM main.{table} c WHERE {same} AND c.import_id IN {_DRAFTS})
        ) WHERE _n = 1"""


def _older_approved(table: str, key: tuple[str, ...], columns: str) -> str:
    """The versions in ``main.<table>_version`` from approved imports that are not a key's
    approved version (:func:`_newest_approved` shows those as current)."""
    later = " AND ".join(f"l.{k} = v.{k}" for k in key)
    return f"""SELECT {columns}, superseded_by{", superseded_at" if table == "observation" else ""}
        FROM main.{table}_version v
        WHERE v.import_id NOT IN {_DRAFTS} AND (v.superseded_by NOT IN {_DRAFTS} OR EXISTS (
            SELECT 1 FROM (SELECT {", ".join(key)}, import_id FROM main.{table}
                           UNION ALL SELECT {", ".join(key)}, import_id FROM main.{table}_version) l
            WHERE {later} AND l.import_id > v.import_id AND l.import_id NOT IN {_DRAFTS}))"""


# the region-years whose deaths a draft touches: its records, and the records it replaced
_TOUCHED = f"""SELECT DISTINCT g.region, t.year FROM (
        SELECT rid, year(death_date) AS year FROM main.death_record_data
        WHERE import_id IN {_DRAFTS}
        UNION SELECT rid, year(death_date) FROM main.death_record_version_data
        WHERE superseded_by IN {_DRAFTS}) t JOIN main.death_region g ON g.rid = t.rid"""

APPROVED_VIEWS: tuple[str, ...] = (
    f"CREATE SCHEMA IF NOT EXISTS {APPROVED_SCHEMA}",
    "CREATE OR REPLACE VIEW main.draft_import AS "
    "SELECT import_id FROM main.import_log WHERE approval = 'draft' AND status <> 'UNDONE'",
    f"CREATE OR REPLACE VIEW {APPROVED_SCHEMA}.observation AS "
    + _newest_approved("observation", _OBS_KEY, _OBS_COLUMNS),
    f"CREATE OR REPLACE VIEW {APPROVED_SCHEMA}.observation_version AS "
    + _older_approved("observation", _OBS_KEY, _OBS_COLUMNS),
    f"CREATE OR REPLACE VIEW {APPROVED_SCHEMA}.population AS "
    + _newest_approved("population", _POP_KEY, _POP_COLUMNS),
    f"CREATE OR REPLACE VIEW {APPROVED_SCHEMA}.population_version AS "
    + _older_approved("population", _POP_KEY, _POP_COLUMNS),
    f"CREATE OR REPLACE VIEW {APPROVED_SCHEMA}.death_record_data AS "
    + _newest_approved("death_record_data", ("id",), _DEATH_COLUMNS).replace(
        "main.death_record_data_version", "main.death_record_version_data"
    ),
    f"""CREATE OR REPLACE VIEW {APPROVED_SCHEMA}.death_record AS
        SELECT d.id, r.region, d.death_date, CAST(year(d.death_date) AS INTEGER) AS year, d.sex,
               d.age, c.icd10, d.import_id
        FROM {APPROVED_SCHEMA}.death_record_data d JOIN main.death_region r ON r.rid = d.rid
        JOIN main.death_code c ON c.cid = d.cid""",
    # the same counting as salamat.store.records.reaggregate (deaths_sql.aggregate_sql), over
    # the approved records of the region-years a draft touched
    f"""CREATE OR REPLACE VIEW {APPROVED_SCHEMA}.deaths AS
        WITH touched AS ({_TOUCHED})
        SELECT d.* FROM main.deaths d
        WHERE NOT EXISTS (SELECT 1 FROM touched t WHERE t.region = d.region AND t.year = d.year)
        UNION ALL ("""
    + aggregate_sql(
        f"""(SELECT r.* FROM {APPROVED_SCHEMA}.death_record_data r SEMI JOIN (
                SELECT g.rid, t.year FROM touched t JOIN main.death_region g
                ON g.region = t.region) a ON a.rid = r.rid AND a.year = year(r.death_date)
            ) AS r""",
        keys=("rid", "cid"),
        dictionaries=("main.death_region", "main.death_code"),
        ranges="main.cause_group_range",
    )
    + ")",
    f"""CREATE OR REPLACE VIEW {APPROVED_SCHEMA}.quality_flag AS
        SELECT {_FLAG_COLUMNS} FROM main.quality_flag
        WHERE coalesce(import_id, 0) NOT IN {_DRAFTS}
        UNION ALL
        SELECT {_FLAG_COLUMNS} FROM main.quality_flag_version
        WHERE superseded_by IN {_DRAFTS} AND coalesce(import_id, 0) NOT IN {_DRAFTS}""",
    f"""CREATE OR REPLACE VIEW {APPROVED_SCHEMA}.quality_flag_version AS
        SELECT * FROM main.quality_flag_version
        WHERE coalesce(import_id, 0) NOT IN {_DRAFTS} AND superseded_by NOT IN {_DRAFTS}""",
)
