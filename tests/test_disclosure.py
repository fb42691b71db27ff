"""Disclosure control on what leaves the server (issue 13 item 7; salamat.services.disclosure).

On a copy of the demo store (SYNTHETIC unit records: small regions, single sexes and causes
give counts under 10 readily) with accounts, served with ``--public``: anonymous readers and
viewers outside their org units get no count of 1-9 and nothing computed from such a cell, each
suppression saying why; viewers in scope, admins and local mode see everything; published
aggregates are never suppressed; no response cache mixes the two.
"""

from __future__ import annotations

import csv
import io
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from salamat.api.app import create_app
from salamat.methods.disclosure import DEFAULT_MIN_COUNT, check_min_count, small_counts, too_few
from salamat.services import accounts as acc
from salamat.services import disclosure
from salamat.services.compute import compute, save_computed
from salamat.store.connection import Store

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
SMALL = ("KZ-62", 2023, "female")  # Ulytau Region: 2 deaths at 1-4, 0 at 5-9 ... (demo)
LARGE = ("KAZ", 2023, "total")  # every band in the thousands


# -- the rules ---------------------------------------------------------------------------------


def test_counts_of_one_to_nine_are_hidden_zero_is_not() -> None:
    assert small_counts([0, 1, 9, 10, 250], 10).tolist() == [False, True, True, False, False]
    assert small_counts([4, 5], 5).tolist() == [True, False]


def test_a_statistic_needs_no_cell_of_one_to_nine_and_ten_events_in_all() -> None:
    assert not too_few([0, 10, 40], 10)  # a zero cell stops nothing by itself
    assert too_few([1, 10, 40], 10)
    assert too_few([0, 0, 9], 10)
    assert too_few([0, 0, 0], 10)  # no rate on no events (PHE)
    assert too_few([5, 5], 5) is False and too_few([4, 40], 5) is True
    assert too_few([np.nan, 20], 10)  # an unknown cell cannot be vouched for


def test_threshold_is_a_whole_number_and_the_cli_default_agrees() -> None:
    from salamat.cli import web as cli_web

    assert cli_web.DEFAULT_MIN_COUNT == DEFAULT_MIN_COUNT == 10
    assert check_min_count(5) == 5
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="whole number"):
            check_min_count(bad)  # type: ignore[arg-type]


def test_source_decides_what_is_the_stores_own() -> None:
    assert disclosure.records_derived(
        "Salamat (computed from SYNTHETIC deaths; exposures: SYNTHETIC population)"
    )
    assert not disclosure.records_derived("Salamat (computed from UN WPP 2024 mx)")
    assert not disclosure.records_derived("UN WPP 2024")
    assert not disclosure.records_derived(None)


def test_flag_and_import_counts_under_the_threshold_are_hidden() -> None:
    flag = {
        "rule": "unknown_age_sex",
        "area": "KZ-62",
        "message": "3 of 41 death records in KZ-62 2023 (7.32%) have no age or no sex",
        "details": {"deaths": 41, "unknown": 3, "no_age": 3, "no_sex": 0, "share_pct": 7.3},
    }
    out = disclosure.flag_records([flag], 10)[0]
    assert out["details"] == {
        "deaths": 41,
        "unknown": None,
        "no_age": None,
        "no_sex": 0,
        "share_pct": 7.3,
    }
    assert "3 of" not in out["message"] and "fewer than 10" in out["suppressed"] + "fewer than 10"
    assert out["suppressed"].startswith("count under 10")
    other = {"rule": "yoy_outlier", "area": "KZ-62", "message": "m", "details": {"value": 3.0}}
    assert disclosure.flag_records([other], 10)[0] == other  # not a count of records

    log = pd.DataFrame(
        {
            "kind": ["deaths", "deaths", "observations"],
            "created": [4, 870_000, 3],
            "updated": [0, 0, 0],
        }
    )
    shown = disclosure.import_log(log, 10)
    assert shown["created"].tolist() == [None, 870_000, 3]  # a published series' rows stay
    assert shown["updated"].tolist() == [0, 0, 0]
    assert shown["suppressed"].notna().tolist() == [True, False, False]


# -- the server --------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def cheap_hashes() -> Iterator[None]:
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(acc, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=64))
        mp.setattr(acc, "_DUMMY", [])
        yield


