"""Imports over the API (salamat.api.imports, salamat.api.jobs; issue 13 items 3 and 4): who
may write, CSRF, scope by org unit across border changes, the same summary as the command line,
the job to follow, the audit row, and the next request seeing what was committed."""

from __future__ import annotations

import json
import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from salamat.api.app import create_app
from salamat.cli.app import app as cli
from salamat.services import accounts as acc
from salamat.store.connection import Store

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
OBS = "indicator,area,period,value,source\n"
DEATHS = "id,sex,birth_date,age,death_date,region,icd10\n"


@pytest.fixture(scope="module", autouse=True)
def cheap_hashes() -> Iterator[None]:
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(acc, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=64))
        mp.setattr(acc, "_DUMMY", [])
        yield


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A small store with an admin, editors of Almaty, of Turkistan Region and Shymkent, of
    Turkistan Region alone, and a viewer."""
    path = tmp_path / "store.duckdb"
    with Store.open(path) as store:
        acc.add_user(store, "ana", "admin", PASSWORD)
        acc.add_user(store, "ed", "editor", PASSWORD, ["KZ-75"])
        acc.add_user(store, "south", "editor", PASSWORD, ["KZ-61", "KZ-79"])
        acc.add_user(store, "turk", "editor", PASSWORD, ["KZ-61"])
        acc.add_user(store, "vic", "viewer", PASSWORD, ["KZ-75"])
    return path


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db, warm=False), follow_redirects=False) as c:
        yield c


def _bearer(client: TestClient, name: str) -> dict[str, str]:
    store = client.app.state.stores.cursor()  # type: ignore[attr-defined]
    try:
        return {"Authorization": f"Bearer {acc.create_token(store, name)[1]}"}
    finally:
        store.close()


def _post(
    client: TestClient,
    text: str,
    *,
    kind: str = "observations",
    name: str = "values.csv",
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> Any:
    data = {
        "kind": kind,
        **{k: str(v).lower() if isinstance(v, bool) else v for k, v in fields.items()},
    }
    return client.post(
        "/api/v1/imports",
        data=data,
        files=[("file", (name, text.encode("utf-8"), "text/csv"))],
        headers=headers or {},
    )


def _count(db_client: TestClient, sql: str) -> int:
    store = db_client.app.state.stores.cursor()  # type: ignore[attr-defined]
    try:
        row = store.con.execute(sql).fetchone()
        return int(row[0]) if row else 0
    finally:
        store.close()


def test_write_route_needs_an_editor(client: TestClient) -> None:
    text = OBS + "le0,KZ-75,2020,73.1,test\n"
    r = _post(client, text)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = _post(client, text, headers=_bearer(client, "vic"))
    assert r.status_code == 403
    assert r.json()["error"] == "only an editor or an admin may import data (vic is a viewer)"
    assert _count(client, "SELECT count(*) FROM observation") == 0
    r = _post(client, text, headers=_bearer(client, "ed"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["state"], body["status"], body["import_count"]["created"]) == (
        "done",
        "SUCCESS",
        1,
    )
    assert body["job_id"].startswith("job-") and isinstance(body["import_id"], int)
    assert body["files"] == ["values.csv"] and body["progress"] == 1.0


def test_the_answer_is_the_command_lines_json_plus_the_job(
    client: TestClient, tmp_path: Path
) -> None:
    text = OBS + "le0,KZ-75,2020,73.1,test\nle0,KZ-75,2021,,test\nle0,KZ-75,1700,70,test\n"
    f = tmp_path / "values.csv"
    f.write_text(text, encoding="utf-8")
    local = tmp_path / "local.duckdb"
    run = CliRunner().invoke(
        cli, ["import", "observations", str(f), "--db", str(local), "--format", "json"]
    )
    assert run.exit_code == 1  # rejected: the bad period
    expected = json.loads(run.stdout)
    r = _post(client, text, headers=_bearer(client, "ana"))
    assert r.status_code == 409
    got = r.json()
    assert set(expected) <= set(got)
    assert set(got) - set(expected) == {
        "job_id", "state", "stage", "progress", "user", "submitted", "started", "finished"
    }  # fmt: skip
    for key in ("status", "import_count", "reasons", "problem_count", "import_id", "flags"):
        assert got[key] == expected[key], key
    assert [{**c, "file": Path(c["file"]).name} for c in expected["conflicts"]] == got["conflicts"]
    assert got["conflicts"][0]["file"] == "values.csv"  # the name sent, not the server's copy
    assert _count(client, "SELECT count(*) FROM observation") == 0


def test_rows_outside_an_editors_scope_are_rejected_with_the_reason(client: TestClient) -> None:
    text = OBS + "le0,KZ-75,2020,73.1,test\nle0,KZ-71,2020,74.0,test\nle0,KZ-AST,2021,74.2,test\n"
    ed = _bearer(client, "ed")
    r = _post(client, text, headers=ed)
    assert r.status_code == 409
    body = r.json()
    assert body["status"] == "ERROR" and body["import_count"]["rejected"] == 2
    assert body["conflicts"] == [
        {
            "file": "values.csv",
            "row": 3,
            "field": "area",
            "message": "area KZ-71 is outside your scope (KZ-75 and below)",
            "value": "KZ-71",
        },
        {
            "file": "values.csv",
            "row": 4,
            "field": "area",
            "message": "area KZ-71 is outside your scope (KZ-75 and below)",
            "value": "KZ-AST",
        },
    ]
    assert _count(client, "SELECT count(*) FROM observation") == 0  # all or nothing
    r = _post(client, text, headers=ed, skip_invalid=True)
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["import_count"]["created"]) == ("WARNING", 1)
    assert _count(client, "SELECT count(*) FROM observation WHERE area = 'KZ-71'") == 0
    # the admin writes everywhere
    r = _post(client, text.replace(",test", ",admin"), headers=_bearer(client, "ana"))
    assert (r.status_code, r.json()["import_count"]["created"]) == (200, 3)


def test_scope_for_unit_records_and_population(client: TestClient) -> None:
    deaths = (
        DEATHS
        + "A1,M,1960-01-01,,2023-01-01,KZ-75,I21.9\nA2,F,1950-02-01,,2023-03-01,KZ-71,I21.9\n"
    )
    r = _post(client, deaths, kind="deaths", name="deaths.csv", headers=_bearer(client, "ed"))
    assert r.status_code == 409
    (conflict,) = r.json()["conflicts"]
    assert conflict == {
        "file": "deaths.csv",
        "row": 3,
        "field": "region",
        "message": "area KZ-71 is outside your scope (KZ-75 and below)",
        "value": "KZ-71",
    }
    assert _count(client, "SELECT count(*) FROM death_record") == 0
    pop = "region,year,sex,age,population\nKZ-75,2023,F,0,12000\nKZ-71,2023,F,0,9000\n"
    r = _post(client, pop, kind="population", headers=_bearer(client, "ed"), skip_invalid=True)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["import_count"]["created"], body["import_count"]["rejected"]) == (
        "WARNING",
        1,
        1,
    )
    assert body["conflicts"][0]["message"] == "area KZ-71 is outside your scope (KZ-75 and below)"


def test_scope_across_the_2018_split_of_south_kazakhstan(client: TestClient) -> None:
    # KZ-ONT ended in 2017 and became KZ-61 and KZ-79: wholly inside the two, not inside one
    text = OBS + "physicians,KZ-ONT,2016,12000,test\nphysicians,KZ-79,2019,4000,test\n"
    r = _post(client, text, headers=_bearer(client, "south"))
    assert (r.status_code, r.json()["import_count"]["created"]) == (200, 2), r.text
    r = _post(client, text.replace("test", "other"), headers=_bearer(client, "turk"))
    assert r.status_code == 409
    messages = {c["message"] for c in r.json()["conflicts"]}
    assert messages == {
        "area KZ-ONT is outside your scope (KZ-61 and below)",
        "area KZ-79 is outside your scope (KZ-61 and below)",
    }
    # org units are an admin's: they change the tree scopes are drawn on
    units = "code,parent,name_en,kind\nKZ-75-X,KZ-75,New district,district\n"
    r = _post(client, units, kind="orgunits", headers=_bearer(client, "ed"))
    assert r.status_code == 403 and "admin" in r.json()["error"]


def test_csrf_for_a_signed_in_browser(client: TestClient) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post(
        "/login", data={"csrf_token": token[1], "name": "ed", "password": PASSWORD, "next": "/"}
    )
    assert r.status_code == 303
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert found is not None
    csrf = found[1]
    text = OBS + "le0,KZ-75,2020,73.1,test\n"
    r = _post(client, text)
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
    r = _post(client, text, csrf_token="wrong")
    assert r.status_code == 403
    assert _count(client, "SELECT count(*) FROM observation") == 0
    r = _post(client, text, csrf_token=csrf)
    assert r.status_code == 200, r.text
    r = _post(client, text.replace("73.1", "73.2"), headers={"X-CSRF-Token": csrf})
    assert (r.status_code, r.json()["import_count"]["updated"]) == (200, 1)


def test_a_committed_import_is_seen_by_the_next_request(client: TestClient) -> None:
    admin = _bearer(client, "ana")
    assert _post(client, OBS + "le0,KZ-75,2020,73.1,test\n", headers=admin).status_code == 200
    url = "/api/v1/series/le0?area=KZ-75"
    first = client.get(url, headers=admin).json()
    assert [round(v["value"], 1) for v in first["values"]] == [73.1]
    assert client.get(url, headers=admin).json() == first  # answered from the memo
    r = _post(client, OBS + "le0,KZ-75,2020,73.4,test\nle0,KZ-75,2021,73.9,test\n", headers=admin)
    assert r.status_code == 200
    after = client.get(url, headers=admin).json()
    assert [round(v["value"], 1) for v in after["values"]] == [73.4, 73.9]


def test_the_job_and_the_import_can_be_followed(client: TestClient) -> None:
    admin = _bearer(client, "ana")
    r = _post(client, OBS + "le0,KZ-75,2020,73.1,test\n", headers=admin, wait=0)
    assert r.status_code in (200, 202)
    job_id = r.json()["job_id"]
    if r.status_code == 202:
        assert r.headers["location"] == f"/api/v1/imports/{job_id}"
        assert r.json()["state"] in ("queued", "running")
    # followed until done: a minute at most (a busy machine runs the job slowly), not a number
    # of polls
    deadline = time.monotonic() + 60
    while True:
        followed = client.get(f"/api/v1/imports/{job_id}", headers=admin)
        if followed.json()["state"] == "done" or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    body = followed.json()
    assert (followed.status_code, body["status"], body["progress"]) == (200, "SUCCESS", 1.0)
    by_id = client.get(f"/api/v1/imports/{body['import_id']}", headers=admin).json()
    assert by_id == body
    log = client.get("/api/v1/imports", headers=admin).json()
    assert log[0]["id"] == body["import_id"] and log[0]["created"] == 1
    assert client.get("/api/v1/imports/job-000000000000", headers=admin).status_code == 404
    assert client.get("/api/v1/imports/99999", headers=admin).status_code == 404


def test_every_api_import_leaves_an_audit_row(client: TestClient) -> None:
    import hashlib

    text = OBS + "le0,KZ-75,2020,73.1,test\nle0,KZ-71,2020,74.0,test\n"
    _post(client, text, headers=_bearer(client, "ed"))  # rejected: nothing written
    _post(client, text, headers=_bearer(client, "ana"))
    store = client.app.state.stores.cursor()  # type: ignore[attr-defined]
    try:
        from salamat.store.audit import audit_rows, verify_chain

        rows = audit_rows(store, action="api import")
        written = audit_rows(store, action="import observations")
        assert verify_chain(store).ok
    finally:
        store.close()
    assert list(rows["actor"]) == ["ed", "ana"]
    assert set(rows["origin"]) == {"testclient"}
    first, second = (json.loads(d) for d in rows["details"])
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert first["files"] == [{"name": "values.csv", "bytes": len(text), "sha256": digest}]
    assert (first["status"], first["import_id"]) == ("ERROR", None)
    assert json.loads(rows["counts"].iloc[0])["rejected"] == 1
    assert (second["status"], json.loads(rows["counts"].iloc[1])["created"]) == ("SUCCESS", 2)
    assert list(written["actor"]) == ["ana"] and list(written["sha256"]) == [digest]


def test_bad_fields_are_422_and_nothing_is_kept(client: TestClient) -> None:
    admin = _bearer(client, "ana")
    r = _post(client, OBS + "le0,KZ-75,2020,73.1,test\n", kind="nonsense", headers=admin)
    assert r.status_code == 422 and "unknown import kind 'nonsense'" in r.json()["error"]
    r = client.post("/api/v1/imports", data={"kind": "observations"}, headers=admin)
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "file"
    r = _post(client, OBS + "le0,,2020,73.1,test\n", headers=admin, area="Atlantis")
    assert r.status_code == 422 and "--area 'Atlantis'" in r.json()["error"]
    assert r.json()["state"] == "failed"


def test_local_mode_imports_unless_read_only(tmp_path: Path) -> None:
    path = tmp_path / "local.duckdb"
    Store.open(path).__enter__().close()
    text = OBS + "le0,KZ-71,2020,74.0,test\n"
    with TestClient(create_app(path, warm=False, writable=True)) as c:
        r = _post(c, text)
        assert (r.status_code, r.json()["user"]) == (200, "local"), r.text
        # a page of another site posting to this computer's server is refused
        r = _post(c, text, headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and "another site" in r.json()["error"]
        r = _post(c, text, headers={"Origin": "http://testserver"})
        assert r.status_code == 200
    with TestClient(create_app(path, warm=False)) as c:
        r = _post(c, text)
        assert r.status_code == 503 and "read-only" in r.json()["error"]


def test_the_upload_page_for_editors_in_three_languages(client: TestClient, tmp_path: Path) -> None:
    from test_web_texts import ALLOWED, CODE, WORD, visible_text

    for name, shown in (("ed", True), ("vic", False)):
        client.cookies.clear()
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        client.post(
            "/login",
            data={"csrf_token": token[1], "name": name, "password": PASSWORD, "next": "/"},
        )
        # editors reach it from the Imports page (the import log with its drafts)
        if shown:
            assert 'href="/imports/new?lang=en"' in client.get("/imports").text
        form = client.get("/imports/new").text
        assert ('id="import-form"' in form) is shown, name
        if shown:
            assert 'enctype="multipart/form-data"' in form
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert csrf is not None and f'data-csrf="{csrf[1]}"' in form
            assert "KZ-75 and everything below" in form
            assert '<option value="deaths">Death records</option>' in form
            assert '<script src="/static/imports.js" defer></script>' in form
        else:
            assert "Only editors and admins may import data." in form
    client.cookies.clear()
    # kk and ru: no English left on the page (local mode, a writable server)
    path = tmp_path / "local.duckdb"
    Store.open(path).__enter__().close()
    with TestClient(create_app(path, warm=False, writable=True)) as local:
        assert local.get("/static/imports.js").status_code == 200
        # in local mode the menu has it
        assert 'href="/imports/new?lang=en"' in local.get("/").text
        for lang in ("kk", "ru"):
            r = local.get("/imports/new", params={"lang": lang})
            assert r.status_code == 200 and 'id="import-form"' in r.text
            text = CODE.sub(" ", visible_text(r.text))
            english = [w for w in WORD.findall(text) if w not in ALLOWED]
            assert english == [], (lang, english)
            # the words the script shows come from the page, in its language
            assert (
                'data-running="' + ("Импорттау жүріп жатыр" if lang == "kk" else "Идёт импорт")
                in r.text
            )


def test_a_job_is_its_senders_and_the_admins(client: TestClient) -> None:
    r = _post(client, OBS + "le0,KZ-75,2020,73.1,test\n", headers=_bearer(client, "ed"))
    job, import_id = r.json()["job_id"], r.json()["import_id"]
    assert client.get(f"/api/v1/imports/{job}", headers=_bearer(client, "ana")).status_code == 200
    assert client.get(f"/api/v1/imports/{job}", headers=_bearer(client, "south")).status_code == 404
    # the import log's row is everyone's
    logged = client.get(f"/api/v1/imports/{import_id}", headers=_bearer(client, "vic")).json()
    assert (logged["import_id"], logged["job_id"], logged["created"]) == (import_id, None, 1)


def test_a_sign_in_while_an_import_commits_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server signs users in (an audit row each) while an import writes: the import's own
    audit row and its commit are not split by another row, which would take the same number
    and make the commit fail."""
    import threading

    from salamat.ingest import pipeline
    from salamat.services.imports import run_import
    from salamat.store.audit import append, audit_rows, verify_chain

    path = tmp_path / "store.duckdb"
    base = Store.connect(path)
    writer = Store(base.con.cursor(), str(path), False)
    other = Store(base.con.cursor(), str(path), False)
    signed_in = threading.Event()
    threads: list[threading.Thread] = []

    def sign_in() -> None:
        append(other, "login", "ana", who=("ana", "10.0.0.7"))
        signed_in.set()

    def in_transaction() -> None:  # between the import's audit row and its commit
        t = threading.Thread(target=sign_in)
        t.start()
        threads.append(t)
        assert not signed_in.wait(0.3)  # waits for the commit

    monkeypatch.setattr(pipeline, "hold_point", in_transaction)
    f = tmp_path / "values.csv"
    f.write_text(OBS + "le0,KZ-75,2020,73.1,test\n", encoding="utf-8")
    try:
        assert run_import(writer, "observations", [f]).status == "SUCCESS"
        threads[0].join(10)
        assert signed_in.is_set()
        rows = audit_rows(other)
        assert list(rows["action"]) == ["import observations", "login"]
        assert verify_chain(other).ok
    finally:
        writer.close()
        other.close()
        base.close()


def test_every_write_route_needs_credentials(client: TestClient) -> None:
    writes = [
        re.sub(r"\{[^}]+\}", "1", path)
        for path, ops in client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        if {"post", "put", "patch", "delete"} & set(ops)
    ]
    assert "/api/v1/imports" in writes and len(writes) >= 3
    for path in writes:
        assert client.post(path).status_code == 401, path
    # a viewer (the approve route's own refusals: tests/test_approval.py, on a real import)
    r = client.post("/api/v1/imports", headers=_bearer(client, "vic"))
    assert r.status_code == 403, r.text
