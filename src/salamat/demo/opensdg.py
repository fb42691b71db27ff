"""The demo's Open SDG import: Kazakhstan's national SDG platform, Goal 3 (bundled subset).

``opensdg_demo(store)`` imports the bundled files through the ordinary ``opensdg`` import; the
regional values that 3-1-1 gives for 2022-2023 on the pre-2022 borders of Almaty, East
Kazakhstan and Karaganda regions have no org unit and are left out (listed in the notes).
"""

from __future__ import annotations

from importlib import resources

from salamat.ingest.pipeline import Progress, import_observations
from salamat.ingest.summary import ImportSummary
from salamat.store.connection import Store

__all__ = ["DEMO_MAPPING", "DEMO_SERIES", "opensdg_demo"]

# 3-4-1 (30q70) is bundled but not imported: the same values come once, with their address and
# date, from data/published/ (a second copy under another source name would be a duplicate).
DEMO_SERIES = ("3-1-1", "3-2-1", "3-2-2", "3-3-2", "3-b-1", "3-c-1")
DEMO_MAPPING = {
    "area": {
        f"3-1-1/{region}@{year}": "-"
        for region in ("KZALM", "KZVOS", "KZKAR")
        for year in (2022, 2023)
    }
}


def opensdg_demo(store: Store, *, progress: Progress | None = None) -> ImportSummary:
    """Import the bundled Goal 3 series (about 3,330 values); safe to run again."""
    import salamat.ingest.formats  # noqa: F401  (registers the opensdg parser)

    folder = resources.files("salamat") / "data" / "demo" / "opensdg_kazstat_goal3"
    with resources.as_file(folder) as path:
        files = [path / "data" / f"indicator_{s}.csv" for s in DEMO_SERIES]
        return import_observations(
            store, "opensdg", files, mapping=DEMO_MAPPING, progress=progress, area="KAZ"
        )
