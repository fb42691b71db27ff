"""The REST API: every route on the demo store, with bad parameters (422) and unknown codes (404)."""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from salamat.api.app import CSP, create_app
from salamat.errors import StoreError

with warnings.catch_warnings():
    # starlette's TestClient warns on import that it would rather use httpx2; not installed
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(demo_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(demo_db)) as c:
        yield c


def _error(response: object, status: int) -> dict[str, object]:
    r = response
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["problems"], list)
    return body  # type: ignore[no-any-return]


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="salamat demo"):
        create_app(tmp_path / "none.duckdb")


def test_index_and_openapi(client: TestClient) -> None:
    assert "/api/v1/orgunits" in client.get("/api/v1/").json()["routes"]
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["info"]["title"] == "Salamat API"
    for path in (
        "/api/v1/orgunits",
        "/api/v1/orgunits/{code}",
        "/api/v1/indicators",
        "/api/v1/indicators/{code}",
        "/api/v1/series/{indicator}",
        "/api/v1/lifetables/{area}/{year}",
        "/api/v1/decompositions/{area}",
        "/api/v1/targets",
        "/api/v1/targets/{code}",
        "/api/v1/maps/{indicator}",
        "/api/v1/compare/{indicator}",
    ):
        assert path in doc["paths"], path
    # no page that would load Swagger UI from a CDN
    assert client.get("/docs").status_code == 404


def test_orgunit_tree_has_names_validity_and_successors(client: TestClient) -> None:
    tree = client.get("/api/v1/orgunits", params={"root": "KAZ", "depth": 1}).json()
    assert tree["code"] == "KAZ" and tree["names"]["kk"] == "Қазақстан"
    kids = {c["code"]: c for c in tree["children"]}
    assert kids["KZ-ONT"]["valid_to"] == "2017-12-31"
    assert kids["KZ-ONT"]["successors"] == ["KZ-61", "KZ-79"]
    assert kids["KZ-61"]["predecessors"] == ["KZ-ONT"]
    shallow = client.get("/api/v1/orgunits", params={"root": "WORLD", "depth": 0}).json()
    assert shallow["children"] == [] and shallow["more"] > 100
    # the default is one level: the countries and groups, not their 5,000 subdivisions
    default = client.get("/api/v1/orgunits")
    world = default.json()
    kaz = next(c for c in world["children"] if c["code"] == "KAZ")
    assert kaz["children"] == [] and kaz["more"] >= 20
    assert len(default.content) < 400_000
    deeper = client.get("/api/v1/orgunits", params={"depth": 2}).json()
    kaz2 = next(c for c in deeper["children"] if c["code"] == "KAZ")
    assert "KZ-75" in {c["code"] for c in kaz2["children"]}
    ots = client.get("/api/v1/orgunits", params={"root": "OTS", "depth": 0}).json()
    assert {"code": "HUN", "role": "observer"} in ots["members"]


def test_orgunit_one_and_alias(client: TestClient) -> None:
    one = client.get("/api/v1/orgunits/KZ-VOS").json()
    assert one["successors"] == ["KZ-10", "KZ-63"] and one["parent"] == "KAZ"
    assert client.get("/api/v1/orgunits/KAZ001").json()["code"] == "KZ-10"  # UNHCR P-code
    assert "KZ-75" in client.get("/api/v1/orgunits/KAZ").json()["children"]


def test_orgunit_errors(client: TestClient) -> None:
    assert "unknown area" in str(_error(client.get("/api/v1/orgunits/NOPE"), 404)["error"])
    _error(client.get("/api/v1/orgunits", params={"root": "NOPE"}), 404)
    body = _error(client.get("/api/v1/orgunits", params={"depth": 9}), 422)
    assert body["problems"][0]["field"] == "depth"  # type: ignore[index]


def test_indicators(client: TestClient) -> None:
    everything = client.get("/api/v1/indicators").json()
    with_data = client.get("/api/v1/indicators", params={"with_data": True}).json()
    assert {"le0", "tb_incidence"} <= {i["code"] for i in with_data}
    assert len(with_data) < len(everything)
    le0 = client.get("/api/v1/indicators/le0").json()
    assert le0["unit"] == "years" and le0["names"]["ru"].startswith("Ожидаемая")
    sources = {s["source"]: s for s in le0["source_list"]}
    assert sources["UN WPP 2024"]["first_year"] == 1950
    assert any(s.startswith("BNS Kazakhstan") for s in sources)
    assert "unknown indicator" in str(_error(client.get("/api/v1/indicators/nope"), 404)["error"])


