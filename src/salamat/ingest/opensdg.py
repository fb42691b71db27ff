"""``salamat import opensdg``: an Open SDG data repository (a national SDG reporting platform).

Give the repository folder (with ``data/indicator_*.csv``), its ``data`` folder, or single
``indicator_<id>.csv`` files (or ``<id>.csv``, the older platforms' naming). Each CSV has ``Year``, ``Value`` and disaggregation columns
(SDMX-like codes): ``REF_AREA``, ``SEX`` (``F``, ``M``, ``_T``), ``URBANISATION`` (``U``, ``R``
-> residence urban, rural), ``AGE`` (``Y15T19`` -> 15-19, ``Y_GE15`` -> 15+), ``UNIT_MEASURE``
(checked against the indicator's unit); an empty cell is the total. Any other column
(``SERIES``, ``COMPOSITE_BREAKDOWN`` ...) is part of the indicator code to map, for example
``3-b-1/SERIES=_L_KZ_030b01_1A`` (DTP3 coverage).

Built in: the Goal 3 series of Kazakhstan's national platform (kazstat/sdg-data-kazstat) and its
region codes, each year on the org unit of that year: ``KZONT`` is South Kazakhstan (to 2017);
``KZALM``, ``KZVOS`` and ``KZKAR`` are the pre-2022 regions until 2021 and, from 2022, the new
smaller regions when the file also gives the regions split off in 2022 (``KZZHS``, ``KZABY``,
``KZULU``) for that year. A value after 2021 on the old borders has no org unit: it is a
problem, and ``--map`` with a year-specific code (``area,KZALM@2022,-``, or for one indicator
only ``area,3-1-1/KZALM@2022,-``) leaves it out or places it. Series without a Salamat indicator are problems too, naming the ``--map`` line
(``indicator,3-5-1/COMPOSITE_BREAKDOWN=_L_HLTH_IMBD_ALH,<code>`` or ``-``).

National rows (an empty ``REF_AREA``, or a file without that column) are the platform's country:
the country named in the repository's configuration (``country: name:`` in ``_config.yml``,
``config_data.yml``, ``config_site.yml`` or ``_data/site_config.yml`` of the folder given or
its parent), else ``--area``; without either they are rejected, never given a default country.
The source label names that platform.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.interop import (
    SKIP,
    definitional_age,
    lookup,
    resolve_indicator,
    row_problems,
    skip_note,
)
from salamat.ingest.registry import ParseContext, Parsed, register_parser
from salamat.ingest.tables import read_table

__all__ = ["GOAL3_KZ", "SOURCE", "opensdg_files", "parse_opensdg"]

SOURCE = "Kazakhstan national SDG platform (Open SDG)"

# Open SDG indicator id (plus /COLUMN=CODE for series) -> Salamat indicator.
GOAL3_KZ = {
    "3-1-1": "maternal_mortality_ratio",
    "3-1-2": "skilled_birth_attendance",
    "3-2-1": "u5mr",
    "3-2-2": "nmr",
    "3-3-1": "hiv_incidence",
    "3-3-2": "tb_incidence",
    "3-3-4": "hepb_incidence",
    "3-4-1": "ncd30q70",
    "3-4-2": "suicide_mortality",
    "3-6-1": "road_traffic_mortality",
    "3-7-2": "adolescent_birth_rate",
    "3-9-2": "unsafe_wash_mortality",
    "3-9-3": "poisoning_mortality",
    "3-b-1": "vaccination_coverage",
    "3-b-1/SERIES=_L_KZ_030b01_1A": "dtp3_coverage",
    "3-b-1/SERIES=_L_KZ_030b01_1B": "mcv2_coverage",
    "3-b-1/SERIES=_L_KZ_030b01_1C": "pcv3_coverage",
    "3-c-1/COMPOSITE_BREAKDOWN=_L_HLTH_NUM_DOC": "physician_density",
    "3-c-1/COMPOSITE_BREAKDOWN=_L_HLTH_PRV_MEDW": "nurse_midwife_density",
    "3-c-1/COMPOSITE_BREAKDOWN=_L_HLTH_PRV_DENT": "dentist_density",
    "3-c-1/COMPOSITE_BREAKDOWN=_L_HLTH_PRV_PHMT": "pharmacist_density",
}

# Region codes whose unit changed in 2022: (until 2021, from 2022, the code split off in 2022)
_SPLIT_2022 = {
    "KZALM": ("KZ-ALM", "KZ-19", "KZZHS"),
    "KZVOS": ("KZ-VOS", "KZ-63", "KZABY"),
    "KZKAR": ("KZ-KAR", "KZ-35", "KZULU"),
}
UNITS = {
    "PT": "%",
    "PER_1000_LIVE_BIRTHS": "per 1,000 live births",
    "PER_100000_LIVE_BIRTHS": "per 100,000 live births",
    "PER_100000_POP": "per 100,000 population",
    "PER_1000_POP": "per 1,000 population",
    "PER_1000_UNINFECTED_POP": "per 1,000 uninfected population",
    "PERSONS": "persons",
}
_RESIDENCE = {"": "total", "U": "urban", "R": "rural", "_T": "total"}
_BASE = {"year", "value", "ref_area", "sex", "urbanisation", "unit_measure", "age"}
_FILE = re.compile(r"^(?:indicator_)?(\d+-[0-9a-z]+(?:-[0-9a-z]+)*)\.csv$", re.IGNORECASE)
_AGE_BAND = re.compile(r"^Y(\d+)T(\d+)$")
_AGE_OPEN = re.compile(r"^Y_GE(\d+)$")
_AGE_ONE = re.compile(r"^Y(\d+)$")


def opensdg_files(path: Path) -> list[Path]:
    """The indicator CSVs of a repository folder, its ``data`` folder, or a single file."""
    if path.is_file():
        if not _FILE.match(path.name):
            raise InputError(
                f"{path}: expected an Open SDG file named indicator_<id>.csv (or <id>.csv, "
                "such as 3-2-1.csv)"
            )
        return [path]
    data = path / "data" if (path / "data").is_dir() else path
    files = sorted(p for p in data.glob("indicator_*.csv") if _FILE.match(p.name))
    if not files:
        raise InputError(f"{path}: no Open SDG indicator_<id>.csv files (in it or in data/)")
    return files


def opensdg_age(code: str) -> str | None:
    """``Y15T19`` -> ``15-19``, ``Y_GE15`` -> ``15+``, ``Y6`` -> ``6``, empty -> ``all``."""
    if code in ("", "_T"):
        return "all"
    if m := _AGE_BAND.match(code):
        return f"{int(m[1])}-{int(m[2])}"
    if m := _AGE_OPEN.match(code):
        return f"{int(m[1])}+"
    if m := _AGE_ONE.match(code):
        return str(int(m[1]))
    return None


_CONFIG_FILES = ("_config.yml", "config_data.yml", "config_site.yml", "_data/site_config.yml")
_COUNTRY_NAME = re.compile(r"^country:[ \t]*\n(?:[ \t]+.*\n)*?[ \t]+name:[ \t]*(.+?)[ \t]*$", re.M)


def platform_country_name(path: Path) -> str | None:
    """The country named in an Open SDG repository's configuration (``country: name: ...``),
    looked for in the folder given, its parent and grandparent (for ``data/`` or a file)."""
    start = path if path.is_dir() else path.parent
    for folder in (start, start.parent, start.parent.parent):
        for name in _CONFIG_FILES:
            config = folder / name
            if not config.is_file():
                continue
            try:
                text = config.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            m = _COUNTRY_NAME.search(text.replace("\r\n", "\n"))
            if m:
                return m[1].strip().strip("'\"")
    return None


def national_area(path: Path, ctx: ParseContext) -> tuple[str | None, str]:
    """The org unit of the platform's national rows and how it was found."""
    name = platform_country_name(path)
    if name is not None:
        from salamat.ingest.places import resolve_area_names

        code = resolve_area_names(ctx.catalog, [name]).get(name)
        if code is None:
            raise InputError(
                f"{path}: the platform's configuration names the country {name!r}, which "
                "Salamat cannot place: give --area CODE"
            )
        return code, f"the platform's configuration ({name})"
    if ctx.area is not None:
        return ctx.area, "--area"
    return None, ""


