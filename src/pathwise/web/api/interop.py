"""REST doors for the standards: roster (OneRoster zip) import, CASE import and export,
evidence as xAPI statements, and a learner's privacy export and deletion.

Routes translate HTTP to the same interop and service calls the CLI makes; they hold
no rules. Imports answer with the summary (created/updated/removed per entity and
every problem with file, line and field); an import with errors answers 422 and
stores nothing unless ``skip_bad`` is set.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from pathwise.domain.people import Role
from pathwise.interop import case, oneroster
from pathwise.services import xapi_evidence
from pathwise.services import privacy, roster
from pathwise.services.access import Actor
from pathwise.services.errors import Invalid
from pathwise.web.api.schemas import ErrorOut
from pathwise.web.auth import system_of
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, tags=["standards"])
# An upload through the web: below the request body limit (config.max_request_bytes, 20 MiB by
# default), so the route names the file; larger bundles and packages go through the command line.
MAX_UPLOAD = min(oneroster.MAX_BUNDLE_BYTES, 16 * 1024 * 1024)


class _Open(BaseModel):
    """An answer that may carry more keys than the ones named here."""

    model_config = ConfigDict(extra="allow")


class CountsOut(BaseModel):
    created: int
    updated: int
    removed: int
    unchanged: int


class ProblemOut(BaseModel):
    file: str
    line: int | None
    field: str | None
    message: str
    severity: Literal["error", "warning"]
    path: str | None = Field(None, description="Where inside a structured document, when there is one.")


class RosterReportOut(BaseModel):
    version: str = Field(description="The OneRoster version of the bundle.")
    dry_run: bool
    skip_bad: bool
    applied: bool = Field(description="Whether anything was stored.")
    counts: dict[str, CountsOut] = Field(description="Per entity (org, user, class, enrollment, ...).")
    errors: list[ProblemOut]
    warnings: list[ProblemOut]
    skipped_rows: int


class RosterRejectedOut(ErrorOut):
    report: RosterReportOut | None = Field(None, description="What the import found, when the file was a bundle.")


class FrameworkImportOut(BaseModel):
    framework_id: str
    created: bool
    skills: dict[str, int]
    units: int
    prerequisites: int
    associations: dict[str, int]
    warnings: list[str]


class CasePackageOut(_Open):
    CFDocument: dict[str, Any]
    CFItems: list[dict[str, Any]]
    CFAssociations: list[dict[str, Any]]


class LearnerExportOut(_Open):
    format: str
    exported_at: str
    learner: dict[str, Any]
    classes: list[dict[str, Any]]
    guardians: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    mastery: list[dict[str, Any]]
    focus: list[dict[str, Any]]
    records: dict[str, list[dict[str, Any]]] = Field(description="Every stored row about the learner, by table.")


class StatementOut(_Open):
    """An xAPI statement: who did what, with which result, when."""

    id: str
    actor: dict[str, Any]
    verb: dict[str, Any]
    object: dict[str, Any]
    timestamp: str


class DeletionOut(BaseModel):
    deleted: dict[str, int] = Field(description="Rows deleted (or kept pseudonymised), by table.")
    reference: str = Field(description="A one-way reference to the learner, to show later that it was done.")


class ScoreSentOut(BaseModel):
    user_id: str
    score: float


class ScoresOut(BaseModel):
    sent: list[ScoreSentOut]
    problems: list[str]


NOT_YOURS = {404: {"model": ErrorOut, "description": "Missing, or not yours to see (the two look the same)."}}
PRIVACY = {**NOT_YOURS, 403: {"model": ErrorOut, "description": (
    "A teacher asked: a learner's whole record goes only to the learner, a guardian or the school's "
    "administrator.")}}


def _read_upload(file: UploadFile, limit: int = MAX_UPLOAD) -> bytes:
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise Invalid(f"file: larger than {limit // 2**20} MB", field="file")
    if not data:
        raise Invalid("file: empty upload", field="file")
    return data


@router.post("/admin/roster/import", responses={200: {"model": RosterReportOut}, 422: {"model": RosterRejectedOut,
              "description": "The file is not a readable bundle, or (without skip_bad) has errors: nothing was "
                             "stored; `report` lists every problem."}})
def import_roster(uow: Tx, file: Annotated[UploadFile, File(description="OneRoster CSV bundle (.zip)")],
                  dry_run: Annotated[bool, Query(description="Report what would change; store nothing.")] = False,
                  skip_bad: Annotated[bool, Query(description="Leave bad rows out and import the rest.")] = False,
                  actor: Actor = policy("roster:import", Role.ADMIN)) -> JSONResponse:
    """Import (sync) a OneRoster 1.1 or 1.2 CSV bundle uploaded as a zip."""
    data = _read_upload(file)
    try:
        bundle = oneroster.read_bundle(data)
    except oneroster.BundleUnreadable as exc:
        raise Invalid(f"file: {exc}", field="file") from None
    try:
        report = roster.import_roster(uow, actor, bundle, dry_run=dry_run, skip_bad=skip_bad)
    except roster.RosterRejected as exc:
        return JSONResponse({"detail": str(exc), "field": None, "problems": exc.problems,
                             "report": exc.report.as_dict()}, status_code=422)
    return JSONResponse(report.as_dict())


@router.post("/admin/frameworks/import", responses={422: {"model": ErrorOut, "description": (
    "The file is not a CASE package Pathwise can read; `problems` names every fault by its JSON path.")}})
def import_framework(uow: Tx, request: Request, file: Annotated[UploadFile, File(description="CASE CFPackage (.json)")],
                     actor: Actor = policy("frameworks:import", Role.ADMIN)) -> FrameworkImportOut:
    """Import a CASE 1.0 or 1.1 CFPackage; a second import of the same document updates it."""
    data = _read_upload(file, min(case.MAX_PACKAGE_BYTES, MAX_UPLOAD))
    return FrameworkImportOut(**case.import_package(uow, actor, data,
                                                    mastery_threshold=system_of(request).settings.mastery_threshold)
                              .as_dict())


@router.get("/frameworks/{framework_id}/case", responses={200: {"model": CasePackageOut}, **NOT_YOURS})
def export_framework(uow: Tx, request: Request, framework_id: str,
                     actor: Actor = policy("frameworks:export", Role.ADMIN, Role.TEACHER)) -> JSONResponse:
    """The framework as a CASE 1.1 CFPackage."""
    base = str(request.base_url).rstrip("/")
    return JSONResponse(case.export_package(uow, actor, framework_id, base_url=base))


@router.get("/learners/{learner_id}/export", responses={200: {"model": LearnerExportOut}, **PRIVACY})
def export_learner(uow: Tx, learner_id: str, actor: Actor = policy("privacy:export")) -> JSONResponse:
    """Everything Pathwise holds about a learner (the learner, a guardian or an administrator)."""
    data = privacy.export_learner(uow, actor, learner_id)
    return JSONResponse(data, headers={"Content-Disposition": f'attachment; filename="learner-{learner_id}.json"'})


@router.get("/learners/{learner_id}/evidence/xapi", responses={200: {"model": list[StatementOut]}, **NOT_YOURS})
def learner_evidence_xapi(request: Request, uow: Tx, learner_id: str,
                          actor: Actor = policy("evidence:read")) -> JSONResponse:
    """A learner's evidence as xAPI statements (one per evidence record), for an LRS or analysis."""
    home = str(request.base_url).rstrip("/") + "/users"
    return JSONResponse(xapi_evidence.evidence_as_statements(uow, actor, learner_id, home_page=home))


