"""Salamat: health statistics a ministry can trust.

The public Python API is listed in ``__all__`` (a test checks that every name resolves).
"""

from __future__ import annotations

from salamat.errors import InputError, MethodError, SalamatError, StoreError

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "MethodError",
    "SalamatError",
    "StoreError",
    "__version__",
]
