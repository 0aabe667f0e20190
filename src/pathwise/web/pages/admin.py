"""The school administrator's pages: the school's settings (its time zone), roster import,
accounts, frameworks and items, privacy requests and a learner's audit trail.

Plain HTML forms that work without JavaScript. Each view reads the form, calls the same use
case the API and the command line call (services.roster, services.school_admin,
interop.case, services.items, services.privacy), and draws the answer; the rules (the
admin's own school only, the password rule, who may delete) live in the services. A person,
learner or framework of another school answers 404 like a missing one.

Uploads have their own limits (``PAGE_UPLOAD``), below the request body limit. A roster is
checked first (a dry run shows what would change and every problem by file, line and
field); the import then applies exactly the bundle that was checked: the report page
carries it back (small bundles) or asks for the same file again, and its digest must match.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.interop import case, oneroster
from pathwise.interop.item_files import read_items_file
from pathwise.services import jobs, privacy, roster, school_admin
from pathwise.services.queue import queue_of
from pathwise.services.access import Actor
from pathwise.services.errors import Conflict, Invalid
from pathwise.services.items import import_items
from pathwise.web.auth import system_of
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages import timefmt
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

PAGE_UPLOAD = 8 * 1024 * 1024  # a file sent through a page; larger ones go through the command line
CARRY_BACK = 700 * 1024  # a checked roster this small rides back in the report page's Import form
ROLE_CHOICES = [(Role.STUDENT, "Student"), (Role.TEACHER, "Teacher"), (Role.GUARDIAN, "Family member"),
                (Role.ADMIN, "Administrator")]
DONE = {"created": "The account was created.", "password": "The new password is set; the person's sessions ended.",
        "deactivated": "The account is deactivated: it can no longer sign in.",
        "activated": "The account is active again.", "linked": "Linked.", "unlinked": "The link was removed."}


def _admin(name: str) -> Actor:
    return policy(name, Role.ADMIN)


def _read(file: UploadFile | None, what: str) -> bytes:
    """The uploaded file's bytes, or ``Invalid`` with words a person can act on."""
    if file is None or not file.filename:
        raise Invalid(f"choose {what} to upload", field="file")
    data = file.file.read(PAGE_UPLOAD + 1)
    if len(data) > PAGE_UPLOAD:
        raise Invalid(f"the file is larger than {PAGE_UPLOAD // 2**20} MB, the most a page accepts "
                      "(use the command line for larger files)", field="file")
    if not data:
        raise Invalid("the file is empty", field="file")
    return data


# -- the school's settings -------------------------------------------------------------------------


def _zone_groups() -> list[tuple[str, list[str]]]:
    """The zone names by region ("Europe", "America", ...), for a list a person can scan."""
    names = sorted(school_admin.time_zones(), key=lambda n: (n.split("/", 1)[0] if "/" in n else "", n))
    return [(region or "Universal", list(group))
            for region, group in groupby(names, key=lambda n: n.split("/", 1)[0] if "/" in n else "")]


def _settings_page(uow: Tx, request: Request, actor: Actor, status_code: int = 200, problem: str | None = None,
                   notice: str | None = None, chosen: str | None = None) -> HTMLResponse:
    settings = school_admin.school_settings(uow, actor)
    tz = timefmt.zone(settings.time_zone)
    now = datetime.now(UTC)
    local_now = timefmt.full_text(now, tz)
    return render(request, "admin/settings.html", status_code=status_code, settings=settings, zones=_zone_groups(),
                  chosen=chosen or settings.time_zone, local_now=local_now, problem=problem, notice=notice)


@router.get("/admin/settings")
def settings_page(uow: Tx, request: Request, done: Annotated[str, Query(max_length=20)] = "",
                  actor: Actor = _admin("school:settings")) -> HTMLResponse:
    return _settings_page(uow, request, actor, notice="Saved: pages now show times in the school's time zone."
                          if done == "zone" else None)


