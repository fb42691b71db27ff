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
    report = WEB.parent / "report"  # the reports use the same catalogues
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py"), *report.rglob("*.py")]:
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


def test_years_agree_with_the_number_shown() -> None:
    from salamat.web.i18n import years_word

    assert [years_word(v, "ru", 0) for v in (1, 21, 22, 25, 11, 111)] == [
        "год",
        "год",
        "года",
        "лет",
        "лет",
        "лет",
    ]
    assert years_word(72.41, "ru", 2) == "года"  # a fraction: "72,41 года", never "лет"
    assert years_word(72.0, "ru", 2) == "года"  # "72,00 года": the digits shown decide
    assert years_word(72.41, "kk", 2) == "жыл"
    assert years_word(1, "en", 0) == "year" and years_word(72.41, "en", 2) == "years"
