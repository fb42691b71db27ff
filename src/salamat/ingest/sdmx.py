"""``salamat import sdmx``: SDMX data messages (CSV, JSON, ML), with their structure message
passed by ``--metadata`` (optional; the formats and versions are those of
:mod:`salamat.ingest.sdmx_read`, plus Eurostat's bulk TSV, :mod:`salamat.ingest.eurostat_tsv`, and
OECD Data's DP_LIVE CSV, :mod:`salamat.ingest.oecd_dp_live`).

Concept ids are read in upper case (Eurostat writes ``geo``, ``freq``). Dimensions with a
Salamat column: the area, the first of ``REF_AREA``, ``LOCATION``, ``REPORTER``, ``COUNTRY``,
``GEO`` (``COUNTERPART_AREA``, ``VIS_AREA`` and ``PARTNER`` are never the area: they are part of
the indicator code); a flow with no area dimension (ECB exchange rates) takes ``--area CODE`` and
is otherwise refused with that advice. ``TIME_PERIOD`` (period: ``2020``, ``2020-Q1`` ->
``2020Q1``, ``2020-01`` and ``2020-M01`` -> ``202001``, ``2020-W05`` -> ``2020W05``,
``2024-01-15`` -> ``20240115``), ``SEX`` (``_T``, ``F``, ``M``), ``AGE`` in years (``Y15T19`` ->
15-19, ``Y_GE65`` -> 65+),
``URBANISATION``/``RESIDENCE`` (``U``, ``R``). ``FREQ`` is implied by the period. Every other
dimension that is not a total (``_T``, ``_Z``) is part of the indicator code to map:
``IM_MCV1/VACCINE=MCV1/AGE=M12T23``. Without an ``INDICATOR`` dimension the code starts with
the dataflow id (``DF_G20_PRICES/MEASURE=CPI/...``).

Attributes: ``LOWER_BOUND``/``UPPER_BOUND`` -> bounds; ``UNIT_MEASURE`` (else an attribute
``UNIT``) -> unit, checked against the indicator's by validation; ``OBS_STATUS``, ``OBS_CONF`` and
``DATA_SOURCE`` -> the note, as ``OBS_STATUS=E``.

``UNIT_MULT`` (``UNIT_MULTIPLIER``) m: the published values are in units of 10^m, so the value
stored is ``value x 10^m``, computed exactly in decimal (``1.234`` with ``UNIT_MULT=3`` is
``1234``) and said in the notes. Other scale attributes (IMF's ``SCALE``) only describe how the
publisher displays a value already written in units, and are not applied.

Missing values: an observation whose value is a missing-value marker (``NaN``, ``NA``, ``na``,
``:``, ``..``, empty) or whose ``OBS_STATUS`` is ``M``, ``L`` or ``O`` (missing, not collected,
not applicable) is skipped and counted by validation, never a problem.

Countries and aggregates: an area code that is a Salamat org unit (ISO 3166 alpha-3 or -2, a
group such as ``WHO-EUR``, a declared alias) is imported; an aggregate (a region of the world,
an income group, a country group such as the EU or the euro area, or a territory that is no ISO
country, such as Eurostat's DE_TOT) is left out and
listed in the notes: a code of the structure's area codelist that Salamat does not know, or a
code of the publishers' aggregate families (UNICEF ``UNICEF_*``, ``UNSDG_*``, World Bank income
groups ``WB_*``, WHO regions ``WHO_*``, Kosovo ``XKX``, which Salamat holds as no unit). With
``--new-areas PARENT`` an unknown code is created under PARENT (named from the file's labels or
the structure's codelist); any other unknown code is a problem.

``--new-indicators``: an unknown series is registered under a code derived from the file, the
same for every import of the same series: the agency and the indicator code (or the dataflow and
the values of its other dimensions), in lower case with ``_``: ``CME_MRM0`` of UNICEF is
``unicef_cme_mrm0``, ECB's ``EXR`` ``A.ARS.EUR.SP00.A`` ``ecb_exr_ars_eur_sp00_a``. Its name is
the label the file or structure gives (``Neonatal mortality rate``), its unit the file's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.eurostat_tsv import is_eurostat_tsv, read_eurostat_tsv
from salamat.ingest.interop import (
    SKIP,
    definitional_age,
    lookup,
    resolve_indicator,
    row_problems,
    skip_note,
)
from salamat.ingest.oecd_dp_live import is_dp_live, read_dp_live
from salamat.ingest.registry import (
    NewArea,
    NewIndicator,
    ParseContext,
    Parsed,
    register_parser,
)
from salamat.ingest.sdmx_read import SdmxData, SdmxStructure, read_sdmx_data, read_structure

__all__ = [
    "AREA_DIMENSIONS",
    "KNOWN_CODES",
    "UNITS",
    "derived_code",
    "is_aggregate",
    "parse_sdmx",
    "scale_exactly",
    "sdmx_period",
]

# Agency indicator codes (plus /DIMENSION=CODE) -> Salamat indicators.
KNOWN_CODES = {
    "CME_MRY0T4": "u5mr",
    "CME_MRM0": "nmr",
    "CME_MRY0": "imr",
    "DEMO_MLEXPEC/UNIT=YR/AGE=Y_LT1": "le0",  # Eurostat: life expectancy at age "less than 1"
    "IM_MCV1/VACCINE=MCV1/AGE=M12T23": "mcv1_coverage",
    # OECD Data (DP_LIVE): LIFEEXP is life expectancy at birth (at 65 is LIFEEXP65), in years
    "LIFEEXP/MEASURE=YR": "le0",
}
UNITS = {
    "D_PER_1000_B": "per 1,000 live births",
    "PCNT": "%",
    "PT": "%",
    "PC": "%",
    "PERCENT": "%",
    "PS": "persons",
    "PER_100000_POP": "per 100,000 population",
    "D_PER_100000_B": "per 100,000 live births",
    # Eurostat's UNIT codelist (its unit is a dimension)
    "YR": "years",
    "PC_GDP": "% of GDP",
    "P_HTHAB": "per 100,000 population",
    "P_THAB": "per 1,000 population",
    "NR": "persons",
}
# ISO 3166's "exceptionally reserved" codes that Eurostat uses for two countries.
RESERVED_ALPHA2 = {"EL": "GRC", "UK": "GBR"}
# Eurostat's flags after a value (its bulk TSV "82.5 b", SDMX OBS_FLAG).
EUROSTAT_FLAGS = {
    "b": "break in time series", "c": "confidential", "d": "definition differs",
    "e": "estimated", "f": "forecast", "n": "not significant", "p": "provisional",
    "r": "revised", "s": "Eurostat estimate", "u": "low reliability", "z": "not applicable",
}  # fmt: skip
_TOTALS = {"_T", "_Z", ""}
AREA_DIMENSIONS = ("REF_AREA", "LOCATION", "REPORTER", "COUNTRY", "GEO")
_SPECIAL = {
    "TIME_PERIOD", "OBS_VALUE", "SEX", "FREQ", "FREQUENCY", "UNIT_MEASURE", "CAUSE", "SOURCE",
    *AREA_DIMENSIONS,
}  # fmt: skip
_MISSING_STATUS = {"M", "L", "O"}
_MISSING_TEXT = {"", "nan", "na", "n/a", ":", "..", "-", "null", "none"}
# Aggregates the publishers put in the area dimension beside countries (UNICEF, UN SDG regions,
# World Bank income groups, WHO regions), and Kosovo (XKX, a user-assigned code).
_AGGREGATE = re.compile(
    r"^(UNICEF_|UNSDG_|UNDEV_|UNFPA_|UNDP_|WB_|WHO_|SDGRC_|ECARO|EAPRO|ESARO|WCARO|ROSA|LACRO|MENARO)"
)
_AGGREGATE_CODES = frozenset(
    {"XKX", "WLD", "EU27_2020", "EA20", "EA19", "EU28", "OECD", "OME", "OAVG", "OECDE"}
)
# Eurostat's aggregates (EU, euro area, EEA, EFTA of each composition) and its territories that
# are not ISO countries: Germany including the former GDR (DE_TOT), metropolitan France (FX).
_EUROSTAT_AGGREGATE = re.compile(r"^(EU\d|EU_|EA\d|EA_|EEA\d|EFTA|DE_TOT$|FX$)")
_NOTE_ATTRIBUTES = ("OBS_STATUS", "OBS_FLAG", "OBS_CONF", "DATA_SOURCE")
_AGE_BAND = re.compile(r"^Y(\d+)T(\d+)$")
_AGE_OPEN = re.compile(r"^Y_GE(\d+)$")
_AGE_ONE = re.compile(r"^Y(\d+)$")
_PERIODS = (
    (re.compile(r"^(\d{4})$"), "{0}"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "{0}{1}{2}"),
    (re.compile(r"^(\d{4})-?M(\d{2})$"), "{0}{1}"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), "{0}Q{1}"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "{0}{1}"),
    (re.compile(r"^(\d{4})-W(\d{1,2})$"), "{0}W{1}"),
    (re.compile(r"^(\d{4})-A1$"), "{0}"),
)


def sdmx_period(text: str) -> str:
    """SDMX time period -> Salamat/DHIS2 period id (unchanged if it has no such form)."""
    t = text.strip()
    for pattern, form in _PERIODS:
        if m := pattern.match(t):
            return form.format(*m.groups())
    return t


def is_aggregate(code: str) -> bool:
    """True for a code of the publishers' aggregate families (see the module docstring)."""
    return (
        code in _AGGREGATE_CODES
        or bool(_AGGREGATE.match(code))
        or bool(_EUROSTAT_AGGREGATE.match(code))
    )


