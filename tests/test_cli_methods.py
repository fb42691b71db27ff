"""The methods' CLI commands, driven through Typer's test runner."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from salamat.cli.methods import register
from salamat.methods.lifetable import life_table

REFERENCE = Path(__file__).parent / "reference"


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    register(application)

    @application.callback()
    def main() -> None:
        """Test app."""

    return application


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _austria(path: Path, scale: float = 1.0, causes: bool = False) -> pd.DataFrame:
    book = pd.read_csv(REFERENCE / "austria_1992_males_preston2001_box3_1.csv")
    frames = []
    for country, factor in (("AUT", 1.0), ("ZZZ", 1.3)):
        frame = pd.DataFrame(
            {
                "country": country,
                "year": 1992,
                "sex": "male",
                "age": book.age_start,
                "deaths": np.round(book.nDx * factor * scale),
                "exposure": book.nNx,
            }
        )
        if causes:
            frame["deaths_circulatory"] = np.round(frame.deaths * 0.4)
            frame["deaths_cancer"] = np.round(frame.deaths * 0.25)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    data.to_csv(path, index=False)
    return data


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


def test_lifetable_one_table_per_group(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    data = _austria(tmp_path / "in.csv")
    result = runner.invoke(app, ["lifetable", str(tmp_path / "in.csv"), "--ci", "0.95"])
    assert result.exit_code == 0, result.output
    out = _csv(result.stdout)
    assert list(out.columns) == [
        "country",
        "year",
        "sex",
        "age",
        "width",
        "mx",
        "qx",
        "ax",
        "lx",
        "dx",
        "Lx",
        "Tx",
        "ex",
        "ex_lower",
        "ex_upper",
        "method",
    ]
    assert out.groupby("country").size().tolist() == [19, 19]
    assert out["method"].iloc[2] == "ax = n/2"
    aut = data[data.country == "AUT"]
    expected = life_table(aut.age, deaths=aut.deaths, exposure=aut.exposure, sex="male")
    assert out[out.country == "AUT"].ex.to_numpy() == pytest.approx(expected.ex, rel=1e-12)


def test_lifetable_writes_file_and_takes_rule(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    _austria(tmp_path / "in.csv")
    target = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "lifetable",
            str(tmp_path / "in.csv"),
            "-o",
            str(target),
            "--a0",
            "coale-demeny",
            "--radix",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    out = pd.read_csv(target)
    assert "ex_lower" not in out.columns
    assert out.ax.iloc[0] == pytest.approx(0.045 + 2.684 * out.mx.iloc[0])
    assert out.lx.iloc[0] == 1.0


def test_lifetable_rates_and_given_ax(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    book = pd.read_csv(REFERENCE / "austria_1992_males_preston2001_box3_1.csv")
    pd.DataFrame({"age": book.age_start, "mx": book.nmx, "ax": book.nax}).to_csv(
        tmp_path / "in.csv", index=False
    )
    result = runner.invoke(app, ["lifetable", str(tmp_path / "in.csv")])
    assert result.exit_code == 0, result.output
    assert _csv(result.stdout).ex.iloc[0] == pytest.approx(72.889, abs=0.0005)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("age,deaths\n0,1\n1,2\n", "missing column"),
        ("age,deaths,exposure\n0,1,x\n1,2,100\n", "row 2, field 'exposure': expected a number"),
        (
            "age,deaths,exposure\n0,1,100\n1,-2,100\n",
            "row 3, field 'deaths': expected a number >= 0",
        ),
        ("age,mx\n0,0.01\n1,-3.5\n2,0.2\n", "row 3, field 'mx'"),
        ("age,mx\n0,0.01\n85+,0.2\n90,0.3\n", "row 3, field 'age': an open band"),
        ("age,mx\n0,0.01\n0,0.02\n5,0.2\n", "row 3, field 'age'"),
        ("age,mx,sex\n0,0.01,m\n5,0.2,m\n", "field 'sex': expected female, male or total"),
        ("age,mx\n0,0.01\n1,inf\n2,0.2\n", "row 3, field 'mx': expected a number"),
    ],
)
def test_lifetable_bad_input_exits_2_naming_file_row_field(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = runner.invoke(app, ["lifetable", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert expected in result.stderr


def test_standardise_reproduces_phe(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    data = pd.read_csv(REFERENCE / "phe_dsr_testdata_1976.csv")
    frame = pd.DataFrame(
        {
            "area": "example",
            "age": data["Age Band"].str.extract(r"^(\d+)")[0].astype(int),
            "count": data["count"],
            "population": data["pop"],
        }
    )
    frame.to_csv(tmp_path / "in.csv", index=False)
    result = runner.invoke(
        app, ["standardise", str(tmp_path / "in.csv"), "--standard", "esp1976", "--per", "10000"]
    )
    assert result.exit_code == 0, result.output
    out = _csv(result.stdout)
    assert list(out.columns) == [
        "area",
        "count",
        "population",
        "crude_rate",
        "asr",
        "lower",
        "upper",
        "method",
        "standard",
        "per",
        "level",
        "suppressed",
        "reason",
    ]
    assert out.asr.iloc[0] == pytest.approx(859.2097585, abs=1e-6)
    assert out.lower.iloc[0] == pytest.approx(799.1160931, abs=1e-6)
    assert out.upper.iloc[0] == pytest.approx(922.5253880, abs=1e-6)


def test_standardise_user_standard_and_suppression(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "in.csv").write_text(
        "area,age,deaths,population\nA,0,5,1000\nA,5,20,2000\nB,0,1,100\nB,5,2,100\n"
    )
    (tmp_path / "std.csv").write_text("age,weight\n0,1\n5,1\n")
    result = runner.invoke(
        app,
        [
            "standardise",
            str(tmp_path / "in.csv"),
            "--standard",
            str(tmp_path / "std.csv"),
            "--ci-method",
            "fay-feuer",
            "--per",
            "1000",
        ],
    )
    assert result.exit_code == 0, result.output
    out = _csv(result.stdout)
    assert out.asr.iloc[0] == pytest.approx(7.5)
    assert out.suppressed.tolist() == [False, True]
    assert out.reason.iloc[1] == "total count 3 is under 10"


def test_standardise_mismatched_bands(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("age,deaths,population\n0,5,1000\n3,20,2000\n")
    result = runner.invoke(app, ["standardise", str(tmp_path / "in.csv"), "--standard", "segi"])
    assert result.exit_code == 2
    assert "do not match the standard population segi" in result.stderr


def test_ncd30q70(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    lines = ["region,sex,age,ncd_deaths,population"]
    lines += [f"R{r},female,{a},{10 + r},10000" for r in range(3) for a in range(30, 70, 5)]
    (tmp_path / "in.csv").write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["ncd30q70", str(tmp_path / "in.csv"), "--ci", "0.9"])
    assert result.exit_code == 0, result.output
    out = _csv(result.stdout)
    assert list(out.columns) == [
        "region",
        "sex",
        "ncd_deaths",
        "population",
        "q30_70",
        "lower",
        "upper",
        "level",
        "method",
    ]
    q = 5 * 0.001 / (1 + 2.5 * 0.001)
    assert out.q30_70.iloc[0] == pytest.approx(1 - (1 - q) ** 8, rel=1e-12)
    assert (out.lower < out.q30_70).all() and (out.q30_70 < out.upper).all()


def test_ncd30q70_needs_the_eight_bands(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "in.csv").write_text("age,ncd_deaths,population\n30,1,100\n35,1,100\n")
    result = runner.invoke(app, ["ncd30q70", str(tmp_path / "in.csv")])
    assert result.exit_code == 2
    assert "row 2, field 'age'" in result.stderr


def test_decompose_by_age(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    a = _austria(tmp_path / "a.csv")
    b = _austria(tmp_path / "b.csv", scale=0.8)
    result = runner.invoke(app, ["decompose", str(tmp_path / "a.csv"), str(tmp_path / "b.csv")])
    assert result.exit_code == 0, result.output
    out = _csv(result.stdout)
    assert list(out.columns) == ["country", "year", "sex", "age", "cause", "contribution"]
    assert set(out.cause) == {"all"}
    for country in ("AUT", "ZZZ"):
        ta = life_table(
            a[a.country == country].age,
            deaths=a[a.country == country].deaths,
            exposure=a[a.country == country].exposure,
            sex="male",
        )
        tb = life_table(
            b[b.country == country].age,
            deaths=b[b.country == country].deaths,
            exposure=b[b.country == country].exposure,
            sex="male",
        )
        total = out[out.country == country].contribution.sum()
        assert total == pytest.approx(tb.ex[0] - ta.ex[0], abs=1e-12)


def test_decompose_by_cause(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    _austria(tmp_path / "a.csv", causes=True)
    _austria(tmp_path / "b.csv", scale=0.8, causes=True)
    by_cause = runner.invoke(app, ["decompose", str(tmp_path / "a.csv"), str(tmp_path / "b.csv")])
    assert by_cause.exit_code == 0, by_cause.output
    out = _csv(by_cause.stdout)
    assert set(out.cause) == {"cancer", "circulatory", "other"}
    # the cause split adds up to the age decomposition
    for path in ("a", "b"):
        frame = pd.read_csv(tmp_path / f"{path}.csv")
        frame.drop(columns=["deaths_circulatory", "deaths_cancer"]).to_csv(
            tmp_path / f"{path}_all.csv", index=False
        )
    by_age = _csv(
        runner.invoke(
            app, ["decompose", str(tmp_path / "a_all.csv"), str(tmp_path / "b_all.csv")]
        ).stdout
    )
    summed = out.groupby(["country", "age"]).contribution.sum()
    assert summed.to_numpy() == pytest.approx(
        by_age.set_index(["country", "age"]).contribution.loc[summed.index].to_numpy(), abs=1e-12
    )


def test_decompose_groups_must_match(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    a = _austria(tmp_path / "a.csv")
    a[a.country == "AUT"].to_csv(tmp_path / "b.csv", index=False)
    result = runner.invoke(app, ["decompose", str(tmp_path / "a.csv"), str(tmp_path / "b.csv")])
    assert result.exit_code == 2
    assert "missing group" in result.stderr and "ZZZ" in result.stderr


def test_decompose_cause_deaths_cannot_exceed_deaths(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    a = _austria(tmp_path / "a.csv", causes=True)
    a.loc[3, "deaths_cancer"] = a.loc[3, "deaths"] + 1
    a.to_csv(tmp_path / "a.csv", index=False)
    _austria(tmp_path / "b.csv", causes=True)
    result = runner.invoke(app, ["decompose", str(tmp_path / "a.csv"), str(tmp_path / "b.csv")])
    assert result.exit_code == 2
    assert "row 5, field 'deaths'" in result.stderr


# --- published rates: UN WPP 2024 abridged mx (tests/data/wpp/PROVENANCE.md) ---

WPP = Path(__file__).parent / "data" / "wpp"
# Chosen before the run: WPP computes e0 from single-year life tables, this test from the
# published five-year mx with a0 by Andreev-Kingkade, 4a1 by Coale-Demeny, n/2 elsewhere and
# the constant-hazard ax where n/2 fails; 0.5 years allows for that. Recorded worst difference
# at the first run: 0.042 years (Turkiye, females, 2015-2020: 80.240 against 80.281).
E0_TOLERANCE = 0.5


def test_lifetable_takes_wpp_mx_as_published_and_matches_wpp_e0(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "lt.csv"
    mx_file = WPP / "wpp2024_mx_5yr_age_by_sex_OTS_1950-2025.csv"
    result = runner.invoke(app, ["lifetable", str(mx_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lt = pd.read_csv(out, dtype={"period": str})
    published = pd.read_csv(WPP / "wpp2024_e0_5yr_period_by_sex_OTS_1950-2020.csv", dtype=str)
    # every stratum yields a table: 8 areas x 3 sexes x 15 periods, 22 ages each
    strata = lt.groupby(["iso3", "sex", "period"]).size()
    assert len(strata) == 8 * 3 * 15 and set(strata) == {22}
    assert lt["ex"].notna().all() and (lt["qx"] <= 1).all()
    # the oldest closed ages of WPP's rates need the constant-hazard ax, and say so
    hazard = lt[lt["method"].str.startswith("ax constant hazard")]
    assert len(hazard) > 0 and set(hazard["age"]) <= {85, 90, 95}
    assert (hazard["mx"] * 5 / (1 + 2.5 * hazard["mx"]) >= 1).all()
    assert set(lt.loc[lt["age"] == 0, "method"]) == {"1a0 andreev_kingkade"}
    assert set(lt.loc[lt["age"] == 100, "method"]) == {"ax = 1/mx (open band)"}
    e0 = lt[lt["age"] == 0].merge(
        published.astype({"e0": float}), on=["iso3", "sex", "period"], how="inner"
    )
    assert len(e0) == 8 * 3 * 14  # WPP publishes e0 to 2015-2020
    worst = (e0["ex"] - e0["e0"]).abs().max()
    assert worst < E0_TOLERANCE


def test_lifetable_without_a_rule_for_it_is_still_rejected(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    # a given ax is the user's word: when it makes qx exceed one, no rule replaces it
    path = tmp_path / "in.csv"
    path.write_text("age,mx,ax\n0,0.01,\n5,0.9,4.5\n10,0.3,\n")  # ax > 1/mx: qx > 1
    result = runner.invoke(app, ["lifetable", str(path)])
    assert result.exit_code == 2
    assert "row 3, field 'mx'" in result.stderr


HMD_REAL = Path(__file__).parent / "data" / "real" / "hmd"


@pytest.mark.reference(
    "Human Mortality Database, United Kingdom (GBR_NP), female period life table 1x1, "
    "2014-2016, last modified 28 May 2018; CC BY 4.0"
)
def test_lifetable_reads_an_hmd_file_as_downloaded_and_rebuilds_its_ex(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    # tolerance chosen before the run: 0.01 years (ex published to 2 decimals, mx to 5)
    table = HMD_REAL / "GBR_NP.fltper_1x1_2014-2016.txt"
    out = tmp_path / "lt.csv"
    result = runner.invoke(app, ["lifetable", str(table), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lt = pd.read_csv(out)
    published = pd.read_csv(table, sep=r"\s+", skiprows=2)
    assert list(lt[["year", "sex"]].drop_duplicates().itertuples(index=False, name=None)) == [
        (2014, "female"),
        (2015, "female"),
        (2016, "female"),
    ]
    assert len(lt) == len(published) == 3 * 111
    assert np.max(np.abs(lt["ex"].to_numpy() - published["ex"].to_numpy())) <= 0.01
    e0 = lt.loc[lt["age"] == 0, "ex"].to_numpy()
    assert e0 == pytest.approx([82.99, 82.72, 82.84], abs=0.01)
    # raw rates with a missing value ('.') are refused at the file's own line
    broken = tmp_path / "GBR_NP.Mx_1x1.txt"
    text = (HMD_REAL / "GBR_NP.Mx_1x1_2014-2016.txt").read_text()
    broken.write_text(text.replace("0.000738", ".       ", 1))
    result = runner.invoke(app, ["lifetable", str(broken)])
    assert result.exit_code == 2
    assert "row 152, field 'mx': a missing rate" in result.stderr
