"""The upload page in a real browser (Chromium, as tests/test_web_browser.py): the files go to
the server in the background, the progress bar follows the job to its end, the summary shows,
and nothing is fetched from elsewhere (skipped without /usr/bin/chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from salamat.store.connection import Store
from test_web_browser import Watch, browser, page, serving  # noqa: F401 - the shared fixtures
from test_web_browser import pytestmark as browser_marks

pytestmark = browser_marks

DEATHS = "id,sex,birth_date,age,death_date,region,icd10\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A writable server in local mode on a small store, under uvicorn in a thread."""
    from salamat.api.app import create_app

    db = tmp_path_factory.mktemp("upload") / "store.duckdb"
    Store.open(db).__enter__().close()
    with serving(create_app(db, warm=False, writable=True)) as url:
        yield url


def _deaths(path: Path, n: int, region: str = "KZ-75") -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(DEATHS)
        for i in range(n):
            fh.write(f"B{i},{'MF'[i % 2]},1950-01-01,,2023-{1 + i % 12:02d}-15,{region},I21.9\n")
    return path


def test_upload_shows_progress_then_the_summary(
    page: tuple[Any, Watch],  # noqa: F811
    server: str,
    tmp_path: Path,
) -> None:
    pg, watch = page
    pg.goto(server + "/imports/new?lang=ru")
    assert pg.locator("h1").inner_text() == "Импорт данных"
    pg.select_option("#kind", "deaths")
    pg.set_input_files("#file", str(_deaths(tmp_path / "deaths.csv", 50_000)))
    pg.locator("#import-form button[type=submit]").click()
    result = pg.locator("#import-result h2")
    result.wait_for(state="visible", timeout=120_000)
    assert result.inner_text() == "Записано"
    assert pg.locator("#import-bar").evaluate("b => b.value") == 1
    assert pg.locator("#import-stage").inner_text() == "Готово"
    table = pg.locator("#import-result table").inner_text()
    assert "создано" in table and "50000" in table
    assert any("/api/v1/imports/job-" in u for u in watch.requests) or "50000" in table
    # a rejected import: the problems, file, row and field, and nothing written
    bad = tmp_path / "bad.csv"
    bad.write_text(
        DEATHS
        + "X1,M,1950-01-01,,2023-01-15,KZ-75,I21.9\nX2,Q,1950-01-01,,2023-01-15,KZ-75,I21.9\n"
    )
    pg.set_input_files("#file", str(bad))
    pg.locator("#import-form button[type=submit]").click()
    pg.wait_for_function(
        "document.querySelector('#import-result h2') && "
        "document.querySelector('#import-result h2').textContent === 'Отклонено: ничего не записано'"
    )
    assert "bad.csv, 3, sex" in pg.locator("#import-result").inner_text()
