"""The import summary: what an import created, updated, left unchanged and rejected, and why.

Modelled on DHIS2's ImportSummary (status, import counts, conflicts), so that users who know
DHIS2 read it at a glance.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from salamat.errors import Problem

__all__ = ["ImportSummary", "Status"]

# WARNING: written with rows skipped (--skip-invalid), DHIS2's status for imports with conflicts.
Status = Literal["SUCCESS", "WARNING", "DRY_RUN", "ERROR"]

MAX_PROBLEMS_KEPT = 10_000


@dataclass
class ImportSummary:
    """Counts are of records (observations, death records or population cells): rows of the
    files, also when a whole file is refused. ``skipped_missing`` counts rows whose value is a
    missing-value marker (``NaN``, ``:``, ``..``, empty): skipped, not rejected."""

    kind: str
    files: list[str]
    status: Status = "SUCCESS"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    total: int = 0
    skipped_missing: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    import_id: int | None = None
    # "draft" (waits for approval: salamat.store.approval) or "approved"; None: nothing logged
    approval: str | None = None
    approved_by: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    flags: int | None = None  # quality flags now on the imported indicators (None: not run)
    flags_raised: int | None = None  # of them, the flags this import raised (None: not run)

    def add_problems(
        self, problems: list[Problem], *, reason_of: dict[int, str] | None = None
    ) -> None:
        """Record problems; every one is counted, the first MAX_PROBLEMS_KEPT are kept in full."""
        room = MAX_PROBLEMS_KEPT - len(self.problems)
        if room > 0:
            self.problems.extend(problems[:room])
        self.problem_count += len(problems)
        for p in problems:
            self.reasons[_reason(p)] += 1

    def add_problem_counts(self, reasons: Counter[str]) -> None:
        """Count problems that were not all materialised (large unit-record files)."""
        self.reasons.update(reasons)

    @property
    def ok(self) -> bool:
        return self.status != "ERROR"

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "files": self.files,
            "status": self.status,
            "import_id": self.import_id,
            "approval": self.approval,
            "approved_by": self.approved_by,
            "flags": self.flags,
            "flags_raised": self.flags_raised,
            "import_count": {
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "rejected": self.rejected,
                "total": self.total,
                "skipped_missing": self.skipped_missing,
            },
            "reasons": dict(self.reasons),
            "problem_count": self.problem_count,
            "conflicts": [
                {
                    "file": p.file,
                    "row": p.row,
                    "field": p.field,
                    "message": p.message,
                    "value": p.value,
                }
                for p in self.problems
            ],
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


def _reason(p: Problem) -> str:
    """Group problems for the summary: the field and the message without the offending value."""
    return f"{p.field or 'file'}: {p.message}"
