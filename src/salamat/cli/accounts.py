"""``salamat users``, ``salamat tokens`` and ``salamat audit``: accounts and the audit log.

:func:`register` adds the commands to the ``salamat`` Typer app. Exit codes as elsewhere: 2 bad
input, 3 the store busy or missing (a running server holds the store: change accounts through
its API, or stop it first); ``audit --verify`` exits 1 when the chain is broken.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from salamat.cli.common import DbOption, Fmt, err, errors, escape, out

__all__ = ["audit_command", "register"]

users_app = typer.Typer(help="Server accounts: add, list, disable.", no_args_is_help=True)
tokens_app = typer.Typer(
    help="API tokens (Authorization: Bearer TOKEN): create, list, revoke.", no_args_is_help=True
)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        text = sys.stdin.readline()
        return text.rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name: letters, digits, . _ @ -")],
    role: Annotated[str, typer.Option("--role", help="admin, editor or viewer.")],
    orgunit: Annotated[
        list[str] | None,
        typer.Option("--orgunit", help="Org unit the user works on (repeat for several)."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a user. The password (12 characters or more) is stored as its argon2id hash."""
    from salamat.services import accounts as acc
    from salamat.store.connection import Store, resolve_store_path

    password = _read_password(password_stdin)
    with errors(), Store.open(resolve_store_path(db)) as store:
        user = acc.add_user(store, name, role, password, orgunit)
    scope = ", ".join(user.orgunits) or "every org unit"
    err.print(f"added {escape(user.name)} ({user.role}; {escape(scope)})")


@users_app.command("list")
def users_list(
    db: DbOption = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
) -> None:
    """Every user: name, role, org units, disabled."""
    from salamat.store import accounts as accdb
    from salamat.store.connection import Store, resolve_store_path

    with errors(), Store.open(resolve_store_path(db), read_only=True) as store:
        users = accdb.accounts(store)
    rows = [
        {"name": u.name, "role": u.role, "orgunits": list(u.orgunits), "disabled": u.disabled}
        for u in users
    ]
    if fmt == Fmt.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    if fmt == Fmt.csv:
        import pandas as pd

        from salamat.export.common import csv_text

        frame = pd.DataFrame(rows, columns=["name", "role", "orgunits", "disabled"])
        frame["orgunits"] = frame["orgunits"].map(";".join)
        sys.stdout.write(csv_text(frame))
        return
    if not rows:
        err.print("no users: the server runs in local mode (salamat users add NAME --role admin)")
        return
    table = Table("name", "role", "orgunits", "disabled", box=None, header_style="bold")
    for r in rows:
        table.add_row(
            escape(str(r["name"])),
            str(r["role"]),
            escape(";".join(r["orgunits"])) or "(all)",  # type: ignore[arg-type]
            "yes" if r["disabled"] else "",
        )
    out.print(table)


@users_app.command("disable")
def users_disable(name: str, db: DbOption = None) -> None:
    """Disable a user: sessions end, tokens are refused (the user stays in the audit log)."""
    from salamat.services import accounts as acc
    from salamat.store.connection import Store, resolve_store_path

    with errors(), Store.open(resolve_store_path(db)) as store:
        acc.disable_user(store, name)
    err.print(f"disabled {escape(name)}")


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    db: DbOption = None,
) -> None:
    """Create an API token for NAME and print it once (only its SHA-256 is kept)."""
    from salamat.services import accounts as acc
    from salamat.store.connection import Store, resolve_store_path

    with errors(), Store.open(resolve_store_path(db)) as store:
        token_id, token = acc.create_token(store, name)
    sys.stdout.write(token + "\n")
    err.print(
        f"token {token_id} for {escape(name)}: shown once, keep it secret "
        f"(revoke with `salamat tokens revoke {token_id}`)"
    )


@tokens_app.command("list")
def tokens_list(db: DbOption = None) -> None:
    """Every token: id, user, created, revoked (never the token itself)."""
    from salamat.store import accounts as accdb
    from salamat.store.connection import Store, resolve_store_path

    with errors(), Store.open(resolve_store_path(db), read_only=True) as store:
        rows = accdb.tokens(store)
    table = Table("token_id", "user", "created", "revoked", box=None, header_style="bold")
    for t in rows:
        table.add_row(
            t.token_id,
            escape(t.name),
            f"{t.created:%Y-%m-%d %H:%M}",
            f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "",
        )
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    token: Annotated[
        str, typer.Argument(help="The token id (at least its first 6 hex digits) or the token.")
    ],
    db: DbOption = None,
) -> None:
    """Revoke a token: refused from the next request on."""
    from salamat.services import accounts as acc
    from salamat.store.connection import Store, resolve_store_path

    with errors(), Store.open(resolve_store_path(db)) as store:
        token_id = acc.revoke_token(store, token)
    err.print(f"revoked token {token_id}")


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        err.print(
            f"[bold red]error:[/] --since: expected a date such as 2026-12-01 (got {value!r})"
        )
        raise typer.Exit(2) from None


def audit_command(
    db: DbOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Rows from this date (UTC), e.g. 2026-12-01.")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Rows of this user only.")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, csv or json.")] = Fmt.table,
    verify: Annotated[
        bool,
        typer.Option("--verify", help="Check the hash chain: exit 1 naming the first bad row."),
    ] = False,
) -> None:
    """The audit log: every write, sign-in and account change, who, when (UTC), from where."""
    from salamat.store import audit
    from salamat.store.connection import Store, resolve_store_path

    start = _since(since)
    with errors(), Store.open(resolve_store_path(db), read_only=True) as store:
        if verify:
            report = audit.verify_chain(store)
        else:
            df = audit.audit_rows(store, since=start, user=user)
    if verify:
        if report.ok:
            out.print(f"chain intact, {report.rows} rows")
            return
        err.print(f"[bold red]chain broken[/] at row {report.broken}: {report.reason}")
        raise typer.Exit(1)
    df = df.astype(object).where(df.notna(), None)
    df["at_utc"] = df["at_utc"].map(audit.iso)
    if fmt == Fmt.csv:
        from salamat.export.common import csv_text

        sys.stdout.write(csv_text(df))
        return
    if fmt == Fmt.json:
        records = df.to_dict(orient="records")
        for r in records:
            r["seq"] = int(r["seq"])
            for key in ("counts", "details"):
                r[key] = json.loads(r[key]) if r[key] else None
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        return
    if df.empty:
        err.print("no audit rows with these filters")
        return
    table = Table(
        "seq",
        "at (UTC)",
        "who",
        "from",
        "action",
        "object",
        "counts",
        box=None,
        header_style="bold",
    )
    for r in df.to_dict(orient="records"):
        table.add_row(
            str(r["seq"]),
            str(r["at_utc"])[:19],
            escape(str(r["actor"])),
            escape(str(r["origin"])),
            escape(str(r["action"])),
            escape(str(r["object"] or "")),
            escape(str(r["counts"] or "")),
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``users``, ``tokens`` and ``audit`` to ``app``."""
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.command("audit")(audit_command)