def test_series_json_many_areas_by_sex(client: TestClient) -> None:
    r = client.get(
        "/api/v1/series/le0",
        params={"area": ["KAZ", "KZ-75"], "sex": "all", "from": 2015, "to": 2020},
    )
    body = r.json()
    assert body["areas"] == ["KAZ", "KZ-75"]
    rows = body["values"]
    assert {r["sex"] for r in rows} == {"female", "male", "total"}
    kz = [
        r
        for r in rows
        if r["area"] == "KAZ"
        and r["period"] == "2019"
        and r["sex"] == "total"
        and r["source"].startswith("BNS")
    ]
    assert kz[0]["value"] == pytest.approx(73.18)
    assert {"lower", "upper", "unit", "source", "vintage", "area_name_kk"} <= set(kz[0])
    comma = client.get("/api/v1/series/le0", params={"area": "KAZ,KZ-75", "sex": "female"})
    assert {r["sex"] for r in comma.json()["values"]} == {"female"}
    two = client.get("/api/v1/series/le0", params={"area": "KAZ", "sex": ["female", "male"]})
    assert {r["sex"] for r in two.json()["values"]} == {"female", "male"}


def test_series_group_gives_members(client: TestClient) -> None:
    body = client.get("/api/v1/series/tb_incidence", params={"area": "OTS", "from": 2020}).json()
    assert set(body["areas"]) == {"AZE", "HUN", "KAZ", "KGZ", "TKM", "TUR", "UZB"}


