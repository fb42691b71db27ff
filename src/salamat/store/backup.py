"""A consistent copy of the store in a new file (``salamat backup DEST``).

How: a fresh in-memory DuckDB attaches the store ``READ_ONLY`` and the new file, and runs
``COPY FROM DATABASE store TO copy``, which copies the schema (tables, sequences, views,
macros) and every row in one read transaction, so the copy is one moment of the store. We chose
this over ``EXPORT DATABASE`` (a folder of CSV or Parquet files and SQL scripts): the copy is
itself a store that ``salamat ... --db COPY`` opens as it is, and restoring is copying one file
back, with nothing to re-import.

Never half-written: the copy is written to a hidden temporary name next to ``DEST``, checked
(it opens, and every table has as many rows as in the store), and only then given its name,
with a hard link that fails if ``DEST`` appeared meanwhile; an existing ``DEST`` is never
overwritten. On any failure the temporary file is removed.

DuckDB lets one process hold a file for writing and no other process open it meanwhile, even
read-only: while ``salamat serve`` holds a store with accounts (it opens it for writing), this
gets "store is busy". See docs/deploy.md, "Backups".
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from salamat.errors import InputError, StoreBusyError, StoreError

__all__ = ["BackupResult", "backup_store"]


@dataclass(frozen=True)
class BackupResult:
    """What was copied: the new file, its size and the rows of each table (the same in both)."""

    path: Path
    size_bytes: int
    rows: dict[str, int]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _row_counts(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    """Rows of every base table in ``catalog``, in one query (table names from DuckDB itself)."""
    tables = [
        (str(schema), str(table))
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
            "ORDER BY schema_name, table_name",
            [catalog],
        ).fetchall()
    ]
    if not tables:
        return {}
    parts = [
        f"SELECT {i} AS i, count(*) AS n FROM {_quote(catalog)}.{_quote(s)}.{_quote(t)}"
        for i, (s, t) in enumerate(tables)
    ]
    counts = dict(con.execute(" UNION ALL ".join(parts)).fetchall())
    return {(t if s == "main" else f"{s}.{t}"): int(counts[i]) for i, (s, t) in enumerate(tables)}


def _sql_string(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def backup_store(source: Path, dest: Path) -> BackupResult:
    """Copy the store at ``source`` to the new file ``dest``; see the module's docstring.

    Raises
    ------
    InputError
        ``dest`` exists, or its folder does not.
    StoreBusyError
        Another process holds the store open for writing.
    StoreError
        No store at ``source``, not a Salamat store, or the copy failed or does not match.
    """
    dest = dest.expanduser()
    if not source.exists():
        raise StoreError(f"no store at {source}: point --db (or SALAMAT_DB) at an existing store")
    if dest.exists() or dest.is_symlink():
        raise InputError(
            f"{dest} exists: a backup never overwrites a file; choose a new name "
            "(e.g. with the date in it)",
        )
    if not dest.parent.is_dir():
        raise InputError(
            f"no folder {dest.parent} to write {dest.name} in",
        )
    if dest.resolve() == source.resolve():
        raise InputError(f"{dest} is the store itself", [])
    tmp = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    leftovers = (tmp, tmp.parent / (tmp.name + ".wal"))
    for path in leftovers:  # from an earlier copy of this process id that was killed
        path.unlink(missing_ok=True)
    con = duckdb.connect(":memory:")
    try:
        try:
            con.execute(f"ATTACH {_sql_string(source)} AS src (READ_ONLY)")
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                pid = re.search(r"PID (\d+)", text)
                who = f"process {pid[1]}" if pid else "another process"
                raise StoreBusyError(
                    f"store is busy: {source} is held open by {who} (e.g. `salamat serve` with "
                    "accounts). Nothing was copied; stop it for the copy, or copy a filesystem "
                    "snapshot (docs/deploy.md, Backups)"
                ) from exc
            raise StoreError(f"cannot open the store {source}: {text}") from exc
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the store {source}: {exc}") from exc
        try:
            meta = con.execute(
                "SELECT value FROM src.main.meta WHERE key = 'schema_version'"
            ).fetchone()
        except duckdb.Error:
            meta = None
        if meta is None:
            raise StoreError(f"{source} is not a Salamat store (no schema version in it)")
        try:
            con.execute(f"ATTACH {_sql_string(tmp)} AS dst")
            con.execute("BEGIN TRANSACTION")
            con.execute("COPY FROM DATABASE src TO dst")
            con.execute("COMMIT")
            expected = _row_counts(con, "src")
            con.execute("DETACH dst")
            con.execute("DETACH src")
            con.execute(f"ATTACH {_sql_string(tmp)} AS chk (READ_ONLY)")
            copied = _row_counts(con, "chk")
            con.execute("DETACH chk")
        except duckdb.Error as exc:
            raise StoreError(f"the copy to {dest} failed, nothing was written: {exc}") from exc
        if copied != expected:
            differ = sorted(
                t for t in expected.keys() | copied.keys() if expected.get(t) != copied.get(t)
            )
            raise StoreError(
                f"the copy to {dest} does not match the store (rows differ in "
                f"{', '.join(differ)}); nothing was written"
            )
        try:
            os.link(tmp, dest)  # fails if dest appeared meanwhile: never overwrites
        except FileExistsError:
            raise InputError(
                f"{dest} appeared while copying; it was left as it is and nothing was written",
            ) from None
        except OSError:
            # a filesystem without hard links: a last check, then an atomic rename
            if dest.exists():
                raise InputError(
                    f"{dest} appeared while copying; nothing was written", []
                ) from None
            os.replace(tmp, dest)
        return BackupResult(dest, dest.stat().st_size, expected)
    finally:
        con.close()
        for path in leftovers:
            path.unlink(missing_ok=True)
