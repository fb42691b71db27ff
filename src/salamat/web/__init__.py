"""The dashboard: server-rendered pages, charts, maps and translations (see :mod:`salamat.web.pages`)."""