def scale_exactly(value: str, power: int) -> str:
    """``value x 10^power`` computed in decimal, written without exponent or trailing zeros:
    ``scale_exactly("1.234", 3) == "1234"``, ``scale_exactly("5", -2) == "0.05"``."""
    d = Decimal(value).scaleb(power)
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _scaled_or_none(value: str, power: str) -> str | None:
    try:
        return scale_exactly(value, int(power))
    except (InvalidOperation, ValueError):
        return None


def derived_code(agency: str, parts: list[str]) -> str:
    """A Salamat indicator code for a source series: ``unicef_cme_mrm0``."""
    raw = "_".join(p for p in [agency, *parts] if p)
    return re.sub(r"[^a-z0-9]+", "_", raw.lower()).strip("_")


def _age(code: str) -> str | None:
    if code in _TOTALS:
        return ""
    if m := _AGE_BAND.match(code):
        return f"{int(m[1])}-{int(m[2])}"
    if m := _AGE_OPEN.match(code):
        return f"{int(m[1])}+"
    if m := _AGE_ONE.match(code):
        return str(int(m[1]))
    return None


def parse_sdmx(path: Path, ctx: ParseContext) -> Parsed:
    structure = read_structure(ctx.metadata)
    if is_eurostat_tsv(path):
        data: SdmxData = read_eurostat_tsv(path, structure)
    elif is_dp_live(path):
        data = read_dp_live(path)
    else:
        data = read_sdmx_data(path, structure)
    raw = data.frame.rename(columns=lambda c: c if c.startswith("_") else str(c).upper())
    dimensions = [d.upper() for d in data.dimensions]
    labels = {(k.upper(), v): t for (k, v), t in data.labels.items()}
    problems: list[Problem] = []
    notes: list[str] = [f"{path.name}: {n}" for n in data.notes]

    def col(name: str) -> pd.Series:
        return raw[name].astype(str) if name in raw.columns else pd.Series("", index=raw.index)

    def label(dim: str, code: str) -> str:
        names = structure.codes.get(dim, {}) if structure else {}
        return labels.get((dim, code)) or names.get(code, "")

    area_dim = next((d for d in AREA_DIMENSIONS if d in raw.columns), None)
    flow = data.dataflow or (structure.dataflow if structure else "")
    flow_id = re.sub(r"\(.*\)$", "", flow.split(":")[-1]).split("@")[-1] or "SDMX"
    agency = data.agency or (structure.agency if structure else "")
    if "TIME_PERIOD" not in raw.columns:
        message = (
            f"the {data.format or 'SDMX'} flow {flow_id} has no time dimension (TIME_PERIOD): "
            "Salamat keeps every value with its period; request the data with its time dimension"
        )
        raise InputError(f"{path}: {message}", [Problem(str(path), None, "period", message)])
    whole_file_area = ctx.area or lookup(ctx, ("area",), "")  # --area, or --map area,,CODE
    if area_dim is None and not whole_file_area:
        message = (
            f"the {data.format or 'SDMX'} flow {flow_id} has no area dimension "
            f"({', '.join(AREA_DIMENSIONS)}): give the area its values are for with --area CODE "
            "(for example --area KAZ)"
        )
        raise InputError(f"{path}: {message}", [Problem(str(path), None, "area", message)])

    # missing values: skipped and counted by validation, never a problem
    value = col("OBS_VALUE").str.strip()
    status = col("OBS_STATUS").str.strip()
    missing = value.str.lower().isin(list(_MISSING_TEXT)) | status.isin(list(_MISSING_STATUS))
    value = value.where(~missing, "")

    # indicator code: INDICATOR (or the dataflow), plus the other dimensions that are not totals
    age = col("AGE").map(lambda a: lookup(ctx, ("age",), a) or _age(a))
    has_indicator = "INDICATOR" in raw.columns
    key = col("INDICATOR") if has_indicator else pd.Series(flow_id, index=raw.index)
    base = key.copy()
    extras: list[str] = []
    for d in dimensions:
        if d in _SPECIAL or d == "INDICATOR" or d in ("URBANISATION", "RESIDENCE"):
            continue
        v = col(d)
        extra = age.isna() if d == "AGE" else ~v.isin(_TOTALS)
        key = key.where(~extra, key + f"/{d}=" + v)
        extras.append(d)
    resolved = {
        (k, b): resolve_indicator(ctx, k, b, defaults=KNOWN_CODES)
        for k, b in set(zip(key, base, strict=True))
    }
    indicator = pd.Series(
        [resolved[p] for p in zip(key, base, strict=True)], index=raw.index, dtype=object
    )
    skipped = indicator == SKIP
    notes += skip_note(path.name, raw, skipped, key)
    new_indicators: list[NewIndicator] = []
    if ctx.new_indicators:
        indicator, new_indicators = _derive_indicators(
            raw, indicator, key, has_indicator, flow_id, agency, extras, col, label, structure
        )
    unknown = indicator.isna() & ~missing
    problems += row_problems(
        raw.assign(_k=key),
        unknown,
        "indicator",
        lambda k: (
            f"unknown SDMX indicator {k!r}"
            + (f" ({labels[('INDICATOR', k)]})" if ("INDICATOR", k) in labels else "")
            + f": map it with --map (indicator,{k},<code>), or give --new-indicators to register "
            "it under a code derived from the file, or map it to '-' to leave it out"
        ),
        "_k",
    )

    # area: countries, groups, aggregates, new units, unknown codes
    ref = col(area_dim) if area_dim else pd.Series(whole_file_area or "", index=raw.index)
    area_codes = structure.codes.get(area_dim or "", {}) if structure else {}
    areas = {
        r: lookup(ctx, ("area",), r)
        or ctx.catalog.resolve(r)
        or (ctx.catalog.resolve(RESERVED_ALPHA2[r]) if r in RESERVED_ALPHA2 else None)
        or (ctx.area if r == "" else None)
        for r in set(ref)
    }
    area_list = structure.codelists.get(area_dim or "", "") if structure else ""
    if _NUMERIC_LIST.search(area_list):
        # the structure says the codes are ISO 3166 numeric / UN M49: resolved through pycountry
        numeric = {r: _iso_numeric(r) for r in set(ref) if areas[r] is None and r.isdigit()}
        read = {r: ctx.catalog.resolve(a) for r, a in numeric.items() if a}
        areas |= {r: a for r, a in read.items() if a}
        if read:
            notes.append(
                f"{path.name}: {len(read)} numeric area code(s) read as ISO 3166 numeric / UN M49, "
                f"as the structure's codelist {area_list} says ("
                + ", ".join(f"{r} = {a}" for r, a in sorted(read.items())[:6])
                + (" ..." if len(read) > 6 else "")
                + ")"
            )
    reserved = sorted(r for r in set(ref) if r in RESERVED_ALPHA2 and areas[r] != r)
    if reserved:
        notes.append(
            f"{path.name}: "
            + ", ".join(f"{r} read as {areas[r]}" for r in reserved)
            + " (ISO 3166 reserves EL for Greece and UK for the United Kingdom; Eurostat uses them)"
        )
    area = ref.map(areas)
    live = ~skipped
    area_skip = live & (area == SKIP)
    notes += skip_note(path.name, raw, area_skip, ref)
    new_areas: list[NewArea] = []
    unplaced = live & area.isna()
    aggregate = unplaced & ref.map(lambda r: r in area_codes or is_aggregate(r)).astype(bool)
    if ctx.new_areas is not None:
        # a unit the file names but Salamat lacks: created under --new-areas PARENT; the codes
        # of the publishers' aggregate families are never made regions
        create = unplaced & ~ref.map(is_aggregate).astype(bool) & (ref != "")
        for r in sorted(set(ref[create])):
            new_areas.append(NewArea(r, label(area_dim or "", r) or r))
        area = area.where(~create, ref)
        aggregate &= ~create
    aggregate_values = aggregate & ~missing
    if aggregate_values.any():
        names = sorted(
            {
                f"{r} ({label(area_dim or '', r)})" if label(area_dim or "", r) else r
                for r in ref[aggregate_values]
            }
        )
        notes.append(
            f"{path.name}: {int(aggregate_values.sum())} observation(s) of {len(names)} "
            f"aggregate(s) or country group(s) not imported (not countries Salamat holds): "
            f"{', '.join(names[:8])}" + (" ..." if len(names) > 8 else "")
        )
    no_area = live & area.isna() & ~aggregate & ~missing
    problems += row_problems(
        raw.assign(_a=ref),
        no_area,
        "area",
        lambda r: (
            f"unknown SDMX {area_dim or 'area'} {r!r}"
            + (f" ({label(area_dim or '', r)})" if label(area_dim or "", r) else "")
            + f": a place Salamat does not know; map it with --map (area,{r},<code>), create it "
            "with --new-areas PARENT, or leave it out with '-'"
            + ("" if structure else ", or pass the structure message with --metadata")
            + (_numeric_hint(r, area_list) if r.isdigit() else "")
        ),
        "_a",
    )
    live &= ~area_skip & ~aggregate

    # value and its multiplier
    mult = col("UNIT_MULT").where(col("UNIT_MULT") != "", col("UNIT_MULTIPLIER")).str.strip()
    bad_mult = live & ~missing & ~mult.str.fullmatch(r"-?\d{1,2}|")
    problems += row_problems(
        raw.assign(_m=mult),
        bad_mult,
        "unit",
        lambda m: f"UNIT_MULT {m!r}: expected a power of ten such as 0, 3 or 6",
        "_m",
    )
    scaled = live & ~missing & ~bad_mult & ~mult.isin(["", "0"])
    bad_number = pd.Series(False, index=raw.index)
    lower, upper = col("LOWER_BOUND").str.strip(), col("UPPER_BOUND").str.strip()
    if scaled.any():
        exact: dict[tuple[str, str], str | None] = {}

        def rescale(texts: pd.Series) -> pd.Series:
            pairs = list(zip(texts[scaled], mult[scaled], strict=True))
            for pair in set(pairs):
                if pair not in exact:
                    exact[pair] = "" if pair[0] == "" else _scaled_or_none(*pair)
            return pd.Series([exact[p] for p in pairs], index=raw.index[scaled], dtype=object)

        for texts in (value, lower, upper):
            result = rescale(texts)
            bad_number.loc[result.index] |= result.isna()
            texts.loc[result.index] = result.fillna("")
        powers = sorted({int(m) for m in mult[scaled & ~bad_number]})
        notes.append(
            f"{path.name}: {int((scaled & ~bad_number).sum())} value(s) multiplied by "
            + ", ".join(f"10^{p}" for p in powers)
            + " as their UNIT_MULT says (exactly, in decimal; bounds too)"
        )
    problems += row_problems(
        raw.assign(_v=col("OBS_VALUE")),
        bad_number,
        "value",
        lambda v: f"OBS_VALUE {v!r} or its bounds: expected numbers to multiply by UNIT_MULT",
        "_v",
    )

    # disaggregations (an AGE that is not in years is part of the indicator code)
    residence_col = col("URBANISATION") if "URBANISATION" in raw.columns else col("RESIDENCE")
    residence = residence_col.map({"U": "urban", "R": "rural", "_T": "total", "": ""})
    bad_res = live & ~missing & residence.isna()
    problems += row_problems(
        raw.assign(_r=residence_col),
        bad_res,
        "residence",
        lambda r: f"residence code {r!r}: expected U, R or _T",
        "_r",
    )
    note = pd.Series("", index=raw.index, dtype=object)
    for attr in _NOTE_ATTRIBUTES:
        v = col(attr).str.strip()
        if attr == "OBS_FLAG":  # Eurostat's letters, each with its meaning
            v = v.map(_flag_text)
        part = (attr + "=" + v).where(v != "", "")
        note = note.where(part == "", note.where(note == "", note + "; ") + part)
    comment = col("COMMENT_OBS")
    note = comment.where(note == "", note.where(comment == "", note + "; " + comment))
    unit_code = _unit_codes(raw, col)
    unit = unit_code.map(lambda u: UNITS.get(u, u))
    # Salamat's own DSD (salamat export sdmx) carries the cause group and the source
    cause = col("CAUSE").where(~col("CAUSE").isin(_TOTALS), "")
    source_names = structure.codes.get("SOURCE", {}) if structure else {}
    source = col("SOURCE").map(lambda c: labels.get(("SOURCE", c)) or source_names.get(c) or c)

    keep = live & ~unknown & ~no_area & ~bad_mult & ~bad_number & ~bad_res
    refused_here = live & (unknown | no_area | bad_mult | bad_number | bad_res)
    frame = pd.DataFrame(
        {
            "indicator": indicator.where(~missing, indicator.fillna(key)),
            "area": area.where(~missing, area.fillna(ref)),
            "period": col("TIME_PERIOD").map(sdmx_period),
            "sex": col("SEX"),
            "age": age.fillna(""),
            "residence": residence.fillna(""),
            "value": value,
            "lower": lower,
            "upper": upper,
            "unit": unit,
            "cause": cause,
            "vintage": col("VINTAGE"),
            "note": note,
            "_file": raw["_file"],
            "_row": raw["_row"],
        }
    ).loc[keep]
    frame["age"] = definitional_age(frame["indicator"], frame["age"].fillna(""))
    if "SOURCE" in raw.columns:
        frame["source"] = source[keep]
    # the dataflow names the data; never the file's name (the same data under another name is
    # the same data, issue 10 item 7)
    default = f"SDMX {flow}" if flow else "SDMX data (no dataflow named; give --source)"
    return Parsed(
        frame.reset_index(drop=True),
        problems,
        default_source=default,
        notes=notes,
        new_areas=new_areas,
        new_indicators=new_indicators,
        # a Eurostat TSV line holds a series: count its refused observations, not its lines
        rejected_observations=int(refused_here.sum()) if is_eurostat_tsv(path) else None,
    )


