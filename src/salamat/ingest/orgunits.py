"""``salamat import orgunits``: a ministry's own org units below the bundled ones.

CSV or Parquet with ``code``, ``parent``, ``name_en``, ``kind`` (region, district, facility, city,
group) and optionally ``name_kk``, ``name_ru``, ``valid_from``, ``valid_to`` (ISO dates), ``note``
and ``aliases`` (other codes for the same unit separated by ``;``, e.g. its DHIS2 uid). A parent
may be a bundled unit (``KZ-75``) or another row of the file. Bundled units cannot be redefined.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.pipeline import write_once
from salamat.ingest.registry import register_runner
from salamat.ingest.summary import ImportSummary
from salamat.ingest.tables import count_data_rows, read_table, require_columns
from salamat.store.connection import Store
from salamat.store.orgunits import bundled_codes, upsert_orgunits
from salamat.store.reference import load_catalog

__all__ = ["KINDS", "import_orgunits"]

KINDS = ("region", "city", "district", "facility", "group")
_OPTIONAL = ("name_kk", "name_ru", "valid_from", "valid_to", "note", "aliases")
_REQUIRED = ("code", "parent", "name_en", "kind")
# Any other column is an error (the rule of every kind with a fixed layout).
_ALLOWED = _REQUIRED + _OPTIONAL


def _date(text: str) -> date | str | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return "bad"


def import_orgunits(store: Store, paths: Sequence[Path], *, dry_run: bool = False) -> ImportSummary:
    t0 = time.perf_counter()
    started = datetime.now()
    summary = ImportSummary(kind="orgunits", files=[str(p) for p in paths])
    frames = []
    problems: list[Problem] = []
    refused: dict[str, int] = {}  # file -> data rows of a file refused as a whole
    for path in paths:
        try:
            df = read_table(path)
            require_columns(df, path, _REQUIRED)
            extra = [c for c in df.columns if not c.startswith("_") and c not in _ALLOWED]
            if extra:
                raise InputError(
                    f"{path}: unknown column(s) {', '.join(extra)}",
                    [
                        Problem(
                            str(path),
                            1,
                            c,
                            "unknown column: expected only " + ", ".join(_ALLOWED),
                        )
                        for c in extra
                    ],
                )
        except InputError as exc:
            refused[str(path)] = count_data_rows(path)
            problems.extend(exc.problems or [Problem(str(path), None, None, str(exc))])
            continue
        frames.append(df)
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for col in _OPTIONAL:
        if col not in df.columns:
            df[col] = ""
    catalog = load_catalog(store)
    bundled = bundled_codes(store)
    known_levels = {c: u.level for c, u in catalog.orgunits.items()}

    def add(i: int, field: str, message: str) -> None:
        problems.append(
            Problem(
                str(df["_file"].iloc[i]),
                int(df["_row"].iloc[i]),
                field,
                message,
                str(df[field].iloc[i]) if field in df else None,
            )
        )

    codes = df["code"].astype(str).str.strip() if len(df) else pd.Series(dtype=str)
    in_file = (
        dict(zip(codes, df["parent"].astype(str).str.strip(), strict=False)) if len(df) else {}
    )
    dup = codes.duplicated(keep="first").to_numpy() if len(df) else np.array([], bool)
    levels: dict[str, int] = {}

    def level_of(code: str, seen: tuple[str, ...] = ()) -> int | None:
        if code in known_levels and code not in in_file:
            return known_levels[code]
        if code in levels:
            return levels[code]
        if code not in in_file or code in seen:
            return None
        parent_level = level_of(in_file[code], (*seen, code))
        if parent_level is None:
            return None
        levels[code] = parent_level + 1
        return levels[code]

    for i in range(len(df)):
        code, parent = codes.iloc[i], str(df["parent"].iloc[i]).strip()
        if not code:
            add(i, "code", "a code is required")
        elif code in bundled:
            add(i, "code", "a bundled org unit cannot be redefined; give your unit its own code")
        elif dup[i]:
            add(i, "code", "the code appears more than once in the file")
        if not str(df["name_en"].iloc[i]).strip():
            add(i, "name_en", "a name is required")
        if str(df["kind"].iloc[i]).strip() not in KINDS:
            add(i, "kind", f"expected one of {', '.join(KINDS)}")
        if parent not in known_levels and parent not in in_file:
            add(
                i,
                "parent",
                "unknown parent: expected a bundled code such as KZ-75 or a code in this file",
            )
        elif code and level_of(code) is None:
            add(i, "parent", "the parents form a cycle")
        start, end = _date(str(df["valid_from"].iloc[i])), _date(str(df["valid_to"].iloc[i]))
        if start == "bad":
            add(i, "valid_from", "expected an ISO date YYYY-MM-DD")
        if end == "bad":
            add(i, "valid_to", "expected an ISO date YYYY-MM-DD")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            add(i, "valid_to", "valid_to is before valid_from")
    summary.total = len(df) + sum(refused.values())
    if problems:
        summary.status = "ERROR"
        summary.rejected = len(
            {(p.file, p.row) for p in problems if p.row is not None and p.file not in refused}
        ) + sum(refused.values())
        for file, rows in refused.items():
            if rows:
                summary.notes.append(
                    f"{Path(file).name}: the whole file was refused ({rows} data row(s))"
                )
        summary.add_problems(sorted(problems, key=lambda p: (p.file, p.row or 0)))
        summary.notes.append("nothing was written: fix the problems and import again")
        summary.seconds = time.perf_counter() - t0
        return summary
    units = pd.DataFrame(
        {
            "code": codes,
            "parent": df["parent"].str.strip(),
            "level": [levels.get(c) or level_of(c) for c in codes],
            "kind": df["kind"].str.strip(),
            "name_en": df["name_en"].str.strip(),
            "name_kk": df["name_kk"].replace("", None),
            "name_ru": df["name_ru"].replace("", None),
            "valid_from": [_date(x) for x in df["valid_from"]],
            "valid_to": [_date(x) for x in df["valid_to"]],
            "note": df["note"].replace("", None),
        }
    )
    alias_rows = [
        (a.strip(), c, "user alias")
        for c, text in zip(codes, df["aliases"], strict=True)
        for a in str(text).split(";")
        if a.strip()
    ]
    aliases = pd.DataFrame(alias_rows, columns=["alias", "code", "note"])

    def write(import_id: int) -> tuple[int, int, int]:
        c = upsert_orgunits(store, units, aliases, write=not dry_run, import_id=import_id)
        return c.created, c.updated, c.unchanged

    write_once(
        store, summary, paths=paths, source=None, started=started, dry_run=dry_run, write=write
    )
    summary.seconds = time.perf_counter() - t0
    return summary


register_runner(
    "orgunits",
    lambda store, files, o: import_orgunits(store, files, dry_run=o.dry_run),
    "your own org units (CSV/Parquet): code, parent, name_en, kind [, name_kk, name_ru, valid_from, valid_to, aliases]",
)
