"""The ``salamat`` command line (Typer + Rich): a thin face over :mod:`salamat.services`.

Exit codes: 0 success; 1 an import was rejected (nothing written); 2 bad input or usage;
3 the store is busy or cannot be opened.
"""

from __future__ import annotations

import copy
import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from salamat import __version__
from salamat.cli.accounts import register as register_accounts
from salamat.cli.common import DbOption, Fmt, err, errors, escape, out, percent_bar
from salamat.cli.events import register as register_events
from salamat.cli.forecast import register as register_forecast
from salamat.cli.imports import approval_text
from salamat.cli.imports import register as register_imports
from salamat.cli.interop import register as register_interop
from salamat.cli.methods import register as register_methods
from salamat.cli.quality import register as register_quality
from salamat.cli.report import register as register_report
from salamat.cli.targets import register as register_targets
from salamat.cli.web import register as register_web
from salamat.errors import InputError

if TYPE_CHECKING:  # imported in the commands that use them: `salamat --help` stays fast
    import duckdb
    import pandas as pd

    from salamat.ingest.summary import ImportSummary
    from salamat.store.connection import Store

app = typer.Typer(
    name="salamat",
    help="Salamat: health indicators, life tables and targets from a ministry's own data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@contextmanager
def _progress(total: int, store: Store | None = None) -> Iterator[Callable[[str], None]]:
    """A progress display: the overall bar advances per stage; a second bar follows the
    running DuckDB query (validation and aggregation of large files) when a store is given."""
    import duckdb

    with percent_bar() as bar:
        task = bar.add_task("starting", total=total)
        query = bar.add_task("  query", total=100, visible=False)
        done = threading.Event()

        def tick(stage: str) -> None:
            bar.update(task, description=stage, advance=1)
            bar.reset(query, total=100, visible=False)

        def poll(con: duckdb.DuckDBPyConnection) -> None:
            while not done.wait(0.2):
                try:
                    pct = con.query_progress()
                except duckdb.Error:
                    return
                if pct >= 0:
                    bar.update(query, completed=pct, visible=True)

        poller = None
        if store is not None and err.is_terminal:
            store.report_progress()
            poller = threading.Thread(target=poll, args=(store.con,), daemon=True)
            poller.start()
        try:
            yield tick
        finally:
            done.set()
            if poller is not None:
                poller.join()


def _version(value: bool) -> None:
    if value:
        out.print(f"salamat {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Salamat: health indicators, life tables and targets from a ministry's own data."""


# -- import ------------------------------------------------------------------------------------


def print_summary(summary: ImportSummary, console: Console = out) -> None:
    colour = {"SUCCESS": "green", "WARNING": "yellow", "DRY_RUN": "yellow", "ERROR": "red"}[
        summary.status
    ]
    console.print(f"[bold]Import summary[/] ({summary.kind}): [bold {colour}]{summary.status}[/]")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    columns = ("created", "updated", "unchanged", "rejected", "total", "skipped_missing")
    for col in columns:
        table.add_column(col, justify="right")
    table.add_row(*(str(getattr(summary, c)) for c in columns))
    console.print(table)
    if summary.reasons:
        word = "Skipped" if summary.status == "WARNING" else "Rejected"
        console.print(f"[bold]{word}[/]: {summary.problem_count} problem(s) by reason:")
        for reason, n in summary.reasons.most_common():
            console.print(f"  {n:>8}  {escape(reason)}")
    if summary.problems:
        shown = summary.problems[:50]
        console.print(f"[bold]Conflicts[/] (first {len(shown)} of {summary.problem_count}):")
        for p in shown:
            console.print(f"  - {escape(str(p))}")
    for note in summary.notes:
        console.print(f"[dim]note:[/] {escape(note)}")
    if summary.import_id is not None:
        console.print(
            f"[dim]import {summary.import_id}, {summary.seconds:.2f} s, "
            f"{escape(approval_text(summary.import_id, summary.approval, summary.approved_by))}[/]"
        )


class Engine(StrEnum):
    """Who checks and aggregates death records and population (``import --engine``)."""

    duckdb = "duckdb"
    spark = "spark"


# Written out so that ``--help`` needs no import of the readers (a test checks it names them all).
KINDS_HELP = (
    "What the files hold: observations, deaths, population, orgunits, wpp, owid, worldbank, gho, "
    "dhis2, sdmx, opensdg, hmd or unsdg (each with where to download it: docs/importing.md)."
)


@app.command("import")
def import_cmd(
    kind: Annotated[
        str,
        typer.Argument(help=KINDS_HELP),
    ],
    files: Annotated[
        list[str],
        typer.Argument(
            help="One or more CSV or Parquet files (--engine spark: Parquet files, folders or "
            "globs on any filesystem Spark reads).",
        ),
    ],
    db: DbOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and count, write nothing.")
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(help="Source label for rows without one, e.g. 'MoH annual report 2023'."),
    ] = None,
    map_file: Annotated[
        Path | None, typer.Option("--map", help="CSV mapping codes: dimension,from,to.")
    ] = None,
    metadata: Annotated[
        list[Path] | None,
        typer.Option(
            "--metadata",
            help="DHIS2 metadata JSON or SDMX structure message describing the files (repeatable).",
        ),
    ] = None,
    new_indicators: Annotated[
        bool, typer.Option("--new-indicators", help="Create indicators not yet in the catalogue.")
    ] = False,
    problems_out: Annotated[
        Path | None, typer.Option("--problems-out", help="Write every kept problem to this CSV.")
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="Summary as a table or JSON.")] = Fmt.table,
    area: Annotated[
        str | None,
        typer.Option(
            "--area",
            help="Org unit of rows that name no area (without it such rows are rejected).",
        ),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the valid rows and list every skipped row (status WARNING).",
        ),
    ] = False,
    new_areas: Annotated[
        str | None,
        typer.Option(
            "--new-areas",
            metavar="PARENT",
            help="Create units the file names but Salamat lacks, under PARENT.",
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="deaths, population: who checks and aggregates the records: duckdb (here; "
            "death records are stored) or spark (where they are; only the aggregates are "
            "stored). population: cells (region, year, sex, age, population) or a register, "
            "one row per person on 1 July (id, sex, birth_date, region, ref_date).",
        ),
    ] = Engine.duckdb,
    aggregates_only: Annotated[
        bool,
        typer.Option(
            "--aggregates-only",
            help="deaths: check every record, store the deaths by region, year, sex, age and "
            "cause (and by ICD-10 code for the quality rules), not the records, as --engine "
            "spark does; faster on large registers. The records stay in your files: no record "
            "corrections, undo or re-aggregation for those regions and years.",
        ),
    ] = False,
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            metavar="URL",
            help="--engine spark: the Spark master (local[4], spark://host:7077, yarn).",
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            envvar="SALAMAT_SERVER",
            metavar="URL",
            help="Send the import to a running `salamat serve` (http://HOST:PORT), the store's "
            "one writer while it runs; its token from $SALAMAT_TOKEN.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import files into the store: all rows are validated first; all or nothing is written."""
    import os

    from salamat.services import imports as services
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        if server and engine == Engine.spark:
            raise InputError("--server and --engine spark: the server imports with DuckDB")
        if server and aggregates_only:
            raise InputError(
                "--server and --aggregates-only: the server stores the records (its imports "
                "wait for approval); import into a local store to keep only the aggregates"
            )
        if aggregates_only and kind != "deaths":
            raise InputError(
                f"--aggregates-only is for deaths (unit records), not {kind}: other kinds are "
                "stored as they are"
            )
        if engine == Engine.spark:
            if kind not in ("deaths", "population"):  # refused before the store is opened
                services.check_spark_kind(kind)
            path = resolve_store_path(db)
            with Store.open(path) as store, _progress(4, store) as tick:
                summary = services.run_spark_import(
                    store,
                    kind,
                    files,
                    master=spark_master,
                    dry_run=dry_run,
                    source=source,
                    progress=tick,
                    area=area,
                    skip_invalid=skip_invalid,
                )
            _report(summary, fmt, problems_out)
            return
        if spark_master is not None:
            raise InputError("--spark-master is for --engine spark")
        paths = [Path(f) for f in files]
        missing = services.missing_files(kind, paths)
        if missing is not None:  # refused before the store is opened (or created)
            _report(missing, fmt, problems_out)
        if server:
            if db is not None:
                raise InputError("--db and --server: give one (the server writes to its own store)")
            from salamat.cli.remote import send_import

            summary = send_import(
                server,
                os.environ.get("SALAMAT_TOKEN") or None,
                kind,
                paths,
                options={
                    "dry_run": dry_run,
                    "source": source,
                    "new_indicators": new_indicators,
                    "skip_invalid": skip_invalid,
                    "area": area,
                    "new_areas": new_areas,
                },
                map_file=map_file,
                metadata=metadata,
                progress=err.is_terminal,
            )
            _report(summary, fmt, problems_out)
            return
        path = resolve_store_path(db)
        with Store.open(path) as store, _progress(2 * len(paths) + 2, store) as tick:
            summary = services.run_import(
                store,
                kind,
                paths,
                dry_run=dry_run,
                source=source,
                mapping=map_file,
                new_indicators=new_indicators,
                progress=tick,
                metadata=metadata,
                area=area,
                skip_invalid=skip_invalid,
                new_areas=new_areas,
                aggregates_only=aggregates_only,
            )
        _report(summary, fmt, problems_out)