@router.post("/admin/settings")
def settings_save(uow: Tx, request: Request, time_zone: Annotated[str, Form(max_length=100)] = "",
                  actor: Actor = _admin("school:settings")) -> Response:
    try:
        school_admin.set_time_zone(uow, actor, time_zone)
    except Invalid as exc:
        return _settings_page(uow, request, actor, 422, problem=str(exc))
    return RedirectResponse("/admin/settings?done=zone", status_code=303)


# -- roster import ---------------------------------------------------------------------------------


def _roster_page(request: Request, status_code: int = 200, **context: object) -> HTMLResponse:
    return render(request, "admin/roster.html", status_code=status_code, **context)


@router.get("/admin/roster")
def roster_form(request: Request, actor: Actor = _admin("roster:import")) -> HTMLResponse:
    return _roster_page(request)


def _run_roster(uow: Tx, actor: Actor, data: bytes, *, dry_run: bool, skip_bad: bool
                ) -> tuple[roster.RosterReport | None, str | None, bool]:
    """(report, problem, rejected): a bundle that cannot be read is a problem; one with
    errors a rejected report."""
    try:
        bundle = oneroster.read_bundle(data)
    except oneroster.BundleUnreadable as exc:
        return None, f"This is not a OneRoster bundle Pathwise can read: {exc}", False
    try:
        return roster.import_roster(uow, actor, bundle, dry_run=dry_run, skip_bad=skip_bad), None, False
    except roster.RosterRejected as exc:
        return exc.report, None, True


@router.post("/admin/roster/check")
def roster_check(uow: Tx, request: Request, file: Annotated[UploadFile | None, File()] = None,
                 skip_bad: Annotated[str, Form(max_length=10)] = "",
                 actor: Actor = _admin("roster:import")) -> HTMLResponse:
    """The dry run: what the import would do, and every problem; nothing is stored."""
    try:
        data = _read(file, "a OneRoster bundle (.zip)")
    except Invalid as exc:
        return _roster_page(request, 422, problem=str(exc))
    report, problem, rejected = _run_roster(uow, actor, data, dry_run=True, skip_bad=bool(skip_bad))
    if report is None:
        return _roster_page(request, 422, problem=problem)
    carried = base64.b64encode(data).decode() if len(data) <= CARRY_BACK else ""
    return _roster_page(request, report=report, rejected=rejected, checked=hashlib.sha256(data).hexdigest(),
                        carried=carried, filename=(file.filename if file else "") or "bundle.zip",
                        skip_bad=bool(skip_bad), stage="checked")


@router.post("/admin/roster/import")
def roster_import(uow: Tx, request: Request, checked: Annotated[str, Form(max_length=64)] = "",
                  bundle: Annotated[str, Form()] = "", file: Annotated[UploadFile | None, File()] = None,
                  skip_bad: Annotated[str, Form(max_length=10)] = "",
                  filename: Annotated[str, Form(max_length=200)] = "",
                  actor: Actor = _admin("roster:import")) -> Response:
    """Apply the bundle that was checked (the same bytes: its digest must match), as a
    background job: the answer is the job's page, which follows it to the end."""
    try:
        if file is not None and file.filename:
            data = _read(file, "the roster file")
        else:
            data = base64.b64decode(bundle.encode(), validate=True)
    except (Invalid, binascii.Error, ValueError) as exc:
        return _roster_page(request, 422, problem=str(exc) if isinstance(exc, Invalid) else
                            "The checked roster did not come back whole: check the file again.")
    if not data or hashlib.sha256(data).hexdigest() != checked:
        return _roster_page(request, 422, problem="This is not the file that was checked: check it first, then "
                                                  "import it.")
    # the job is named after the file the admin chose (carried from the check as a field)
    name = Path((file.filename if file is not None and file.filename else filename) or "roster.zip").name or "roster.zip"
    view = jobs.submit(uow, actor, "roster-import", params={"skip_bad": bool(skip_bad)}, file=(name, data),
                       enqueue=queue_of(system_of(request)).enqueue)
    return RedirectResponse(f"/jobs/{view.id}", status_code=303)


