"""The audit log (salamat.store.audit): every write appends a hash-chained row that an undo
never removes; tampering with one row in the store file is found and named."""

from __future__ import annotations

import json
import re
from contextlib import nullcontext
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from salamat.cli.app import app
from salamat.services import imports as services
from salamat.services.revisions import undo_import
from salamat.store import audit
from salamat.store.connection import Store

SRC = Path(__file__).parent.parent / "src" / "salamat"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with an import, a revision of it, its undo, and a write by a server user."""
    tmp = tmp_path_factory.mktemp("audit")
    path = tmp / "store.duckdb"
    a = tmp / "a.csv"
    a.write_text(
        "indicator,area,period,value,sex,source\nle0,KAZ,2022,74.44,total,BNS\n", encoding="utf-8"
    )
    b = tmp / "b.csv"
    b.write_text(
        "indicator,area,period,value,sex,source\nle0,KAZ,2022,74.50,total,BNS\n", encoding="utf-8"
    )
    with Store.open(path) as store:
        services.run_import(store, "observations", [a])
        second = services.run_import(store, "observations", [b])
        assert second.import_id is not None
        undo_import(store, second.import_id)
        with audit.acting_as("ana", "10.0.0.7"), store.transaction():
            audit.append(store, "token_revoked", "vic:abc")
    return path


def test_every_write_is_a_row_and_undo_removes_none(db: Path) -> None:
    with Store.open(db, read_only=True) as store:
        rows = audit.audit_rows(store)
    assert list(rows["seq"]) == [1, 2, 3, 4]
    assert list(rows["action"]) == [
        "import observations",
        "import observations",
        "undo",
        "token_revoked",
    ]
    first = rows.iloc[0]
    assert first["origin"] == "cli" and len(first["sha256"]) == 64
    assert json.loads(first["counts"])["created"] == 1
    assert json.loads(rows.iloc[1]["counts"])["updated"] == 1
    assert "undoes" in rows.iloc[2]["object"]
    assert (rows.iloc[3]["actor"], rows.iloc[3]["origin"]) == ("ana", "10.0.0.7")


def test_cli_lists_filters_and_verifies(db: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["audit", "--db", str(db), "--format", "json", "--user", "ana"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert [x["action"] for x in rows] == ["token_revoked"]
    assert rows[0]["at_utc"].endswith("Z")
    r = runner.invoke(app, ["audit", "--db", str(db), "--since", "2999-01-01"])
    assert r.exit_code == 0 and "no audit rows" in r.output
    r = runner.invoke(app, ["audit", "--db", str(db), "--since", "yesterday"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["audit", "--db", str(db), "--verify"])
    assert r.exit_code == 0 and "chain intact, 4 rows" in r.output


def test_editing_a_row_in_the_store_file_breaks_the_chain_there(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    con = duckdb.connect(str(copy))
    con.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    con.close()
    r = CliRunner().invoke(app, ["audit", "--db", str(copy), "--verify"])
    assert r.exit_code == 1
    assert "row 2" in r.output and "do not match" in r.output
    # a row removed is found too, at the gap
    con = duckdb.connect(str(copy))
    con.execute("DELETE FROM audit_log WHERE seq >= 2 AND seq <= 3")
    con.close()
    with Store.open(copy, read_only=True) as store:
        report = audit.verify_chain(store)
    assert (report.ok, report.broken) == (False, 2)


def test_no_code_path_updates_or_deletes_audit_rows() -> None:
    statement = re.compile(r"(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE)\s+audit_log", re.I)
    hits = [str(p) for p in SRC.rglob("*.py") if statement.search(p.read_text(encoding="utf-8"))]
    assert not hits


@pytest.mark.parametrize("ends", ["commit", "rollback"])
def test_a_row_appended_in_a_transaction_holds_the_chain_until_it_ends(
    tmp_path: Path, ends: str
) -> None:
    """Any audited write in a transaction (an approval, an undo, a token revoked), not only an
    import: a sign-in on another thread of the server waits until the transaction ends, instead
    of taking the same row number and making the commit fail (found for imports; an approval
    had the same gap)."""
    import threading

    path = tmp_path / "store.duckdb"
    base = Store.connect(path)
    writer = Store(base.con.cursor(), str(path), False)
    other = Store(base.con.cursor(), str(path), False)
    signed_in = threading.Event()

    def sign_in() -> None:
        audit.append(other, "login", "ana", who=("ana", "10.0.0.7"))
        signed_in.set()

    t = threading.Thread(target=sign_in)
    try:
        failing = pytest.raises(RuntimeError) if ends == "rollback" else nullcontext()
        with failing, writer.transaction():
            audit.append(writer, "approve", "import 1", who=("ana", "10.0.0.7"))
            t.start()
            assert not signed_in.wait(0.3)  # waits for this transaction to end
            if ends == "rollback":
                raise RuntimeError("the approval fails after its row")
        t.join(10)
        assert signed_in.is_set()
        rows = audit.audit_rows(other)
        expected = ["approve", "login"] if ends == "commit" else ["login"]
        assert list(rows["action"]) == expected
        assert list(rows["seq"]) == list(range(1, len(expected) + 1))
        assert audit.verify_chain(other).ok
        # nothing is left held: an append on this thread outside a transaction goes through
        audit.append(writer, "logout", "ana", who=("ana", "10.0.0.7"))
    finally:
        writer.close()
        other.close()
        base.close()