def _report(summary: ImportSummary, fmt: Fmt, problems_out: Path | None) -> None:
    """Print the summary; exit 1 when the import was rejected."""
    import pandas as pd

    if fmt == Fmt.json:
        out.print_json(json.dumps(summary.as_dict(), default=str))
    else:
        print_summary(summary)
    if problems_out is not None and summary.problems:
        from salamat.export.common import neutralised

        neutralised(pd.DataFrame([p.__dict__ for p in summary.problems])).to_csv(
            problems_out, index=False
        )
    if not summary.ok:
        raise typer.Exit(1)


# -- series ------------------------------------------------------------------------------------


def _emit(df: pd.DataFrame, fmt: Fmt, title: str) -> None:
    import pandas as pd

    if fmt == Fmt.csv:
        from salamat.export.common import csv_text

        sys.stdout.write(csv_text(df))
    elif fmt == Fmt.json:
        records = json.loads(df.to_json(orient="records", date_format="iso"))
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    else:
        table = Table(title=title, header_style="bold")
        for col in df.columns:
            table.add_column(str(col), justify="right" if df[col].dtype.kind in "fi" else "left")
        for row in df.itertuples(index=False):
            table.add_row(
                *(
                    ""
                    if v is None or (isinstance(v, float) and pd.isna(v))
                    else f"{v:g}"
                    if isinstance(v, float)
                    else str(v)
                    for v in row
                )
            )
        out.print(table)


