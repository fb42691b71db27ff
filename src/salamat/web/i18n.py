"""English, Kazakh and Russian for the pages: message catalogues and number formats (Babel).

The catalogues are the ``.po`` files in ``web/translations``; they are compiled in memory when
first used, so there is no build step and no ``.mo`` file to keep in step. English is the
source language. Names of org units and indicators come from the store, not from here.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from importlib import resources

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

__all__ = [
    "LANGS",
    "LANG_NAMES",
    "Gettext",
    "best_lang",
    "catalogue",
    "fmt_number",
    "translator",
    "years_word",
]

LANGS = ("en", "kk", "ru")
LANG_NAMES = {"en": "English", "kk": "Қазақша", "ru": "Русский"}
Gettext = Callable[[str], str]


def _po_path(lang: str) -> resources.abc.Traversable:
    return resources.files("salamat") / "web" / "translations" / f"{lang}.po"


@cache
def catalogue(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English: the messages themselves)."""
    if lang == "en":
        return _gettext.NullTranslations()
    with _po_path(lang).open("rb") as fh:
        cat = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, cat)
    buf.seek(0)
    return Translations(buf)


def translator(lang: str) -> Gettext:
    """``_(message)`` for ``lang``; unknown languages fall back to English."""
    return catalogue(lang if lang in LANGS else "en").gettext


def best_lang(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The language asked for: ``?lang=``, then the cookie, then ``Accept-Language``."""
    for choice in (query, cookie):
        if choice in LANGS:
            return str(choice)
    if accept:
        ranked = []
        for i, part in enumerate(accept.split(",")):
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            ranked.append((-weight, i, tag.split("-")[0].lower()))
        for _w, _i, tag in sorted(ranked):
            if tag in LANGS:
                return tag
    return "en"


def fmt_number(value: float | None, lang: str, digits: int = 1) -> str:
    """A number in the language's format (``74,4`` in Kazakh and Russian); a dash if missing."""
    if value is None or value != value:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return str(format_decimal(value, format=pattern, locale=lang if lang in LANGS else "en"))


# "year" in each plural category of CLDR (Kazakh nouns do not change after a number)
_YEARS = {
    "en": {"one": "year", "other": "years"},
    "kk": {"other": "жыл"},
    "ru": {"one": "год", "few": "года", "many": "лет", "other": "года"},
}


def years_word(value: float | None, lang: str, digits: int = 1) -> str:
    """ "years" agreeing with the number as shown, by the CLDR plural rules (Babel).

    The rules look at the digits shown, so the number is rounded as on the page first:
    Russian 21 год, 22 года, 25 лет, 72,41 года (a fraction takes "other").

    Examples
    --------
    >>> years_word(72.41, "ru", 2), years_word(25, "ru", 0), years_word(21, "ru", 0)
    ('года', 'лет', 'год')
    """
    lang = lang if lang in LANGS else "en"
    words = _YEARS[lang]
    if value is None or value != value:
        return words["other"]
    shown = Decimal(f"{abs(value):.{max(digits, 0)}f}")
    return words.get(Locale.parse(lang).plural_form(shown), words["other"])
