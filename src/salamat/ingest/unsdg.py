"""``salamat import unsdg``: the UN SDG Global Database (https://unstats.un.org/sdgs/dataportal).

Layouts: the SDG API's CSV and JSON and the data portal's download (CSV or Excel), read by
:mod:`salamat.ingest.unsdg_read`.

**Series.** A health series the catalogue holds (:data:`KNOWN_SERIES`: ``SH_DTH_NCOM`` 3.4.1 ->
``ncd30q70``, ``SH_DYN_MORT`` -> ``u5mr``, ``SH_STA_MMR`` -> ``maternal_mortality_ratio``,
``SH_TBS_INCID`` -> ``tb_incidence`` ...) goes to its indicator. Any other series needs ``--map``
(``indicator,<series code>,<indicator>``; ``-`` leaves it out) or ``--new-indicators``, which
registers it as ``unsdg_`` and the series code in lower case (``SH_ACS_UNHC`` ->
``unsdg_sh_acs_unhc``), named by the series description, in the unit its ``Units`` code names.
A dimension Salamat has no column for (``Name of non-communicable disease``, ``Quantile`` ...)
with a value other than a total is part of the series key to map, as for WHO GHO:
``SH_DTH_RNCOM/Name of non-communicable disease=CAR``.

**Units.** The ``Units`` code (``PERCENT``, ``PER_1000_LIVE_BIRTHS``, ``PER_100000_POP`` ...,
:data:`UNITS`) is read as the unit it names and checked against the indicator's unit by the
shared validation: converted when the conversion is exact (a power of ten), else the row is
rejected with the reason (:mod:`salamat.methods.units`). A code Salamat does not know is kept
as written and can only match a unit of the same text: nothing is assumed.

**Areas.** ``GeoAreaCode`` is UN M49: a country's code is its ISO 3166-1 numeric code
(``398`` Kazakhstan), placed when that country is an org unit; ``1`` is the world; the M49
regions and the SDG groupings Salamat has a unit for (``143`` Central Asia, ``202``
Sub-Saharan Africa, ``199`` least developed countries ... :data:`M49_GROUPS`) go to that
unit; the other groupings the database publishes (:data:`M49_AGGREGATES`) are listed in the
notes and not imported, never under a country. The database's own codes for places without
an ISO code (``412`` Kosovo, ``680`` Sark) and any unknown code are problems naming the
``--map`` line (``area,412,XKX``) that would place them.

**Disaggregations.** ``Sex`` (``BOTHSEX``, ``FEMALE``, ``MALE``), ``Location`` (``ALLAREA``,
``URBAN``, ``RURAL``: the residence) and ``Age`` (``ALLAGE``, ``15-19``, ``Y15T49``, ``<5Y``).
An age the indicator is defined on is not stored a second time: ``<5Y`` of the under-five
mortality rate is the rate itself (age ``all``, as every other source stores it); the
30-70 of SDG 3.4.1 (from exact age 30 to exact age 70) is ``ncd30q70``'s band ``30-69``.
``UpperBound`` and ``LowerBound`` are the value's bounds. Where the series description says
its disaggregations are "characteristics of the head of household" (SDG 3.8.2,
``SH_OOP_XPD_EARNNET40``: the share of *people* in households with catastrophic spending, by
the sex and age of the household's head), ``Sex`` and ``Age`` are the head's, not the
people's: they are part of the series key (``SH_OOP_XPD_EARNNET40/Sex of head of
household=FEMALE``), never stored as the sex or age of the value.

**Values.** ``TimePeriod`` must be a year. ``NaN``, an empty cell and ``N`` (the database's
"not relevant" value, with ``Nature`` N) are missing values: skipped and counted. A censored
value (``<0.1``, ``>95``, ``<5``) is a bound, not a number: those rows are not imported and are
counted in the notes with their rows. Any other text is a problem.

**Source.** "UN SDG Global Database"; its ``Reporting Type`` N rows (data a country reported
itself, published beside the global series G of the custodian agency for the same country,
year and disaggregation) are stored under "UN SDG Global Database (national data)", so that
neither overwrites the other (in a file with such rows ``--source`` does not apply: it would
merge the two). Without national rows the source is the import's, ``--source`` or SOURCE. Each value's note keeps the series, ``Nature`` (C country data,
CA country adjusted, E estimated, M modelled, G global monitoring, N not relevant),
``Time_Detail``, the original ``Source`` and ``FootNote``. The vintage is the release
(``ReleaseName`` of the bulk download) when the file names one.

Source: United Nations Statistics Division, Global SDG Indicators Database; terms of use of UN
data (https://www.un.org/en/about-us/terms-of-use): free to use with attribution.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pycountry

from salamat.errors import InputError, Problem
from salamat.ingest.interop import SKIP, definitional_age, lookup, row_problems, skip_note
from salamat.ingest.registry import NewIndicator, ParseContext, Parsed, register_parser
from salamat.ingest.sdmx import derived_code
from salamat.ingest.unsdg_read import read_unsdg

__all__ = [
    "KNOWN_SERIES",
    "M49_AGGREGATES",
    "M49_GROUPS",
    "NATIONAL_SOURCE",
    "SOURCE",
    "UNITS",
    "head_of_household",
    "parse_unsdg",
    "sdg_age",
]

SOURCE = "UN SDG Global Database"
NATIONAL_SOURCE = "UN SDG Global Database (national data)"

# SDG series -> Salamat indicator. The series codes are the database's (SDG indicator in the
# comment); each indicator's unit is the catalogue's, the Units code is checked against it.
KNOWN_SERIES = {
    "SH_STA_MMR": "maternal_mortality_ratio",  # 3.1.1
    "SH_STA_BRTC": "skilled_birth_attendance",  # 3.1.2
    "SH_DYN_MORT": "u5mr",  # 3.2.1
    "SH_DYN_IMRT": "imr",  # 3.2.1
    "SH_DYN_NMRT": "nmr",  # 3.2.2
    "SH_HIV_INCD": "hiv_incidence",  # 3.3.1
    "SH_TBS_INCID": "tb_incidence",  # 3.3.2
    "SH_DTH_NCOM": "ncd30q70",  # 3.4.1
    "SH_STA_SCIDE": "suicide_mortality",  # 3.4.2
    "SH_STA_TRAF": "road_traffic_mortality",  # 3.6.1
    "SP_DYN_ADKL": "adolescent_birth_rate",  # 3.7.2
    "SH_STA_WASH": "unsafe_wash_mortality",  # 3.9.2
    "SH_STA_POISN": "poisoning_mortality",  # 3.9.3
    "SH_ACS_DTP3": "dtp3_coverage",  # 3.b.1
    "SH_ACS_MCV2": "mcv2_coverage",  # 3.b.1
    "SH_ACS_PCV3": "pcv3_coverage",  # 3.b.1
}
# The ages (canonical bands, or the database's codes) that an indicator is defined on: not a
# disaggregation, so not stored a second time (u5mr is 5q0; imr 1q0; nmr the first 28 days).
IMPLIED_AGES = {
    "u5mr": frozenset({"0-4", "<5Y", "Y0T4", "M0T59"}),
    "imr": frozenset({"0", "<1Y", "Y0", "M0T11"}),
    "nmr": frozenset({"<1M", "M0", "D0T27", "0-27D", "<28D"}),
    # SDG 3.4.1 runs from exact age 30 to exact age 70: the catalogue's band 30-69
    "ncd30q70": frozenset({"30-70", "Y30T70", "30-69", "Y30T69"}),
}

# The database's Units codes -> the unit in Salamat's words (methods/units.py reads them).
UNITS = {
    "PERCENT": "%",
    "PER_1000_LIVE_BIRTHS": "per 1,000 live births",
    "PER_100000_LIVE_BIRTHS": "per 100,000 live births",
    "PER_1000_POP": "per 1,000 population",
    "PER_10000_POP": "per 10,000 population",
    "PER_100000_POP": "per 100,000 population",
    "PER_1000_UNINFECTED_POP": "per 1,000 uninfected population",
    "PER_1000_WOMEN": "per 1,000 women",
    "NUMBER": "number",
    "THOUSANDS": "thousands",
    "MILLIONS": "millions",
}

# M49 regions and SDG groupings that are Salamat units (only used when the unit exists).
M49_GROUPS = {
    "1": "WORLD",
    "62": "SDG-CSA",
    "199": "LDC",
    "202": "SDG-SSA",
    "432": "LLDC",
    "513": "SDG-ENA",
    "543": "SDG-OCE",
    "722": "SIDS",
    "747": "SDG-NAWA",
    "753": "SDG-ESEA",
}
# Every other grouping code the database publishes (M49 regions and sub-regions, SDG regions
# and their variants, development groups), noted and not imported: UN Statistics Division,
# Standard country or area codes for statistical use (M49), and the database's GeoArea list.
# fmt: off
M49_AGGREGATES = frozenset([
    "1", "2", "5", "9", "11", "13", "14", "15", "17", "18", "19", "21", "29", "30", "34", "35",
    "39", "53", "54", "57", "61", "62", "127", "135", "142", "143", "145", "150", "151", "154",
    "155", "199", "202", "223", "419", "432", "485", "513", "514", "515", "518", "543", "722",
    "738", "746", "747", "753", "830",
])
# fmt: on
# The database's codes for places without an ISO 3166-1 code: map them with --map.
SPECIAL_PLACES = {"412": ("Kosovo", "XKX"), "680": ("Sark", "")}

_SEX = {"BOTHSEX": "total", "_T": "total", "FEMALE": "female", "F": "female", "MALE": "male"}
_SEX.update({"M": "male"})
_RESIDENCE = {"ALLAREA": "total", "_T": "total", "URBAN": "urban", "U": "urban"}
_RESIDENCE.update({"RURAL": "rural", "R": "rural"})
_TOTALS = frozenset({"", "_T", "_Z", "ALL", "ALLAGE", "ALLAREA", "BOTHSEX", "NOT_APPLICABLE"})
_NATURE = {
    "C": "country data",
    "CA": "country adjusted data",
    "E": "estimated",
    "M": "modelled",
    "G": "global monitoring data",
    "N": "not relevant",
    "NA": "not available",
}
# Columns handled here, not part of the series key
_HANDLED = frozenset({"sex", "age", "location", "units", "nature", "reporting type"})
_ATTRIBUTES = frozenset(
    {"observation status", "freq", "report ordinal", "unitmultiplier", "unit multiplier"}
)
_YEAR = re.compile(r"^\d{4}$")
_CENSORED = re.compile(r"^\s*[<>≤≥]=?\s*\d")
_BAND_Y = re.compile(r"^Y(\d+)T(\d+)$")
_OPEN_Y = re.compile(r"^(?:Y_GE|Y)(\d+)(?:\+|_PLUS|PLUS)?$")
_UNDER = re.compile(r"^<(\d+)Y$")
_HEAD = re.compile(r"(?i)\bhead of (?:the )?household")


def sdg_age(code: str) -> str | None:
    """The database's age code -> a Salamat band, ``""`` for all ages, None when unknown:
    ``ALLAGE`` -> ``""``; ``15-19`` / ``Y15T19`` -> ``15-19``; ``15+`` / ``Y_GE15`` -> ``15+``;
    ``<5Y`` -> ``0-4``; ``M0T59`` (months 0-59) -> ``0-4``."""
    c = code.strip().upper()
    if c in _TOTALS:
        return ""
    if m := _BAND_Y.match(c):
        return f"{int(m[1])}-{int(m[2])}" if int(m[1]) <= int(m[2]) else None
    if m := re.match(r"^(\d+)-(\d+)$", c):
        return f"{int(m[1])}-{int(m[2])}" if int(m[1]) <= int(m[2]) else None
    if m := re.match(r"^(\d+)\+$", c):
        return f"{int(m[1])}+"
    if c.startswith("Y_GE") and c[4:].isdigit():
        return f"{int(c[4:])}+"
    if m := _UNDER.match(c):
        return "0" if int(m[1]) == 1 else f"0-{int(m[1]) - 1}"
    if m := re.match(r"^M(\d+)T(\d+)$", c):
        first, last = int(m[1]), int(m[2])
        if first % 12 == 0 and (last + 1) % 12 == 0 and last > first:
            a, b = first // 12, (last + 1) // 12 - 1
            return str(a) if a == b else f"{a}-{b}"
    return None


def _column(df: pd.DataFrame, names: dict[str, str], name: str) -> pd.Series:
    col = names.get(name)
    return df[col].astype(str) if col else pd.Series("", index=df.index, dtype=object)


def _areas(ctx: ParseContext, codes: list[str]) -> tuple[dict[str, str | None], set[str]]:
    """GeoAreaCode -> org unit (None: not placed), and the codes that are aggregates."""
    area_map = ctx.mapping.get("area", {})
    catalog = ctx.catalog
    where: dict[str, str | None] = {}
    aggregates: set[str] = set()
    for raw in codes:
        c = raw.lstrip("0") or raw
        if raw in area_map or c in area_map:
            where[raw] = area_map.get(raw, area_map.get(c))
            continue
        group = M49_GROUPS.get(c)
        m49_unit = f"M49-{c.zfill(3)}"
        if group and group in catalog.orgunits:
            where[raw] = group
        elif c in M49_AGGREGATES and m49_unit in catalog.orgunits:
            where[raw] = m49_unit
        elif c in M49_AGGREGATES:
            where[raw] = None
            aggregates.add(raw)
        elif c.isdigit() and len(c) <= 3 and c not in SPECIAL_PLACES:
            iso = catalog.iso_numeric.get(c)
            if iso is None and (country := pycountry.countries.get(numeric=c.zfill(3))):
                iso = catalog.resolve(str(country.alpha_3))
            where[raw] = iso if iso in catalog.orgunits else None
        else:
            where[raw] = None
    return where, aggregates


def _area_message(code: str, name: str) -> str:
    c = code.lstrip("0") or code
    if c in SPECIAL_PLACES:
        place, unit = SPECIAL_PLACES[c]
        return (
            f"GeoAreaCode {code} is the database's own code for {place} (not an ISO 3166-1 "
            f"country code): map it with --map (area,{code},{unit or '<org unit>'}; '-' leaves "
            "it out)"
        )
    if c.isdigit() and (old := pycountry.historic_countries.get(numeric=c.zfill(3))):
        return (
            f"GeoAreaCode {code} ({name}) is a former country ({old.name}): map it with --map "
            f"(area,{code},<org unit>) or leave it out (area,{code},-)"
        )
    return (
        f"unknown GeoAreaCode {code!r} ({name}): not a UN M49 country code of an org unit nor a "
        f"grouping of the database; map it with --map (area,{code},<org unit>; '-' leaves it out)"
    )


def head_of_household(df: pd.DataFrame) -> pd.Series:
    """Rows of a series whose description says its disaggregations are characteristics of the
    head of household (SDG 3.8.2 ``SH_OOP_XPD_EARNNET40``: "... by location, quintile, type of
    household and characteristics of the head of household (%)"): their ``Sex`` and ``Age``
    describe the head, not the people the value counts."""
    return df["SeriesDescription"].astype(str).str.contains(_HEAD, regex=True)


def _series_keys(df: pd.DataFrame, extra: list[str]) -> pd.Series:
    """The series code plus every dimension without a Salamat column whose value is not a
    total: ``SH_DTH_RNCOM/Name of non-communicable disease=CAR``; for a series disaggregated by
    the head of household, its ``Sex`` and ``Age`` too, named as the head's
    (``SH_OOP_XPD_EARNNET40/Sex of head of household=FEMALE``)."""
    key = df["SeriesCode"].astype(str)
    head = head_of_household(df)
    for col in extra:
        low = col.lower()
        if low in _ATTRIBUTES:
            continue
        value = df[col].astype(str)
        if low in ("sex", "age"):
            value = value.str.strip()
            col = f"{col} of head of household"
            live = head & ~value.str.upper().isin(list(_TOTALS))
        elif low in _HANDLED:
            continue
        else:
            live = ~value.str.upper().isin(list(_TOTALS))
        key = key.where(~live, key + "/" + col + "=" + value)
    return key


def _note(df: pd.DataFrame, names: dict[str, str]) -> pd.Series:
    nature = _column(df, names, "nature")
    parts = [
        "UN SDG " + df["SeriesCode"] + ": " + df["SeriesDescription"],
        nature.map(
            lambda n: f"nature {n} ({_NATURE[n]})" if n in _NATURE else (n and f"nature {n}")
        ),
        pd.Series(
            [
                f"time detail {t}" if t and t != y else ""
                for t, y in zip(df["Time_Detail"], df["TimePeriod"], strict=True)
            ],
            index=df.index,
        ),
        df["Source"].map(lambda s: f"source: {s}" if s else ""),
        df["FootNote"].map(lambda s: f"footnote: {s}" if s else ""),
    ]
    out = parts[0]
    for p in parts[1:]:
        out = out + p.map(lambda t: f"; {t}" if t else "")
    return out


def parse_unsdg(path: Path, ctx: ParseContext) -> Parsed:
    table = read_unsdg(path)
    df = table.frame
    notes = list(table.notes)
    problems: list[Problem] = []
    names = {c.lower(): c for c in table.extra}
    if not len(df):
        message = "no data rows under the header"
        raise InputError(f"{path}: {message}", [Problem(str(path), 2, None, message)])
    bad = pd.Series(False, index=df.index)

    # areas
    codes = df["GeoAreaCode"].astype(str)
    where, aggregates = _areas(ctx, sorted(set(codes)))
    area = codes.map(where)
    aggregate = codes.isin(list(aggregates))
    left_out_area = area == SKIP
    unknown_area = area.isna() & ~aggregate
    if aggregate.any():
        listed = sorted(set(codes[aggregate] + " " + df.loc[aggregate, "GeoAreaName"]))
        notes.append(
            f"{path.name}: {int(aggregate.sum())} row(s) of {len(listed)} UN regions or groups "
            f"Salamat has no unit for not imported ({', '.join(listed[:6])}"
            f"{' ...' if len(listed) > 6 else ''}); map one with --map (area,<code>,<org unit>)"
        )
    notes += skip_note(path.name, df, left_out_area, codes)
    texts = {c: _area_message(c, n) for c, n in zip(codes, df["GeoAreaName"], strict=True)}
    problems += row_problems(
        df.assign(_c=codes), unknown_area, "GeoAreaCode", lambda c: texts[c], "_c"
    )
    bad |= unknown_area

    # series: known, mapped, left out, or new under --new-indicators
    key = _series_keys(df, table.extra)
    indicator: dict[str, str | None] = {}
    made: list[NewIndicator] = []
    units_col = _column(df, names, "units")
    for k in sorted(set(key)):
        base = k.split("/", 1)[0]
        mapped = lookup(ctx, ("indicator",), k)
        if mapped is None and lookup(ctx, ("indicator",), base) == SKIP:
            mapped = SKIP
        if mapped is None and k == base:
            mapped = KNOWN_SERIES.get(base)
        if mapped is None and ctx.new_indicators and base:
            first = df.index[key == k][0]
            unit = str(units_col.at[first]).strip()
            made.append(
                NewIndicator(
                    code=derived_code("unsdg", [k]),
                    name=str(df.at[first, "SeriesDescription"])
                    + (f" ({k.split('/', 1)[1]})" if "/" in k else ""),
                    unit=UNITS.get(unit, unit),
                    source_code=k,
                    source=SOURCE,
                )
            )
            mapped = made[-1].code
        indicator[k] = mapped
    ind = key.map(indicator)
    skipped = ind == SKIP
    notes += skip_note(path.name, df, skipped, key)
    unknown_ind = ind.isna() & ~bad & ~aggregate & ~left_out_area
    problems += row_problems(
        df.assign(_k=key),
        unknown_ind,
        "SeriesCode",
        lambda k: (
            f"unknown SDG series {k!r}: map it with --map (indicator,{k},<code>; '-' leaves it "
            "out) or create it with --new-indicators"
            + (
                "; its disaggregation has no Salamat column, so the combination is mapped as a "
                "whole"
                if "/" in k
                else ""
            )
        ),
        "_k",
    )
    bad |= unknown_ind
    live = ~aggregate & ~left_out_area & ~skipped

    # disaggregations
    # the sex and age of a household's head are in the series key, not the value's
    head = head_of_household(df)
    sex_raw = _column(df, names, "sex").str.strip().where(~head, "")
    sex = sex_raw.map(lambda s: lookup(ctx, ("sex",), s) or _SEX.get(s.upper()) if s else "total")
    bad_sex = live & ~bad & sex.isna()
    problems += row_problems(
        df.assign(_v=sex_raw),
        bad_sex,
        "Sex",
        lambda s: (
            f"unknown Sex code {s!r}: expected BOTHSEX, FEMALE or MALE, or --map sex,{s},<sex>"
        ),
        "_v",
    )
    res_raw = _column(df, names, "location").str.strip()
    residence = res_raw.map(
        lambda r: lookup(ctx, ("residence",), r) or _RESIDENCE.get(r.upper()) if r else "total"
    )
    bad_res = live & ~bad & residence.isna()
    problems += row_problems(
        df.assign(_v=res_raw),
        bad_res,
        "Location",
        lambda r: (
            f"unknown Location code {r!r}: expected ALLAREA, URBAN or RURAL, or --map "
            f"residence,{r},urban|rural|total"
        ),
        "_v",
    )
    age_raw = _column(df, names, "age").str.strip().where(~head, "")
    age = pd.Series(
        [
            _age_of(ctx, str(i) if isinstance(i, str) else "", a)
            for i, a in zip(ind, age_raw, strict=True)
        ],
        index=df.index,
        dtype=object,
    )
    bad_age = live & ~bad & age.isna()
    problems += row_problems(
        df.assign(_v=age_raw + "|" + ind.fillna("").astype(str)),
        bad_age,
        "Age",
        _age_message,
        "_v",
    )
    bad |= bad_sex | bad_res | bad_age

    # values: a year, a number or a missing marker; censored values are bounds, not values
    period = df["TimePeriod"].astype(str).str.replace(r"\.0$", "", regex=True)
    bad_year = live & ~bad & ~period.str.match(_YEAR)
    problems += row_problems(
        df.assign(_v=period),
        bad_year,
        "TimePeriod",
        lambda t: f"TimePeriod {t!r} is not a year (expected four digits such as 2019)",
        "_v",
    )
    bad |= bad_year
    value = df["Value"].astype(str).str.strip()
    not_relevant = value.str.upper() == "N"
    value = value.where(~not_relevant, "")
    censored = live & ~bad & value.str.match(_CENSORED)
    if censored.any():
        shown = sorted(set(value[censored]))
        rows = ", ".join(str(r) for r in df.loc[censored, "_row"].head(8))
        notes.append(
            f"{path.name}: {int(censored.sum())} censored value(s) "
            f"({', '.join(repr(v) for v in shown[:5])}) not imported: the database publishes a "
            f"bound there, not a number (row(s) {rows}{' ...' if censored.sum() > 8 else ''})"
        )
    if (live & ~bad & not_relevant).any():
        notes.append(
            f"{path.name}: {int((live & ~bad & not_relevant).sum())} value(s) 'N' (not relevant "
            "for the country) skipped as missing"
        )
    for col in ("UnitMultiplier", "Unit multiplier"):
        if col.lower() in names:
            mult = df[names[col.lower()]].astype(str).str.strip()
            odd = live & ~bad & ~mult.isin(["", "0"])
            problems += row_problems(
                df.assign(_v=mult),
                odd,
                col,
                lambda m: (
                    f"unit multiplier {m!r}: values in units of 10^{m} are not read; ask the "
                    "database for the series in units, or convert the file"
                ),
                "_v",
            )
            bad |= odd

    reporting = _column(df, names, "reporting type").str.strip().str.upper()
    keep = live & ~bad & ~censored
    units = units_col.str.strip().map(lambda u: UNITS.get(u, u))
    frame = pd.DataFrame(
        {
            "indicator": ind[keep],
            "area": area[keep],
            "period": period[keep],
            "sex": sex[keep],
            "age": age[keep],
            "residence": residence[keep],
            "value": value[keep],
            "lower": df.loc[keep, "LowerBound"],
            "upper": df.loc[keep, "UpperBound"],
            "unit": units[keep],
            "source": reporting[keep].map(lambda r: NATIONAL_SOURCE if r == "N" else SOURCE),
            "vintage": table.release,
            "note": _note(df, names)[keep],
            "_file": df.loc[keep, "_file"],
            "_row": df.loc[keep, "_row"],
        }
    )
    frame["age"] = definitional_age(frame["indicator"], frame["age"])
    if not (frame["source"] == NATIONAL_SOURCE).any():
        # no national rows: the source is the import's (--source, else SOURCE), as for any kind
        frame = frame.drop(columns="source")
    return Parsed(
        frame.reset_index(drop=True),
        problems,
        default_source=SOURCE,
        notes=notes,
        new_indicators=made,
    )


def _age_of(ctx: ParseContext, indicator: str, code: str) -> str | None:
    """The age to store (``""`` when the indicator implies it), None when unknown."""
    mapped = lookup(ctx, ("age",), code)
    if mapped is not None:
        return mapped
    implied = IMPLIED_AGES.get(indicator, frozenset())
    band = sdg_age(code)
    if code.upper() in implied or (band and band in implied):
        return ""
    if indicator == "ncd30q70" and band not in ("", None):
        return None  # 3.4.1 has one age band; another is not this indicator
    return band


def _age_message(value: str) -> str:
    code, _, indicator = value.partition("|")
    if indicator == "ncd30q70":
        return (
            f"Age {code!r} for SDG 3.4.1: the indicator is the probability of dying from exact "
            "age 30 to exact age 70 (30-70, stored as ncd30q70's band 30-69); another band is "
            "not this indicator"
        )
    return (
        f"unknown Age code {code!r}: expected ALLAGE, a band such as 15-19 or Y15T19, 15+ or "
        f"<5Y; map it with --map (age,{code},<band such as 30-69>)"
    )


register_parser(
    "unsdg",
    parse_unsdg,
    "UN SDG Global Database: SDG API CSV or JSON, data portal download (CSV or Excel)",
)
