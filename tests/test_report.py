"""``salamat report``: the progress report as PDF, Excel and one HTML file, in kk, ru and en.

On the demo store: the PDF's text (pypdf) holds every target's name and status in the report's
language and no English outside names of sources, citations and codes; the Excel scorecard is
``salamat targets --format json`` cell by cell; the HTML loads nothing from anywhere (Chromium);
the same store and options give the same report; ``--year`` leaves later values out.
"""

from __future__ import annotations

import io
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from salamat.cli.app import app
from salamat.report import Report, build_report
from salamat.report.writers import report_html, report_pdf, report_xlsx, target_svgs
from salamat.services.targets import flat_record, scorecard
from salamat.store.connection import Store
from salamat.web.i18n import translator
from test_web_texts import ALLOWED, CODE, URL, WORD

# new dependencies (pyproject): a venv made before them skips, CI installs them
for _module in ("typst", "openpyxl", "pypdf"):
    pytest.importorskip(_module)

LANGS = ("en", "kk", "ru")
runner = CliRunner()


@pytest.fixture(scope="module")
def reports(demo_db: Path) -> dict[str, tuple[Report, list[str]]]:
    """The demo's report in each language, with its charts drawn once."""
    out = {}
    with Store.open(demo_db, read_only=True) as store:
        for lang in LANGS:
            r = build_report(store, lang=lang, command=f"salamat report --lang {lang}")
            out[lang] = (r, target_svgs(r))
    return out


@pytest.fixture(scope="module")
def pdf_texts(reports: dict[str, tuple[Report, list[str]]]) -> dict[str, str]:
    from pypdf import PdfReader

    out = {}
    for lang, (r, svgs) in reports.items():
        reader = PdfReader(io.BytesIO(report_pdf(r, svgs)))
        out[lang] = "\n".join(page.extract_text() or "" for page in reader.pages)
    return out


def _names_kept(r: Report) -> list[str]:
    """Names shown as published in any language: sources, citations, documents' own names."""
    names = {s for s, _v, _l in r.sources} | {d[4] for d in r.definitions}
    names |= {d[0] for d in r.definitions} | {r.command}  # codes
    names |= {lic for _s, _v, lic in r.sources if lic}
    for s in r.sections:
        names.add(str(s.record["latest"].get("source") or ""))
    names |= {
        "Hyndman & Athanasopoulos, Forecasting: Principles and Practice",
        "Progress towards health targets",  # the PDF's title in its metadata only
    }
    return sorted((n for n in names if n), key=len, reverse=True)


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_names_every_target_and_its_status_in_the_language(
    reports: dict[str, tuple[Report, list[str]]], pdf_texts: dict[str, str], lang: str
) -> None:
    r, _svgs = reports[lang]
    text = re.sub(r"\s+", " ", pdf_texts[lang])
    assert len(r.sections) == 9
    _ = translator(lang)
    for s in r.sections:
        assert s.title in text, s.title
        assert s.status in text, s.status
        assert s.status == _(
            {
                "achieved": "Achieved",
                "on_track": "On track",
                "needs_acceleration": "Needs acceleration",
                "off_track": "Off track",
                "moving_away": "Moving away",
                "insufficient_data": "Insufficient data",
            }[s.record["status"]]
        )
    assert _("Scorecard") in text and _("Sources, vintages and licences") in text


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_pdf_has_no_english_outside_names(
    reports: dict[str, tuple[Report, list[str]]], pdf_texts: dict[str, str], lang: str
) -> None:
    r, _svgs = reports[lang]
    text = pdf_texts[lang]
    # pypdf breaks lines where the page does: join the words a line break cut in two
    text = re.sub(r"\s+", " ", text)
    for name in _names_kept(r):
        # pypdf may put a space where the page broke a line, even inside a word or address
        pattern = r"\s*".join(re.escape(ch) for ch in re.sub(r"\s+", "", name))
        text = re.sub(pattern, " ", text)
    text = URL.sub(" ", CODE.sub(" ", text))
    english = sorted({w for w in WORD.findall(text) if w not in ALLOWED | {"Salamat", "sigma"}})
    assert not english, english