def test_series_csv(client: TestClient) -> None:
    r = client.get("/api/v1/series/le0", params={"area": "KZ-ONT", "format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["period"] for row in rows} >= {"1999", "2016"}
    assert all(row["area"] == "KZ-ONT" for row in rows)


def test_series_carries_the_published_intervals(client: TestClient) -> None:
    """The demo's WPP 2024 probabilistic projections: lower and upper (the 95% prediction
    interval) in the JSON and the CSV, Kazakhstan 2030 as the UN published it."""
    from salamat.demo.wpp_intervals import SOURCE

    params = {"area": "OTS", "sex": "total", "from": 2024, "to": 2050, "source": SOURCE}
    rows = client.get("/api/v1/series/le0", params=params).json()["values"]
    assert len(rows) == 7 * 27
    assert all(r["lower"] < r["value"] < r["upper"] for r in rows)
    kaz = [r for r in rows if r["area"] == "KAZ" and r["period"] == "2030"]
    assert (kaz[0]["value"], kaz[0]["lower"], kaz[0]["upper"]) == (75.3566, 72.185, 78.277)
    assert "95% prediction interval" in kaz[0]["note"]
    text = client.get("/api/v1/series/le0", params={**params, "format": "csv"}).text
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == 7 * 27
    assert all(float(r["lower"]) < float(r["value"]) < float(r["upper"]) for r in table)


def test_series_errors(client: TestClient) -> None:
    _error(client.get("/api/v1/series/nope", params={"area": "KAZ"}), 404)
    _error(client.get("/api/v1/series/le0", params={"area": "XX-99"}), 404)
    _error(client.get("/api/v1/series/le0"), 422)  # area is required
    _error(client.get("/api/v1/series/le0", params={"area": "KAZ", "sex": "both"}), 422)
    _error(client.get("/api/v1/series/le0", params={"area": "KAZ", "format": "xml"}), 422)
    _error(client.get("/api/v1/series/le0", params={"area": "KAZ", "from": "soon"}), 422)
    body = _error(
        client.get("/api/v1/series/le0", params={"area": "KAZ", "from": 2020, "to": 2010}), 422
    )
    assert "after" in str(body["error"])


def test_lifetable_is_computed_and_labelled_synthetic(client: TestClient) -> None:
    body = client.get("/api/v1/lifetables/KAZ/2020", params={"sex": "female"}).json()
    assert body["synthetic"] is True and "SYNTHETIC" in body["source"]
    table = body["table"]
    assert [r["age"] for r in table][:3] == ["0", "1-4", "5-9"] and table[-1]["age"] == "85+"
    assert table[-1]["width"] is None
    assert body["e0"] == pytest.approx(table[0]["ex"])
    assert body["e0_lower"] < body["e0"] < body["e0_upper"]
    assert sum(r["dx"] for r in table) == pytest.approx(100_000)
    # the flags of the death records it uses, each naming its input
    assert [(f["code"], f["year"], f["input"]) for f in body["flags"]] == [
        ("injury_unspecified_share", 2020, "deaths of KAZ 2020 (unit records)")
    ]
    pub = client.get("/api/v1/lifetables/KAZ/2023").json()["published"]
    assert pub["value"] == 75.09 and pub["source"].startswith("BNS Kazakhstan")
    assert pub["differs"] is True  # the synthetic records give about 72.4
    # an abolished region is the sum of its successors' records after the reform
    vos = client.get("/api/v1/lifetables/KZ-VOS/2023").json()
    assert set(vos["regions"]) == {"KZ-10", "KZ-63"}


def test_lifetable_errors(client: TestClient) -> None:
    body = _error(client.get("/api/v1/lifetables/KAZ/1990"), 404)
    assert "2018-2023" in str(body["error"])
    _error(client.get("/api/v1/lifetables/NOPE/2020"), 404)
    _error(client.get("/api/v1/lifetables/KAZ/twenty"), 422)
    _error(client.get("/api/v1/lifetables/KAZ/2020", params={"sex": "x"}), 422)
    _error(client.get("/api/v1/lifetables/KAZ/2020", params={"level": 1.5}), 422)


def test_decomposition_adds_up(client: TestClient) -> None:
    body = client.get("/api/v1/decompositions/KAZ", params={"from": 2018, "to": 2023}).json()
    assert body["synthetic"] is True and "SYNTHETIC" in body["note"]
    assert body["published"] == {
        "from": 73.15,
        "to": 75.09,
        "source": body["published"]["source"],
        "differs": True,
        "from_period": "2018",
        "to_period": "2023",
    }
    by_age = client.get(
        "/api/v1/decompositions/KAZ", params={"from": 2018, "to": 2023, "by": "age"}
    ).json()
    assert by_age["synthetic"] is False and by_age["from"] == "2015-2019"
    total = sum(r["contribution"] for r in body["contributions"])
    assert total == pytest.approx(body["difference"], abs=1e-9)
    assert body["e0_to"] - body["e0_from"] == pytest.approx(body["difference"])
    assert "other" in body["causes"] and body["synthetic"] is True
    # the inputs' flags travel with it: the national SYNTHETIC records' injury share
    assert {f["input"] for f in body["flags"]} <= {
        "deaths of KAZ 2018 (unit records)",
        "deaths of KAZ 2023 (unit records)",
    }
    assert body["flags"][0]["code"] == "injury_unspecified_share"
    assert [f["code"] for f in body["published_flags"]] == ["source_break"]
    by_age = client.get(
        "/api/v1/decompositions/KZ-75", params={"from": 2019, "to": 2021, "by": "age"}
    ).json()
    assert {r["cause"] for r in by_age["contributions"]} == {"all"}


def test_decomposition_errors(client: TestClient) -> None:
    _error(client.get("/api/v1/decompositions/KAZ", params={"from": 2018}), 422)
    _error(client.get("/api/v1/decompositions/KAZ", params={"from": 2020, "to": 2020}), 422)
    _error(
        client.get("/api/v1/decompositions/KAZ", params={"from": 2018, "to": 2023, "by": "x"}), 422
    )
    _error(client.get("/api/v1/decompositions/NOPE", params={"from": 2018, "to": 2023}), 404)


def test_targets_have_status_projection_and_fan(client: TestClient) -> None:
    board = client.get("/api/v1/targets").json()
    codes = {t["code"] for t in board}
    assert {"kz_le0_75_2025_healthy_nation", "end_tb_incidence"} <= codes
    le0 = next(t for t in board if t["code"] == "kz_le0_75_2025_healthy_nation")
    for key in (
        "baseline",
        "target",
        "latest",
        "status",
        "projection",
        "probability",
        "required_annual_change",
        "method",
    ):
        assert key in le0
    assert le0["target"] == {"year": 2025, "value": 75.0, "change": None, "direction": "increase"}
    assert le0["latest"]["source"].startswith("BNS Kazakhstan")
    fan = le0["fan"]
    assert fan[0]["year"] == le0["latest"]["year"] and fan[-1]["year"] == 2025
    assert fan[0]["value"] == le0["latest"]["value"]  # the projection starts from the latest
    assert le0["status_by_pace"] == "achieved" and le0["status_by_trend"] == "likely"
    assert "likely kept by 2025" in le0["status_detail"]
    assert le0["trend_fit"]["excluded"] == [2020, 2021] and le0["window"]["to"] == 2024
    # the 2023 value opens a new source (BNS release after the BNS regional workbook)
    assert [(f["code"], f["year"]) for f in le0["flags"]] == [("source_break", 2023)]
    assert le0["status_without_flagged"] is None  # a change of source leaves no value out
    assert le0["pace_across_source_break"] == [2023]
    assert le0["required_annual_change"] is None
    assert fan[-1]["lower"] == pytest.approx(le0["projection"]["lower"], abs=1e-3)
    one = client.get("/api/v1/targets/end_tb_incidence").json()
    assert [t["area"] for t in one] == ["KAZ"]
    # which distribution gave the interval and P: BNS registration data plain, WHO's TB
    # burden estimates widened for changes of trend (salamat.methods.trend_calibration)
    assert le0["calibration"]["family"] == "plain" and le0["calibration"]["drift_change"] == 0
    assert le0["probability_method"].startswith("random walk with drift, last 10 years")
    assert one[0]["calibration"]["family"] == "who_tb"
    assert one[0]["calibration"]["drift_change"] > 0
    assert "widened" in one[0]["probability_method"]


def test_target_errors(client: TestClient) -> None:
    _error(client.get("/api/v1/targets/nope"), 404)
    _error(client.get("/api/v1/targets", params={"area": "NOPE"}), 404)


def test_map_values_follow_the_borders_of_each_year(client: TestClient) -> None:
    body = client.get("/api/v1/maps/le0").json()
    assert body["years"][0] == 1999 and body["years"][-1] == 2022
    drawn = body["drawn"]
    assert "KZ-ONT" in drawn["2016"] and "KZ-61" not in drawn["2016"]
    assert {"KZ-61", "KZ-79"} <= set(drawn["2017"]) and "KZ-ONT" not in drawn["2017"]
    assert {"KZ-VOS", "KZ-ALM", "KZ-KAR"} <= set(drawn["2021"])
    assert {"KZ-10", "KZ-63", "KZ-19", "KZ-33", "KZ-35", "KZ-62"} <= set(drawn["2022"])
    assert not {"KZ-VOS", "KZ-ALM", "KZ-KAR", "KZ-ONT"} & set(drawn["2022"])
    assert len(drawn["2022"]) == 20
    assert all(s.startswith("BNS Kazakhstan") for s in body["sources"])
    _error(client.get("/api/v1/maps/nope"), 404)
    _error(client.get("/api/v1/maps/le0", params={"sex": "x"}), 422)


def test_compare(client: TestClient) -> None:
    body = client.get("/api/v1/compare/le0").json()
    assert body["source"] == "UN WPP 2024"
    assert {r["area"] for r in body["latest"]} == {"AZE", "HUN", "KAZ", "KGZ", "TKM", "TUR", "UZB"}
    _error(client.get("/api/v1/compare/nope"), 404)
    _error(client.get("/api/v1/compare/le0", params={"group": "NOPE"}), 404)


def test_unknown_route_is_json(client: TestClient) -> None:
    _error(client.get("/api/v1/nothing"), 404)


def test_responses_forbid_outside_resources(client: TestClient) -> None:
    csp = client.get("/api/v1/").headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp


def test_lifetable_and_decomposition_as_csv(client: TestClient) -> None:
    r = client.get("/api/v1/lifetables/KZ-75/2021", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    header, *lines = r.text.splitlines()
    assert header.startswith("age,age_start,width,deaths,exposure,mx,qx,ax,lx,dx,Lx,Tx,ex")
    assert "source" in header and "synthetic" in header and len(lines) == 19
    r = client.get(
        "/api/v1/decompositions/KZ-75", params={"from": 2019, "to": 2021, "format": "csv"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    header, *lines = r.text.splitlines()
    assert header.startswith("age,cause,contribution") and "SYNTHETIC" in lines[0]


def test_lifetable_only_where_the_records_answer(client: TestClient) -> None:
    # Abay exists from 2022: 2018 is refused with the reason, not a bare "no data"
    body = _error(client.get("/api/v1/lifetables/KZ-10/2018"), 404)
    assert "exists from 2022" in str(body["error"]) and "2022-2023" in str(body["error"])
    # Almaty region ended in 2021: 2023 sums its successors and says which
    alm = client.get("/api/v1/lifetables/KZ-ALM/2023").json()
    assert alm["rebuilt_from"] == ["KZ-19", "KZ-33"]
    assert client.get("/api/v1/lifetables/KZ-ALM/2020").json()["rebuilt_from"] is None
    assert client.get("/api/v1/lifetables/KZ-75/2020").json()["rebuilt_from"] is None
    body = _error(
        client.get("/api/v1/decompositions/KZ-10", params={"from": 2018, "to": 2023}), 422
    )
    assert "[" not in str(body["error"]) and "2022-2023" in str(body["error"])


def test_lifetable_method_reads_as_prose(client: TestClient) -> None:
    method = client.get("/api/v1/lifetables/KAZ/2020").json()["method"]
    assert "a0: Andreev-Kingkade" in method and "interval interval" not in method


def test_imports_log_and_series_vintages(tmp_path: Path) -> None:
    from salamat.services import imports as services
    from salamat.store.connection import Store

    path = tmp_path / "s.duckdb"
    header = "indicator,area,period,value,sex,source\n"
    with Store.open(path) as store:
        for name, value in (("a.csv", "74.44"), ("b.csv", "74.5")):
            f = tmp_path / name
            f.write_text(header + f"le0,KAZ,2022,{value},total,BNS\n", encoding="utf-8")
            assert services.run_import(store, "observations", [f]).ok
    with TestClient(create_app(path)) as c:
        log = c.get("/api/v1/imports").json()
        assert [(r["id"], r["kind"], r["created"], r["updated"]) for r in log] == [
            (2, "observations", 0, 1),
            (1, "observations", 1, 0),
        ]
        latest = c.get("/api/v1/series/le0?area=KAZ").json()["values"]
        assert [(v["value"], v["import_id"]) for v in latest] == [(74.5, 2)]
        every = c.get("/api/v1/series/le0?area=KAZ&vintage=all").json()["values"]
        assert sorted((v["value"], v["import_id"], v["superseded_by"]) for v in every) == [
            (74.44, 1, 2),
            (74.5, 2, None),
        ]
        text = c.get("/api/v1/series/le0?area=KAZ&vintage=all&format=csv").text
        assert "superseded_by" in text.splitlines()[0]
        _error(c.get("/api/v1/series/le0?area=KAZ&vintage=2023-02-30"), 422)


def test_api_documentation_is_served_offline(client: TestClient) -> None:
    r = client.get("/api/docs")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "default-src 'self'" in r.headers["content-security-policy"]
    refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in refs
    for ref in refs:
        assert ref.startswith("/"), ref
        assert client.get(ref).status_code == 200, ref
    assert client.get("/static/vendor/swagger-ui/LICENSE").status_code == 200


def test_indicators_carry_their_bounds(client: TestClient) -> None:
    one = client.get("/api/v1/indicators/le0").json()
    assert (one["lower_bound"], one["upper_bound"]) == (5.0, 100.0)
    listing = {r["code"]: r for r in client.get("/api/v1/indicators").json()}
    assert (listing["mx"]["lower_bound"], listing["mx"]["upper_bound"]) == (0.0, None)


def test_flags_route_and_flags_on_series_values(client: TestClient) -> None:
    flags = client.get("/api/v1/flags", params={"area": "KAZ", "indicator": "ncd30q70"}).json()
    assert [(f["rule"], f["period"], f["sex"]) for f in flags if f["sex"] == "total"] == [
        ("yoy_outlier", "2023", "total")
    ]
    assert flags[0]["details"]["k"] == 3.5
    body = client.get("/api/v1/series/ncd30q70", params={"area": "KAZ"}).json()
    by_period = {v["period"]: v["flags"] for v in body["values"]}
    assert by_period["2022"] == []
    [flag] = by_period["2023"]
    assert flag["code"] == "yoy_outlier" and flag["message"].startswith("24.81 in 2023")
    assert client.get("/api/v1/flags", params={"area": "NOPE"}).status_code in (400, 404, 422)


def test_series_slices_are_the_store_query_byte_for_byte(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only server answers series from the indicator's slab (sliced with numpy); each
    JSON and CSV body must be exactly what the store's own query gives for the same request."""
    import importlib
    import itertools

    from salamat.api.routes import series_csv
    from salamat.store.connection import Store

    mod = importlib.import_module("salamat.services.web.series")
    queries = [
        mod.SeriesQuery(ind, areas, sexes=sexes, start=start, end=end, **extra)
        for ind, areas, (sexes, start, end, extra) in itertools.product(
            ["le0", "tb_incidence", "ncd30q70"],
            [("KAZ",), ("OTS",), ("KZ-ONT", "KZ-75"), ("KAZ", "KZ-10", "KZ-19")],
            [
                (None, None, None, {}),
                (("total",), 2015, 2020, {}),
                (("female", "male"), 2019, None, {"residence": None}),
                (None, None, 2010, {"source": "UN WPP 2024", "age": "all"}),
            ],
        )
    ]
    with Store.open(demo_db, read_only=True) as store:
        assert mod._slab(store, queries[0]) is not None  # the fast path is the one tested
        fast = [
            (
                mod.series_json_text(store, q),
                mod.series_csv_text(store, q),
                series_csv(mod.series(store, q)),
            )
            for q in queries
        ]
        monkeypatch.setattr(mod, "_slab", lambda *args: None)
        slow = [
            (
                mod.series_json_text(store, q),
                mod.series_csv_text(store, q),
                series_csv(mod.series(store, q)),
            )
            for q in queries
        ]
    assert sum('"count": 0' not in j for j, _, _ in fast) > len(queries) // 2
    for q, a, b in zip(queries, fast, slow, strict=True):
        assert a == b, q


def test_server_start_reads_every_indicator_once(demo_db: Path) -> None:
    """warm_series reads the demo's values (all within the budget) when a server starts; a
    store open for writing is never sliced (its values may change)."""
    from salamat.services.web import warm_series
    from salamat.store.connection import Store

    with Store.open(demo_db, read_only=True) as store:
        (observations,) = store.con.execute("SELECT count(*) FROM observation").fetchone() or (0,)
        assert warm_series(store) == observations > 0
    with Store.open(":memory:") as memory:
        assert warm_series(memory) == 0


def test_memo_is_bounded_by_bytes(tmp_path: Path) -> None:
    from salamat.api.cache import Memo, size_of

    memo = Memo(str(tmp_path / "none.duckdb"), size=100, max_bytes=1_000)
    for i in range(5):
        assert memo.get(i, lambda i=i: bytes([i]) * 400) == bytes([i]) * 400
    assert memo.bytes <= 1_000 and len(memo._items) == 2  # the two latest stay
    assert memo.get(4, lambda: b"rebuilt") == bytes([4]) * 400  # kept: served again
    assert memo.get(0, lambda: b"rebuilt") == b"rebuilt"  # dropped: built again
    big = memo.get("big", lambda: b"x" * 5_000)  # served, not kept
    assert len(big) == 5_000 and memo.bytes <= 1_000
    assert size_of({"a": "x" * 100, "b": [b"y" * 50]}) > 150


def test_405_keeps_the_allow_header(client: TestClient) -> None:
    r = client.post("/api/v1/series/le0", params={"area": "KAZ"})
    assert r.status_code == 405 and r.json()["status"] == 405
    assert r.headers["allow"] == "GET"


def test_openapi_says_what_series_and_decompositions_refuse(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    params = doc["paths"]["/api/v1/series/{indicator}"]["get"]["parameters"]
    pattern = next(p for p in params if p["name"] == "area")["schema"]["items"]["pattern"]
    for value in ("", ",", " ", " , "):
        assert re.search(pattern, value) is None  # the document refuses it ...
        body = _error(
            client.get(f"/api/v1/series/che_gdp?area={value}"), 422
        )  # ... as does the app
        assert body["problems"][0]["field"].startswith("area")
    for value in ("KAZ", "KAZ,KZ-75", "OTS"):
        assert re.search(pattern, value) is not None
        assert client.get("/api/v1/series/che_gdp", params={"area": value}).status_code == 200
    params = doc["paths"]["/api/v1/decompositions/{area}"]["get"]["parameters"]
    assert "other than `from`" in next(p for p in params if p["name"] == "to")["description"]
    body = _error(client.get("/api/v1/decompositions/KAZ?from=1800&to=1800"), 422)
    assert body["problems"][0]["field"] == "to"


def test_what_the_server_read_at_start_is_kept_out_of_the_collector(client: TestClient) -> None:
    import gc

    assert gc.get_freeze_count() > 0  # the slabs and the catalogue, frozen after warm_series


def test_csv_joined_from_rows_is_what_pandas_writes() -> None:
    """A slab's CSV, written once row by row and joined per request, is the text pandas
    writes for the rows selected: cells with commas, quotes, line ends, Cyrillic, missing
    values; the date-time column at the resolution the selected rows need (pandas chooses it
    from them: a date alone at midnight, else seconds, milliseconds or microseconds)."""
    import importlib

    import numpy as np
    import pandas as pd

    mod = importlib.import_module("salamat.services.web.series")
    stamps = pd.to_datetime(
        [
            "2024-01-02",
            "2024-01-02 10:11:12",
            "2024-01-02 10:11:12.345",
            "2024-01-02 10:11:12.345678",
            None,
            "2023-05-06",
        ],
        format="ISO8601",
    ).as_unit("us")
    frame = pd.DataFrame(
        {
            "area": ["KAZ", "KZ-75", "UZB", "KGZ", "TUR", "AZE"],
            "note": ['a, "b"', "line\nbreak", "Алматы", None, "", "'=1+1"],
            "value": [1.0, np.nan, 0.1, 1e-7, 75.44, 3.0],
            "import_id": np.array([1, 2, 3, 4, 5, 6], dtype=np.int32),
            "imported_at": stamps,
            "flags": ["", "yoy_outlier", None, "x,y", "z", ""],
        }
    )
    csv = mod._csv_rows(frame)
    assert csv is not None
    none = np.empty(0)
    slab = mod._Slab(frame, frame, csv, none, {}, none, none, none, none, none, none, none)
    for rows in ([0, 5], [0, 1], [0, 2], [0, 3], [4], [1, 4, 5], [], list(range(6))):
        picked = np.array(rows, dtype=np.intp)
        expected = frame.iloc[picked].to_csv(index=False, lineterminator="\n")
        assert mod._slab_csv(slab, picked).decode("utf-8") == expected, rows
    two_stamps = frame.assign(other=stamps)
    assert mod._csv_rows(two_stamps) is None  # written per request, as pandas would
    assert mod._csv_rows(frame.assign(note="x\x1e\ny")) is None  # a row end in a cell


def test_series_in_memory_only_when_nothing_is_read(demo_db: Path) -> None:
    from salamat.services.web import SeriesQuery, series_in_memory, warm_series
    from salamat.store.connection import Store

    with Store.open(demo_db, read_only=True) as store:
        warm_series(store)
        assert series_in_memory(store, SeriesQuery("le0", ("KAZ", "OTS", "kz-75")))
        assert series_in_memory(store, SeriesQuery("le0", ("KZ-ONT",)))
        for q in (
            SeriesQuery("le0", ("KAZ",), vintage="all"),  # older values: the store
            SeriesQuery("le0", ("NOWHERE",)),  # an unknown code: its error reads the store
            SeriesQuery("no_such_indicator", ("KAZ",)),
        ):
            assert not series_in_memory(store, q), q


def test_no_cors_headers_unless_an_origin_is_configured(client: TestClient) -> None:
    origin = {"Origin": "https://portal.example.kz"}
    response = client.get("/api/v1/indicators", headers=origin)
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/api/v1/indicators", headers={**origin, "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_limits_and_headers_as_configured(demo_db: Path) -> None:
    app = create_app(
        demo_db, warm=False, cors_origins=("https://portal.example.kz",), max_upload_bytes=10
    )
    with TestClient(app) as c:
        allowed = c.get("/api/v1/indicators", headers={"Origin": "https://portal.example.kz"})
        assert allowed.headers["access-control-allow-origin"] == "https://portal.example.kz"
        assert allowed.headers["content-security-policy"] == CSP
        other = c.get("/api/v1/indicators", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = c.options(
            "/api/v1/indicators",
            headers={
                "Origin": "https://portal.example.kz",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "Authorization",
            },
        )
        assert preflight.status_code == 200
        assert "access-control-allow-credentials" not in preflight.headers
        # any route: the body is refused before a route sees it
        big = c.post("/api/v1/indicators", content=b"x" * 11)
        assert big.status_code == 413
        assert big.json()["status"] == 413 and "--max-upload-mb" in big.json()["error"]
        assert big.headers["content-security-policy"] == CSP
