"""Use cases: indicators computed from the store (regions summed, then computed), and
explanations of a change in life expectancy (Arriaga)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from salamat.errors import InputError, MethodError
from salamat.indicators.definitions import IndicatorDefinition, definition_from_row
from salamat.ingest import canonical
from salamat.methods.computed import (
    ABRIDGED_TO_85,
    ComputedValues,
    age_standardised_rate,
    life_expectancy,
    probability_30q70,
    regroup,
)
from salamat.methods.decompose import arriaga, arriaga_by_cause
from salamat.methods.lifetable import Sex, life_table
from salamat.services import carried
from salamat.services.suggest import area_hint, indicator_hint
from salamat.store.connection import Store
from salamat.store.imports import finish_import, next_import_id
from salamat.store.indicators import (
    aggregates,
    leaf_regions,
    load_definition_rows,
)
from salamat.store.observations import upsert_observations
from salamat.store.quality import recompute_flags, record_revisions, store_input_flags
from salamat.store.queries import series_frame
from salamat.store.reference import load_catalog

__all__ = [
    "EXPLAIN_CAUSES",
    "PUBLISHED_TOLERANCE",
    "Explanation",
    "catalogue",
    "compute",
    "compute_from_mx",
    "explain",
    "flag_areas",
    "published_values",
    "save_computed",
    "year_spans",
]

EXPLAIN_CAUSES = (
    "circulatory",
    "cancer",
    "respiratory_chronic",
    "diabetes",
    "tuberculosis",
    "external",
    "ill_defined",
)
"""Disjoint cause groups for the cause split; the rest of all-cause deaths is ``other``."""


# -- the catalogue -------------------------------------------------------------------------


def catalogue(store: Store) -> dict[str, IndicatorDefinition]:
    """Every indicator definition in the store, by code."""
    return {r["code"]: definition_from_row(r) for r in load_definition_rows(store)}


def _definition(store: Store, code: str) -> IndicatorDefinition:
    defs = catalogue(store)
    if code not in defs:
        raise InputError(f"unknown indicator {code!r}: {indicator_hint(store, code)}")
    return defs[code]


def _compute_values(
    d: IndicatorDefinition, age: Any, deaths: Any, exposure: Any, sex: str, level: float
) -> ComputedValues:
    if d.method == "life_expectancy":
        return life_expectancy(age, deaths, exposure, at=d.at_age, sex=_sex(sex), level=level)
    if d.method == "age_standardised_rate":
        return age_standardised_rate(age, deaths, exposure, per=d.multiplier, level=level)
    if d.method == "probability_30q70":
        return probability_30q70(age, deaths, exposure, per=d.multiplier, level=level)
    raise MethodError(
        f"{d.code} ({d.method or 'no method'}) is not computed from unit records: it is "
        "imported as published (salamat import)"
    )


def _sex(sex: str) -> Sex:
    if sex not in ("female", "male", "total"):
        raise InputError(f"sex {sex!r}: expected female, male or total")
    return sex  # type: ignore[return-value]


def compute(
    store: Store,
    indicator: str,
    area: str,
    *,
    sex: str = "total",
    start: int | None = None,
    end: int | None = None,
    level: float = 0.95,
    source: Literal["auto", "records", "synthetic"] = "auto",
) -> pd.DataFrame:
    """An indicator computed from the best real input for an area, by year or period.

    ``source="auto"`` takes real unit records (deaths and population) where the store has them;
    else, for life expectancy, the real death rates by age of UN WPP 2024 (five-year periods,
    :func:`compute_from_mx`); else SYNTHETIC unit records, only when nothing real covers the
    request. ``"records"`` takes the unit records whatever they are; ``"synthetic"`` asks for
    synthetic records explicitly (an error if the records are real). Life expectancy,
    age-standardised death rates and 30q70 are computed from the unit-record aggregates; a
    country or an abolished region is the sum of its regions' deaths and exposures.

    Returns the observation columns plus ``method``, ``synthetic`` (bool), ``published`` and
    ``published_source`` (the published value of the same indicator, area, sex and period,
    see :func:`published_values`) and ``differs`` (``|value - published| > 0.5``); ``source``
    is ``Salamat (computed from <inputs>)``.
    """
    if source not in ("auto", "records", "synthetic"):
        raise InputError(f"--source {source!r}: expected auto, records or synthetic")
    d = _definition(store, indicator)
    frame: pd.DataFrame | None = None
    try:
        frame = _compute(store, indicator, area, sex=sex, start=start, end=end, level=level)
    except InputError as exc:
        missing = exc
    synthetic = frame is not None and bool(frame["synthetic"].iloc[0])
    if source == "synthetic" and frame is not None and not synthetic:
        raise InputError(
            f"the unit records for {frame['area'].iloc[0]} are real, not synthetic: "
            "use --source records (or auto)"
        )
    no_real_records = frame is None or synthetic
    if source == "auto" and no_real_records and d.method == "life_expectancy":
        try:
            real = compute_from_mx(store, indicator, area, sex=sex, source="UN WPP 2024")
        except InputError:
            real = None
        if real is not None:
            spans = real["period"].map(_period_bounds)
            lo = start if start is not None else -(10**9)
            hi = end if end is not None else 10**9
            keep = [b[1] >= lo and b[0] <= hi for b in spans]
            real = real[keep].reset_index(drop=True)
            if not real.empty:
                return real
    if frame is None:
        raise missing
    return frame


def _period_bounds(period: str) -> tuple[int, int]:
    """First and last year of ``2019`` or ``2015-2019``."""
    text = str(period)
    first, _, last = text.partition("-")
    return int(first[:4]), int((last or first)[:4])


def published_values(
    store: Store, indicator: str, area: str, sex: str, periods: list[str]
) -> dict[str, tuple[float, str]]:
    """The published value of ``indicator`` for each period: ``{period: (value, source)}``.

    Published means imported from a publisher: sources labelled SYNTHETIC and Salamat's own
    computed values are left out, and so are projections
    (:func:`~salamat.ingest.canonical.is_projection`: a projected value is not a published
    observation). Where several publishers give a period, the national
    statistics office (source ``BNS ...``) comes first, then UN WPP, then the others in
    alphabetical order; the latest vintage of a source wins.
    """
    df = series_frame(
        store,
        indicator=indicator,
        areas=[area],
        sex=sex,
        age="all",
    )
    if df.empty:
        return {}
    src = df["source"].astype(str)
    df = df[
        df["period"].astype(str).isin(periods)
        & ~src.str.contains("SYNTHETIC", regex=False)
        & ~src.str.startswith("Salamat")
        & ~canonical.is_projection(df)
    ]
    rank = (
        df["source"]
        .astype(str)
        .map(lambda x: 0 if x.startswith("BNS") else 1 if x.startswith("UN WPP") else 2)
    )
    vintage = df["vintage"].fillna("").astype(str) if "vintage" in df.columns else ""
    ordered = df.assign(_r=rank, _v=vintage).sort_values(
        ["period", "_r", "_v", "source"], ascending=[True, True, False, True]
    )
    first = ordered.drop_duplicates("period", keep="first")
    return {
        str(p): (float(v), str(s))
        for p, v, s in zip(first["period"], first["value"], first["source"], strict=True)
    }


def _with_published(store: Store, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus ``published``, ``published_source`` and ``differs`` (> 0.5 apart)."""
    if frame.empty:
        return frame.assign(published=[], published_source=[], differs=[], published_flags=[])
    first = frame.iloc[0]
    found = published_values(
        store,
        str(first["indicator"]),
        str(first["area"]),
        str(first["sex"]),
        [str(p) for p in frame["period"]],
    )
    pub = [found.get(str(p)) for p in frame["period"]]
    out = frame.assign(
        published=[np.nan if x is None else x[0] for x in pub],
        published_source=pd.Series([None if x is None else x[1] for x in pub], dtype=object),
    )
    gap = (out["value"].astype(float) - out["published"].astype(float)).abs()
    published_flags = carried.attach(
        store,
        len(out),
        carried.published_inputs(
            str(first["indicator"]),
            str(first["area"]),
            str(first["sex"]),
            out["period"].astype(str).tolist(),
            out["published_source"].tolist(),
        ),
    )
    return out.assign(
        differs=(gap > PUBLISHED_TOLERANCE).fillna(False).astype(bool),
        published_flags=pd.Series(published_flags, index=out.index, dtype=object),
    )


