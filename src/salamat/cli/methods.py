"""Command-line faces of the methods: ``lifetable``, ``standardise``, ``ncd30q70``, ``decompose``.

:func:`register` adds the commands to a Typer app. Each command reads one CSV (two for
``decompose``), validates every row, groups the rows by their key columns (every column that is
not a known input), stacks the groups that share the same ages into one array, computes them
all in one call and writes a CSV (to ``-o`` or to standard output). Any problem is reported
with its file, row, field and what was expected, on standard error, with exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from salamat.errors import InputError, Problem, SalamatError

if TYPE_CHECKING:  # imported in the commands that use them: `salamat --help` stays fast
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from salamat.methods.ages import FloatArray
    from salamat.methods.lifetable import LifeTable, QxOverOne
    from salamat.methods.standardise import CIMethod, StandardName, StandardPopulation

__all__ = ["register"]

LIFE_COLUMNS = ("age", "width", "mx", "qx", "ax", "lx", "dx", "Lx", "Tx", "ex")
_SEXES = ("female", "male", "total")


class A0Choice(StrEnum):
    """The a0 rules as spelt on the command line."""

    andreev_kingkade = "andreev-kingkade"
    coale_demeny = "coale-demeny"


class CIChoice(StrEnum):
    """Interval methods for standardised rates as spelt on the command line."""

    dobson = "dobson"
    fay_feuer = "fay-feuer"


# --------------------------------------------------------------------------------------------
# reading and grouping
# --------------------------------------------------------------------------------------------


@dataclass
class Group:
    """The rows of one group, sorted by age: key values, ages and 2-based file rows."""

    key: tuple[str, ...]
    index: npt.NDArray[np.int64]
    age: tuple[float, ...]
    rows: list[int]


def _read(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise InputError(
            f"cannot read {path}",
            [Problem(str(path), None, None, "file not found", None)],
        )
    from salamat.ingest.hmd import life_table_input, sniff_hmd

    if sniff_hmd(path):  # a Human Mortality Database text file, as downloaded
        return life_table_input(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read {path} as CSV",
            [Problem(str(path), None, None, f"expected a CSV file with a header row ({exc})")],
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _require(frame: pd.DataFrame, file: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{file}: missing column(s) {', '.join(missing)}",
            [
                Problem(file, None, c, "missing column; columns found: " + ", ".join(frame.columns))
                for c in missing
            ],
        )


def _numbers(
    frame: pd.DataFrame,
    file: str,
    column: str,
    problems: list[Problem],
    *,
    minimum: float | None = 0.0,
    positive: bool = False,
    blank_ok: bool = False,
) -> FloatArray:
    """Parse a column as numbers, recording one problem per bad row."""
    import numpy as np
    import pandas as pd

    raw = frame[column].astype(str).str.strip()
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    blank = raw.eq("").to_numpy()
    for i in np.flatnonzero(~np.isfinite(values) & ~(blank & blank_ok)):
        problems.append(Problem(file, int(i) + 2, column, "expected a number", raw.iloc[i]))
    finite = np.isfinite(values)
    if positive:
        for i in np.flatnonzero(finite & (values <= 0)):
            problems.append(Problem(file, int(i) + 2, column, "expected a number > 0", raw.iloc[i]))
    elif minimum is not None:
        for i in np.flatnonzero(finite & (values < minimum)):
            problems.append(
                Problem(file, int(i) + 2, column, f"expected a number >= {minimum:g}", raw.iloc[i])
            )
    return np.where(blank & blank_ok, np.nan, values)


def _by_row(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.row or 0, p.field or ""))


def _ages_out(ages: Sequence[float]) -> list[float] | list[int]:
    """Ages as written in the input: integers when they are whole numbers."""
    if all(float(a).is_integer() for a in ages):
        return [int(a) for a in ages]
    return [float(a) for a in ages]


def _groups(frame: pd.DataFrame, file: str, keys: list[str], age: FloatArray) -> list[Group]:
    """Rows grouped by the key columns, in order of first appearance; duplicate ages rejected."""
    import numpy as np

    problems: list[Problem] = []
    groups: list[Group] = []
    if keys:
        labels = frame[keys].astype(str).agg("\x1f".join, axis=1).to_numpy()
    else:
        labels = np.full(len(frame), "", dtype=object)
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    for g in np.argsort(first):
        index = np.flatnonzero(inverse == g)
        index = index[np.argsort(age[index], kind="stable")]
        ages = age[index]
        dup = np.flatnonzero(np.diff(ages) == 0)
        for j in dup:
            problems.append(
                Problem(
                    file,
                    int(index[j + 1]) + 2,
                    "age",
                    f"age {ages[j]:g} appears twice in one group (also row {int(index[j]) + 2})",
                    str(frame["age"].iloc[index[j + 1]]),
                )
            )
        key = tuple(str(frame[k].iloc[index[0]]) for k in keys)
        groups.append(Group(key, index, tuple(float(a) for a in ages), [int(i) + 2 for i in index]))
    if problems:
        raise InputError(f"{file}: each group must list each age once", problems)
    return groups


def _stacks(groups: list[Group]) -> dict[tuple[float, ...], list[int]]:
    """Group numbers by age layout: the groups with the same ages are computed together."""
    stacks: dict[tuple[float, ...], list[int]] = {}
    for number, group in enumerate(groups):
        stacks.setdefault(group.age, []).append(number)
    return stacks


def _write(frame: pd.DataFrame, out: Path | None) -> None:
    from salamat.export.common import neutralised

    if out is None:
        sys.stdout.write(neutralised(frame).to_csv(index=False))
    else:
        neutralised(frame).to_csv(out, index=False)


@contextmanager
def _reported() -> Iterator[None]:
    """Print a Salamat error on standard error and exit with code 2."""
    try:
        yield
    except SalamatError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


# --------------------------------------------------------------------------------------------
# life tables (shared by lifetable and decompose)
# --------------------------------------------------------------------------------------------


@dataclass
class LifeInput:
    """A parsed life-table input file."""

    file: str
    frame: pd.DataFrame
    keys: list[str]
    groups: list[Group]
    deaths: FloatArray | None
    exposure: FloatArray | None
    mx: FloatArray | None
    ax: FloatArray | None
    sex: npt.NDArray[np.object_]
    causes: dict[str, FloatArray]


def _life_input(path: Path, *, allow_causes: bool) -> LifeInput:
    import numpy as np

    file = str(path)
    frame = _read(path)
    _require(frame, file, ["age"])
    has_rates = "mx" in frame.columns
    has_counts = "deaths" in frame.columns or "exposure" in frame.columns
    if has_rates and has_counts:
        raise InputError(
            f"{file}: give either mx, or deaths and exposure, not both",
            [Problem(file, None, "mx", "expected mx alone, or deaths and exposure without mx")],
        )
    if not has_rates:
        _require(frame, file, ["deaths", "exposure"])
    cause_columns = [c for c in frame.columns if c.startswith("deaths_")]
    reserved = {"age", "deaths", "exposure", "mx", "ax", *cause_columns}
    if not allow_causes:
        cause_columns = []
    keys = [c for c in frame.columns if c not in reserved]
    problems: list[Problem] = []
    # an open band may be written as published, "100+": its start, and it must be the last
    open_band = frame["age"].astype(str).str.strip().str.endswith("+").to_numpy()
    age = _numbers(
        frame.assign(age=frame["age"].astype(str).str.strip().str.removesuffix("+")),
        file,
        "age",
        problems,
    )
    deaths = _numbers(frame, file, "deaths", problems) if not has_rates else None
    exposure = _numbers(frame, file, "exposure", problems, positive=True) if not has_rates else None
    mx = _numbers(frame, file, "mx", problems) if has_rates else None
    ax = _numbers(frame, file, "ax", problems, blank_ok=True) if "ax" in frame.columns else None
    causes = {c[len("deaths_") :]: _numbers(frame, file, c, problems) for c in cause_columns}
    if "sex" in frame.columns:
        # "both" is how UN WPP writes both sexes together
        sex = (
            frame["sex"]
            .astype(str)
            .str.strip()
            .str.lower()
            .replace({"both": "total", "both sexes": "total"})
            .to_numpy(dtype=object)
        )
        for i in np.flatnonzero(~np.isin(sex, _SEXES)):
            problems.append(
                Problem(
                    file,
                    int(i) + 2,
                    "sex",
                    "expected female, male or total (or both)",
                    frame["sex"].iloc[i],
                )
            )
    else:
        sex = np.full(len(frame), "total", dtype=object)
    if causes and deaths is not None and not problems:
        excess = np.sum(list(causes.values()), axis=0) > deaths * (1 + 1e-9) + 1e-9
        for i in np.flatnonzero(excess):
            problems.append(
                Problem(
                    file,
                    int(i) + 2,
                    "deaths",
                    "expected deaths >= the sum of the deaths_<cause> columns",
                    frame["deaths"].iloc[i],
                )
            )
    if problems:
        raise InputError(f"{file}: invalid values", _by_row(problems))
    groups = _groups(frame, file, keys, age)
    for group in groups:
        for i in group.index[:-1][open_band[group.index[:-1]]]:
            problems.append(
                Problem(
                    file,
                    int(i) + 2,
                    "age",
                    "an open band ('+') must be the oldest age of its group",
                    str(frame["age"].iloc[i]),
                )
            )
    if problems:
        raise InputError(f"{file}: invalid values", _by_row(problems))
    return LifeInput(file, frame, keys, groups, deaths, exposure, mx, ax, sex, causes)


def _stack(values: FloatArray | None, groups: list[Group], members: list[int]) -> FloatArray | None:
    import numpy as np

    if values is None:
        return None
    return np.stack([values[groups[g].index] for g in members])


def _tables(
    data: LifeInput,
    a0: A0Choice,
    radix: float,
    ci: float | None,
    qx_over_one: QxOverOne = "raise",
) -> dict[tuple[float, ...], tuple[list[int], LifeTable]]:
    """One vectorised life-table call per age layout."""
    import numpy as np

    from salamat.methods.lifetable import QxAboveOneError, life_table

    out: dict[tuple[float, ...], tuple[list[int], LifeTable]] = {}
    rule = "andreev_kingkade" if a0 is A0Choice.andreev_kingkade else "coale_demeny"
    for ages, members in _stacks(data.groups).items():
        sex = np.array([data.sex[data.groups[g].index[0]] for g in members], dtype=object)
        try:
            table = life_table(
                np.asarray(ages),
                deaths=_stack(data.deaths, data.groups, members),
                exposure=_stack(data.exposure, data.groups, members),
                mx=_stack(data.mx, data.groups, members),
                ax=_stack(data.ax, data.groups, members),
                sex=sex,
                a0=rule,
                radix=radix,
                ci=ci,
                qx_over_one=qx_over_one,
            )
        except QxAboveOneError as exc:
            group = data.groups[members[exc.stratum[0]]]
            row = group.rows[group.age.index(exc.age)]
            field = "mx" if data.mx is not None else "deaths"
            raise InputError(
                f"{data.file}: a death rate makes the probability of dying exceed one",
                [Problem(data.file, row, field, f"expected a rate giving qx <= 1; {exc}")],
            ) from exc
        except InputError as exc:
            raise InputError(
                f"{data.file}: {exc.args[0]}",
                [Problem(data.file, p.row, p.field, p.message, p.value) for p in exc.problems],
            ) from exc
        out[ages] = (members, table)
    return out


def _key_frame(keys: list[str], key: tuple[str, ...], n: int) -> dict[str, object]:
    return {k: [v] * n for k, v in zip(keys, key, strict=True)}


# --------------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------------

OutOption = Annotated[
    Path | None, typer.Option("-o", "--out", help="Output CSV (default: standard output).")
]


def lifetable_command(
    infile: Annotated[Path, typer.Argument(help="CSV: age, deaths and exposure (or mx), keys.")],
    out: OutOption = None,
    a0: Annotated[A0Choice, typer.Option(help="Rule for a0 (and 4a1).")] = (
        A0Choice.andreev_kingkade
    ),
    radix: Annotated[float, typer.Option(help="l at the first age.")] = 100_000.0,
    ci: Annotated[
        float | None, typer.Option(help="Confidence level for ex, e.g. 0.95 (needs deaths).")
    ] = None,
) -> None:
    """Period life tables, one per group of rows (all computed at once).

    IN has ``age`` (band starts, the last open), ``deaths`` and ``exposure`` or ``mx``,
    optionally ``ax`` (a value on a row wins over the rule; blank = rule) and ``sex``
    (female, male or total, also ``both`` as UN WPP writes it; ``total`` when absent: a0 is
    then the mean of the female and male rules). Every other column except ``deaths_<cause>``
    is a grouping key. Published rates are accepted as they are: where half the band as ``ax``
    would make ``qx`` reach one (the oldest closed ages of UN WPP's abridged rates), the
    constant-hazard ``ax`` is used. The ``method`` column says which rule gave each row's ``ax``.
    IN may also be a Human Mortality Database text file as downloaded (``Mx_1x1``, or a life
    table ``fltper_1x1``, ``mltper_1x1``, ``bltper_1x1``): its ``mx``, one table per year and sex.
    """
    import numpy as np
    import pandas as pd

    with _reported():
        data = _life_input(infile, allow_causes=False)
        tables = _tables(data, a0, radix, ci, qx_over_one="constant_hazard")
        columns = [*LIFE_COLUMNS, *(("ex_lower", "ex_upper") if ci is not None else ())]
        parts: list[tuple[int, pd.DataFrame]] = []
        for members, table in tables.values():
            for j, g in enumerate(members):
                group = data.groups[g]
                values: dict[str, object] = _key_frame(data.keys, group.key, len(group.age))
                for c in columns:
                    values[c] = np.asarray(getattr(table, c))[j]
                values["age"] = _ages_out(group.age)
                assert table.ax_method is not None
                values["method"] = np.asarray(table.ax_method)[j]
                parts.append((g, pd.DataFrame(values)))
        parts.sort(key=lambda p: p[0])
        _write(pd.concat([p[1] for p in parts], ignore_index=True), out)


_STANDARDS: dict[str, StandardName] = {
    "who2000": "who2000",
    "esp2013": "esp2013",
    "esp1976": "esp1976",
    "segi": "segi",
}


def _standard_from(value: str) -> StandardName | StandardPopulation:
    import numpy as np

    from salamat.methods.standardise import StandardPopulation

    if value in _STANDARDS:
        return _STANDARDS[value]
    path = Path(value)
    if not path.is_file():
        raise InputError(
            f"unknown standard {value!r}",
            [
                Problem(
                    "--standard",
                    None,
                    "standard",
                    "expected who2000, esp2013, esp1976, segi, or a CSV file with columns "
                    "age and weight",
                    value,
                )
            ],
        )
    frame = _read(path)
    _require(frame, str(path), ["age", "weight"])
    problems: list[Problem] = []
    age = _numbers(frame, str(path), "age", problems)
    weight = _numbers(frame, str(path), "weight", problems)
    if problems:
        raise InputError(f"{path}: invalid standard population", problems)
    order = np.argsort(age)
    return StandardPopulation.from_arrays(path.stem, age[order], weight[order], source=str(path))


def standardise_command(
    infile: Annotated[Path, typer.Argument(help="CSV: age, deaths (or count), population, keys.")],
    standard: Annotated[
        str, typer.Option(help="who2000, esp2013, esp1976, segi, or a CSV with age,weight.")
    ],
    ci_method: Annotated[CIChoice, typer.Option(help="Interval method.")] = CIChoice.dobson,
    per: Annotated[float, typer.Option(help="Multiplier: rate per this many.")] = 100_000.0,
    ci: Annotated[float, typer.Option(help="Confidence level.")] = 0.95,
    min_count: Annotated[
        float, typer.Option(help="Suppress rows whose total count is under this.")
    ] = 10.0,
    out: OutOption = None,
) -> None:
    """Directly age-standardised rates, one per group of rows."""
    import numpy as np
    import pandas as pd

    from salamat.methods.standardise import standardise

    with _reported():
        file = str(infile)
        frame = _read(infile)
        count_column = "deaths" if "deaths" in frame.columns else "count"
        _require(frame, file, ["age", count_column, "population"])
        keys = [c for c in frame.columns if c not in ("age", "deaths", "count", "population")]
        problems: list[Problem] = []
        age = _numbers(frame, file, "age", problems)
        count = _numbers(frame, file, count_column, problems)
        population = _numbers(frame, file, "population", problems, positive=True)
        if problems:
            raise InputError(f"{file}: invalid values", _by_row(problems))
        groups = _groups(frame, file, keys, age)
        std = _standard_from(standard)
        method: CIMethod = "dobson" if ci_method is CIChoice.dobson else "fay_feuer"
        rows: list[tuple[int, dict[str, object]]] = []
        for ages, members in _stacks(groups).items():
            try:
                result = standardise(
                    np.stack([count[groups[g].index] for g in members]),
                    np.stack([population[groups[g].index] for g in members]),
                    np.asarray(ages),
                    standard=std,
                    ci_method=method,
                    per=per,
                    level=ci,
                    min_count=min_count,
                )
            except InputError as exc:
                first = groups[members[0]]
                raise InputError(
                    f"{file}: {exc.args[0]}",
                    [
                        Problem(file, first.rows[0], p.field, p.message, p.value)
                        for p in exc.problems
                    ],
                ) from exc
            for j, g in enumerate(members):
                row: dict[str, object] = dict(zip(keys, groups[g].key, strict=True))
                row.update(
                    count=result.count[j],
                    population=result.population[j],
                    crude_rate=result.crude_rate[j],
                    asr=result.asr[j],
                    lower=result.lower[j],
                    upper=result.upper[j],
                    method=result.method,
                    standard=result.standard,
                    per=result.per,
                    level=result.level,
                    suppressed=bool(result.suppressed[j]),
                    reason=result.reason[j],
                )
                rows.append((g, row))
        rows.sort(key=lambda r: r[0])
        _write(pd.DataFrame([r[1] for r in rows]), out)


def ncd_command(
    infile: Annotated[Path, typer.Argument(help="CSV: age 30..65, ncd_deaths, population, keys.")],
    out: OutOption = None,
    ci: Annotated[float, typer.Option(help="Confidence level.")] = 0.95,
) -> None:
    """SDG 3.4.1: probability of dying between 30 and 70 from the four main NCDs."""
    import numpy as np
    import pandas as pd

    from salamat.methods.ncd import NCD_AGES, ncd_30q70

    with _reported():
        file = str(infile)
        frame = _read(infile)
        _require(frame, file, ["age", "ncd_deaths", "population"])
        keys = [c for c in frame.columns if c not in ("age", "ncd_deaths", "population")]
        problems: list[Problem] = []
        age = _numbers(frame, file, "age", problems)
        deaths = _numbers(frame, file, "ncd_deaths", problems)
        population = _numbers(frame, file, "population", problems, positive=True)
        if problems:
            raise InputError(f"{file}: invalid values", _by_row(problems))
        groups = _groups(frame, file, keys, age)
        wanted = tuple(float(a) for a in NCD_AGES)
        for group in groups:
            if group.age != wanted:
                problems.append(
                    Problem(
                        file,
                        group.rows[0],
                        "age",
                        "expected the ages 30, 35, 40, 45, 50, 55, 60, 65 in each group",
                        ", ".join(f"{a:g}" for a in group.age),
                    )
                )
        if problems:
            raise InputError(f"{file}: 30q70 needs the eight bands 30-34 ... 65-69", problems)
        result = ncd_30q70(
            np.stack([deaths[g.index] for g in groups]),
            np.stack([population[g.index] for g in groups]),
            level=ci,
        )
        table = pd.DataFrame({k: [g.key[i] for g in groups] for i, k in enumerate(keys)})
        table["ncd_deaths"] = result.ncd_deaths
        table["population"] = result.population
        table["q30_70"] = result.q30_70
        table["lower"] = result.lower
        table["upper"] = result.upper
        table["level"] = result.level
        table["method"] = result.method
        _write(table, out)


def _shares(data: LifeInput, members: list[int], names: list[str]) -> FloatArray:
    """Cause shares of deaths shaped (groups, causes, ages); remainder as 'other'."""
    import numpy as np

    cause_deaths = np.stack(
        [np.stack([data.causes[c][data.groups[g].index] for c in names]) for g in members]
    )
    if data.deaths is not None:
        total = np.stack([data.deaths[data.groups[g].index] for g in members])
    else:
        total = cause_deaths.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(total[:, None, :] > 0, cause_deaths / total[:, None, :], np.nan)
    return np.asarray(shares, dtype=np.float64)


def decompose_command(
    file_a: Annotated[Path, typer.Argument(help="Life-table input for population A.")],
    file_b: Annotated[Path, typer.Argument(help="Life-table input for population B.")],
    out: OutOption = None,
    a0: Annotated[A0Choice, typer.Option(help="Rule for a0 (and 4a1).")] = (
        A0Choice.andreev_kingkade
    ),
) -> None:
    """Arriaga decomposition of ex(B) - ex(A) at the first age, by age (and cause).

    A and B are life-table inputs with the same key columns, groups and ages. Optional
    ``deaths_<cause>`` columns split each age's contribution by cause; deaths not given by
    cause (``deaths`` minus their sum) form the cause ``other``. Without them the cause is
    ``all``.
    """
    import pandas as pd

    from salamat.methods.decompose import arriaga, arriaga_by_cause

    with _reported():
        data_a = _life_input(file_a, allow_causes=True)
        data_b = _life_input(file_b, allow_causes=True)
        problems: list[Problem] = []
        if data_a.keys != data_b.keys:
            problems.append(
                Problem(
                    data_b.file,
                    None,
                    None,
                    "expected the key columns of "
                    f"{data_a.file}: {', '.join(data_a.keys) or '(none)'}",
                    ", ".join(data_b.keys) or "(none)",
                )
            )
        if sorted(data_a.causes) != sorted(data_b.causes):
            problems.append(
                Problem(
                    data_b.file,
                    None,
                    None,
                    f"expected the same deaths_<cause> columns as {data_a.file}",
                    ", ".join(sorted(data_b.causes)) or "(none)",
                )
            )
        if problems:
            raise InputError("the two files do not match", problems)
        by_key_b = {g.key: i for i, g in enumerate(data_b.groups)}
        pairs: list[tuple[int, int]] = []
        for i, group in enumerate(data_a.groups):
            j = by_key_b.get(group.key)
            if j is None:
                problems.append(
                    Problem(
                        data_b.file,
                        None,
                        None,
                        f"missing group found in {data_a.file} (row {group.rows[0]})",
                        ", ".join(group.key),
                    )
                )
            elif data_b.groups[j].age != group.age:
                problems.append(
                    Problem(
                        data_b.file,
                        data_b.groups[j].rows[0],
                        "age",
                        "expected the same ages as in " + data_a.file,
                        ", ".join(f"{a:g}" for a in data_b.groups[j].age),
                    )
                )
            else:
                pairs.append((i, j))
        keys_a = {g.key for g in data_a.groups}
        for group in data_b.groups:
            if group.key not in keys_a:
                problems.append(
                    Problem(
                        data_a.file,
                        None,
                        None,
                        f"missing group found in {data_b.file} (row {group.rows[0]})",
                        ", ".join(group.key),
                    )
                )
        if problems:
            raise InputError("the groups of the two files do not match", problems)
        tables_a = _tables(data_a, a0, 100_000.0, None)
        tables_b = _tables(data_b, a0, 100_000.0, None)
        names = sorted(data_a.causes)
        pair_of = dict(pairs)
        raw: dict[tuple[float, ...], tuple[FloatArray, FloatArray]] = {}
        with_other = False
        for ages, (members_a, _) in tables_a.items():
            if names:
                raw_a = _shares(data_a, members_a, names)
                raw_b = _shares(data_b, [pair_of[g] for g in members_a], names)
                raw[ages] = (raw_a, raw_b)
                with_other = with_other or _has_remainder(raw_a) or _has_remainder(raw_b)
        labels = [*names, "other"] if with_other else (names or ["all"])
        rows: list[tuple[int, pd.DataFrame]] = []
        for ages, (members_a, table_a) in tables_a.items():
            members_b, table_b_all = tables_b[ages]
            position_b = {g: k for k, g in enumerate(members_b)}
            table_b = _take(table_b_all, [position_b[pair_of[g]] for g in members_a])
            if names:
                share_a = _complete(raw[ages][0], with_other)
                share_b = _complete(raw[ages][1], with_other)
                contribution = arriaga_by_cause(
                    table_a, table_b, share_a, share_b, labels
                ).contribution
            else:
                contribution = arriaga(table_a, table_b).contribution[:, None, :]
            for k, g in enumerate(members_a):
                group = data_a.groups[g]
                for c, label in enumerate(labels):
                    part: dict[str, object] = _key_frame(data_a.keys, group.key, len(ages))
                    part["age"] = _ages_out(ages)
                    part["cause"] = [label] * len(ages)
                    part["contribution"] = contribution[k, c]
                    rows.append((g, pd.DataFrame(part)))
        rows.sort(key=lambda r: r[0])
        _write(pd.concat([r[1] for r in rows], ignore_index=True), out)


def _has_remainder(shares: FloatArray) -> bool:
    """True when some deaths are not given by cause (beyond rounding)."""
    import numpy as np

    return bool(np.any(1.0 - np.nansum(shares, axis=1) > 1e-9))


def _complete(shares: FloatArray, with_other: bool) -> FloatArray:
    """Shares over the causes (and 'other', the deaths not given by cause); equal where none."""
    import numpy as np

    if with_other:
        other = np.maximum(1.0 - np.nansum(shares, axis=1, keepdims=True), 0.0)
        full = np.concatenate([shares, other], axis=1)
    else:
        # shares add up to one up to rounding: rescale so that they do exactly
        full = shares / np.nansum(shares, axis=1, keepdims=True)
    no_deaths = np.isnan(shares).any(axis=1, keepdims=True)
    return np.asarray(np.where(no_deaths, 1.0 / full.shape[1], full), dtype=np.float64)


def _take(table: LifeTable, index: list[int]) -> LifeTable:
    """The strata ``index`` of a stacked table, in that order."""
    import numpy as np

    from salamat.methods.lifetable import LifeTable

    def pick(a: FloatArray) -> FloatArray:
        return np.asarray(a[index])

    return LifeTable(
        age=pick(table.age),
        width=pick(table.width),
        mx=pick(table.mx),
        qx=pick(table.qx),
        ax=pick(table.ax),
        lx=pick(table.lx),
        dx=pick(table.dx),
        Lx=pick(table.Lx),
        Tx=pick(table.Tx),
        ex=pick(table.ex),
        ex_lower=None if table.ex_lower is None else pick(table.ex_lower),
        ex_upper=None if table.ex_upper is None else pick(table.ex_upper),
        radix=table.radix,
        a0_rule=table.a0_rule,
        ax_rule=table.ax_rule,
        smoothing=table.smoothing,
        ci_level=table.ci_level,
        ci_method=table.ci_method,
    )


def register(app: typer.Typer) -> None:
    """Add the ``lifetable``, ``standardise``, ``ncd30q70`` and ``decompose`` commands."""
    app.command("lifetable")(lifetable_command)
    app.command("standardise")(standardise_command)
    app.command("ncd30q70")(ncd_command)
    app.command("decompose")(decompose_command)