@router.post("/admin/responses/export")
def responses_export(uow: Tx, request: Request, actor: Actor = _admin("jobs:submit")) -> Response:
    """Every answer of the school as the canonical CSV, written by a background job: the
    answer is the job's page, which offers the file once it is written."""
    view = jobs.submit(uow, actor, "responses-export", enqueue=queue_of(system_of(request)).enqueue)
    return RedirectResponse(f"/jobs/{view.id}", status_code=303)


# -- accounts --------------------------------------------------------------------------------------


def _role_of(text: str) -> Role | None:
    try:
        return Role(text) if text else None
    except ValueError:
        return None


def _accounts_page(uow: Tx, request: Request, actor: Actor, q: str = "", role: str = "", status_code: int = 200,
                   **context: object) -> HTMLResponse:
    found = school_admin.accounts(uow, actor, q, _role_of(role))
    return render(request, "admin/accounts.html", status_code=status_code, found=found, q=q, role=role,
                  roles=ROLE_CHOICES, role_words=school_admin.ROLE_WORDS, draft=context.pop("draft", {}),
                  **context)


@router.get("/admin/accounts")
def accounts_page(uow: Tx, request: Request, q: Annotated[str, Query(max_length=100)] = "",
                  role: Annotated[str, Query(max_length=20)] = "",
                  actor: Actor = _admin("accounts:manage")) -> HTMLResponse:
    return _accounts_page(uow, request, actor, q, role)


@router.post("/admin/accounts")
def create_account(uow: Tx, request: Request, role: Annotated[str, Form(max_length=20)] = "",
                   display_name: Annotated[str, Form(max_length=200)] = "",
                   username: Annotated[str, Form(max_length=64)] = "",
                   password: Annotated[str, Form(max_length=1024)] = "",
                   grade: Annotated[str, Form(max_length=16)] = "",
                   actor: Actor = _admin("accounts:manage")) -> Response:
    draft = {"role": role, "display_name": display_name, "username": username, "grade": grade}
    chosen = _role_of(role)
    if chosen is None:
        return _accounts_page(uow, request, actor, status_code=422, problem="role: choose what the person is",
                              draft=draft)
    try:
        user = school_admin.create_account(uow, actor, role=chosen, display_name=display_name, username=username,
                                           password=password, grade=grade)
    except (Invalid, Conflict) as exc:
        return _accounts_page(uow, request, actor, status_code=422 if isinstance(exc, Invalid) else 409,
                              problem=str(exc), draft=draft)
    return RedirectResponse(f"/admin/accounts/{user.id}?done=created", status_code=303)


def _account_page(uow: Tx, request: Request, actor: Actor, user_id: str, status_code: int = 200,
                  problem: str | None = None, done: str = "") -> HTMLResponse:
    acc = school_admin.account(uow, actor, user_id)
    others: list[object] = []
    if acc.user.role in (Role.GUARDIAN, Role.STUDENT):
        wanted = Role.STUDENT if acc.user.role == Role.GUARDIAN else Role.GUARDIAN
        linked = {u.id for u in acc.linked}
        others = [a.user for a in school_admin.accounts(uow, actor, role=wanted).accounts if a.user.id not in linked]
    return render(request, "admin/account.html", status_code=status_code, acc=acc, others=others,
                  problem=problem, notice=DONE.get(done), role_words=school_admin.ROLE_WORDS,
                  is_me=acc.user.id == actor.user_id)


@router.get("/admin/accounts/{user_id}")
def account_page(uow: Tx, request: Request, user_id: str, done: Annotated[str, Query(max_length=20)] = "",
                 actor: Actor = _admin("accounts:manage")) -> HTMLResponse:
    return _account_page(uow, request, actor, user_id, done=done)


@router.post("/admin/accounts/{user_id}/password")
def reset_password(uow: Tx, request: Request, user_id: str, password: Annotated[str, Form(max_length=1024)] = "",
                   actor: Actor = _admin("accounts:manage")) -> Response:
    try:
        school_admin.reset_password(uow, actor, user_id, password)
    except Invalid as exc:
        return _account_page(uow, request, actor, user_id, 422, str(exc))
    return RedirectResponse(f"/admin/accounts/{user_id}?done=password", status_code=303)


