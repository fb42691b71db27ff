"""``salamat import opensdg``: an Open SDG data repository (a national SDG reporting platform).

Give the repository folder (with ``data/indicator_*.csv``), its ``data`` folder, or single
``indicator_<id>.csv`` files (or ``<id>.csv``, the older platforms' naming). Each CSV has ``Year``, ``Value`` and disaggregation columns
(SDMX-like codes): ``REF_AREA``, ``SEX`` (``F``, ``M``, ``_T``), ``URBANISATION`` (``U``, ``R``
-> residence urban, rural), ``AGE`` (``Y15T19`` -> 15-19, ``Y_GE15`` -> 15+), ``UNIT_MEASURE``
(checked against the indicator's unit); an empty cell is the total. Any other column
(``SERIES``, ``COMPOSITE_BREAKDOWN`` ...) is part of the indicator code to map, for example
``3-b-1/SERIES=_L_KZ_030b01_1A`` (DTP3 coverage).

Built in (for Kazakhstan's platform only, whose national rows are KAZ: another platform's series
may be in other units, and are mapped or registered with ``--new-indicators``, never assumed;
older platforms' translation keys ``concept.REF_AREA`` / ``code.KG05`` are read as
``REF_AREA`` / ``KG05``): the Goal 3 series of Kazakhstan's national platform
(kazstat/sdg-data-kazstat) and its
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
from salamat.ingest.registry import NewIndicator, ParseContext, Parsed, register_parser
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


_ID_PREFIX = re.compile(r"^(?:indicator_)?(\d+-[0-9a-z]+-[0-9a-z]+(?:-[0-9a-z]+)*)", re.IGNORECASE)


def _name_message(name: str) -> str:
    """Why a file name is not an Open SDG indicator file, and how to import it: the indicator
    id comes from the name, so a renamed file must get its name back."""
    expected = "expected an Open SDG file named indicator_<id>.csv (or <id>.csv, such as 3-2-1.csv)"
    m = _ID_PREFIX.match(name)
    if m is None:
        return (
            f"{expected}: Salamat reads the indicator id from the file name; copy the file "
            "under the name its platform gives it, such as indicator_3-2-1.csv"
        )
    return (
        f"{expected}: Salamat reads the indicator id from the file name, and {name!r} is not "
        f"one a platform writes; if it holds indicator {m[1]}, copy it as indicator_{m[1]}.csv "
        "and import that"
    )


def opensdg_files(path: Path) -> list[Path]:
    """The indicator CSVs of a repository folder, its ``data`` folder, or a single file."""
    if path.is_file():
        if not _FILE.match(path.name):
            raise InputError(f"{path}: {_name_message(path.name)}")
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
    new_indicators: list[NewIndicator] = []
    for file in opensdg_files(path):
        if file.stat().st_size == 0:
            empty.append(file.name)
            continue
        frame, file_problems, file_notes, file_new = _parse_file(file, ctx, country)
        if frame is None:
            empty.append(file.name)
            continue
        frames.append(frame)
        new_indicators += file_new
        problems += file_problems
        notes += file_notes
    if empty:
        notes.append(f"{path.name}: {len(empty)} file(s) without data: {', '.join(empty)}")
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["indicator", "area", "period", "value", "_file", "_row"])
    )
    return Parsed(
        out,
        problems,
        default_source=platform_source(country, ctx, path),
        notes=notes,
        new_indicators=new_indicators,
    )


def _metadata_name(file: Path, ind_id: str) -> str:
    """The indicator's name in the platform's metadata (``meta/<id>.md`` beside the ``data``
    folder, or ``<id>.md`` beside the file: ``indicator_name:``), unless it is a translation key
    (``global_indicators.3-2-1-title``), which names nothing by itself; else ""."""
    for meta in (file.parent.parent / "meta" / f"{ind_id}.md", file.parent / f"{ind_id}.md"):
        try:
            text = meta.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        m = re.search(r"^indicator_name:[ \t]*(.+?)[ \t]*$", text, re.M)
        name = m[1].strip().strip("'\"") if m else ""
        if name and not re.fullmatch(r"[\w-]+(?:\.[\w-]+)+", name):
            return name
    return ""


def _new_indicators(
    file: Path, ind_id: str, keys: list[str], units: dict[str, str]
) -> dict[str, NewIndicator]:
    """``--new-indicators``: each unknown series of the file under a code derived from its
    Open SDG id and disaggregation (``3-2-1/UNITS=per 1,000 life births`` ->
    ``opensdg_3_2_1_units_per_1_000_life_births``, the same at every import), named from the
    platform's metadata where it gives a name, else by the SDG indicator number."""
    name = _metadata_name(file, ind_id) or f"SDG indicator {ind_id.replace('-', '.')}"
    out = {}
    for k in keys:
        code = "opensdg_" + re.sub(r"[^a-z0-9]+", "_", k.lower()).strip("_")
        detail = ", ".join(part.split("=", 1)[1] for part in k.split("/")[1:] if "=" in part)
        out[k] = NewIndicator(
            code=code,
            name=f"{name} ({detail})" if detail else name,
            unit=units.get(k, ""),
            source_code=k,
            source="Open SDG",
        )
    return out


