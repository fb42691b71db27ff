"""``salamat import owid``: Our World in Data CSVs, grapher downloads and the ``owid-datasets``
repository's dataset CSVs.

Layouts: ``Entity,Code,Year,<value>...`` (a grapher download) and ``Entity,Year,<value>...``
(no ``Code``: the dataset CSVs of ``owid/owid-datasets``). Each value column is one indicator:
known columns are named in :data:`KNOWN_COLUMNS`; others need ``--map`` with a row
``indicator,<column name>,<indicator code>`` (``-`` leaves the column out), or ``--new-indicators``,
which registers each as ``owid_`` and the column name in lower case (``Suicide rate (WHO (2005))``
-> ``owid_suicide_rate_who_2005``; the same at every import), named by the metadata's title and
with the metadata's unit (none when there is no metadata: nothing assumed). Empty cells are missing
values: skipped and counted in the notes, never an error.

Years: a value's year is ``Year``, unless the download says the value is from another year (a
``time`` column per value column, or ``<column> (Original Year)``): a chart shows the nearest
year's value where a country has none, and its filtered download keeps the value's own year
there (with ``Year`` and ``Code`` sometimes empty). The value is stored at its own year, with a
note. Annotation columns (``<id>-annotations``, ``(Annotations)``) are text and left out.

Areas: the ``Code`` (ISO 3166-1 alpha-3, ``OWID_WRL`` = the world) when there is one, else the
entity's name, resolved to an org unit by :func:`resolve_names`. OWID's own regions ("World",
"Europe (WHO)", "High-income countries", "Africa" ...) go to a group unit when Salamat has one
(the WHO regions, the world), else they are listed in the notes and not imported; they are
never imported under a country. A name that is neither a known unit nor an OWID region is a
problem that names the ``--map`` line (``area,<name>,<code>``) that would resolve it.

Metadata: the grapher download's ``<stem>.metadata.json`` beside the CSV, the dataset's
``datapackage.json`` beside it, or any file given with ``--metadata``. From it, per column: the
unit (``unit``, else ``shortUnit``; ``owidDisplaySettings.unit`` in a datapackage), the title
and the citation (the value's source, unless ``--source`` is given). A unit that differs from
the indicator's is converted when exact (``deaths per 100 live births`` -> ``per 1,000 live
births``: x10) or the rows are rejected (:mod:`salamat.methods.units`); a known column without
metadata carries the unit OWID publishes it in (:data:`KNOWN_COLUMNS`).

Source: Our World in Data (https://ourworldindata.org), CC BY 4.0; each chart's underlying
data keep their producers' terms.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pycountry

from salamat.errors import InputError, Problem
from salamat.ingest.interop import SKIP
from salamat.ingest.places import ambiguous_message, area_name_candidates
from salamat.ingest.registry import (
    NewArea,
    NewIndicator,
    ParseContext,
    Parsed,
    register_parser,
)
from salamat.ingest.sdmx import derived_code
from salamat.ingest.tables import read_table
from salamat.store.reference import Catalog

__all__ = ["KNOWN_COLUMNS", "OWID_REGIONS", "ColumnMeta", "parse_owid", "resolve_names"]

SOURCE = "Our World in Data"

# OWID column title (lower case) -> (our indicator, the unit OWID publishes it in).
KNOWN_COLUMNS = {
    "estimated incidence of all forms of tuberculosis": (
        "tb_incidence",
        "cases per 100,000 people",
    ),
    "current health expenditure (che) as percentage of gross domestic product (gdp) (%)": (
        "che_gdp",
        "% of GDP",
    ),
    # the long-run series (Gapminder; UN IGME) is published as deaths per 100 live births
    "child mortality rate": ("u5mr", "deaths per 100 live births"),
    # life expectancy at birth, period (UN WPP; HMD; Zijdeman et al. and Riley before 1950), as
    # the column has been named in the grapher downloads of the "life-expectancy" charts
    "life expectancy at birth (historical)": ("le0", "years"),
    "period life expectancy at birth": ("le0", "years"),
    "period life expectancy at birth - sex: all - age: 0": ("le0", "years"),
    "period life expectancy at birth - sex: female - age: 0": ("le0", "years"),
    "period life expectancy at birth - sex: male - age: 0": ("le0", "years"),
    "life expectancy - sex: total - age: 0 - type: period": ("le0", "years"),
    "life expectancy - sex: female - age: 0 - type: period": ("le0", "years"),
    "life expectancy - sex: male - age: 0 - type: period": ("le0", "years"),
}
# The sex a known column is about, when OWID's column name says it ("Sex: female"); else total.
_COLUMN_SEX = re.compile(r"\bsex: (female|male)\b")

# Columns of a grapher download that are not values:
# - ``time`` (repeated: ``time``, ``time.1`` ... once read) in the chart-filtered downloads of
#   2024-2025, one per value column in the same order: the year each value is from, which differs
#   from ``Year`` where the chart shows the nearest year's value (OWID's "tolerance"); in such
#   rows ``Year`` and ``Code`` may even be empty (owid/owid-grapher issues 4595 and 5645);
# - ``<value column> (Original Year)`` (``Day``, ``time``): the same, by name, in the downloads
#   cleaned up in 2026 (owid/owid-grapher pull request 5894), listed only where they differ;
# - ``<variable id>-annotations`` and ``<value column> (Annotations)``: text shown beside a line.
_TIME_COLUMN = re.compile(r"^time(?:\.\d+)?$")
_ORIGINAL_TIME = re.compile(r"^(?P<base>.+?)\s*\(original (?:year|day|time)\)$")
_ANNOTATIONS = re.compile(r"^\d+-annotations$|\(annotations\)$")

# OWID's own regions -> our group units (where Salamat has one; others are noted, not imported).
OWID_REGIONS = {
    "world": "WORLD",
    "africa (who)": "WHO-AFR",
    "americas (who)": "WHO-AMR",
    "eastern mediterranean (who)": "WHO-EMR",
    "europe (who)": "WHO-EUR",
    "south-east asia (who)": "WHO-SEAR",
    "western pacific (who)": "WHO-WPR",
}
_CONTINENTS = frozenset(
    {
        "africa",
        "asia",
        "europe",
        "oceania",
        "north america",
        "south america",
        "latin america and the caribbean",
        "european union (27)",
        "northern america",
    }
)
_AGGREGATE_NAME = re.compile(
    r"\((?:who|wb|un|unsd|unicef|ilo|fao|bp|ei|shift|ember|eia|gcp|ihme|sdg|oecd)\)$"
    r"|countries$|income|^world\b|\bregion\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ColumnMeta:
    """What OWID's metadata says of one value column."""

    unit: str = ""
    title: str = ""
    citation: str = ""
    updated: str = ""


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in t if not unicodedata.combining(ch))


