"""Adds the commands that live outside cli.py (the methods commands) to the Typer app."""

from __future__ import annotations

import importlib.util

import typer

__all__ = ["register_all"]


def register_all(app: typer.Typer) -> None:
    if importlib.util.find_spec("salamat.cli_methods") is not None:
        from salamat import cli_methods

        cli_methods.register(app)