@pytest.fixture(scope="module")
def stores(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two copies of the demo store with 30q70 of Ulytau (women) and Kazakhstan saved from the
    records: one with accounts (an admin, a viewer of Ulytau, a viewer of Almaty), one without
    (local mode)."""
    base = tmp_path_factory.mktemp("disclosure")
    local, shared = base / "local.duckdb", base / "shared.duckdb"
    shutil.copy(demo_db, local)
    with Store.open(local) as store:
        for area, sex in (("KZ-62", "female"), ("KAZ", "total")):
            save_computed(store, compute(store, "ncd30q70", area, sex=sex, source="synthetic"))
    shutil.copy(local, shared)
    with Store.open(shared) as store:
        acc.add_user(store, "ana", "admin", PASSWORD)
        acc.add_user(store, "uly", "viewer", PASSWORD, ["KZ-62"])
        acc.add_user(store, "alm", "viewer", PASSWORD, ["KZ-75"])
    shutil.copy(shared, base / "other.duckdb")  # for servers beside the module's own
    return local, shared


def _other(stores: tuple[Path, Path]) -> Path:
    return stores[1].parent / "other.duckdb"


@pytest.fixture(scope="module")
def client(stores: tuple[Path, Path]) -> Iterator[TestClient]:
    app = create_app(stores[1], warm=False, public=True)
    with TestClient(app, follow_redirects=False) as c:
        yield c


def _bearer(client: TestClient, name: str) -> dict[str, str]:
    store = client.app.state.stores.cursor()  # type: ignore[attr-defined]
    try:
        return {"Authorization": f"Bearer {acc.create_token(store, name)[1]}"}
    finally:
        store.close()


def _lt(client: TestClient, which: tuple[str, int, str], **kw: Any) -> Any:
    area, year, sex = which
    return client.get(f"/api/v1/lifetables/{area}/{year}?sex={sex}", **kw)


def test_the_small_table_really_has_small_cells(client: TestClient) -> None:
    """The fixture's premise, checked as the admin sees it."""
    admin = _bearer(client, "ana")
    deaths = [r["deaths"] for r in _lt(client, SMALL, headers=admin).json()["table"]]
    assert any(0 < d < 10 for d in deaths)
    deaths = [r["deaths"] for r in _lt(client, LARGE, headers=admin).json()["table"]]
    assert min(deaths) >= 10


def test_anonymous_reader_gets_no_life_table_resting_on_small_cells(client: TestClient) -> None:
    admin = _bearer(client, "ana")
    full = _lt(client, SMALL, headers=admin).json()  # first: the memo now holds the full table
    small_bands = [r["age"] for r in full["table"] if 0 < r["deaths"] < 10]
    r = _lt(client, SMALL)  # no credentials: --public
    assert r.status_code == 200
    body = r.json()
    assert body["e0"] is None and body["e0_lower"] is None and body["e0_upper"] is None
    for row in body["table"]:
        assert all(row[k] is None for k in ("deaths", "exposure", "mx", "qx", "lx", "ex", "Tx"))
    assert [row["age"] for row in body["table"]] == [row["age"] for row in full["table"]]
    assert "fewer than 10 deaths" in body["suppressed"] and "PHE" in body["suppressed"]
    for band in small_bands:
        assert f"age {band}" in body["suppressed"]
    # the admin still gets the whole table from the same memo entry
    again = _lt(client, SMALL, headers=admin).json()
    assert again["e0"] == full["e0"] and again["suppressed"] is None


def test_a_table_without_small_cells_is_shown_whole_to_everyone(client: TestClient) -> None:
    admin = _lt(client, LARGE, headers=_bearer(client, "ana")).json()
    anon = _lt(client, LARGE).json()
    assert anon == admin and anon["suppressed"] is None


def test_csv_marks_the_suppressed_cells(client: TestClient) -> None:
    area, year, sex = SMALL
    full = _lt(client, SMALL, headers=_bearer(client, "ana")).json()
    r = client.get(f"/api/v1/lifetables/{area}/{year}?sex={sex}&format=csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and all(row["deaths"] == "" and row["ex"] == "" for row in rows)
    assert all(row["suppressed"].startswith("not shown") for row in rows)
    for value in (full["e0"], full["table"][0]["mx"], full["table"][1]["lx"]):
        assert repr(value) not in r.text and f"{value:.6g}" not in r.text
    whole = client.get(
        f"/api/v1/lifetables/{area}/{year}?sex={sex}&format=csv", headers=_bearer(client, "ana")
    )
    assert all(row["suppressed"] == "" for row in csv.DictReader(io.StringIO(whole.text)))


def test_viewers_in_scope_see_everything_outside_it_small_cells_suppressed(
    client: TestClient,
) -> None:
    inside = _lt(client, SMALL, headers=_bearer(client, "uly"))
    assert inside.status_code == 200 and inside.json()["suppressed"] is None
    assert inside.json()["e0"] is not None
    outside = _lt(client, SMALL, headers=_bearer(client, "alm"))  # not 403 (issue 13 item 3)
    assert outside.status_code == 200 and outside.json()["e0"] is None
    assert outside.json()["suppressed"]
    # the Almaty viewer's country table has no small cell: shown whole
    assert _lt(client, LARGE, headers=_bearer(client, "alm")).json()["e0"] is not None


def test_decompositions_from_records_are_all_or_nothing(client: TestClient) -> None:
    url = "/api/v1/decompositions/KAZ?from=2018&to=2023&by=cause"
    full = client.get(url, headers=_bearer(client, "ana")).json()
    assert full["suppressed"] is None and full["difference"] is not None
    anon = client.get(url).json()
    # KAZ by cause rests on cells of 1-9 deaths (circulatory deaths at 10-14 ...): nothing shown
    assert anon["difference"] is None and anon["e0_from"] is None
    assert all(c["contribution"] is None for c in anon["contributions"])
    assert "circulatory" in anon["suppressed"]
    # by age, the national bands are large: shown whole
    by_age = "/api/v1/decompositions/KAZ?from=2018&to=2023&by=age"
    assert client.get(by_age).json() == client.get(by_age, headers=_bearer(client, "ana")).json()
    text = client.get(url + "&format=csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert all(r["contribution"] == "" and r["suppressed"] for r in rows)


def test_saved_values_from_records_are_suppressed_published_ones_not(client: TestClient) -> None:
    url = "/api/v1/series/ncd30q70?area=KZ-62&area=KAZ&sex=all"
    admin = client.get(url, headers=_bearer(client, "ana")).json()["values"]
    anon = client.get(url).json()["values"]
    assert len(anon) == len(admin)
    by_key = {(r["area"], r["period"], r["sex"], r["source"]): r for r in admin}
    hidden = shown_computed = published = 0
    for r in anon:
        full = by_key[(r["area"], r["period"], r["sex"], r["source"])]
        if not disclosure.records_derived(r["source"]):
            published += 1
            assert r["value"] == full["value"] and r["suppressed"] is None
        elif r["area"] == "KZ-62":
            hidden += 1
            assert r["value"] is None and r["lower"] is None and r["upper"] is None
            assert "fewer than 10 deaths" in r["suppressed"]
        else:
            shown_computed += 1
            assert r["value"] == full["value"] and r["suppressed"] is None
    assert hidden and shown_computed and published  # all three kinds were present
    csv_text = client.get(url + "&format=csv").text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    uly = [r for r in rows if r["area"] == "KZ-62" and r["source"].startswith("Salamat")]
    assert uly and all(r["value"] == "" and r["suppressed"] for r in uly)
    # the viewer of Ulytau sees its values
    mine = client.get(url, headers=_bearer(client, "uly")).json()["values"]
    assert all(r["value"] is not None for r in mine if r["area"] == "KZ-62")


def test_flags_on_a_hidden_value_lose_what_repeats_it(client: TestClient) -> None:
    admin = _bearer(client, "ana")
    rows = client.get("/api/v1/series/ncd30q70?area=KZ-62&sex=female", headers=admin).json()
    computed = [r for r in rows["values"] if disclosure.records_derived(r["source"])]
    assert computed
    v = computed[-1]
    flag = {
        "rule": "yoy_outlier",
        "severity": "warning",
        "indicator": "ncd30q70",
        "area": "KZ-62",
        "period": v["period"],
        "sex": "female",
        "source": v["source"],
        "message": f"value {v['value']} after 20.0",
        "details": {"value": v["value"], "previous": 20.0},
    }
    published = {**flag, "source": "BNS Kazakhstan", "area": "KZ-62"}
    store = client.app.state.stores.cursor()  # type: ignore[attr-defined]
    try:
        hidden, shown = disclosure.flags(store, [flag, published], 10, lambda _a: True)
        mine = disclosure.flags(store, [flag], 10, lambda a: a != "KZ-62")[0]
    finally:
        store.close()
    assert hidden["details"] is None and str(v["value"]) not in hidden["message"]
    assert "fewer than 10 deaths" in hidden["suppressed"]
    assert shown == {**published, "suppressed": None}  # a publisher's value: untouched
    assert mine == {**flag, "suppressed": None}  # within the reader's scope


def test_a_target_judged_on_hidden_values_keeps_only_its_policy(client: TestClient) -> None:
    admin = _bearer(client, "ana")
    rows = client.get("/api/v1/series/ncd30q70?area=KZ-62&sex=female", headers=admin).json()
    computed = [r for r in rows["values"] if disclosure.records_derived(r["source"])]
    rec = {
        "code": "t",
        "indicator": "ncd30q70",
        "area": "KZ-62",
        "sex": "female",
        "target": {"year": 2030, "value": 15.0},
        "latest": {"year": 2023, "value": computed[-1]["value"], "source": computed[-1]["source"]},
        "baseline": {"year": 2018, "value": 20.0},
        "series": [
            {"year": int(r["period"]), "value": r["value"], "source": r["source"]} for r in computed
        ],
        "projection": {"year": 2030, "value": 12.0},
        "status": "on_track",
        "flags": [{"code": "yoy_outlier", "message": "value"}],
    }
    store = client.app.state.stores.cursor()  # type: ignore[attr-defined]
    try:
        out = disclosure.target_board(store, [rec], 10, lambda _a: True)[0]
        mine = disclosure.target_board(store, [rec], 10, lambda a: a != "KZ-62")[0]
        published = {**rec, "series": [{**p, "source": "BNS"} for p in rec["series"]]}
        open_ = disclosure.target_board(store, [published], 10, lambda _a: True)[0]
    finally:
        store.close()
    assert out["status"] == "insufficient_data" and out["series"] == [] and out["flags"] == []
    assert out["latest"]["value"] is None and out["projection"] is None
    assert out["target"] == rec["target"] and "fewer than 10 deaths" in out["suppressed"]
    assert mine == {**rec, "suppressed": None}
    assert open_ == {**published, "suppressed": None}


def test_answers_that_depend_on_the_reader_are_not_for_shared_caches(client: TestClient) -> None:
    for headers in ({}, _bearer(client, "ana")):
        r = _lt(client, SMALL, headers=headers)
        assert r.headers["cache-control"] == "private"
        assert r.headers["vary"] == "Authorization, Cookie"


def test_scenarios_on_small_cause_cells_are_not_drawn_for_anonymous_readers(
    client: TestClient,
) -> None:
    code = "kz_le0_77_2029_ndp"  # the life-expectancy card of Kazakhstan (bundled target)
    # diabetes deaths of the SYNTHETIC records are 1-9 in some young age bands nationally
    params = {"scenario": code, "cause": "diabetes", "decline": "3", "lang": "en"}
    anon = client.get("/", params=params).text
    card = anon[anon.index(f'data-code="{code}"') :]
    card = card[: card.index("</article>")]
    assert (
        "No scenario: the chosen causes rest on cells of the unit records with fewer than 10"
        in card
    )
    kk = client.get("/", params={**params, "lang": "kk"}).text
    assert "Сценарий жоқ: таңдалған себептер" in kk
    assert 'data-role="scenario-result"' not in card
    mine = client.get("/", params=params, headers=_bearer(client, "ana")).text
    assert "No scenario" not in mine and 'data-role="scenario-result"' in mine


def test_forecasts_fitted_on_hidden_values_are_not_drawn(client: TestClient) -> None:
    # Jambyl Region's women: Lee-Carter on the SYNTHETIC records, with bands of 1-9 deaths
    url = "/explorer?indicator=le0&area=KZ-31&sex=female&forecast=lee-carter&lang=en"
    mine = client.get(url, headers=_bearer(client, "ana")).text
    assert "Forecast (lee-carter) from SYNTHETIC unit records" in mine
    anon = client.get(url).text
    assert "No forecast: it is fitted on cells of the unit records with fewer than 10" in anon
    ru = client.get(url.replace("lang=en", "lang=ru")).text
    assert "Прогноза нет: он построен по ячейкам" in ru
    assert "Forecast (lee-carter)" not in anon
    # the country's bands are all large: its forecast is drawn for everyone
    whole = client.get(url.replace("KZ-31", "KAZ")).text
    assert "Forecast (lee-carter) from SYNTHETIC unit records" in whole


def test_public_reader_cannot_write_and_bad_tokens_stay_refused(client: TestClient) -> None:
    r = client.post("/api/v1/users", json={"name": "x", "role": "admin"})
    assert r.status_code == 401  # a write signs in, --public or not
    r = client.post("/logout")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = client.get("/api/v1/indicators", headers={"Authorization": "Bearer slm_nonsense"})
    assert r.status_code == 401
    assert client.get("/api/v1/me").json()["name"] == "anonymous"
    assert client.get("/api/v1/audit").status_code == 403


def test_without_public_anonymous_readers_are_asked_to_sign_in(
    stores: tuple[Path, Path],
) -> None:
    with TestClient(create_app(_other(stores), warm=False), follow_redirects=False) as c:
        assert c.get("/api/v1/lifetables/KZ-62/2023").status_code == 401
        assert c.get("/lifetable").status_code == 303


def test_local_mode_suppresses_nothing(stores: tuple[Path, Path]) -> None:
    with TestClient(create_app(stores[0], warm=False, public=True)) as c:
        body = _lt(c, SMALL).json()
        assert body["e0"] is not None and body["suppressed"] is None
        page = c.get("/lifetable?area=KZ-62&year=2023&sex=female")
        assert 'data-role="suppressed"' not in page.text


def test_min_count_is_the_servers_choice(stores: tuple[Path, Path]) -> None:
    with TestClient(create_app(_other(stores), warm=False, public=True, min_count=2)) as c:
        body = _lt(c, SMALL).json()
        # with N = 2 only cells of exactly 1 death hide a table: this one has 0, 2, 4 ... and
        # is shown unless it holds a cell of 1
        assert (body["e0"] is None) == bool(body["suppressed"])


def test_life_table_page_says_why_in_each_language(client: TestClient) -> None:
    admin = _bearer(client, "ana")
    full = _lt(client, SMALL, headers=admin).json()
    for lang, words in (
        ("en", "Not shown"),
        ("kk", "Көрсетілмейді"),
        ("ru", "Не показано"),
    ):
        page = client.get(f"/lifetable?area=KZ-62&year=2023&sex=female&lang={lang}")
        assert page.status_code == 200
        assert 'data-role="suppressed"' in page.text and words in page.text
        assert "data-e0" not in page.text
        assert f"{full['e0']:.2f}" not in page.text.replace(",", ".")
    mine = client.get("/lifetable?area=KZ-62&year=2023&sex=female", headers=admin)
    assert 'data-role="suppressed"' not in mine.text and "data-e0" in mine.text


# -- every route has a decision ------------------------------------------------------------------

# What each route returns to a reader who may not see small cells. A new route fails
# test_every_route_has_a_disclosure_decision until it is added here, with its reason.
DECISIONS = {
    "/api/v1/": "metadata",
    "/api/v1/orgunits": "metadata",
    "/api/v1/orgunits/{code}": "metadata",
    "/api/v1/indicators": "metadata: definitions and numbers of stored values",
    "/api/v1/indicators/{code}": "metadata: definitions and numbers of stored values",
    "/api/v1/flags": "suppressed: death-record counts under N",
    "/api/v1/series/{indicator}": "suppressed: values computed from records",
    "/api/v1/imports": "suppressed: deaths-import counts under N (POST: editors and admins)",
    "/api/v1/imports/{import_ref}": "suppressed: the log's counts; a job: its sender and admins",
    "/api/v1/lifetables/{area}/{year}": "suppressed: tables on small cells",
    "/api/v1/decompositions/{area}": "suppressed: decompositions on small cells",
    "/api/v1/targets": "suppressed: values computed from records",
    "/api/v1/targets/{code}": "suppressed: values computed from records",
    "/api/v1/events": "metadata: policy events",
    "/api/v1/maps/{indicator}": "suppressed: values computed from records",
    "/api/v1/compare/{indicator}": "suppressed: values computed from records",
    "/api/v1/me": "the reader's own account",
    "/api/v1/users": "admin only",
    "/api/v1/users/{name}/disable": "admin only",
    "/api/v1/tokens/{token_id}/revoke": "admin only",
    "/api/v1/audit": "admin only",
    "/api/v1/imports/{import_id}/approve": "a write (editors, admins): the import's state only",
    "/api/docs": "static",
    "/api/v1/openapi.json": "static",
    "/login": "sign-in",
    "/logout": "sign-in",
    "/": "suppressed: the target board's values computed from records",
    "/report": "suppressed: the report's decomposition",
    "/explorer": "suppressed: values computed from records",
    "/map": "suppressed: values computed from records",
    "/compare": "suppressed: values computed from records",
    "/lifetable": "suppressed: tables and decompositions on small cells",
    "/imports": "editors and admins; suppressed: deaths-import counts under N",
    "/imports/{import_id}/approve": "a write (editors, admins): redirects to /imports",
    "/imports/new": "no data: the upload form (editors and admins)",
}


def _paths(routes: list[Any]) -> Iterator[str]:
    """Every route's path, into included routers (FastAPI keeps those as wrappers)."""
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            yield from _paths(inner.routes)
        elif getattr(r, "path", None):
            yield str(r.path)


def test_every_route_has_a_disclosure_decision(client: TestClient) -> None:
    paths = set(_paths(client.app.routes)) - {"/static"}  # type: ignore[attr-defined]
    missing = sorted(p for p in paths if p not in DECISIONS)
    assert not missing, f"routes without a disclosure decision: {missing}"
    assert not set(DECISIONS) - paths, "decisions on routes that no longer exist"
    assert "/api/v1/lifetables/{area}/{year}" in paths  # the walk sees the real routes
    assert len(paths) >= 30


def test_every_public_route_answers_anonymous_readers_without_small_cells(
    client: TestClient,
) -> None:
    """Each read route with a decision other than admin-only answers an anonymous reader,
    and none of them carries a value the admin sees from a cell under 10 (the Ulytau 30q70
    saved from the records, the Ulytau life table's e0)."""
    admin = _bearer(client, "ana")
    secret_values = [
        r["value"]
        for r in client.get("/api/v1/series/ncd30q70?area=KZ-62&sex=female", headers=admin).json()[
            "values"
        ]
        if disclosure.records_derived(r["source"])
    ]
    secret_values.append(_lt(client, SMALL, headers=admin).json()["e0"])
    assert secret_values
    reads = [
        "/api/v1/flags?area=KZ-62",
        "/api/v1/series/ncd30q70?area=KZ-62&sex=all",
        "/api/v1/series/ncd30q70?area=KZ-62&sex=all&format=csv",
        "/api/v1/imports",
        "/api/v1/lifetables/KZ-62/2023?sex=female",
        "/api/v1/lifetables/KZ-62/2023?sex=female&format=csv",
        "/api/v1/decompositions/KAZ?from=2018&to=2023",
        "/api/v1/targets?area=KAZ",
        "/api/v1/maps/ncd30q70?country=KAZ&sex=female",
        "/api/v1/compare/ncd30q70?group=OTS",
        "/lifetable?area=KZ-62&year=2023&sex=female",
        "/explorer?indicator=ncd30q70&area=KZ-62&sex=female",
        "/map?indicator=ncd30q70&sex=female",
        "/",
        "/report?format=html",
    ]
    for url in reads:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        for v in secret_values:
            for text in (repr(v), f"{v:.4f}", f"{v:.3f}"):
                assert text not in r.text, (url, text)


def test_serve_public_needs_accounts(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from salamat.cli.app import app

    db = str(tmp_path / "s.duckdb")
    run = CliRunner().invoke
    Store.open(db).__enter__().close()  # an empty store: local mode
    r = run(app, ["serve", "--public", "--db", db])
    assert r.exit_code == 2
    assert "--public" in r.output and "local mode" in r.output
    r = run(app, ["serve", "--min-count", "0", "--db", db])
    assert r.exit_code == 2  # a threshold of at least 1
