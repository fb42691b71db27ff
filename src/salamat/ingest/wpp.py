"""``salamat import wpp``: UN World Population Prospects files.

Recognised by their header (the file names may differ):

=================================================  ===========================================
file (as shipped by the UN or the wpp2024 R data)  becomes
=================================================  ===========================================
long e0: ``iso3,...,sex,year,e0``                  ``le0`` by country, sex and calendar year
long e0 by period: ``...,sex,period,e0``           ``le0`` for five-year spans
long mx: ``...,sex,period,age,mx``                 ``mx`` by five-year age band (0, 1-4, 5-9 ... 100+)
deaths / births: ``...,year,deaths_thousands``     ``deaths`` / ``births`` (persons: thousands x 1000)
wide e0 (``e0B.txt``, ``e0F.txt``, ``e0M.txt``)    ``le0``, every country (UN regions are listed in
                                                   the summary's notes, not imported)
WPP 2022 POP/F02-1 population by age (thousands)   ``population`` by five-year band, both sexes
=================================================  ===========================================

WPP's five-year periods run from 1 July to 30 June ("2015-2020" is mid-2015 to mid-2020); Salamat
stores them as the span of the five calendar years they mostly cover (``2015-2019``), and says so
in each value's note.

Source: United Nations, Department of Economic and Social Affairs, Population Division (2024).
World Population Prospects 2024. Licence CC BY 3.0 IGO.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.registry import ParseContext, Parsed, register_parser
from salamat.ingest.wpp_official import is_official, parse_official

__all__ = ["parse_wpp"]

_SEX = {"both": "total", "female": "female", "male": "male"}
_PERIOD_NOTE = (
    "WPP period from 1 July of the first year to 30 June of the last; stored as the "
    "five calendar years it mostly covers"
)


def _read(path: Path) -> tuple[pd.DataFrame, str]:
    """The file as text columns, and the encoding it was read with: UTF-8 (with or without a
    byte-order mark) when it decodes as such, else Latin-1 (some WPP CSVs are published so)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    sep = "\t" if ".txt" in path.name else ","
    if not path.exists():
        raise InputError(f"{path}: no such file")
    df: pd.DataFrame | None = None
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            with opener(path, "rt", encoding=encoding) as fh:
                df = pd.read_csv(fh, sep=sep, dtype=str, keep_default_na=False)
            break
        except UnicodeDecodeError:
            continue
        except (OSError, pd.errors.ParserError, EOFError) as exc:
            raise InputError(f"{path}: cannot be read: {exc}") from exc
        except pd.errors.EmptyDataError as exc:
            raise InputError(f"{path}: the file is empty (expected a header row)") from exc
    assert df is not None  # Latin-1 decodes any bytes
    df.columns = [c.strip().lower() for c in df.columns]
    df["_row"] = range(2, 2 + len(df))
    df["_file"] = str(path)
    return df, "UTF-8" if encoding == "utf-8-sig" else "Latin-1"


def _vintage(path: Path) -> str | None:
    """The WPP revision (``2024``) as the UN names it in its files (``WPP2024_...``); None when
    the name does not say: the revision is then not guessed (give ``--source``)."""
    m = re.search(r"wpp(20\d\d)", path.name.lower())
    return m[1] if m else None


def _area(df: pd.DataFrame, ctx: ParseContext, path: Path) -> tuple[pd.Series, list[Problem]]:
    """ISO3 (``WLD`` for the world) or UN numeric location code -> org-unit code."""
    if "iso3" in df.columns:
        return df["iso3"], []
    codes = df["country_code"].str.strip()
    mapped = codes.map(lambda c: "WORLD" if c == "900" else ctx.catalog.iso_numeric.get(c))
    return mapped, []


def _span(period: str) -> str:
    """WPP ``2015-2020`` (mid-year to mid-year) -> ``2015-2019``; anything else unchanged, for
    validation to report."""
    a, _, b = period.strip().partition("-")
    if not (a.isdigit() and b.isdigit()):
        return period
    return f"{int(a)}-{int(b) - 1}"


def _mx_age(age: str) -> str:
    """WPP age start (0, 1, 5, ..., 100) -> band label; anything else unchanged."""
    if not age.strip().isdigit():
        return age
    a = int(age)
    if a == 0:
        return "0"
    if a == 1:
        return "1-4"
    if a >= 100:
        return f"{a}+"
    return f"{a}-{a + 4}"


