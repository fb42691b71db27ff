"""Command-line faces of indicators and targets: ``targets``, ``compute``, ``explain``, ``indicators``.

:func:`register` adds the commands to the ``salamat`` Typer app. They read the store given by
``--db`` (else ``$SALAMAT_DB``, else the per-user default) and print a table, CSV or JSON.
Exit codes as for the other commands: 2 bad input, 3 the store cannot be opened.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from salamat.cli.common import DbOption, Fmt, err, errors, escape, out
from salamat.errors import InputError

if TYPE_CHECKING:
    from salamat.services.targets import CatalogueImport

__all__ = ["register"]


class By(StrEnum):
    age = "age"
    cause = "cause"


class ExplainSource(StrEnum):
    auto = "auto"
    records = "records"
    wpp = "wpp"
    synthetic = "synthetic"


class ComputeSource(StrEnum):
    auto = "auto"
    records = "records"
    synthetic = "synthetic"


SYNTHETIC_LINE = (
    "SYNTHETIC: computed from generated unit records, not real deaths - for trying the methods, "
    "never for describing the country"
)


STATUS_LABEL = {
    "achieved": ("achieved", "bold green"),
    "on_track": ("on track", "green"),
    "needs_acceleration": ("needs acceleration", "yellow"),
    "off_track": ("off track", "red"),
    "moving_away": ("moving away", "bold red"),
    "insufficient_data": ("insufficient data", "dim"),
}


def _num(x: float | None, digits: int = 2) -> str:
    return "" if x is None else f"{x:,.{digits}f}"


def _finite(v: object) -> float | None:
    x = float(v)  # type: ignore[arg-type]
    return x if x == x else None


def _print_scorecard(records: list[dict[str, Any]], title: str) -> None:
    from salamat.methods.targets import format_probability

    table = Table(title=title, header_style="bold", show_lines=False)
    for col, just in (
        ("target", "left"),
        ("area", "left"),
        ("baseline", "right"),
        ("target value", "right"),
        ("latest", "right"),
        ("status", "left"),
        ("R", "right"),
        ("projection (95% PI)", "right"),
        ("P(meet)", "right"),
        ("needed / yr", "right"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in records:
        label, style = STATUS_LABEL[r["status"]]
        p = r["projection"]
        proj = (
            f"{p['year']}: {_num(p['value'])} [{_num(p['lower'])}, {_num(p['upper'])}]" if p else ""
        )
        b, t, lt = r["baseline"], r["target"], r["latest"]
        table.add_row(
            f"{r['code']}\n[dim]{r['indicator']}[/]",
            r["area"],
            f"{b['year']}: {_num(b['value'])}" if b["year"] else "",
            f"{t['year']}: {'>= ' if t['direction'] == 'increase' else '<= '}{_num(t['value'])}",
            f"{lt['year']}: {_num(lt['value'])}" if lt["year"] else "",
            f"[{style}]{label}[/]",
            _num(r["ratio"]),
            proj,
            "" if r["probability"] is None else format_probability(r["probability"]),
            _num(r["required_annual_change"], 3),
        )
    out.print(table)
    out.print(
        "[dim]Pace: ratio R of the observed to the required annual growth since the baseline "
        "(Eurostat SDG monitoring; Open SDG): on track R >= 0.95, needs acceleration 0.60-0.95, "
        "off track 0-0.60, moving away R < 0. Trend: random walk with drift from the latest value "
        "over the last 10 years, shock years (2020-2021, COVID-19) left out, 95% prediction "
        "interval (Hyndman & Athanasopoulos, FPP 3rd ed., 5.2, 5.5), widened for changes of trend "
        "where the series is a modelled estimate (UN WPP, WHO estimates: as measured on many "
        "countries' series, see salamat.methods.trend_calibration); P(meet) = probability that "
        "the target-year value meets the target. Where pace and trend disagree the status is "
        "'needs acceleration' and the line below says why. An achieved target needs no change.[/]"
    )
    for i, r in enumerate(records, start=1):
        lt = r["latest"]
        line = str(r["document"])
        if r["document_date"]:
            line += f" ({r['document_date']})"
        if r["source_url"]:
            line += f" {r['source_url']}"
        label, style = STATUS_LABEL[r["status"]]
        out.print(f"[bold]{i}. {r['code']}[/] ([{style}]{label}[/]) - {escape(line)}")
        if lt["source"]:
            out.print(f"   latest: {escape(str(lt['source']))}")
        out.print(f"   {escape(r['status_detail'])}")
        for f in r["flags"]:
            out.print(f"   [yellow]flag {escape(f['code'])} {f['year']}: {escape(f['message'])}[/]")
        if r["status_without_flagged"]:
            word = STATUS_LABEL[r["status_without_flagged"]][0]
            out.print(f"   [yellow]without the flagged value(s): {word}[/]")
        if r.get("pace_across_source_break"):
            years = ", ".join(str(y) for y in r["pace_across_source_break"])
            out.print(f"   [yellow]the pace compares values across a change of source ({years})[/]")
        if r["reason"]:
            out.print(f"   [dim]{escape(r['reason'])}[/]")
        if r["note"]:
            out.print(f"   [dim]note: {escape(r['note'])}[/]")


def targets_command(
    area: Annotated[
        str | None, typer.Option("--area", help="Org-unit code: KAZ, KZ-75, OTS ... (default: all)")
    ] = None,
    db: DbOption = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
    add: Annotated[
        Path | None,
        typer.Option(
            "--add", help="Add (or replace) targets from a CSV shaped like data/targets.csv."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --add: check the file, write nothing.")
    ] = False,
    window: Annotated[int, typer.Option(help="Years of data behind the projection.")] = 10,
    until: Annotated[
        int | None,
        typer.Option(
            "--until", help="Judge the targets with the values up to this year (a past report)."
        ),
    ] = None,
) -> None:
    """The target scorecard: status, projection, probability and pace still needed."""
    import pandas as pd

    from salamat.services import targets as svc
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        path = resolve_store_path(db)
        if add is not None:
            with Store.open(path) as store:
                added = svc.import_targets(store, add, dry_run=dry_run)
            _added(added, "target(s)", fmt, dry_run=dry_run)
        with Store.open(path, read_only=True) as store:
            records = svc.scorecard(store, area, window=window, until=until)
        if fmt == Fmt.json:
            sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        elif fmt == Fmt.csv:
            from salamat.export.common import csv_text

            sys.stdout.write(csv_text(pd.DataFrame([svc.flat_record(r) for r in records])))
        else:
            if not records:
                err.print(f"no targets for {area or 'any area'}")
                return
            _print_scorecard(records, f"Targets - {area or 'all areas'}")


def compute_command(
    indicator: Annotated[
        str, typer.Argument(help="le0, le60, ncd30q70, asdr_all, asdr_cancer ...")
    ],
    area: Annotated[str, typer.Option("--area", help="Org-unit code: KAZ, KZ-75 ...")],
    db: DbOption = None,
    sex: Annotated[str, typer.Option(help="total, female or male.")] = "total",
    start: Annotated[int | None, typer.Option("--from", help="First year.")] = None,
    end: Annotated[int | None, typer.Option("--to", help="Last year.")] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Write the values to the store, beside reported ones.")
    ] = False,
    from_mx: Annotated[
        str | None,
        typer.Option(
            "--from-mx",
            help="Life expectancy from this source's death rates by age (e.g. 'UN WPP 2024') "
            "instead of unit records.",
        ),
    ] = None,
    source: Annotated[
        ComputeSource,
        typer.Option(
            help="auto (real unit records, else real WPP death rates for life expectancy, "
            "else synthetic records), records or synthetic."
        ),
    ] = ComputeSource.auto,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
) -> None:
    """Compute an indicator from the best real input (regions summed, not averaged)."""
    from salamat.services import targets as svc
    from salamat.services.carried import flags_text, inputs_text
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        path = resolve_store_path(db)
        with Store.open(path, read_only=not save) as store:
            if from_mx:
                df = svc.compute_from_mx(store, indicator, area, sex=sex, source=from_mx)
            else:
                df = svc.compute(
                    store, indicator, area, sex=sex, start=start, end=end, source=source.value
                )
            if save:
                created, updated, unchanged = svc.save_computed(store, df)
                err.print(f"saved: {created} created, {updated} updated, {unchanged} unchanged")
        synthetic = bool(df["synthetic"].any())
        if fmt == Fmt.csv:
            from salamat.export.common import csv_text

            text = {c: df[c].map(flags_text) for c in ("flags", "published_flags") if c in df}
            if "inputs" in df:
                text["inputs"] = df["inputs"].map(inputs_text)
            sys.stdout.write(csv_text(df.assign(**text)))
        elif fmt == Fmt.json:
            sys.stdout.write(df.to_json(orient="records", force_ascii=False, indent=1) + "\n")
        else:
            if synthetic:
                out.print(f"[bold yellow]{SYNTHETIC_LINE}[/]")
            table = Table(title=f"{indicator} - {area} ({sex})", header_style="bold")
            for col in ("period", "value", "lower", "upper", "published", "note"):
                table.add_column(
                    col, justify="right" if col in ("value", "lower", "upper") else "left"
                )
            for rec in df.to_dict(orient="records"):
                pub = _finite(rec["published"])
                table.add_row(
                    str(rec["period"]),
                    *(_num(_finite(rec[c]), 3) for c in ("value", "lower", "upper")),
                    f"official {pub:.2f}" if rec["differs"] and pub is not None else "",
                    str(rec["note"]),
                )
            out.print(table)
            shown = df[df["differs"]]
            if len(shown):
                sources = sorted({str(x) for x in shown["published_source"]})
                out.print(
                    f"[yellow]published values differ by more than "
                    f"{svc.PUBLISHED_TOLERANCE} in {len(shown)} period(s):[/] "
                    f"{escape('; '.join(sources))}"
                )
            out.print(
                f"[dim]unit:[/] {df['unit'].iloc[0]}   [dim]regions:[/] {df['regions'].iloc[0]}"
            )
            out.print(f"[dim]method:[/] {escape(str(df['method'].iloc[0]))}")
            out.print(f"[dim]source:[/] {escape(str(df['source'].iloc[0]))}")
            _print_carried(df["period"].astype(str).tolist(), df.get("flags"), "input")
            _print_carried(
                df["period"].astype(str).tolist(), df.get("published_flags"), "published value"
            )


def _print_carried(periods: list[str], flags: Any, what: str) -> None:
    """One line per flag of an input (or of the published value beside), under the table."""
    if flags is None:
        return
    for period, found in zip(periods, flags, strict=True):
        for f in found or []:
            out.print(
                f"[yellow]⚑ {escape(period)}: {what} flagged[/] {escape(str(f['code']))} "
                f"({escape(str(f['input']))}): {escape(str(f['message']))}"
            )


def explain_command(
    indicator: Annotated[str, typer.Argument(help="le0 (life expectancy at birth).")],
    area: Annotated[str, typer.Option("--area", help="Org-unit code: KAZ, KZ-75 ...")],
    start: Annotated[int, typer.Option("--from", help="First year.")],
    end: Annotated[int, typer.Option("--to", help="Second year.")],
    db: DbOption = None,
    by: Annotated[By, typer.Option("--by", help="age or cause.")] = By.age,
    sex: Annotated[str, typer.Option(help="total, female or male.")] = "total",
    source: Annotated[
        ExplainSource,
        typer.Option(
            help="auto (the best real input), records (unit records), wpp (UN WPP 5-year "
            "periods) or synthetic (the synthetic unit records, asked for)."
        ),
    ] = ExplainSource.auto,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
) -> None:
    """What drove the change in life expectancy: Arriaga decomposition by age (and cause)."""
    from salamat.services import targets as svc
    from salamat.services.carried import flags_text
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        if indicator != "le0":
            raise InputError(f"explain {indicator!r}: only le0 is decomposed")
        with Store.open(resolve_store_path(db), read_only=True) as store:
            ex = svc.explain(store, area, start, end, by=by.value, sex=sex, source=source.value)
        if fmt == Fmt.csv:
            from salamat.export.common import csv_text

            sys.stdout.write(
                csv_text(
                    ex.table.assign(
                        synthetic=ex.synthetic,
                        flags=flags_text(ex.flags),
                        published_flags=flags_text(ex.published_flags),
                    )
                )
            )
            return
        if fmt == Fmt.json:
            payload = {
                "area": ex.area,
                "sex": ex.sex,
                "synthetic": ex.synthetic,
                "from": {"period": ex.period_from, "e0": ex.e0_from},
                "to": {"period": ex.period_to, "e0": ex.e0_to},
                "difference": ex.e0_to - ex.e0_from,
                "published": {
                    "from": ex.published_from,
                    "to": ex.published_to,
                    "source": ex.published_source,
                    "differs": ex.differs,
                    "from_period": ex.published_period_from,
                    "to_period": ex.published_period_to,
                },
                "contributions": json.loads(ex.table.to_json(orient="records")),
                "method": ex.method,
                "source": ex.source,
                "note": ex.note,
                "flags": list(ex.flags),
                "published_flags": list(ex.published_flags),
            }
            sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
            return
        if ex.synthetic:
            out.print(f"[bold yellow]{SYNTHETIC_LINE}[/]")
        title = (
            f"{'SYNTHETIC ' if ex.synthetic else ''}"
            f"e0 {ex.area} ({ex.sex}): {ex.e0_from:.2f} in {ex.period_from} -> "
            f"{ex.e0_to:.2f} in {ex.period_to} ({ex.e0_to - ex.e0_from:+.2f} years)"
        )
        line = ex.published_line()
        if ex.differs and line:
            title += f"; {line}"
        table = Table(title=title, header_style="bold")
        for col in ex.table.columns:
            table.add_column(str(col), justify="left" if col == "age" else "right")
        for row in ex.table.itertuples(index=False):
            table.add_row(*(str(v) if isinstance(v, str) else f"{v:+.3f}" for v in row))
        sums = ["total"] + [f"{ex.table[c].sum():+.3f}" for c in ex.table.columns[1:]]
        table.add_row(*sums, style="bold")
        out.print(table)
        if ex.note:
            out.print(f"[yellow]note:[/] {escape(ex.note)}")
        out.print(f"[dim]method:[/] {escape(ex.method)}")
        out.print(f"[dim]source:[/] {escape(ex.source)}")
        for what, found in (("input", ex.flags), ("published value", ex.published_flags)):
            for f in found:
                out.print(
                    f"[yellow]⚑ {f['year']}: {what} flagged[/] {escape(str(f['code']))} "
                    f"({escape(str(f['input']))}): {escape(str(f['message']))}"
                )


def indicators_command(
    db: DbOption = None,
    add: Annotated[
        Path | None,
        typer.Option(
            "--add", help="Add (or replace) definitions from a CSV shaped like data_elements.csv."
        ),
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
) -> None:
    """The indicator catalogue: each indicator's definition, method, unit and codes."""
    import pandas as pd

    from salamat.services import quality as quality_svc
    from salamat.services import targets as svc
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        path = resolve_store_path(db)
        if add is not None:
            with Store.open(path) as store:
                added = svc.import_definitions(store, add)
            _added(added, "indicator(s)", fmt, dry_run=False)
        with Store.open(path, read_only=True) as store:
            defs = svc.catalogue(store)
            limits = quality_svc.indicator_bounds(store)
        rows = [
            {
                "code": d.code,
                "name_en": d.name_en,
                "name_kk": d.name_kk,
                "name_ru": d.name_ru,
                "unit": d.unit,
                "lower_bound": limits.get(d.code, (None, None, False))[0],
                "upper_bound": limits.get(d.code, (None, None, False))[1],
                "projection_ok": limits.get(d.code, (None, None, False))[2],
                "method": d.method,
                "multiplier": d.multiplier,
                "higher_is_better": d.higher_is_better,
                "international_code": d.international_code,
                "sdg": d.sdg,
                "trend": d.trend,
                "description": d.description,
                "definition_source": d.definition_source,
                "origin": d.origin,
            }
            for d in defs.values()
        ]
        if fmt == Fmt.json:
            sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        elif fmt == Fmt.csv:
            from salamat.export.common import csv_text

            sys.stdout.write(csv_text(pd.DataFrame(rows)))
        else:
            table = Table(title="Indicator catalogue", header_style="bold")
            cols = ("code", "name_en", "unit", "bounds", "method", "international_code", "sdg")
            for col in cols:
                table.add_column(col)
            for r in rows:
                lo, hi = r["lower_bound"], r["upper_bound"]
                r["bounds"] = "" if lo is None and hi is None else f"{_g(lo)} to {_g(hi)}"
                table.add_row(*(str(r[c] or "") for c in cols))
            out.print(table)


