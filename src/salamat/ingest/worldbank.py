"""``salamat import worldbank``: the World Bank's World Development Indicators (WDI) as CSV.

Layouts read (each is what the World Bank's own download buttons give):

* the indicator download of https://data.worldbank.org (``API_<series>_DS2_<lang>_csv_v2_*.csv``
  inside the zip): a preamble (``"Data Source","World Development Indicators",`` and ``"Last
  Updated Date","2024-11-13",`` with blank lines), then ``Country Name, Country Code, Indicator
  Name, Indicator Code, 1960, 1961, ...`` with one column per year and a trailing comma; the
  same file in French, Spanish ... (only the names are translated); the bulk ``WDICSV.csv`` of
  the whole database has the same header without the preamble;
* a DataBank export (https://databank.worldbank.org, "Download options: CSV"): ``Country Name,
  Country Code, Series Name, Series Code, 2000 [YR2000], ...``, ``..`` for a missing value, and a
  footer (``Data from database: ...``, ``Last Updated: 11/13/2024``).

Empty cells and ``..`` are missing values: skipped and counted in the notes.

**Series.** A series the catalogue knows (:data:`KNOWN_SERIES`: life expectancy, child and
maternal mortality, 30q70, health spending, TB incidence, immunisation ...) goes to its Salamat
indicator and sex; the World Bank publishes it in that indicator's unit (its definition is the
same: most health series of WDI are WHO's, UN IGME's or UN WPP's estimates, redistributed).
Another series needs ``--map`` (``indicator,<series code>,<indicator>``; its unit is then read
from the series name, ``(% of GDP)``, ``(per 1,000 people)``, and converted only when exact) or
``--new-indicators``, which registers it as ``wb_`` and the series code in lower case
(``SH.XPD.GHED.GD.ZS`` -> ``wb_sh_xpd_ghed_gd_zs``; the same at every import) with the series
name as published and the unit its name states (none when it states none: nothing assumed).

**Areas.** The ``Country Code`` is an ISO 3166-1 alpha-3 code (and ``XKX`` for Kosovo): it must
name a country of the catalogue, never a subdivision (``ARB`` is the Arab World, not a province
of Argentina). The World Bank's aggregates go to Salamat's group units where Salamat has one (the
world ``WLD``, the income groups ``HIC``, ``UMC``, ``LMC``, ``LIC``, ``MIC``, ``LMY``, the least
developed countries ``LDC``); the other aggregates (regions, lending groups, demographic
dividend groups ... :data:`WB_AGGREGATES`) are listed in the notes and not imported; they are
never stored under a country. Any other code is a problem naming the ``--map`` line (``area,
<code>,<org unit>``) that would place it.

**Source.** "World Bank, World Development Indicators" whatever the file's language, with the
date the file says it was last updated as the vintage; the series code and name are in each
value's note.

Source: The World Bank, World Development Indicators, https://datacatalog.worldbank.org/search/
dataset/0037712 (CC BY 4.0); each series keeps its original producer's terms.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pycountry

from salamat.errors import InputError, Problem
from salamat.ingest.interop import SKIP
from salamat.ingest.registry import NewIndicator, ParseContext, Parsed, register_parser
from salamat.ingest.sdmx import derived_code

__all__ = ["KNOWN_SERIES", "SOURCE", "WB_AGGREGATES", "WB_GROUPS", "parse_worldbank"]

SOURCE = "World Bank, World Development Indicators"

# WDI series code -> (Salamat indicator, sex, the unit WDI publishes it in, in Salamat's words)
KNOWN_SERIES: dict[str, tuple[str, str, str]] = {
    "SP.DYN.LE00.IN": ("le0", "total", "years"),
    "SP.DYN.LE00.FE.IN": ("le0", "female", "years"),
    "SP.DYN.LE00.MA.IN": ("le0", "male", "years"),
    "SH.DYN.NCOM.ZS": ("ncd30q70", "total", "%"),
    "SH.DYN.NCOM.FE.ZS": ("ncd30q70", "female", "%"),
    "SH.DYN.NCOM.MA.ZS": ("ncd30q70", "male", "%"),
    "SH.XPD.CHEX.GD.ZS": ("che_gdp", "total", "% of GDP"),
    "SH.DYN.MORT": ("u5mr", "total", "per 1,000 live births"),
    "SH.DYN.MORT.FE": ("u5mr", "female", "per 1,000 live births"),
    "SH.DYN.MORT.MA": ("u5mr", "male", "per 1,000 live births"),
    "SP.DYN.IMRT.IN": ("imr", "total", "per 1,000 live births"),
    "SP.DYN.IMRT.FE.IN": ("imr", "female", "per 1,000 live births"),
    "SP.DYN.IMRT.MA.IN": ("imr", "male", "per 1,000 live births"),
    "SH.DYN.NMRT": ("nmr", "total", "per 1,000 live births"),
    "SH.STA.MMRT": ("maternal_mortality_ratio", "total", "per 100,000 live births"),
    "SH.TBS.INCD": ("tb_incidence", "total", "per 100,000 population"),
    "SH.STA.SUIC.P5": ("suicide_mortality", "total", "per 100,000 population"),
    "SH.STA.SUIC.FE.P5": ("suicide_mortality", "female", "per 100,000 population"),
    "SH.STA.SUIC.MA.P5": ("suicide_mortality", "male", "per 100,000 population"),
    "SH.STA.TRAF.P5": ("road_traffic_mortality", "total", "per 100,000 population"),
    "SH.STA.POIS.P5": ("poisoning_mortality", "total", "per 100,000 population"),
    "SH.STA.WASH.P5": ("unsafe_wash_mortality", "total", "per 100,000 population"),
    "SP.ADO.TFRT": ("adolescent_birth_rate", "female", "per 1,000 women in the age group"),
    "SH.STA.BRTC.ZS": ("skilled_birth_attendance", "total", "%"),
    "SH.IMM.IDPT": ("dtp3_coverage", "total", "%"),
    "SH.IMM.MEAS": ("mcv1_coverage", "total", "%"),
    "SH.MED.PHYS.ZS": ("physician_density", "total", "per 1,000 population"),
    "SH.MED.NUMW.P3": ("nurse_midwife_density", "total", "per 1,000 population"),
    "SP.DYN.CDRT.IN": ("cdr", "total", "per 1,000 population"),
    "SP.DYN.CBRT.IN": ("cbr", "total", "per 1,000 population"),
    "SP.POP.TOTL": ("population", "total", "persons"),
}

# The World Bank's aggregates that are Salamat group units (the rest are noted, not imported).
WB_GROUPS = {
    "WLD": "WORLD",
    "HIC": "HIC",
    "UMC": "UMC",
    "LMC": "LMC",
    "LIC": "LIC",
    "MIC": "MIC",
    "LMY": "LMY",
    "LDC": "LDC",
}
# Every aggregate code of WDI (regions, income and lending groups, demographic dividend, IDA/IBRD,
# fragile states, small states ...): World Bank, "Country and lending groups" (WDI 2024).
# fmt: off
WB_AGGREGATES = frozenset([
    "AFE", "AFW", "ARB", "CEB", "CSS", "EAP", "EAR", "EAS", "ECA", "ECS", "EMU", "EUU", "FCS",
    "HIC", "HPC", "IBD", "IBT", "IDA", "IDB", "IDX", "INX", "LAC", "LCN", "LDC", "LIC", "LMC",
    "LMY", "LTE", "MEA", "MIC", "MNA", "NAC", "OED", "OSS", "PRE", "PSS", "PST", "SAS", "SSA",
    "SSF", "SST", "TEA", "TEC", "TLA", "TMN", "TSA", "TSS", "UMC", "WLD",
])
# fmt: on
# Codes WDI uses for places that are not ISO 3166-1 countries (Kosovo has a unit; the Channel
# Islands have none and are noted like an aggregate).
_NON_ISO = {"XKX": "XKX"}

_YEAR = re.compile(r"^(\d{4})(?: \[YR\d{4}\])?$")
_UNIT_IN_NAME = re.compile(r"\(([^()]*)\)\s*$")


def _fields(line: str) -> list[str]:
    """One line's CSV fields ([] for a line that is not CSV: a field over the csv module's
    limit, a NUL byte ...)."""
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return []


def _header_line(lines: list[str]) -> tuple[int, list[str]]:
    """The index of the header line among the first lines, and its fields."""
    for i, line in enumerate(lines[:20]):
        fields = [f.strip().lower() for f in _fields(line)]
        if "country code" in fields and ("indicator code" in fields or "series code" in fields):
            return i, fields
    raise ValueError("no header")


def _vintage(lines: list[str]) -> str:
    """The date the World Bank says the data were last updated (ISO), else ""."""
    for line in lines:
        fields = _fields(line)
        if len(fields) >= 2 and fields[0].strip().lower() == "last updated date":
            return fields[1].strip()
        m = re.match(r'^"?Last Updated:\s*(\d{1,2})/(\d{1,2})/(\d{4})', line.strip())
        if m:
            return datetime(int(m[3]), int(m[1]), int(m[2])).date().isoformat()
    return ""


def _unit_from_name(name: str) -> str:
    """The unit a WDI series name states in its last parentheses, else "" (nothing assumed):
    ``"Current health expenditure (% of GDP)"`` -> ``% of GDP``."""
    m = _UNIT_IN_NAME.search(name.strip())
    return m[1].strip() if m else ""


def _sex_of(series: str) -> str:
    """WDI marks a series of one sex by a ``FE`` or ``MA`` part of its code
    (``SP.DYN.LE00.FE.IN``, ``SH.DYN.MORT.MA``); every other series is of both sexes."""
    parts = series.upper().split(".")
    return "female" if "FE" in parts else "male" if "MA" in parts else "total"


def _read(path: Path) -> tuple[pd.DataFrame, str, bool]:
    """The table under its header, as strings, with ``_row`` the file's line; the vintage; and
    whether it is a DataBank export (``Series Code``)."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{path}: cannot be read as UTF-8 text: {exc}",
            [Problem(str(path), None, None, f"cannot be read as UTF-8 text: {exc}")],
        ) from exc
    lines = text.splitlines()
    try:
        start, fields = _header_line(lines)
    except ValueError:
        first = lines[0][:120] if lines else ""
        message = (
            "not a World Development Indicators CSV: expected a header with Country Name, Country "
            "Code, Indicator Name, Indicator Code and year columns (data.worldbank.org) or Series "
            f"Name, Series Code and '2000 [YR2000]' columns (DataBank); the file begins {first!r}"
        )
        raise InputError(f"{path}: {message}", [Problem(str(path), 1, None, message)]) from None
    try:
        df = pd.read_csv(
            io.StringIO("\n".join(lines[start:])),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            f"{path}: cannot be read as CSV: {exc}",
            [Problem(str(path), start + 1, None, f"cannot be read as CSV: {exc}")],
        ) from exc
    df.columns = [str(c).strip() for c in df.columns]
    df["_row"] = range(start + 2, start + 2 + len(df))
    df["_file"] = str(path)
    return df, _vintage(lines[:start] + lines[-6:]), "series code" in fields


