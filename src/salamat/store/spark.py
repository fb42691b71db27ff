"""The death-record check and aggregation run by Apache Spark, where the records are.

With ``salamat import deaths PATH... --engine spark`` the Parquet files stay where they are
(a local folder, HDFS, object storage: any path Spark reads); Spark runs the SQL of
:mod:`salamat.store.deaths_sql` (the same checks and messages as the DuckDB import) and returns
to Salamat only what the store keeps: the aggregates, the counts by reason, the first problems
and the record counts by region x year. pyspark is imported here only, and this module only when
the Spark engine is asked for.

Rows are named as by the DuckDB import: the file and the 1-based record number within it
(``_metadata.row_index`` of Spark's Parquet reader, Spark 3.5 or later: the position of the
record in the file, not ``monotonically_increasing_id``). A PATH that is one file is named as
given; the files of a folder or glob are named by the URI Spark gives them.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from salamat.errors import Problem
from salamat.store.deaths_sql import (
    DEATH_FIELDS,
    ERR_COLUMNS,
    SPARK,
    aggregate_sql,
    detail_sql,
    dv_icd10_sql,
    dv_region_sql,
    dv_sex_sql,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SparkCheck",
    "SparkSource",
    "check_deaths",
    "open_sources",
    "partition_base",
    "spark_session",
]

_DUP_IN_FILE = "the record id appears more than once in the file"


def spark_session(master: str | None = None, config: dict[str, str] | None = None) -> Any:
    """A SparkSession (``master``: ``local[2]``, ``spark://host:7077``, ``yarn`` ...; default
    ``local[*]`` unless the environment sets one; ``config``: more Spark settings). Dates in
    UTC, no web UI."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("salamat-import")
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    if master:
        builder = builder.master(master)
    elif not _has_master():
        builder = builder.master("local[*]")
    if (master or "local").startswith("local"):
        # one machine: a few shuffle partitions, not the cluster default of 200
        builder = builder.config("spark.sql.shuffle.partitions", "4")
    return (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )


def _has_master() -> bool:
    import os

    return bool(os.environ.get("MASTER") or os.environ.get("SPARK_MASTER"))


@dataclass(frozen=True)
class SparkSource:
    """One PATH given: a file, a folder or a glob of Parquet files, read as one relation."""

    path: str
    view: str
    columns: dict[str, str]
    files: list[str]  # as Spark lists them (URIs), sorted


def _uri_to_name(uri: str, given: str) -> str:
    """How a file is named in problems: as given when the PATH was that file."""
    from urllib.parse import unquote

    local = unquote(uri.removeprefix("file://").removeprefix("file:"))
    if uri == given or (uri.startswith("file:") and local == os.path.abspath(given)):
        return given
    return uri


def partition_base(path: str) -> str | None:
    """The folder above the first ``key=value`` folder of ``path`` (a Hive-partitioned lake:
    ``lake/year=2023/region=KZ-75``, globs allowed), or None when it names none."""
    parts = path.rstrip("/").split("/")
    for i, part in enumerate(parts):
        if "=" in part and not any(c in part.split("=", 1)[0] for c in "*?[{"):
            return ("/".join(parts[:i]) or "/") if i else "."
    return None


def open_sources(
    spark: Any, paths: list[str], *, partitions: bool = False
) -> list[SparkSource | Exception]:
    """Each PATH as a Spark view ``_ssrc<i>``: its columns (lower case, with their types),
    ``_row`` (1-based record number in its file) and ``_file``; or the error reading it.

    With ``partitions``, a PATH inside a Hive-partitioned lake (``lake/year=2023``, or a glob
    such as ``lake/year=202[0-3]/region=KZ-7*``) keeps the columns its folders name (``year``,
    ``region``) as the lake read whole would give them: Spark reads only the files below the
    PATH (partition pruning by the PATH given)."""
    from pyspark.errors import PySparkException
    from pyspark.sql import functions as fn

    out: list[SparkSource | Exception] = []
    for i, path in enumerate(paths):
        try:
            base = partition_base(path) if partitions else None
            reader = spark.read.option("basePath", base) if base else spark.read
            df = reader.parquet(path)
            df = df.select(
                *[fn.col(f"`{c}`").alias(c.lower()) for c in df.columns],
                (fn.col("_metadata.row_index") + 1).alias("_row"),
                fn.col("_metadata.file_path").alias("_file"),
            )
            view = f"_ssrc{i}"
            df.createOrReplaceTempView(view)
            columns = {
                f.name: f.dataType.simpleString().upper()
                for f in df.schema.fields
                if f.name not in ("_row", "_file")
            }
            out.append(SparkSource(path, view, columns, sorted(df.inputFiles())))
        except (PySparkException, OSError) as exc:
            out.append(exc)
        except Exception as exc:  # py4j errors of the JVM (no such file ...)
            out.append(OSError(str(exc).splitlines()[0] if str(exc) else repr(exc)))
    return out


