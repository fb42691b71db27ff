"""SYNTHETIC unit-record deaths and populations for Kazakhstan's regions.

No cause-of-death counts or unit records for Kazakhstan are published in machine-readable form,
so the demo makes them, so that the unit-record path (import, validation, aggregation, life
tables from deaths and exposures) runs end to end. **These are not real deaths.** Every record
carries the source label :data:`SOURCE`, which says so.

How they are made (seeded, so the same seed gives the same records):

1. Population by region x year x sex: the statistics office's population on 1 January (real),
   spread over single years of age 0-99 and 100+ with Kazakhstan's age structure from UN WPP 2022
   (real, both sexes; each five-year band split evenly over its ages).
2. Deaths in each region x year x sex x age cell: Poisson with mean population x the UN WPP 2024
   death rate of Kazakhstan for that sex, five-year age band and five-year period (real rates).
3. Each death gets a death date uniform over the year, a birth date consistent with its age,
   and an underlying ICD-10 cause drawn from illustrative cause shares by age band (invented
   for the demo, not estimates), with typical codes for each cause group.
"""

from __future__ import annotations

import io
from importlib import resources

import numpy as np
import pandas as pd

from salamat.demo.kz import SOURCES, assign_units

__all__ = ["SOURCE", "synthetic_deaths", "synthetic_population"]

SOURCE = (
    "SYNTHETIC unit records (seeded generator calibrated on UN WPP 2024 death rates for "
    "Kazakhstan; not real deaths)"
)
POPULATION_SOURCE = (
    "SYNTHETIC single-age population (BNS regional totals x UN WPP 2022 age "
    "structure of Kazakhstan)"
)
YEARS = range(2018, 2024)
MAX_AGE = 100  # 100 is the open band 100+

_WPP = resources.files("salamat") / "data" / "demo" / "un_wpp"

# Illustrative cause shares by age band (rows) and typical ICD-10 codes: invented for the
# demo, not estimates. Columns: circulatory, cancer, diabetes, chronic respiratory,
# tuberculosis, external, ill-defined, other.
_CAUSE_CODES: list[list[str]] = [
    ["I21.9", "I25.1", "I63.9", "I64", "I11.9", "I50.0"],
    ["C34.9", "C16.9", "C50.9", "C18.9", "C61", "C25.9"],
    ["E11.9", "E10.9", "E14.9"],
    ["J44.9", "J45.9", "J84.1"],
    ["A16.2", "A15.0", "A19.9"],
    ["V89.2", "X70", "W19", "X42", "X59"],
    ["R99", "R54", "R96"],
    ["J18.9", "K70.3", "K74.6", "N18.9", "G30.9", "P07.3", "Q24.9", "A41.9", "U07.1"],
]
_AGE_EDGES = np.array([0, 1, 15, 30, 50, 70, 200])
_SHARES = np.array(
    [
        # circ  cancer diab  resp   tb     ext    ill    other
        [0.02, 0.01, 0.00, 0.02, 0.00, 0.05, 0.10, 0.80],  # 0
        [0.04, 0.10, 0.01, 0.03, 0.01, 0.45, 0.06, 0.30],  # 1-14
        [0.15, 0.10, 0.01, 0.02, 0.04, 0.45, 0.05, 0.18],  # 15-29
        [0.35, 0.20, 0.03, 0.04, 0.03, 0.15, 0.04, 0.16],  # 30-49
        [0.48, 0.24, 0.04, 0.06, 0.01, 0.05, 0.03, 0.09],  # 50-69
        [0.62, 0.12, 0.04, 0.07, 0.00, 0.02, 0.05, 0.08],  # 70+
    ]
)


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(
        io.StringIO((_WPP / name).read_text(encoding="utf-8")), dtype=str, keep_default_na=False
    )


def _age_share() -> np.ndarray:
    """Share of Kazakhstan's population at each single age 0..99 and 100+ (WPP 2022, 2021)."""
    df = _csv("wpp2022_population_by_age_both_sexes_thousands_estimates_OTS.csv")
    row = df.loc[(df["ISO3 Alpha-code"] == "KAZ") & (df["Year"] == "2021")].iloc[0]
    bands = [f"{a}-{a + 4}" for a in range(0, 100, 5)] + ["100+"]
    counts = np.array([float(row[b].replace(" ", "")) for b in bands])
    single = np.concatenate([np.repeat(counts[:-1] / 5.0, 5), counts[-1:]])
    share: np.ndarray = single / single.sum()
    return share


