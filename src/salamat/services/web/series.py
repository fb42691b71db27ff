"""Series of one indicator for the explorer and the API, their vintages and the import log."""

from __future__ import annotations

import itertools
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salamat.errors import InputError, Problem
from salamat.export.common import csv_text, neutralised
from salamat.services.revisions import check_vintage, list_imports
from salamat.services.web.common import (
    SEXES,
    Unit,
    _aliases,
    _cached,
    _check_indicator,
    _definition_rows,
    _is_cached,
    _resolve,
    _warm_groups,
    group_members_of,
    units,
)
from salamat.store.connection import Store
from salamat.store.queries import series_frame
from salamat.store.revisions import vintage_options
from salamat.store.stamp import data_version
from salamat.store.web import indicator_coverage, series_json, series_slab

__all__ = [
    "SeriesQuery",
    "forget_slabs",
    "import_log",
    "series",
    "series_csv_bytes",
    "series_csv_text",
    "series_in_memory",
    "series_json_bytes",
    "series_json_text",
    "vintage_choices",
    "warm_query",
    "warm_series",
]


@dataclass(frozen=True)
class SeriesQuery:
    """One series request, as the API and the explorer ask it (hashable: a cache key).

    ``sexes`` ``None`` means every sex; ``residence`` ``None`` every residence; ``vintage``
    ``None`` or ``latest`` the current values (:func:`salamat.services.revisions.check_vintage`).
    """

    indicator: str
    areas: tuple[str, ...]
    sexes: tuple[str, ...] | None = None
    start: int | None = None
    end: int | None = None
    source: str | None = None
    age: str | None = None
    residence: str | None = "total"
    vintage: str | None = None


def _series_areas(store: Store, q: SeriesQuery) -> list[str]:
    """Check a series request; the canonical area codes (a group's members in its place)."""
    _check_indicator(store, q.indicator)
    if not q.areas:
        raise InputError("give at least one area", [Problem("query", None, "area", "required")])
    if q.start is not None and q.end is not None and q.start > q.end:
        raise InputError(
            f"from {q.start} is after to {q.end}",
            [Problem("query", None, "from", "expected a year before 'to'", str(q.start))],
        )
    for s in q.sexes or ():
        if s not in SEXES:
            raise InputError(
                f"sex {s!r}: expected total, female or male",
                [Problem("query", None, "sex", "expected total, female, male or all", s)],
            )
    return _area_codes(store, q.areas)


def _area_codes(store: Store, areas: tuple[str, ...]) -> list[str]:
    all_units = units(store)
    codes: list[str] = []
    for a in areas:
        code = _resolve(store, a, all_units)
        if all_units[code].kind in ("group", "who_region"):
            codes.extend(m for m, _ in group_members_of(store, code))
        else:
            codes.append(code)
    return list(dict.fromkeys(codes))


# -- the read-only server's slabs ---------------------------------------------------------------
#
# A server holds its store open read-only: no value changes while it runs. Each indicator's
# current values are read once (one query; the JSON of each value written by DuckDB) into a
# slab; a request, whatever its areas, sexes or years, slices the slab with numpy. The server
# builds the slabs when it starts (warm_series), smallest indicators first, within a budget of
# rows; an indicator beyond it is read on its first request, and a slab not used for longest
# makes room. An indicator with more than SLAB_MAX_ROWS values, an older vintage, or a store
# open for writing is asked from DuckDB on each request, as before.

SLAB_MAX_ROWS = 150_000  # one indicator's values (about 450 bytes of JSON each)
SLAB_BUDGET_ROWS = 400_000  # all slabs together


@dataclass(frozen=True)
class _CsvRows:
    """The CSV of a slab, row by row, as ``DataFrame.to_csv`` writes it (:func:`_csv_rows`).

    A row's text is ``before[i] + stamp + after[i]``, ``stamp`` being its cell of the one
    date-time column (pandas writes those with the finest resolution found among the values
    written, so they are written per request: :func:`_stamp_cells`); every other cell is
    written the same whatever rows go with it.
    """

    header: bytes  # every text here is UTF-8
    before: np.ndarray  # the cells before the date-time column, with its comma
    after: np.ndarray  # the cells after it, with its comma
    stamps: np.ndarray | None  # the date-time column's values (None: there is none)
    written: dict[bytes, np.ndarray]  # distinct stamps of a request -> their cells (a memo)


