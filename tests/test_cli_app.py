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
