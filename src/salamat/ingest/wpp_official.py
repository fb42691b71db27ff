"""The official UN WPP CSV layouts (``population.un.org/wpp/downloads``, "CSV format").

=========================================================  =====================================
file                                                       columns read
=========================================================  =====================================
``WPP20xx_Demographic_Indicators_Medium.csv``              ``LEx`` (and by sex), ``LE65`` ...,
(2019: ``WPP2019_Period_Indicators_Medium.csv``, periods)  ``IMR``, ``Q5``, ``CDR``, ``CBR``,
                                                           ``TPopulation1July``, ``Births`` ...
``WPP20xx_TotalPopulationBySex.csv``                       ``PopTotal``, ``PopMale``, ``PopFemale``
``WPP20xx_PopulationByAge5GroupSex_Medium.csv``            the same by ``AgeGrpStart``/``AgeGrpSpan``
(2019: ``WPP2019_PopulationByAgeSex_Medium.csv``)
``WPP20xx_Life_Table_Abridged_Medium_*.csv``               ``mx`` by age and sex; ``ex`` at 0 and 60
=========================================================  =====================================

Columns Salamat has no indicator for are listed in the notes, not imported. Units: population,
births and deaths are published in **thousands** (converted to persons, said in each value's
note); ``IMR`` and ``Q5`` per 1,000 live births; ``CDR``/``CBR`` per 1,000 population; ``mx`` per
person-year; life expectancy in years.

Areas: ``ISO3_code`` for a country or area; without it (the 2019 files) ``LocID``, which is the
ISO 3166-1 numeric code for countries. ``LocID`` 900 is the world. Every other location (regions,
income groups, SDG regions, special groupings such as LocID 1111 "United States of America (and
dependencies)", which is not the country) goes to a group unit when Salamat has one by that
name, else it is listed in the notes and not imported; the file is never rejected for them.

One variant at a time: a file holding several variants imports the Medium variant, and the notes
say which rows were left out. Values for years after the revision's last estimate year
(:data:`LAST_ESTIMATE`) are projections: their source says so ("UN WPP 2024 (Medium variant
projection)"), as does every value of another variant, so the quality rule on future periods
lets them through and no one reads them as observed.

Source: United Nations, Department of Economic and Social Affairs, Population Division. World
Population Prospects (2019, 2022, 2024 revisions). Licence CC BY 3.0 IGO.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.owid import resolve_names
from salamat.ingest.registry import ParseContext, Parsed

__all__ = ["LAST_ESTIMATE", "is_official", "parse_official"]

# The last calendar year of estimates in each revision (later years are projections).
LAST_ESTIMATE = {"2019": 2019, "2022": 2021, "2024": 2023}
_COUNTRY_TYPES = frozenset({"country/area", "country", "area"})
_PERIOD_NOTE = (
    "WPP period from 1 July of the first year to 30 June of the last; stored as the "
    "five calendar years it mostly covers"
)


@dataclass(frozen=True)
class Column:
    indicator: str
    sex: str
    unit: str


_T, _M, _F = "total", "male", "female"
_THOUSANDS = "thousands"
# WPP column (lower case) -> what it is. Life tables are handled apart (by age).
COLUMNS = {
    "lex": Column("le0", _T, "years"),
    "lexmale": Column("le0", _M, "years"),
    "lexfemale": Column("le0", _F, "years"),
    "le65": Column("le65", _T, "years"),
    "le65male": Column("le65", _M, "years"),
    "le65female": Column("le65", _F, "years"),
    "imr": Column("imr", _T, "per 1,000 live births"),
    "q5": Column("u5mr", _T, "per 1,000 live births"),
    "cdr": Column("cdr", _T, "per 1,000 population"),
    "cbr": Column("cbr", _T, "per 1,000 population"),
    "tpopulation1july": Column("population", _T, _THOUSANDS),
    "tpopulationmale1july": Column("population", _M, _THOUSANDS),
    "tpopulationfemale1july": Column("population", _F, _THOUSANDS),
    "tpopulation1jan": Column("population_jan1", _T, _THOUSANDS),
    "poptotal": Column("population", _T, _THOUSANDS),
    "popmale": Column("population", _M, _THOUSANDS),
    "popfemale": Column("population", _F, _THOUSANDS),
    "births": Column("births", _T, _THOUSANDS),
    "deaths": Column("deaths", _T, _THOUSANDS),
    "deathsmale": Column("deaths", _M, _THOUSANDS),
    "deathsfemale": Column("deaths", _F, _THOUSANDS),
}
_ID_COLUMNS = frozenset(
    {
        "sortorder",
        "locid",
        "notes",
        "iso3_code",
        "iso2_code",
        "sdmx_code",
        "loctypeid",
        "loctypename",
        "parentid",
        "location",
        "varid",
        "variant",
        "time",
        "midperiod",
        "agegrp",
        "agegrpstart",
        "agegrpspan",
        "sexid",
        "sex",
    }
)
_LIFE_TABLE = frozenset({"mx", "qx", "ex", "agegrpstart"})
_SEX = {"total": _T, "both sexes": _T, "male": _M, "female": _F}


def is_official(columns: set[str]) -> bool:
    """The official layout: ``LocID``, ``Variant`` and ``Time`` columns."""
    return {"locid", "variant", "time"} <= columns


def _revision(path: Path) -> str:
    m = re.search(r"wpp[ _-]?(20\d\d)", path.name.lower())
    if m is None or m[1] not in LAST_ESTIMATE:
        known = ", ".join(f"WPP{r}" for r in LAST_ESTIMATE)
        message = (
            "cannot tell the WPP revision from the file name, and with it which years are "
            f"projections: keep the UN's file name, which starts with the revision ({known})"
        )
        raise InputError(f"{path}: {message}", [Problem(str(path), None, None, message)])
    return m[1]


def _areas(df: pd.DataFrame, ctx: ParseContext) -> tuple[pd.Series, pd.Series]:
    """(org-unit code or None, is an aggregate) for every row."""
    locid = df["locid"].astype(str).str.strip()
    iso3 = df["iso3_code"].astype(str).str.strip() if "iso3_code" in df.columns else None
    kind = (
        df["loctypename"].astype(str).str.strip().str.lower()
        if "loctypename" in df.columns
        else None
    )
    by_loc: dict[tuple[str, str, str, str], str | None] = {}
    keys = list(
        zip(
            locid,
            iso3 if iso3 is not None else [""] * len(df),
            kind if kind is not None else [""] * len(df),
            df["location"].astype(str),
            strict=True,
        )
    )
    names = resolve_names(ctx.catalog, sorted({k[3] for k in keys}))
    for key in set(keys):
        loc, code, typ, name = key
        if loc == "900":
            by_loc[key] = "WORLD"
        elif iso3 is not None:
            country = typ in _COUNTRY_TYPES and code != ""
            by_loc[key] = ctx.catalog.resolve(code) if country else _group(names.get(name), ctx)
        else:
            numeric = ctx.catalog.iso_numeric.get(loc.lstrip("0"))
            by_loc[key] = numeric or _group(names.get(name), ctx)
    area = pd.Series([by_loc[k] for k in keys], index=df.index, dtype=object)
    if iso3 is not None and kind is not None:
        aggregate = ~(kind.isin(list(_COUNTRY_TYPES)) & (iso3 != "")) & area.isna()
    else:
        aggregate = area.isna()
    return area, aggregate


def _group(code: str | None, ctx: ParseContext) -> str | None:
    """A name that resolved to a group unit (never a country: a region is not its namesake)."""
    if code is None:
        return None
    unit = ctx.catalog.orgunits.get(code)
    return code if unit is not None and unit.kind != "country" else None


def _period(time: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(period id, first year, note): ``1950`` stays; ``2015-2020`` -> ``2015-2019``."""
    t = time.astype(str).str.strip()
    m = t.str.extract(r"^(\d{4})-(\d{4})$")
    span = m[0].notna()
    first = pd.to_numeric(t.str[:4], errors="coerce")
    end = pd.to_numeric(m[1], errors="coerce") - 1
    period = t.where(~span, m[0] + "-" + end.astype("Int64").astype(str))
    note = pd.Series("", index=t.index, dtype=object).where(~span, _PERIOD_NOTE)
    return period, first, note


