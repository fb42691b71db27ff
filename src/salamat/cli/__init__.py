"""The ``salamat`` command line (Typer + Rich), one module per command group.

``app`` holds the Typer application and the data commands (import, series, info, demo);
``methods``, ``interop``, ``targets`` and ``web`` register their groups on it; ``common`` has
the shared consoles, options and error handling. The entry point is :func:`salamat.cli.app.main`.
"""
