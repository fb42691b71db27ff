"""Typer's coercion of plain parameter values without building a pydantic adapter for each.

Typer (0.2x) coerces every parameter of the command being run through a pydantic
``TypeAdapter``, built on each invocation, even for a parameter left at its default; importing
pydantic for that and building the adapters is about a tenth of ``salamat series``' start-up.
:func:`quick_coercion` puts a thin layer in front of it that answers, exactly as the adapter
would, the values that need no judgement:

- a missing value (``None``) of a single-valued parameter: ``None``, as Typer answers it before
  it asks the adapter;
- a ``str`` parameter given a ``str``: that text;
- an ``int`` parameter without bounds given an ``int``, or the decimal digits of one
  (``2018``; no sign, no leading zero, no spaces): that number;
- an ``Enum`` parameter: Typer's own choice matching (``coerce_cli_choice``), which is what
  its adapter runs.

Everything else (another type, a value that does not match, a parser, a file, several values)
goes to Typer's own coercion, built only then: its errors and messages are Typer's. If this
version of Typer does not have the names used here, nothing is changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

__all__ = ["quick_coercion"]

_DIGITS = re.compile(r"0|[1-9][0-9]{0,17}")


class _Quick:
    """In front of Typer's ``RuntimeParam`` for one parameter (module notes)."""

    def __init__(self, descriptor: Any, build: Callable[[Any], Any], choose: Any) -> None:
        self.descriptor = descriptor
        self._build = build
        self._choose = choose
        self._real: Any = None
        annotation = descriptor.annotation
        info = descriptor.parameter_info
        self.kind: str | None = None
        if descriptor.file_annotation is None and info.parser is None:
            if annotation is str:
                self.kind = "str"
            elif annotation is int and info.min is None and info.max is None and not info.clamp:
                self.kind = "int"
            elif isinstance(annotation, type) and issubclass(annotation, Enum):
                self.kind = "choice"

    def real(self) -> Any:
        """Typer's own coercion for this parameter (built on first use)."""
        if self._real is None:
            self._real = self._build(self.descriptor)
        return self._real

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if not (param.multiple or param.nargs == -1):
            if value is None:
                return None
            if self.kind == "str" and type(value) is str:
                return value
            if self.kind == "int":
                if type(value) is int:
                    return value
                if type(value) is str and _DIGITS.fullmatch(value):
                    return int(value)
            if self.kind == "choice":
                try:
                    return self._choose(
                        value,
                        choices=tuple(self.descriptor.annotation),
                        case_sensitive=self.descriptor.parameter_info.case_sensitive,
                        ctx=ctx,
                    )
                except ValueError:
                    pass  # Typer's own coercion says why, in its words
        return self.real().coerce(value, param=param, ctx=ctx)

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        return self.real()._coerce_value(value, param=param, ctx=ctx)


@contextmanager
def quick_coercion() -> Iterator[bool]:
    """While inside, Typer coerces plain values without pydantic (module notes); yields
    whether the layer is in place (False with a Typer that has other internals)."""
    try:
        import typer.core as core
        from typer._coercion import build_runtime_param
        from typer._param_types import coerce_cli_choice
    except ImportError:  # pragma: no cover - another Typer: coerce as it does
        yield False
        return
    if getattr(core, "build_runtime_param", None) is not build_runtime_param:
        yield False  # pragma: no cover - another Typer, or already in place
        return

    def build(descriptor: Any) -> Any:
        return _Quick(descriptor, build_runtime_param, coerce_cli_choice)

    setattr(core, "build_runtime_param", build)  # noqa: B010 - a name Typer does not export
    try:
        yield True
    finally:
        setattr(core, "build_runtime_param", build_runtime_param)  # noqa: B010