@dataclass(frozen=True)
class _Slab:
    frame: pd.DataFrame  # what series() returns, for every current value, in series order
    csv_frame: pd.DataFrame  # the same with formula-like text neutralised (the CSV's cells)
    csv_rows: _CsvRows | None  # csv_frame written row by row (None: written per request)
    json: np.ndarray  # the JSON object of each row (UTF-8)
    rows_of_area: dict[str, np.ndarray]  # row numbers of each area, ascending
    area: np.ndarray
    sex: np.ndarray
    age: np.ndarray
    residence: np.ndarray
    source: np.ndarray
    year_start: np.ndarray
    year_end: np.ndarray


_SLABS: OrderedDict[tuple[str, int, int, int, str], _Slab] = OrderedDict()
_SLAB_LOCK = threading.Lock()
_BUILDING: dict[tuple[str, int, int, int, str], threading.Lock] = {}


def _build_slab(store: Store, indicator: str) -> _Slab:
    frame = series_slab(store, indicator)
    areas = frame["area"].to_numpy()
    starts: list[int] = (
        np.flatnonzero(np.r_[True, areas[1:] != areas[:-1]]).tolist() if len(areas) else []
    )
    bounds = [*starts, len(areas)]
    rows_of_area = {str(areas[b]): np.arange(b, e) for b, e in itertools.pairwise(bounds)}
    all_units = units(store)
    named = _with_names(
        frame.drop(columns=["year_start", "year_end", "json"]),
        [a for a in rows_of_area if a in all_units],
        all_units,
    )
    csv_frame = neutralised(named)  # cell by cell: a slice of it is the slice neutralised
    return _Slab(
        frame=named,
        csv_frame=csv_frame,
        csv_rows=_csv_rows(csv_frame),
        json=np.array([t.encode("utf-8") for t in frame["json"].tolist()], dtype=object),
        rows_of_area=rows_of_area,
        area=areas,
        sex=frame["sex"].to_numpy(),
        age=frame["age"].to_numpy(),
        residence=frame["residence"].to_numpy(),
        source=frame["source"].to_numpy(),
        year_start=frame["year_start"].to_numpy(),
        year_end=frame["year_end"].to_numpy(),
    )


_ROW_END = "\x1e"  # ends each row while a slab's CSV is cut into rows (then removed)


def _cut_rows(frame: pd.DataFrame) -> list[str] | None:
    """Each row of ``frame`` as ``to_csv`` writes it (no header, no line end), each with a
    trailing comma; None if a cell holds the row marker (the rows could not be told apart)."""
    marked = frame.copy()
    marked.columns = pd.RangeIndex(len(frame.columns))
    marked[len(frame.columns)] = _ROW_END
    text = marked.to_csv(index=False, header=False, lineterminator="\n")
    rows = text.split(_ROW_END + "\n")
    if rows[-1] != "" or len(rows) != len(frame) + 1:
        return None
    return rows[:-1]


def _csv_rows(frame: pd.DataFrame) -> _CsvRows | None:
    """``frame`` (a slab's neutralised values) written once, row by row, so that a request
    joins the rows it selects instead of writing them again: the text ``to_csv`` gives for
    those rows. None (write per request) when it cannot be cut safely: more than one
    date-time column (pandas writes them as one block), or a cell holding the row marker."""
    header = str(frame.iloc[:0].to_csv(index=False, lineterminator="\n")).encode("utf-8")
    stamped = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if len(stamped) > 1:
        return None
    n = len(frame)
    cols = list(frame.columns)
    cut = cols.index(stamped[0]) if stamped else len(cols)
    first, last = cols[:cut], cols[cut + 1 :]
    before = np.full(n, b"", dtype=object)
    after = np.full(n, b"", dtype=object)
    if first:
        rows = _cut_rows(frame[first])
        if rows is None:
            return None
        before[:] = [(r if stamped else r[:-1]).encode("utf-8") for r in rows]
    if last:
        rows = _cut_rows(frame[last])
        if rows is None:
            return None
        after[:] = [("," + r[:-1]).encode("utf-8") for r in rows]
    return _CsvRows(
        header=header,
        before=before,
        after=after,
        stamps=frame[stamped[0]].to_numpy() if stamped else None,
        written={},
    )


