"""The dashboard's pages: server-rendered HTML (Jinja2), charts drawn by the vendored Vega.

Every page works without JavaScript for its controls (plain GET forms) and is switchable
between English, Kazakh and Russian (``?lang=``, remembered in a cookie).
One module per page; they register their routes on the shared ``router`` of
:mod:`salamat.web.pages.common` when imported here (the order is the order of the navigation).
"""

from __future__ import annotations

from salamat.web.pages import (
    compare,
    explorer,
    imports,
    lifetable,
    login,
    maps,
    targets,
    upload,
)
from salamat.web.pages.common import error_page, router

__all__ = ["error_page", "router"]

# imported for their routes
_PAGES = (targets, explorer, maps, compare, lifetable, imports, upload, login)