def test_every_sentence_stands_on_the_record_numbers(
    reports: dict[str, tuple[Report, list[str]]],
) -> None:
    """Each number a paragraph states is a field of the scorecard record (as shown, rounded),
    and a record without a projection says nothing about one."""
    r, _svgs = reports["en"]
    for s in r.sections:
        rec = s.record
        said = " ".join(s.paragraphs)
        if rec["latest"]["value"] is not None:
            assert f"{rec['latest']['value']:.2f}" in said
        if rec["projection"] is None:
            assert "projection" not in said
        else:
            p = rec["projection"]
            assert f"{p['value']:.2f}" in said and f"{p['lower']:.2f}" in said
            assert f"{p['upper']:.2f}" in said
        if rec["probability"] is not None:
            assert f"{100 * rec['probability']:.1f}%" in said
        if rec["status"] == "achieved":
            assert "has to change" not in said
    by_code = {s.record["code"]: s for s in r.sections}
    assert "Status: Moving away." in by_code["sdg_3_4_ncd30q70"].paragraphs
    assert any("Without the flagged values" in p for p in by_code["sdg_3_4_ncd30q70"].paragraphs)


def test_excel_scorecard_is_the_targets_json_cell_by_cell(
    reports: dict[str, tuple[Report, list[str]]], demo_db: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    r, _svgs = reports["en"]
    path = tmp_path / "r.xlsx"
    path.write_bytes(report_xlsx(r))
    res = runner.invoke(app, ["targets", "--db", str(demo_db), "--area", "KAZ", "--format", "json"])
    assert res.exit_code == 0, res.output
    expected = [flat_record(rec) for rec in json.loads(res.stdout)]
    wb = load_workbook(path)
    ws = wb["Scorecard"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    assert header == list(expected[0])
    assert len(rows) - 1 == len(expected) == 9
    for got, want in zip(rows[1:], expected, strict=True):
        for col, cell in zip(header, got, strict=True):
            value = want[col]
            if value in (None, ""):
                assert cell in (None, ""), (col, cell)
            else:
                assert cell == value, (want["code"], col, cell, value)
                # a number stays a number (Excel keeps 5.0 as 5), text stays text
                number = (int, float)
                assert isinstance(cell, number) == isinstance(value, number), (col, cell)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    # one data sheet per indicator, numbers as numbers, nothing computed by Excel
    assert {"le0", "ncd30q70", "tb_incidence", "metadata"} <= set(wb.sheetnames)
    le0 = list(wb["le0"].iter_rows(values_only=True))
    assert le0[0][:6] == ("area", "sex", "period", "value", "lower", "upper")
    assert all(isinstance(row[3], (int, float)) for row in le0[1:])
    assert ("KAZ", "total", "2024", 75.44) in {row[:4] for row in le0[1:]}
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(c, str) and c.startswith("=") for c in row), row


def test_year_leaves_later_values_out(demo_db: Path) -> None:
    with Store.open(demo_db, read_only=True) as store:
        r = build_report(store, year=2022, lang="en", targets=["kz_le0_77_2029_ndp"])
        whole = scorecard(store, "KAZ", until=2022)
    (s,) = r.sections
    assert s.record["latest"]["year"] <= 2022
    assert all(row["period"][:4] <= "2022" for row in r.series["le0"])
    assert s.record == {
        k: v for k, v in next(w for w in whole if w["code"] == s.record["code"]).items()
    } | {k: s.record[k] for k in s.record if k not in whole[0]}


def test_same_store_and_options_give_the_same_report(
    reports: dict[str, tuple[Report, list[str]]], demo_db: Path
) -> None:
    r, svgs = reports["ru"]
    with Store.open(demo_db, read_only=True) as store:
        again = build_report(store, lang="ru", command="salamat report --lang ru")
    assert report_html(again) == report_html(r, svgs)
    assert report_pdf(again) == report_pdf(r, svgs)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("no /usr/bin/chromium: install Debian's package (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"], headless=True)
        yield b
        b.close()