def _stamp_cells(csv: _CsvRows, values: np.ndarray) -> np.ndarray:
    """The cells ``to_csv`` writes for these date-time values, written together: pandas
    chooses the format from them all (a date alone when every one is a midnight; else
    seconds, milliseconds, microseconds or nanoseconds as the finest of them needs), so the
    distinct values are written together (a missing one is an empty cell)."""
    codes, distinct = pd.factorize(values)
    key = np.asarray(distinct).tobytes()
    cells = csv.written.get(key)
    if cells is None:
        if len(distinct):
            rows = _cut_rows(pd.DataFrame({"stamp": distinct}))
            if rows is None:  # pragma: no cover - a date-time cell never holds the marker
                raise RuntimeError("a date-time cell could not be written")
            written = [r[:-1].encode("utf-8") for r in rows]
        else:
            written = []
        cells = np.array([*written, b""], dtype=object)  # codes of -1 (missing) take the last
        if len(csv.written) > 256:
            csv.written.clear()
        csv.written[key] = cells
    return cells[codes]


def _slab_csv(slab: _Slab, rows: np.ndarray) -> bytes:
    """The CSV of these rows of the slab, UTF-8: ``slab.csv_frame.iloc[rows].to_csv(
    index=False, lineterminator="\n")``, joined from the rows written once (:class:`_CsvRows`)."""
    csv = slab.csv_rows
    if csv is None:
        text = slab.csv_frame.iloc[rows].to_csv(index=False, lineterminator="\n")
        return str(text).encode("utf-8")
    if not len(rows):
        return csv.header
    lines = csv.before[rows]
    if csv.stamps is not None:
        lines = lines + _stamp_cells(csv, csv.stamps[rows])
    lines = lines + csv.after[rows]
    return csv.header + b"\n".join(lines.tolist()) + b"\n"


def _slab_key(store: Store, indicator: str) -> tuple[str, int, int, int, str] | None:
    if store.path == ":memory:" or not store.read_only:
        return None
    version = data_version(store.path)
    if version is None:
        return None
    # the audience (drafts included, or approved values only) reads other values
    return (f"{store.path}#{store.audience}", *version, indicator)


def forget_slabs() -> None:
    """Drop every slab (an approval changed which values the approved audience reads)."""
    with _SLAB_LOCK:
        _SLABS.clear()


def _slab(store: Store, q: SeriesQuery) -> _Slab | None:
    """The indicator's slab when this request may use one (module notes), else None."""
    if q.vintage not in (None, "latest"):
        return None
    return _indicator_slab(store, q.indicator)


def _indicator_slab(store: Store, indicator: str) -> _Slab | None:
    key = _slab_key(store, indicator)
    if key is None:
        return None
    with _SLAB_LOCK:
        slab = _SLABS.get(key)
        if slab is not None:
            _SLABS.move_to_end(key)
            return slab
    coverage = _cached(store, "coverage", lambda: indicator_coverage(store))
    if coverage.get(indicator, (0, 0))[0] > SLAB_MAX_ROWS:
        return None
    with _SLAB_LOCK:
        building = _BUILDING.setdefault(key, threading.Lock())
    # one thread builds an indicator's slab; the others that want it meanwhile wait for it
    # rather than read the same values again (a cold burst asks for each indicator many times)
    with building:
        with _SLAB_LOCK:
            slab = _SLABS.get(key)
        if slab is None:
            slab = _build_slab(store, indicator)
            with _SLAB_LOCK:
                _SLABS[key] = slab
                rows = sum(len(v.json) for v in _SLABS.values())
                while rows > SLAB_BUDGET_ROWS and len(_SLABS) > 1:
                    rows -= len(_SLABS.popitem(last=False)[1].json)
    with _SLAB_LOCK:
        _BUILDING.pop(key, None)
    return slab


