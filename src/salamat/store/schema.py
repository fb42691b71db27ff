"""The store's tables, and the bundled reference data loaded into them.

One long ``observation`` table holds every value (DHIS2's analytics fact table is the model):
queries are filters and group-bys over it. Periods are flattened in at load time
(``period_start``, ``period_end``, ``period_type``) so that a query by date needs no parsing.
Unit records are kept normalised in ``death_record`` and aggregated into ``deaths`` (region x
year x sex x single year of age x cause group); ``population`` holds the exposures.
"""

from __future__ import annotations

from salamat.store.approved_views import APPROVED_VIEWS

SCHEMA_VERSION = 16  # 2: indicator definitions on data_element; the target table; 3: orgunit_name
# 4: every version of a value kept (*_version tables); imports undoable (import ids on rows)
# 5: plausible bounds per indicator (indicator_bound); quality flags (quality_flag)
# 6: a death record may state its age as unknown (age NULL; sex 'unknown')
# 7: flags replaced by an import kept (quality_flag_version): exact undo, flags of old vintages
# 8: `salamat indicators --add` and `targets --add` are imports: what they replaced is kept
# 9: a death record's source is its import's (death_record_source), not a string per record;
#    the record id is stored uncompressed (UPGRADES: death_record and its version rebuilt)
# 10: the inputs of saved computed values (computed_input): their input flags follow the inputs
# 11: death records stored with their region and ICD-10 code as ids into two dictionaries
#     (death_region, death_code) and without the year (it is the death_date's);
#     ``death_record`` and ``death_record_version`` are views giving the same columns as before
# 12: accounts (users, their org units, API tokens, web sessions) and the hash-chained audit log
# 13: policy events users add (policy_event, policy_event_version)
# 14: approval of imports (import_log.approval, approved_by, approved_at, imported_by; imports
#     logged before are approved); the schema ``approved`` of views giving the values of
#     approved imports only (salamat.store.approval)
# 15: death aggregates imported without their records (--engine spark: death_aggregate_cell)
# 16: the death counts the record-level quality rules need, by region x year x ICD-10 code,
#     for cells imported as aggregates (death_aggregate_code), and such an import's source

# A death record as stored (schema 11): the id uncompressed (unique text that DuckDB's
# dictionary/FSST compression cannot shrink much but analyses at length on every insert), the
# region and ICD-10 code as ids into ``death_region`` and ``death_code``.
_DEATH_DATA_COLUMNS = """id VARCHAR USING COMPRESSION uncompressed NOT NULL,
    rid INTEGER NOT NULL, death_date DATE NOT NULL, sex VARCHAR NOT NULL, age INTEGER,
    cid INTEGER NOT NULL, import_id INTEGER NOT NULL"""


def _death_view(name: str, extra: str = "") -> str:
    """The view ``name`` over ``<name>_data``: the columns a death record had before schema
    11 (region and ICD-10 code as text, the year of death), in the same order."""
    return f"""CREATE OR REPLACE VIEW {name} AS
        SELECT d.id, r.region, d.death_date, CAST(year(d.death_date) AS INTEGER) AS year, d.sex,
               d.age, c.icd10, d.import_id{extra}
        FROM {name}_data d JOIN death_region r ON r.rid = d.rid JOIN death_code c ON c.cid = d.cid"""


DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS orgunit (
        code VARCHAR PRIMARY KEY, parent VARCHAR, level INTEGER NOT NULL, kind VARCHAR NOT NULL,
        name_en VARCHAR NOT NULL, name_kk VARCHAR, name_ru VARCHAR,
        valid_from DATE, valid_to DATE, iso_numeric VARCHAR, note VARCHAR,
        origin VARCHAR NOT NULL DEFAULT 'bundled')""",
    """CREATE TABLE IF NOT EXISTS orgunit_alias (
        alias VARCHAR PRIMARY KEY, code VARCHAR NOT NULL, note VARCHAR,
        origin VARCHAR NOT NULL DEFAULT 'bundled')""",
    """CREATE TABLE IF NOT EXISTS orgunit_group (
        group_code VARCHAR NOT NULL, member VARCHAR NOT NULL, role VARCHAR NOT NULL,
        origin VARCHAR NOT NULL DEFAULT 'bundled', PRIMARY KEY (group_code, member))""",
    """CREATE TABLE IF NOT EXISTS orgunit_successor (
        code VARCHAR NOT NULL, successor VARCHAR NOT NULL, date DATE NOT NULL,
        origin VARCHAR NOT NULL DEFAULT 'bundled', PRIMARY KEY (code, successor))""",
    """CREATE TABLE IF NOT EXISTS data_element (
        code VARCHAR PRIMARY KEY, name_en VARCHAR NOT NULL, name_kk VARCHAR, name_ru VARCHAR,
        unit VARCHAR, description VARCHAR, international_code VARCHAR,
        origin VARCHAR NOT NULL DEFAULT 'bundled')""",
    # version 2: an indicator is a definition (method, inputs, multiplier, direction, trend)
    *(
        f"ALTER TABLE data_element ADD COLUMN IF NOT EXISTS {col} VARCHAR"
        for col in (
            "sdg",
            "method",
            "inputs",
            "multiplier",
            "higher_is_better",
            "trend",
            "definition_source",
        )
    ),
    """CREATE TABLE IF NOT EXISTS cause_group (
        code VARCHAR PRIMARY KEY, name_en VARCHAR NOT NULL, name_kk VARCHAR, name_ru VARCHAR,
        icd10 VARCHAR NOT NULL, note VARCHAR, origin VARCHAR NOT NULL DEFAULT 'bundled')""",
    """CREATE TABLE IF NOT EXISTS cause_group_range (
        cause VARCHAR NOT NULL, start3 VARCHAR NOT NULL, end3 VARCHAR NOT NULL)""",
    """CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1""",
    """CREATE TABLE IF NOT EXISTS import_log (
        import_id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, files VARCHAR NOT NULL,
        sha256 VARCHAR, started TIMESTAMP NOT NULL, finished TIMESTAMP,
        created BIGINT, updated BIGINT, unchanged BIGINT, rejected BIGINT,
        status VARCHAR NOT NULL, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS observation (
        indicator VARCHAR NOT NULL, area VARCHAR NOT NULL, period VARCHAR NOT NULL,
        period_type VARCHAR NOT NULL, period_start DATE NOT NULL, period_end DATE NOT NULL,
        sex VARCHAR NOT NULL, age VARCHAR NOT NULL, cause VARCHAR NOT NULL,
        residence VARCHAR NOT NULL,
        value DOUBLE NOT NULL, lower DOUBLE, upper DOUBLE, unit VARCHAR,
        source VARCHAR NOT NULL, vintage VARCHAR, note VARCHAR,
        import_id INTEGER NOT NULL, imported_at TIMESTAMP NOT NULL,
        PRIMARY KEY (indicator, area, period, sex, age, cause, residence, source))""",
    """CREATE TABLE IF NOT EXISTS death_record (
        id VARCHAR NOT NULL, region VARCHAR NOT NULL, death_date DATE NOT NULL,
        year INTEGER NOT NULL, sex VARCHAR NOT NULL, age INTEGER NOT NULL,
        icd10 VARCHAR NOT NULL, source VARCHAR NOT NULL, import_id INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS deaths (
        region VARCHAR NOT NULL, year INTEGER NOT NULL, sex VARCHAR NOT NULL,
        age INTEGER NOT NULL, cause VARCHAR NOT NULL, deaths BIGINT NOT NULL,
        PRIMARY KEY (region, year, sex, age, cause))""",
    # version 2: targets, each with its source document (bundled rows from data/targets.csv,
    # synced by salamat.store.targets; users add their own with origin 'user')
    """CREATE TABLE IF NOT EXISTS target (
        code VARCHAR PRIMARY KEY, indicator VARCHAR NOT NULL, area VARCHAR NOT NULL,
        sex VARCHAR NOT NULL, baseline_year INTEGER NOT NULL, baseline_value DOUBLE,
        target_year INTEGER NOT NULL, target_value DOUBLE, target_change DOUBLE,
        direction VARCHAR NOT NULL, series_source VARCHAR, trend VARCHAR,
        document VARCHAR NOT NULL, document_date VARCHAR, source_url VARCHAR, note VARCHAR,
        origin VARCHAR NOT NULL DEFAULT 'bundled', added_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS population (
        region VARCHAR NOT NULL, year INTEGER NOT NULL, sex VARCHAR NOT NULL,
        age INTEGER NOT NULL, open_age BOOLEAN NOT NULL, population DOUBLE NOT NULL,
        source VARCHAR NOT NULL, import_id INTEGER NOT NULL, imported_at TIMESTAMP NOT NULL,
        PRIMARY KEY (region, year, sex, age))""",
    # version 3: the name table: every spelling of a place that is not one of its own names
    # (ISO official and common names, UN, World Bank, WHO and OWID spellings); a name may
    # belong to several units (resolution reports it as ambiguous)
    """CREATE TABLE IF NOT EXISTS orgunit_name (
        name VARCHAR NOT NULL, code VARCHAR NOT NULL, lang VARCHAR, note VARCHAR,
        origin VARCHAR NOT NULL DEFAULT 'bundled', PRIMARY KEY (name, code))""",
    # version 4: revisions kept. A row an import replaced moves to its *_version table with the
    # import that replaced it (superseded_by); the current tables keep answering every query.
    # Undoing an import puts those rows back (salamat.store.revisions).
    """CREATE TABLE IF NOT EXISTS observation_version (
        indicator VARCHAR NOT NULL, area VARCHAR NOT NULL, period VARCHAR NOT NULL,
        period_type VARCHAR NOT NULL, period_start DATE NOT NULL, period_end DATE NOT NULL,
        sex VARCHAR NOT NULL, age VARCHAR NOT NULL, cause VARCHAR NOT NULL,
        residence VARCHAR NOT NULL,
        value DOUBLE NOT NULL, lower DOUBLE, upper DOUBLE, unit VARCHAR,
        source VARCHAR NOT NULL, vintage VARCHAR, note VARCHAR,
        import_id INTEGER NOT NULL, imported_at TIMESTAMP NOT NULL,
        superseded_by INTEGER NOT NULL, superseded_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS death_record_version (
        id VARCHAR NOT NULL, region VARCHAR NOT NULL, death_date DATE NOT NULL,
        year INTEGER NOT NULL, sex VARCHAR NOT NULL, age INTEGER NOT NULL,
        icd10 VARCHAR NOT NULL, source VARCHAR NOT NULL, import_id INTEGER NOT NULL,
        superseded_by INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS population_version (
        region VARCHAR NOT NULL, year INTEGER NOT NULL, sex VARCHAR NOT NULL,
        age INTEGER NOT NULL, open_age BOOLEAN NOT NULL, population DOUBLE NOT NULL,
        source VARCHAR NOT NULL, import_id INTEGER NOT NULL, imported_at TIMESTAMP NOT NULL,
        superseded_by INTEGER NOT NULL)""",
    "ALTER TABLE orgunit ADD COLUMN IF NOT EXISTS import_id INTEGER",
    "ALTER TABLE orgunit_alias ADD COLUMN IF NOT EXISTS import_id INTEGER",
    "ALTER TABLE data_element ADD COLUMN IF NOT EXISTS import_id INTEGER",
    """CREATE TABLE IF NOT EXISTS orgunit_version (
        code VARCHAR NOT NULL, parent VARCHAR, level INTEGER NOT NULL, kind VARCHAR NOT NULL,
        name_en VARCHAR NOT NULL, name_kk VARCHAR, name_ru VARCHAR,
        valid_from DATE, valid_to DATE, iso_numeric VARCHAR, note VARCHAR,
        origin VARCHAR NOT NULL, import_id INTEGER, superseded_by INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS orgunit_alias_version (
        alias VARCHAR NOT NULL, code VARCHAR NOT NULL, note VARCHAR, origin VARCHAR NOT NULL,
        import_id INTEGER, superseded_by INTEGER NOT NULL)""",
    # the import log says what an undo did and which import undid which
    "ALTER TABLE import_log ADD COLUMN IF NOT EXISTS removed BIGINT",
    "ALTER TABLE import_log ADD COLUMN IF NOT EXISTS undoes INTEGER",
    "ALTER TABLE import_log ADD COLUMN IF NOT EXISTS undone_by INTEGER",
    # version 5: hard bounds per indicator (bundled rows from data/quality/indicator_bounds.csv;
    # user-added indicators set theirs with origin 'user'), and the quality flags
    """CREATE TABLE IF NOT EXISTS indicator_bound (
        indicator VARCHAR PRIMARY KEY, lower DOUBLE, upper DOUBLE,
        projection_ok BOOLEAN NOT NULL DEFAULT false, basis VARCHAR,
        origin VARCHAR NOT NULL DEFAULT 'bundled')""",
    """CREATE TABLE IF NOT EXISTS quality_flag (
        rule VARCHAR NOT NULL, severity VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
        area VARCHAR NOT NULL, period VARCHAR NOT NULL, sex VARCHAR NOT NULL,
        age VARCHAR NOT NULL, cause VARCHAR NOT NULL, residence VARCHAR NOT NULL,
        source VARCHAR NOT NULL, message VARCHAR NOT NULL, details VARCHAR,
        import_id INTEGER)""",
    # version 6: a registration that does not state the age is kept with age NULL (and one
    # that does not state the sex with sex 'unknown'); the unknown_age_sex rule counts them and
    # the deaths aggregates leave them out. (Its two ALTER statements, age DROP NOT NULL on
    # death_record and its version, are gone since version 11: those are views now, and a store
    # older than 9 is rebuilt by UPGRADES with age nullable.)
    # version 7: a flag an import no longer raises (its value replaced, its history changed)
    # is kept with the import that replaced it, as values are (salamat.store.quality)
    """CREATE TABLE IF NOT EXISTS quality_flag_version (
        rule VARCHAR NOT NULL, severity VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
        area VARCHAR NOT NULL, period VARCHAR NOT NULL, sex VARCHAR NOT NULL,
        age VARCHAR NOT NULL, cause VARCHAR NOT NULL, residence VARCHAR NOT NULL,
        source VARCHAR NOT NULL, message VARCHAR NOT NULL, details VARCHAR,
        import_id INTEGER, superseded_by INTEGER NOT NULL)""",
    # version 8: `salamat indicators --add` is logged and undoable: the bounds it writes carry
    # its import id, and the definitions and bounds it replaces are kept in twins with the
    # import that replaced them (created from the tables themselves, so the columns match)
    "ALTER TABLE indicator_bound ADD COLUMN IF NOT EXISTS import_id INTEGER",
    """CREATE TABLE IF NOT EXISTS data_element_version AS
        SELECT *, NULL::INTEGER AS superseded_by FROM data_element LIMIT 0""",
    """CREATE TABLE IF NOT EXISTS indicator_bound_version AS
        SELECT *, NULL::INTEGER AS superseded_by FROM indicator_bound LIMIT 0""",
    "ALTER TABLE target ADD COLUMN IF NOT EXISTS import_id INTEGER",
    """CREATE TABLE IF NOT EXISTS target_version AS
        SELECT *, NULL::INTEGER AS superseded_by FROM target LIMIT 0""",
    # version 9: the source of the records an import wrote, one row per import (the records
    # carry the import id); see UPGRADES for the records themselves
    """CREATE TABLE IF NOT EXISTS death_record_source (
        import_id INTEGER PRIMARY KEY, source VARCHAR NOT NULL)""",
    # version 10: what each saved computed value was computed from (compute --save), one row
    # per input; the rows of the latest save of a value are its inputs (an undo removes the
    # rows of the save it undoes), so its input_flag flags follow its inputs' flags
    """CREATE TABLE IF NOT EXISTS computed_input (
        indicator VARCHAR NOT NULL, area VARCHAR NOT NULL, period VARCHAR NOT NULL,
        sex VARCHAR NOT NULL, source VARCHAR NOT NULL, input VARCHAR NOT NULL,
        input_indicator VARCHAR NOT NULL, input_area VARCHAR NOT NULL,
        input_period VARCHAR NOT NULL, input_sex VARCHAR, input_source VARCHAR,
        records_only BOOLEAN NOT NULL, import_id INTEGER NOT NULL)""",
    # version 11: death records with their region and ICD-10 code as ids into dictionaries
    # (a few dozen to a few thousand rows), no year (it is year(death_date)); the views
    # ``death_record`` and ``death_record_version`` (made by UPGRADES) give the columns of old
    """CREATE TABLE IF NOT EXISTS death_region (
        rid INTEGER PRIMARY KEY, region VARCHAR NOT NULL UNIQUE)""",
    """CREATE TABLE IF NOT EXISTS death_code (
        cid INTEGER PRIMARY KEY, icd10 VARCHAR NOT NULL UNIQUE)""",
    f"CREATE TABLE IF NOT EXISTS death_record_data ({_DEATH_DATA_COLUMNS})",
    f"""CREATE TABLE IF NOT EXISTS death_record_version_data ({_DEATH_DATA_COLUMNS},
        superseded_by INTEGER NOT NULL)""",
    # version 12: accounts (salamat.store.accounts). Secrets are never stored: a password as
    # its argon2id hash, a token or a session cookie as the SHA-256 of it. A user is disabled,
    # a token revoked, by a date (the rows stay, so the audit log can name them).
    """CREATE TABLE IF NOT EXISTS app_user (
        name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, password_hash VARCHAR NOT NULL,
        created TIMESTAMP NOT NULL, disabled_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS app_user_orgunit (
        name VARCHAR NOT NULL, orgunit VARCHAR NOT NULL, PRIMARY KEY (name, orgunit))""",
    """CREATE TABLE IF NOT EXISTS api_token (
        token_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        created TIMESTAMP NOT NULL, revoked_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS web_session (
        sha256 VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, csrf VARCHAR NOT NULL,
        created TIMESTAMP NOT NULL, expires TIMESTAMP NOT NULL)""",
    # the audit log (salamat.store.audit): append-only, each row chained to the one before by
    # SHA-256 (hash = sha256(prev_hash || canonical JSON of the row)); no code path updates or
    # deletes a row, and an undo appends rather than removes
    """CREATE TABLE IF NOT EXISTS audit_log (
        seq BIGINT PRIMARY KEY, at_utc TIMESTAMP NOT NULL, actor VARCHAR NOT NULL,
        origin VARCHAR NOT NULL, action VARCHAR NOT NULL, object VARCHAR, sha256 VARCHAR,
        counts VARCHAR, details VARCHAR, prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL)""",
    # version 13: policy events users add (``salamat events add``; the bundled ones are read
    # from data/policy_events.csv), versioned like targets so that an add can be undone
    """CREATE TABLE IF NOT EXISTS policy_event (
        code VARCHAR PRIMARY KEY, date DATE NOT NULL, area VARCHAR NOT NULL,
        title_en VARCHAR NOT NULL, title_kk VARCHAR, title_ru VARCHAR,
        description_en VARCHAR, description_kk VARCHAR, description_ru VARCHAR,
        source_url VARCHAR, source VARCHAR, added_at TIMESTAMP, import_id INTEGER)""",
    """CREATE TABLE IF NOT EXISTS policy_event_version AS
        SELECT *, NULL::INTEGER AS superseded_by FROM policy_event LIMIT 0""",
    # version 14: an import's values are a draft until approved (salamat.store.approval). The
    # default fills the rows of imports logged before: they were visible, so they are approved.
    "ALTER TABLE import_log ADD COLUMN IF NOT EXISTS approval VARCHAR DEFAULT 'approved'",
    "ALTER TABLE import_log ADD COLUMN IF NOT EXISTS approved_by VARCHAR",
    "ALTER TABLE import_log ADD COLUMN IF NOT EXISTS approved_at TIMESTAMP",
    "ALTER TABLE import_log ADD COLUMN IF NOT EXISTS imported_by VARCHAR",
    *APPROVED_VIEWS,
    # version 15: the region x year cells of ``deaths`` written from aggregates whose records
    # stay where they are (``import deaths --engine spark``): the records kept (``records``)
    # and of them without age or sex (``unknown``), by the import that last wrote the cell.
    # Such a cell has no rows in ``death_record_data``; an import of unit records into it is
    # refused, and so is one of aggregates into a cell that holds records.
    """CREATE TABLE IF NOT EXISTS death_aggregate_cell (
        region VARCHAR NOT NULL, year INTEGER NOT NULL, records BIGINT NOT NULL,
        unknown BIGINT NOT NULL, import_id INTEGER NOT NULL, PRIMARY KEY (region, year))""",
    # ... and every such import, with the engine that ran it (its undo is refused: the deaths
    # it replaced were not kept)
    """CREATE TABLE IF NOT EXISTS death_aggregate_import (
        import_id INTEGER PRIMARY KEY, engine VARCHAR NOT NULL)""",
    # version 16: the deaths of such a cell by ICD-10 code (without the dot) and whether age or
    # sex is unknown, counted where the records are: what the record-level quality rules
    # (ill-defined causes, garbage codes, unspecified injuries, unknown age or sex) read of the
    # records (salamat.store.quality.deaths); replaced with the cell. The import's source
    # (--source, else the label of records without one) names the flags.
    """CREATE TABLE IF NOT EXISTS death_aggregate_code (
        region VARCHAR NOT NULL, year INTEGER NOT NULL, icd10 VARCHAR NOT NULL,
        no_age BOOLEAN NOT NULL, no_sex BOOLEAN NOT NULL, n BIGINT NOT NULL,
        import_id INTEGER NOT NULL, PRIMARY KEY (region, year, icd10, no_age, no_sex))""",
    "ALTER TABLE death_aggregate_import ADD COLUMN IF NOT EXISTS source VARCHAR",
)

# Changes DDL alone cannot make idempotently: (table, column, statements). The statements run,
# in the migration's transaction, when ``table`` still has ``column``.
#
# version 9: a death record's source was a string on every record although all records of an
# import share it; it moves to ``death_record_source`` (when an import of an older version gave
# its records several sources, they are kept joined with '; '). The record id, unique text that
# DuckDB's dictionary/FSST compression cannot shrink much but analyses at length on every
# insert (about 4 s of a 10-million-record import), is stored uncompressed.
_DEATH_RECORD_COLUMNS = """id VARCHAR USING COMPRESSION uncompressed NOT NULL,
    region VARCHAR NOT NULL, death_date DATE NOT NULL, year INTEGER NOT NULL,
    sex VARCHAR NOT NULL, age INTEGER, icd10 VARCHAR NOT NULL, import_id INTEGER NOT NULL"""
UPGRADES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "death_record",
        "source",
        (
            """INSERT INTO death_record_source
            SELECT import_id, string_agg(DISTINCT source, '; ' ORDER BY source) FROM (
                SELECT import_id, source FROM death_record
                UNION ALL SELECT import_id, source FROM death_record_version)
            GROUP BY import_id ON CONFLICT DO NOTHING""",
            f"CREATE TABLE _death_record_9 ({_DEATH_RECORD_COLUMNS})",
            """INSERT INTO _death_record_9 SELECT id, region, death_date, year, sex, age, icd10,
                import_id FROM death_record""",
            "DROP TABLE death_record",
            "ALTER TABLE _death_record_9 RENAME TO death_record",
            f"""CREATE TABLE _death_record_version_9 ({_DEATH_RECORD_COLUMNS},
                superseded_by INTEGER NOT NULL)""",
            """INSERT INTO _death_record_version_9 SELECT id, region, death_date, year, sex,
                age, icd10, import_id, superseded_by FROM death_record_version""",
            "DROP TABLE death_record_version",
            "ALTER TABLE _death_record_version_9 RENAME TO death_record_version",
        ),
    ),
    # version 11: the records (and their earlier versions) move to ``*_data`` with region and
    # code as dictionary ids; ``death_record`` and ``death_record_version`` become views. A new
    # store passes here too (its empty tables of old are converted).
    (
        "death_record",
        "year",
        (
            """INSERT INTO death_region
            SELECT row_number() OVER (ORDER BY region), region FROM (
                SELECT region FROM death_record UNION SELECT region FROM death_record_version)""",
            """INSERT INTO death_code
            SELECT row_number() OVER (ORDER BY icd10), icd10 FROM (
                SELECT icd10 FROM death_record UNION SELECT icd10 FROM death_record_version)""",
            """INSERT INTO death_record_data
            SELECT d.id, r.rid, d.death_date, d.sex, d.age, c.cid, d.import_id
            FROM death_record d JOIN death_region r USING (region) JOIN death_code c USING (icd10)""",
            """INSERT INTO death_record_version_data
            SELECT d.id, r.rid, d.death_date, d.sex, d.age, c.cid, d.import_id, d.superseded_by
            FROM death_record_version d JOIN death_region r USING (region)
            JOIN death_code c USING (icd10)""",
            "DROP TABLE death_record",
            "DROP TABLE death_record_version",
            _death_view("death_record"),
            _death_view("death_record_version", ", d.superseded_by"),
        ),
    ),
)

# Reference tables reloaded from the package's data when the bundled files change. Rows a user
# added (origin 'user') are kept.
REFERENCE_TABLES: dict[str, tuple[str, ...]] = {
    "orgunit": (
        "code",
        "parent",
        "level",
        "kind",
        "name_en",
        "name_kk",
        "name_ru",
        "valid_from",
        "valid_to",
        "iso_numeric",
        "note",
    ),
    "orgunit_alias": ("alias", "code", "note"),
    "orgunit_group": ("group_code", "member", "role"),
    "orgunit_successor": ("code", "successor", "date"),
    "orgunit_name": ("name", "code", "lang", "note"),
    "data_element": (
        "code",
        "name_en",
        "name_kk",
        "name_ru",
        "unit",
        "description",
        "international_code",
        "sdg",
        "method",
        "inputs",
        "multiplier",
        "higher_is_better",
        "trend",
        "definition_source",
    ),
    "cause_group": ("code", "name_en", "name_kk", "name_ru", "icd10", "note"),
    "indicator_bound": ("indicator", "lower", "upper", "projection_ok", "basis"),
}