@router.post("/admin/accounts/{user_id}/active")
def set_active(uow: Tx, request: Request, user_id: str, active: Annotated[str, Form(max_length=5)] = "0",
               actor: Actor = _admin("accounts:manage")) -> Response:
    on = active == "1"
    try:
        school_admin.set_active(uow, actor, user_id, on)
    except Invalid as exc:
        return _account_page(uow, request, actor, user_id, 422, str(exc))
    return RedirectResponse(f"/admin/accounts/{user_id}?done={'activated' if on else 'deactivated'}",
                            status_code=303)


@router.post("/admin/accounts/{user_id}/links")
def link(uow: Tx, request: Request, user_id: str, other_id: Annotated[str, Form(max_length=64)] = "",
         actor: Actor = _admin("accounts:manage")) -> Response:
    try:
        school_admin.link_guardian(uow, actor, user_id, other_id)
    except Invalid as exc:
        return _account_page(uow, request, actor, user_id, 422, str(exc))
    return RedirectResponse(f"/admin/accounts/{user_id}?done=linked", status_code=303)


@router.post("/admin/accounts/{user_id}/links/remove")
def unlink(uow: Tx, request: Request, user_id: str, other_id: Annotated[str, Form(max_length=64)] = "",
           actor: Actor = _admin("accounts:manage")) -> Response:
    try:
        school_admin.unlink_guardian(uow, actor, user_id, other_id)
    except Invalid as exc:
        return _account_page(uow, request, actor, user_id, 422, str(exc))
    return RedirectResponse(f"/admin/accounts/{user_id}?done=unlinked", status_code=303)


# -- frameworks and items --------------------------------------------------------------------------


def _frameworks_page(uow: Tx, request: Request, actor: Actor, status_code: int = 200,
                     **context: object) -> HTMLResponse:
    return render(request, "admin/frameworks.html", status_code=status_code,
                  frameworks=school_admin.frameworks(uow, actor), **context)


@router.get("/admin/frameworks")
def frameworks_page(uow: Tx, request: Request, actor: Actor = _admin("frameworks:import")) -> HTMLResponse:
    return _frameworks_page(uow, request, actor)


@router.post("/admin/frameworks/import")
def import_framework(uow: Tx, request: Request, file: Annotated[UploadFile | None, File()] = None,
                     actor: Actor = _admin("frameworks:import")) -> Response:
    """Import a CASE package as a background job: the answer is the job's page, which follows
    it to its end (the framework imported, or every problem of the package)."""
    try:
        data = _read(file, "a CASE package (.json)")
        case.check_package(data)  # a package that cannot be read is said here, and no job is made
    except Invalid as exc:
        return _frameworks_page(uow, request, actor, 422, case_problem=str(exc), case_problems=exc.problems[:100])
    name = Path((file.filename if file is not None else "") or "framework.json").name or "framework.json"
    view = jobs.submit(uow, actor, "framework-import", file=(name, data), enqueue=queue_of(system_of(request)).enqueue)
    return RedirectResponse(f"/jobs/{view.id}", status_code=303)