def warm_series(store: Store) -> int:
    """Read what every series request needs, once, when a server starts on a read-only store:
    the org units, their aliases and the catalogue, then the indicators' slabs (module notes),
    smallest first, as many as the budget holds, and every group's members (one query). Returns
    the number of values read; nothing on a store open for writing.
    """
    if _slab_key(store, "") is None:
        return 0
    units(store)
    _aliases(store)
    _definition_rows(store)
    _warm_groups(store)
    coverage = _cached(store, "coverage", lambda: indicator_coverage(store))
    total = 0
    for indicator, (count, _sources) in sorted(coverage.items(), key=lambda kv: kv[1][0]):
        if count > SLAB_MAX_ROWS or total + count > SLAB_BUDGET_ROWS:
            break
        if _indicator_slab(store, indicator) is not None:
            total += count
    return total


def series_in_memory(store: Store, q: SeriesQuery) -> bool:
    """Whether :func:`series_json_text` and :func:`series_csv_text` can answer ``q`` from what
    the server holds (the indicator's slab, the catalogue, the org units, their aliases and the
    groups' members) without reading the store: then a server may answer it on its event loop.

    False for anything else, an unknown code included (its error names near matches, which
    reads the store).
    """
    if q.vintage not in (None, "latest"):
        return False
    key = _slab_key(store, q.indicator)
    if key is None or key not in _SLABS:
        return False
    if not all(_is_cached(store, name) for name in ("units", "aliases", "definitions")):
        return False
    if q.indicator not in _definition_rows(store):
        return False
    all_units, aliases = units(store), _aliases(store)
    for a in q.areas:
        code = a if a in all_units else aliases.get(a)
        if code is None and a.upper() in all_units:
            code = a.upper()
        if code is None:
            code = aliases.get(a.upper())
        if code is None or code not in all_units:
            return False
        if all_units[code].kind in ("group", "who_region") and not _is_cached(
            store, f"group:{code}"
        ):
            return False
    return True


def warm_query(store: Store) -> SeriesQuery | None:
    """A query that :func:`series_in_memory` answers (the first area of the first slab), for a
    server to send through its routes once when it starts; None when no slab is held."""
    key = _slab_key(store, "")
    if key is None:
        return None
    with _SLAB_LOCK:
        held = [(k[4], s) for k, s in _SLABS.items() if k[:4] == key[:4] and s.rows_of_area]
    if not held:
        return None
    indicator, slab = held[0]
    return SeriesQuery(indicator, (next(iter(slab.rows_of_area)),), sexes=None)


def _slab_rows(slab: _Slab, codes: list[str], q: SeriesQuery) -> np.ndarray:
    """Row numbers of the slab that the query selects, in the series order.

    The same conditions as :func:`salamat.store.web.series_json`: area in ``codes``, sex in
    ``q.sexes``, age, residence and source equal when given, ``year(period_end) >= start`` and
    ``year(period_start) <= end``.
    """
    parts = [slab.rows_of_area[c] for c in codes if c in slab.rows_of_area]
    if not parts:
        return np.empty(0, dtype=np.intp)
    rows = np.sort(np.concatenate(parts))
    keep = np.ones(len(rows), dtype=bool)
    if q.sexes:
        keep &= np.isin(slab.sex[rows], list(q.sexes))
    for values, wanted in (
        (slab.age, q.age),
        (slab.residence, q.residence),
        (slab.source, q.source),
    ):
        if wanted is not None:
            keep &= values[rows] == wanted
    if q.start is not None:
        keep &= slab.year_end[rows] >= q.start
    if q.end is not None:
        keep &= slab.year_start[rows] <= q.end
    return rows[keep]


def _json_head(
    q: SeriesQuery, codes: list[str], count: int, found: set[str], sources: list[str]
) -> str:
    order = [c for c in codes if c in found]
    head = {"indicator": q.indicator, "areas": order, "count": count, "sources": sources}
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "values": '