def _added(added: CatalogueImport, what: str, fmt: Fmt, *, dry_run: bool) -> None:
    """Say what ``--add`` did on stderr, with the import it was logged as (``salamat imports
    undo ID`` reverts it); with ``--format json`` as one JSON object (stdout keeps the list)."""
    if fmt == Fmt.json:
        summary = {
            "created": added.created,
            "updated": added.updated,
            "import_id": added.import_id,
            "dry_run": dry_run,
        }
        err.print(json.dumps(summary), markup=False, highlight=False)
        return
    verb = "would add" if dry_run else "added"
    logged = (
        f"; import {added.import_id} (undo: salamat imports undo {added.import_id})"
        if added.import_id is not None
        else ("" if dry_run else "; nothing changed, no import logged")
    )
    err.print(f"{verb} {added.created} {what}, replaced {added.updated}{logged}", markup=False)


def _g(x: object) -> str:
    return "..." if x is None else f"{float(x):,.10g}"  # type: ignore[arg-type]


def register(app: typer.Typer) -> None:
    """Add ``targets``, ``compute``, ``explain`` and ``indicators`` to ``app``."""
    app.command("targets")(targets_command)
    app.command("compute")(compute_command)
    app.command("explain")(explain_command)
    app.command("indicators")(indicators_command)