PUBLISHED_TOLERANCE = 0.5
"""A computed value further than this from the published one is shown beside it (issue 9)."""


def _compute(
    store: Store,
    indicator: str,
    area: str,
    *,
    sex: str,
    start: int | None,
    end: int | None,
    level: float,
) -> pd.DataFrame:
    d = _definition(store, indicator)
    if not d.computable:
        _compute_values(d, None, None, None, sex, level)  # raises the explanation
    catalog = load_catalog(store)
    code = catalog.resolve(area)
    if code is None:
        raise InputError(f"unknown area {area!r}: {area_hint(store, area)}")
    _sex(sex)
    agg = aggregates(
        store, regions=leaf_regions(store, code), sex=sex, cause=d.cause, start=start, end=end
    )
    if agg.year.size == 0:
        raise InputError(
            f"no deaths and population for {code} in the store"
            + (f" between {start} and {end}" if start or end else "")
            + ": import unit records (salamat import deaths) and population first"
        )
    values = _compute_values(d, agg.age, agg.deaths, agg.exposure, sex, level)
    source = f"Salamat (computed from {agg.deaths_source}; exposures: {agg.population_source})"
    note = np.where(values.suppressed, values.reason, "")
    frame = pd.DataFrame(
        {
            "indicator": d.code,
            "area": code,
            "period": [str(y) for y in agg.year],
            "sex": sex,
            "value": values.value,
            "lower": values.lower,
            "upper": values.upper,
            "unit": d.unit,
            "source": source,
            "method": values.method,
            "note": note,
            "regions": ", ".join(agg.regions),
            "synthetic": "SYNTHETIC" in source,
        }
    )
    inputs = carried.record_inputs(frame["period"].tolist(), flag_areas(code, agg))
    frame["flags"] = pd.Series(
        carried.attach(store, len(frame), inputs), index=frame.index, dtype=object
    )
    frame["inputs"] = pd.Series(carried.listed(len(frame), inputs), index=frame.index, dtype=object)
    return _with_published(store, frame)


