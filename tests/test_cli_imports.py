"""``salamat imports``, ``salamat imports undo`` and ``salamat series --vintage`` (CLI runner)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from salamat.cli.app import app

runner = CliRunner()
HEADER = "indicator,area,period,value,sex,source\n"


def invoke(*args: str, code: int = 0) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == code, res.output
    return res.stdout


def test_list_undo_and_vintages_from_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(HEADER + "le0,KAZ,2022,74.44,total,BNS\n", encoding="utf-8")
    b.write_text(HEADER + "le0,KAZ,2022,74.5,total,BNS\n", encoding="utf-8")
    invoke("import", "observations", str(a), "--db", db)
    invoke("import", "observations", str(b), "--db", db)
    log = json.loads(invoke("imports", "--db", db, "--format", "json"))
    assert [r["id"] for r in log] == [2, 1]
    assert {
        "id",
        "time",
        "kind",
        "files",
        "sha256",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "status",
        "source",
    } <= set(log[0])
    assert (log[0]["created"], log[0]["updated"], log[0]["status"]) == (0, 1, "SUCCESS")
    table = list(csv.DictReader(io.StringIO(invoke("imports", "--db", db, "--format", "csv"))))
    assert [r["kind"] for r in table] == ["observations", "observations"]

    every = list(
        csv.DictReader(
            io.StringIO(
                invoke(
                    "series",
                    "le0",
                    "--area",
                    "KAZ",
                    "--db",
                    db,
                    "--vintage",
                    "all",
                    "--format",
                    "csv",
                )
            )
        )
    )
    assert sorted((r["value"], r["import_id"], r["superseded_by"]) for r in every) == [
        ("74.44", "1", "2"),
        ("74.5", "2", ""),
    ]
    assert "74.44" in invoke("series", "le0", "--area", "KAZ", "--db", db, "--vintage", "all")

    refused = invoke("imports", "undo", "1", "--db", db, code=1)
    assert "REFUSED" in refused and "undo import 2 first" in refused
    dry = invoke("imports", "--db", db, "undo", "2", "--dry-run")  # --db before undo too
    assert "DRY RUN" in dry
    doc = json.loads(invoke("imports", "undo", "2", "--db", db, "--format", "json"))
    assert doc["status"] == "SUCCESS" and doc["restored"]["observation"] == 1
    latest = json.loads(invoke("series", "le0", "--area", "KAZ", "--db", db, "--format", "json"))
    assert [(r["value"], r["import_id"]) for r in latest] == [(74.44, 1)]
    assert "UNDONE" in invoke("imports", "--db", db)
    res = runner.invoke(app, ["imports", "undo", "42", "--db", db])
    assert res.exit_code == 2 and "no import 42" in res.output
    res = runner.invoke(
        app, ["series", "le0", "--area", "KAZ", "--db", db, "--vintage", "2023-02-30"]
    )
    assert res.exit_code == 2 and "no such date" in res.output
    res = runner.invoke(app, ["imports", "--db", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 3


def test_import_help_names_every_kind() -> None:
    from salamat.cli.app import KINDS_HELP
    from salamat.services.imports import import_kinds

    text = KINDS_HELP.split(":", 1)[1].split(" (")[0].replace(" or ", ", ")
    named = {k.strip() for k in text.split(",")}
    assert named == set(import_kinds())