_NUMERIC_LIST = re.compile(r"M49|ISO_?3166_?N|ISO_?NUM|NUMERIC", re.IGNORECASE)


def _iso_numeric(code: str) -> str:
    """The ISO 3166-1 alpha-3 code of an ISO numeric (= UN M49 country) code, else ""."""
    import pycountry

    if not code.isdigit() or len(code) > 3:
        return ""
    country = pycountry.countries.get(numeric=code.zfill(3))
    return str(country.alpha_3) if country is not None else ""


def _numeric_hint(code: str, codelist: str) -> str:
    """Why a numeric area code is not read by itself, and what it would be as ISO numeric."""
    iso = _iso_numeric(code)
    listed = f"its codelist {codelist}" if codelist else "no structure"
    return (
        f". A numeric code is never guessed: the file ({listed}) does not say its codes are ISO "
        "3166 numeric / UN M49 (publishers have their own numeric codes: the IMF's 122 is "
        "Austria)"
        + (
            f"; if they are, {code} is {iso}: --map area,{code},{iso}"
            if iso
            else f"; {code} is no ISO 3166 numeric code either"
        )
    )


def _flag_text(flags: str) -> str:
    """Eurostat's flag letters with their meanings: ``bp`` -> ``bp (break in time series,
    provisional)``; unknown letters are kept as they are."""
    known = [EUROSTAT_FLAGS[f] for f in flags if f in EUROSTAT_FLAGS]
    return f"{flags} ({', '.join(known)})" if flags and known else flags


