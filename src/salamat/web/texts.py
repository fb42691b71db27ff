"""Texts that reach the pages in English from the store and the services, in the page's language.

Three kinds, three treatments:

- **Bundled texts** (indicator descriptions, the targets' documents and notes): translated by
  the data catalogues ``web/translations/data_kk.po`` and ``data_ru.po``, keyed by the exact
  English text as bundled. A text a user added (an indicator of their own) has no entry and is
  shown as written; a bundled text without one fails ``tests/test_web_texts.py``.
- **Sentences the services build** (a target's reason, a quality flag's message, a life
  table's method and notes): matched part by part (parts are joined by ``"; "``) against the
  templates below, each translated by the page catalogue (``kk.po``, ``ru.po``) with its
  numbers, years and names put back. A number keeps every digit it was given; only its
  decimal sign follows the language (``75.44`` -> ``75,44``). A part no template matches is
  shown as it came.
- **Names of sources** (``UN WPP 2024``, ``BNS Kazakhstan: ...``) are titles of publications and
  are shown as published; only the words Salamat puts around them (``exposures:``) are
  translated.

``_`` below only marks a template for the catalogue (``gettext_noop``); the translation is
looked up when a page is drawn.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from salamat.web.i18n import LANGS, translator

__all__ = ["data_text", "flag_message", "sentence", "service_reason", "source_text"]


def _(message: str) -> str:
    """Mark a template for the catalogue; translated when shown (``gettext_noop``)."""
    return message


NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?%?"
YEAR = r"\d{4}"


@dataclass(frozen=True)
class Template:
    """One English sentence the services build, as a pattern and as a catalogue message.

    ``numbers`` are the groups shown in the page's decimal format; ``texts`` the groups that
    are themselves sentences (translated by the same templates); ``flags`` the groups that are
    themselves flag messages or the names of a computed value's inputs (translated by
    :func:`flag_message`); other groups (years, codes, source names) are put back as they are.
    """

    pattern: re.Pattern[str]
    message: str
    numbers: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


def _t(pattern: str, message: str, numbers: str = "", texts: str = "", flags: str = "") -> Template:
    return Template(
        re.compile(pattern),
        message,
        tuple(numbers.split()),
        tuple(texts.split()),
        tuple(flags.split()),
    )


# what methods/targets.py, methods/trends.py and services/targets.py say of a target
REASONS = (
    _t(rf"R = (?P<ratio>{NUM})", "R = %(ratio)s", "ratio"),
    _t(
        rf"(?P<value>{NUM}) in (?P<year>{YEAR}) meets (?P<target>{NUM})",
        _("%(value)s in %(year)s meets %(target)s"),
        "value target",
    ),
    _t(
        rf"target year (?P<target_year>{YEAR}) reached without the target being met "
        rf"\((?P<value>{NUM}) in (?P<year>{YEAR})\)",
        _(
            "target year %(target_year)s reached without the target being met (%(value)s in %(year)s)"
        ),
        "value",
    ),
    _t(
        rf"no value after the baseline year (?P<year>{YEAR})",
        _("no value after the baseline year %(year)s"),
    ),
    _t(
        r"the target equals the baseline and is not met",
        _("the target equals the baseline and is not met"),
    ),
    _t(r"no values in the chosen series", _("no values in the chosen series")),
    _t(rf"no value in (?P<year>{YEAR}) or later", _("no value in %(year)s or later")),
    _t(
        rf"no value for (?P<year>{YEAR}): baseline taken from (?P<taken>{YEAR})",
        _("no value for %(year)s: baseline taken from %(taken)s"),
    ),
    _t(
        rf"the baseline year (?P<year>{YEAR}) is a shock year: the pace since it is distorted",
        _("the baseline year %(year)s is a shock year: the pace since it is distorted"),
    ),
    _t(
        r"trend leaves out the shock year\(s\) (?P<years>\d{4}(?:, \d{4})*)",
        _("trend leaves out the shock year(s) %(years)s"),
    ),
    _t(r"no projection: (?P<why>.+)", _("no projection: %(why)s"), texts="why"),
    _t(
        r"a trend with a prediction interval needs at least (?P<n>\d+) years, got (?P<got>\d+)"
        r" \((?P<shocks>\d+) left out as shocks\)",
        _(
            "a trend with a prediction interval needs at least %(n)s years, got %(got)s (%(shocks)s left out as shocks)"
        ),
    ),
    _t(
        r"a trend with a prediction interval needs at least (?P<n>\d+) years, got (?P<got>\d+)",
        _("a trend with a prediction interval needs at least %(n)s years, got %(got)s"),
    ),
    _t(
        r"a trend needs at least (?P<n>\d+) years, got none",
        _("a trend needs at least %(n)s years, got none"),
    ),
    _t(
        rf"the interval's upper limit (?P<value>{NUM}) lies outside the indicator's range and "
        rf"is shown as (?P<bound>{NUM})",
        _(
            "the interval's upper limit %(value)s lies outside the indicator's range and is shown as %(bound)s"
        ),
        "value bound",
    ),
    _t(
        rf"the interval's lower limit (?P<value>{NUM}) lies outside the indicator's range and "
        rf"is shown as (?P<bound>{NUM})",
        _(
            "the interval's lower limit %(value)s lies outside the indicator's range and is shown as %(bound)s"
        ),
        "value bound",
    ),
)

YEARS = r"\d{4}(?:, \d{4})*"
SEX = r"\((?:total|female|male)\)"  # the page shows the sex chosen: not repeated

# why the explorer has no forecast and the targets page no scenario (services/forecast.py,
# methods/forecast.py, services/scenario.py, methods/scenario.py): the options the CLI names
# (--method rwd, --from/--to) become the page's own choices
WHY_NOT = (
    _t(
        rf"no annual values of (?P<code>\S+) for (?P<area>\S+) {SEX} \(sources here: none\)",
        _("no annual values of this indicator for %(area)s in the store"),
    ),
    _t(
        rf"no annual values of (?P<code>\S+) for (?P<area>\S+) {SEX} \(sources here: "
        r"(?P<sources>.+)\)",
        _("no annual values of this indicator for %(area)s (sources here: %(sources)s)"),
    ),
    _t(
        r"(?P<code>\S+) cannot be derived from forecast death rates: Lee-Carter gives life "
        r"expectancy \(le0, le60 \.\.\.\) and 30q70; use --method rwd",
        _(
            "this indicator cannot be derived from forecast death rates: Lee-Carter gives life expectancy and 30q70 only; choose the random walk with drift"
        ),
    ),
    _t(
        r"lee-miller fits k\(t\) to each year's life expectancy at birth, which the rates "
        r"behind (?P<code>\S+) \(from age (?P<age>\d+)\) cannot give: use --method "
        r"lee-carter or rwd",
        _(
            "Lee-Miller fits k(t) to each year's life expectancy at birth, which the rates behind this indicator (from age %(age)s) cannot give: choose Lee-Carter or the random walk with drift"
        ),
    ),
    _t(
        r"random walk with drift: a forecast with a prediction interval needs at least "
        r"(?P<n>\d+) consecutive years, got (?P<got>\d+)",
        _(
            "random walk with drift: a forecast with a prediction interval needs at least %(n)s consecutive years, got %(got)s"
        ),
    ),
    _t(
        r"Lee-Carter: a forecast with a prediction interval needs at least (?P<n>\d+) "
        r"consecutive years, got (?P<got>\d+)",
        _(
            "Lee-Carter: a forecast with a prediction interval needs at least %(n)s consecutive years, got %(got)s"
        ),
    ),
    _t(
        r"Lee-Carter second stage: no k\(t\) gives the observed deaths \(fitted deaths = "
        rf"observed deaths\) in (?P<years>{YEARS})",
        _(
            "Lee-Carter second stage: no k(t) gives the observed deaths (fitted deaths = observed deaths) in %(years)s"
        ),
    ),
    _t(
        r"Lee-Miller second stage: no k\(t\) reproduces the observed life expectancy at birth "
        rf"in (?P<years>{YEARS})",
        _(
            "Lee-Miller second stage: no k(t) reproduces the observed life expectancy at birth in %(years)s"
        ),
    ),
    _t(
        r"b\(x\) is below zero at age\(s\) (?P<ages>\d+(?:, \d+)*) \(their death rates moved "
        r"against the others' over the fitted years, as in noisy, small or SYNTHETIC records\), "
        r"so the fitted deaths have a floor",
        _(
            "b(x) is below zero at age(s) %(ages)s (their death rates moved against the others' over the fitted years, as in noisy, small or SYNTHETIC records), so the fitted deaths have a floor"
        ),
    ),
    _t(
        r"b\(x\) is below zero at age\(s\) (?P<ages>\d+(?:, \d+)*) \(their death rates moved "
        r"against the others' over the fitted years, as in noisy, small or SYNTHETIC records\)",
        _(
            "b(x) is below zero at age(s) %(ages)s (their death rates moved against the others' over the fitted years, as in noisy, small or SYNTHETIC records)"
        ),
    ),
    _t(
        r"fit on other years \(--from/--to\) or use --method rwd",
        _("fit on other years or choose the random walk with drift"),
    ),
    _t(
        r"fit on other years \(--from/--to\) or use --method lee-carter or rwd",
        _("fit on other years or choose Lee-Carter or the random walk with drift"),
    ),
    _t(
        rf"no annual death rates \(mx\) and no deaths with population for (?P<area>\S+) {SEX} "
        r"in the store: import HMD rates \(salamat import hmd\), a rate file, or unit records",
        _(
            "no annual death rates and no deaths with population for %(area)s in the store: import death rates or unit records"
        ),
    ),
    _t(
        r"--cause ncd4 already holds circulatory, cancer, diabetes and respiratory_chronic: "
        r"name either ncd4 or its members",
        _(
            "the four major NCDs already hold circulatory diseases, cancers, diabetes and chronic respiratory diseases: choose either the four or some of them"
        ),
    ),
    _t(
        rf"not reachable by this cause alone: even with the cause eliminated life expectancy "
        rf"would be (?P<value>{NUM}), below (?P<target>{NUM})",
        _(
            "not reachable by these causes alone: even with them eliminated life expectancy would be %(value)s, below %(target)s"
        ),
        "value target",
    ),
    _t(
        rf"no deaths with population for (?P<area>\S+) {SEX} in the store: a scenario needs "
        r"unit records by cause \(salamat import deaths\) and population",
        _(
            "no deaths with population for %(area)s in the store: a scenario needs unit records of deaths by cause and population"
        ),
    ),
    _t(
        r"--cause '(?P<cause>[^']+)': no deaths from it for (?P<area>\S+) \(a cause group such "
        r"as .+\)",
        _("no deaths from the chosen cause (%(cause)s) for %(area)s in the store"),
    ),
    _t(
        r"--ages: age range '(?P<band>[^']*)': it must begin at a band's first age and end at a "
        r"band's last age, so that no band is split; the bands begin at "
        r"(?P<limits>[\d, ]+), the last open \((?P<open>\d+)\+\) \(got [^)]*\)",
        _(
            "Ages %(band)s: a range must begin at a band's first age and end at a band's last age; the bands begin at %(limits)s, the last open (%(open)s+)"
        ),
    ),
    _t(
        r"--ages: age range '(?P<band>[^']*)': expected A-B \(ages A to B inclusive, e\.g\. "
        r"30-69\) or A\+",
        _("Ages %(band)s: expected a range such as 30-69 (ages 30 to 69) or 85+"),
    ),
    _t(
        r"--ages: age range '(?P<band>[^']*)': the last age is below the first",
        _("Ages %(band)s: the last age is below the first"),
    ),
)

# what the life tables and decompositions say of their method and inputs
METHODS = (
    _t(
        r"period life table \(Preston, Heuveline & Guillot 2001, ch\. 3\)",
        _("period life table (Preston, Heuveline & Guillot 2001, ch. 3)"),
    ),
    _t(r"open band closed with Lx = lx / mx", _("open band closed with Lx = lx / mx")),
    _t(r"a0: (?P<rule>[^;]+)", "a0: %(rule)s"),
    _t(
        r"Chiang \(1984\) variance of ex with Silcocks, Jenner & Reza \(2001\) term for the "
        r"open band",
        _(
            "Chiang (1984) variance of ex with Silcocks, Jenner & Reza (2001) term for the open band"
        ),
    ),
    _t(r"normal interval", _("normal interval")),
    _t(r"Arriaga \(1984\) decomposition by age", _("Arriaga (1984) decomposition by age")),
    _t(
        r"Arriaga \(1984\) decomposition by age, split by cause in proportion to the change in "
        r"cause-specific rates \(Preston et al\. 2001, ch\. 4\)",
        _(
            "Arriaga (1984) decomposition by age, split by cause in proportion to the change in cause-specific rates (Preston et al. 2001, ch. 4)"
        ),
    ),
    _t(
        r"no real input covers a split by cause \(it needs deaths by cause\): the SYNTHETIC "
        r"unit records are used",
        _(
            "no real input covers a split by cause (it needs deaths by cause): the SYNTHETIC unit records are used"
        ),
    ),
    _t(
        r"no real input covers these years \(UN WPP 2024 death rates put both in one five-year "
        r"period, or have none\): the SYNTHETIC unit records are used",
        _(
            "no real input covers these years (UN WPP 2024 death rates put both in one five-year period, or have none): the SYNTHETIC unit records are used"
        ),
    ),
    _t(
        r"the store's unit records are SYNTHETIC and are not used: computed from the real UN WPP "
        rf"2024 death rates of the five-year periods (?P<pa>\S+) and (?P<pb>\S+), which contain "
        rf"(?P<a>{YEAR}) and (?P<b>{YEAR}); a five-year period's life expectancy is not the "
        r"single year's",
        _(
            "the store's unit records are SYNTHETIC and are not used: computed from the real UN WPP 2024 death rates of the five-year periods %(pa)s and %(pb)s, which contain %(a)s and %(b)s; a five-year period's life expectancy is not the single year's"
        ),
    ),
    _t(
        rf"the store's unit records do not cover both (?P<ya>{YEAR}) and (?P<yb>{YEAR}): computed "
        r"from the real UN WPP 2024 death rates of the five-year periods (?P<pa>\S+) and "
        rf"(?P<pb>\S+), which contain (?P<a>{YEAR}) and (?P<b>{YEAR}); a five-year period's life "
        r"expectancy is not the single year's",
        _(
            "the store's unit records do not cover both %(ya)s and %(yb)s: computed from the real UN WPP 2024 death rates of the five-year periods %(pa)s and %(pb)s, which contain %(a)s and %(b)s; a five-year period's life expectancy is not the single year's"
        ),
    ),
    _t(
        r"SYNTHETIC: the demo's unit records and single-age populations are generated, not "
        r"real deaths; use them to try the methods, never to describe Kazakhstan",
        _(
            "SYNTHETIC: the demo's unit records and single-age populations are generated, not real deaths; use them to try the methods, never to describe Kazakhstan"
        ),
    ),
)

# what the quality rules say of a value (store/quality.py); one message is one template
FLAGS: tuple[Template, ...] = (
    _t(
        rf"(?P<value>{NUM}) in (?P<year>{YEAR}) after (?P<prev>{NUM}) in (?P<prev_year>{YEAR}) "
        rf"\((?P<change>{NUM})\): beyond the series' own history \(modified z (?P<z>{NUM}), "
        rf"limit (?P<k>{NUM}), over (?P<n>\d+) earlier changes since (?P<since>{YEAR}); "
        rf"floor (?P<floor>{NUM})\)",
        _(
            "%(value)s in %(year)s after %(prev)s in %(prev_year)s (%(change)s): beyond the series' own history (modified z %(z)s, limit %(k)s, over %(n)s earlier changes since %(since)s; floor %(floor)s)"
        ),
        "value prev change z k floor",
    ),
    _t(
        rf"(?P<value>{NUM}) in (?P<year>{YEAR}) after (?P<prev>{NUM}) in (?P<prev_year>{YEAR}) "
        rf"\((?P<change>{NUM})\): beyond the series' own history \(modified z infinite \(no "
        rf"earlier variation\), limit (?P<k>{NUM}), over (?P<n>\d+) earlier changes since "
        rf"(?P<since>{YEAR}); floor (?P<floor>{NUM})\)",
        _(
            "%(value)s in %(year)s after %(prev)s in %(prev_year)s (%(change)s): beyond the series' own history (modified z infinite (no earlier variation), limit %(k)s, over %(n)s earlier changes since %(since)s; floor %(floor)s)"
        ),
        "value prev change k floor",
    ),
    _t(
        rf"the series changes source in (?P<year>{YEAR}): (?P<old>.+) until (?P<last>{YEAR}), "
        rf"(?P<new>.+) from (?P<first>{YEAR})",
        _("the series changes source in %(year)s: %(old)s until %(last)s, %(new)s from %(first)s"),
    ),
    _t(
        rf"(?P<value>{NUM}) from (?P<source>.+?), (?P<other>{NUM}) from (?P<other_source>.+): "
        rf"they differ by (?P<diff>{NUM}) \((?P<pct>{NUM}) of their mean; tolerance "
        rf"(?P<tol>{NUM})\)",
        _(
            "%(value)s from %(source)s, %(other)s from %(other_source)s: they differ by %(diff)s (%(pct)s of their mean; tolerance %(tol)s)"
        ),
        "value other diff pct tol",
    ),
    _t(
        rf"(?P<value>{NUM}) from (?P<source>.+?), (?P<other>{NUM}) from (?P<other_source>.+): "
        rf"they differ by (?P<diff>{NUM}) \(tolerance (?P<tol>{NUM})\)",
        _(
            "%(value)s from %(source)s, %(other)s from %(other_source)s: they differ by %(diff)s (tolerance %(tol)s)"
        ),
        "value other diff tol",
    ),
    _t(
        rf"(?P<value>{NUM}) is far from the OTS countries in (?P<period>\S+) \(median "
        rf"(?P<median>{NUM}) of (?P<n>\d+) values; modified z (?P<z>{NUM}), limit (?P<k>{NUM})\)",
        _(
            "%(value)s is far from the OTS countries in %(period)s (median %(median)s of %(n)s values; modified z %(z)s, limit %(k)s)"
        ),
        "value median z k",
    ),
    _t(
        rf"(?P<value>{NUM}) is far from the units under (?P<parent>\S+) in (?P<period>\S+) "
        rf"\(median (?P<median>{NUM}) of (?P<n>\d+) values; modified z (?P<z>{NUM}), limit "
        rf"(?P<k>{NUM})\)",
        _(
            "%(value)s is far from the units under %(parent)s in %(period)s (median %(median)s of %(n)s values; modified z %(z)s, limit %(k)s)"
        ),
        "value median z k",
    ),
    _t(
        rf"(?P<value>{NUM}) in (?P<year>{YEAR}) is (?P<ratio>{NUM}) times the mean of "
        rf"(?P<a>{YEAR})-(?P<b>{YEAR}) \((?P<mean>{NUM})\); outside 1 \+/- (?P<tol>{NUM}) "
        r"\(WHO DQR consistency over time\)",
        _(
            "%(value)s in %(year)s is %(ratio)s times the mean of %(a)s-%(b)s (%(mean)s); outside 1 +/- %(tol)s (WHO DQR consistency over time)"
        ),
        "value ratio mean tol",
    ),
)

# a peer difference that lasts is flagged once, where it begins (store/quality.py)
FLAGS += (
    _t(
        r"above in every one of the (?P<n>\d+) periods from (?P<a>\S+) to (?P<b>\S+) \(a lasting "
        r"difference, flagged where it begins\)",
        _(
            "above in every one of the %(n)s periods from %(a)s to %(b)s (a lasting difference, flagged where it begins)"
        ),
    ),
    _t(
        r"below in every one of the (?P<n>\d+) periods from (?P<a>\S+) to (?P<b>\S+) \(a lasting "
        r"difference, flagged where it begins\)",
        _(
            "below in every one of the %(n)s periods from %(a)s to %(b)s (a lasting difference, flagged where it begins)"
        ),
    ),
)

# the death-record rules (store/quality/deaths.py) and revisions (store/quality/series.py)
FLAGS += (
    _t(
        rf"ill-defined causes \(ICD-10 R00-R99\) are (?P<pct>{NUM}) of (?P<n>\d+) deaths in "
        rf"(?P<area>\S+) (?P<year>{YEAR}) \(warning at (?P<warn>{NUM}), serious above "
        rf"(?P<serious>{NUM}); Mathers et al\. 2005\)",
        _(
            "ill-defined causes (ICD-10 R00-R99) are %(pct)s of %(n)s deaths in %(area)s %(year)s (warning at %(warn)s, serious above %(serious)s; Mathers et al. 2005)"
        ),
        "pct warn serious",
    ),
    _t(
        rf"major garbage codes \(levels 1-2\) are (?P<pct>{NUM}) of (?P<n>\d+) deaths in "
        rf"(?P<area>\S+) (?P<year>{YEAR}) \(level 1 (?P<l1>{NUM}), 2 (?P<l2>{NUM}), 3 "
        rf"(?P<l3>{NUM}), 4 (?P<l4>{NUM}); warning above (?P<warn>{NUM}), serious above "
        rf"(?P<serious>{NUM}); garbage_codes\.csv\)",
        _(
            "major garbage codes (levels 1-2) are %(pct)s of %(n)s deaths in %(area)s %(year)s (level 1 %(l1)s, 2 %(l2)s, 3 %(l3)s, 4 %(l4)s; warning above %(warn)s, serious above %(serious)s; garbage_codes.csv)"
        ),
        "pct l1 l2 l3 l4 warn serious",
    ),
    _t(
        rf"unspecified injuries \(X59, Y10-Y34\) are (?P<pct>{NUM}) of (?P<n>\d+) injury deaths "
        rf"in (?P<area>\S+) (?P<year>{YEAR}) \(warning at (?P<warn>{NUM}); Bhalla et al\. 2010\)",
        _(
            "unspecified injuries (X59, Y10-Y34) are %(pct)s of %(n)s injury deaths in %(area)s %(year)s (warning at %(warn)s; Bhalla et al. 2010)"
        ),
        "pct warn",
    ),
    _t(
        rf"(?P<k>\d+) of (?P<n>\d+) death records in (?P<area>\S+) (?P<year>{YEAR}) "
        rf"\((?P<pct>{NUM})\) have no age or no sex \((?P<no_age>\d+) without age, "
        rf"(?P<no_sex>\d+) without sex\): they are left out of every rate computed from the "
        rf"records, which needs age and sex \(warning above (?P<warn>{NUM}), serious above "
        rf"(?P<serious>{NUM})\)",
        _(
            "%(k)s of %(n)s death records in %(area)s %(year)s (%(pct)s) have no age or no sex (%(no_age)s without age, %(no_sex)s without sex): they are left out of every rate computed from the records, which needs age and sex (warning above %(warn)s, serious above %(serious)s)"
        ),
        "pct warn serious",
    ),
    _t(
        rf"(?P<k>\d+) of (?P<n>\d+) death records in (?P<area>\S+) (?P<year>{YEAR}) "
        rf"\((?P<pct>{NUM})\) have no age or no sex \((?P<no_age>\d+) without age, "
        rf"(?P<no_sex>\d+) without sex\): they are left out of every rate computed from the "
        rf"records, which needs age and sex \(warning above (?P<warn>{NUM}), serious above "
        rf"(?P<serious>{NUM}); not judged on fewer than (?P<min>\d+) deaths\)",
        _(
            "%(k)s of %(n)s death records in %(area)s %(year)s (%(pct)s) have no age or no sex (%(no_age)s without age, %(no_sex)s without sex): they are left out of every rate computed from the records, which needs age and sex (warning above %(warn)s, serious above %(serious)s; not judged on fewer than %(min)s deaths)"
        ),
        "pct warn serious",
    ),
    _t(
        rf"revised from (?P<old>{NUM}) to (?P<new>{NUM}) \(import (?P<b>\d+) replaced import "
        rf"(?P<a>\d+)\)",
        _("revised from %(old)s to %(new)s (import %(b)s replaced import %(a)s)"),
        "old new",
    ),
)

# a value computed from flagged inputs (store/quality/carried.py) and what its inputs are
# (services/carried.py)
FLAGS += (
    _t(
        rf"computed from a flagged input: (?P<input>.+?): (?P<code>[a-z_0-9]+) in "
        rf"(?P<year>{YEAR}): (?P<message>.+)",
        _("computed from a flagged input: %(input)s: %(code)s in %(year)s: %(message)s"),
        flags="input message",
    ),
    _t(
        r"deaths of (?P<area>\S+) (?P<period>\S+) \(unit records\)",
        _("deaths of %(area)s %(period)s (unit records)"),
    ),
    _t(
        r"(?P<source>.+) death rates \(mx\) of (?P<area>\S+) (?P<period>\S+)",
        _("%(source)s death rates (mx) of %(area)s %(period)s"),
    ),
    _t(
        r"published (?P<indicator>\S+) (?P<period>\S+) \((?P<source>.+)\)",
        _("published %(indicator)s %(period)s (%(source)s)"),
    ),
)

# the words around the names of sources (services/web/lifetable.py, services/compute.py)
SOURCES = (
    _t(
        r"Salamat \(computed from (?P<deaths>.+); exposures: (?P<exposures>.+)\)",
        _("Salamat (computed from %(deaths)s; exposures: %(exposures)s)"),
    ),
    _t(
        r"Salamat \(computed from (?P<rates>.+) mx\)",
        _("Salamat (computed from %(rates)s death rates)"),
    ),
    _t(
        r"(?P<deaths>.+); exposures: (?P<exposures>.+)",
        _("%(deaths)s; exposures: %(exposures)s"),
    ),
)


def _decimal(text: str, lang: str) -> str:
    """A number as it came, every digit kept, with the language's decimal sign."""
    sign = Locale.parse(lang).number_symbols["latn"]["decimal"]
    return text.replace(".", sign) if sign != "." else text