def resolve_names(catalog: Catalog, names: list[str]) -> dict[str, str | None]:
    """Entity names -> org-unit codes (None when unknown), one call for all names.

    A code or alias of the catalogue; a name of one org unit above the countries' subdivisions
    (:func:`salamat.ingest.places.area_name_candidates`: its English, Russian or Kazakh name or a
    spelling of the name table; case, accents and punctuation ignored; a name of two units is
    not resolved); a country name, official name or common name that pycountry knows, when
    its ISO alpha-3 code is an org unit; OWID's WHO regions and the world (:data:`OWID_REGIONS`).
    """
    candidates = area_name_candidates(catalog, names)
    out: dict[str, str | None] = {}
    for name in names:
        key = _fold(name)
        # OWID's continents are OWID's own definitions, not the UN M49 regions of that name
        found = [] if key in _CONTINENTS else candidates.get(name, [])
        code = (
            catalog.resolve(name)
            or OWID_REGIONS.get(key)
            or (found[0] if len(found) == 1 else None)
        )
        if code is None and not found:
            try:
                iso3 = pycountry.countries.lookup(name.strip()).alpha_3
            except LookupError:
                iso3 = None
            code = catalog.resolve(iso3) if iso3 else None
        out[name] = code if code in catalog.orgunits else None
    return out