def _mx(sex: str, period: str) -> np.ndarray:
    """WPP 2024 death rates of Kazakhstan at single ages 0..100 (each band's rate repeated)."""
    df = _csv("wpp2024_mx_5yr_age_by_sex_OTS_1950-2025.csv")
    sel = df.loc[(df["iso3"] == "KAZ") & (df["sex"] == sex) & (df["period"] == period)]
    rate = dict(zip(sel["age"].str.rstrip("+").astype(int), sel["mx"].astype(float), strict=True))
    ages = np.arange(MAX_AGE + 1)
    start = np.where(ages == 0, 0, np.where(ages < 5, 1, np.minimum(ages // 5 * 5, 100)))
    out: np.ndarray = np.array([rate[int(s)] for s in start])
    return out


def synthetic_population() -> pd.DataFrame:
    """Columns region, year, sex, age, population (ages 0..99 and '100+')."""
    pop = pd.read_csv(
        io.StringIO(
            (
                resources.files("salamat") / "data" / "demo" / "kz" / SOURCES["population"][0]
            ).read_text(encoding="utf-8")
        ),
        dtype=str,
        keep_default_na=False,
    )
    pop = pop.loc[
        (pop["settlement"] == "total")
        & (pop["sex"] != "both")
        & (pop["iso_3166_2"] != "KZ")
        & pop["year_start_of_year"].astype(int).isin(list(YEARS))
    ]
    pop = pop.assign(
        region=assign_units("population", pop["iso_3166_2"], pop["year_start_of_year"]).to_numpy()
    )
    share = _age_share()
    n = len(share)
    totals = pop["population"].astype(float).to_numpy()
    out = pd.DataFrame(
        {
            "region": np.repeat(pop["region"].to_numpy(), n),
            "year": np.repeat(pop["year_start_of_year"].astype(int).to_numpy(), n),
            "sex": np.repeat(pop["sex"].to_numpy(), n),
            "age": np.tile([str(a) for a in range(MAX_AGE)] + [f"{MAX_AGE}+"], len(pop)),
            "population": np.round(np.repeat(totals, n) * np.tile(share, len(pop))),
        }
    )
    return out


def synthetic_deaths(population: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Death records drawn from ``population`` (see the module docstring); vectorised."""
    rng = np.random.default_rng(seed)
    age = population["age"].str.rstrip("+").astype(int).to_numpy()
    year = population["year"].to_numpy()
    sex = population["sex"].to_numpy()
    rate = np.empty(len(population))
    for s in ("female", "male"):
        for period, years in (("2015-2020", (2015, 2019)), ("2020-2025", (2020, 2024))):
            m = (sex == s) & (year >= years[0]) & (year <= years[1])
            rate[m] = _mx(s, period)[age[m]]
    counts = rng.poisson(population["population"].to_numpy() * rate)
    idx = np.repeat(np.arange(len(population)), counts)
    n = len(idx)
    d_age = age[idx]
    d_year = year[idx]
    start = (d_year.astype(np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    days_in_year = np.where(
        (d_year % 4 == 0) & ((d_year % 100 != 0) | (d_year % 400 == 0)), 366, 365
    )
    death = start + (rng.random(n) * days_in_year).astype("timedelta64[D]")
    # birth date: age completed years before death, minus a uniform part of a year
    lived = d_age * 365.2425 + rng.random(n) * 364.0 + 1.0
    birth = death - np.floor(lived).astype("timedelta64[D]")
    band = np.searchsorted(_AGE_EDGES, d_age, side="right") - 1
    cum = np.cumsum(_SHARES, axis=1)[band]  # the same sums, taken once per age band
    group = (rng.random(n)[:, None] > cum).sum(axis=1)
    group = np.minimum(group, len(_CAUSE_CODES) - 1)
    pick = rng.random(n)
    codes = np.empty(n, dtype=object)
    for g, options in enumerate(_CAUSE_CODES):
        m = group == g
        codes[m] = np.array(options, dtype=object)[(pick[m] * len(options)).astype(int)]
    sex_code = np.where(sex[idx] == "female", "F", "M")
    return pd.DataFrame(
        {
            "id": _record_ids(n),
            "sex": sex_code,
            "birth_date": birth.astype(object),  # datetime.date objects: a date32 Parquet column
            # completed years from the drawn dates (a birth on 29 February can shift it by one)
            "age": _completed_years(birth, death),
            "death_date": death.astype(object),
            "region": population["region"].to_numpy()[idx],
            "icd10": codes,
        }
    )


def _record_ids(n: int) -> np.ndarray:
    """``SYN-00000001`` ... ``SYN-<n>`` (zero-padded to 8 digits, or to the width of ``n``): the
    digits written into a byte matrix, vectorised."""
    width = max(8, len(str(n)))
    number = np.arange(1, n + 1, dtype=np.int64)
    digits = (number[:, None] // 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)) % 10
    text = np.empty((n, width + 4), dtype=np.uint8)
    text[:, :4] = np.frombuffer(b"SYN-", dtype=np.uint8)
    text[:, 4:] = digits + ord("0")
    out: np.ndarray = text.view(f"S{width + 4}").ravel().astype(f"U{width + 4}")
    return out


def _completed_years(birth: np.ndarray, death: np.ndarray) -> np.ndarray:
    """Completed years between two datetime64[D] arrays (the birthday not yet reached in the
    year of death takes one off)."""

    def parts(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        y = d.astype("datetime64[Y]")
        m = d.astype("datetime64[M]")
        return (
            y.astype(np.int64) + 1970,
            m.astype(np.int64) - (y.astype(np.int64) * 12),
            (d - m.astype("datetime64[D]")).astype(np.int64),
        )

    by, bm, bd = parts(birth)
    dy, dm, dd = parts(death)
    before = (dm < bm) | ((dm == bm) & (dd < bd))
    out: np.ndarray = (dy - by - before.astype(np.int64)).astype(int)
    return out
