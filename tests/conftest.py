from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from salamat.store.connection import Store

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

DATA = Path(__file__).parent / "data"


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open(":memory:") as s:
        yield s


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """Apache Spark in local mode (``local[2]``), one session for a test module (``-m spark``)."""
    from salamat.store.spark import spark_session

    session = spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    from pyspark import SparkContext

    if SparkContext._gateway is not None:  # the JVM and its sockets go with the module
        SparkContext._gateway.shutdown()
        SparkContext._gateway = None
        SparkContext._jvm = None
    gc.collect()


def table_snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every data table's rows, sorted: equal snapshots mean an unchanged store."""
    out = {}
    for table in (
        "observation",
        "death_record",
        "deaths",
        "population",
        "import_log",
        "data_element",
        "orgunit",
    ):
        rows = store.con.execute(f"SELECT * FROM {table}").fetchall()
        out[table] = sorted(rows, key=repr)
    return out


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store built once per test session (read it; do not write to it)."""
    from salamat.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Store.open(path) as s:
        summaries = build_demo(s)
    assert all(x.ok for x in summaries), [x.as_dict() for x in summaries if not x.ok]
    return path