def _series_table(df: pd.DataFrame, indicator: str, area: str) -> None:
    """A readable table: constant columns go in the title, varying ones stay."""
    import pandas as pd

    if df.empty:
        return
    unit = ", ".join(sorted(str(u) for u in df["unit"].dropna().unique()))
    names = ", ".join(sorted(str(n) for n in df["area_name"].dropna().unique()))
    title = f"{indicator} ({unit}) - {names if df['area'].nunique() == 1 else area}"
    keep = ["period"]
    keep += [
        c for c in ("area", "sex", "age", "cause", "residence", "source") if df[c].nunique() > 1
    ]
    keep += ["value"] + [c for c in ("lower", "upper") if df[c].notna().any()]
    flagged = "flags" in df.columns and bool((df["flags"].fillna("").astype(str) != "").any())
    if flagged:  # a value that fails a quality rule is shown with its flag (issue 9)
        keep += ["flags"]
        df = df.assign(
            flags=df["flags"].map(lambda f: f"⚑ {f}" if isinstance(f, str) and f else "")
        )
    if "superseded_by" in df.columns:  # a vintage other than the latest: say which is which
        keep += ["vintage", "import_id", "imported_at", "superseded_by"]
        df = df.assign(
            imported_at=df["imported_at"].map(lambda t: "" if pd.isna(t) else str(t)[:19]),
            superseded_by=df["superseded_by"].map(lambda v: "" if pd.isna(v) else str(int(v))),
        )
    sources = sorted(str(x) for x in df["source"].unique())
    _emit(df[keep], Fmt.table, title)
    for src in sources:
        out.print(f"[dim]source:[/] {escape(src)}")
    if flagged:
        areas = " ".join(f"--area {a}" for a in sorted(df["area"].unique())[:1])
        out.print(
            f"[dim]⚑ flagged by a quality rule (the value is kept as published): "
            f"salamat flags --indicator {escape(indicator)} {escape(areas)}[/]"
        )