def flag_areas(code: str, agg: Any) -> list[str]:
    """Whose death-record flags a value rests on: a country's own (its rules run on the sum of
    its regions' records), or a region's and its successors' (a region abolished in 2022 is
    the sum of the regions that succeeded it)."""
    return list(agg.regions) if code in agg.regions else [code]


def compute_from_mx(
    store: Store, indicator: str, area: str, *, sex: str = "total", source: str = "UN WPP 2024"
) -> pd.DataFrame:
    """Life expectancy from published death rates by age band (e.g. UN WPP five-year periods).

    One abridged life table per period with the rates of ``source`` (no interval: rates alone
    carry no count). The result sits beside the publisher's own e0, each with its source.
    """
    d = _definition(store, indicator)
    if d.method != "life_expectancy":
        raise MethodError(f"{indicator} is not a life expectancy: it is not computed from mx")
    code = load_catalog(store).resolve(area)
    if code is None:
        raise InputError(f"unknown area {area!r}: {area_hint(store, area)}")
    s = _sex(sex)
    df = series_frame(
        store,
        indicator="mx",
        areas=[code],
        sex=sex,
        source=source,
        age=None,
    )
    if df.empty:
        raise InputError(f"no death rates (mx) from {source!r} for {code} ({sex}) in the store")
    if "SYNTHETIC" in source:
        raise InputError(f"--from-mx {source!r}: expected the source of published death rates")
    df = df.assign(start=df["age"].map(lambda a: float(str(a).split("-")[0].rstrip("+"))))
    rows = []
    for period, g in df.groupby("period", sort=True):
        g = g.sort_values("start")
        table = life_table(
            g["start"].to_numpy(),
            mx=g["value"].to_numpy(dtype=float),
            sex=s,
            ax=_old_age_ax(g["start"].to_numpy(), g["value"].to_numpy(dtype=float)),
        )
        rows.append((str(period), float(table.ex_at(d.at_age)), table.method))
    frame = pd.DataFrame(
        {
            "indicator": d.code,
            "area": code,
            "period": [r[0] for r in rows],
            "sex": sex,
            "value": [r[1] for r in rows],
            "lower": np.nan,
            "upper": np.nan,
            "unit": d.unit,
            "source": f"Salamat (computed from {source} mx)",
            "method": [
                r[2] + "; a0: Andreev-Kingkade; constant-rate ax from 85; no interval (rates only)"
                for r in rows
            ],
            "note": "",
            "regions": code,
            "synthetic": "SYNTHETIC" in source,
        }
    )
    inputs = carried.mx_inputs(frame["period"].tolist(), code, sex, source)
    frame["flags"] = pd.Series(
        carried.attach(store, len(frame), inputs), index=frame.index, dtype=object
    )
    frame["inputs"] = pd.Series(carried.listed(len(frame), inputs), index=frame.index, dtype=object)
    return _with_published(store, frame)


