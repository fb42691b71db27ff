"""Progress reports: the annual scorecard as one HTML file, an Excel workbook or a PDF.

:func:`build_report` gathers what a report says (:mod:`salamat.report.content`); the writers
lay it out: :func:`write_html` (self-contained, charts inline as SVG), :func:`write_xlsx`
(numbers as numbers) and :func:`write_pdf` (Typst, fonts embedded). Charts are the pages'
own Vega-Lite specifications rendered offline by vl-convert.
"""

from __future__ import annotations

from salamat.report.content import Report, TargetSection, build_report

__all__ = ["Report", "TargetSection", "build_report"]
