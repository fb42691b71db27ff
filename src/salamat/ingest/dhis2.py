"""``salamat import dhis2``: DHIS2 data value sets (JSON, CSV, XML), ADX and analytics responses.

DHIS2 ids are mapped to Salamat's codes by, in order:

* ``--map`` rows: ``indicator,<data element>,<code>`` (or ``indicator,<de>.<coc>,<code>``
  for one category option combo of a data element, DHIS2's operand notation);
  ``area,<org unit>,<code>``; ``categoryOptionCombo,<coc>,sex=female;age=0-4`` (or ``total``);
  ``categoryOption,<option>,sex=female``; ``attributeOptionCombo,<aoc>,total``; any of them to
  ``-`` to leave those values out;
* DHIS2 metadata passed with ``--metadata`` (``/api/metadata`` JSON): a data element's or an
  org unit's ``code`` that is a Salamat code (or an international code such as NCDMORT3070), and
  category options that state a sex or an age band (see :mod:`salamat.ingest.dhis2_meta`);
* ids that are Salamat codes already (a file exported with ``idScheme=CODE``).

With ``--new-areas PARENT``, an org unit the file names but Salamat cannot place is created under
PARENT, named from the file's own metadata (analytics ``metaData.items``, or the
``organisationUnits`` of ``--metadata``), with its DHIS2 id as an alias, in the import's
transaction; a Lao PDR analytics response of 18 provinces imports with
``--new-areas LAO``. With ``--new-indicators``, an unknown data element is registered under a
code derived from the file, the same at every import of the same source: ``dhis2_`` and the data
element's code (from ``--metadata``), else its name (``GEN - Population`` ->
``dhis2_gen_population``), else its id, named from the metadata.

The default category option combo (``HllvX50cXC0``, or one named ``default``) means no
disaggregation. Anything else that cannot be placed is a problem naming the row and the
``--map`` line to add; for example ``unknown DHIS2 org unit 'DiszpKrYNg8' (Ngelehun CHC): map it
with --map (area,DiszpKrYNg8,<code>)``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from salamat.errors import Problem
from salamat.ingest.dhis2_meta import Dhis2Metadata, load_metadata, option_disaggregation
from salamat.ingest.dhis2_read import read_dhis2
from salamat.ingest.interop import (
    DISAGGREGATIONS,
    SKIP,
    definitional_age,
    lookup,
    parse_disaggregation,
    resolve_indicator,
    row_problems,
    skip_note,
)
from salamat.ingest.registry import (
    NewArea,
    NewIndicator,
    ParseContext,
    Parsed,
    register_parser,
)

__all__ = ["parse_dhis2"]

_DE_DIMS = ("indicator", "dataElement")
_OU_DIMS = ("area", "orgUnit")

Disaggregation = dict[str, str]


def parse_dhis2(path: Path, ctx: ParseContext) -> Parsed:
    meta = load_metadata(p for p in ctx.metadata if p.name.lower().endswith(".json"))
    read = read_dhis2(path)
    meta.merge_names(read.names)
    raw = read.frame
    problems: list[Problem] = []
    notes: list[str] = []
    derived: dict[str, str] = {}

    # data element (alone, or together with its category option combo)
    de, coc = raw["dataElement"].astype(str), raw["categoryOptionCombo"].astype(str)
    pairs = {(d, c) for d, c in zip(de, coc, strict=True)}
    by_pair: dict[tuple[str, str], tuple[str | None, bool]] = {}
    for d, c in pairs:
        whole = lookup(ctx, _DE_DIMS, f"{d}.{c}") if c else None
        if whole is not None:
            by_pair[(d, c)] = (whole, True)
            continue
        by_pair[(d, c)] = (_indicator(ctx, meta, d), False)
    indicator = pd.Series([by_pair[p][0] for p in zip(de, coc, strict=True)], index=raw.index)
    combo_used = pd.Series([by_pair[p][1] for p in zip(de, coc, strict=True)], index=raw.index)
    skipped = indicator == SKIP
    notes += skip_note(path.name, raw, skipped, de)
    new_indicators: list[NewIndicator] = []
    if ctx.new_indicators and indicator.isna().any():
        made = {d: _new_indicator(meta, d) for d in sorted(set(de[indicator.isna()]))}
        new_indicators = list(made.values())
        indicator = indicator.where(indicator.notna(), de.map(lambda d: made[d].code))
    unknown_de = indicator.isna()
    problems += row_problems(
        raw,
        unknown_de,
        "indicator",
        lambda d: (
            f"unknown DHIS2 data element {meta.label(d)}: map it with --map "
            f"(indicator,{d},<code>), adding --new-indicators for a new code"
        ),
        "dataElement",
    )
    bad = unknown_de.copy()

    # org unit
    ou = raw["orgUnit"].astype(str)
    areas = {u: _area(ctx, meta, u) for u in set(ou)}
    area = ou.map(areas)
    area_skip = (area == SKIP) & ~skipped
    notes += skip_note(path.name, raw, area_skip, ou)
    unknown_ou = area.isna() & ~skipped
    new_areas: list[NewArea] = []
    if ctx.new_areas is not None and not read.filter_org_units:
        create = unknown_ou & (ou != "")
        for u in sorted(set(ou[create])):
            new_areas.append(NewArea(u, meta.names.get(u, "") or u))
        area = area.where(~create, ou)
        unknown_ou &= ~create
    if read.filter_org_units:
        key = ";".join(read.filter_org_units)
        message = (
            f"the values are summed over the filter org units {key}, not given per org unit: "
            f"request the analytics with dimension=ou, or map the whole filter with --map "
            f"(area,{key},<code>)"
        )
        problems += row_problems(raw, unknown_ou, "area", lambda _u: message, "orgUnit")
    else:
        problems += row_problems(
            raw,
            unknown_ou,
            "area",
            lambda u: (
                f"unknown DHIS2 org unit {meta.label(u)}: map it with --map (area,{u},<code>), "
                "or create the file's units with --new-areas PARENT"
            ),
            "orgUnit",
        )
    bad |= unknown_ou

    # disaggregation: category option combo, then attribute option combo
    combos: dict[str, Disaggregation | str | None] = {}
    options = raw["categoryOptions"].astype(str)
    keys = coc.where(options == "", options)
    for k in set(keys[~combo_used]):
        combos[k] = _combo(ctx, meta, k, derived)
    disagg = pd.Series(
        [{} if used else combos[k] for k, used in zip(keys, combo_used, strict=True)],
        index=raw.index,
        dtype=object,
    )
    coc_skip = (disagg == SKIP) & ~skipped
    notes += skip_note(path.name, raw, coc_skip, keys)
    unknown_coc = disagg.isna() & ~skipped
    problems += row_problems(
        raw.assign(_k=keys),
        unknown_coc,
        "categoryOptionCombo",
        lambda k: (
            f"unknown DHIS2 category option combo {meta.label(k)}: map it with --map "
            f"(categoryOptionCombo,{k},sex=female;age=0-4 or total), pass the DHIS2 metadata with "
            f"--metadata, or map data element and combo together (indicator,<de>.{k},<code>)"
        ),
        "_k",
    )
    bad |= unknown_coc

    aoc_keys = raw["attributeOptionCombo"].astype(str)
    aoc_keys = aoc_keys.where(raw["attributeOptions"].astype(str) == "", raw["attributeOptions"])
    attrs = {k: _attribute_combo(ctx, meta, k) for k in set(aoc_keys)}
    attr = aoc_keys.map(attrs)
    aoc_skip = (attr == SKIP) & ~skipped
    notes += skip_note(path.name, raw, aoc_skip, aoc_keys)
    unknown_aoc = attr.isna() & ~skipped
    problems += row_problems(
        raw.assign(_k=aoc_keys),
        unknown_aoc,
        "attributeOptionCombo",
        lambda k: (
            f"unknown DHIS2 attribute option combo {meta.label(k)}: values of different "
            f"attribute options (funding mechanisms, partners) must not be merged silently; map it "
            f"with --map (attributeOptionCombo,{k},total) to import them as they are, or '-' to "
            "leave them out"
        ),
        "_k",
    )
    bad |= unknown_aoc

    keep = ~skipped & ~area_skip & ~coc_skip & ~aoc_skip & ~bad
    columns: dict[str, list[str]] = {c: [] for c in DISAGGREGATIONS}
    conflict = pd.Series(False, index=raw.index)
    for i, (d, a) in enumerate(zip(disagg, attr, strict=True)):
        both: Disaggregation = {}
        if isinstance(d, dict) and isinstance(a, dict):
            for k, v in [*d.items(), *a.items()]:
                if both.get(k, v) != v:
                    conflict.iloc[i] = True
                both[k] = v
        for c in DISAGGREGATIONS:
            columns[c].append(both.get(c, ""))
    conflict &= keep
    problems += row_problems(
        raw,
        conflict,
        "categoryOptionCombo",
        lambda c: (
            "the category and attribute option combos give different values for the "
            "same disaggregation"
        ),
        "categoryOptionCombo",
    )
    keep &= ~conflict
    for k, text in sorted(derived.items()):
        notes.append(f"{path.name}: DHIS2 category option combo {meta.label(k)} read as {text}")

    frame = pd.DataFrame(
        {
            "indicator": indicator,
            "area": area,
            "period": raw["period"],
            **{c: pd.Series(columns[c], index=raw.index, dtype=object) for c in DISAGGREGATIONS},
            "value": raw["value"],
            "note": raw["comment"],
            "_file": raw["_file"],
            "_row": raw["_row"],
        }
    ).loc[keep]
    frame["age"] = definitional_age(frame["indicator"], frame["age"])
    source = "DHIS2 analytics" if read.shape == "analytics" else "DHIS2"
    return Parsed(
        frame.reset_index(drop=True),
        problems,
        default_source=source,
        notes=notes,
        new_areas=new_areas,
        new_indicators=new_indicators,
    )


def _new_indicator(meta: Dhis2Metadata, de: str) -> NewIndicator:
    """The indicator registered for an unknown data element under ``--new-indicators``."""
    stem = meta.codes.get(de) or meta.names.get(de) or de
    code = "dhis2_" + (re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_") or de.lower())
    return NewIndicator(
        code=code,
        name=meta.names.get(de) or de,
        unit="",
        source_code=de,
        source="DHIS2",
    )


def _indicator(ctx: ParseContext, meta: Dhis2Metadata, de: str) -> str | None:
    mapped = lookup(ctx, _DE_DIMS, de)
    if mapped is not None:
        return mapped
    code = meta.codes.get(de)
    if code:
        found = resolve_indicator(ctx, code, code)
        if found is not None:
            return found
    return resolve_indicator(ctx, de, de)


def _area(ctx: ParseContext, meta: Dhis2Metadata, ou: str) -> str | None:
    mapped = lookup(ctx, _OU_DIMS, ou)
    if mapped is not None:
        return mapped
    code = meta.codes.get(ou)
    if code and ctx.catalog.resolve(code):
        return ctx.catalog.resolve(code)
    return ctx.catalog.resolve(ou) if ou else None


def _mapped_disaggregation(text: str) -> Disaggregation | str | None:
    if text == SKIP:
        return SKIP
    return parse_disaggregation(text)


def _combo(
    ctx: ParseContext, meta: Dhis2Metadata, key: str, derived: dict[str, str]
) -> Disaggregation | str | None:
    """A category option combo (or ADX ``Category=option;...``) as our disaggregation."""
    if key == "" or key in meta.default_combos:
        return {}
    mapped = lookup(ctx, ("categoryOptionCombo",), key)
    if mapped is not None:
        return _mapped_disaggregation(mapped)
    if "=" in key:  # ADX: category=option pairs
        option_ids = [
            meta.option_by_code.get(v, v) for _, _, v in (p.partition("=") for p in key.split(";"))
        ]
    elif key in meta.combo_options:
        option_ids = meta.combo_options[key]
    else:
        return None
    out: Disaggregation = {}
    read_from_names = False
    for option in option_ids:
        mapped = lookup(ctx, ("categoryOption",), option)
        if mapped is None and option in meta.codes:
            mapped = lookup(ctx, ("categoryOption",), meta.codes[option])
        part: Disaggregation | str | None
        if mapped is not None:
            part = _mapped_disaggregation(mapped)
        else:
            part = option_disaggregation(meta.names.get(option, ""), meta.codes.get(option, ""))
            read_from_names = True
        if not isinstance(part, dict):
            return part
        for k, v in part.items():
            if out.get(k, v) != v:
                return None
            out[k] = v
    if read_from_names:
        derived[key] = ";".join(f"{k}={out[k]}" for k in DISAGGREGATIONS if k in out) or "total"
    return out


def _attribute_combo(
    ctx: ParseContext, meta: Dhis2Metadata, key: str
) -> Disaggregation | str | None:
    if key == "" or key in meta.default_combos:
        return {}
    mapped = lookup(ctx, ("attributeOptionCombo",), key)
    if mapped is not None:
        return _mapped_disaggregation(mapped)
    return None


register_parser(
    "dhis2",
    parse_dhis2,
    "DHIS2 data value sets (JSON, CSV, XML), ADX, analytics responses; --metadata, --map",
)