def _unit_codes(raw: pd.DataFrame, col: Callable[[str], pd.Series]) -> pd.Series:
    """The unit of each observation: ``UNIT_MEASURE``, else a column ``UNIT`` (an attribute, or
    Eurostat's ``unit`` dimension, which is also part of the series code)."""
    unit_code = col("UNIT_MEASURE")
    if "UNIT" in raw.columns:
        unit_code = unit_code.where(unit_code != "", col("UNIT"))
    return unit_code


def _derive_indicators(
    raw: pd.DataFrame,
    indicator: pd.Series,
    key: pd.Series,
    has_indicator: bool,
    flow_id: str,
    agency: str,
    extras: list[str],
    col: Callable[[str], pd.Series],
    label: Callable[[str, str], str],
    structure: SdmxStructure | None,
) -> tuple[pd.Series, list[NewIndicator]]:
    """Codes, names and units of the unknown series (``--new-indicators``)."""
    unknown = indicator.isna()
    if not unknown.any():
        return indicator, []
    out = indicator.copy()
    made: dict[str, NewIndicator] = {}
    source = f"SDMX {agency + ':' if agency else ''}{flow_id}"
    first = raw.loc[unknown].assign(_k=key[unknown]).drop_duplicates("_k")
    for i in first.index:
        k = str(key.at[i])
        values = [str(col(d).at[i]) for d in extras if str(col(d).at[i]) and f"/{d}=" in k]
        head = str(col("INDICATOR").at[i]) if has_indicator else flow_id
        parts = [head, *values] if has_indicator else [flow_id, *values]
        code = derived_code(agency, parts)
        name_parts = [label("INDICATOR", head) if has_indicator else ""]
        if not name_parts[0]:
            name_parts = [(structure.name if structure and structure.name else flow_id)]
        name_parts += [
            label(d, str(col(d).at[i])) or str(col(d).at[i]) for d in extras if f"/{d}=" in k
        ]
        unit_code = str(_unit_codes(raw, col).at[i])
        made[k] = NewIndicator(
            code=code,
            name=", ".join(p for p in name_parts if p),
            unit=UNITS.get(unit_code, label("UNIT_MEASURE", unit_code) or unit_code),
            source_code=k,
            source=source,
        )
    codes = key.map(lambda k: made[k].code if k in made else None)
    out = out.where(~unknown, codes)
    return out, list(made.values())


register_parser(
    "sdmx",
    parse_sdmx,
    "SDMX data: SDMX-ML 2.0 (generic, compact), 2.1 and 3.0 (generic, structure-specific), "
    "SDMX-JSON 1.0 and 2.0, SDMX-CSV 1.0 and 2.0, Eurostat's bulk TSV, OECD Data (DP_LIVE) "
    "CSV; structure with --metadata",
)
