"""The message catalogues: every message on the pages is translated into Kazakh and Russian."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from salamat.web.i18n import catalogue, translator

WEB = Path(str(resources.files("salamat") / "web"))
# _("...") or _('...') in templates and the web modules, also split over lines
CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def used_messages() -> set[str]:
    found: set[str] = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        for m in CALL.finditer(path.read_text(encoding="utf-8")):
            found.add(m.group(1) if m.group(1) is not None else m.group(2))
    return found


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_message_is_translated(lang: str) -> None:
    with (WEB / "translations" / f"{lang}.po").open("rb") as fh:
        cat = read_po(fh, locale=lang)
    translated = {str(m.id): str(m.string) for m in cat if m.id}
    used = used_messages()
    assert len(used) > 50
    missing = sorted(m for m in used if not translated.get(m))
    assert not missing, f"{lang}: not translated: {missing}"
    unused = sorted(set(translated) - used)
    assert not unused, f"{lang}: messages no page uses: {unused}"


def test_catalogues_compile_and_translate() -> None:
    assert translator("kk")("Targets") == "Мақсаттар"
    assert translator("ru")("Targets") == "Цели"
    assert translator("en")("Targets") == "Targets"
    assert translator("xx")("Targets") == "Targets"
    assert catalogue("ru") is catalogue("ru")
