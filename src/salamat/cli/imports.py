"""``salamat imports``: the import log, and ``salamat imports undo ID``.

Exit codes as everywhere: 0 done, 1 undo refused (nothing changed), 2 bad input (an unknown
import id), 3 store busy or missing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from salamat.cli.common import DbOption, Fmt, err, errors, escape, out

if TYPE_CHECKING:  # imported in the commands that use them: `salamat --help` stays fast
    from salamat.store.revisions import UndoPlan

__all__ = ["approval_text", "register"]

imports_app = typer.Typer(
    name="imports",
    help="List the imports (id, time, kind, files, digest, counts, status); undo one.",
    no_args_is_help=False,
    invoke_without_command=True,
)


def _cell(v: object) -> str:
    import pandas as pd

    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@imports_app.callback(invoke_without_command=True)
def imports_list(
    ctx: typer.Context,
    db: DbOption = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
) -> None:
    """List every import, newest first."""
    import pandas as pd

    from salamat.services import revisions as services
    from salamat.store.connection import Store, resolve_store_path

    if ctx.invoked_subcommand is not None:
        ctx.obj = {"db": db}  # `salamat imports --db FILE undo ID` undoes in FILE
        return
    with errors(), Store.open(resolve_store_path(db), read_only=True) as store:
        df = services.list_imports(store)
    for col in ("time", "finished", "approved_at"):
        df[col] = df[col].map(lambda t: "" if pd.isna(t) else str(t)[:19])
    if fmt == Fmt.csv:
        from salamat.export.common import csv_text

        sys.stdout.write(csv_text(df))
        return
    if fmt == Fmt.json:
        records = json.loads(df.to_json(orient="records"))
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        return
    if df.empty:
        err.print("no imports in this store")
        return
    # plain aligned lines (fits 80 columns): one line per import, its files on the next
    out.print(
        f"[bold]{'id':>4}  {'time':<16}  {'kind':<12} {'created':>8} {'updated':>8} "
        f"{'unchanged':>9} {'rejected':>8}  status[/]"
    )
    for row in df.itertuples(index=False):
        status = str(row.status)
        if _cell(row.undoes):
            status += f" (undoes {_cell(row.undoes)})"
        if _cell(row.undone_by):
            status += f" (by {_cell(row.undone_by)})"
        if row.approval == "draft":
            status += " draft"
        counts = [_cell(getattr(row, c)) for c in ("created", "updated", "unchanged", "rejected")]
        out.print(
            f"{_cell(row.id):>4}  {str(row.time)[:16]:<16}  {escape(str(row.kind)):<12} "
            f"{counts[0]:>8} {counts[1]:>8} {counts[2]:>9} {counts[3]:>8}  {status}"
        )
        files = "; ".join(Path(p).name for p in str(row.files).split(";") if p)
        if files:
            out.print(f"{'':>6}[dim]{escape(files)}[/]")
    out.print(
        "[dim]file digests (sha256), sources and rows removed by an undo: --format csv or json[/]"
    )


def approval_text(import_id: int | None, approval: str | None, approved_by: str | None) -> str:
    """An import's approval state as the command line says it: ``draft: waits for approval
    (salamat approve 7)``, ``approved (local mode)``, ``approved by amina``."""
    if approval == "draft":
        return f"draft: waits for approval (salamat approve {import_id})"
    if approved_by and approved_by.endswith("(local mode)"):
        return "approved (local mode)"
    return f"approved by {approved_by}" if approved_by else "approved"


def approve(
    import_id: Annotated[int, typer.Argument(metavar="IMPORT_ID", help="The import to approve.")],
    db: DbOption = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
) -> None:
    """Approve a draft import: its values become visible to viewers and anonymous readers.

    The command line acts as the store's owner, an admin (like `salamat users`); on a server,
    editors approve with the API or the Imports page. Approving an approved import changes
    nothing (exit 0); an undone import cannot be approved (exit 1).
    """
    from salamat.errors import ConflictError
    from salamat.services.approval import approve_import
    from salamat.store.accounts import Account
    from salamat.store.audit import actor
    from salamat.store.connection import Store, resolve_store_path

    owner = Account(actor()[0], "admin", (), False)
    with errors(), Store.open(resolve_store_path(db)) as store:
        try:
            outcome = approve_import(store, import_id, owner)
        except ConflictError as exc:
            err.print(f"[bold red]refused:[/] {escape(str(exc))} (nothing was changed)")
            raise typer.Exit(1) from None
    if fmt == Fmt.json:
        sys.stdout.write(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=1) + "\n")
        return
    when = str(outcome.approved_at)[:19] if outcome.approved_at else ""
    if outcome.changed:
        out.print(f"import {import_id} ({escape(outcome.kind)}): approved by {escape(owner.name)}")
    else:
        out.print(
            f"import {import_id} ({escape(outcome.kind)}): already "
            f"{escape(approval_text(import_id, 'approved', outcome.approved_by))}"
            + (f" at {when}" if when else "")
            + " (nothing was changed)"
        )


def _print_plan(plan: UndoPlan, dry_run: bool) -> None:
    head = f"import {plan.import_id} ({plan.kind}: {plan.files})"
    if plan.refusal:
        out.print(f"Undo {escape(head)}: REFUSED\n{escape(plan.refusal)}")
        return
    if plan.blockers:
        out.print(f"Undo {escape(head)}: REFUSED (nothing was changed)")
        for b in plan.blockers:
            out.print(f"  - {escape(b.reason)}")
        return
    status = "DRY RUN (nothing was changed)" if dry_run else "SUCCESS"
    out.print(f"Undo {escape(head)}: {status}")
    table = Table(header_style="bold")
    for c in ("table", "removed", "restored"):
        table.add_column(c, justify="left" if c == "table" else "right")
    for name in plan.removed:
        removed, restored = plan.removed[name], plan.restored.get(name, 0)
        if removed or restored:
            table.add_row(name, str(removed), str(restored))
    out.print(table)


@imports_app.command("undo")
def undo(
    ctx: typer.Context,
    import_id: Annotated[int, typer.Argument(metavar="ID", help="The import to undo.")],
    db: DbOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be undone; change nothing.")
    ] = False,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
) -> None:
    """Revert one import exactly (all or nothing); refused when a later import depends on it."""
    from salamat.services import revisions as services
    from salamat.store.connection import Store, resolve_store_path

    if db is None and isinstance(ctx.obj, dict):
        db = ctx.obj.get("db")
    with errors(), Store.open(resolve_store_path(db)) as store:
        plan = services.undo_import(store, import_id, dry_run=dry_run)
    if fmt == Fmt.json:
        doc = {
            "import_id": plan.import_id,
            "kind": plan.kind,
            "status": ("DRY_RUN" if dry_run else "SUCCESS") if plan.ok else "REFUSED",
            "removed": plan.removed,
            "restored": plan.restored,
            "refusal": plan.refusal,
            "blockers": [
                {"import_id": b.import_id, "kind": b.kind, "reason": b.reason}
                for b in plan.blockers
            ],
        }
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    else:
        _print_plan(plan, dry_run)
    if not plan.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``salamat imports`` (and ``imports undo``) and ``salamat approve`` to the command
    line."""
    app.add_typer(imports_app, name="imports")
    app.command("approve")(approve)