def series_json_bytes(store: Store, q: SeriesQuery) -> bytes:
    """:func:`series_json_text` encoded as UTF-8 (what the API sends).

    On a read-only store, a slice of the indicator's slab (module notes), whose values are
    kept as UTF-8: a request joins bytes, with no text to build and encode.
    """
    codes = _series_areas(store, q)
    slab = _slab(store, q)
    if slab is not None:
        picked = _slab_rows(slab, codes, q)
        head = _json_head(
            q,
            codes,
            len(picked),
            set(slab.area[picked].tolist()),
            sorted(set(slab.source[picked].tolist())),
        )
        return b"".join((head.encode("utf-8"), b"[", b",".join(slab.json[picked].tolist()), b"]}"))
    rows, count, found, sources = series_json(
        store,
        indicator=q.indicator,
        areas=codes,
        sexes=list(q.sexes) if q.sexes else None,
        start_year=q.start,
        end_year=q.end,
        source=q.source,
        age=q.age,
        residence=q.residence,
        vintage=check_vintage(q.vintage),
    )
    return (_json_head(q, codes, count, set(found), sources) + rows + "}").encode("utf-8")


def series_json_text(store: Store, q: SeriesQuery) -> str:
    """:func:`series` as the API's JSON document, written by the store (fast path).

    On a read-only store, a slice of the indicator's slab (module notes): the same bytes.
    """
    return series_json_bytes(store, q).decode("utf-8")


def series_csv_bytes(store: Store, q: SeriesQuery) -> bytes:
    """:func:`series_csv_text` encoded as UTF-8 (what the API sends); on a read-only store
    joined from the slab's rows, kept as UTF-8."""
    slab = _slab(store, q)
    if slab is None:
        return csv_text(series(store, q)).encode("utf-8")
    return _slab_csv(slab, _slab_rows(slab, _series_areas(store, q), q))


def series_csv_text(store: Store, q: SeriesQuery) -> str:
    """:func:`series` as the API's CSV: :func:`salamat.export.common.csv_text` (formula-like
    text neutralised). On a read-only store, a slice of the slab's neutralised copy, written
    the same way: the same text, without judging every cell again."""
    return series_csv_bytes(store, q).decode("utf-8")


def series(store: Store, q: SeriesQuery) -> pd.DataFrame:
    """Values of one indicator for one or many areas (a group gives its members), by sex.

    Returns the columns of ``salamat series`` plus the area's names in Kazakh and Russian,
    ordered by area, source, sex and period.
    """
    codes = _series_areas(store, q)
    all_units = units(store)
    sexes = q.sexes
    slab = _slab(store, q)
    if slab is not None:
        return slab.frame.iloc[_slab_rows(slab, codes, q)].reset_index(drop=True)
    frame = series_frame(
        store,
        indicator=q.indicator,
        areas=codes,
        sex=sexes[0] if sexes and len(sexes) == 1 else None,
        start_year=q.start,
        end_year=q.end,
        source=q.source,
        age=q.age,
        cause=None,
        residence=q.residence,
        vintage=check_vintage(q.vintage),
    )
    if sexes and len(sexes) > 1:
        frame = frame[frame["sex"].isin(sexes)].reset_index(drop=True)
    return _with_names(frame, codes, all_units)


def _with_names(frame: pd.DataFrame, codes: list[str], all_units: dict[str, Unit]) -> pd.DataFrame:
    names_kk = {c: all_units[c].name("kk") for c in codes}
    names_ru = {c: all_units[c].name("ru") for c in codes}
    frame.insert(3, "area_name_kk", frame["area"].map(names_kk))
    frame.insert(4, "area_name_ru", frame["area"].map(names_ru))
    return frame


def vintage_choices(store: Store, indicator_code: str) -> tuple[list[str], list[str]]:
    """The publisher vintages and the import dates (ISO) of one indicator's values, current or
    replaced, newest first: what the explorer offers (see :mod:`salamat.store.revisions`)."""
    vintages, days = vintage_options(store, indicator_code)
    return vintages, [d.isoformat() for d in days]


def import_log(store: Store) -> pd.DataFrame:
    """The import log for the API: times as text (seconds), newest first."""
    frame = list_imports(store)
    for col in ("time", "finished", "approved_at"):
        frame[col] = frame[col].map(lambda t: None if pd.isna(t) else str(t)[:19])
    return frame
