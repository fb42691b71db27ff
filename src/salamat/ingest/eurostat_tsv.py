"""Eurostat's bulk TSV: one row per series, one column per period (read by ``salamat import sdmx``).

The layout, as Eurostat serves it (the Bulk Download facility until 2023,
``.../data/demo_mlexpec.tsv.gz``; today's API,
``https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/demo_mlexpec?format=TSV``):

* a tab-separated file whose first header cell packs the dimension ids, comma-separated, and the
  name of the time dimension after a backslash: ``unit,sex,age,geo\\time`` (older files) or
  ``freq,unit,sex,age,geo\\TIME_PERIOD`` (today's);
* then one column per period (``2021 ``, ``2020-Q1``, ``2020M01`` ...; spaces around are not
  part of it), in whichever order the file has them;
* each cell holds the value, then optionally a space and Eurostat's flags (``82.5 b``, ``84.1 bep``:
  ``b`` break in series, ``e`` estimated, ``p`` provisional, ``c`` confidential, ``u`` low
  reliability ...); ``:`` is a missing value, also with a flag (``: c``, ``: z``).

Read into the text columns of :class:`~salamat.ingest.sdmx_read.SdmxData`: one column per
dimension, ``TIME_PERIOD``, ``OBS_VALUE`` (``:`` stays ``:``, which the SDMX importer counts as
missing) and ``OBS_FLAG`` (the flags, kept in each value's note). ``_row`` is the file's line
number of the series (the header is line 1), so a problem names the line and the period.

The file does not name its dataset. Its id is taken from Eurostat's own file name (``estat_``
and ``.tsv``/``.tsv.gz`` removed: ``estat_demo_mlexpec.tsv.gz`` is ``DEMO_MLEXPEC``), or from the
structure message given with ``--metadata``; the summary says which. Keep Eurostat's file name.
"""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.sdmx_read import SdmxData, SdmxStructure

__all__ = ["dataset_from_name", "is_eurostat_tsv", "read_eurostat_tsv"]

_NAME = re.compile(r"^(?:estat_)?([a-z0-9][a-z0-9_$]*?)\.tsv(?:\.gz)?$", re.IGNORECASE)
_DIM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def is_eurostat_tsv(path: Path) -> bool:
    """True for a name ending in ``.tsv`` or ``.tsv.gz`` (the format is checked when read)."""
    return path.name.lower().endswith((".tsv", ".tsv.gz"))


def dataset_from_name(name: str) -> str:
    """The dataset id Eurostat's file name carries, upper case as in Eurostat's SDMX
    (``estat_demo_mlexpec.tsv.gz`` -> ``DEMO_MLEXPEC``), else ""."""
    m = _NAME.match(name)
    return m[1].upper() if m else ""


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return raw.decode("utf-8-sig")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}: cannot be read as a (gzipped) TSV file: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text, so not a Eurostat TSV file ({exc})") from exc


def read_eurostat_tsv(path: Path, structure: SdmxStructure | None) -> SdmxData:
    """A Eurostat bulk TSV file as SDMX text columns (see the module docstring)."""
    text = _text(path)
    try:
        df = pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: the file is empty (expected a header row)") from exc
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: cannot be read as a tab-separated file: {exc}") from exc
    first = str(df.columns[0]).strip()
    layout = "expected Eurostat's bulk TSV: a first header cell such as 'unit,sex,age,geo\\time'"
    if "\\" not in first:
        raise InputError(
            f"{path}: not a Eurostat TSV file: {layout} (the header starts {first[:40]!r})",
            [Problem(str(path), 1, None, f"not a Eurostat TSV header: {layout}", first[:40])],
        )
    dims_text, time_name = first.rsplit("\\", 1)
    dims = [d.strip() for d in dims_text.split(",")]
    if not all(_DIM_ID.match(d) for d in dims) or not time_name.strip():
        raise InputError(
            f"{path}: not a Eurostat TSV file: {layout} (got {first[:60]!r})",
            [Problem(str(path), 1, None, f"not a Eurostat TSV header: {layout}", first[:60])],
        )
    periods = [str(c).strip() for c in df.columns[1:]]
    df.columns = pd.Index(["_key", *periods])
    keys = df["_key"].str.split(",", expand=True, regex=False)
    if keys.shape[1] != len(dims) or keys.isna().to_numpy().any():
        bad = int(keys.notna().sum(axis=1).ne(len(dims)).to_numpy().argmax())
        message = f"expected {len(dims)} comma-separated codes ({dims_text}) in the first column"
        raise InputError(
            f"{path}: line {bad + 2}: {message}",
            [Problem(str(path), bad + 2, dims_text, message, str(df["_key"].iat[bad]))],
        )
    keys.columns = pd.Index(dims)
    keys["_row"] = range(2, 2 + len(df))
    long = (
        df.drop(columns="_key")
        .assign(_row=keys["_row"])
        .melt(id_vars="_row", var_name="TIME_PERIOD", value_name="_cell")
    )
    cell = long["_cell"].str.strip()
    parts = cell.str.split(" ", n=1, expand=True, regex=False).reindex(columns=[0, 1])
    out = keys.merge(long[["_row", "TIME_PERIOD"]], on="_row", how="right")
    out["OBS_VALUE"] = parts[0].fillna("").to_numpy()
    out["OBS_FLAG"] = parts[1].fillna("").str.strip().to_numpy()
    out["_file"] = str(path)
    out = out.sort_values(["_row"], kind="stable").reset_index(drop=True)
    from_name = dataset_from_name(path.name)
    dataflow = (structure.dataflow if structure else "") or (
        f"ESTAT:{from_name}" if from_name else ""
    )
    notes = []
    if structure and structure.dataflow:
        notes.append(f"dataset {structure.dataflow} from the structure given with --metadata")
    elif from_name:
        notes.append(
            f"dataset {from_name} taken from the file's name (a Eurostat TSV does not name its "
            "dataset inside): keep Eurostat's file name, or pass the structure with --metadata"
        )
    return SdmxData(
        out[[*dims, "TIME_PERIOD", "OBS_VALUE", "OBS_FLAG", "_file", "_row"]],
        dims,
        dataflow,
        agency="ESTAT",
        format="Eurostat TSV",
        notes=notes,
    )
