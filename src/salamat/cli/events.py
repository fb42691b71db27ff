"""``salamat events list|add``: dated policy events (laws, programmes, measures) that the charts
and reports mark beside the numbers.

:func:`register` adds the group to the ``salamat`` Typer app.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from salamat.cli.common import DbOption, Fmt, err, errors, escape, out

__all__ = ["register"]

events_app = typer.Typer(
    name="events",
    help="Policy events shown on the charts: list them, add your own from a CSV.",
    no_args_is_help=True,
)


@events_app.command("list")
def events_list(
    db: DbOption = None,
    area: Annotated[
        str | None,
        typer.Option("--area", help="Only the events of this org unit and the units above it."),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Titles in kk, ru or en.")] = "en",
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
) -> None:
    """Every policy event, by date: the bundled ones and those you added."""
    from salamat.errors import InputError
    from salamat.services import events as svc
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        if lang not in ("en", "kk", "ru"):
            raise InputError(f"--lang {lang}: expected kk, ru or en")
        with Store.open(resolve_store_path(db), read_only=True) as store:
            found = svc.events_for(store, area) if area else svc.events(store)
    records = [e.as_dict(lang) for e in found]
    if fmt == Fmt.json:
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        return
    if fmt == Fmt.csv:
        import pandas as pd

        from salamat.export.common import csv_text

        cols = ["code", "date", "area", "title", "description", "source", "source_url", "origin"]
        sys.stdout.write(csv_text(pd.DataFrame(records, columns=cols)))
        return
    if not records:
        err.print("no policy events" + (f" for {area}" if area else ""))
        return
    for r in records:
        out.print(
            f"[bold]{r['date']}[/] {escape(r['area'])} {escape(r['title'])} [dim]({r['code']})[/]"
        )
        if r["source_url"]:
            out.print(f"   [dim]{escape(str(r['source'] or ''))} {escape(r['source_url'])}[/]")


@events_app.command("add")
def events_add(
    file: Annotated[Path, typer.Argument(help="A CSV with the columns of data/policy_events.csv.")],
    db: DbOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file, write nothing.")
    ] = False,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json (the summary).")] = Fmt.table,
) -> None:
    """Add (or replace) policy events from a CSV: all rows or none, undoable
    (``salamat imports undo ID``)."""
    from salamat.cli.targets import _added
    from salamat.services import events as svc
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        if dry_run:
            with Store.open(resolve_store_path(db), read_only=True) as store:
                added = svc.import_events(store, file, dry_run=True)
        else:
            with Store.open(resolve_store_path(db)) as store:
                added = svc.import_events(store, file)
    _added(added, "event(s)", fmt, dry_run=dry_run)


@events_app.command("effect")
def events_effect(
    code: Annotated[str, typer.Argument(help="The event's code (salamat events list).")],
    indicator: Annotated[
        str, typer.Option("--indicator", help="Indicator code: le0, ncd30q70 ...")
    ],
    area: Annotated[str, typer.Option("--area", help="Org-unit code: KAZ, KZ-75 ...")],
    db: DbOption = None,
    sex: Annotated[str, typer.Option("--sex", help="total, female or male.")] = "total",
    source: Annotated[
        str | None, typer.Option("--source", help="Only a source whose name starts so.")
    ] = None,
    from_year: Annotated[int | None, typer.Option("--from", help="First year of the fit.")] = None,
    to_year: Annotated[int | None, typer.Option("--to", help="Last year of the fit.")] = None,
    level: Annotated[float, typer.Option("--level", help="Interval level, percent.")] = 95.0,
    keep_shocks: Annotated[
        bool, typer.Option("--keep-shocks", help="Keep the shock years (2020-2021) in the fit.")
    ] = False,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="ols: segmented regression on the values; poisson: for counts (deaths), "
            "the population as the offset, rate ratios (quasi-Poisson).",
        ),
    ] = "ols",
    exposure: Annotated[
        str | None,
        typer.Option(
            "--exposure",
            help="--model poisson: the population indicator (default population, "
            "then population_jan1).",
        ),
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
) -> None:
    """Interrupted time series: the change in an indicator's level and trend after an event
    (segmented regression with the pre-period trend); an association, not proof."""
    from salamat.errors import InputError
    from salamat.services import events as svc
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        if not 50 <= level < 100:
            raise InputError(f"--level {level}: expected a percentage such as 95")
        if model not in ("ols", "poisson"):
            raise InputError(f"--model {model}: expected ols or poisson")
        if exposure is not None and model != "poisson":
            raise InputError("--exposure goes with --model poisson")
        with Store.open(resolve_store_path(db), read_only=True) as store:
            result = svc.event_effect(
                store,
                code,
                indicator,
                area,
                sex=sex,
                source=source,
                from_year=from_year,
                to_year=to_year,
                level=level / 100,
                keep_shocks=keep_shocks,
                model="poisson" if model == "poisson" else "ols",
                exposure=exposure,
            )
    if fmt == Fmt.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        return
    e = result["event"]
    pct = f"{100 * result['level']:g}%"
    out.print(
        f"[bold]{escape(e['titles']['en'])}[/] ({e['date']}) and {result['indicator']} "
        f"{result['area']} ({result['sex']}): {escape(result['source'])}"
    )
    out.print(
        f"years {result['years'][0]}-{result['years'][-1]}: {result['years_before']} before "
        f"{result['first_year_after']}, {result['years_after']} from it on"
        + (
            f"; left out as shock years: {', '.join(map(str, result['left_out_as_shocks']))}"
            if result["left_out_as_shocks"]
            else ""
        )
    )
    if result["model"] == "poisson":
        x = result["exposure"]
        out.print(
            f"Poisson segmented regression, offset {x['indicator']} ({escape(x['source'])}); "
            f"rate ratios, dispersion {result['dispersion']:.2f}"
        )
        rows = (
            ("trend before (rate ratio a year)", "trend_before", "{:.4f}"),
            (f"change in level in {result['first_year_after']} (rate ratio)", "level_change",
             "{:.3f}"),
            ("change in trend (ratio a year)", "trend_change", "{:.4f}"),
        )  # fmt: skip
        last = "rate ratio to the earlier trend in {year}"
        number = "{:.3f}"
    else:
        rows = (
            ("trend before (a year)", "trend_before", "{:+.3f}"),
            (f"change in level in {result['first_year_after']}", "level_change", "{:+.3f}"),
            ("change in trend (a year)", "trend_change", "{:+.3f}"),
        )
        last = "difference from the earlier trend in {year}"
        number = "{:+.3f}"
    for label, key, form in rows:
        r = result[key]
        out.print(
            f"  {label}: {form.format(r['estimate'])} ({pct} interval "
            f"{form.format(r['lower'])} to {form.format(r['upper'])})"
        )
    r = result["effect_at_last_year"]
    out.print(
        f"  {last.format(year=r['year'])}: {number.format(r['estimate'])} "
        f"({pct} interval {number.format(r['lower'])} to {number.format(r['upper'])})"
    )
    err.print(f"note: {result['caveat']}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``events`` to ``app``."""
    app.add_typer(events_app, name="events")
