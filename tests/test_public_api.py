"""The public API resolves, and the method modules stay pure (no IO imports)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import salamat

PURE_PACKAGES = ("methods",)
PURE_MODULES = ("indicators/definitions",)
IO_MODULES = {
    "duckdb",
    "salamat.store",
    "salamat.ingest",
    "salamat.services",
    "salamat.cli",
    "salamat.api",
    "salamat.web",
    "salamat.export",
    "salamat.demo",
    "requests",
    "httpx",
    "urllib",
    "socket",
    "sqlite3",
}
SRC = Path(salamat.__file__).parent


def test_all_names_resolve() -> None:
    for name in salamat.__all__:
        assert getattr(salamat, name) is not None, name
    assert sorted(salamat.__all__) == salamat.__all__


def test_method_modules_import_nothing_that_touches_the_world() -> None:
    paths = [p for pkg in PURE_PACKAGES for p in sorted((SRC / pkg).rglob("*.py"))]
    paths += [p for m in PURE_MODULES for p in (SRC / f"{m}.py", *sorted((SRC / m).glob("*.py")))]
    paths = [p for p in paths if p.exists()]
    assert len(paths) >= 12, paths
    for path in paths:
        mod = str(path.relative_to(SRC))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                assert not any(n == m or n.startswith(m + ".") for m in IO_MODULES), (mod, n)


def test_lazy_names_are_the_public_method_names() -> None:
    eager = {"InputError", "MethodError", "SalamatError", "StoreError", "__version__"}
    assert set(salamat._LAZY) == set(salamat.__all__) - eager
    assert set(salamat.__all__) <= set(dir(salamat))


def test_start_up_imports_no_heavy_library() -> None:
    """`salamat --help` must not pay for numpy, pandas, scipy, pyarrow, DuckDB or the web stack:
    each command imports what it needs when it runs (issue 12, start-up)."""
    heavy = ("numpy", "pandas", "scipy", "pyarrow", "duckdb", "fastapi", "altair", "sdmx")
    code = (
        "import sys, salamat, salamat.cli.app\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_sql_is_written_only_in_the_store_package() -> None:
    """Every call that runs SQL (``.execute(`` on a connection, ``.sql(``) is in ``store/``:
    the services, faces and readers ask the store's functions (README, layout)."""
    outside = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("store/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "executemany", "sql")
            ):
                outside.append(f"{rel}:{node.lineno}")
    assert outside == [], outside
