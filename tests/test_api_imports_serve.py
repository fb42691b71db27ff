"""Imports sent to a running ``salamat serve`` (a real process on a free port): reads go on
during an import and none fails, ``salamat import --server`` prints the local summary, a local
import meeting the server's lock says where to send it, and kill -9 during an API import
leaves the store as it was (issue 13, item 4)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from conftest import table_snapshot
from salamat.cli.app import app as cli
from salamat.services import accounts as acc
from salamat.store.audit import audit_rows, verify_chain
from salamat.store.connection import Store, server_file

PASSWORD = "correct horse battery"
OBS = "indicator,area,period,value,source\n"
DEATHS = "id,sex,birth_date,age,death_date,region,icd10\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _deaths(path: Path, n: int, prefix: str = "R") -> Path:
    """``n`` valid death records for Almaty in 2023 (ids ``prefix``0 ...)."""
    causes = ("I21.9", "C34.1", "J18.9", "E11.9", "K74.6")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(DEATHS)
        for i in range(n):
            fh.write(
                f"{prefix}{i},{'MF'[i % 2]},19{30 + i % 60}-0{1 + i % 9}-1{i % 10},,"
                f"2023-{1 + i % 12:02d}-{1 + i % 28:02d},KZ-75,{causes[i % 5]}\n"
            )
    return path


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, object]]:
    """A store with an admin and a viewer, and a factory that starts `salamat serve` on it."""
    db = tmp_path / "store.duckdb"
    with Store.open(db) as store:
        acc.add_user(store, "ana", "admin", PASSWORD)
        acc.add_user(store, "vic", "viewer", PASSWORD)
        admin = acc.create_token(store, "ana")[1]
        viewer = acc.create_token(store, "vic")[1]
    procs: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
        port = _free_port()
        log = tmp_path / f"serve-{len(procs)}.log"
        with open(log, "wb") as sink:
            proc = subprocess.Popen(
                [sys.executable, "-m", "salamat", "serve", "--db", str(db), "--port", str(port)],
                env={**os.environ, **(env or {})},
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(url + "/api/v1/", timeout=2).status_code == 401:
                    return proc, url
            except httpx.HTTPError:
                time.sleep(0.1)

    yield {"db": db, "admin": admin, "viewer": viewer, "start": start}
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_kill_9_during_an_api_import_leaves_the_store_as_it_was(
    served: dict[str, object], tmp_path: Path
) -> None:
    db = served["db"]
    assert isinstance(db, Path)
    seed = tmp_path / "seed.csv"
    seed.write_text(OBS + "le0,KZ-75,2020,73.1,BNS\n", encoding="utf-8")
    with Store.open(db) as store:
        from salamat.services.imports import run_import

        assert run_import(store, "observations", [seed]).created == 1
        before = table_snapshot(store)
        audit_before = len(audit_rows(store))
    marker = tmp_path / "in-transaction"
    start = served["start"]
    proc, url = start({"SALAMAT_TEST_HOLD_IN_TRANSACTION": str(marker)})  # type: ignore[operator]
    big = _deaths(tmp_path / "deaths.csv", 20_000)
    with open(big, "rb") as fh:
        r = httpx.post(
            url + "/api/v1/imports",
            data={"kind": "deaths", "wait": "0"},
            files=[("file", ("deaths.csv", fh, "text/csv"))],
            headers={"Authorization": f"Bearer {served['admin']}"},
            timeout=60,
        )
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 90
    while not marker.exists():  # every record written, the transaction not yet committed
        assert proc.poll() is None
        assert time.monotonic() < deadline, "the import never reached its transaction"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Store.open(db) as store:
        assert table_snapshot(store) == before
        assert store.con.execute("SELECT count(*) FROM death_record").fetchone() == (0,)
        assert len(audit_rows(store)) == audit_before and verify_chain(store).ok
    assert server_file(db).exists()  # left by the killed server: it names a dead process
    # a new server on the store takes the import again, whole
    _, url = start()  # type: ignore[operator]
    with open(big, "rb") as fh:
        r = httpx.post(
            url + "/api/v1/imports",
            data={"kind": "deaths", "wait": "30"},
            files=[("file", ("deaths.csv", fh, "text/csv"))],
            headers={"Authorization": f"Bearer {served['admin']}"},
            timeout=60,
        )
    assert (r.status_code, r.json()["import_count"]["created"]) == (200, 20_000), r.text


def test_reads_go_on_during_an_api_import(served: dict[str, object], tmp_path: Path) -> None:
    _, url = served["start"]()  # type: ignore[operator]
    auth = {"Authorization": f"Bearer {served['viewer']}"}
    big = _deaths(tmp_path / "deaths.csv", 200_000)
    routes = ["/api/v1/indicators", "/api/v1/orgunits", "/api/v1/series/le0?area=KZ-75", "/"]
    failures: list[str] = []
    reads = [0]
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=url, headers=auth, timeout=30) as client:
            while not stop.is_set():
                for route in routes:
                    try:
                        status = client.get(route).status_code
                    except httpx.HTTPError as exc:
                        failures.append(f"{route}: {exc!r}")
                        continue
                    reads[0] += 1
                    if status != 200:
                        failures.append(f"{route}: {status}")

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        admin = {"Authorization": f"Bearer {served['admin']}"}
        with open(big, "rb") as fh:
            r = httpx.post(
                url + "/api/v1/imports",
                data={"kind": "deaths", "wait": "0"},
                files=[("file", ("deaths.csv", fh, "text/csv"))],
                headers=admin,
                timeout=120,
            )
        job = r.json()["job_id"]
        during = 0
        deadline = time.monotonic() + 300
        while True:
            body = httpx.get(f"{url}/api/v1/imports/{job}", headers=admin, timeout=30).json()
            if body["state"] in ("done", "failed"):
                break
            during = reads[0]
            assert time.monotonic() < deadline
            time.sleep(0.2)
        obs = OBS + "le0,KZ-75,2020,73.1,BNS\n"
        r = httpx.post(
            url + "/api/v1/imports",
            data={"kind": "observations", "wait": "30"},
            files=[("file", ("obs.csv", obs.encode(), "text/csv"))],
            headers=admin,
            timeout=60,
        )
        assert r.status_code == 200
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert (body["state"], body["import_count"]["created"]) == ("done", 200_000), body
    assert failures == []
    assert during > 0  # reads were answered while the import ran
    # the next request sees it (a draft until approved: the admin reads drafts, a viewer not)
    admin = {"Authorization": f"Bearer {served['admin']}"}
    series = httpx.get(url + "/api/v1/series/le0?area=KZ-75", headers=admin, timeout=30).json()
    assert [v["value"] for v in series["values"]] == [73.1]
    series = httpx.get(url + "/api/v1/series/le0?area=KZ-75", headers=auth, timeout=30).json()
    assert series["values"] == []


def test_the_command_line_sends_imports_to_the_server(
    served: dict[str, object], tmp_path: Path
) -> None:
    db = served["db"]
    proc, url = served["start"]()  # type: ignore[operator]
    assert json.loads(server_file(db).read_text()) == {"pid": proc.pid, "url": url}  # type: ignore[arg-type]
    f = tmp_path / "values.csv"
    f.write_text(OBS + "le0,KZ-75,2020,73.1,BNS\nle0,KZ-75,1700,70,BNS\n", encoding="utf-8")
    runner = CliRunner()
    # the store is the server's: a local import says which process, and where to send it
    local = runner.invoke(cli, ["import", "observations", str(f), "--db", str(db)])
    assert local.exit_code == 3
    said = " ".join(local.output.split())
    assert f"salamat serve` (process {proc.pid}) at {url}" in said
    assert f"--server {url}" in said
    # a command that only reads is told to read through the server, or to serve read-only
    read = runner.invoke(cli, ["series", "le0", "--area", "KZ-75", "--db", str(db)])
    assert read.exit_code == 3
    said = " ".join(read.output.split())
    assert f"read through it (the dashboard, or {url}/api/v1/)" in said
    assert "salamat serve --read-only" in said and "--server" not in said
    # no token, a viewer's token: refused with the reason, exit 2
    no_token = runner.invoke(
        cli, ["import", "observations", str(f), "--server", url], env={"SALAMAT_TOKEN": ""}
    )
    assert no_token.exit_code == 2 and "SALAMAT_TOKEN" in no_token.output
    viewer = runner.invoke(
        cli,
        ["import", "observations", str(f)],
        env={"SALAMAT_SERVER": url, "SALAMAT_TOKEN": str(served["viewer"])},
    )
    assert viewer.exit_code == 2 and "vic is a viewer" in " ".join(viewer.output.split())
    # rejected: exit 1 and the summary of a local import, row by row
    env = {"SALAMAT_SERVER": url, "SALAMAT_TOKEN": str(served["admin"])}
    bad = runner.invoke(cli, ["import", "observations", str(f)], env=env)
    assert bad.exit_code == 1
    assert "Import summary (observations): ERROR" in bad.output
    assert "values.csv, row 3, field 'area'" in bad.output
    f.write_text(OBS + "le0,KZ-75,2020,73.1,BNS\n", encoding="utf-8")
    good = runner.invoke(cli, ["import", "observations", str(f), "--format", "json"], env=env)
    assert good.exit_code == 0, good.output
    doc = json.loads(good.stdout)
    assert (doc["status"], doc["import_count"]["created"], doc["files"]) == (
        "SUCCESS",
        1,
        ["values.csv"],
    )
    both = runner.invoke(cli, ["import", "observations", str(f), "--db", str(db)], env=env)
    assert both.exit_code == 2 and "--db and --server" in both.output
