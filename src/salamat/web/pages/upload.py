"""Import data: the upload page for editors and admins (issue 13, item 4).

The form sends the files to ``POST /api/v1/imports`` (:mod:`salamat.api.imports`), the same
import as ``salamat import``. With JavaScript (``static/imports.js``) the page sends it in the
background, shows the upload and then the import's progress from its job
(``GET /api/v1/imports/{job_id}``), and the summary when it ends; without it, the browser shows
the summary's JSON. The form carries the session's CSRF token.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from salamat.api.auth import current_user
from salamat.services.imports import import_kinds
from salamat.web.i18n import Gettext, translator
from salamat.web.pages.common import _lang, _render, router


def _kind_labels(_: Gettext) -> dict[str, str]:
    """What each kind of file is, in the page's language (names of formats stay as they are)."""
    return {
        "observations": _("Indicator values"),
        "deaths": _("Death records"),
        "population": _("Population estimates by age"),
        "orgunits": _("Org units"),
        "wpp": "UN WPP",
        "owid": "OWID",
        "worldbank": _("World Bank"),
        "gho": "WHO GHO",
        "dhis2": "DHIS2",
        "sdmx": "SDMX",
        "opensdg": "Open SDG",
        "hmd": "HMD",
        "unsdg": "UN SDG",
    }


@router.get("/imports/new", response_class=HTMLResponse)
def import_page(request: Request) -> Response:
    _ = translator(_lang(request))
    user = current_user(request)
    labels = _kind_labels(_)
    kinds = [(code, labels.get(code, code)) for code in import_kinds()]
    may = user.role in ("admin", "editor")
    return _render(
        request,
        "upload.html",
        "upload",
        kinds=kinds,
        may_import=may,
        writable=not request.app.state.stores.read_only,
        scope=", ".join(user.orgunits) if user.role != "admin" else "",
    )