@app.command()
def series(
    indicator: Annotated[
        str, typer.Argument(help="Indicator code: le0, le60, ncd30q70, tb_incidence, che_gdp, ...")
    ],
    area: Annotated[str, typer.Option("--area", help="Org-unit code: KAZ, KZ-75, OTS ...")],
    db: DbOption = None,
    sex: Annotated[str, typer.Option(help="total, female, male or all.")] = "total",
    start: Annotated[int | None, typer.Option("--from", help="First year.")] = None,
    end: Annotated[int | None, typer.Option("--to", help="Last year.")] = None,
    source: Annotated[
        str | None, typer.Option(help="Only this source, e.g. 'UN WPP 2024'.")
    ] = None,
    age: Annotated[
        str | None, typer.Option(help="Age band, e.g. 30-69 (default: every band).")
    ] = None,
    residence: Annotated[str, typer.Option(help="total, urban, rural or all.")] = "total",
    vintage: Annotated[
        str,
        typer.Option(
            help="latest (default), all (every version kept), an import date YYYY-MM-DD "
            "(the values as stored at the end of that day) or a publisher's vintage (e.g. 2024)."
        ),
    ] = "latest",
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
) -> None:
    """Print an indicator's series for an area, every value with its source."""
    from salamat.services import imports as services
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        if sex not in ("total", "female", "male", "all"):
            raise InputError(f"--sex {sex!r}: expected total, female, male or all")
        with Store.open(resolve_store_path(db), read_only=True) as store:
            df = services.series(
                store,
                indicator,
                area,
                sex=None if sex == "all" else sex,
                start=start,
                end=end,
                source=source,
                age=age,
                residence=None if residence == "all" else residence,
                vintage=vintage,
            )
            hint = services.successor_hint(store, area, start) if df.empty else ""
        if df.empty:
            err.print(f"no values of {indicator} for {area} with these filters{hint}")
        if fmt == Fmt.table:
            _series_table(df, indicator, area)
        else:
            _emit(df, fmt, f"{indicator} - {area}")


# -- info and demo -----------------------------------------------------------------------------


@app.command()
def info(
    db: DbOption = None,
    areas: Annotated[
        str | None,
        typer.Option("--areas", help="List org units under this code (WORLD, KAZ, OTS ...)."),
    ] = None,
    indicators: Annotated[
        bool, typer.Option("--indicators", help="List the indicator catalogue.")
    ] = False,
    causes: Annotated[bool, typer.Option("--causes", help="List the cause groups.")] = False,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
) -> None:
    """What the store holds: counts, indicators by source, recent imports; or the catalogues."""
    import pandas as pd

    from salamat.services import imports as services
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        with Store.open(resolve_store_path(db), read_only=True) as store:
            if areas is not None or indicators or causes:
                if indicators:
                    listing = services.list_indicators(store)
                elif causes:
                    listing = services.list_causes(store)
                else:
                    listing = services.list_areas(store, areas or "WORLD")
                _emit(listing, fmt, "Catalogue")
                return
            data = services.info(store)
        if fmt == Fmt.json:
            plain: dict[str, Any] = {
                k: (
                    json.loads(v.to_json(orient="records", date_format="iso"))
                    if isinstance(v, pd.DataFrame)
                    else v
                )
                for k, v in data.items()
            }
            sys.stdout.write(json.dumps(plain, ensure_ascii=False, indent=1, default=str) + "\n")
            return
        out.print(f"[bold]Store[/] {data['path']} (schema {data['schema_version']})")
        for key in (
            "orgunits",
            "indicators",
            "observations",
            "death_records",
            "death_cells",
            "population_cells",
            "imports",
        ):
            out.print(f"  {key.replace('_', ' '):<18} {data[key]:>10,}")
        _emit(data["by_indicator"], Fmt.table, "Observations by indicator and source")


