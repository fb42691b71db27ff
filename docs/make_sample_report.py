"""Make the sample report of the demo in docs/sample_report: the PDF in each language, the
Excel workbook, and PNG images of a few pages of the English PDF.

Usage: python docs/make_sample_report.py [--db FILE]

The store defaults to a demo store built in benchmarks/_work/demo.duckdb (``salamat demo``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "sample_report"
PAGES = {1: "cover", 2: "scorecard", 6: "target_le0_77_2029", 11: "target_sdg_3_4", 12: "regions"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=HERE.parent / "benchmarks/_work/demo.duckdb")
    args = parser.parse_args()
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["salamat", "demo", "--db", str(args.db)], check=True)
    from salamat.report import build_report
    from salamat.report.writers import report_pages_png, report_pdf, report_xlsx
    from salamat.store.connection import Store

    OUT.mkdir(exist_ok=True)
    with Store.open(args.db, read_only=True) as store:
        reports = {
            lang: build_report(
                store, lang=lang, command=f"salamat report --lang {lang} -o demo_report_{lang}.pdf"
            )
            for lang in ("en", "kk", "ru")
        }
    for lang, report in reports.items():
        (OUT / f"demo_report_{lang}.pdf").write_bytes(report_pdf(report))
        print(f"wrote {OUT / f'demo_report_{lang}.pdf'}")
    (OUT / "demo_report_en.xlsx").write_bytes(report_xlsx(reports["en"]))
    pages = report_pages_png(reports["en"], ppi=70)
    for number, name in PAGES.items():
        if number <= len(pages):
            (OUT / f"page{number:02d}_{name}.png").write_bytes(pages[number - 1])
            print(f"wrote page {number} of {len(pages)}: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
