"""REST doors for the standards: roster (OneRoster zip) import, CASE import and export,
evidence as xAPI statements, and a learner's privacy export and deletion.

Routes translate HTTP to the same interop and service calls the CLI makes; they hold
no rules. Imports answer with the summary (created/updated/removed per entity and
every problem with file, line and field); an import with errors answers 422 and
stores nothing unless ``skip_bad`` is set.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from pathwise.domain.people import Role
from pathwise.interop import case, oneroster
from pathwise.services import xapi_evidence
from pathwise.services import privacy, roster
from pathwise.services.access import Actor
from pathwise.services.errors import Invalid
from pathwise.web.auth import system_of
from pathwise.web.deps import Tx
from pathwise.web.policy import policy

router = APIRouter(tags=["standards"])
# An upload through the web: below the request body limit (config.max_request_bytes, 20 MiB by
# default), so the route names the file; larger bundles and packages go through the command line.
MAX_UPLOAD = min(oneroster.MAX_BUNDLE_BYTES, 16 * 1024 * 1024)


def _read_upload(file: UploadFile, limit: int = MAX_UPLOAD) -> bytes:
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise Invalid(f"file: larger than {limit // 2**20} MB", field="file")
    if not data:
        raise Invalid("file: empty upload", field="file")
    return data


@router.post("/admin/roster/import")
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


@router.post("/admin/frameworks/import")
def import_framework(uow: Tx, request: Request, file: Annotated[UploadFile, File(description="CASE CFPackage (.json)")],
                     actor: Actor = policy("frameworks:import", Role.ADMIN)) -> dict[str, Any]:
    """Import a CASE 1.0 or 1.1 CFPackage; a second import of the same document updates it."""
    data = _read_upload(file, min(case.MAX_PACKAGE_BYTES, MAX_UPLOAD))
    return case.import_package(uow, actor, data,
                               mastery_threshold=system_of(request).settings.mastery_threshold).as_dict()


@router.get("/frameworks/{framework_id}/case")
def export_framework(uow: Tx, request: Request, framework_id: str,
                     actor: Actor = policy("frameworks:export", Role.ADMIN, Role.TEACHER)) -> JSONResponse:
    """The framework as a CASE 1.1 CFPackage."""
    base = str(request.base_url).rstrip("/")
    return JSONResponse(case.export_package(uow, actor, framework_id, base_url=base))


@router.get("/learners/{learner_id}/export")
def export_learner(uow: Tx, learner_id: str, actor: Actor = policy("privacy:export")) -> JSONResponse:
    """Everything Pathwise holds about a learner (the learner, a guardian or an administrator)."""
    data = privacy.export_learner(uow, actor, learner_id)
    return JSONResponse(data, headers={"Content-Disposition": f'attachment; filename="learner-{learner_id}.json"'})


@router.get("/learners/{learner_id}/evidence/xapi")
def learner_evidence_xapi(request: Request, uow: Tx, learner_id: str,
                          actor: Actor = policy("evidence:read")) -> JSONResponse:
    """A learner's evidence as xAPI statements (one per evidence record), for an LRS or analysis."""
    home = str(request.base_url).rstrip("/") + "/users"
    return JSONResponse(xapi_evidence.evidence_as_statements(uow, actor, learner_id, home_page=home))


@router.get("/evidence/xapi")
def evidence_xapi(request: Request, uow: Tx,
                  actor: Actor = policy("evidence:read", Role.TEACHER, Role.ADMIN)) -> JSONResponse:
    """The evidence of every learner the caller may see (a teacher's classes, an admin's
    school) as xAPI statements."""
    home = str(request.base_url).rstrip("/") + "/users"
    return JSONResponse(xapi_evidence.evidence_as_statements(uow, actor, home_page=home))


@router.delete("/learners/{learner_id}/record")
def delete_learner(uow: Tx, learner_id: str,
                   actor: Actor = policy("privacy:delete", Role.ADMIN)) -> dict[str, Any]:
    """Delete a learner's whole record; verified by a sweep of every table before it is kept."""
    return privacy.delete_learner(uow, actor, learner_id)


@router.post("/lti/platforms/{platform_id}/resource-links/{resource_link_id}/scores")
def send_scores(request: Request, platform_id: str, resource_link_id: str,
                actor: Actor = policy("lti:scores", Role.TEACHER, Role.ADMIN)) -> dict[str, Any]:
    """Send the class's mastery for this placed activity to the LMS gradebook (AGS)."""
    from pathwise.interop.lti.ags import post_mastery_for_class

    sent, problems = post_mastery_for_class(system_of(request), actor, platform_id, resource_link_id,
                                            http=getattr(request.app.state, "lti_http", None))
    return {"sent": [{"user_id": s.user_id, "score": s.score} for s in sent], "problems": problems}