def _apply(
    templates: tuple[Template, ...], text: str, lang: str, gettext: Callable[[str], str]
) -> str | None:
    for t in templates:
        m = t.pattern.fullmatch(text)
        if m is None:
            continue
        values: dict[str, str] = {}
        for name, value in m.groupdict().items():
            if name in t.numbers:
                values[name] = _decimal(value, lang)
            elif name in t.texts:
                values[name] = sentence(value, lang)
            elif name in t.flags:
                values[name] = flag_message(value, lang)
            else:
                values[name] = value
        return gettext(t.message) % values
    return None


def _translate(
    templates: tuple[Template, ...], text: str, lang: str, *, reword_en: bool = False
) -> str:
    """``text`` made of parts joined by ``"; "``, each part (or run of parts, since a part may
    itself hold ``"; "``) translated by the first template that matches it whole.
    ``reword_en``: English too takes the templates' messages (the page's wording of a text
    written for the command line), not the text as it came."""
    if not text or lang not in LANGS or (lang == "en" and not reword_en):
        return text
    gettext = translator(lang)
    whole = _apply(templates, text, lang, gettext)
    if whole is not None:
        return whole
    parts = text.split("; ")
    out: list[str] = []
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            done = _apply(templates, "; ".join(parts[i:j]), lang, gettext)
            if done is not None:
                out.append(done)
                i = j
                break
        else:
            out.append(parts[i])
            i += 1
    return "; ".join(out)