@router.get("/evidence/xapi", responses={200: {"model": list[StatementOut]}})
def evidence_xapi(request: Request, uow: Tx,
                  actor: Actor = policy("evidence:read", Role.TEACHER, Role.ADMIN)) -> JSONResponse:
    """The evidence of every learner the caller may see (a teacher's classes, an admin's
    school) as xAPI statements."""
    home = str(request.base_url).rstrip("/") + "/users"
    return JSONResponse(xapi_evidence.evidence_as_statements(uow, actor, home_page=home))


@router.delete("/learners/{learner_id}/record", responses=NOT_YOURS)
def delete_learner(uow: Tx, learner_id: str,
                   actor: Actor = policy("privacy:delete", Role.ADMIN)) -> DeletionOut:
    """Delete a learner's whole record; verified by a sweep of every table before it is kept."""
    return DeletionOut(**privacy.delete_learner(uow, actor, learner_id))


@router.post("/lti/platforms/{platform_id}/resource-links/{resource_link_id}/scores", responses=NOT_YOURS)
def send_scores(request: Request, platform_id: str, resource_link_id: str,
                actor: Actor = policy("lti:scores", Role.TEACHER, Role.ADMIN)) -> ScoresOut:
    """Send the class's mastery for this placed activity to the LMS gradebook (AGS)."""
    from pathwise.interop.lti.ags import post_mastery_for_class

    sent, problems = post_mastery_for_class(system_of(request), actor, platform_id, resource_link_id,
                                            http=getattr(request.app.state, "lti_http", None))
    return ScoresOut(sent=[ScoreSentOut(user_id=s.user_id, score=s.score) for s in sent], problems=problems)