@router.post("/admin/items/import")
def import_item_file(uow: Tx, request: Request, file: Annotated[UploadFile | None, File()] = None,
                     framework_id: Annotated[str, Form(max_length=200)] = "",
                     skills: Annotated[str, Form(max_length=2000)] = "",
                     dry_run: Annotated[str, Form(max_length=10)] = "",
                     actor: Actor = _admin("frameworks:import")) -> Response:
    """An items file (YAML or JSON) or QTI (an item .xml or a package .zip); all or nothing.
    "Only check" answers here (nothing is stored); the import itself runs as a background
    job, and the answer is the job's page."""
    try:
        data = _read(file, "an items file (.yaml, .json, .xml or .zip)")
    except Invalid as exc:
        return _frameworks_page(uow, request, actor, 422, items_problems=[str(exc)])
    name = Path((file.filename if file else "") or "items").name or "items"
    codes = tuple(s.strip() for s in skills.split(",") if s.strip())
    # checked here first (nothing stored), so that every problem is said at once, on this page
    parsed = read_items_file(data, name, codes)
    report = import_items(uow, actor, parsed.items, parsed.problems,
                          framework_id=framework_id.strip() or parsed.framework_id, dry_run=True)
    if report.problems:
        return _frameworks_page(uow, request, actor, 422, items_problems=[str(p) for p in report.problems[:100]],
                                items_more=max(0, len(report.problems) - 100))
    if dry_run:
        return _frameworks_page(uow, request, actor, items_report=report)
    view = jobs.submit(uow, actor, "items-import", params={"framework_id": framework_id.strip(),
                                                           "skills": list(codes)},
                       file=(name, data), enqueue=queue_of(system_of(request)).enqueue)
    return RedirectResponse(f"/jobs/{view.id}", status_code=303)


@router.get("/admin/frameworks/{framework_id}")
def framework_page(uow: Tx, request: Request, framework_id: str,
                   actor: Actor = _admin("frameworks:import")) -> HTMLResponse:
    return render(request, "admin/framework.html", detail=school_admin.framework_detail(uow, actor, framework_id))


# -- privacy requests and the audit trail ---------------------------------------------------------


@router.get("/admin/privacy")
def privacy_home(uow: Tx, request: Request, q: Annotated[str, Query(max_length=100)] = "",
                 actor: Actor = _admin("privacy:manage")) -> HTMLResponse:
    found = school_admin.accounts(uow, actor, q, Role.STUDENT)
    return render(request, "admin/privacy.html", found=found, q=q)


def _learner_privacy(uow: Tx, request: Request, actor: Actor, learner_id: str, status_code: int = 200,
                     problem: str | None = None) -> HTMLResponse:
    learner = school_admin.learner_in_school(uow, actor, learner_id, "privacy")
    return render(request, "admin/learner_privacy.html", status_code=status_code, learner=learner, problem=problem)


@router.get("/admin/learners/{learner_id}/privacy")
def learner_privacy(uow: Tx, request: Request, learner_id: str,
                    actor: Actor = _admin("privacy:manage")) -> HTMLResponse:
    return _learner_privacy(uow, request, actor, learner_id)


@router.get("/admin/learners/{learner_id}/export")
def learner_export(uow: Tx, learner_id: str, actor: Actor = _admin("privacy:export")) -> JSONResponse:
    data = privacy.export_learner(uow, actor, learner_id)
    return JSONResponse(data, headers={"Content-Disposition": f'attachment; filename="learner-{learner_id}.json"'})


@router.post("/admin/learners/{learner_id}/delete")
def learner_delete(uow: Tx, request: Request, learner_id: str, confirm: Annotated[str, Form(max_length=200)] = "",
                   actor: Actor = _admin("privacy:delete")) -> HTMLResponse:
    """Delete the learner's whole record once the admin has typed the learner's name."""
    learner = school_admin.learner_in_school(uow, actor, learner_id, "privacy")
    if " ".join(confirm.split()).casefold() != " ".join(learner.display_name.split()).casefold():
        return _learner_privacy(uow, request, actor, learner_id, 422,
                                f"To delete, type the learner's name exactly: {learner.display_name}.")
    name = learner.display_name
    report = privacy.delete_learner(uow, actor, learner_id)
    rows = sorted(report["deleted"].items())
    return render(request, "admin/deleted.html", learner_name=name, rows=rows, reference=report["reference"],
                  total=sum(n for _, n in rows))


@router.get("/admin/learners/{learner_id}/audit")
def learner_audit(uow: Tx, request: Request, learner_id: str,
                  page: Annotated[int, Query(ge=1, le=school_admin.MAX_AUDIT_PAGES)] = 1,
                  actor: Actor = _admin("audit:read")) -> HTMLResponse:
    trail = school_admin.audit_trail(uow, actor, learner_id, page)
    return render(request, "admin/audit.html", trail=trail)