def _old_age_ax(start: np.ndarray, mx: np.ndarray, from_age: float = 85.0) -> np.ndarray:
    """``ax`` of closed bands from ``from_age`` up under a constant death rate, else ``NaN``.

    ``nax = 1/m - n e^{-nm} / (1 - e^{-nm})`` (Preston, Heuveline & Guillot 2001, ch. 3:
    constant force of mortality within the band), which keeps ``qx = 1 - e^{-nm} < 1`` at the
    very high rates of the oldest five-year bands, where half the band would give ``qx > 1``.
    """
    width = np.append(np.diff(start), np.inf)
    ax = np.full(start.shape, np.nan)
    pick = (start >= from_age) & np.isfinite(width) & (mx > 0)
    n, m = width[pick], mx[pick]
    ax[pick] = 1.0 / m - n * np.exp(-n * m) / (1.0 - np.exp(-n * m))
    return ax


def save_computed(store: Store, frame: pd.DataFrame) -> tuple[int, int, int]:
    """Write computed values to the observation table (validated, one transaction, logged).

    Suppressed rows (no value) are not written. Returns (created, updated, unchanged).
    """
    keep = frame[np.isfinite(frame["value"].astype(float))]
    raw = pd.DataFrame(
        {
            "indicator": keep["indicator"],
            "area": keep["area"],
            "period": keep["period"],
            "sex": keep["sex"],
            "value": keep["value"].map(repr),
            "lower": keep["lower"].map(lambda v: "" if not np.isfinite(v) else repr(v)),
            "upper": keep["upper"].map(lambda v: "" if not np.isfinite(v) else repr(v)),
            "unit": keep["unit"].fillna(""),
            "source": keep["source"],
            "note": keep["method"],
            "vintage": datetime.now().date().isoformat(),
        }
    ).reset_index(drop=True)
    raw["_file"] = "computed"
    raw["_row"] = range(1, len(raw) + 1)
    started = datetime.now()
    checked = canonical.validate(
        raw, load_catalog(store), default_source=None, current_year=started.year
    )
    if checked.problems:
        raise InputError("computed values failed validation", checked.problems)
    with store.transaction():
        import_id = next_import_id(store)
        record_revisions(store, checked.frame, import_id)
        counts = upsert_observations(store, checked.frame, import_id, started)
        recompute_flags(
            store, sorted(set(checked.frame["indicator"].astype(str))), import_id=import_id
        )
        if "inputs" in keep.columns:
            store_input_flags(store, keep.reset_index(drop=True), import_id)
        finish_import(
            store,
            import_id=import_id,
            kind="compute",
            files=["computed"],
            sha256="",
            started=started,
            finished=datetime.now(),
            created=counts.created,
            updated=counts.updated,
            unchanged=counts.unchanged,
            rejected=0,
            status="SUCCESS",
            source="Salamat (computed)",
        )
    return counts.created, counts.updated, counts.unchanged


