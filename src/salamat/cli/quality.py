"""``salamat flags``: the quality flags on stored values (never hidden, never changed values).

:func:`register` adds the command to the ``salamat`` Typer app.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from salamat.cli.common import DbOption, Fmt, err, errors, escape, out

__all__ = ["flags_command", "register"]


def flags_command(
    db: DbOption = None,
    area: Annotated[
        str | None, typer.Option("--area", help="Org-unit code: KAZ, KZ-75, OTS ...")
    ] = None,
    indicator: Annotated[
        str | None, typer.Option("--indicator", help="Indicator code: le0, ncd30q70 ...")
    ] = None,
    rule: Annotated[
        str | None,
        typer.Option("--rule", help="Only one rule: yoy_outlier, source_break, ..."),
    ] = None,
    recompute: Annotated[
        bool,
        typer.Option("--recompute", help="Run every rule again over the whole store first."),
    ] = False,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
) -> None:
    """Quality flags on stored values: year-on-year outliers, source breaks, disagreeing
    sources, peer outliers and revisions (rules and thresholds: docs/quality.md)."""
    from salamat.services import quality as svc
    from salamat.store.connection import Store, resolve_store_path

    with errors():
        path = resolve_store_path(db)
        if recompute:
            with Store.open(path) as store:
                n, notes = svc.recompute(store)
            err.print(f"recomputed: {n} flag(s) from the observation and death-record rules")
            for note in notes:
                err.print(f"note: {note}", markup=False)
        with Store.open(path, read_only=True) as store:
            df = svc.flags(store, area=area, indicator=indicator, rule=rule)
    if fmt == Fmt.csv:
        from salamat.export.common import csv_text

        sys.stdout.write(csv_text(df))
        return
    if fmt == Fmt.json:
        records = json.loads(df.to_json(orient="records"))
        for r in records:
            r["details"] = json.loads(r["details"]) if r.get("details") else None
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        return
    if df.empty:
        err.print("no quality flags with these filters")
        return
    out.print(f"[bold]Quality flags: {len(df)}[/] (every flagged value is kept as it was)")
    for r in df.to_dict(orient="records"):
        where = f"{r['indicator']} {r['area']} {r['period']}"
        if r["sex"] != "total":
            where += f" {r['sex']}"
        for col in ("age", "cause"):
            if r[col] != "all":
                where += f" {col} {r[col]}"
        if r["residence"] != "total":
            where += f" {r['residence']}"
        style = "yellow" if r["severity"] in ("warning", "serious") else "dim"
        out.print(
            f"[{style}]{r['rule']}[/] ({r['severity']}) {escape(where)} [{escape(r['source'])}]: "
            f"{escape(str(r['message']))}"
        )


def register(app: typer.Typer) -> None:
    """Add ``flags`` to ``app``."""
    app.command("flags")(flags_command)
