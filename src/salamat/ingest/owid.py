"""``salamat import owid``: Our World in Data grapher CSVs (``Entity,Code,Year,<value>``).

The value column names the indicator: known names are mapped below; others need ``--map`` with a
row ``indicator,<column name>,<indicator code>``. Rows of OWID's regional aggregates (no ISO
code, or an ``OWID_`` code other than the world) are not imported and are listed in the
summary's notes.
"""

from __future__ import annotations

from pathlib import Path

from salamat.errors import InputError, Problem
from salamat.ingest.registry import ParseContext, Parsed, register_parser
from salamat.ingest.tables import read_table, require_columns

__all__ = ["KNOWN_COLUMNS", "parse_owid"]

KNOWN_COLUMNS = {
    "estimated incidence of all forms of tuberculosis": "tb_incidence",
    "current health expenditure (che) as percentage of gross domestic product (gdp) (%)": "che_gdp",
}


def parse_owid(path: Path, ctx: ParseContext) -> Parsed:
    df = read_table(path)
    require_columns(df, path, ("entity", "code", "year"))
    values = [
        c for c in df.columns if c not in ("entity", "code", "year") and not c.startswith("_")
    ]
    if len(values) != 1:
        raise InputError(
            f"{path}: expected one value column after Entity, Code, Year; found {len(values)}"
        )
    column = values[0]
    indicator = ctx.mapping.get("indicator", {}).get(column) or KNOWN_COLUMNS.get(column)
    if indicator is None:
        raise InputError(
            f"{path}: no indicator for the column {column!r}",
            [
                Problem(
                    str(path),
                    1,
                    column,
                    "unknown OWID column: map it with --map "
                    "(a CSV row: indicator,<column name>,<indicator code>)",
                )
            ],
        )
    aggregate = (df["code"] == "") | (
        df["code"].str.startswith("OWID_") & (df["code"] != "OWID_WRL")
    )
    notes = []
    if aggregate.any():
        names = sorted(df.loc[aggregate, "entity"].unique())
        notes.append(
            f"{path.name}: {int(aggregate.sum())} rows of {len(names)} OWID regional "
            f"aggregates without an ISO code not imported ({', '.join(names[:6])}"
            f"{' ...' if len(names) > 6 else ''})"
        )
    kept = df.loc[~aggregate]
    frame = kept[["_file", "_row"]].assign(
        indicator=indicator, area=kept["code"], period=kept["year"], value=kept[column]
    )
    return Parsed(frame, default_source="Our World in Data", notes=notes)


register_parser("owid", parse_owid, "Our World in Data grapher CSV: Entity, Code, Year, value")
