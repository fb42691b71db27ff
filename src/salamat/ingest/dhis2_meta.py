"""DHIS2 metadata (``/api/metadata`` exports, ``organisationUnits`` lists, analytics
``metaData``): names and codes of ids, and the category options of each category option combo.

A category option is read as a disaggregation only from what it states: its code as an ISO 8601
age range (``P0Y--P5Y`` is 0-4 years, ``P15Y--P999Y`` 15+), or its name: ``Female``/``Male``,
``0-4 years``, ``15+ years``, ``under 5 years``. An option it cannot read (``Outreach``,
``Active foci``) is reported, with the ``--map`` line that would place it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salamat.errors import InputError

__all__ = ["DEFAULT_COMBO", "Dhis2Metadata", "load_metadata", "option_disaggregation"]

# The id DHIS2 gives its default category option combo (no disaggregation).
DEFAULT_COMBO = "HllvX50cXC0"

_ISO_AGE = re.compile(r"P(\d+)Y--P(\d+)Y", re.IGNORECASE)
_NAME_BAND = re.compile(r"\b(\d+)\s*-\s*(\d+)\s*(?:years?|yrs?|y)\b", re.IGNORECASE)
_NAME_OPEN = re.compile(r"\b(\d+)\s*\+\s*(?:years?|yrs?|y)?(?:\b|$)", re.IGNORECASE)
_NAME_UNDER = re.compile(r"(?:\bunder\s*|<\s*)(\d+)\s*(?:years?|yrs?|y)\b", re.IGNORECASE)
_FEMALE = re.compile(r"(\bfemales?\b|\bwomen\b|\bgirls?\b|(^|_)F$)", re.IGNORECASE)
_MALE = re.compile(r"(\bmales?\b|\bmen\b|\bboys?\b|(^|_)M$)", re.IGNORECASE)


@dataclass
class Dhis2Metadata:
    """Ids to names and codes, and category option combos to their options."""

    names: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    combo_options: dict[str, list[str]] = field(default_factory=dict)
    option_by_code: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)  # org unit -> parent org unit
    org_units: set[str] = field(default_factory=set)  # ids listed as organisationUnits
    default_combos: set[str] = field(default_factory=lambda: {DEFAULT_COMBO})

    def label(self, uid: str) -> str:
        """``'Ix2HsbDMLea' (Measles deaths)`` when the name is known."""
        name = self.names.get(uid)
        return f"{uid!r} ({name})" if name else repr(uid)

    def merge_names(self, names: dict[str, str]) -> None:
        for k, v in names.items():
            self.names.setdefault(k, v.strip())


def load_metadata(paths: Iterable[Path]) -> Dhis2Metadata:
    """Read DHIS2 metadata JSON files (any of dataElements, indicators, organisationUnits,
    categoryOptionCombos, categoryOptions, categories, and an analytics ``metaData``)."""
    meta = Dhis2Metadata()
    for path in paths:
        try:
            with open(path, encoding="utf-8-sig") as fh:
                doc = json.load(fh)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: DHIS2 metadata is not valid JSON: {exc}") from exc
        except RecursionError as exc:
            raise InputError(
                f"{path}: DHIS2 metadata nested too deeply to be read: is it the file you meant?"
            ) from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: DHIS2 metadata is not UTF-8 text ({exc})") from exc
        except OSError as exc:
            raise InputError(f"{path}: cannot read the DHIS2 metadata: {exc}") from exc
        if not isinstance(doc, dict):
            raise InputError(f"{path}: DHIS2 metadata must be a JSON object")
        _add(meta, doc)
    return meta


def _add(meta: Dhis2Metadata, doc: dict[str, Any]) -> None:
    for key in (
        "dataElements",
        "indicators",
        "organisationUnits",
        "categoryOptionCombos",
        "categoryOptions",
        "categories",
        "dataSets",
    ):
        for obj in doc.get(key) or []:
            if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
                continue
            uid = obj["id"]
            if isinstance(obj.get("name"), str):
                meta.names[uid] = obj["name"].strip()
            if isinstance(obj.get("code"), str) and obj["code"].strip():
                meta.codes[uid] = obj["code"].strip()
                if key == "categoryOptions":
                    meta.option_by_code[obj["code"].strip()] = uid
            if key == "organisationUnits":
                meta.org_units.add(uid)
                parent = obj.get("parent")
                if isinstance(parent, dict) and isinstance(parent.get("id"), str):
                    meta.parents[uid] = parent["id"]
            if key == "categoryOptionCombos":
                meta.combo_options[uid] = [
                    o["id"] for o in obj.get("categoryOptions") or [] if isinstance(o, dict)
                ]
                if str(obj.get("name", "")).strip().lower() == "default":
                    meta.default_combos.add(uid)
    items = (
        (doc.get("metaData") or {}).get("items") if isinstance(doc.get("metaData"), dict) else None
    )
    if isinstance(items, dict):
        meta.merge_names(
            {k: str(v.get("name", "")) for k, v in items.items() if isinstance(v, dict)}
        )


def option_disaggregation(name: str, code: str) -> dict[str, str] | None:
    """What a category option states about sex and age, from its code and name; None if
    neither can be read."""
    out: dict[str, str] = {}
    for text in (code, name):
        if m := _ISO_AGE.search(text):
            a, b = int(m[1]), int(m[2])
            out.setdefault("age", f"{a}+" if b >= 150 else f"{a}-{b - 1}")
    for text in (name, code):
        if "age" in out:
            break
        if m := _NAME_BAND.search(text):
            out["age"] = f"{int(m[1])}-{int(m[2])}"
        elif m := _NAME_UNDER.search(text):
            out["age"] = f"0-{int(m[1]) - 1}"
        elif m := _NAME_OPEN.search(text):
            out["age"] = f"{int(m[1])}+"
    for text in (name, code):
        female, male = bool(_FEMALE.search(text)), bool(_MALE.search(text))
        if female != male:
            out.setdefault("sex", "female" if female else "male")
    return out or None