def _parse_file(
    file: Path, ctx: ParseContext, country: str | None
) -> tuple[pd.DataFrame | None, list[Problem], list[str], list[NewIndicator]]:
    m = _FILE.match(file.name)
    if m is None:
        raise InputError(f"{file}: expected an Open SDG file named indicator_<id>.csv")
    ind_id = m[1]
    df = read_table(file)
    if df.empty:
        return None, [], [], []
    # older platforms (Kyrgyzstan's) write translation keys: concept.REF_AREA, code.KG05
    keyed = {c: c.removeprefix("concept.") for c in df.columns if c.startswith("concept.")}
    key_notes = []
    if keyed:
        df = df.rename(columns=keyed)
        for c in keyed.values():
            df[c] = df[c].astype(str).str.removeprefix("code.")
        key_notes.append(
            f"{file.name}: the translation keys of older Open SDG platforms read as codes: "
            + ", ".join(f"{a} as {b}" for a, b in keyed.items())
            + " (values code.X as X)"
        )
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
    # Kazakhstan's series codes and units are its platform's: another platform's 3-2-1 may be
    # in other units (Kyrgyzstan's 3-2-1 states none, and its 353 for 2007 is ten times the
    # under-five mortality per 1,000), so it is mapped or registered, never assumed
    defaults = GOAL3_KZ if country == "KAZ" else {}
    resolved = {k: resolve_indicator(ctx, k, ind_id, defaults=defaults) for k in set(key)}
    indicator = key.map(resolved)
    skipped = indicator == SKIP
    notes = key_notes + skip_note(file.name, df, skipped, key)
    unknown = indicator.isna()
    made: dict[str, NewIndicator] = {}
    if ctx.new_indicators and unknown.any():
        # the unit a row states: its UNITS column (a disaggregation), else UNIT_MEASURE
        stated = df["units"].astype(str) if "units" in df.columns else col["unit_measure"]
        units = dict(zip(key[unknown], stated[unknown].astype(str), strict=True))
        made = _new_indicators(file, ind_id, sorted(set(key[unknown])), units)
        indicator = indicator.where(~unknown, key.map(lambda k: made[k].code))
        unknown = indicator.isna()
    problems += row_problems(
        df.assign(_k=key),
        unknown,
        "indicator",
        lambda k: (
            f"Open SDG series {k!r} has no Salamat indicator: "
            + (
                "if the file is from Kazakhstan's platform, give --area KAZ (its series are built "
                "in); else "
                if country is None and resolve_indicator(ctx, k, ind_id, defaults=GOAL3_KZ)
                else ""
            )
            + f"map it with --map (indicator,{k},<code>), adding --new-indicators for a new "
            "code, or '-' to leave it out"
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
    if made and "units" in df.columns:
        # the UNITS column is the unit of the series registered from it
        frame["unit"] = frame["unit"].where(frame["unit"] != "", df["units"].astype(str)[keep])
    return frame, problems, notes, list(made.values())


register_parser(
    "opensdg",
    parse_opensdg,
    "Open SDG data repository (folder or indicator_<id>.csv): Kazakhstan's Goal 3 built in",
)