def parse_worldbank(path: Path, ctx: ParseContext) -> Parsed:
    df, vintage, databank = _read(path)
    lower = {c.lower(): c for c in df.columns}
    country_col = lower.get("country code", "")
    name_col = lower.get("country name", "")
    series_col = lower["series code" if databank else "indicator code"]
    series_name_col = lower.get("series name" if databank else "indicator name", "")
    years = {c: m[1] for c in df.columns if (m := _YEAR.match(c))}
    if not years:
        message = "no year column (1960, 1961 ... or 2000 [YR2000] ...) after the series columns"
        raise InputError(f"{path}: {message}", [Problem(str(path), 1, None, message)])
    known = {country_col, name_col, series_col, series_name_col, "_row", "_file", *years}
    notes: list[str] = []
    problems: list[Problem] = []
    for extra in (c for c in df.columns if c not in known):
        if (df[extra].astype(str).str.strip() != "").any():
            message = f"column {extra!r} is not a World Development Indicators column"
            problems.append(Problem(str(path), 1, extra, message, extra))

    code = df[country_col].astype(str).str.strip()
    series = df[series_col].astype(str).str.strip()
    # blank lines, and a DataBank footer ("Data from database: ...", "Last Updated: ...")
    blank = (code == "") & (series == "")
    df, code, series = df[~blank], code[~blank], series[~blank]

    # areas: ISO alpha-3 countries of the catalogue (never a subdivision alias), WDI's groups
    area_map = ctx.mapping.get("area", {})
    catalog = ctx.catalog
    codes = sorted(set(code))
    where: dict[str, str | None] = {}
    aggregates: list[str] = []
    for c in codes:
        if c in area_map:
            where[c] = area_map[c]
        elif c in WB_GROUPS and WB_GROUPS[c] in catalog.orgunits:
            where[c] = WB_GROUPS[c]
        elif c in WB_AGGREGATES:
            where[c] = None
            aggregates.append(c)
        elif (c in _NON_ISO or pycountry.countries.get(alpha_3=c) is not None) and (
            ou := catalog.orgunits.get(_NON_ISO.get(c, c))
        ) is not None:
            where[c] = ou.code
        else:
            where[c] = None
    area = code.map(where)
    aggregate = code.isin(aggregates)
    unknown = area.isna() & ~aggregate
    if aggregate.any():
        names = df.loc[aggregate, name_col] if name_col else code[aggregate]
        listed = sorted({f"{c} {n}".strip() for c, n in zip(code[aggregate], names, strict=True)})
        notes.append(
            f"{path.name}: {int(aggregate.sum())} row(s) of {len(listed)} World Bank aggregates "
            f"Salamat has no unit for not imported ({', '.join(listed[:6])}"
            f"{' ...' if len(listed) > 6 else ''})"
        )
    for c in sorted(set(code[unknown])):
        first = df.loc[unknown & (code == c)]
        message = (
            "a row with no Country Code: WDI rows name their country by its ISO alpha-3 code"
            if c == ""
            else f"unknown country code {c!r}: not an ISO 3166-1 alpha-3 country of the catalogue "
            f"nor a World Bank aggregate; map it with --map (area,{c},<code>)"
        )
        for row in first["_row"]:
            problems.append(Problem(str(path), int(row), "Country Code", message, c))
    left_out = area == SKIP
    live = ~aggregate & ~unknown & ~left_out

    # series: the catalogue's, mapped ones, or new ones under --new-indicators
    mapped = ctx.mapping.get("indicator", {})
    indicator: dict[str, str | None] = {}
    sex: dict[str, str] = {}
    unit: dict[str, str] = {}
    made: list[NewIndicator] = []
    series_names = df[series_name_col].astype(str).str.strip() if series_name_col else series
    first_name = dict(zip(series, series_names, strict=True))
    for s in sorted(set(series)):
        name = first_name.get(s, s)
        if s in mapped:
            indicator[s], sex[s], unit[s] = mapped[s], _sex_of(s), _unit_from_name(name)
        elif s in KNOWN_SERIES:
            indicator[s], sex[s], unit[s] = KNOWN_SERIES[s]
        elif ctx.new_indicators and s:
            new = NewIndicator(
                code=derived_code("wb", [s]),
                name=name or s,
                unit=_unit_from_name(name),
                source_code=s,
                source=SOURCE,
            )
            made.append(new)
            indicator[s], sex[s], unit[s] = new.code, _sex_of(s), new.unit
        else:
            indicator[s] = None
    for s in (s for s, i in indicator.items() if i is None):
        row = int(df.loc[series == s, "_row"].iloc[0])
        message = (
            f"unknown World Development Indicators series {s!r} ({first_name.get(s, '')}): map it "
            f"with --map (indicator,{s},<code>; '-' leaves it out) or create it with "
            "--new-indicators"
        )
        problems.append(Problem(str(path), row, series_col, message, s))
    skipped_series = series.map(indicator).isin([SKIP])
    for s in sorted({s for s, i in indicator.items() if i == SKIP}):
        notes.append(f"{path.name}: series {s!r} not imported (mapped to '-')")
    live = live & series.map(indicator).notna() & ~skipped_series

    rows = df.loc[live, ["_file", "_row", *years]].assign(_series=series[live], _area=area[live])
    long = rows.melt(
        id_vars=["_file", "_row", "_series", "_area"],
        value_vars=list(years),
        var_name="_year",
        value_name="value",
    )
    # empty and '..' cells stay in: validation skips them as missing values and counts them
    long["value"] = long["value"].astype(str).str.strip().replace("..", "")
    frame = pd.DataFrame(
        {
            "_file": long["_file"],
            "_row": long["_row"],
            "indicator": long["_series"].map(indicator),
            "area": long["_area"],
            "period": long["_year"].map(years),
            "sex": long["_series"].map(sex),
            "value": long["value"],
            "unit": long["_series"].map(unit),
            "note": "WDI " + long["_series"] + ": " + long["_series"].map(first_name),
            "vintage": vintage,
        }
    )
    return Parsed(
        frame.reset_index(drop=True),
        problems,
        default_source=SOURCE,
        notes=notes,
        new_indicators=made,
    )


register_parser(
    "worldbank",
    parse_worldbank,
    "World Bank WDI CSV: data.worldbank.org download (API_*.csv), WDICSV.csv or DataBank export",
)