def parse_wpp(path: Path, ctx: ParseContext) -> Parsed:
    df, encoding = _read(path)
    cols = set(df.columns)
    notes: list[str] = []
    if encoding != "UTF-8":
        notes.append(f"{path.name}: not UTF-8; read as {encoding}")
    if is_official(cols):
        return parse_official(df, path, ctx, notes)
    vintage = _vintage(path)
    source = f"UN WPP {vintage}" if vintage else ""
    if vintage is None:
        notes.append(
            f"{path.name}: the WPP revision is not in the file name (the UN's names read "
            "WPP2024_...): give --source, e.g. --source 'UN WPP 2024'; it is never guessed"
        )
    out = pd.DataFrame({"_file": df["_file"], "_row": df["_row"]})
    if {"sex", "year", "e0"} <= cols or {"sex", "period", "e0"} <= cols:
        out["indicator"] = "le0"
        out["sex"] = df["sex"].map(lambda s: _SEX.get(s, s))
        if "year" in cols:
            out["period"] = df["year"]
        else:
            out["period"] = df["period"].map(_span)
            out["note"] = _PERIOD_NOTE
        out["value"] = df["e0"]
    elif {"sex", "period", "age", "mx"} <= cols:
        out["indicator"] = "mx"
        out["sex"] = df["sex"].map(lambda s: _SEX.get(s, s))
        out["period"] = df["period"].map(_span)
        out["age"] = df["age"].map(_mx_age)
        out["value"] = df["mx"]
        out["note"] = _PERIOD_NOTE
    elif {"year", "deaths_thousands"} <= cols or {"year", "births_thousands"} <= cols:
        col = "deaths_thousands" if "deaths_thousands" in cols else "births_thousands"
        out["indicator"] = col.split("_")[0]
        out["period"] = df["year"]
        out["value"] = (pd.to_numeric(df[col], errors="coerce") * 1000).map(
            lambda v: "" if pd.isna(v) else repr(round(float(v), 6))
        )
        out["note"] = "published in thousands; multiplied by 1000"
    elif "country_code" in cols and "country" in cols and any(c.isdigit() for c in cols):
        years = [c for c in df.columns if c.isdigit()]
        m = re.search(r"e0([BFM])\.txt", path.name)
        sex = {"B": "total", "F": "female", "M": "male"}.get(m[1]) if m else None
        if sex is None:
            raise InputError(f"{path}: a wide WPP e0 file must be named e0B, e0F or e0M")
        area, _ = _area(df, ctx, path)
        unknown = df.loc[area.isna(), "country"].tolist()
        if unknown:
            notes.append(
                f"{path.name}: {len(unknown)} UN regional aggregates not imported "
                f"(no org unit): {', '.join(unknown[:8])}{' ...' if len(unknown) > 8 else ''}"
            )
        keep = df.loc[area.notna()].assign(area=area[area.notna()])
        long = keep.melt(
            id_vars=["_file", "_row", "area"],
            value_vars=years,
            var_name="period",
            value_name="value",
        )
        long = long.loc[long["value"].str.strip() != ""]
        long["indicator"] = "le0"
        long["sex"] = sex
        return Parsed(
            long.reset_index(drop=True).assign(source=source, vintage=vintage or ""), notes=notes
        )
    elif "variant" in cols and "0-4" in cols and "year" in cols:
        ages = [c for c in df.columns if re.fullmatch(r"\d+-\d+|\d+\+", c)]
        df = df.loc[df["type"].str.strip() != "Label/Separator"]
        df = df.assign(
            area=df["iso3 alpha-code"].where(
                df["iso3 alpha-code"] != "",
                df["location code"].map(lambda c: "WORLD" if c.strip() == "900" else ""),
            )
        )
        long = df.melt(
            id_vars=["_file", "_row", "area", "year", "variant"],
            value_vars=ages,
            var_name="age",
            value_name="value",
        )
        num = pd.to_numeric(long["value"].str.replace(" ", "", regex=False), errors="coerce")
        long["value"] = (num * 1000).map(lambda v: "" if pd.isna(v) else repr(round(float(v), 3)))
        long = long.rename(columns={"year": "period"})
        long["indicator"] = "population"
        long["note"] = "mid-year, published in thousands; multiplied by 1000"
        # the Variant column says what each row is: "Estimates", or a projection variant
        # ("Medium" ...), whose source says so, as the official files' rows do
        variant = long.pop("variant").str.strip()
        projected = (variant != "Estimates") & (variant != "") & (source != "")
        long["source"] = pd.Series(source, index=long.index).where(
            ~projected, source + " (" + variant + " variant projection)"
        )
        return Parsed(long.reset_index(drop=True).assign(vintage=vintage or ""))
    else:
        have = ", ".join(c for c in df.columns if not c.startswith("_"))[:300]
        message = (
            f"not a WPP data file this importer knows: the header has {have}; known are the "
            "official CSVs (LocID, Variant, Time, ...: demographic or period indicators, "
            "population by sex or by age, abridged life tables), the long e0, mx, deaths and "
            "births files, the wide e0B/e0F/e0M files and the WPP 2022 population by age"
        )
        raise InputError(f"{path}: {message}", [Problem(str(path), 1, None, message)])
    if "iso3" in cols:
        out["area"] = df["iso3"].replace({"WLD": "WORLD"})
    else:
        out["area"], _ = _area(df, ctx, path)
    out["source"] = source
    out["vintage"] = vintage or ""
    return Parsed(out, notes=notes)


register_parser(
    "wpp",
    parse_wpp,
    "UN World Population Prospects: the official CSVs and the e0, mx, deaths, births files",
)
