"""REST doors for background jobs: submit an import as a job (202 with the job), list the
jobs a caller may see, read one (its state, progress, result or error).

Routes translate only: ``services.jobs`` stores, runs and answers; ``services.access``
decides who sees which job (its owner and its school's admin; anyone else gets 404).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from pathwise.domain.people import Role
from pathwise.services import jobs
from pathwise.services.access import Actor
from pathwise.services.errors import Invalid
from pathwise.services.queue import queue_of
from pathwise.web.auth import system_of
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, tags=["jobs"])
MAX_UPLOAD = 16 * 1024 * 1024  # below the request limit; larger files go through `pathwise jobs submit`


class ProgressOut(BaseModel):
    done: int
    total: int = Field(description="0 while the size of the work is not known yet.")
    percent: int | None = Field(description="0-100; null while the size of the work is not known.")
    message: str = Field(description="What the job is doing now, in words.")


class JobOut(BaseModel):
    id: str
    kind: str
    title: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: ProgressOut
    result: dict[str, Any] = Field(description="What the job did (for an import, its report); "
                                               "for a rejected import, the report with every problem.")
    error: str | None = Field(description="Why the job failed, in words.")
    attempts: int = Field(description="How many workers have started it (more than one after a worker was lost).")
    owner_id: str | None
    school_id: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None


class JobListOut(BaseModel):
    jobs: list[JobOut]


@router.post("/jobs", status_code=202, response_model=JobOut, responses={
    202: {"description": "Stored and handed to the workers; follow it at `Location`."}})
def submit_job(uow: Tx, request: Request,
               kind: Annotated[Literal["roster-import", "responses-import", "framework-import", "items-import",
                                       "responses-export"], Form(
                   description="roster-import: a OneRoster CSV bundle (.zip); responses-import: a "
                               "response log in the canonical CSV; framework-import: a CASE package (.json); "
                               "items-import: an items file (.yaml, .json) or QTI (.xml item, .zip package); "
                               "responses-export: the school's answers as the canonical CSV (no file sent; "
                               "download it from /api/v1/jobs/{id}/file once the job has succeeded).")],
               file: Annotated[UploadFile | None, File(description="The file an import works on.")] = None,
               skip_bad: Annotated[bool, Form(description="roster-import and responses-import: leave bad rows "
                                                          "out and import the rest.")] = False,
               framework_id: Annotated[str, Form(max_length=200, description="items-import: the framework the "
                                                 "items belong to (default: as the file says).")] = "",
               skills: Annotated[str, Form(max_length=2000, description="items-import: skill codes for QTI "
                                           "items, comma-separated (QTI carries none).")] = "",
               actor: Actor = policy("jobs:submit", Role.ADMIN)) -> JSONResponse:
    """Import a file, or export the school's answers, in the background; the answer is the
    job (202), to be read again at /api/v1/jobs/{id} until its status is `succeeded` or
    `failed`."""
    upload: tuple[str, bytes] | None = None
    if kind == "responses-export":
        if file is not None and file.filename:
            raise Invalid("file: an export takes no file", field="file")
    else:
        if file is None:
            raise Invalid("file: an import needs the file it works on", field="file")
        data = file.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise Invalid(f"file: larger than {MAX_UPLOAD // 2**20} MB (use `pathwise jobs submit` on the server)",
                          field="file")
        if not data:
            raise Invalid("file: empty upload", field="file")
        upload = (file.filename or kind, data)
    params: dict[str, Any] = {"skip_bad": skip_bad} if kind in ("roster-import", "responses-import") else {}
    if kind == "items-import":
        params = {"framework_id": framework_id.strip(),
                  "skills": [c.strip() for c in skills.split(",") if c.strip()]}
    view = jobs.submit(uow, actor, kind, params=params, file=upload,
                       enqueue=queue_of(system_of(request)).enqueue)
    return JSONResponse(view.as_dict(), status_code=202, headers={"Location": f"/api/v1/jobs/{view.id}"})


@router.get("/jobs", response_model=JobListOut)
def list_jobs(uow: Tx, actor: Actor = policy("jobs:read", Role.ADMIN, Role.TEACHER)) -> dict[str, Any]:
    """The latest jobs the caller may see, newest first (an admin: their school's)."""
    return {"jobs": [v.as_dict() for v in jobs.recent(uow, actor)]}


@router.get("/jobs/{job_id}", response_model=JobOut)
def read_job(uow: Tx, job_id: str, actor: Actor = policy("jobs:read", Role.ADMIN, Role.TEACHER)) -> dict[str, Any]:
    """One job: its status, progress, and its result or error."""
    return jobs.get(uow, actor, job_id).as_dict()


@router.get("/jobs/{job_id}/file", response_class=Response, responses={
    200: {"description": "The file the job made.", "content": {"text/csv": {}}},
    404: {"description": "No such job for the caller, or it made no file (yet)."}})
def job_file(uow: Tx, job_id: str, actor: Actor = policy("jobs:read", Role.ADMIN, Role.TEACHER)) -> Response:
    """The file a job made (an export's CSV), once the job has succeeded."""
    name, media_type, data = jobs.output(uow, actor, job_id)
    return Response(data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})
