"""Imports sent to the server: a queue of jobs and the one writer that runs them (issue 13).

The server holds the store open for writing; :class:`ImportQueue` runs the imports one at a
time on a worker thread, each on its own cursor, in the import's one transaction
(:func:`salamat.services.imports.run_import`, the same code as ``salamat import``). Reads go on
meanwhile on their own cursors: DuckDB gives each the data as last committed, so a read never
sees half an import and never waits for one. When an import commits, ``on_commit`` runs before
the job is marked done, so the next request sees the new data (the server's caches are keyed
on :func:`salamat.services.web.common.data_version`).

A job goes ``queued`` -> ``running`` -> ``done`` (the import ran: its summary says whether it
wrote, ``status`` SUCCESS, WARNING, DRY_RUN or ERROR) or ``failed`` (it could not run: a bad
option, the store unavailable). Its JSON is the summary of ``salamat import --format json``
plus ``job_id``, ``state``, ``stage`` and ``progress`` (0 to 1). Jobs live in memory, the last
:data:`KEEP` of them; what an import wrote is in the import log for good (``import_id``).

Every job leaves an audit row ``api import`` (who, from where, each file's name, size and
SHA-256, the counts and the outcome), also when nothing was written; an import that writes
has its own ``import KIND`` row as well, in its transaction, under the same user.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import secrets
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from salamat.api.deps import StoreProvider
from salamat.errors import InputError, SalamatError, StoreError
from salamat.ingest.registry import WriteScope
from salamat.store import audit

__all__ = ["KEEP", "ImportJob", "ImportQueue", "JobState", "Upload"]

JobState = Literal["queued", "running", "done", "failed"]
KEEP = 200
_log = logging.getLogger("salamat.imports")


@dataclass(frozen=True)
class Upload:
    """One file as the server keeps it for the job: where it is, the name it was sent under,
    its size and SHA-256."""

    path: Path
    name: str
    size: int
    sha256: str


@dataclass
class ImportJob:
    """One import sent to the server (module docstring)."""

    job_id: str
    kind: str
    uploads: list[Upload]
    user: str
    origin: str
    options: dict[str, Any]
    metadata: list[Upload] = field(default_factory=list)
    mapping: Upload | None = None
    scope: WriteScope | None = None
    folder: Path | None = None
    state: JobState = "queued"
    stage: str = "queued"
    steps: int = 0
    submitted: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: datetime | None = None
    finished: datetime | None = None
    summary: dict[str, Any] | None = None
    error: str | None = None
    error_status: int = 422
    problems: list[dict[str, Any]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def total_steps(self) -> int:
        # the stages an import reports: reading and validating each file, validating, writing
        return 2 * len(self.uploads) + 2

    @property
    def import_id(self) -> int | None:
        value = (self.summary or {}).get("import_id")
        return int(value) if value is not None else None

    def progress(self) -> float:
        if self.state in ("done", "failed"):
            return 1.0
        return round(min(self.steps / self.total_steps, 0.99), 3)

    def _named(self, text: str) -> str:
        """A server-side path of this job's uploads as the name it was sent under."""
        for up in (*self.uploads, *self.metadata, *([self.mapping] if self.mapping else [])):
            text = text.replace(str(up.path), up.name)
        return text

    def as_dict(self) -> dict[str, Any]:
        """The job's JSON: the import summary (when it ran) with the job's own fields."""
        head: dict[str, Any] = {
            "job_id": self.job_id,
            "state": self.state,
            "stage": self.stage,
            "progress": self.progress(),
            "user": self.user,
            "submitted": _iso(self.submitted),
            "started": _iso(self.started),
            "finished": _iso(self.finished),
        }
        if self.summary is not None:
            return {**self.summary, **head}
        body: dict[str, Any] = {
            "kind": self.kind,
            "files": [u.name for u in self.uploads],
            "status": "ERROR" if self.state == "failed" else None,
            "import_id": None,
        }
        if self.state == "failed":
            body["error"] = self.error
            body["problems"] = self.problems
            body["http_status"] = self.error_status
        return {**body, **head}

    def finish_summary(self, summary: dict[str, Any]) -> dict[str, Any]:
        """The summary's file paths (the server's copies) as the names they were sent under."""
        out = dict(summary)
        out["files"] = [self._named(str(f)) for f in summary.get("files", [])]
        out["conflicts"] = [
            {**c, "file": self._named(str(c["file"])) if c.get("file") else c.get("file")}
            for c in summary.get("conflicts", [])
        ]
        out["notes"] = [self._named(str(n)) for n in summary.get("notes", [])]
        return out


def _iso(at: datetime | None) -> str | None:
    return at.isoformat(timespec="seconds").replace("+00:00", "Z") if at else None


def new_job_id() -> str:
    """``job-`` and 12 random hex digits: not guessable, never a number (numbers are the
    store's import ids)."""
    return f"job-{secrets.token_hex(6)}"