@contextmanager
def _steps(total: int) -> Iterator[tuple[Callable[[str], None], Callable[[str], None]]]:
    """One progress bar over ``total`` steps: ``step(name)`` starts the next step, ``detail(text)``
    says what the current step is doing without moving the bar."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=total)
        names: list[str] = []  # the steps started so far

        def step(name: str) -> None:
            bar.update(task, description=name, completed=len(names))
            names.append(name)

        def detail(text: str) -> None:
            bar.update(task, description=f"{names[-1] if names else ''}: {text}")

        yield step, detail
        bar.update(task, completed=total)


@app.command()
def demo(
    db: DbOption = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Delete the store first.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic unit records.")] = 2024,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print every import's summary.")
    ] = False,
    fmt: Annotated[
        Fmt, typer.Option("--format", help="table, or json (every import's summary).")
    ] = Fmt.table,
) -> None:
    """Build a store from the bundled real data (and synthetic unit records, labelled so)."""
    import time

    from salamat.demo import STEPS, build_demo
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        path = resolve_store_path(db)
        if fresh and path.exists():
            path.unlink()
            Path(str(path) + ".wal").unlink(missing_ok=True)
        started = time.perf_counter()
        with Store.open(path) as store, _steps(STEPS) as (step, detail):
            summaries = build_demo(store, seed=seed, progress=step, detail=detail)
        seconds = time.perf_counter() - started
        ok = all(s.ok for s in summaries)
        if fmt == Fmt.json:
            doc = {
                "store": str(path),
                "ok": ok,
                "seconds": round(seconds, 2),
                "imports": [s.as_dict() for s in summaries],
            }
            sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n")
            if not ok:
                raise typer.Exit(1)
            return
        for s in summaries:
            if verbose or not s.ok:
                print_summary(s)
        if not ok:
            raise typer.Exit(1)
        counts = {
            c: sum(int(getattr(s, c)) for s in summaries)
            for c in ("created", "updated", "unchanged", "rejected")
        }
        flagged = any(s.flags for s in summaries)
        out.print(
            f"[bold green]Demo store ready:[/] {path} ({len(summaries)} imports in "
            f"{seconds:.1f} s: "
            + ", ".join(f"{n:,} {c}" for c, n in counts.items())
            + " values and records"
            + ("; quality flags raised: salamat flags" if flagged else "")
            + "; every summary: salamat demo --verbose, or salamat imports)"
        )
        out.print(
            "Try:  salamat series le0 --area KAZ    salamat series le0 --area KZ-75 --sex all"
            "    salamat info"
        )


register_methods(app)
register_interop(app)
register_targets(app)
register_web(app)
register_imports(app)
register_events(app)
register_quality(app)
register_report(app)
register_forecast(app)
register_accounts(app)


def _command_name(info: typer.models.CommandInfo) -> str:
    if info.name:
        return info.name
    assert info.callback is not None
    return info.callback.__name__.replace("_", "-")


def _alone(name: str) -> typer.Typer | None:
    """``app`` with only the command ``name`` (its callback, help and settings kept), or None
    when ``name`` is no single top-level command (a group, an option, a typo)."""
    found = [c for c in app.registered_commands if _command_name(c) == name]
    if len(found) != 1 or any(g.name == name for g in app.registered_groups):
        return None
    alone = copy.copy(app)
    alone.registered_commands = found
    alone.registered_groups = []
    return alone


# Commands that only read (and the whole app's help and version): when one has ended, every
# store it opened is closed (its `with` block) and every line is written; nothing is left for
# the interpreter's teardown to do.
_READ_ONLY = frozenset({"series", "info", "--help", "--version"})


def _exit_now(code: int) -> None:
    """End the process with ``code`` once the output is flushed and the ``atexit`` handlers
    have run, without the interpreter's teardown (freeing every module and object: about
    0.17 s of CPU after pandas, pyarrow and DuckDB were imported, as long as the query).

    If the output cannot be flushed (a full disk, a closed pipe), it returns: the interpreter
    then ends as it always does, and says what could not be written."""
    import atexit
    import os

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    os._exit(code)


def main() -> None:
    """Run the command line. A command named first (``salamat series ...``) is built alone:
    Typer builds every parameter of every command it is given, which ``salamat --help``
    needs but ``salamat series`` does not (same usage lines, options, errors and output).
    A read-only command ends the process as soon as it has written its output
    (:func:`_exit_now`)."""
    from salamat.cli.coercion import quick_coercion

    name = sys.argv[1] if len(sys.argv) > 1 else None
    alone = _alone(name) if name is not None else None
    with quick_coercion():  # plain values without a pydantic adapter each (same results)
        try:
            (alone or app)()
        except SystemExit as exc:
            code = 0 if exc.code is None else exc.code
            if name in _READ_ONLY and isinstance(code, int):
                _exit_now(code)
            raise