# -- explain -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """Arriaga decomposition of ``e0(to) - e0(from)`` by age band (and cause)."""

    area: str
    sex: str
    period_from: str
    period_to: str
    e0_from: float
    e0_to: float
    table: pd.DataFrame
    source: str
    method: str
    note: str
    synthetic: bool = False
    published_from: float | None = None
    published_to: float | None = None
    published_source: str | None = None
    published_period_from: str | None = None
    published_period_to: str | None = None
    flags: tuple[dict[str, Any], ...] = ()
    published_flags: tuple[dict[str, Any], ...] = ()

    @property
    def differs(self) -> bool:
        """True when a published e0 is more than 0.5 years from the computed one."""
        return any(
            p is not None and abs(c - p) > PUBLISHED_TOLERANCE
            for c, p in ((self.e0_from, self.published_from), (self.e0_to, self.published_to))
        )

    def published_line(self) -> str | None:
        """``official 73.15 -> 75.09 (BNS ...)``, or None when nothing is published."""
        if self.published_from is None and self.published_to is None:
            return None

        def fmt(v: float | None, period: str | None, computed: str) -> str:
            text = "n/a" if v is None else f"{v:.2f}"
            # the years are named when they are not the computed periods (WPP five-year periods
            # computed, the single years asked for published)
            return text if period in (None, computed) else f"{text} ({period})"

        return (
            f"official {fmt(self.published_from, self.published_period_from, self.period_from)}"
            f" -> {fmt(self.published_to, self.published_period_to, self.period_to)} "
            f"({self.published_source})"
        )