def platform_source(country: str | None, ctx: ParseContext, path: Path) -> str:
    """The source label: Kazakhstan's platform keeps its established label."""
    if country == "KAZ":
        return SOURCE
    if country is not None and country in ctx.catalog.orgunits:
        return f"{ctx.catalog.orgunits[country].name_en} national SDG platform (Open SDG)"
    return f"Open SDG platform ({path.name})"


def parse_opensdg(path: Path, ctx: ParseContext) -> Parsed:
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    country, _how = national_area(path, ctx)
    frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    notes: list[str] = []
    empty: list[str] = []
    for file in opensdg_files(path):
        if file.stat().st_size == 0:
            empty.append(file.name)
            continue
        frame, file_problems, file_notes = _parse_file(file, ctx, country)
        if frame is None:
            empty.append(file.name)
            continue
        frames.append(frame)
        problems += file_problems
        notes += file_notes
    if empty:
        notes.append(f"{path.name}: {len(empty)} file(s) without data: {', '.join(empty)}")
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["indicator", "area", "period", "value", "_file", "_row"])
    )
    return Parsed(out, problems, default_source=platform_source(country, ctx, path), notes=notes)


def _parse_file(
    file: Path, ctx: ParseContext, country: str | None
) -> tuple[pd.DataFrame | None, list[Problem], list[str]]:
    m = _FILE.match(file.name)
    if m is None:
        raise InputError(f"{file}: expected an Open SDG file named indicator_<id>.csv")
    ind_id = m[1]
    df = read_table(file)
    if df.empty:
        return None, [], []
    if "year" not in df.columns or "value" not in df.columns:
        raise InputError(f"{file}: an Open SDG file needs the columns Year and Value")
    problems: list[Problem] = []
    unnamed = [c for c in df.columns if c.startswith("unnamed:")]
    for c in unnamed:
        filled = df[c] != ""
        problems += row_problems(
            df, filled, c, lambda _v: "a value in a column without a header", c
        )
    df = df.drop(columns=unnamed)
    col = {c: df[c] if c in df.columns else pd.Series("", index=df.index) for c in _BASE}
    extras = [c for c in df.columns if c not in _BASE and not c.startswith("_")]
    key = pd.Series(ind_id, index=df.index, dtype=object)
    for c in extras:
        v = df[c].astype(str)
        key = key.where((v == "") | (v == "_T"), key + f"/{c.upper()}=" + v)
    resolved = {k: resolve_indicator(ctx, k, ind_id, defaults=GOAL3_KZ) for k in set(key)}
    indicator = key.map(resolved)
    skipped = indicator == SKIP
    notes = skip_note(file.name, df, skipped, key)
    unknown = indicator.isna()
    problems += row_problems(
        df.assign(_k=key),
        unknown,
        "indicator",
        lambda k: (
            f"Open SDG series {k!r} has no Salamat indicator: map it with --map "
            f"(indicator,{k},<code>), adding --new-indicators for a new code, or '-' to leave it out"
        ),
        "_k",
    )

    # areas, each year on the unit of that year
    year = col["year"].astype(str)
    ref = col["ref_area"].astype(str)
    present = set(zip(ref, year, strict=True))
    areas: dict[tuple[str, str], str | None] = {}
    old_borders: set[tuple[str, str]] = set()
    for r, y in present:
        mapped = lookup(ctx, ("area",), f"{ind_id}/{r}@{y}")
        if mapped is None:
            mapped = lookup(ctx, ("area",), f"{r}@{y}")
        if mapped is None:
            mapped = lookup(ctx, ("area",), r)
        if mapped is not None:
            areas[(r, y)] = mapped
        elif r == "":
            areas[(r, y)] = country
        elif r in _SPLIT_2022:
            before, after, split_off = _SPLIT_2022[r]
            if not y.isdigit() or int(y) <= 2021:
                areas[(r, y)] = before
            elif (split_off, y) in present:
                areas[(r, y)] = after
            else:
                areas[(r, y)] = None
                old_borders.add((r, y))
        else:
            areas[(r, y)] = ctx.catalog.resolve(r)
    area = pd.Series([areas[p] for p in zip(ref, year, strict=True)], index=df.index, dtype=object)
    area_skip = (area == SKIP) & ~skipped
    notes += skip_note(file.name, df, area_skip, ref + "@" + year)
    no_area = area.isna() & ~skipped
    old = no_area & pd.Series(
        [p in old_borders for p in zip(ref, year, strict=True)], index=df.index
    )
    problems += row_problems(
        df.assign(_a=ref + "@" + year),
        old,
        "area",
        lambda a: (
            f"{a.split('@')[0]} in {a.split('@')[1]}: this file does not give the regions split "
            "off in 2022 for that year, so the value is on the pre-2022 borders, which end in "
            f"2021: leave it out with --map (area,{a},-) or place it with --map (area,{a},<code>)"
        ),
        "_a",
    )
    national = ref == ""
    problems += row_problems(
        df.assign(_a=ref),
        no_area & national,
        "area",
        lambda _r: (
            "a national row (no REF_AREA), and the repository's configuration names no country: "
            "give --area CODE (the platform's country); there is no default country"
        ),
        "_a",
    )
    problems += row_problems(
        df,
        no_area & ~old & ~national,
        "area",
        lambda r: f"unknown Open SDG REF_AREA {r!r}: map it with --map (area,{r},<code>)",
        "ref_area",
    )

    # disaggregations and unit
    age = col["age"].astype(str).map(lambda a: lookup(ctx, ("age",), a) or opensdg_age(a))
    bad_age = age.isna() & ~skipped
    problems += row_problems(
        df,
        bad_age,
        "age",
        lambda a: (
            f"Open SDG AGE {a!r} is not an age band in years: map it with --map (age,{a},<band>)"
        ),
        "age",
    )
    residence = (
        col["urbanisation"]
        .astype(str)
        .map(lambda u: lookup(ctx, ("residence",), u) or _RESIDENCE.get(u))
    )
    bad_res = residence.isna() & ~skipped
    problems += row_problems(
        df,
        bad_res,
        "urbanisation",
        lambda u: (
            f"Open SDG URBANISATION {u!r}: expected U, R or empty; or --map (residence,{u},...)"
        ),
        "urbanisation",
    )
    unit = col["unit_measure"].astype(str).map(lambda u: UNITS.get(u, u))

    keep = ~skipped & ~unknown & ~no_area & ~area_skip & ~bad_age & ~bad_res
    frame = pd.DataFrame(
        {
            "indicator": indicator,
            "area": area,
            "period": year,
            "sex": col["sex"],
            "age": age.where(age != "all", ""),
            "residence": residence,
            "unit": unit,
            "value": col["value"],
            "_file": df["_file"],
            "_row": df["_row"],
        }
    ).loc[keep]
    frame["age"] = definitional_age(frame["indicator"], frame["age"])
    return frame, problems, notes


register_parser(
    "opensdg",
    parse_opensdg,
    "Open SDG data repository (folder or indicator_<id>.csv): Kazakhstan's Goal 3 built in",
)
