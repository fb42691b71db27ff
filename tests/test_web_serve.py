"""``salamat serve``: the command is wired, and a missing store is a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from salamat.cli.app import app


def test_serve_is_a_command() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--db", "--cors-origin", "--max-upload-mb"):
        assert option in result.output


def test_serve_without_a_store_says_to_run_demo(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 3
    assert "salamat demo" in result.output.replace("\n", " ")


def test_serve_rejects_a_bad_port(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code == 2


def test_serve_passes_the_limits_and_origins_on(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    import salamat.api.app as api_app

    seen: dict[str, object] = {}
    monkeypatch.setattr(api_app, "create_app", lambda path, **kw: seen.update(kw) or "app")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app))
    args = ["serve", "--db", str(demo_db), "--cors-origin", "https://a.example.kz"]
    args += ["--cors-origin", "http://localhost:3000", "--max-upload-mb", "7"]
    result = CliRunner().invoke(app, [*args, "--request-timeout", "2.5"])
    assert result.exit_code == 0, result.output
    assert seen["cors_origins"] == ("https://a.example.kz", "http://localhost:3000")
    assert seen["max_upload_bytes"] == 7 * 2**20
    assert seen["request_timeout"] == 2.5
    assert seen["app"] == "app"
    result = CliRunner().invoke(app, ["serve", "--db", str(demo_db)])
    assert (seen["cors_origins"], seen["max_upload_bytes"]) == ((), 50 * 2**20)


def test_serve_refuses_an_origin_with_a_path(demo_db: Path) -> None:
    args = ["serve", "--db", str(demo_db), "--cors-origin", "https://a.example.kz/app"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "is not an origin" in result.output
