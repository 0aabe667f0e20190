"""Job pages: the background jobs a reader may see (/jobs) and one job with its progress bar,
refreshed every second while it runs, then its result or its error (/jobs/{id}).

Views translate only: who sees which job is ``services.access.require_job``, asked by
``services.jobs``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pathwise.domain.people import Role
from pathwise.services import jobs
from pathwise.services.access import Actor
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

STATUS_WORDS = {"queued": "waiting for a worker", "running": "running", "succeeded": "done",
                "failed": "failed"}


def _report(view: jobs.JobView) -> Any:
    """A roster report from a job's result, shaped as the roster page's report template reads it."""
    raw = view.result.get("report")
    if not isinstance(raw, dict):
        return None
    problems = list(raw.get("errors") or []) + list(raw.get("warnings") or [])
    return SimpleNamespace(**{**raw, "problems": problems, "errors": raw.get("errors") or [],
                              "warnings": raw.get("warnings") or [], "changed": view.result.get("changed", 0)})


# What a job's result holds, in words (services/jobs.py and interop/jobs.py fill it).
FIGURE_WORDS = {"rows": "Rows in the file", "stored": "Stored", "duplicates": "Already stored (left as they were)",
                "skipped_bad": "Bad rows left out", "students_created": "Students created",
                "learners_rebuilt": "Learners whose mastery was recalculated",
                "rebuilt": "Learners whose mastery was recalculated", "version": "Model version",
                "file": "File", "bytes": "File size", "seconds": "Time taken", "framework": "Framework",
                "skills": "Skills", "prerequisites": "Prerequisite links", "units": "Units",
                "created": "Added", "updated": "Changed", "unchanged": "Unchanged",
                "jobs_dropped": "Finished jobs cleared", "resumed": "Resumed"}


def _figure(key: str, value: object) -> tuple[str, str]:
    words = FIGURE_WORDS.get(key) or key.replace("_", " ").capitalize()
    if key == "bytes" and isinstance(value, int):
        size = f"{value / 1e6:.1f} MB" if value >= 1e6 else f"{value / 1e3:.1f} kB" if value >= 1e3 else f"{value} bytes"
        return words, size
    if key == "seconds" and isinstance(value, (int, float)):
        return words, f"{value:,.1f} s" if value < 120 else f"{value / 60:,.1f} min"
    if isinstance(value, bool):
        return words, "yes" if value else "no"
    if isinstance(value, int):
        return words, f"{value:,}"
    return words, str(value)


def _context(view: jobs.JobView) -> dict[str, Any]:
    return {"job": view, "status_words": STATUS_WORDS, "report": _report(view),
            "figures": [_figure(k, v) for k, v in view.result.items()
                        if isinstance(v, (int, float, str)) and k != "summary"]}


@router.get("/jobs")
def jobs_list(uow: Tx, request: Request, actor: Actor = policy("jobs:read", Role.ADMIN, Role.TEACHER)
              ) -> HTMLResponse:
    """The jobs the reader may see, newest first: an admin's school's, a teacher's own."""
    return render(request, "jobs/list.html", views=jobs.recent(uow, actor), status_words=STATUS_WORDS)


@router.get("/jobs/{job_id}")
def job_page(uow: Tx, request: Request, job_id: str,
             actor: Actor = policy("jobs:read", Role.ADMIN, Role.TEACHER)) -> HTMLResponse:
    """One job: a progress bar while it waits or runs, then what it did or why it failed."""
    return render(request, "jobs/detail.html", **_context(jobs.get(uow, actor, job_id)))


@router.get("/jobs/{job_id}/progress")
def job_progress(uow: Tx, request: Request, job_id: str,
                 actor: Actor = policy("jobs:read", Role.ADMIN, Role.TEACHER)) -> HTMLResponse:
    """The progress part of the job page (the page asks for it every second while the job runs)."""
    return render(request, "jobs/_progress.html", **_context(jobs.get(uow, actor, job_id)))


@router.get("/jobs/{job_id}/file")
def job_file(uow: Tx, job_id: str, actor: Actor = policy("jobs:read", Role.ADMIN, Role.TEACHER)) -> Response:
    """The file the job made (an export), as a download."""
    name, media_type, data = jobs.output(uow, actor, job_id)
    return Response(data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})