def year_spans(years: list[int] | set[int]) -> str:
    """Years as runs: ``[2018, 2019, 2020, 2022]`` -> ``"2018-2020, 2022"`` (``"no years"``)."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs) or "no years"


def _wpp_span(store: Store, area: str, year: int, sex: str) -> tuple[str, np.ndarray, np.ndarray]:
    df = series_frame(
        store,
        indicator="mx",
        areas=[area],
        sex=sex,
        start_year=year,
        end_year=year,
        age=None,
    )
    df = df[df["period"].astype(str).str.fullmatch(r"\d{4}-\d{4}")]
    if df.empty:
        raise InputError(f"no death rates (mx) for {area} around {year} in the store")
    period = sorted(df["period"].unique())[0]
    rows = df[df["period"] == period].copy()
    rows["start"] = rows["age"].map(lambda a: float(str(a).split("-")[0].rstrip("+")))
    rows = rows.sort_values("start")
    return str(period), rows["start"].to_numpy(), rows["value"].to_numpy(dtype=float)


def explain(
    store: Store,
    area: str,
    year_from: int,
    year_to: int,
    *,
    by: Literal["age", "cause"] = "age",
    sex: str = "total",
    source: Literal["auto", "records", "wpp", "synthetic"] = "auto",
) -> Explanation:
    """What drove the change in life expectancy at birth between two years (Arriaga 1984).

    ``source="records"`` uses the store's deaths and population (abridged tables 0, 1-4, ...,
    85+, causes from the cause groups); ``"wpp"`` the UN WPP death rates of the five-year
    periods that contain the two years (age only); ``"synthetic"`` asks for synthetic unit
    records explicitly. ``"auto"`` takes the best real input: real unit records when they
    cover both years, else (by age) WPP, and SYNTHETIC records only when no real input covers
    the request (a split by cause needs deaths by cause); ``note`` says which and why.

    The result carries ``synthetic`` and the published e0 of the same area, sex and periods
    (:func:`published_values`), shown beside the computed one when they differ by more than
    0.5 years.
    """
    catalog = load_catalog(store)
    code = catalog.resolve(area)
    if code is None:
        raise InputError(f"unknown area {area!r}: {area_hint(store, area)}")
    s = _sex(sex)
    if year_to == year_from:
        raise InputError("--from and --to must be different years")
    note = ""
    regions = leaf_regions(store, code)
    allc = aggregates(
        store,
        regions=regions,
        sex=sex,
        cause="all",
        start=min(year_from, year_to),
        end=max(year_from, year_to),
    )
    covered = set(allc.year.tolist())
    both = {year_from, year_to} <= covered
    records_synthetic = "SYNTHETIC" in allc.deaths_source
    if source == "synthetic" and both and not records_synthetic:
        raise InputError(
            f"the unit records for {code} are real, not synthetic: use --source records (or auto)"
        )
    if source in ("records", "synthetic") and not both:
        raise InputError(
            f"unit records for {code} cover {year_spans(covered)}: choose years in that range, "
            "or --source wpp"
        )
    use_records = source in ("records", "synthetic") or (
        source == "auto" and both and not records_synthetic
    )
    if source == "auto" and both and records_synthetic:
        if by == "cause":
            use_records = True
            note = (
                "no real input covers a split by cause (it needs deaths by cause): the "
                "SYNTHETIC unit records are used"
            )
        else:
            try:
                a_label = _wpp_span(store, code, year_from, sex)[0]
                b_label = _wpp_span(store, code, year_to, sex)[0]
                wpp_ok = a_label != b_label
            except InputError:
                wpp_ok = False
            use_records = not wpp_ok
            if use_records:
                note = (
                    "no real input covers these years (UN WPP 2024 death rates put both in "
                    "one five-year period, or have none): the SYNTHETIC unit records are used"
                )
    if use_records:
        i, j = (int(np.flatnonzero(allc.year == y)[0]) for y in (year_from, year_to))
        d = regroup(allc.age, allc.deaths[[i, j]], ABRIDGED_TO_85)
        e = regroup(allc.age, allc.exposure[[i, j]], ABRIDGED_TO_85)
        ta = life_table(ABRIDGED_TO_85, deaths=d[0], exposure=e[0], sex=s)
        tb = life_table(ABRIDGED_TO_85, deaths=d[1], exposure=e[1], sex=s)
        starts = ABRIDGED_TO_85
        label_from, label_to = str(year_from), str(year_to)
        src = f"Salamat (computed from {allc.deaths_source}; exposures: {allc.population_source})"
        inputs = carried.record_inputs([label_from, label_to], flag_areas(code, allc))
    else:
        if by == "cause":
            raise InputError(
                "a cause split needs deaths by cause: the unit records of "
                f"{code} cover {year_spans(covered)}"
            )
        label_from, ma_start, ma = _wpp_span(store, code, year_from, sex)
        label_to, mb_start, mb = _wpp_span(store, code, year_to, sex)
        if source == "auto":
            why = (
                "are SYNTHETIC and are not used"
                if both
                else f"do not cover both {year_from} and {year_to}"
            )
            note = (
                f"the store's unit records {why}: computed from the real UN WPP 2024 death "
                f"rates of the five-year periods {label_from} and {label_to}, which contain "
                f"{year_from} and {year_to}; a five-year period's life expectancy is not the "
                "single year's"
            )
        if label_from == label_to:
            raise InputError(f"{year_from} and {year_to} fall in the same WPP period {label_from}")
        if not np.array_equal(ma_start, mb_start):
            raise MethodError("the two WPP periods have different age bands")
        starts = ma_start
        ta = life_table(starts, mx=ma, sex=s, ax=_old_age_ax(starts, ma))
        tb = life_table(starts, mx=mb, sex=s, ax=_old_age_ax(starts, mb))
        src = "Salamat (computed from UN WPP 2024 mx)"
        inputs = carried.mx_inputs([label_from, label_to], code, sex, "UN WPP 2024")
    labels = [
        f"{int(a)}+"
        if k == len(starts) - 1
        else (f"{int(a)}" if starts[k + 1] - a == 1 else f"{int(a)}-{int(starts[k + 1]) - 1}")
        for k, a in enumerate(starts)
    ]
    if by == "age":
        dec = arriaga(ta, tb)
        table = pd.DataFrame({"age": labels, "contribution": dec.contribution})
    else:
        shares_a, shares_b, names = _cause_shares(store, regions, sex, year_from, year_to, allc)
        dec = arriaga_by_cause(ta, tb, shares_a, shares_b, names)
        table = pd.DataFrame(dec.contribution.T, columns=list(names))
        table.insert(0, "age", labels)
        table["total"] = table[list(names)].sum(axis=1)
    # the published figures of what was asked: the single years when the computation had to
    # use the five-year periods that contain them (else the period's own published value)
    asked_from, asked_to = str(year_from), str(year_to)
    published = published_values(
        store, "le0", code, sex, sorted({label_from, label_to, asked_from, asked_to})
    )
    pick_from = asked_from if asked_from in published else label_from
    pick_to = asked_to if asked_to in published else label_to
    pub_from, pub_to = published.get(pick_from), published.get(pick_to)
    pub_sources = sorted({p[1] for p in (pub_from, pub_to) if p is not None})
    flags = carried.attach(store, 2, inputs)
    published_flags = carried.attach(
        store,
        2,
        carried.published_inputs(
            "le0",
            code,
            sex,
            [pick_from, pick_to],
            [None if p is None else p[1] for p in (pub_from, pub_to)],
        ),
    )
    return Explanation(
        area=code,
        sex=sex,
        period_from=label_from,
        period_to=label_to,
        e0_from=float(ta.ex[0]),
        e0_to=float(tb.ex[0]),
        table=table,
        source=src,
        method=dec.method,
        note=note,
        synthetic="SYNTHETIC" in src,
        published_from=None if pub_from is None else pub_from[0],
        published_to=None if pub_to is None else pub_to[0],
        published_source="; ".join(pub_sources) or None,
        published_period_from=None if pub_from is None else pick_from,
        published_period_to=None if pub_to is None else pick_to,
        flags=tuple(flags[0] + flags[1]),
        published_flags=tuple(published_flags[0] + published_flags[1]),
    )


def _cause_shares(
    store: Store, regions: list[str], sex: str, year_from: int, year_to: int, allc: Any
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    i, j = (int(np.flatnonzero(allc.year == y)[0]) for y in (year_from, year_to))
    total = regroup(allc.age, allc.deaths[[i, j]], ABRIDGED_TO_85)
    parts = []
    for cause in EXPLAIN_CAUSES:
        agg = aggregates(
            store,
            regions=regions,
            sex=sex,
            cause=cause,
            start=min(year_from, year_to),
            end=max(year_from, year_to),
        )
        k, m = (int(np.flatnonzero(agg.year == y)[0]) for y in (year_from, year_to))
        parts.append(regroup(agg.age, agg.deaths[[k, m]], ABRIDGED_TO_85))
    causes = np.stack(parts, axis=1)  # (2, causes, ages)
    other = total - causes.sum(axis=1)
    if np.any(other < -1e-9):
        raise MethodError("cause groups overlap: their deaths exceed all-cause deaths")
    full = np.concatenate([causes, other[:, None, :]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total[:, None, :] > 0, full / total[:, None, :], 0.0)
    # an age band with no deaths: its (zero) contribution is put on 'other'
    empty = total <= 0
    shares[:, -1, :] = np.where(empty, 1.0, shares[:, -1, :])
    return shares[0], shares[1], (*EXPLAIN_CAUSES, "other")
