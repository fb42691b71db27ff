"""Opening the DuckDB store: where it lives, who may write, schema and reference data.

DuckDB lets one process open a database file for writing; any other process, reader or writer,
gets a lock error until it closes. We turn that into :class:`StoreBusyError` naming the process
that holds it, so a second writer never corrupts anything and knows why it was refused.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from salamat.errors import StoreBusyError, StoreError
from salamat.store.schema import DDL, REFERENCE_TABLES, SCHEMA_VERSION, UPGRADES

__all__ = ["Store", "default_store_path", "resolve_store_path", "server_file"]

_BUNDLED_FILES = {
    "orgunit": "orgunits/orgunits.csv",
    "orgunit_alias": "orgunits/aliases.csv",
    "orgunit_group": "orgunits/groups.csv",
    "orgunit_successor": "orgunits/successors.csv",
    "orgunit_name": "orgunits/names.csv",
    "data_element": "data_elements.csv",
    "cause_group": "cause_groups.csv",
    "indicator_bound": "quality/indicator_bounds.csv",
}
# Column renames between the bundled CSV headers and the tables.
_CSV_RENAMES = {"orgunit_group": {"group": "group_code"}}


def default_store_path() -> Path:
    """The per-user default: ``$XDG_DATA_HOME/salamat/salamat.duckdb`` (``~/.local/share/...``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "salamat" / "salamat.duckdb"


def resolve_store_path(db: str | Path | None) -> Path:
    """``--db`` if given, else ``$SALAMAT_DB``, else :func:`default_store_path`."""
    if db:
        return Path(db).expanduser()
    env = os.environ.get("SALAMAT_DB")
    if env:
        return Path(env).expanduser()
    return default_store_path()


def _bundled_rows(table: str) -> list[dict[str, str]]:
    ref = resources.files("salamat") / "data" / _BUNDLED_FILES[table]
    with ref.open("r", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    renames = _CSV_RENAMES.get(table, {})
    return [{renames.get(k, k): v for k, v in row.items()} for row in rows]


@cache
def _bundled_frame(table: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """The bundled rows of ``table`` as a frame of ``columns`` (a blank cell is NULL), read once
    per process: every new store loads the same files (the test suite opens hundreds)."""
    rows = _bundled_rows(table)
    return pd.DataFrame(
        [[(r.get(c) or None) for c in columns] for r in rows], columns=list(columns), dtype=object
    )


@cache
def _bundled_hash() -> str:
    digest = hashlib.sha256()
    for name in sorted(_BUNDLED_FILES.values()):
        digest.update((resources.files("salamat") / "data" / name).read_bytes())
    return digest.hexdigest()


def server_file(path: str | Path) -> Path:
    """Where a running ``salamat serve`` says where it listens: beside the store,
    ``STORE.server`` (JSON ``{"pid": ..., "url": ...}``), written when it starts and removed
    when it stops, so that a command meeting its lock can name the URL to send imports to."""
    p = Path(path)
    return p.with_name(p.name + ".server")


def _server_url(path: str, pid: str | None) -> str | None:
    """The URL of the server holding ``path``, when its file names the process ``pid``."""
    import json

    try:
        info = json.loads(server_file(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or str(info.get("pid")) != str(pid) or not info.get("url"):
        return None
    return str(info["url"])


def _busy_advice(pid: str | None, path: str = "", *, reading: bool = False) -> str:
    """What to do about the process holding the store: a server never finishes on its own.
    ``reading``: the command meeting the lock only reads (a server that takes imports holds
    the store for writing, which shuts out readers too)."""
    url = _server_url(path, pid) if path and pid else None
    if url is not None and reading:
        return (
            f"it is a `salamat serve` (process {pid}) at {url}, which holds the store for "
            "writing while it runs (it takes imports): read through it (the dashboard, or "
            f"{url}/api/v1/), or start it as `salamat serve --read-only` so that other "
            "commands can read the store beside it (imports then wait until it stops)."
        )
    if url is not None:
        return (
            f"it is a `salamat serve` (process {pid}) at {url}, the store's one writer while it "
            f"runs: send the import to it with `salamat import KIND FILE... --server {url}` "
            "(and SALAMAT_TOKEN=... when it has accounts), or stop it (Ctrl+C in its "
            "terminal) to work on the store directly."
        )
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if pid else []
    except OSError:
        cmdline = []
    if b"serve" in cmdline:
        return (
            f"it is a `salamat serve` (process {pid}), which keeps the store open until it stops: "
            "stop the server (Ctrl+C in its terminal), import, then start it again."
        )
    return "when that process ends (a server must be stopped first), try again."


class Store:
    """An open store. Use :meth:`open` as a context manager; it closes on exit.

    Parameters
    ----------
    path
        Database file, or ``":memory:"`` (tests).
    read_only
        Open without taking the write lock. Several readers may share a file; a writer excludes
        them all.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str, read_only: bool) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only
        # what this connection reads: "all" (drafts included) or "approved"
        # (salamat.store.approval.set_audience)
        self.audience = "all"
        # locks taken inside the open transaction, released when it ends (hold_until_end)
        self._in_transaction = False
        self._held: list[Any] = []

    @classmethod
    @contextmanager
    def open(cls, path: str | Path, *, read_only: bool = False) -> Iterator[Store]:
        store = cls.connect(path, read_only=read_only)
        try:
            yield store
        finally:
            store.close()

    @classmethod
    def connect(cls, path: str | Path, *, read_only: bool = False) -> Store:
        spath = str(path)
        if spath != ":memory:":
            p = Path(spath)
            if read_only and not p.exists():
                raise StoreError(
                    f"no store at {p}: build one with `salamat demo` or `salamat import`, "
                    "or point --db (or SALAMAT_DB) at an existing store"
                )
            if not read_only:
                p.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(spath, read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                pid = re.search(r"PID (\d+)", text)
                who = f"process {pid[1]}" if pid else "another process"
                raise StoreBusyError(
                    f"store is busy: {spath} is held open by {who}. Nothing was changed; "
                    + _busy_advice(pid[1] if pid else None, spath, reading=read_only)
                ) from exc
            raise StoreError(f"cannot open the store {spath}: {text}") from exc
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the store {spath}: {exc}") from exc
        store = cls(con, spath, read_only)
        try:
            if read_only:
                if store._outdated():
                    # a store written by an older Salamat (or with older bundled reference data):
                    # upgrade it once, in one transaction, then read it as asked
                    con.close()
                    cls.connect(spath, read_only=False).close()
                    return cls.connect(spath, read_only=True)
                store._check_version()
            else:
                store._migrate()
        except BaseException:
            con.close()
            raise
        return store

    def close(self) -> None:
        self.con.close()

    # -- schema -----------------------------------------------------------------------------

    def _outdated(self) -> bool:
        """Whether the store was written by an older Salamat (a lower schema version): then
        opening it for writing once upgrades it (:meth:`_migrate`, one transaction). A newer or
        foreign file is left to :meth:`_check_version`. (The bundled reference data are brought
        up to date by every write, and every import opens the store for writing first.)"""
        try:
            version = self._first("SELECT value FROM meta WHERE key = 'schema_version'")
        except duckdb.Error:
            return False
        return (
            version is not None and str(version[0]).isdigit() and int(version[0]) < SCHEMA_VERSION
        )

    def _check_version(self) -> None:
        try:
            row = self._first("SELECT value FROM meta WHERE key = 'schema_version'")
        except duckdb.CatalogException as exc:
            raise StoreError(f"{self.path} is not a Salamat store (no meta table)") from exc
        if row is None or int(row[0]) != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {row[0] if row else 'none'}, this Salamat "
                f"reads version {SCHEMA_VERSION}: open it once for writing to upgrade"
            )

    def _migrate(self) -> None:
        with self.transaction():
            for stmt in DDL:
                self.con.execute(stmt)
            # imports before the source views were temporary left views on a source file in
            # the store (``_src0``, ``_src0_raw``): nothing naming a source file is kept
            for (name,) in self.con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT temporary AND NOT internal "
                "AND schema_name = 'main' AND regexp_matches(view_name, '^_src[0-9]+(_raw)?$') "
                "ORDER BY view_name"
            ).fetchall():
                self.con.execute(f'DROP VIEW IF EXISTS main."{name}"')
            row = self._first("SELECT value FROM meta WHERE key = 'schema_version'")
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer Salamat (schema {row[0]}); upgrade Salamat"
                )
            for table, column, statements in UPGRADES:
                if self._first(
                    # a base table's column (a view of the same name, made by an upgrade,
                    # does not count)
                    "SELECT 1 FROM duckdb_columns() c JOIN duckdb_tables() t USING (table_oid) "
                    "WHERE c.table_name = ? AND c.column_name = ? "
                    "AND c.database_name = current_database() AND c.schema_name = 'main'",
                    [table, column],
                ):
                    for stmt in statements:
                        self.con.execute(stmt)
            self.con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )
            digest = _bundled_hash()
            row = self._first("SELECT value FROM meta WHERE key = 'reference_hash'")
            if row is None or row[0] != digest:
                self._load_reference()
                self.con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('reference_hash', ?)", [digest]
                )

    def _load_reference(self) -> None:
        for table, columns in REFERENCE_TABLES.items():
            frame = _bundled_frame(table, tuple(columns))
            self.con.execute(f"DELETE FROM {table} WHERE origin = 'bundled'")
            self.con.register("_bundled", frame)
            try:
                self.con.execute(
                    f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) "
                    f"SELECT {', '.join(columns)} FROM _bundled"
                )
            finally:
                self.con.unregister("_bundled")
        self._rebuild_cause_ranges()

    def _rebuild_cause_ranges(self) -> None:
        """Expand each cause group's ICD-10 list (``C00-C97;E10-E14``) into ranges of 3-char codes."""
        self.con.execute("DELETE FROM cause_group_range")
        groups = self.con.execute("SELECT code, icd10 FROM cause_group").fetchall()
        ranges: list[tuple[str, str, str]] = []
        pattern = re.compile(r"^([A-Z]\d{2})(?:-([A-Z]\d{2}))?$")
        for code, spec in groups:
            for part in str(spec).split(";"):
                m = pattern.match(part.strip())
                if not m:
                    raise StoreError(
                        f"cause group {code!r}: {part!r} is not an ICD-10 range such as I00-I99"
                    )
                ranges.append((code, m[1], m[2] or m[1]))
        if ranges:
            frame = pd.DataFrame(ranges, columns=["cause", "start3", "end3"])
            self.con.register("_ranges", frame)
            self.con.execute("INSERT INTO cause_group_range SELECT * FROM _ranges")
            self.con.unregister("_ranges")

    # -- transactions -----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction: committed on success, rolled back on any error (or kill)."""
        self.con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")
        finally:
            self._in_transaction = False
            while self._held:
                self._held.pop().release()

    def hold_until_end(self, lock: Any) -> None:
        """Inside :meth:`transaction`, take the re-entrant ``lock`` once more and keep it until
        the transaction commits or rolls back (outside one, do nothing). The audit chain uses it:
        a row appended inside a transaction keeps other threads from appending until the row is
        committed, or a second row would take the same number and make one commit fail."""
        if self._in_transaction:
            lock.acquire()
            self._held.append(lock)

    def report_progress(self) -> None:
        """Let DuckDB measure the progress of long queries (read with ``query_progress()``)
        without printing its own bar: the command line draws one with Rich."""
        self.con.execute("SET enable_progress_bar = true")
        self.con.execute("SET enable_progress_bar_print = false")

    def _first(self, sql: str, params: Any = None) -> tuple[Any, ...] | None:
        rows = self.execute(sql, params).fetchall()
        return rows[0] if rows else None

    def execute(self, sql: str, params: Any = None) -> duckdb.DuckDBPyConnection:
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)
