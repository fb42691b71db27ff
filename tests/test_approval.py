"""Approval of imports (issue 13, item 5; salamat.store.approval, services.approval,
api.approval, ``salamat approve``): drafts in a store with accounts, approved at commit in
local mode; viewers read approved values only, in every table of values; who may approve."""

from __future__ import annotations

import getpass
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import DATA
from salamat.api.app import create_app
from salamat.cli.app import app as cli
from salamat.errors import AccessError, ConflictError
from salamat.services import accounts as acc
from salamat.services import imports as services
from salamat.services.approval import approve_import
from salamat.services.revisions import undo_import
from salamat.services.web.common import NotFoundError
from salamat.store import audit
from salamat.store.accounts import Account
from salamat.store.approval import draft_ids, import_approval, set_audience
from salamat.store.connection import Store
from salamat.store.schema import SCHEMA_VERSION

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
VALUE_TABLES = ("observation", "population", "death_record", "deaths", "quality_flag")

ADMIN = Account("ana", "admin", (), False)
NATIONAL = Account("nur", "editor", ("KAZ",), False)  # a level above every region
ALMATY = Account("al", "editor", ("KZ-75",), False)  # imports the region's values
ALMATY_2 = Account("aig", "editor", ("KZ-75",), False)  # same level as the importer
VIEWER = Account("vic", "viewer", (), False)


@pytest.fixture(scope="module", autouse=True)
def cheap_hashes() -> Iterator[None]:
    """argon2id at its smallest cost: these tests check who may, not how slow guessing is."""
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(acc, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=64))
        mp.setattr(acc, "_DUMMY", [])
        yield


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


FIRST_OBS = """indicator,area,period,value,sex,source
le0,KZ-75,2021,73.1,total,BNS
le0,KZ-75,2022,74.0,total,BNS
le0,KZ-11,2022,70.2,total,BNS
"""
# a revision of 2022, a new 2023 and a new region-year
DRAFT_OBS = """indicator,area,period,value,sex,source
le0,KZ-75,2022,75.5,total,BNS
le0,KZ-75,2023,76.0,total,BNS
"""
FIRST_POP = """region,year,sex,age,population
KZ-75,2023,female,0,1000
KZ-75,2023,male,0,1100
"""
DRAFT_POP = """region,year,sex,age,population
KZ-75,2023,female,0,1200
KZ-75,2022,female,0,900
"""
# a correction (another cause and region) of a record of the sample, and a record of 2022
DRAFT_DEATHS = """id,sex,birth_date,age,death_date,region,icd10
KZ75-2023-000003,1,,45,2023-03-02,KZ-11,E11.9
KZ75-2022-000001,F,1940-01-01,,2022-06-01,KZ-75,J44.9
"""


def build(path: Path, folder: Path) -> tuple[int, int, int]:
    """A store with approved imports of observations, unit records and population (made in
    local mode), then users, then three draft imports by the Almaty editor; returns the ids of
    the three drafts."""
    with Store.open(path) as store:
        for kind, name, text in (
            ("observations", "first.csv", FIRST_OBS),
            ("population", "first_pop.csv", FIRST_POP),
        ):
            assert services.run_import(store, kind, [write(folder, name, text)]).ok
        assert services.run_import(store, "deaths", [DATA / "deaths_sample.csv"]).ok
        acc.add_user(store, "ana", "admin", PASSWORD)
        acc.add_user(store, "nur", "editor", PASSWORD, ["KAZ"])
        acc.add_user(store, "al", "editor", PASSWORD, ["KZ-75"])
        acc.add_user(store, "aig", "editor", PASSWORD, ["KZ-75"])
        acc.add_user(store, "vic", "viewer", PASSWORD)
        ids = []
        with audit.acting_as("al", "10.0.0.5"):
            for kind, name, text in (
                ("observations", "draft.csv", DRAFT_OBS),
                ("population", "draft_pop.csv", DRAFT_POP),
                ("deaths", "draft_deaths.csv", DRAFT_DEATHS),
            ):
                summary = services.run_import(store, kind, [write(folder, name, text)])
                assert summary.ok, summary.as_dict()
                assert summary.approval == "draft"
                assert summary.import_id is not None
                ids.append(summary.import_id)
    return ids[0], ids[1], ids[2]


