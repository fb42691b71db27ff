"""``salamat serve``: the command is wired, and a missing store is a clear message."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from salamat.cli.app import app


def test_serve_is_a_command() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--db"):
        assert option in result.output


def test_serve_without_a_store_says_to_run_demo(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 3
    assert "salamat demo" in result.output.replace("\n", " ")


def test_serve_rejects_a_bad_port(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code == 2
