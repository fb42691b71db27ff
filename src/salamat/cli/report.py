"""``salamat report``: the annual progress report on the targets as PDF, Excel or one HTML file.

:func:`register` adds the command to the ``salamat`` Typer app.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from salamat.cli.common import DbOption, err, errors, escape

__all__ = ["register", "report_command"]


class ReportFormat(StrEnum):
    pdf = "pdf"
    xlsx = "xlsx"
    html = "html"


class Lang(StrEnum):
    en = "en"
    kk = "kk"
    ru = "ru"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder: a report is
    never left half-written, even if the command is killed."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def report_command(
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="The file to write (.pdf, .xlsx or .html).", show_default=False
        ),
    ],
    fmt: Annotated[
        ReportFormat | None,
        typer.Option("--format", help="pdf, xlsx or html (default: from the file's extension)."),
    ] = None,
    area: Annotated[str, typer.Option("--area", help="Org-unit code: KAZ, KZ-75, OTS ...")] = "KAZ",
    year: Annotated[
        int | None,
        typer.Option("--year", help="Report as of this year: values of later years left out."),
    ] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language: kk, ru or en.")] = Lang.en,
    targets: Annotated[
        str,
        typer.Option("--targets", help="all, or target codes separated by commas."),
    ] = "all",
    db: DbOption = None,
) -> None:
    """The progress report on the targets: scorecard, one page per target with its chart and
    what the numbers say, regional values, annex with definitions, methods, sources and flags."""
    with errors():
        from salamat.errors import InputError

        if fmt is None:
            suffix = output.suffix.lower().lstrip(".")
            if suffix not in ReportFormat.__members__:
                raise InputError(
                    f"-o {output}: say the format with --format pdf|xlsx|html "
                    "(or name the file .pdf, .xlsx or .html)"
                )
            fmt = ReportFormat(suffix)
        if not output.parent.exists():
            raise InputError(f"-o {output}: the folder {output.parent} does not exist")
        codes = (
            None
            if targets.strip() in ("", "all")
            else [c.strip() for c in targets.split(",") if c.strip()]
        )
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from salamat.report import build_report
        from salamat.report.writers import report_html, report_pdf, report_xlsx, target_svgs
        from salamat.store.connection import Store, resolve_store_path

        command = shlex.join(["salamat", "report", *sys.argv[2:]]) if len(sys.argv) > 1 else ""
        path = resolve_store_path(db)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("reading the targets", total=None)
            with Store.open(path, read_only=True) as store:
                report = build_report(
                    store,
                    area=area,
                    year=year,
                    lang=lang.value,
                    targets=codes,
                    command=command,
                )
            svgs = target_svgs(
                report,
                lambda i, n: progress.update(task, description=f"drawing chart {i} of {n}"),
            )
            progress.update(task, description=f"writing {fmt.value}")
            if fmt == ReportFormat.html:
                data = report_html(report, svgs).encode("utf-8")
            elif fmt == ReportFormat.pdf:
                data = report_pdf(report, svgs)
            else:
                data = report_xlsx(report)
            _write_atomically(output, data)
        err.print(
            f"report written: {escape(str(output))} ({fmt.value}, {report.lang}, "
            f"{len(report.sections)} target(s), {report.area_name})"
        )


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report")(report_command)
