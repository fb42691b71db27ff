"""Policy events: the bundled ones with their sources, ``salamat events list|add``, undo, the
API, and the marks on the target and explorer charts and in reports."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salamat.cli.app import app
from salamat.services import events as svc
from salamat.services import web as web_svc
from salamat.store.connection import Store
from salamat.web import charts
from salamat.web.i18n import translator

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

runner = CliRunner()


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_bundled_events_are_dated_sourced_and_translated(store: Store) -> None:
    found = svc.events(store)
    assert len(found) >= 5
    assert [e.date for e in found] == sorted(e.date for e in found)
    for e in found:
        assert e.origin == "bundled" and e.area == "KAZ"
        assert set(e.titles) == {"en", "kk", "ru"}, e.code
        assert e.source_url and e.source_url.startswith("http"), e.code
    vape = next(e for e in found if e.code == "kz_vape_ban_2024")
    assert vape.date.isoformat() == "2024-06-20"
    assert vape.title("ru").startswith("Вступил в силу запрет")
    # a country's events hold in its regions; another country has none of them
    assert [e.code for e in svc.events_for(store, "KZ-75")] == [e.code for e in found]
    assert svc.events_for(store, "UZB") == []


def test_add_list_and_undo(db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path):
        pass
    f = _csv(
        tmp_path / "ev.csv",
        [
            {
                "code": "kz_almaty_screening",
                "date": "2023-05-01",
                "area": "KZ-75",
                "title_en": "Almaty screening campaign",
                "title_ru": "Кампания скрининга в Алматы",
                "source_url": "https://example.org/almaty",
            },
            {
                "code": "kz_vape_ban_2024",  # replaces the bundled event of that code
                "date": "2024-06-20",
                "area": "KAZ",
                "title_en": "Vape ban in force (corrected title)",
                "title_ru": "",
                "source_url": "",
            },
        ],
    )
    res = runner.invoke(app, ["events", "add", str(f), "--db", str(db_path), "--format", "json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stderr.strip().splitlines()[-1])
    assert summary["created"] == 2 and summary["import_id"] is not None
    res = runner.invoke(
        app, ["events", "list", "--db", str(db_path), "--area", "KZ-75", "--format", "json"]
    )
    listed = {e["code"]: e for e in json.loads(res.stdout)}
    assert listed["kz_almaty_screening"]["area"] == "KZ-75"
    assert listed["kz_almaty_screening"]["origin"] == "user"
    assert listed["kz_vape_ban_2024"]["title"] == "Vape ban in force (corrected title)"
    # the same file again changes nothing and logs nothing
    again = runner.invoke(app, ["events", "add", str(f), "--db", str(db_path)])
    assert again.exit_code == 0 and "nothing changed" in again.stderr
    undo = runner.invoke(app, ["imports", "--db", str(db_path), "undo", str(summary["import_id"])])
    assert undo.exit_code == 0, undo.output
    with Store.open(db_path, read_only=True) as s:
        codes = {e.code: e for e in svc.events(s)}
    assert "kz_almaty_screening" not in codes
    assert codes["kz_vape_ban_2024"].origin == "bundled"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"date": "20.06.2024"}, "date"),
        ({"area": "Atlantis"}, "area"),
        ({"title_en": ""}, "title_en"),
        ({"source_url": "javascript:alert(1)"}, "source_url"),
        ({"code": "Bad Code!"}, "code"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(
    db_path: Path, tmp_path: Path, row: dict[str, str], field: str
) -> None:
    with Store.open(db_path):
        pass
    good = {
        "code": "ok_event",
        "date": "2024-01-01",
        "area": "KAZ",
        "title_en": "An event",
        "source_url": "",
    }
    f = _csv(tmp_path / "bad.csv", [good, {**good, "code": "second", **row}])
    res = runner.invoke(app, ["events", "add", str(f), "--db", str(db_path)])
    assert res.exit_code == 2, res.output
    assert "row 3" in res.output or ":3" in res.output or "3" in res.output
    assert field in res.output and "Traceback" not in res.output
    with Store.open(db_path, read_only=True) as s:
        assert "ok_event" not in {e.code for e in svc.events(s)}


def test_unknown_column_is_refused(db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path):
        pass
    f = _csv(
        tmp_path / "typo.csv",
        [{"code": "x", "date": "2024-01-01", "area": "KAZ", "title_en": "X", "titel_ru": "Y"}],
    )
    res = runner.invoke(app, ["events", "add", str(f), "--db", str(db_path)])
    assert res.exit_code == 2 and "titel_ru" in res.output


def test_api_and_charts_mark_the_events(demo_db: Path) -> None:
    from salamat.api.app import create_app

    with TestClient(create_app(demo_db)) as client:
        r = client.get("/api/v1/events", params={"area": "KZ-75", "lang": "kk"})
        assert r.status_code == 200
        body = r.json()
        assert [e["code"] for e in body][-1] == "kz_vape_ban_2024"
        assert body[-1]["title"] == body[-1]["titles"]["kk"]
        page = client.get("/explorer", params={"indicator": "le0", "area": "KAZ", "lang": "ru"})
        assert 'data-role="events"' in page.text and "Здоровая нация" in page.text
        board = client.get("/", params={"lang": "ru"})
        assert 'data-role="events"' in board.text
    with Store.open(demo_db, read_only=True) as store:
        rec = next(
            r for r in web_svc.target_board(store, "KAZ") if r["code"] == "kz_le0_77_2029_ndp"
        )
    assert [e["n"] for e in rec["events"]] == [1, 2, 3, 4, 5]
    shown = charts.events_in_target_chart(rec, rec["events"])
    lo, hi = charts.target_domain(rec)
    assert shown and all(lo <= e["at"] <= hi for e in shown)
    healthy = next(e for e in rec["events"] if e["code"] == "kz_healthy_nation_2021")
    assert healthy["at"] == pytest.approx(2021 + 284 / 365, abs=1e-4)  # 12 October 2021
    spec = charts.target_chart(rec, translator("en"), "years")
    rules = [
        layer
        for layer in spec["layer"]
        if isinstance(layer["mark"], dict) and layer["mark"].get("color") == charts.EVENT_COLOUR
    ]
    assert len(rules) == 2 and len(rules[0]["data"]["values"]) == len(shown)
