"""``salamat backup`` (store/backup.py): a checked copy of the store, never half-written."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import salamat.store.backup as backup_module
from salamat.cli.app import app
from salamat.errors import InputError, StoreBusyError, StoreError
from salamat.store.backup import backup_store
from salamat.store.connection import Store


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new store (reference data only) with one row written to it."""
    path = tmp_path_factory.mktemp("store") / "salamat.duckdb"
    with Store.open(path) as store:
        store.execute("INSERT INTO meta VALUES ('backup_test', 'kept')")
    return path


def _counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # type: ignore[index]
    finally:
        con.close()


def test_the_copy_opens_as_a_store_with_the_same_rows(small_store: Path, tmp_path: Path) -> None:
    dest = tmp_path / "copy.duckdb"
    result = backup_store(small_store, dest)
    assert result.path == dest and result.size_bytes == dest.stat().st_size
    original = _counts(small_store)
    assert result.rows == original == _counts(dest)
    assert original["orgunit"] > 100 and original["meta"] >= 2
    with Store.open(dest, read_only=True) as copy:
        row = copy.execute("SELECT value FROM meta WHERE key = 'backup_test'").fetchone()
    assert row == ("kept",)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.duckdb"]  # no temporary left


def test_an_existing_dest_is_never_overwritten(small_store: Path, tmp_path: Path) -> None:
    dest = tmp_path / "copy.duckdb"
    dest.write_bytes(b"yesterday's backup")
    with pytest.raises(InputError, match="never overwrites"):
        backup_store(small_store, dest)
    assert dest.read_bytes() == b"yesterday's backup"


def test_a_failed_copy_leaves_no_dest(
    small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "copy.duckdb"
    # a temporary file left by a copy that was killed (same process id) is cleared, not kept
    (tmp_path / f".copy.duckdb.partial-{__import__('os').getpid()}").write_bytes(b"half")
    real = backup_module._row_counts

    def short_copy(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
        counts = real(con, catalog)
        return {**counts, "meta": counts["meta"] - 1} if catalog == "chk" else counts

    monkeypatch.setattr(backup_module, "_row_counts", short_copy)
    with pytest.raises(StoreError, match=r"does not match the store \(rows differ in meta\)"):
        backup_store(small_store, dest)
    assert list(tmp_path.iterdir()) == []


def test_no_store_and_no_folder_are_clear_errors(small_store: Path, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        backup_store(tmp_path / "none.duckdb", tmp_path / "copy.duckdb")
    with pytest.raises(InputError, match="no folder"):
        backup_store(small_store, tmp_path / "nowhere" / "copy.duckdb")
    not_a_store = tmp_path / "other.duckdb"
    duckdb.connect(str(not_a_store)).close()
    with pytest.raises(StoreError, match="not a Salamat store"):
        backup_store(not_a_store, tmp_path / "copy.duckdb")
    assert not (tmp_path / "copy.duckdb").exists()


def test_the_command_writes_once_then_refuses(small_store: Path, tmp_path: Path) -> None:
    dest = tmp_path / "salamat-2026-12-01.duckdb"
    result = CliRunner().invoke(app, ["backup", str(dest), "--db", str(small_store)])
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output and "the same as in" in result.output
    again = CliRunner().invoke(app, ["backup", str(dest), "--db", str(small_store)])
    assert again.exit_code == 2
    assert "never overwrites" in again.output.replace("\n", " ")


def test_a_store_held_by_another_writer_is_busy(small_store: Path, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, pathlib, sys, time\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "pathlib.Path(sys.argv[2]).touch()\n"
            "time.sleep(60)\n",
            str(small_store),
            str(ready),
        ]
    )
    try:
        for _ in range(200):
            if ready.exists() or holder.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists()
        with pytest.raises(StoreBusyError, match=f"held open by process {holder.pid}"):
            backup_store(small_store, tmp_path / "copy.duckdb")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["ready"]
    finally:
        holder.kill()
        holder.wait()