def save_upload(folder: Path, name: str, source: Any) -> Upload:
    """Copy an uploaded file object into ``folder`` under its own base name (made unique),
    hashing it on the way."""
    base = Path(name.replace("\\", "/")).name or "upload"
    base = "".join(c if c.isprintable() and c not in '<>:"|?*' else "_" for c in base)
    if base in ("", ".", ".."):
        base = "upload"
    target = folder / base
    n = 1
    while target.exists():
        target = folder / f"{n}-{base}"
        n += 1
    digest = hashlib.sha256()
    size = 0
    with open(target, "wb") as out:
        while True:
            block = source.read(1 << 20)
            if not block:
                break
            digest.update(block)
            size += len(block)
            out.write(block)
    return Upload(target, base, size, digest.hexdigest())


class ImportQueue:
    """The server's one writer: jobs run in the order they came, one at a time (module
    docstring). ``on_commit`` runs after each import that wrote, before its job is done."""

    def __init__(self, provider: StoreProvider, on_commit: Callable[[], None]) -> None:
        self.provider = provider
        self.on_commit = on_commit
        self._jobs: OrderedDict[str, ImportJob] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[ImportJob | None] = queue.Queue()
        self._worker: threading.Thread | None = None

    def submit(self, job: ImportJob) -> ImportJob:
        with self._lock:
            self._jobs[job.job_id] = job
            while len(self._jobs) > KEEP:
                old_id, old = next(iter(self._jobs.items()))
                if not old.done.is_set():
                    break
                del self._jobs[old_id]
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._run, name="salamat-import-writer", daemon=True
                )
                self._worker.start()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> ImportJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def by_import(self, import_id: int) -> ImportJob | None:
        with self._lock:
            for job in self._jobs.values():
                if job.import_id == import_id:
                    return job
        return None

    def pending(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.state in ("queued", "running"))

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker after the running job (queued jobs are not started)."""
        with self._lock:
            worker = self._worker
            for job in self._jobs.values():
                if job.state == "queued":
                    job.state, job.stage = "failed", "failed"
                    job.error = "the server stopped before this import started: send it again"
                    job.error_status = 503
                    _remove(job)
                    job.done.set()
        self._queue.put(None)
        if worker is not None:
            worker.join(timeout)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if job.state != "queued":
                continue
            try:
                self._run_job(job)
            except Exception:  # never lose the writer thread: the job says what happened
                _log.exception("import job %s", job.job_id)
                job.state, job.stage = "failed", "failed"
                job.error = (
                    "the import failed on the server (see the server's log); nothing was written"
                )
                job.error_status = 500
            finally:
                job.finished = datetime.now(UTC)
                _remove(job)
                job.done.set()

    def _run_job(self, job: ImportJob) -> None:
        from salamat.services.imports import run_import

        job.state, job.stage, job.started = "running", "starting", datetime.now(UTC)

        def tick(stage: str) -> None:
            job.steps += 1
            job.stage = job._named(stage)

        opts = job.options
        try:
            store = self.provider.writer()
        except StoreError as exc:
            job.state, job.stage, job.error, job.error_status = "failed", "failed", str(exc), 503
            return
        try:
            with audit.acting_as(job.user, job.origin):
                try:
                    summary = run_import(
                        store,
                        job.kind,
                        [u.path for u in job.uploads],
                        dry_run=bool(opts.get("dry_run")),
                        source=opts.get("source"),
                        mapping=job.mapping.path if job.mapping else None,
                        new_indicators=bool(opts.get("new_indicators")),
                        progress=tick,
                        metadata=[u.path for u in job.metadata],
                        area=opts.get("area"),
                        skip_invalid=bool(opts.get("skip_invalid")),
                        new_areas=opts.get("new_areas"),
                        scope=job.scope,
                    )
                except SalamatError as exc:
                    job.state, job.stage = "failed", "failed"
                    job.error = job._named(str(exc).split("\n")[0])
                    job.error_status = 503 if isinstance(exc, StoreError) else 422
                    if isinstance(exc, InputError):
                        job.problems = [
                            {"field": p.field, "message": job._named(p.message), "value": p.value}
                            for p in exc.problems
                        ]
                    self._audit(store, job, None)
                    return
                if summary.import_id is not None:
                    self.on_commit()
                job.summary = job.finish_summary(summary.as_dict())
                self._audit(store, job, job.summary)
                job.state, job.stage = "done", "done"
        finally:
            store.close()

    @staticmethod
    def _audit(store: Any, job: ImportJob, summary: dict[str, Any] | None) -> None:
        """The job's ``api import`` audit row (module docstring); a failure to write it is
        logged, never turned into a failed import that did commit."""
        counts = (summary or {}).get("import_count") or {}
        try:
            with store.transaction():
                audit.append(
                    store,
                    "api import",
                    job.job_id,
                    counts={
                        k: counts.get(k) for k in ("created", "updated", "unchanged", "rejected")
                    },
                    details={
                        "kind": job.kind,
                        "files": [
                            {"name": u.name, "bytes": u.size, "sha256": u.sha256}
                            for u in job.uploads
                        ],
                        "options": job.options,
                        "status": (summary or {}).get("status") or "FAILED",
                        "import_id": (summary or {}).get("import_id"),
                        "error": job.error,
                    },
                    who=(job.user, job.origin),
                )
        except Exception:
            _log.exception("audit row of import job %s", job.job_id)


def _remove(job: ImportJob) -> None:
    if job.folder is not None:
        shutil.rmtree(job.folder, ignore_errors=True)
        job.folder = None