@pytest.mark.slow
def test_html_makes_no_request_in_chromium(
    reports: dict[str, tuple[Report, list[str]]], browser: Any, tmp_path: Path
) -> None:
    r, svgs = reports["kk"]
    path = tmp_path / "report.html"
    path.write_text(report_html(r, svgs), "utf-8")
    requests: list[str] = []
    context = browser.new_context()

    def route(req: Any) -> None:
        requests.append(req.request.url)
        if urlsplit(req.request.url).scheme in ("file", "data"):
            req.continue_()
        else:
            req.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri())
    maps = sum(1 for t in r.regional if t.map)
    assert maps == 1  # life expectancy by region
    assert page.locator("svg").count() == sum(1 for s in svgs if s) + maps
    assert r.sections[0].title in page.inner_text("body")
    context.close()
    assert requests == [path.as_uri()], requests
    assert not errors


def test_cli_writes_each_format_and_refuses_clearly(demo_db: Path, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in ("r.html", "r.xlsx"):
            res = runner.invoke(
                app,
                [
                    "report",
                    "--db",
                    str(demo_db),
                    "-o",
                    str(tmp_path / name),
                    "--targets",
                    "sdg_3_4_ncd30q70",
                    "--lang",
                    "ru",
                ],
            )
            assert res.exit_code == 0, res.output
            assert (tmp_path / name).stat().st_size > 1000
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
        bad = runner.invoke(app, ["report", "--db", str(demo_db), "-o", str(tmp_path / "r.doc")])
        assert bad.exit_code == 2 and "--format pdf|xlsx|html" in bad.output
        assert "Traceback" not in bad.output
        bad = runner.invoke(
            app, ["report", "--db", str(demo_db), "-o", str(tmp_path / "r.pdf"), "--targets", "x"]
        )
        assert bad.exit_code == 2 and "sdg_3_4_ncd30q70" in bad.output
        assert not (tmp_path / "r.pdf").exists()
        bad = runner.invoke(app, ["report", "--db", str(demo_db), "-o", "/nonexistent/r.pdf"])
        assert bad.exit_code == 2 and "does not exist" in bad.output


def test_targets_page_offers_the_report_and_serves_it(demo_db: Path) -> None:
    from fastapi.testclient import TestClient

    from salamat.api.app import create_app

    with TestClient(create_app(demo_db)) as client:
        page = client.get("/", params={"lang": "ru"})
        assert 'action="/report"' in page.text and "Скачать отчёт" in page.text
        r = client.get("/report", params={"format": "xlsx", "lang": "ru", "year": "2023"})
        assert r.status_code == 200, r.text[:300]
        assert r.headers["content-disposition"].endswith('_2023_ru.xlsx"')
        assert r.content[:2] == b"PK"
        r = client.get("/report", params={"format": "html", "targets": "sdg_3_4_ncd30q70"})
        assert r.status_code == 200 and "<svg" in r.text and "GET /report" in r.text
        bad = client.get("/report", params={"format": "doc"})
        assert bad.status_code in (400, 422) and "pdf, xlsx or html" in bad.text
        bad = client.get("/report", params={"year": "twenty"})
        assert bad.status_code in (400, 422) and "year=twenty" in bad.text


def test_decomposition_only_from_real_records(
    reports: dict[str, tuple[Report, list[str]]],
    demo_db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demo's unit records are SYNTHETIC: the report says so and explains nothing with
    them. Records that are real (here: the same table marked real) give the section."""
    r, _svgs = reports["ru"]
    assert r.decomposition is None and "SYNTHETIC" in r.decomposition_note
    assert r.decomposition_note in report_html(r, _svgs)

    from salamat.report import content
    from salamat.services import web as svc

    real = svc.decomposition

    def as_real(*args: Any, **kwargs: Any) -> dict[str, Any]:
        d = real(*args, **kwargs)
        return d | {"synthetic": False, "source": "Registered deaths (test)"}

    monkeypatch.setattr(content.svc, "decomposition", as_real)
    with Store.open(demo_db, read_only=True) as store:
        again = build_report(store, lang="en", targets=["kz_le0_77_2029_ndp"])
        d = real(store, "KAZ", 2022, 2023, by="cause")
    dec = again.decomposition
    assert dec is not None and (dec.year_from, dec.year_to) == (2022, 2023)
    assert f"{d['e0_from']:.2f} in 2022" in dec.paragraphs[0]
    top = dec.by_cause[0]
    assert abs(top[1]) == max(abs(v) for _n, v in dec.by_cause)
    html = report_html(again)
    assert "What drove the change in life expectancy" in html
    assert dec.paragraphs[1] in html and html.count("<svg") == 3  # target, map, decomposition