def candidates_of(ctx: ParseContext, names: pd.Series) -> dict[str, list[str]]:
    """The units each name may mean, only for names that mean two or more (ambiguous)."""
    found = area_name_candidates(ctx.catalog, sorted(set(names.astype(str))))
    return {n: c for n, c in found.items() if len(c) > 1}


def is_owid_aggregate(name: str) -> bool:
    """OWID's regions and groups by their names: continents, "(WHO)", "High-income countries"."""
    key = _fold(name)
    return key in _CONTINENTS or key in OWID_REGIONS or bool(_AGGREGATE_NAME.search(key))


def _metadata_files(path: Path, ctx: ParseContext) -> list[Path]:
    stem = path.name
    for suffix in (".csv.gz", ".csv"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    beside = [path.with_name(f"{stem}.metadata.json"), path.with_name("datapackage.json")]
    return [*ctx.metadata, *(p for p in beside if p.exists() and p not in ctx.metadata)]


def read_metadata(files: list[Path]) -> dict[str, ColumnMeta]:
    """Column title (lower case) -> :class:`ColumnMeta`, from grapher ``.metadata.json`` and
    dataset ``datapackage.json`` files; a file that is not OWID metadata is an error."""
    out: dict[str, ColumnMeta] = {}
    for f in files:
        try:
            doc = json.loads(f.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                f"{f}: OWID metadata cannot be read: {exc}",
                [Problem(str(f), None, None, f"OWID metadata cannot be read as JSON: {exc}")],
            ) from exc
        if isinstance(doc, dict) and isinstance(doc.get("columns"), dict):
            chart = doc.get("chart") if isinstance(doc.get("chart"), dict) else {}
            for title, col in doc["columns"].items():
                if not isinstance(col, dict):
                    continue
                unit = str(col.get("unit") or col.get("shortUnit") or "")
                out[str(title).strip().lower()] = ColumnMeta(
                    unit=unit,
                    title=str(col.get("titleLong") or col.get("titleShort") or title),
                    citation=str(col.get("citationShort") or (chart or {}).get("citation") or ""),
                    updated=str(col.get("lastUpdated") or doc.get("dateDownloaded") or ""),
                )
        elif isinstance(doc, dict) and isinstance(doc.get("resources"), list):
            sources = doc.get("sources") or []
            names = [str(s.get("name")) for s in sources if isinstance(s, dict) and s.get("name")]
            citation = "; ".join(names)
            for res in doc["resources"]:
                fields = ((res or {}).get("schema") or {}).get("fields") or []
                for fld in fields:
                    if not isinstance(fld, dict) or fld.get("name") in ("Entity", "Year"):
                        continue
                    settings = fld.get("owidDisplaySettings") or {}
                    out[str(fld.get("name", "")).strip().lower()] = ColumnMeta(
                        unit=str(settings.get("unit") or ""),
                        title=str(doc.get("title") or ""),
                        citation=citation,
                    )
        else:
            message = (
                "not OWID metadata: expected a grapher .metadata.json (with 'columns') or a "
                "datapackage.json (with 'resources')"
            )
            raise InputError(f"{f}: {message}", [Problem(str(f), None, None, message)])
    return out


def _header(path: Path) -> list[str]:
    """The column names as published (``read_table`` lower-cases them), for the names of
    indicators registered under ``--new-indicators``."""
    if not path.name.lower().endswith(".csv"):
        return []
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []  # read_table has refused such a file already


def parse_owid(path: Path, ctx: ParseContext) -> Parsed:
    df = read_table(path)
    if not {"entity", "year"} <= set(df.columns):
        have = ", ".join(c for c in df.columns if not c.startswith("_"))
        message = (
            f"not an OWID file: expected Entity, Year (and Code) then value columns; "
            f"the header has {have}"
        )
        raise InputError(f"{path}: {message}", [Problem(str(path), 1, None, message)])
    keys = {"entity", "code", "year"}
    columns = [c for c in df.columns if c not in keys and not c.startswith("_")]
    annotations = [c for c in columns if _ANNOTATIONS.search(c)]
    times = [c for c in columns if _TIME_COLUMN.match(c)]
    original = {m.group("base"): c for c in columns if (m := _ORIGINAL_TIME.match(c)) is not None}
    values = [
        c for c in columns if c not in annotations and c not in times and c not in original.values()
    ]
    if not values:
        message = "no value column after Entity, Code, Year"
        raise InputError(f"{path}: {message}", [Problem(str(path), 1, None, message)])
    meta = read_metadata(_metadata_files(path, ctx))
    mapped = {k.strip().lower(): v for k, v in ctx.mapping.get("indicator", {}).items()}
    notes: list[str] = []
    problems: list[Problem] = []
    if annotations:
        notes.append(
            f"{path.name}: {', '.join(repr(c) for c in annotations)}: OWID's text annotations, "
            "not values: not imported"
        )
    dated_by = _time_columns(path, values, times, original, problems)

    # areas: the Code when there is one, else the entity's name
    new_areas: list[NewArea] = []
    names = sorted(df["entity"].unique())
    by_name = resolve_names(ctx.catalog, names)
    area_map = {k.strip().lower(): v for k, v in ctx.mapping.get("area", {}).items()}
    by_name.update({n: area_map[_fold(n)] for n in names if _fold(n) in area_map})
    name_area = df["entity"].map(by_name)
    if "code" in df.columns:
        code = df["code"].astype(str).str.strip()
        owid_group = (code == "") | (code.str.startswith("OWID_") & (code != "OWID_WRL"))
        area = code.where(~owid_group, name_area.where(name_area.notna(), None))
        aggregate = owid_group & area.isna()
        unknown = pd.Series(False, index=df.index)
    else:
        area = name_area
        aggregate = area.isna() & df["entity"].map(is_owid_aggregate).astype(bool)
        unknown = area.isna() & ~aggregate
        if ctx.new_areas is not None and unknown.any():
            # --new-areas PARENT: a name Salamat cannot place becomes a unit under PARENT (its
            # name is the alias the rows carry); a name of two units is never one of them
            # names of PARENT's own units first ("Almaty" under KAZ is KZ-75)
            inside = {
                n: c[0]
                for n, c in area_name_candidates(
                    ctx.catalog, sorted(set(df.loc[unknown, "entity"])), within=ctx.new_areas
                ).items()
                if len(c) == 1
            }
            placed = unknown & df["entity"].isin(list(inside))
            area = area.where(~placed, df["entity"].map(inside))
            unknown = unknown & ~placed
            ambiguous = {n for n, c in candidates_of(ctx, df.loc[unknown, "entity"]).items() if c}
            new = unknown & ~df["entity"].isin(list(ambiguous))
            new_areas = [NewArea(n, n) for n in sorted(df.loc[new, "entity"].unique())]
            area = area.where(~new, df["entity"])
            unknown = unknown & ~new
    left_out = area == SKIP
    if aggregate.any():
        agg = sorted(df.loc[aggregate, "entity"].unique())
        notes.append(
            f"{path.name}: {int(aggregate.sum())} row(s) of {len(agg)} OWID regions or groups "
            f"Salamat has no unit for not imported ({', '.join(agg[:6])}"
            f"{' ...' if len(agg) > 6 else ''})"
        )
    several = candidates_of(ctx, df.loc[unknown, "entity"])
    for name in sorted(df.loc[unknown, "entity"].unique()):
        first = df.loc[unknown & (df["entity"] == name)]
        message = (
            ambiguous_message(ctx.catalog, name, several[name])
            if several.get(name)
            else f"unknown area name {name!r}: map it with --map (area,{name},<code>)"
            + ("" if ctx.new_areas else ", or create it with --new-areas PARENT")
        )
        for row in first["_row"]:
            problems.append(Problem(str(path), int(row), "area", message, name))
    live = ~aggregate & ~unknown & ~left_out

    frames = []
    new_indicators: list[NewIndicator] = []
    published = {str(c).strip().lower(): str(c).strip() for c in _header(path)}
    source = SOURCE  # the first column's citation, when the metadata has one (--source wins)
    for column in values:
        known = KNOWN_COLUMNS.get(column)
        indicator = mapped.get(column) or (known[0] if known else None)
        if indicator == SKIP:
            notes.append(f"{path.name}: column {column!r} not imported (mapped to '-')")
            continue
        info = meta.get(column, ColumnMeta())
        if indicator is None and ctx.new_indicators:
            # --new-indicators: the column becomes owid_<its name>, the same at every import
            made = NewIndicator(
                code=derived_code("owid", [column]),
                name=info.title or published.get(column, column),
                unit=info.unit,
                source_code=published.get(column, column),
                source=SOURCE,
            )
            new_indicators.append(made)
            indicator = made.code
        if indicator is None:
            problems.append(
                Problem(
                    str(path),
                    1,
                    column,
                    "unknown OWID column: map it with --map (a CSV row: "
                    "indicator,<column name>,<indicator code>; '-' leaves it out) or create it "
                    "with --new-indicators",
                    column,
                )
            )
            continue
        unit = info.unit or (known[1] if known and known[0] == indicator else "")
        cell = df[column].astype(str).str.strip()
        missing = live & (cell == "")
        if missing.any():
            notes.append(
                f"{path.name}: {int(missing.sum())} empty value(s) of {column!r} skipped as missing"
            )
        keep = live & ~missing
        period = df["year"].astype(str).str.strip()
        when = dated_by.get(column)
        if when is not None:
            # the year the value is from; Year is the chart's year (it may even be empty)
            own = df[when].astype(str).str.strip()
            moved = keep & (own != "") & (own != period)
            if moved.any():
                notes.append(
                    f"{path.name}: {int(moved.sum())} value(s) of {column!r} are from another "
                    f"year than their row's Year (OWID's {when!r} column gives the year of the "
                    "value, which a chart shows at the nearest year): stored at their own year"
                )
            period = own.where(own != "", period)
        note = f"OWID: {info.title}" if info.title else ""
        sex = _COLUMN_SEX.search(column) if known and known[0] == indicator else None
        frame = df.loc[keep, ["_file", "_row"]].assign(
            indicator=indicator,
            area=area[keep],
            period=period[keep],
            sex=sex.group(1) if sex else "",
            value=cell[keep],
            unit=unit,
            note=note,
            vintage=info.updated,
        )
        if info.citation and source == SOURCE:
            source = (
                info.citation
                if "our world in data" in info.citation.lower()
                else f"{info.citation} (via {SOURCE})"
            )
        frames.append(frame)
    if not frames and not problems:
        message = "every value column is left out: nothing to import"
        raise InputError(f"{path}: {message}", [Problem(str(path), 1, None, message)])
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["_file", "_row", "indicator", "area", "period", "value"])
    )
    return Parsed(
        out,
        problems,
        default_source=source,
        notes=notes,
        new_areas=new_areas,
        new_indicators=new_indicators,
    )


def _time_columns(
    path: Path,
    values: list[str],
    times: list[str],
    original: dict[str, str],
    problems: list[Problem],
) -> dict[str, str]:
    """Value column -> the column giving the year each of its values is from.

    ``<column> (Original Year)`` pairs by name. Bare ``time`` columns pair with the value columns
    in order, one each (as OWID writes them); any other count cannot be paired and is a problem
    (the chart's full-data download has no such column)."""
    out = {base: col for base, col in original.items() if base in values}
    for base, col in original.items():
        if base not in values:
            problems.append(
                Problem(
                    str(path),
                    1,
                    col,
                    f"names no value column of the file (expected one called {base!r})",
                    col,
                )
            )
    if times:
        if len(times) == len(values):
            out.update(zip(values, times, strict=True))
        else:
            problems.append(
                Problem(
                    str(path),
                    1,
                    times[0],
                    f"{len(times)} 'time' column(s) for {len(values)} value column(s): which "
                    "value each dates cannot be told; download the chart's full data instead "
                    "(Download, then 'Full data')",
                    ", ".join(times),
                )
            )
    return out


register_parser(
    "owid",
    parse_owid,
    "Our World in Data CSV: Entity, Code (optional), Year, value columns; .metadata.json beside",
)
