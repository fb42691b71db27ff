"""Command-line faces of the forecasts: ``salamat forecast`` and ``salamat scenario``.

Reads the store given by ``--db`` (else ``$SALAMAT_DB``, else the per-user default) and prints a
table, CSV or JSON (one record a year: ``year, value, lower, upper, method, fitted_from,
fitted_to, level`` and what the forecast rests on). Exit codes: 2 bad input or a method that
cannot apply (too few years, gaps, an indicator that cannot be derived), 3 the store cannot be
opened.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from salamat.cli.common import DbOption, Fmt, err, errors, escape, out
from salamat.errors import InputError

__all__ = ["register"]

SYNTHETIC_LINE = (
    "SYNTHETIC: computed from generated unit records, not real deaths - for trying the "
    "methods, never for describing the country"
)


class ForecastMethod(StrEnum):
    rwd = "rwd"
    lee_carter = "lee-carter"
    lee_miller = "lee-miller"


def forecast_command(
    indicator: Annotated[str, typer.Argument(help="le0, le60, ncd30q70, tb_incidence ...")],
    area: Annotated[str, typer.Option("--area", help="Org-unit code: KAZ, GBR, KZ-75 ...")],
    until: Annotated[int, typer.Option("--until", help="Last forecast year.")],
    method: Annotated[
        ForecastMethod,
        typer.Option(
            "--method",
            help="rwd (random walk with drift on the indicator), lee-carter or lee-miller "
            "(on death rates by age).",
        ),
    ] = ForecastMethod.rwd,
    db: DbOption = None,
    sex: Annotated[str, typer.Option(help="total, female or male.")] = "total",
    start: Annotated[int | None, typer.Option("--from", help="First fitted year.")] = None,
    end: Annotated[int | None, typer.Option("--to", help="Last fitted year.")] = None,
    level: Annotated[
        float, typer.Option("--level", help="Prediction interval, in percent (e.g. 80, 95).")
    ] = 95.0,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="The source of the series or of the death rates (e.g. 'HMD death rates'); "
            "'records' for unit records.",
        ),
    ] = None,
    paths: Annotated[
        int, typer.Option("--paths", help="Simulated k(t) paths for Lee-Carter intervals.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 2026,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
) -> None:
    """Forecast an indicator with its prediction interval (random walk with drift, Lee-Carter
    or Lee-Miller)."""
    from salamat.services.forecast import forecast
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        if not 50.0 <= level < 100.0:
            raise InputError(f"--level {level:g}: expected a percentage from 50 to 99.9")
        path = resolve_store_path(db)
        with Store.open(path, read_only=True) as store:
            result = forecast(
                store,
                indicator,
                area,
                method=method.value,
                until=until,
                sex=sex,
                start=start,
                end=end,
                level=level / 100.0,
                source=source,
                paths=paths,
                seed=seed,
            )
    rows = result.rows()
    if fmt == Fmt.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    if fmt == Fmt.csv:
        import pandas as pd

        from salamat.export.common import csv_text

        sys.stdout.write(csv_text(pd.DataFrame(rows)))
        return
    if result.synthetic:
        out.print(f"[bold yellow]{SYNTHETIC_LINE}[/]")
    f = result.result
    title = (
        f"{indicator} - {result.area} ({result.sex}): {result.method}, fitted "
        f"{f.fitted_from}-{f.fitted_to}"
    )
    table = Table(title=escape(title), header_style="bold")
    table.add_column("year")
    for col in ("value", f"lower {f.level:.0%}", f"upper {f.level:.0%}"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(str(r["year"]), *(f"{r[c]:.3f}" for c in ("value", "lower", "upper")))
    out.print(table)
    out.print(f"[dim]unit:[/] {escape(str(result.unit or ''))}")
    out.print(f"[dim]method:[/] {escape(result.description)}")
    out.print(f"[dim]source:[/] {escape(result.source)}")
    err.print(
        "[dim]a forecast assumes the past trend goes on; the interval covers the year-to-year "
        "noise and the trend's uncertainty, not a change of course[/]"
    )


def scenario_command(
    indicator: Annotated[str, typer.Argument(help="le0, le60 ... (a life expectancy).")],
    area: Annotated[str, typer.Option("--area", help="Org-unit code: KAZ, KZ-75 ...")],
    until: Annotated[int, typer.Option("--until", help="Last year of the path.")],
    cause: Annotated[
        list[str],
        typer.Option(
            "--cause", help="Cause group to change (repeat for several): circulatory, cancer ..."
        ),
    ],
    change: Annotated[
        float | None,
        typer.Option(
            "--change",
            help="Change of the cause's death rates in percent (-3: a fall of 3%), by --until "
            "or, with --per-year, each year (compounded); -100 eliminates the cause.",
        ),
    ] = None,
    per_year: Annotated[
        bool, typer.Option("--per-year", help="--change is a change each year.")
    ] = False,
    ages: Annotated[
        list[str] | None,
        typer.Option(
            "--ages",
            help="Change the cause's rates at these ages only: 30-69 (ages 30 to 69), 85+; "
            "repeat or join with commas for several. Default: every age.",
        ),
    ] = None,
    solve: Annotated[
        bool,
        typer.Option(
            "--solve", help="Answer the constant annual change that reaches --target by --until."
        ),
    ] = False,
    target: Annotated[
        float | None, typer.Option("--target", help="Life expectancy to reach (e.g. 77).")
    ] = None,
    db: DbOption = None,
    sex: Annotated[str, typer.Option(help="total, female or male.")] = "total",
    start: Annotated[
        int | None, typer.Option("--from", help="First year used for the variability.")
    ] = None,
    level: Annotated[float, typer.Option("--level", help="Interval, in percent.")] = 95.0,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="'records' for the unit records, or the source of imported death rates (mx) by "
            "age and cause; default: the unit records, else the one source of imported rates.",
        ),
    ] = None,
    paths: Annotated[int, typer.Option("--paths", help="Simulated paths.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 2026,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
) -> None:
    """What if a cause of death fell: life expectancy year by year, and when a target is met."""
    from salamat.services import scenario as svc
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        if not 50.0 <= level < 100.0:
            raise InputError(f"--level {level:g}: expected a percentage from 50 to 99.9")
        if solve and target is None:
            raise InputError("--solve needs --target (the life expectancy to reach by --until)")
        if not solve and change is None:
            raise InputError("--change is needed (or --solve with --target)")
        if paths < 100:
            raise InputError(f"--paths {paths}: expected at least 100 simulated paths")
        path = resolve_store_path(db)
        with Store.open(path, read_only=True) as store:
            data = svc.inputs(
                store, indicator, area, causes=cause, sex=sex, start=start, source=source
            )
        if solve:
            assert target is not None
            answer = svc.solve(data, until=until, target=target, ages=ages)
        else:
            assert change is not None
            years = until - int(data.year[-1])
            if change <= -100.0:
                rate = -1.0
            elif per_year:
                rate = change / 100.0
            else:
                if years < 1:
                    raise InputError(f"--until {until}: expected a year after {data.year[-1]}")
                rate = (1.0 + change / 100.0) ** (1.0 / years) - 1.0
            result, rows = svc.run(
                data,
                change=rate,
                until=until,
                target=target,
                level=level / 100.0,
                paths=paths,
                seed=seed,
                ages=ages,
            )
    if solve:
        if fmt == Fmt.json:
            sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=1) + "\n")
            return
        if data.synthetic:
            out.print(f"[bold yellow]{SYNTHETIC_LINE}[/]")
        pct = answer["change_per_year"] * 100.0
        at_ages = " at all ages" if answer["ages"] == "all" else f" at ages {answer['ages']}"
        out.print(
            f"{indicator} {answer['area']} ({answer['sex']}): to reach {target:g} in {until}, "
            f"the death rates of {escape(answer['cause'])}{at_ages} must change by {pct:+.2f}% "
            f"a year from {answer['base_year']}, every other cause unchanged"
        )
        out.print(f"[yellow]start:[/] {escape(data.start_note)}")
        out.print(f"[dim]method:[/] {escape(answer['method'])}")
        out.print(f"[dim]source:[/] {escape(answer['source'])}")
        return
    if fmt == Fmt.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    if fmt == Fmt.csv:
        import pandas as pd

        from salamat.export.common import csv_text

        sys.stdout.write(csv_text(pd.DataFrame(rows)))
        return
    if data.synthetic:
        out.print(f"[bold yellow]{SYNTHETIC_LINE}[/]")
    at_ages = f" at ages {', '.join(result.ages)}" if result.ages else " at all ages"
    title = (
        f"{indicator} - {data.area} ({data.sex}): {'+'.join(data.causes)}{at_ages} {rate:+.2%} "
        f"a year from {result.base_year}"
    )
    table = Table(title=escape(title), header_style="bold")
    table.add_column("year")
    for col in ("value", "lower", "upper", "baseline"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            str(r["year"]), *(f"{r[c]:.3f}" for c in ("value", "lower", "upper", "baseline"))
        )
    out.print(table)
    out.print(f"[yellow]start:[/] {escape(data.start_note)}")
    if target is not None:
        out.print(
            f"target {target:g}: reached in {result.reached}"
            if result.reached is not None
            else f"target {target:g}: not reached by {until}"
        )
    out.print(f"[dim]method:[/] {escape(result.method)}")
    out.print(f"[dim]source:[/] {escape(data.source)}")


def register(app: typer.Typer) -> None:
    """Add ``forecast`` and ``scenario`` to ``app``."""
    app.command("forecast")(forecast_command)
    app.command("scenario")(scenario_command)
