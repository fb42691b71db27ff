"""The canonical observation frame every parser produces, and its validation.

A parser (observations CSV, WPP, and the exchange formats: DHIS2, SDMX, GHO, Open SDG) only
has to turn its file into a pandas DataFrame of strings with the columns in :data:`COLUMNS`
plus ``_file`` and ``_row`` (where the value came from, as the user would find it). Everything
else is shared: :func:`validate` checks every row and returns all problems at once, and the
store writes the clean frame in one transaction.

Validation is vectorised: each rule is a pandas operation over the whole column, and codes
(periods, areas) are parsed once per distinct value, not once per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from salamat.errors import InputError, Problem
from salamat.methods.periods import parse_period
from salamat.methods.units import UnitError, conversion, convert
from salamat.store.reference import Catalog

__all__ = [
    "COLUMNS",
    "MISSING_MARKERS",
    "OPTIONAL",
    "PROJECTION_PATTERN",
    "REQUIRED",
    "Validated",
    "canonical_age",
    "is_projection",
    "missing_value",
    "validate",
]

REQUIRED = ("indicator", "area", "period", "value")
OPTIONAL = (
    "sex",
    "age",
    "cause",
    "residence",
    "lower",
    "upper",
    "unit",
    "source",
    "vintage",
    "note",
)
COLUMNS = REQUIRED + OPTIONAL
KEY = ("indicator", "area", "period", "sex", "age", "cause", "residence", "source")

SEX_CODES = {
    "total": "total",
    "both": "total",
    "t": "total",
    "btsx": "total",
    "_t": "total",
    "female": "female",
    "f": "female",
    "2": "female",
    "fmle": "female",
    "male": "male",
    "m": "male",
    "1": "male",
    "mle": "male",
}
# Units of indicators that count things: a negative value is an error.
COUNT_UNITS = frozenset({"persons", "deaths", "births", "organisations", "cases", "facilities"})
RESIDENCE_CODES = {"total": "total", "urban": "urban", "rural": "rural", "_t": "total"}
# How publishers write "no value" (compared in lower case, after trimming): pandas and R (NaN,
# NA), Eurostat (:), the UN and World Bank (..), many national tables (-), and an empty cell.
MISSING_MARKERS = frozenset({"", "nan", "na", ":", "..", "-"})
# A row whose source, vintage or note matches this says it is a projection (docs/quality.md).
PROJECTION_PATTERN = re.compile(
    r"\bprojecti\w*|\bprojected\b|\bforecast\w*"
    r"|\b(?:medium|low|high|constant[- ]fertility|constant[- ]mortality|instant[- ]replacement"
    r"|zero[- ]migration|no[- ]change|momentum)[- ]variant\b|прогноз|болжам",
    re.IGNORECASE,
)


def is_projection(frame: pd.DataFrame) -> pd.Series:
    """True for the rows of ``frame`` whose ``source``, ``vintage`` or ``note`` says projection.

    The same test the import applies to a period after the current year
    (:data:`PROJECTION_PATTERN`): the places that want observed values (a target's series, the
    latest value of a country on Compare) leave these rows out. Missing columns count as empty.
    """
    text = pd.Series("", index=frame.index, dtype="string")
    for col in ("source", "vintage", "note"):
        if col in frame.columns:
            text = text + " " + frame[col].astype("string").fillna("")
    return text.str.contains(PROJECTION_PATTERN).fillna(False).astype(bool)


@dataclass
class Validated:
    """A frame ready for the store (typed columns, canonical codes) and the problems found."""

    frame: pd.DataFrame
    problems: list[Problem]
    rows_with_problems: int
    skipped_missing: int = 0


def canonical_age(text: str) -> str | None:
    """Canonical age label: ``all``, a single start ``65``, a band ``30-69`` or an open ``85+``.

    Returns None when the text is not an age band. ``30 - 69`` becomes ``30-69``; a band whose
    end is before its start is not valid.
    """
    t = text.strip().replace(" ", "").lower()
    if t in ("", "all", "total", "_t"):
        return "all"
    if t.endswith("+") and t[:-1].isdigit():
        return f"{int(t[:-1])}+"
    if t.isdigit():
        return str(int(t))
    if "-" in t:
        a, _, b = t.partition("-")
        if a.isdigit() and b.isdigit() and int(a) <= int(b):
            return f"{int(a)}-{int(b)}"
    return None


def missing_value(values: pd.Series) -> pd.Series:
    """True where a value cell holds a missing-value marker (:data:`MISSING_MARKERS`)."""
    text = values.astype("string").fillna("").str.strip().str.lower()
    return text.isin(list(MISSING_MARKERS)).astype(bool)


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("string").str.strip() == "")


def validate(
    raw: pd.DataFrame,
    catalog: Catalog,
    *,
    default_source: str | None,
    new_indicators: bool = False,
    current_year: int | None = None,
) -> Validated:
    """Check every row of a canonical frame; return the typed frame and all problems.

    Rules: required fields present; indicator known (or ``new_indicators``); area a known
    org-unit code or declared alias, valid for the whole period (so a region's series never
    runs across a border change); period a valid id; sex, age, cause and residence canonical;
    value, lower and upper numbers with lower <= value <= upper; unit that of the indicator;
    a source for every row; no key twice. A row whose value is a missing-value marker
    (``NaN``, ``NA``, ``:``, ``..``, ``-``, an empty cell) is not a value: it is skipped and
    counted (``skipped_missing``), never an error and never a zero. Value, lower and upper within the indicator's
    plausible bounds (``catalog.bounds``, inclusive). With ``current_year`` (read from the
    clock by the caller), a period that starts after it is rejected unless the row is a
    projection: its indicator allows projections (``projection_ok``) and its source, vintage or
    note says projection (:data:`PROJECTION_PATTERN`).
    """
    df = raw.copy()
    for col in COLUMNS:
        if col not in df.columns:
            df[col] = ""
        df[col] = df[col].astype("string").fillna("").str.strip()
    missing = missing_value(df["value"])
    skipped_missing = int(missing.sum())
    if skipped_missing:
        df = df.loc[~missing].reset_index(drop=True)
    problems: list[Problem] = []
    bad = np.zeros(len(df), dtype=bool)
    files = df["_file"].astype(str).to_numpy()
    rows = df["_row"].to_numpy()

    def flag(mask: pd.Series | np.ndarray, field: str, message: str) -> None:
        m = np.asarray(mask, dtype=bool)
        if not m.any():
            return
        nonlocal bad
        bad |= m
        values = df[field].to_numpy() if field in df.columns else [None] * len(df)
        for i in np.flatnonzero(m):
            problems.append(
                Problem(
                    files[i],
                    int(rows[i]),
                    field,
                    message,
                    None if values[i] is None else str(values[i]),
                )
            )

    for col in ("indicator", "period", "value"):
        flag(df[col] == "", col, "a value is required")
    flag(
        df["area"] == "",
        "area",
        "the row names no area: add an area column, or give --area CODE for rows without one "
        "(there is no default country)",
    )

    # indicator
    known = df["indicator"].isin(list(catalog.data_elements))
    if not new_indicators:
        flag(
            (df["indicator"] != "") & ~known,
            "indicator",
            "unknown indicator: expected a code from the catalogue (salamat info --indicators)",
        )

    # area: code or alias, then validity over the whole period
    uniq_area = df["area"].unique()
    area_map = {a: catalog.resolve(a) for a in uniq_area}
    df["area"] = _by_value(df["area"], lambda a: area_map.get(a) or a)
    unknown_area = _by_value(df["area"], lambda a: a not in catalog.orgunits).astype(bool)
    flag(
        unknown_area & (raw_nonblank(df, "area")),
        "area",
        "unknown org unit: expected a code such as KAZ, KZ-75 or WHO-EUR (salamat info --areas)",
    )

    # period
    period_info: dict[str, tuple[str, str, object, object] | str] = {}
    for p in df["period"].unique():
        if p == "":
            continue
        try:
            per = parse_period(p)
            period_info[p] = (per.id, per.type, per.start, per.end)
        except InputError as exc:
            period_info[p] = str(exc)
    bad_period = _by_value(df["period"], lambda p: isinstance(period_info.get(p), str)).astype(bool)
    for i in np.flatnonzero(bad_period.to_numpy()):
        msg = period_info[_at(df, "period", i)]
        assert isinstance(msg, str)
        problems.append(Problem(files[i], int(rows[i]), "period", msg, _at(df, "period", i)))
    bad |= bad_period.to_numpy()
    ok_p = _by_value(df["period"], lambda p: not isinstance(period_info.get(p, ""), str)).astype(
        bool
    )
    df["period_type"] = _by_value(df["period"], lambda p: _pick(period_info.get(p), 1))
    df["period_start"] = pd.to_datetime(
        _by_value(df["period"], lambda p: _pick(period_info.get(p), 2))
    )
    df["period_end"] = pd.to_datetime(
        _by_value(df["period"], lambda p: _pick(period_info.get(p), 3))
    )
    df["period"] = _by_value(df["period"], lambda p: _pick(period_info.get(p), 0) or p)

    valid_from = pd.to_datetime(
        _by_value(
            df["area"], lambda a: catalog.orgunits[a].valid_from if a in catalog.orgunits else None
        )
    )
    valid_to = pd.to_datetime(
        _by_value(
            df["area"], lambda a: catalog.orgunits[a].valid_to if a in catalog.orgunits else None
        )
    )
    before = ok_p & valid_from.notna() & (df["period_start"] < valid_from)
    after = ok_p & valid_to.notna() & (df["period_end"] > valid_to)
    for mask, word in ((before, "before"), (after, "after")):
        for i in np.flatnonzero(mask.to_numpy()):
            unit = catalog.orgunits[_at(df, "area", i)]
            span = f"{unit.valid_from or '...'} to {unit.valid_to or 'today'}"
            hint = catalog.lineage_hint(unit.code)
            msg = (
                f"period {_at(df, 'period', i)} falls {word} the validity of {unit.code} "
                f"({unit.name_en}, {span})" + (f": {hint}" if hint else "")
            )
            problems.append(Problem(files[i], int(rows[i]), "area", msg, _at(df, "area", i)))
        bad |= mask.to_numpy()

    # disaggregations
    sex = _by_value(df["sex"].str.lower(), lambda s: SEX_CODES.get(s) if s else "total")
    flag(sex.isna(), "sex", "expected female, male or total (also F, M, T, 1, 2, both)")
    df["sex"] = sex.fillna("")
    age = _by_value(df["age"], canonical_age)
    flag(age.isna(), "age", "expected an age band such as 30-69, 85+, its start such as 30, or all")
    df["age"] = age.fillna("")
    cause = _by_value(df["cause"].str.lower(), lambda c: c if c else "all")
    flag(
        ~cause.isin(list(catalog.cause_groups)),
        "cause",
        "unknown cause group: expected a code such as all, circulatory, cancer, ncd4",
    )
    df["cause"] = cause
    residence = _by_value(
        df["residence"].str.lower(), lambda r: RESIDENCE_CODES.get(r) if r else "total"
    )
    flag(residence.isna(), "residence", "expected total, urban or rural")
    df["residence"] = residence.fillna("")

    # numbers
    for col in ("value", "lower", "upper"):
        num = pd.to_numeric(df[col].where(df[col] != ""), errors="coerce")
        not_number = (df[col] != "") & (num.isna() | ~np.isfinite(num.fillna(0.0)))
        flag(not_number, col, "expected a finite number (a dot as decimal separator)")
        df[f"{col}_num"] = num
    lo, val, hi = df["lower_num"], df["value_num"], df["upper_num"]
    flag(lo.notna() & val.notna() & (lo > val), "lower", "lower bound is above the value")
    flag(hi.notna() & val.notna() & (hi < val), "upper", "upper bound is below the value")
    count_unit = _by_value(
        df["indicator"], lambda c: (catalog.data_elements.get(c) or "") in COUNT_UNITS
    ).astype(bool)
    flag(count_unit & val.notna() & (val < 0), "value", "a count cannot be negative")
    # (a negative count is reported once, by the rule above)
    negative_count = count_unit & val.notna() & (val < 0)
    _check_bounds(df, catalog, problems, bad, files, rows, skip=negative_count)

    # a period after the current year: only projections
    if current_year is not None:
        start_year = df["period_start"].dt.year
        future = (ok_p & start_year.notna() & (start_year > current_year)).to_numpy(dtype=bool)
        if future.any():
            said = (df["source"] + " " + df["vintage"] + " " + df["note"]).map(
                lambda t: bool(PROJECTION_PATTERN.search(t))
            )
            allowed = _by_value(
                df["indicator"], lambda c: catalog.bounds.get(c, (None, None, False))[2]
            )
            for i in np.flatnonzero(future & ~(said & allowed).to_numpy(dtype=bool)):
                code = _at(df, "indicator", int(i))
                why = (
                    "its source, vintage or note does not say it is a projection"
                    if allowed.iloc[int(i)]
                    else f"{code} does not accept projections (projection_ok is false)"
                )
                problems.append(
                    Problem(
                        files[i],
                        int(rows[i]),
                        "period",
                        f"period {_at(df, 'period', int(i))} is after the current year "
                        f"{current_year}: an observed value cannot lie in the future, and {why}",
                        _at(df, "period", int(i)),
                    )
                )
                bad[i] = True

    # unit: a published unit that differs from the indicator's is converted when exact
    # (salamat.methods.units), said so in the note; otherwise the row is rejected with the reason
    expected_unit = _by_value(df["indicator"], lambda c: catalog.data_elements.get(c) or "").astype(
        object
    )
    given = df["unit"].astype(object)
    differs = ((given != "") & (expected_unit != "") & (given != expected_unit)).astype(bool)
    pairs = set(zip(given[differs], expected_unit[differs], strict=True))
    for unit_from, unit_to in sorted(pairs):
        at = differs & (given == unit_from) & (expected_unit == unit_to)
        try:
            conv = conversion(unit_from, unit_to)
        except UnitError as exc:
            for i in np.flatnonzero(at.to_numpy()):
                problems.append(
                    Problem(
                        files[i],
                        int(rows[i]),
                        "unit",
                        f"indicator {_at(df, 'indicator', i)} is measured in {unit_to!r}: {exc}",
                        unit_from,
                    )
                )
            bad |= at.to_numpy()
            continue
        if not conv.identity:
            for col in ("value_num", "lower_num", "upper_num"):
                df.loc[at, col] = convert(df.loc[at, col].to_numpy(dtype=float), conv.factor)
            note = df.loc[at, "note"].astype(str)
            df.loc[at, "note"] = note.where(note == "", note + "; ") + conv.note
    df["unit"] = expected_unit.where(expected_unit != "", given)

    # source
    if default_source:
        df["source"] = df["source"].where(df["source"] != "", default_source)
    flag(
        df["source"] == "", "source", "every value needs a source: add a source column or --source"
    )

    # duplicates on the key, among rows otherwise valid
    key = list(KEY)
    dup = df.duplicated(subset=key, keep=False) & ~bad
    if dup.any():
        first_row = df[dup].groupby(key, sort=False)["_row"].transform("first")
        later = df[dup].duplicated(subset=key, keep="first")
        positions = {idx: pos for pos, idx in enumerate(df.index)}
        for idx in later[later].index:
            i = np.int64(positions[idx])
            problems.append(
                Problem(
                    files[i],
                    int(rows[i]),
                    "value",
                    f"the same indicator, area, period, disaggregation and source as row "
                    f"{int(first_row.loc[idx])}: each value may appear once",
                    _at(df, "value", i),
                )
            )
            bad[i] = True

    problems.sort(key=lambda p: (p.file, p.row or 0))
    out = df.loc[~bad].copy()
    frame = pd.DataFrame(
        {
            "indicator": out["indicator"],
            "area": out["area"],
            "period": out["period"],
            "period_type": out["period_type"],
            "period_start": out["period_start"].dt.date,
            "period_end": out["period_end"].dt.date,
            "sex": out["sex"],
            "age": out["age"],
            "cause": out["cause"],
            "residence": out["residence"],
            "value": out["value_num"].astype(float),
            "lower": out["lower_num"].astype(float),
            "upper": out["upper_num"].astype(float),
            "unit": out["unit"].replace("", None),
            "source": out["source"],
            "vintage": out["vintage"].replace("", None),
            "note": out["note"].replace("", None),
        }
    )
    return Validated(frame.reset_index(drop=True), problems, int(bad.sum()), skipped_missing)


def _check_bounds(
    df: pd.DataFrame,
    catalog: Catalog,
    problems: list[Problem],
    bad: np.ndarray,
    files: np.ndarray,
    rows: np.ndarray,
    *,
    skip: pd.Series,
) -> None:
    """Reject value, lower and upper outside the indicator's plausible bounds (inclusive);
    ``skip`` marks rows whose value was already reported (a negative count)."""

    def bound(c: str, i: int) -> float | None:
        return catalog.bounds.get(c, (None, None, False))[i]

    low = pd.to_numeric(_by_value(df["indicator"], lambda c: bound(c, 0)), errors="coerce")
    high = pd.to_numeric(_by_value(df["indicator"], lambda c: bound(c, 1)), errors="coerce")
    low, high = low.astype(float), high.astype(float)
    for col in ("value", "lower", "upper"):
        num = df[f"{col}_num"].astype(float)
        out = num.notna() & ((low.notna() & (num < low)) | (high.notna() & (num > high)))
        if col == "value":
            out &= ~skip.astype(bool)
        for i in np.flatnonzero(out.to_numpy(dtype=bool)):
            lo, hi = low.iloc[int(i)], high.iloc[int(i)]
            span = (
                f"{_num(lo) if lo == lo else 'no lower bound'} to "
                f"{_num(hi) if hi == hi else 'no upper bound'}"
            )
            unit = catalog.data_elements.get(_at(df, "indicator", int(i))) or ""
            problems.append(
                Problem(
                    files[i],
                    int(rows[i]),
                    col,
                    f"{_at(df, col, int(i))} is outside the plausible range of "
                    f"{_at(df, 'indicator', int(i))}: {span}"
                    + (f" ({unit})" if unit else "")
                    + " (bounds: salamat indicators; basis in indicator_bounds.csv)",
                    _at(df, col, int(i)),
                )
            )
            bad[i] = True


def _num(x: float) -> str:
    return f"{x:,.10g}"


def _at(df: pd.DataFrame, col: str, i: int | np.integer) -> str:
    return str(df[col].iloc[int(i)])


def raw_nonblank(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col] != ""


def _by_value(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``values.map(func)``, with ``func`` called once per distinct value rather than once per
    row (an import's codes, periods and units repeat over many rows): the same result."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = pd.Series(uniques).map(func).take(codes)
    mapped.index = values.index
    mapped.name = values.name
    return mapped


def _pick(info: object, i: int) -> object:
    return info[i] if isinstance(info, tuple) else None