@dataclass
class SparkCheck:
    """What the Spark run found: as the DuckDB import's staging reports it, per file."""

    total: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)  # per file, by row, then field
    cross: list[tuple[str, int, str]] = field(default_factory=list)  # (file, row, id)
    aggregates: pd.DataFrame | None = None
    records: pd.DataFrame | None = None  # region, year, records (kept records)
    codes: pd.DataFrame | None = None  # region, year, icd10, no_age, no_sex, n (kept records)


def register_reference(
    spark: Any, lookup: list[tuple[Any, ...]], ranges: list[tuple[Any, ...]]
) -> None:
    """The store's region lookup (key, code, valid_from, valid_to) and cause-group ranges
    (cause, start3, end3) as Spark views: a few hundred rows, broadcast to every worker."""
    spark.createDataFrame(
        lookup, "key STRING, code STRING, valid_from DATE, valid_to DATE"
    ).createOrReplaceTempView("_region_lookup")
    spark.createDataFrame(
        ranges, "cause STRING, start3 STRING, end3 STRING"
    ).createOrReplaceTempView("cause_group_range")


def check_deaths(
    spark: Any,
    sources: list[SparkSource],
    today: date,
    *,
    default_region: str | None,
    limit: int,
    skip_invalid: bool,
) -> SparkCheck:
    """Check every record of ``sources`` and aggregate the kept ones (all records when none has
    a problem; with ``skip_invalid`` the valid ones, the first of an id within a file and the
    first file's of an id across files)."""
    parts = []
    for i, src in enumerate(sources):
        for sql, view in (
            (dv_sex_sql(SPARK, src.view), "_dv_sex"),
            (dv_icd10_sql(SPARK, src.view), "_dv_icd10"),
            (dv_region_sql(SPARK, src.view, default_region), "_dv_region"),
        ):
            spark.sql(sql).createOrReplaceTempView(view)
        # a DataFrame keeps the plan it was made with: the next source's _dv views are its own
        parts.append(
            spark.sql(
                detail_sql(
                    SPARK,
                    src.view,
                    src.columns,
                    today,
                    keys=("region", "icd10"),
                    carry={"_file": "_file", "_src": str(i)}
                    | {
                        f"raw_{f}": f"CAST({f} AS STRING)" if f in src.columns else "NULL"
                        for f in DEATH_FIELDS
                    },
                )
            )
        )
    chk = parts[0]
    for part in parts[1:]:
        chk = chk.unionByName(part)
    bad = " OR ".join(f"{e} IS NOT NULL" for e in ERR_COLUMNS)
    chk = chk.selectExpr("*", f"({bad}) AS bad").persist()
    chk.createOrReplaceTempView("_schk")
    # the files as Spark names them (file:/..., hdfs://...), in the order of the PATHs given,
    # then by name: the order of the problems
    found = spark.sql("SELECT DISTINCT _src, _file FROM _schk").collect()
    order = [f for _i, f in sorted((int(r[0]), str(r[1])) for r in found)]
    names = {str(r[1]): _uri_to_name(str(r[1]), sources[int(r[0])].path) for r in found}
    spark.createDataFrame(
        [(uri, k) for k, uri in enumerate(order)], "_file STRING, k INT"
    ).createOrReplaceTempView("_sfiles")
    try:
        return _collect(spark, order, names, limit, skip_invalid)
    finally:
        chk.unpersist()
        spark.table("_sdup").unpersist() if spark.catalog.tableExists("_sdup") else None
        for view in ("_schk", "_sfiles", "_sdup", "_skept", "_swrite", "_dv_sex", "_dv_icd10"):
            spark.catalog.dropTempView(view)
        spark.catalog.dropTempView("_dv_region")