def sentence(text: str | None, lang: str) -> str:
    """A reason, a method or a note the services wrote, in ``lang`` (parts joined by ``"; "``)."""
    return _translate(REASONS + METHODS, text or "", lang)


def service_reason(text: str | None, lang: str) -> str:
    """Why a forecast or a scenario could not be made (the first line of the service's error:
    the problem list under it repeats it for the CLI), in ``lang``; in English too the page's
    wording replaces the command line's (``choose the random walk with drift``, not
    ``use --method rwd``)."""
    first = (text or "").split("\n", 1)[0]
    return _translate(WHY_NOT + REASONS, first, lang, reword_en=True)


def flag_message(text: str | None, lang: str) -> str:
    """A quality flag's message (``store/quality.py``) in ``lang``, its numbers kept."""
    return _translate(FLAGS, text or "", lang)


def source_text(text: str | None, lang: str) -> str:
    """A source as the pages show it: the names as published, Salamat's own words in ``lang``."""
    return _translate(SOURCES, text or "", lang)


def _data_path(lang: str) -> resources.abc.Traversable:
    return resources.files("salamat") / "web" / "translations" / f"data_{lang}.po"


@cache
def data_catalogue(lang: str) -> dict[str, str]:
    """The bundled texts of ``lang``: English text -> translation (empty for English)."""
    if lang not in LANGS or lang == "en":
        return {}
    with _data_path(lang).open("rb") as fh:
        cat = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, cat)
    buf.seek(0)
    compiled = Translations(buf)
    return {str(m.id): compiled.gettext(str(m.id)) for m in cat if m.id and m.string}


def data_text(text: str | None, lang: str) -> str:
    """A bundled text (description, target document or note) in ``lang``; a text of the user's
    own, or one the catalogue lacks, as written."""
    if not text:
        return ""
    return data_catalogue(lang).get(text, text)
