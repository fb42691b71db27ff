"""``salamat users``, ``salamat tokens`` (salamat.cli.accounts): the commands as a user types them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salamat.cli.app import app
from salamat.services import accounts as acc


@pytest.fixture(autouse=True)
def cheap_hashes() -> Iterator[None]:
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(acc, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=64))
        yield


def test_users_and_tokens(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    run = CliRunner().invoke
    r = run(
        app,
        ["users", "add", "ana", "--role", "admin", "--password-stdin", "--db", db],
        input="correct horse battery\n",
    )
    assert r.exit_code == 0, r.output
    r = run(
        app,
        [
            "users",
            "add",
            "vic",
            "--role",
            "viewer",
            "--orgunit",
            "KZ-75",
            "--orgunit",
            "KZ-79",
            "--password-stdin",
            "--db",
            db,
        ],
        input="correct horse battery\n",
    )
    assert r.exit_code == 0, r.output
    r = run(app, ["users", "list", "--format", "json", "--db", db])
    assert json.loads(r.output) == [
        {"name": "ana", "role": "admin", "orgunits": [], "disabled": False},
        {"name": "vic", "role": "viewer", "orgunits": ["KZ-75", "KZ-79"], "disabled": False},
    ]
    # bad input: every problem named, exit 2, nothing written
    r = run(
        app,
        [
            "users",
            "add",
            "ana",
            "--role",
            "boss",
            "--orgunit",
            "KZ-99",
            "--password-stdin",
            "--db",
            db,
        ],
        input="short\n",
    )
    assert r.exit_code == 2
    for words in ("--role", "12 characters", "KZ-99"):
        assert words in r.output
    r = run(
        app,
        ["users", "add", "ana", "--role", "viewer", "--password-stdin", "--db", db],
        input="correct horse battery\n",
    )
    assert r.exit_code == 2 and "already exists" in r.output

    r = run(app, ["tokens", "create", "vic", "--db", db])
    assert r.exit_code == 0
    token = r.stdout.strip().splitlines()[0]
    assert token.startswith("slm_") and len(token) == 4 + 12 + 1 + 43
    for short in ("", "slm_", token[:7], "0"):  # fewer than 6 hex digits never revoke anything
        r = run(app, ["tokens", "revoke", short, "--db", db])
        assert r.exit_code == 2 and "at least its first 6 hex digits" in r.output, short
    r = run(app, ["tokens", "revoke", token[:10], "--db", db])  # a prefix of the printed token
    assert r.exit_code == 0 and token[4:16] in r.output
    r = run(app, ["tokens", "revoke", "ffffffffffff", "--db", db])
    assert r.exit_code == 2
    r = run(app, ["users", "disable", "vic", "--db", db])
    assert r.exit_code == 0
    r = run(app, ["tokens", "create", "vic", "--db", db])
    assert r.exit_code == 2 and "no such enabled user" in r.output
    r = run(app, ["users", "list", "--format", "csv", "--db", db])
    assert "vic,viewer,KZ-75;KZ-79,True" in r.output
    r = run(app, ["audit", "--db", db, "--verify"])
    assert r.exit_code == 0 and "chain intact, 5 rows" in r.output


def test_serve_refuses_a_public_address_without_an_admin(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    run = CliRunner().invoke
    run(app, ["users", "list", "--db", db])
    r = run(
        app,
        ["users", "add", "vic", "--role", "viewer", "--password-stdin", "--db", db],
        input="correct horse battery\n",
    )
    assert r.exit_code == 0
    r = run(app, ["serve", "--host", "0.0.0.0", "--db", db])
    assert r.exit_code == 2
    assert "salamat users add NAME --role admin --password-stdin" in r.output.replace("\n", " ")