def _age(df: pd.DataFrame) -> pd.Series:
    start = df["agegrpstart"].astype(str).str.strip()
    span = df["agegrpspan"].astype(str).str.strip() if "agegrpspan" in df.columns else None
    s = pd.to_numeric(start, errors="coerce")
    n = pd.to_numeric(span, errors="coerce") if span is not None else pd.Series(float("nan"))
    closed = s.astype("Int64").astype(str) + "-" + (s + n - 1).astype("Int64").astype(str)
    single = s.astype("Int64").astype(str)
    out = closed.where(n > 1, single).where(n != -1, s.astype("Int64").astype(str) + "+")
    return out.where(s.notna(), start)


def parse_official(df: pd.DataFrame, path: Path, ctx: ParseContext, notes: list[str]) -> Parsed:
    """Read one official WPP CSV (see the module docstring) into canonical rows."""
    cols = set(df.columns)
    revision = _revision(path)
    variants = sorted(set(df["variant"].astype(str).str.strip()))
    if len(variants) > 1:
        if "Medium" not in variants:
            message = (
                f"the file holds {len(variants)} variants ({', '.join(variants)}) and no Medium: "
                "Salamat imports one variant at a time; split the file by Variant"
            )
            raise InputError(f"{path}: {message}", [Problem(str(path), None, "Variant", message)])
        other = df["variant"].astype(str).str.strip() != "Medium"
        notes.append(
            f"{path.name}: {int(other.sum())} row(s) of the variants "
            f"{', '.join(v for v in variants if v != 'Medium')} not imported "
            "(one variant at a time: the Medium variant was imported)"
        )
        df = df.loc[~other]
    variant = "Medium" if len(variants) > 1 else (variants[0] if variants else "Medium")

    area, aggregate = _areas(df, ctx)
    if aggregate.any():
        names = sorted(set(df.loc[aggregate, "location"].astype(str)))
        notes.append(
            f"{path.name}: {int(aggregate.sum())} row(s) of {len(names)} WPP aggregate(s) "
            f"Salamat has no unit for not imported ({', '.join(names[:6])}"
            f"{' ...' if len(names) > 6 else ''})"
        )
    df = df.loc[~aggregate]
    area = area[~aggregate]
    period, first_year, period_note = _period(df["time"])
    projection = (first_year > LAST_ESTIMATE[revision]) | (variant != "Medium")
    estimate_source = f"UN WPP {revision}"
    projection_source = f"UN WPP {revision} ({variant} variant projection)"
    source = pd.Series(estimate_source, index=df.index, dtype=object).where(
        ~projection, projection_source
    )
    if variant != "Medium":
        notes.append(f"{path.name}: the {variant} variant: every value is a projection")

    life_table = cols >= _LIFE_TABLE
    by_age = "agegrpstart" in cols
    age = _age(df) if by_age else pd.Series("", index=df.index, dtype=object)
    if life_table:
        sex = df["sex"].astype(str).str.strip().str.lower().map(_SEX)
    base = pd.DataFrame(
        {
            "_file": df["_file"],
            "_row": df["_row"],
            "area": area,
            "period": period,
            "source": source,
            "vintage": revision,
        }
    )
    frames = []
    used: set[str] = set()
    if life_table:
        used |= {"mx", "ex"}
        frames.append(
            base.assign(
                indicator="mx", sex=sex, age=age, value=df["mx"], unit="per person-year"
            ).assign(note=period_note)
        )
        for start, code in (("0", "le0"), ("60", "le60")):
            at = df["agegrpstart"].astype(str).str.strip() == start
            frames.append(
                base.loc[at].assign(
                    indicator=code,
                    sex=sex[at],
                    age="",
                    value=df.loc[at, "ex"],
                    unit="years",
                    note=period_note[at],
                )
            )
    else:
        for name in df.columns:
            col = COLUMNS.get(name)
            if col is None:
                continue
            used.add(name)
            frames.append(
                base.assign(
                    indicator=col.indicator,
                    sex=col.sex,
                    age=age if by_age else "",
                    value=df[name],
                    unit=col.unit,
                    note=period_note,
                )
            )
    if not frames:
        message = (
            "an official WPP layout, but none of its columns is one Salamat imports (expected "
            "LEx, IMR, Q5, CDR, PopTotal, TPopulation1July, Births, Deaths ..., or mx and ex "
            "by AgeGrpStart in a life table)"
        )
        raise InputError(f"{path}: {message}", [Problem(str(path), 1, None, message)])
    skipped = sorted(
        c for c in df.columns if c not in used and c not in _ID_COLUMNS and not c.startswith("_")
    )
    skipped = [c for c in skipped if not c.startswith("unnamed")]
    if skipped:
        notes.append(
            f"{path.name}: columns with no Salamat indicator not imported: "
            f"{', '.join(skipped[:12])}{' ...' if len(skipped) > 12 else ''}"
        )
    out = pd.concat(frames, ignore_index=True)
    value = out["value"].astype(str).str.strip()
    missing = value == ""
    if missing.any():
        notes.append(f"{path.name}: {int(missing.sum())} empty value(s) skipped as missing")
    out = out.loc[~missing].reset_index(drop=True)
    return Parsed(out, notes=notes)
