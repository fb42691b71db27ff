"""Build the dashboard's region map: today's 20 units and the 4 units abolished in 2018 and 2022.

Reads the simplified UNHCR/OCHA COD-AB 2023 first-level boundaries (20 units, properties
``ADM1_PCODE`` KAZ001..KAZ020), recodes them to Salamat's ISO 3166-2 codes through the aliases
in ``src/salamat/data/orgunits/aliases.csv``, and adds each abolished unit as the union of its
successors' polygons (``src/salamat/data/orgunits/successors.csv``): South Kazakhstan KZ-ONT =
Turkistan KZ-61 + Shymkent KZ-79; East Kazakhstan before 2022 KZ-VOS = KZ-63 + Abay KZ-10;
Almaty Region before 2022 KZ-ALM = KZ-19 + Jetisu KZ-33; Karaganda before 2022 KZ-KAR = KZ-35 +
Ulytau KZ-62. Rings are written clockwise, as d3-geo (Vega) expects. The successors share their borders exactly (one source, one simplification), so
the union leaves no slivers.

Needs shapely, which Salamat does not depend on: run it once by hand when the boundaries change
(``pip install shapely && python scripts/build_web_geo.py [SOURCE.geojson]``); only the output,
``src/salamat/web/static/geo/kaz_regions.geojson``, is committed.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "salamat" / "data" / "orgunits"
OUT = ROOT / "src" / "salamat" / "web" / "static" / "geo" / "kaz_regions.geojson"
DEFAULT_SOURCE = Path("/work/shared/data/geo/kaz_adm1_unhcr_cod-ab_2023_simplified.geojson")


def _round(coords: Any, digits: int = 4) -> Any:
    if isinstance(coords, (int, float)):
        return round(float(coords), digits)
    return [_round(c, digits) for c in coords]


def _clockwise(geom: Any) -> Any:
    """d3-geo (Vega's projections) wants exterior rings clockwise, the reverse of RFC 7946."""
    if isinstance(geom, Polygon):
        return orient(geom, sign=-1.0)
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(p, sign=-1.0) for p in geom.geoms])
    raise SystemExit(f"unexpected geometry {geom.geom_type}")


def main(source: Path) -> None:
    with open(DATA / "aliases.csv", encoding="utf-8") as fh:
        alias = {r["alias"]: r["code"] for r in csv.DictReader(fh) if r["alias"].startswith("KAZ0")}
    with open(DATA / "successors.csv", encoding="utf-8") as fh:
        successors: dict[str, list[str]] = {}
        for r in csv.DictReader(fh):
            successors.setdefault(r["code"], []).append(r["successor"])
    raw = json.loads(source.read_text(encoding="utf-8"))
    shapes = {}
    for feature in raw["features"]:
        pcode = feature["properties"]["ADM1_PCODE"]
        if pcode not in alias:
            raise SystemExit(f"{pcode}: no alias to an ISO 3166-2 code in aliases.csv")
        shapes[alias[pcode]] = shape(feature["geometry"]).buffer(0)
    for old, parts in successors.items():
        missing = [p for p in parts if p not in shapes]
        if missing:
            raise SystemExit(f"{old}: no geometry for successor(s) {', '.join(missing)}")
        shapes[old] = unary_union([shapes[p] for p in parts])
    shapes = {code: _clockwise(geom) for code, geom in shapes.items()}
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {"code": code},
            "geometry": {
                "type": geom.geom_type,
                "coordinates": _round(mapping(geom)["coordinates"]),
            },
        }
        for code, geom in sorted(shapes.items())
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")),
        encoding="utf-8",
    )
    for code, geom in sorted(shapes.items()):
        print(f"{code:8} {geom.geom_type:13} parts={getattr(geom, 'geoms', [geom]).__len__():2}")
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes, {len(features)} units)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
