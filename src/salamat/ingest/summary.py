"""The import summary: what an import created, updated, left unchanged and rejected, and why.

Modelled on DHIS2's ImportSummary (status, import counts, conflicts), so that users who know
DHIS2 read it at a glance.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from salamat.errors import Problem

__all__ = ["ImportSummary", "Status", "summary_from_dict"]

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


def summary_from_dict(doc: dict[str, object]) -> ImportSummary:
    """An :class:`ImportSummary` back from :meth:`ImportSummary.as_dict` (a server's answer to
    ``salamat import --server``), so that it prints as a local import's does."""
    counts = doc.get("import_count")
    counts = counts if isinstance(counts, dict) else {}
    status = str(doc.get("status") or "ERROR")
    summary = ImportSummary(
        kind=str(doc.get("kind") or ""),
        files=[str(f) for f in _list(doc.get("files"))],
        status=status if status in ("SUCCESS", "WARNING", "DRY_RUN", "ERROR") else "ERROR",  # type: ignore[arg-type]
        import_id=_int(doc.get("import_id")),
        seconds=float(doc.get("seconds") or 0.0),  # type: ignore[arg-type]
        notes=[str(n) for n in _list(doc.get("notes"))],
        flags=_int(doc.get("flags")),
        flags_raised=_int(doc.get("flags_raised")),
        problem_count=_int(doc.get("problem_count")) or 0,
    )
    for key in ("created", "updated", "unchanged", "rejected", "total", "skipped_missing"):
        setattr(summary, key, _int(counts.get(key)) or 0)
    reasons = doc.get("reasons")
    if isinstance(reasons, dict):
        summary.reasons = Counter({str(k): int(v) for k, v in reasons.items()})
    for c in _list(doc.get("conflicts")):
        if isinstance(c, dict):
            summary.problems.append(
                Problem(
                    str(c.get("file") or ""),
                    _int(c.get("row")),
                    None if c.get("field") is None else str(c.get("field")),
                    str(c.get("message") or ""),
                    None if c.get("value") is None else str(c.get("value")),
                )
            )
    return summary


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float | str) and str(value).strip() else None


def _reason(p: Problem) -> str:
    """Group problems for the summary: the field and the message without the offending value."""
    return f"{p.field or 'file'}: {p.message}"
