"""A report laid out: one self-contained HTML file, an Excel workbook, or a PDF (Typst).

- **HTML**: one file, charts inline as SVG, styles inline; it loads nothing from anywhere.
- **Excel** (openpyxl): a scorecard sheet with the columns and values of ``salamat targets
  --format csv`` (numbers as numbers), one data sheet per indicator, a metadata sheet; frozen
  headers and filters; no formula.
- **PDF**: Typst (the ``typst`` package: one wheel, no system library, fonts embedded, so the
  same file comes out on any machine). The layout is ``templates/report.typ``; it reads the
  report as JSON, so no text is ever parsed as Typst markup.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from salamat.report.content import Report, scorecard_cells
from salamat.report.render import chart_svg
from salamat.services.targets import flat_record
from salamat.web.i18n import fmt_number

__all__ = ["report_html", "report_pages_png", "report_pdf", "report_xlsx", "target_svgs"]

_TEMPLATES = resources.files("salamat") / "report" / "templates"


def target_svgs(report: Report, drawing: Callable[[int, int], None] | None = None) -> list[str]:
    """Each target's chart as SVG ("" for a target without values), in order; ``drawing(i, n)``
    is called before the i-th of n charts (a progress display)."""
    out = []
    for i, s in enumerate(report.sections, start=1):
        if drawing is not None:
            drawing(i, len(report.sections))
        out.append(chart_svg(s.chart, report.lang, key=f"target{i}") if s.chart else "")
    return out


def _maps(report: Report) -> list[str]:
    return [
        chart_svg(t.map, report.lang, width=460, height=300, key=f"map{i}") if t.map else ""
        for i, t in enumerate(report.regional, start=1)
    ]


def _decomposition_svg(report: Report) -> str:
    d = report.decomposition
    return "" if d is None else chart_svg(d.chart, report.lang, height=320, key="decomposition")


def report_html(report: Report, svgs: list[str] | None = None) -> str:
    """The report as one self-contained HTML document."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html").render(
        r=report,
        w=report.words,
        cells=scorecard_cells(report),
        svgs=target_svgs(report) if svgs is None else svgs,
        maps=_maps(report),
        decomposition_svg=_decomposition_svg(report),
        fmt=lambda v: fmt_number(v, report.lang, 2),
    )


def report_pdf(report: Report, svgs: list[str] | None = None) -> bytes:
    """The report as an A4 PDF, fonts embedded (Typst)."""
    out = _typst(report, svgs, "pdf")
    assert isinstance(out, bytes)
    return out


def report_pages_png(report: Report, ppi: int = 80) -> list[bytes]:
    """The PDF's pages as PNG images (Typst draws both): the screenshots in docs/."""
    out = _typst(report, None, "png", ppi)
    return out if isinstance(out, list) else [out]


def _typst(
    report: Report, svgs: list[str] | None, fmt: Literal["pdf", "png"], ppi: int | None = None
) -> bytes | list[bytes]:
    import typst

    data: dict[str, Any] = {
        "lang": report.lang,
        "title": report.title,
        "subtitle": report.subtitle,
        "data_as_of": report.data_as_of,
        "made_with": report.words["made_with"].format(version=report.version),
        "command": report.command,
        "synthetic": report.synthetic,
        "words": report.words,
        "cells": scorecard_cells(report),
        "sections": [
            {
                "title": s.title,
                "area_name": s.area_name if s.record["area"] != report.area else "",
                "sex": s.sex if s.record["sex"] != "total" else "",
                "status": f"{s.status_symbol} {s.status}",
                "colour": s.colour,
                "document": s.document,
                "document_short": s.document_short,
                "source_url": s.source_url,
                "paragraphs": s.paragraphs,
                "flags": s.flags,
                "events": s.events,
                "note": s.note,
                "synthetic": s.synthetic,
                "svg": svg,
            }
            for s, svg in zip(
                report.sections, target_svgs(report) if svgs is None else svgs, strict=True
            )
        ],
        "regional": [
            {
                "title": t.title,
                "unit": t.unit,
                "year": t.year,
                "source": t.source,
                "rows": [
                    [name, fmt_number(v, report.lang, 2), flag] for _c, name, v, flag in t.rows
                ],
                "svg": svg,
            }
            for t, svg in zip(report.regional, _maps(report), strict=True)
        ],
        "decomposition": None
        if report.decomposition is None
        else {
            "paragraphs": report.decomposition.paragraphs,
            "source": report.decomposition.source,
            "svg": _decomposition_svg(report),
        },
        "decomposition_note": report.decomposition_note,
        "definitions": [list(d) for d in report.definitions],
        "methods": report.methods,
        "sources": [
            [s, v or "–", lic or report.words["not_recorded"]] for s, v, lic in report.sources
        ],
        "flags": report.flags,
    }
    template = (_TEMPLATES / "report.typ").read_text("utf-8")
    with tempfile.TemporaryDirectory(prefix="salamat-report-") as tmp:
        main = Path(tmp) / "report.typ"
        main.write_text(template, "utf-8")
        made: Any = typst.compile(  # a list of pages for PNG, whatever its stub says
            str(main),
            root=tmp,
            format=fmt,
            ppi=ppi,
            ignore_system_fonts=True,
            sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
        )
    return [bytes(p) for p in made] if isinstance(made, list) else bytes(made)


def report_xlsx(report: Report) -> bytes:
    """The report as an Excel workbook: scorecard, one sheet per indicator, metadata."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list[Any]], first: bool = False) -> None:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = title[:31]
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        if rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
        for i, name in enumerate(header, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(10, len(name) + 2))
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                if isinstance(cell.value, float):
                    cell.number_format = "0.0000" if abs(cell.value) < 1 else "#,##0.00##"

    flat = [flat_record(r) for r in report.records]
    header = list(flat[0]) if flat else []
    sheet(report.words["scorecard"], header, [[r[k] for k in header] for r in flat], first=True)
    for ind, rows in report.series.items():
        cols = ["area", "sex", "period", "value", "lower", "upper", "unit", "source", "vintage"]
        cols += ["note", "flags"]
        sheet(ind, cols, [[r[c] for c in cols] for r in rows])
    meta: list[list[Any]] = [["definition", c, n, u, d, s] for c, n, u, d, s in report.definitions]
    meta += [["method", "", "", "", m, ""] for m in report.methods]
    meta += [["source", "", "", "", s, f"{v}; {lic}" if lic else v] for s, v, lic in report.sources]
    meta += [["report", "command", "", "", report.command, ""]]
    meta += [["report", "salamat", "", "", report.version, ""]]
    meta += [["report", "data as of", "", "", report.data_as_of, ""]]
    sheet("metadata", ["kind", "code", "name", "unit", "text", "source"], meta)
    wb.properties.creator = f"Salamat {report.version}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def report_dict(report: Report) -> dict[str, Any]:
    """The report's content as plain data (for tests and --format json of the future)."""
    out = asdict(report)
    for s in out["sections"]:
        s.pop("chart", None)
    return out
