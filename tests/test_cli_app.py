"""The command line's entry point: a command named first is built alone, with the same result."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from salamat.cli.app import _alone, app

runner = CliRunner()


@pytest.mark.parametrize(
    "argv",
    [
        ["series", "--help"],
        ["series", "le0", "--area", "KAZ", "--from", "2018", "--format", "csv"],
        ["series", "le0", "--area", "OTS", "--sex", "all", "--to", "2001"],
        ["series", "le0", "--aera", "KAZ"],  # a typo: the same usage line and suggestion
        ["series", "nope", "--area", "KAZ"],
        ["series", "le0"],  # --area missing
        ["info", "--indicators", "--format", "csv"],
    ],
)
def test_a_command_alone_answers_as_the_whole_app(argv: list[str], demo_db: Path) -> None:
    alone = _alone(argv[0])
    assert alone is not None and len(alone.registered_commands) == 1
    env = {"SALAMAT_DB": str(demo_db), "COLUMNS": "100"}
    whole = runner.invoke(app, argv, env=env, prog_name="salamat")
    single = runner.invoke(alone, argv, env=env, prog_name="salamat")
    assert (single.exit_code, single.output) == (whole.exit_code, whole.output)
    assert whole.output.strip()


def test_groups_options_and_typos_use_the_whole_app() -> None:
    for name in ("imports", "--help", "--version", "seires"):
        assert _alone(name) is None
    assert len(app.registered_commands) > 10  # building one alone leaves the app whole


@pytest.mark.parametrize(
    "argv",
    [
        ["series", "le0", "--area", "KAZ", "--from", "2018", "--to", "2020", "--format", "json"],
        ["series", "le0", "--area", "KAZ", "--from", "0", "--format", "csv"],
        ["series", "le0", "--area", "KAZ", "--from", "02018", "--format", "csv"],  # pydantic's
        ["series", "le0", "--area", "KAZ", "--from", "-5", "--format", "csv"],
        ["series", "le0", "--area", "KAZ", "--from", "20x8"],  # Typer's own error
        ["series", "le0", "--area", "KAZ", "--from", " 2018", "--format", "csv"],
        ["series", "le0", "--area", "KAZ", "--format", "xml"],
        ["series", "le0", "--area", "KAZ", "--format", "CSV"],
        ["series", "le0", "--area", "KAZ", "--db", "/nonexistent/x.duckdb"],
        ["info", "--indicators", "--format", "csv"],
    ],
)
def test_quick_coercion_answers_as_typer(argv: list[str], demo_db: Path) -> None:
    """Plain values coerced without pydantic give what Typer gives; the rest go to Typer."""
    from salamat.cli.coercion import quick_coercion

    env = {"SALAMAT_DB": str(demo_db), "COLUMNS": "100"}
    typer_says = runner.invoke(app, argv, env=env, prog_name="salamat")
    with quick_coercion() as quick:
        assert quick
        ours = runner.invoke(app, argv, env=env, prog_name="salamat")
    assert (ours.exit_code, ours.output) == (typer_says.exit_code, typer_says.output)


def test_quick_coercion_builds_no_adapter_for_plain_values(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer._adapters

    from salamat.cli.coercion import quick_coercion

    built: list[object] = []
    real = typer._adapters.try_build_adapter
    monkeypatch.setattr(
        typer._adapters, "try_build_adapter", lambda *a, **k: built.append(a) or real(*a, **k)
    )
    env = {"SALAMAT_DB": str(demo_db)}
    argv = ["series", "le0", "--area", "KAZ", "--from", "2018", "--sex", "all", "--format", "csv"]
    with quick_coercion():
        assert runner.invoke(app, argv, env=env).exit_code == 0
    assert built == []
    assert runner.invoke(app, argv, env=env).exit_code == 0
    assert built  # without it, Typer builds one per parameter


def test_a_read_only_command_ends_once_its_output_is_written(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`salamat series` and `salamat --help` end the process (os._exit, after the flush and the
    atexit handlers) with the command's exit code; a command that may write is left to the
    interpreter."""
    import atexit
    import io
    import os
    import sys

    from salamat.cli import app as cli

    class Ended(Exception):
        pass

    ended: list[object] = []

    def end(code: int) -> None:
        ended.append(code)
        raise Ended

    handlers: list[str] = []
    monkeypatch.setattr(os, "_exit", end)
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: handlers.append("ran"))
    monkeypatch.setenv("SALAMAT_DB", str(demo_db))
    argv = ["salamat", "series", "le0", "--area", "KAZ", "--from", "2023", "--format", "csv"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(Ended):
        cli.main()
    assert ended == [0] and handlers == ["ran"]
    assert capsys.readouterr().out.startswith("indicator,area,area_name,period")
    monkeypatch.setattr(sys, "argv", ["salamat", "series", "nope", "--area", "KAZ"])
    with pytest.raises(Ended):
        cli.main()
    assert ended == [0, 2]
    assert "unknown indicator 'nope'" in capsys.readouterr().err
    monkeypatch.setattr(sys, "argv", ["salamat", "--help"])
    with pytest.raises(Ended):
        cli.main()
    assert ended == [0, 2, 0] and "Usage:" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["salamat", "demo", "--help"])  # a command that writes
    with pytest.raises(SystemExit):
        cli.main()
    assert ended == [0, 2, 0]

    class Full(io.StringIO):
        def flush(self) -> None:
            raise OSError(28, "No space left on device")

    # output that cannot be flushed: the interpreter ends as usual and reports it
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(sys, "stdout", Full())
    with pytest.raises(SystemExit):
        cli.main()
    assert ended == [0, 2, 0]
