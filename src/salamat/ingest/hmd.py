"""``salamat import hmd``: the Human Mortality Database's text files, as downloaded.

HMD (https://www.mortality.org) publishes each population's series as fixed-width text::

    United Kingdom, Death rates (period 1x1), <TAB>Last modified: 28 May 2018;  Methods ...
    <blank line>
      Year          Age             Female            Male           Total
      2014           0             0.003595        0.004108        0.003858
      ...
      2016         110+            0.796913        4.200000        0.835668

=======================================  =====================================================
file                                     stored
=======================================  =====================================================
``XXX.Mx_1x1.txt``                       ``mx`` by age and sex (Female, Male, Total), per
                                         person-year, source "HMD death rates"
``XXX.fltper_1x1.txt``, ``mltper``,      the table's ``mx`` by age (source "HMD period life
``bltper`` (period life tables)          tables"), and ``ex`` at age 0, 60 and 65 as ``le0``,
                                         ``le60``, ``le65``; ``qx ax lx dx Lx Tx`` and ``ex``
                                         at other ages have no Salamat indicator (the notes
                                         say so)
=======================================  =====================================================

The life table's ``mx`` is rounded to five decimals and smoothed above age 80 (Kannisto), so it
differs from the raw death rates of ``Mx_1x1``: the two are kept under their own sources, never
one as a revision of the other. The vintage of every value is the file's "Last modified" date.

Places: HMD names a *population* by a code in the file name (``GBR_NP.Mx_1x1.txt``: GBR_NP is
the total population of the United Kingdom). :data:`POPULATIONS` maps each HMD code to the
area it covers, with the population named; the country in the title line must agree with it.
Populations that are not a whole area Salamat has (England and Wales, East and West Germany)
need ``--area`` (a unit the user created); sub-populations of an area (the civilian population,
Maori and non-Maori New Zealanders) are refused: stored under the country they would pass for
its whole population. A file whose name lost its HMD code needs ``--area``.

Missing values are a lone ``.``: skipped and counted in the summary. Cohort files (``cMx``,
``cohort 1x1``) are refused: Salamat stores period values; so are the other HMD files
(exposures, deaths, population, births), with the reason.

Reference: Human Mortality Database. Max Planck Institute for Demographic Research (Germany),
University of California, Berkeley (USA), and French Institute for Demographic Studies (France).
Methods Protocol v6 (2017), section 7 (file formats). Data licence CC BY 4.0.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from salamat.errors import InputError, Problem
from salamat.ingest.owid import resolve_names
from salamat.ingest.registry import ParseContext, Parsed, register_parser

__all__ = [
    "POPULATIONS",
    "HmdFile",
    "Population",
    "life_table_input",
    "parse_hmd",
    "read_hmd",
    "sniff_hmd",
]


@dataclass(frozen=True)
class Population:
    """What an HMD population code covers: the area (None: no single Salamat unit) and its
    description; ``whole`` is False for a sub-population (never stored under the area)."""

    area: str | None
    description: str
    whole: bool = True


def _country(code: str, name: str) -> Population:
    return Population(code, f"{name}, total population")


# HMD population codes (https://www.mortality.org, "Country codes"), 2018-2024 releases.
POPULATIONS: dict[str, Population] = {
    "AUS": _country("AUS", "Australia"),
    "AUT": _country("AUT", "Austria"),
    "BEL": _country("BEL", "Belgium"),
    "BGR": _country("BGR", "Bulgaria"),
    "BLR": _country("BLR", "Belarus"),
    "CAN": _country("CAN", "Canada"),
    "CHE": _country("CHE", "Switzerland"),
    "CHL": _country("CHL", "Chile"),
    "CZE": _country("CZE", "Czechia"),
    "DEUTNP": _country("DEU", "Germany"),
    "DEUTE": Population(None, "East Germany (former GDR territory), total population"),
    "DEUTW": Population(None, "West Germany (former FRG territory), total population"),
    "DNK": _country("DNK", "Denmark"),
    "ESP": _country("ESP", "Spain"),
    "EST": _country("EST", "Estonia"),
    "FIN": _country("FIN", "Finland"),
    "FRATNP": _country("FRA", "France"),
    "FRACNP": Population("FRA", "France, civilian population", whole=False),
    "GBR_NP": _country("GBR", "United Kingdom"),
    "GBRTENW": Population(None, "England and Wales, total population"),
    "GBRCENW": Population(None, "England and Wales, civilian population", whole=False),
    "GBR_SCO": Population("GB-SCT", "Scotland, total population"),
    "GBR_NIR": Population("GB-NIR", "Northern Ireland, total population"),
    "GRC": _country("GRC", "Greece"),
    "HKG": _country("HKG", "Hong Kong"),
    "HRV": _country("HRV", "Croatia"),
    "HUN": _country("HUN", "Hungary"),
    "IRL": _country("IRL", "Ireland"),
    "ISL": _country("ISL", "Iceland"),
    "ISR": _country("ISR", "Israel"),
    "ITA": _country("ITA", "Italy"),
    "JPN": _country("JPN", "Japan"),
    "KOR": _country("KOR", "Republic of Korea"),
    "LTU": _country("LTU", "Lithuania"),
    "LUX": _country("LUX", "Luxembourg"),
    "LVA": _country("LVA", "Latvia"),
    "NLD": _country("NLD", "Netherlands"),
    "NOR": _country("NOR", "Norway"),
    "NZL_NP": _country("NZL", "New Zealand"),
    "NZL_MA": Population("NZL", "New Zealand, Maori population", whole=False),
    "NZL_NM": Population("NZL", "New Zealand, non-Maori population", whole=False),
    "POL": _country("POL", "Poland"),
    "PRT": _country("PRT", "Portugal"),
    "RUS": _country("RUS", "Russia"),
    "SVK": _country("SVK", "Slovakia"),
    "SVN": _country("SVN", "Slovenia"),
    "SWE": _country("SWE", "Sweden"),
    "TWN": _country("TWN", "Taiwan"),
    "UKR": _country("UKR", "Ukraine"),
    "USA": _country("USA", "United States of America"),
}

_TITLE = re.compile(
    r"^(?P<country>[^\t]+?),\s*(?P<what>[A-Za-z][A-Za-z ]*?)\s*\((?P<layout>[^)]*)\)\s*,?"
    r"\s*(?P<sex>Females|Males|Total)?\s*(?:Last modified:\s*(?P<date>\d{1,2} [A-Za-z]+ \d{4}))?"
)
_NAME = re.compile(r"^(?P<code>[A-Za-z_]+)\.(?P<table>c?[A-Za-z]+)_(?P<ages>\d+)x(?P<years>\d+)")
_SEX_COLUMNS = {"Female": "female", "Male": "male", "Total": "total"}
_TABLE_SEX = {"Females": "female", "Males": "male", "Total": "total"}
_LIFE_TABLE_COLUMNS = ("Year", "Age", "mx", "qx", "ax", "lx", "dx", "Lx", "Tx", "ex")
_RATE_COLUMNS = ("Year", "Age", "Female", "Male", "Total")
_EX_AT = (("0", "le0"), ("60", "le60"), ("65", "le65"))
MISSING = "."


@dataclass(frozen=True)
class HmdFile:
    """One HMD text file, read: the title's parts and the table as strings, with ``_row``, the
    line of the file each row is on (1-based)."""

    path: Path
    country: str
    what: str  # "Death rates", "Life tables", "Deaths" ...
    layout: str  # "period 1x1"
    sex: str | None  # the life table's sex (female, male, total), else None
    modified: str | None  # ISO date of "Last modified"
    code: str | None  # the HMD population code of the file name
    frame: pd.DataFrame

    @property
    def life_table(self) -> bool:
        return self.what.lower() == "life tables"


def _problem(path: Path, row: int | None, field: str | None, message: str) -> InputError:
    return InputError(f"{path}: {message}", [Problem(str(path), row, field, message)])


def _lines(path: Path) -> list[str]:
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return fh.read().splitlines()
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise _problem(path, None, None, f"cannot be read as an HMD text file: {exc}") from exc


def sniff_hmd(path: Path) -> bool:
    """Whether the file starts like an HMD text file ("Country, ... (period 1x1) ... Last
    modified:")."""
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            first = fh.readline(500)
    except OSError:
        return False
    return "Last modified:" in first and _TITLE.match(first) is not None


def read_hmd(path: Path) -> HmdFile:
    """Read an HMD text file (see the module docstring); every layout error names the line.

    Raises
    ------
    InputError
        If the title line or the column header is not HMD's, or a row has another number of
        columns than the header, an age that is not ``N``, ``N-M`` or ``N+``, a year that is
        not ``YYYY`` or ``YYYY-YYYY``, or a value that is neither a number nor ``.``.
    """
    lines = _lines(path)
    title = _TITLE.match(lines[0]) if lines else None
    if title is None or "Last modified" not in lines[0]:
        raise _problem(
            path,
            1,
            None,
            "not an HMD text file: expected a title line such as 'United Kingdom, Death rates "
            "(period 1x1), <TAB>Last modified: 28 May 2018; ...'",
        )
    header_at = next((i for i, line in enumerate(lines[1:6], 1) if line.split()[:1] == ["Year"]), 0)
    if not header_at:
        raise _problem(path, 3, None, "expected the HMD column header 'Year Age ...' on line 3")
    header = lines[header_at].split()
    if header[:2] != ["Year", "Age"] or len(set(header)) != len(header):
        raise _problem(path, header_at + 1, None, f"expected 'Year Age ...', got {header}")
    body = pd.Series(lines[header_at + 1 :], dtype=object)
    rows = pd.Series(range(header_at + 2, header_at + 2 + len(body)))
    keep = body.str.strip() != ""
    body, rows = body[keep], rows[keep]
    cells = body.str.split()
    wrong = cells.map(len) != len(header)
    if wrong.any():
        at = int(rows[wrong].iloc[0])
        raise InputError(
            f"{path}: {int(wrong.sum())} row(s) without the {len(header)} columns of the header",
            [
                Problem(str(path), int(r), None, f"expected {len(header)} columns", str(b).strip())
                for r, b in zip(rows[wrong], body[wrong], strict=True)
            ][:50]
            or [Problem(str(path), at, None, "expected the header's columns")],
        )
    frame = pd.DataFrame(cells.tolist(), columns=header, index=body.index)
    frame["_row"] = rows.to_numpy()
    problems: list[Problem] = []
    year_ok = frame["Year"].str.fullmatch(r"\d{4}(?:-\d{4})?")
    age_ok = frame["Age"].str.fullmatch(r"\d+(?:-\d+|\+)?")
    for field, ok, expected in (
        ("Year", year_ok, "a year such as 2016 or a span such as 2010-2014"),
        ("Age", age_ok, "an age such as 0, 1-4 or 110+"),
    ):
        for r, v in zip(frame.loc[~ok, "_row"], frame.loc[~ok, field], strict=True):
            problems.append(Problem(str(path), int(r), field, f"expected {expected}", v))
    for column in header[2:]:
        text = frame[column]
        bad = pd.to_numeric(text, errors="coerce").isna() & (text != MISSING)
        for r, v in zip(frame.loc[bad, "_row"], text[bad], strict=True):
            problems.append(Problem(str(path), int(r), column, "expected a number or '.'", v))
    if problems:
        raise InputError(f"{path}: {len(problems)} invalid cell(s)", problems)
    modified = None
    if title["date"]:
        try:
            modified = datetime.strptime(title["date"], "%d %B %Y").date().isoformat()
        except ValueError:
            modified = None
    name = _NAME.match(path.name)
    code = name["code"].upper() if name and name["code"].upper() in POPULATIONS else None
    return HmdFile(
        path=path,
        country=title["country"].strip(),
        what=title["what"].strip(),
        layout=title["layout"].strip(),
        sex=_TABLE_SEX.get(title["sex"] or ""),
        modified=modified,
        code=code,
        frame=frame.reset_index(drop=True),
    )


def _area(hmd: HmdFile, ctx: ParseContext) -> tuple[str, str]:
    """(org unit, note) of the file's population: from its HMD code, checked against the
    title's country; ``--area`` where the code names no single unit or was lost."""
    path = hmd.path
    named = resolve_names(ctx.catalog, [hmd.country]).get(hmd.country)
    if hmd.code is None:
        if ctx.area is None:
            raise _problem(
                path,
                None,
                None,
                f"the file name carries no HMD population code (such as GBR_NP.Mx_1x1.txt), "
                f"so which population of {hmd.country!r} it covers is not known: keep HMD's "
                "file name, or give the area with --area CODE",
            )
        if named is not None and named != ctx.area:
            raise _problem(
                path,
                1,
                None,
                f"the title names {hmd.country!r} ({named}), but --area is {ctx.area}",
            )
        return ctx.area, f"stored under {ctx.area} (--area)"
    pop = POPULATIONS[hmd.code]
    if not pop.whole:
        raise _problem(
            path,
            None,
            None,
            f"HMD population {hmd.code} is the {pop.description}: a part of the population, "
            "not stored under the area it would pass for; import the total population's file",
        )
    area = pop.area
    if area is None:
        if ctx.area is None:
            raise _problem(
                path,
                None,
                None,
                f"HMD population {hmd.code} ({pop.description}) is not one Salamat area: "
                "give the unit it is for with --area CODE (create it first with "
                "salamat import orgunits)",
            )
        area = ctx.area
    elif ctx.area is not None and ctx.area != area:
        raise _problem(
            path,
            None,
            None,
            f"HMD population {hmd.code} ({pop.description}) is {area}, but --area is {ctx.area}",
        )
    if area not in ctx.catalog.orgunits:
        raise _problem(path, None, None, f"the org unit {area} is not in the store")
    country_of = ctx.catalog.country_of.get(area) or area
    if named is not None and named not in (area, country_of):
        raise _problem(
            path,
            1,
            None,
            f"the title names {hmd.country!r} ({named}), but the file name's HMD population "
            f"{hmd.code} is {pop.description} ({area})",
        )
    return area, f"HMD population {hmd.code} ({pop.description}) stored as {area}"


def parse_hmd(path: Path, ctx: ParseContext) -> Parsed:
    """Read one HMD text file into canonical rows (see the module docstring)."""
    hmd = read_hmd(path)
    if hmd.layout.lower().startswith("cohort"):
        raise _problem(
            path,
            1,
            None,
            f"a cohort file ({hmd.layout}): Salamat stores period values; import the period "
            "file (Mx_1x1, fltper_1x1 ...)",
        )
    frame = hmd.frame
    columns = tuple(c for c in frame.columns if c != "_row")
    what = hmd.what.lower()
    if hmd.life_table:
        if columns != _LIFE_TABLE_COLUMNS or hmd.sex is None:
            raise _problem(
                path,
                3,
                None,
                f"an HMD life table with columns {' '.join(_LIFE_TABLE_COLUMNS)} and its sex "
                "(Females, Males or Total) in the title was expected",
            )
    elif what == "death rates":
        if columns != _RATE_COLUMNS:
            raise _problem(
                path, 3, None, f"expected the columns {' '.join(_RATE_COLUMNS)}, got {columns}"
            )
    else:
        raise _problem(
            path,
            1,
            None,
            f"an HMD file of {hmd.what!r}: Salamat imports HMD death rates (Mx_1x1) and "
            "period life tables (fltper, mltper, bltper)",
        )
    area, where = _area(hmd, ctx)
    base = pd.DataFrame(
        {
            "_file": str(path),
            "_row": frame["_row"].astype(str),
            "area": area,
            "period": frame["Year"],
            "vintage": hmd.modified or "",
        }
    )
    notes = [f"{path.name}: {where}"]
    if hmd.life_table:
        source = "HMD period life tables"
        parts = [base.assign(indicator="mx", sex=hmd.sex, age=frame["Age"], value=frame["mx"])]
        parts[0] = parts[0].assign(unit="per person-year")
        start = frame["Age"].str.extract(r"^(\d+)")[0]
        for at, code in _EX_AT:
            pick = start == at
            if code in ctx.catalog.data_elements and pick.any():
                parts.append(
                    base[pick].assign(
                        indicator=code, sex=hmd.sex, age="", value=frame.loc[pick, "ex"]
                    )
                )
                parts[-1] = parts[-1].assign(unit="years")
        notes.append(
            f"{path.name}: qx, ax, lx, dx, Lx, Tx and ex at ages other than 0, 60 and 65 not "
            "imported (no Salamat indicator; salamat lifetable rebuilds them from mx)"
        )
    else:
        source = "HMD death rates"
        parts = [
            base.assign(indicator="mx", sex=sex, age=frame["Age"], value=frame[column])
            for column, sex in _SEX_COLUMNS.items()
        ]
        parts = [p.assign(unit="per person-year") for p in parts]
    out = pd.concat(parts, ignore_index=True)
    missing = out["value"] == MISSING
    if missing.any():
        # empty: the shared validation skips and counts it as a missing value
        out.loc[missing, "value"] = ""
        notes.append(f"{path.name}: {int(missing.sum())} value(s) '.' (HMD's mark for missing)")
    return Parsed(out, default_source=source, notes=notes)


def life_table_input(path: Path) -> pd.DataFrame:
    """The death rates of an HMD file as ``salamat lifetable`` reads them: columns ``year``,
    ``sex``, ``age`` (the band's start; the open band as ``110+``) and ``mx``, one group per
    year and sex. A life table's own ``mx`` (fltper, mltper, bltper) or the raw ``Mx``.

    Raises
    ------
    InputError
        If the file holds no death rates, or a rate is missing (``.``): a life table needs
        every age (HMD's own tables smooth the raw rates above 80 first; use the life table's
        ``mx``).
    """
    hmd = read_hmd(path)
    frame = hmd.frame
    start = frame["Age"].str.extract(r"^(\d+)")[0]
    age = start.where(~frame["Age"].str.endswith("+"), start + "+")
    if hmd.life_table and hmd.sex is not None and "mx" in frame.columns:
        columns = {"mx": hmd.sex}
    elif hmd.what.lower() == "death rates" and set(_SEX_COLUMNS) <= set(frame.columns):
        columns = _SEX_COLUMNS
    else:
        raise _problem(
            path,
            1,
            None,
            f"an HMD file of {hmd.what!r}: a life table is computed from death rates (Mx_1x1) "
            "or a life table's mx (fltper, mltper, bltper)",
        )
    parts = [
        pd.DataFrame(
            {"year": frame["Year"], "sex": sex, "age": age, "mx": frame[c], "_line": frame["_row"]}
        )
        for c, sex in columns.items()
    ]
    out = pd.concat(parts, ignore_index=True)
    missing = out["mx"] == MISSING
    if missing.any():
        where = [
            Problem(str(path), int(r), "mx", "a missing rate: a life table needs every age", ".")
            for r in out.loc[missing, "_line"]
        ]
        raise InputError(
            f"{path}: {int(missing.sum())} missing rate(s) ('.'), the first {len(where[:20])} "
            "listed; HMD's life tables (fltper, mltper, bltper) carry a rate at every age",
            where[:20],
        )
    return out.drop(columns="_line")


register_parser(
    "hmd",
    parse_hmd,
    "Human Mortality Database text files: Mx_1x1 (mx), fltper/mltper/bltper life tables "
    "(mx, le0, le60, le65)",
)