Drafted = tuple[Path, tuple[int, int, int]]


@pytest.fixture
def drafted(tmp_path: Path) -> Drafted:
    """The store of :func:`build` and the ids of its three drafts."""
    path = tmp_path / "store.duckdb"
    return path, build(path, tmp_path)


def values_without_provenance(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every value table's rows without the import id and time (they differ between stores)."""
    out = {}
    for table in VALUE_TABLES:
        cols = [
            str(c[0])
            for c in store.con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()
            if c[0] not in ("import_id", "imported_at", "details")
        ]
        out[table] = sorted(
            store.con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr
        )
    return out


# -- local mode -------------------------------------------------------------------------------


def test_local_mode_imports_are_approved_at_commit(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as store:
        summary = services.run_import(store, "observations", [write(tmp_path, "a.csv", FIRST_OBS)])
        assert summary.approval == "approved"
        assert summary.approved_by is not None and summary.approved_by.endswith("(local mode)")
        assert summary.as_dict()["approval"] == "approved"
        assert draft_ids(store) == []
        state = import_approval(store, summary.import_id or 0)
        assert state is not None and state.approved_at is not None
    result = CliRunner().invoke(
        cli,
        [
            "import",
            "observations",
            str(write(tmp_path, "b.csv", DRAFT_OBS)),
            "--db",
            str(tmp_path / "s.duckdb"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "approved (local mode)" in result.output


def test_demo_data_are_approved_even_in_a_store_with_accounts(tmp_path: Path) -> None:
    from salamat.demo.published import import_published_figures
    from salamat.store.approval import approved_at_commit

    with Store.open(tmp_path / "s.duckdb") as store:
        acc.add_user(store, "ana", "admin", PASSWORD)
        with approved_at_commit("salamat demo (bundled and demo data)"):
            summary = import_published_figures(store)
        assert summary.approval == "approved"
        assert draft_ids(store) == []


# -- visibility -------------------------------------------------------------------------------


def test_viewers_read_the_approved_values_of_every_table(drafted: Drafted, tmp_path: Path) -> None:
    path, ids = drafted
    # the same store as it was before the drafts, for comparison
    reference = tmp_path / "reference.duckdb"
    with Store.open(reference) as store:
        for kind, name, text in (
            ("observations", "first.csv", FIRST_OBS),
            ("population", "first_pop.csv", FIRST_POP),
        ):
            services.run_import(store, kind, [write(tmp_path, name, text)])
        services.run_import(store, "deaths", [DATA / "deaths_sample.csv"])
        expected = values_without_provenance(store)
    with Store.open(path) as store:
        everything = values_without_provenance(store)
        assert everything != expected  # the drafts are there for editors
        set_audience(store, "approved")
        assert values_without_provenance(store) == expected
        set_audience(store, "all")
        for import_id in ids:
            approve_import(store, import_id, NATIONAL)
        set_audience(store, "approved")
        assert values_without_provenance(store) == everything


def test_the_deaths_of_a_corrected_record_are_recounted_for_viewers(
    drafted: Drafted,
) -> None:
    path, _ids = drafted
    with Store.open(path) as store:
        count = (
            "SELECT coalesce(sum(deaths), 0) FROM deaths WHERE region = ? AND year = ? "
            "AND cause = ?"
        )
        assert store.con.execute(count, ["KZ-11", 2023, "diabetes"]).fetchone() == (1,)
        set_audience(store, "approved")
        assert store.con.execute(count, ["KZ-11", 2023, "diabetes"]).fetchone() == (0,)
        assert store.con.execute(count, ["KZ-75", 2022, "all"]).fetchone() == (0,)


def test_vintage_all_shows_viewers_no_draft_version(
    drafted: Drafted,
) -> None:
    path, ids = drafted
    with Store.open(path) as store:
        set_audience(store, "approved")
        frame = services.series(store, "le0", "KZ-75", vintage="all")
        assert sorted(zip(frame["period"], frame["value"], strict=True)) == [
            ("2021", 73.1),
            ("2022", 74.0),
        ]
        assert ids[0] not in set(frame["import_id"])


# -- who may approve --------------------------------------------------------------------------


def test_permission_matrix(drafted: Drafted) -> None:
    path, (obs, pop, deaths) = drafted
    with Store.open(path) as store:
        with pytest.raises(AccessError, match="viewer cannot approve"):
            approve_import(store, obs, VIEWER)
        with pytest.raises(AccessError, match="your own"):
            approve_import(store, obs, ALMATY)
        # KZ-75 is the editor's own unit, not below it; the records also name KZ-11
        with pytest.raises(AccessError, match="not below your org units"):
            approve_import(store, obs, ALMATY_2)
        with pytest.raises(AccessError, match="KZ-11"):
            approve_import(store, deaths, ALMATY_2)
        with pytest.raises(NotFoundError):
            approve_import(store, 999, ADMIN)
        assert draft_ids(store) == [obs, pop, deaths]  # nothing changed by a refusal
        done = approve_import(store, obs, NATIONAL)
        assert done.changed and done.approved_by == "nur"
        again = approve_import(store, obs, ADMIN)
        assert not again.changed and again.approved_by == "nur"
        assert approve_import(store, pop, ADMIN).changed


def test_an_undone_draft_cannot_be_approved_and_an_approved_import_undoes(
    drafted: Drafted,
) -> None:
    path, (obs, pop, deaths) = drafted
    with Store.open(path) as store:
        plan = undo_import(store, deaths)
        assert plan.ok
        with pytest.raises(ConflictError, match="undone"):
            approve_import(store, deaths, ADMIN)
        approve_import(store, obs, ADMIN)
        assert undo_import(store, obs).ok
        le0 = store.con.execute(
            "SELECT value FROM observation WHERE area = 'KZ-75' AND period = '2022'"
        ).fetchall()
        assert le0 == [(74.0,)]
        assert draft_ids(store) == [pop]


def test_approval_is_audited(drafted: Drafted) -> None:
    path, (obs, _pop, _deaths) = drafted
    with Store.open(path) as store:
        with audit.acting_as("nur", "10.1.1.1"):
            approve_import(store, obs, NATIONAL)
            approve_import(store, obs, NATIONAL)  # changes nothing, writes no row
        rows = audit.audit_rows(store, action="approve")
        assert len(rows) == 1
        row = rows.iloc[0]
        assert (row["actor"], row["origin"], row["object"]) == ("nur", "10.1.1.1", f"import {obs}")
        assert json.loads(row["details"])["imported_by"] == "al"
        assert audit.verify_chain(store).ok
        imported = audit.audit_rows(store, action="import observations")
        assert json.loads(imported.iloc[-1]["details"])["approval"] == "draft"


# -- the command line ---------------------------------------------------------------------------


def test_cli_approve(drafted: Drafted) -> None:
    path, (obs, _pop, deaths) = drafted
    runner = CliRunner()
    listed = runner.invoke(cli, ["imports", "--db", str(path)])
    assert listed.exit_code == 0
    assert re.search(rf"^\s*{obs}\s.*SUCCESS draft$", listed.output, re.M), listed.output
    first = runner.invoke(cli, ["approve", str(obs), "--db", str(path)])
    assert first.exit_code == 0, first.output
    assert f"import {obs} (observations): approved by" in first.output
    second = runner.invoke(cli, ["approve", str(obs), "--db", str(path), "--format", "json"])
    assert second.exit_code == 0
    assert json.loads(second.output)["changed"] is False
    assert runner.invoke(cli, ["approve", "999", "--db", str(path)]).exit_code == 2
    assert runner.invoke(cli, ["imports", "undo", str(deaths), "--db", str(path)]).exit_code == 0
    refused = runner.invoke(cli, ["approve", str(deaths), "--db", str(path)])
    assert refused.exit_code == 1
    assert "undone" in refused.output
    as_json = json.loads(
        runner.invoke(cli, ["imports", "--db", str(path), "--format", "json"]).output
    )
    states = {r["id"]: r["approval"] for r in as_json}
    assert states[obs] == "approved"


# -- the API ------------------------------------------------------------------------------------


def _token(client: TestClient, name: str) -> dict[str, str]:
    store = client.app.state.stores.cursor()  # type: ignore[attr-defined]
    try:
        return {"Authorization": f"Bearer {acc.create_token(store, name)[1]}"}
    finally:
        store.close()


def _le0(client: TestClient, headers: dict[str, str]) -> list[tuple[str, float, bool]]:
    r = client.get("/api/v1/series/le0?area=KZ-75", headers=headers)
    assert r.status_code == 200, r.text
    return [(v["period"], v["value"], v["draft"]) for v in r.json()["values"]]


def test_api_visibility_and_approval(
    drafted: Drafted,
) -> None:
    path, (obs, _pop, deaths) = drafted
    with TestClient(create_app(path, warm=False), follow_redirects=False) as client:
        viewer, editor = _token(client, "vic"), _token(client, "al")
        national, peer = _token(client, "nur"), _token(client, "aig")
        assert _le0(client, viewer) == [("2021", 73.1, False), ("2022", 74.0, False)]
        assert _le0(client, editor) == [
            ("2021", 73.1, False),
            ("2022", 75.5, True),
            ("2023", 76.0, True),
        ]
        url = f"/api/v1/imports/{obs}/approve"
        assert client.post(url).status_code == 401
        assert client.post(url, headers=viewer).status_code == 403
        own = client.post(url, headers=editor)
        assert own.status_code == 403 and "your own" in own.json()["error"]
        assert client.post(url, headers=peer).status_code == 403
        assert client.post("/api/v1/imports/999/approve", headers=national).status_code == 404
        log = {r["id"]: r for r in client.get("/api/v1/imports", headers=editor).json()}
        assert log[obs]["approval"] == "draft" and log[obs]["imported_by"] == "al"
        done = client.post(url, headers=national)
        assert done.status_code == 200, done.text
        assert done.json()["changed"] is True and done.json()["approved_by"] == "nur"
        assert client.post(url, headers=national).json()["changed"] is False
        # the viewer's earlier answer was kept; the approval dropped it
        assert _le0(client, viewer) == [
            ("2021", 73.1, False),
            ("2022", 75.5, False),
            ("2023", 76.0, False),
        ]
        admin = _token(client, "ana")
        assert client.post(f"/api/v1/imports/{deaths}/approve", headers=admin).status_code == 200


# -- migration ---------------------------------------------------------------------------------


def test_a_store_of_schema_13_is_upgraded_with_its_imports_approved(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with Store.open(path) as store:
        services.run_import(store, "observations", [write(tmp_path, "a.csv", FIRST_OBS)])
    # make it a store as schema 13 left it: no approval columns, no approved views
    con = duckdb.connect(str(path))
    con.execute("DROP SCHEMA approved CASCADE")
    con.execute("DROP VIEW draft_import")
    for col in ("approval", "approved_by", "approved_at", "imported_by"):
        con.execute(f"ALTER TABLE import_log DROP COLUMN {col}")
    con.execute("UPDATE meta SET value = '13' WHERE key = 'schema_version'")
    con.close()
    with Store.open(path, read_only=True) as store:
        version = store.con.execute("SELECT value FROM meta WHERE key = 'schema_version'")
        assert version.fetchone() == (str(SCHEMA_VERSION),)
        state = import_approval(store, 1)
        assert state is not None and state.approval == "approved"
        set_audience(store, "approved")
        assert store.con.execute("SELECT count(*) FROM observation").fetchone() == (3,)


# -- the pages ----------------------------------------------------------------------------------


def _sign_in(client: TestClient, name: str) -> str:
    """Sign in with the form; returns the session's CSRF token (read from a page)."""
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    r = client.post(
        "/login", data={"csrf_token": csrf[1], "name": name, "password": PASSWORD, "next": "/"}
    )
    assert r.status_code == 303, r.text
    listed = client.get("/imports")
    token = re.search(r'name="csrf_token" value="([^"]+)"', listed.text)
    return token[1] if token else ""


def test_imports_page_and_its_approve_button(drafted: Drafted) -> None:
    path, (obs, pop, _deaths) = drafted
    app = create_app(path, warm=False)
    with TestClient(app, follow_redirects=False) as viewer:
        _sign_in(viewer, "vic")
        assert viewer.get("/imports").status_code == 403
        explorer = viewer.get("/explorer?indicator=le0&area=KZ-75")
        assert explorer.status_code == 200 and 'data-role="draft"' not in explorer.text
    with TestClient(app, follow_redirects=False) as importer:
        _sign_in(importer, "al")
        page = importer.get("/imports?lang=ru")
        assert page.status_code == 200
        assert 'href="/imports?lang=ru"' in page.text  # in the navigation
        assert "Это ваш импорт" in page.text and f'action="/imports/{obs}/approve' not in page.text
        explorer = importer.get("/explorer?indicator=le0&area=KZ-75&lang=kk")
        assert explorer.text.count('data-role="draft"') == 2  # 2022 revised, 2023 new
    with TestClient(app, follow_redirects=False) as national:
        csrf = _sign_in(national, "nur")
        page = national.get("/imports?lang=kk")
        assert f'action="/imports/{obs}/approve?lang=kk"' in page.text
        # the form needs the session's CSRF token
        assert national.post(f"/imports/{obs}/approve").status_code == 403
        done = national.post(f"/imports/{obs}/approve?lang=kk", data={"csrf_token": csrf})
        assert done.status_code == 303
        assert done.headers["location"] == f"/imports?lang=kk&approved={obs}"
        after = national.get(done.headers["location"])
        assert f"{obs} импорты бекітілді." in after.text
        assert f'action="/imports/{obs}/approve' not in after.text
        assert f'action="/imports/{pop}/approve' in after.text
        missing = national.post("/imports/999/approve?lang=ru", data={"csrf_token": csrf})
        assert missing.status_code == 404 and "Такого импорта нет." in missing.text
    with TestClient(app, follow_redirects=False) as viewer:
        _sign_in(viewer, "vic")
        values = _le0(viewer, {})
        assert ("2022", 75.5, False) in values and ("2023", 76.0, False) in values


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_imports_page_has_no_english(drafted: Drafted, lang: str) -> None:
    from test_web_texts import ALLOWED, CODE, WORD, visible_text

    path, _ids = drafted
    with TestClient(create_app(path, warm=False), follow_redirects=False) as client:
        _sign_in(client, "nur")
        text = visible_text(client.get(f"/imports?lang={lang}").text)
    # file names, import kinds and user names are shown as they are
    for kept in (
        "first_pop.csv",
        "first.csv",
        "draft_pop.csv",
        "draft_deaths.csv",
        "draft.csv",
        "deaths_sample.csv",
        "observations",
        "population",
        "deaths",
        "nur",
        "al",
        getpass.getuser(),  # who imported in local mode (the operating-system user)
    ):
        text = re.sub(rf"(?<![\w.]){re.escape(kept)}(?![\w.])", " ", text)
    left = {w for w in WORD.findall(CODE.sub(" ", text)) if w not in ALLOWED}
    assert not left, left


def _routes(routes: Any, prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """Every route's full path and methods, routers included by the app walked into."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:  # FastAPI >= 0.16x keeps an included router whole
            yield from _routes(included.routes, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None) and hasattr(route, "path"):
            yield prefix + route.path, set(route.methods)


def test_every_write_route_refuses_anonymous_callers_and_viewers(drafted: Drafted) -> None:
    """Every route of the server that writes (any method but GET and HEAD), found from the app
    itself so that a new one is covered: no credentials -> 401 (a page: to the sign-in), a
    viewer's token -> 403. Signing in and out are the two that must answer anyone."""
    path, (obs, _pop, _deaths) = drafted
    app = create_app(path, warm=False)
    writes = sorted(
        (route, method)
        for route, methods in _routes(app.routes)
        for method in methods
        if method not in ("GET", "HEAD") and route not in ("/login", "/logout")
    )
    assert ("/api/v1/imports/{import_id}/approve", "POST") in writes
    assert ("/imports/{import_id}/approve", "POST") in writes
    assert ("/api/v1/users/{name}/disable", "POST") in writes
    with TestClient(app, follow_redirects=False) as client:
        viewer = _token(client, "vic")
        for route, method in writes:
            url = re.sub(r"\{[^}]+\}", str(obs), route)
            anonymous = client.request(method, url)
            expected = 401 if route.startswith("/api/") else 303
            assert anonymous.status_code == expected, (method, route, anonymous.text[:200])
            as_viewer = client.request(method, url, headers=viewer)
            assert as_viewer.status_code == 403, (method, route, as_viewer.text[:200])
        assert draft_ids(client.app.state.stores.cursor()) == [obs, _pop, _deaths]  # type: ignore[attr-defined]
