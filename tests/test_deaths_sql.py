"""The SQL definition of a valid death record and of the aggregation (store/deaths_sql.py),
checked on DuckDB; the Spark parity tests are in test_import_spark.py (-m spark)."""

from __future__ import annotations

import duckdb

from salamat.store.deaths_sql import DUCKDB, SPARK, aggregate_sql


def test_completed_years_equal_duckdbs_date_sub_on_every_pair() -> None:
    """Every birth date of two years around two 29 Februaries against every death date of
    fifteen months (267,330 pairs, month ends and leap days included): the one text both
    engines run gives DuckDB's ``date_sub('year', b, d)``."""
    assert DUCKDB.years("b", "d") == SPARK.years("b", "d")
    con = duckdb.connect()
    n, diff = con.execute(f"""
        WITH b AS (SELECT CAST(unnest(range(DATE '1999-06-01', DATE '2001-06-04',
                        INTERVAL 1 DAY)) AS DATE) AS b),
             d AS (SELECT CAST(unnest(range(DATE '2003-12-01', DATE '2005-03-11',
                        INTERVAL 1 DAY)) AS DATE) AS d)
        SELECT count(*), count(*) FILTER (WHERE {DUCKDB.years("b", "d")}
                                          <> date_sub('year', b, d))
        FROM b CROSS JOIN d""").fetchall()[0]
    assert (n, diff) == (734 * 466, 0)


def test_aggregation_over_ids_equals_the_one_over_texts() -> None:
    """The same records counted from texts (Spark's records) and from dictionary ids (the
    DuckDB store's): the same deaths by cell and cause group; unknown age and sex left out, a
    death in every group whose ranges hold its category."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE cause_group_range AS SELECT * FROM (VALUES
        ('all', 'A00', 'Z99'), ('circulatory', 'I00', 'I99'), ('ncd4', 'I00', 'I99'),
        ('ncd4', 'C00', 'C97')) t(cause, start3, end3)""")
    con.execute("""CREATE TABLE rec AS SELECT * FROM (VALUES
        ('KZ-75', DATE '2023-05-01', 'female', 70, 'I219'),
        ('KZ-75', DATE '2023-06-01', 'female', 70, 'I251'),
        ('KZ-75', DATE '2023-06-01', 'female', 70, 'C349'),
        ('KZ-75', DATE '2022-06-01', 'male', 70, 'X70'),
        ('KZ-71', DATE '2023-06-01', 'unknown', 70, 'I219'),
        ('KZ-71', DATE '2023-06-01', 'male', NULL, 'I219')) t(region, death_date, sex, age, icd10)""")
    con.execute(
        "CREATE TABLE reg AS SELECT row_number() OVER () AS rid, region FROM "
        "(SELECT DISTINCT region FROM rec)"
    )
    con.execute(
        "CREATE TABLE cod AS SELECT row_number() OVER () AS cid, icd10 FROM "
        "(SELECT DISTINCT icd10 FROM rec)"
    )
    con.execute("""CREATE TABLE rec_ids AS SELECT g.rid, r.death_date, r.sex, r.age, k.cid
        FROM rec r JOIN reg g USING (region) JOIN cod k USING (icd10)""")
    texts = con.execute(aggregate_sql("rec") + " ORDER BY ALL").fetchall()
    ids = con.execute(
        aggregate_sql("rec_ids", keys=("rid", "cid"), dictionaries=("reg", "cod")) + " ORDER BY ALL"
    ).fetchall()
    assert (
        texts
        == ids
        == [
            ("KZ-75", 2022, "male", 70, "all", 1),
            ("KZ-75", 2023, "female", 70, "all", 3),
            ("KZ-75", 2023, "female", 70, "circulatory", 2),
            ("KZ-75", 2023, "female", 70, "ncd4", 3),
        ]
    )