def _collect(
    spark: Any, order: list[str], names: dict[str, str], limit: int, skip_invalid: bool
) -> SparkCheck:
    out = SparkCheck()
    sql = spark.sql
    # the first record of an id repeated within its file
    sql("""SELECT _file, id, min(_row) AS first_row, count(*) AS n FROM _schk
        WHERE id IS NOT NULL
        GROUP BY _file, id HAVING count(*) > 1""").persist().createOrReplaceTempView("_sdup")
    head = sql("""SELECT count(*), count(*) FILTER (WHERE bad),
        count(*) FILTER (WHERE bad OR (d.id IS NOT NULL AND c._row <> d.first_row)),
        (SELECT sum(n - 1) FROM _sdup)
        FROM _schk c LEFT JOIN _sdup d ON d._file = c._file AND d.id = c.id""").collect()[0]
    out.total, n_bad, out.rejected = int(head[0]), int(head[1]), int(head[2])
    reasons: Counter[str] = Counter()
    if n_bad:  # every field's reasons in one pass
        counts = " UNION ALL ".join(
            f"SELECT '{fld}' AS field, regexp_replace({err}, "
            f"' \\\\(\\\\d+ completed years\\\\)', '') AS message "
            f"FROM _schk WHERE {err} IS NOT NULL"
            for fld, err in zip(DEATH_FIELDS, ERR_COLUMNS, strict=True)
        )
        for fld, msg, k in sql(
            f"SELECT field, message, count(*) FROM ({counts}) GROUP BY field, message"
        ).collect():
            reasons[f"{fld}: {msg}"] += int(k)
    if head[3]:
        reasons[f"id: {_DUP_IN_FILE}"] += int(head[3])
    out.reasons = reasons
    if reasons:
        fields = " UNION ALL ".join(
            f"SELECT _file, _row, '{f}' AS field, {e} AS message, raw_{f} AS value "
            f"FROM _schk WHERE bad AND {e} IS NOT NULL"
            for f, e in zip(DEATH_FIELDS, ERR_COLUMNS, strict=True)
        )
        rows = sql(
            f"""WITH p AS ({fields}
            UNION ALL SELECT c._file, c._row, 'id', '{_DUP_IN_FILE} (first at row '
                || CAST(d.first_row AS STRING) || ')', c.id
            FROM _schk c JOIN _sdup d ON d._file = c._file AND d.id = c.id
            WHERE c._row <> d.first_row)
            SELECT p._file, p._row, p.field, p.message, p.value FROM p
            JOIN _sfiles f ON f._file = p._file ORDER BY f.k, p._row, p.field LIMIT {limit}"""
        ).collect()
        out.problems = [Problem(names[f], int(r), fld, msg, v) for f, r, fld, msg, v in rows]
    # an id in more than one file (of the records kept when --skip-invalid drops the others)
    kept = "NOT bad AND (d.id IS NULL OR c._row = d.first_row)" if skip_invalid else "true"
    sql(f"""SELECT c.* FROM _schk c LEFT JOIN _sdup d ON d._file = c._file AND d.id = c.id
        WHERE {kept}""").createOrReplaceTempView("_skept")
    if len(order) > 1:
        cross = sql("""WITH x AS (SELECT id FROM _skept WHERE id IS NOT NULL GROUP BY id
                HAVING count(DISTINCT _file) > 1)
            SELECT c._file, c._row, c.id FROM _skept c JOIN x ON x.id = c.id
            JOIN _sfiles f ON f._file = c._file ORDER BY f.k, c._row""").collect()
        out.cross = [(names[f], int(r), str(i)) for f, r, i in cross]
    if skip_invalid:  # the first file's record of an id, as within a file
        sql("""WITH c AS (SELECT c.*, f.k FROM _skept c JOIN _sfiles f ON f._file = c._file),
            o AS (SELECT id, min(k) AS k0 FROM c WHERE id IS NOT NULL GROUP BY id)
            SELECT c.* FROM c LEFT JOIN o ON o.id = c.id WHERE o.k0 IS NULL OR c.k = o.k0
            """).createOrReplaceTempView("_swrite")
    else:
        sql("SELECT * FROM _skept").createOrReplaceTempView("_swrite")
    out.aggregates = _frame(sql(aggregate_sql("_swrite")))
    out.records = _frame(
        sql("""SELECT region, year(death_date) AS year, count(*) AS records,
            count(*) FILTER (WHERE age IS NULL OR sex NOT IN ('female', 'male')) AS unknown
        FROM _swrite GROUP BY region, year(death_date)""")
    )
    # what the record-level quality rules read of the records (salamat.store.quality.deaths)
    out.codes = _frame(
        sql("""SELECT region, year(death_date) AS year, icd10, age IS NULL AS no_age,
            sex NOT IN ('female', 'male') AS no_sex, count(*) AS n
        FROM _swrite GROUP BY region, year(death_date), icd10, age IS NULL,
            sex NOT IN ('female', 'male')""")
    )
    return out


def _frame(df: Any) -> pd.DataFrame:
    """A small Spark result (aggregates: thousands of rows) as a pandas frame."""
    import pandas as pd

    return pd.DataFrame([tuple(r) for r in df.collect()], columns=df.columns)
