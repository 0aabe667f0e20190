"""Apply a OneRoster bundle to the school: a sync that creates, updates and removes.

``import_roster`` takes a bundle read by ``interop/oneroster.py`` and makes the
database agree with it: orgs become schools, classes become sections, users become
accounts with a role, enrollments put them in classes and the users file's
``agentSourcedIds`` link guardians to their children. Every record's sourcedId and a
fingerprint of its values are kept, so a second import of the same bundle changes
nothing and a changed record is updated in place, never duplicated.

Identifiers are scoped to the feed that sent them: an administrator's import acts on
their own school and its sourcedIds are looked up only among the records that school's
imports made (and the system's records about its own accounts and classes), so a
sourcedId another school uses is a new record here, never a move; an import into a
school never touches another school's accounts, classes, enrollments or guardian links.
The system's imports without a school (each org a school) keep their records in a
scope of their own.

Rules it keeps:
- One transaction (the caller's unit of work). Any error (in the bundle, or a reference
  to something that does not exist) means nothing is stored, unless ``skip_bad`` is
  given: then the bad rows and the rows that depend on them are left out and the rest is
  stored. ``dry_run`` runs the same code and rolls the unit of work back, so its summary
  is exactly what a real run would do.
- ``tobedeleted`` removes: a class is deleted with its enrollments; an enrollment is
  deleted; a user is deactivated and taken out of classes and guardian links (their
  evidence is kept: deleting a learner's record is a privacy request, see privacy.py);
  a school is deleted only when nothing is left in it. A bulk file is a full snapshot:
  classes, users and enrollments of the bundle's schools that it no longer lists are
  removed the same way.
- Passwords in the bundle are never read; imported accounts sign in through the
  school's single sign-on or get a password from an administrator.
It must not read files or parse CSV (the interop layer does) and must not commit when
there are errors and ``skip_bad`` is off.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pathwise.domain.clock import utcnow
from pathwise.domain.people import Role
from pathwise.domain.problems import Problem
from pathwise.services import experiments
from pathwise.services.access import Actor, require_role, school_scope
from pathwise.services.auth import revoke_all_access
from pathwise.services.errors import Invalid, NotFound
from pathwise.store.uow import UnitOfWork

Progress = Callable[[int, int, str], None]
ENTITIES = ("org", "academicSession", "course", "class", "user", "enrollment", "guardianLink")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0


@dataclass
class RosterReport:
    version: str
    dry_run: bool
    skip_bad: bool
    applied: bool = False
    counts: dict[str, Counts] = field(default_factory=lambda: {e: Counts() for e in ENTITIES})
    problems: list[Problem] = field(default_factory=list)
    skipped_rows: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def changed(self) -> int:
        return sum(c.created + c.updated + c.removed for c in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version, "dry_run": self.dry_run, "skip_bad": self.skip_bad, "applied": self.applied,
            "counts": {k: vars(v) for k, v in self.counts.items()},
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
            "skipped_rows": self.skipped_rows,
        }


class RosterRejected(Invalid):
    """The bundle has errors and ``skip_bad`` was not given: nothing was stored."""

    def __init__(self, report: RosterReport) -> None:
        n = len(report.errors)
        super().__init__(f"the roster has {n} error{'s' if n != 1 else ''}: nothing was imported "
                         "(fix them, or import with skip-bad to leave the bad rows out)",
                         field=None, problems=[str(p) for p in report.errors])
        self.report = report


def _fingerprint(status: str, values: dict[str, Any]) -> str:
    body = {k: v for k, v in values.items() if k != "dateLastModified"}
    return hashlib.sha256(json.dumps([status, body], sort_keys=True, default=str).encode()).hexdigest()


def _new_id() -> str:
    return uuid.uuid4().hex


class _Sync:
    """One import run inside one session; collects counts and problems."""

    def __init__(self, uow: UnitOfWork, bundle: Any, report: RosterReport, into_school: str | None,
                 progress: Progress | None) -> None:
        self.uow = uow
        self.db = uow.roster
        self.joined: set[str] = set()  # classes a student was enrolled in (experiments give them an arm)
        self.b = bundle
        self.r = report
        self.into_school = into_school
        self.scope = into_school or ""  # whose sourcedIds these are
        self.progress = progress
        self.done = 0
        self.total = max(1, bundle.count())
        self.held: dict[tuple[str, str], Any] = {(rec.kind, rec.sourced_id): rec
                                                 for rec in self.db.records(self.scope)}
        self.bad: dict[str, set[str]] = {k: set(v) for k, v in bundle.rejected.items()}
        self.touched_schools: set[str] = set()
        self.seen: dict[str, set[str]] = {}
        self.in_bundle: dict[str, set[str]] = {k: {r.sourced_id for r in v} for k, v in bundle.records.items()}
        # load what the sync will look at in a few queries instead of one per row
        held_users = [r.user_id for r in self.held.values() if r.kind == "user" and r.user_id]
        held_sections = [r.local_id for r in self.held.values() if r.kind == "class" and r.local_id]
        self.section_school, self.enrolled = self.db.preload(held_users, held_sections)
        wanted = [r.values["username"].lower() for r in bundle.records.get("user", []) if r.values.get("username")]
        self.usernames: dict[str, str] = self.db.user_ids_by_username(wanted)

    # -- helpers ----------------------------------------------------------------------------

    def problem(self, rec: Any, fld: str | None, message: str, severity: str = "error") -> None:
        self.r.problems.append(Problem(rec.file, message, line=rec.line, field=fld, severity=severity))
        if severity == "error":
            self.bad.setdefault(rec.kind, set()).add(rec.sourced_id)

    def tick(self, what: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total, what)

    def ours(self, school_id: str | None) -> bool:
        """Whether an import may change what is in ``school_id``: an import into a school
        changes only that school's accounts and classes."""
        return self.into_school is None or school_id == self.into_school

    def live(self, kind: str, sid: str) -> Any:
        """A record we hold that is not removed (whatever this bundle says)."""
        row = self.held.get((kind, sid))
        return row if row is not None and row.status != "tobedeleted" else None

    def save(self, rec: Any, local_id: str | None, *, user_id: str | None = None,
             school_id: str | None = None) -> None:
        self.held[(rec.kind, rec.sourced_id)] = self.db.save_record(
            rec.kind, rec.sourced_id, scope=self.scope, local_id=local_id, user_id=user_id, school_id=school_id,
            status=rec.status, fingerprint=_fingerprint(rec.status, rec.values), data=dict(rec.values), now=utcnow())

    def unchanged(self, rec: Any) -> bool:
        row = self.held.get((rec.kind, rec.sourced_id))
        return row is not None and row.fingerprint == _fingerprint(rec.status, rec.values)

    def school_of_org(self, sid: str, current: dict[str, str]) -> str | None:
        if sid in current:
            return current[sid]
        if self.into_school is not None and sid not in self.bad.get("org", set()):
            held = self.live("org", sid)
            return self.into_school if held is not None else None
        held = self.live("org", sid)
        if held is not None and held.local_id and self.db.school_exists(held.local_id):
            return held.local_id
        return None

    # -- entities ---------------------------------------------------------------------------

    def orgs(self) -> dict[str, str]:
        out: dict[str, str] = {}
        c = self.r.counts["org"]
        for rec in self.b.of("org"):
            self.tick("orgs")
            row = self.held.get(("org", rec.sourced_id))
            if rec.removed:
                if row is None or row.status == "tobedeleted":
                    c.unchanged += 1
                    self.save(rec, row.local_id if row else None)
                    continue
                sid = row.local_id
                if sid and self.into_school is None and self.db.school_exists(sid):
                    if self.db.school_in_use(sid):
                        self.problem(rec, "status", "tobedeleted, but the school still has users or classes: "
                                     "kept", "warning")
                    else:
                        self.db.delete_school(sid)
                c.removed += 1
                self.save(rec, sid)
                continue
            name = rec.values["name"]
            if self.into_school is not None:
                school_id = self.into_school
            elif row is not None and row.local_id and self.db.school_exists(row.local_id):
                school_id = row.local_id
            else:
                school_id = None
            if school_id is None:
                school_id = _new_id()
                self.db.add_school(school_id, name[:200])
                c.created += 1
            elif self.unchanged(rec):
                c.unchanged += 1
            else:
                if self.into_school is None:
                    self.db.rename_school(school_id, name[:200])
                if row is None and self.into_school is not None:
                    c.unchanged += 1  # the bundle's school is the one it is imported into: nothing new
                elif row is None:
                    c.created += 1
                else:
                    c.updated += 1
            out[rec.sourced_id] = school_id
            self.touched_schools.add(school_id)
            self.save(rec, school_id, school_id=school_id)
        return out

    def plain(self, kind: str, orgs: dict[str, str]) -> None:
        """academicSessions and courses: kept as records (no table of their own)."""
        c = self.r.counts[kind]
        for rec in self.b.of(kind):
            self.tick(kind)
            row = self.held.get((kind, rec.sourced_id))
            school_id = None
            if kind == "course" and not rec.removed:
                school_id = self.school_of_org(rec.values["orgSourcedId"], orgs)
                if school_id is None:
                    self.problem(rec, "orgSourcedId", f"no org {rec.values['orgSourcedId']!r} in the bundle "
                                 "or already imported")
                    continue
            if self.unchanged(rec):
                c.unchanged += 1
            elif rec.removed:
                if row is None or row.status == "tobedeleted":
                    c.unchanged += 1
                else:
                    c.removed += 1
            elif row is None or row.status == "tobedeleted":
                c.created += 1
            else:
                c.updated += 1
            self.save(rec, None, school_id=school_id)

    def classes(self, orgs: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        c = self.r.counts["class"]
        course_ids = {r.sourced_id for r in self.b.of("course") if not r.removed}
        check_courses = self.b.modes.get("course", "absent") != "absent"
        for rec in self.b.of("class"):
            self.tick("classes")
            self.seen.setdefault("class", set()).add(rec.sourced_id)
            row = self.held.get(("class", rec.sourced_id))
            local = row.local_id if row is not None and row.local_id else None
            if local is not None and (local not in self.section_school or not self.ours(self.section_school[local])):
                local = None
            if rec.removed:
                if local is not None and row is not None and row.status != "tobedeleted":
                    self.db.delete_section(local)
                    self.section_school.pop(local, None)
                    self.enrolled = {p for p in self.enrolled if p[0] != local}
                    c.removed += 1
                else:
                    c.unchanged += 1
                self.save(rec, None, school_id=row.school_id if row else None)
                continue
            v = rec.values
            school_id = self.school_of_org(v["schoolSourcedId"], orgs)
            if school_id is None:
                self.problem(rec, "schoolSourcedId", f"no org {v['schoolSourcedId']!r} in the bundle or "
                             "already imported")
                continue
            course = v["courseSourcedId"]
            if check_courses and course not in course_ids and self.live("course", course) is None:
                self.problem(rec, "courseSourcedId", f"no course {course!r} in the bundle or already imported")
                continue
            name = v["title"][:200]
            subject = (v["subjects"][0] if v["subjects"] else "general")[:100]
            grade = (v["grades"][0] if v["grades"] else None)
            if local is None:
                local = _new_id()
                self.db.add_section(local, school_id, name, subject, grade and grade[:16], rec.sourced_id)
                c.created += 1
                self.section_school[local] = school_id
            elif self.unchanged(rec):
                c.unchanged += 1
            else:
                self.db.update_section(local, school_id, name, subject, grade and grade[:16])
                self.section_school[local] = school_id
                c.updated += 1
            out[rec.sourced_id] = local
            self.touched_schools.add(school_id)
            self.save(rec, local, school_id=school_id)
        return out

    def users(self, orgs: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        c = self.r.counts["user"]
        usernames: dict[str, int] = {}
        for rec in self.b.of("user"):
            self.tick("users")
            self.seen.setdefault("user", set()).add(rec.sourced_id)
            row = self.held.get(("user", rec.sourced_id))
            local = row.user_id if row is not None else None
            user = self.db.user(local) if local else None
            if user is not None and not self.ours(user.school_id):
                user = None
            if rec.removed:
                if user is not None and row is not None and row.status != "tobedeleted":
                    self.deactivate(user.id)
                    c.removed += 1
                else:
                    c.unchanged += 1
                self.save(rec, user.id if user else None, user_id=user.id if user else None,
                          school_id=row.school_id if row else None)
                continue
            v = rec.values
            school_id = None
            for org in v.get("orgs", []):
                school_id = self.school_of_org(org, orgs)
                if school_id is not None:
                    break
            if school_id is None:
                fld = "orgSourcedIds" if self.b.version == "1.1" else "primaryOrgSourcedId"
                self.problem(rec, fld, f"none of the orgs {v.get('orgs', [])} is in the bundle or already "
                             "imported")
                continue
            username = v["username"].lower()
            if not _USERNAME.match(username):
                self.problem(rec, "username", f"{v['username']!r}: use 2-64 letters, digits or . _ @ -, "
                             "starting with a letter or digit")
                continue
            if username in usernames:
                self.problem(rec, "username", f"{username!r} is also used on line {usernames[username]}")
                continue
            usernames[username] = rec.line
            other = self.usernames.get(username)
            if other is not None and (user is None or other != user.id):
                self.problem(rec, "username", f"{username!r} belongs to another account already")
                continue
            given = v.get("preferredGivenName") or v["givenName"]
            family = v.get("preferredFamilyName") or v["familyName"]
            display = f"{given} {family}".strip()[:200]
            role = Role(v["role"]).value
            grade = v["grades"][0][:16] if v["grades"] else None
            active = bool(v["enabledUser"]) and rec.status == "active"
            email = v["email"] or None
            if user is None:
                uid = _new_id()
                self.db.add_user(user_id=uid, school_id=school_id, username=username, display_name=display,
                                 role=role, grade=grade, email=email, external_id=rec.sourced_id, active=active)
                self.usernames[username] = uid
                c.created += 1
            elif self.unchanged(rec):
                uid = user.id
                c.unchanged += 1
            else:
                uid = user.id
                if user.username != username:
                    self.usernames.pop(user.username, None)
                    self.usernames[username] = uid
                self.db.update_user(uid, school_id=school_id, username=username, display_name=display, role=role,
                                    grade=grade, email=email, active=active, external_id=rec.sourced_id)
                if not active:  # a disabled account's sessions and tokens end with it
                    revoke_all_access(self.uow, uid)
                c.updated += 1
            out[rec.sourced_id] = uid
            self.save(rec, uid, user_id=uid, school_id=school_id)
        self.uow.flush()
        return out

    def deactivate(self, user_id: str) -> None:
        self.db.deactivate_user(user_id)
        revoke_all_access(self.uow, user_id)
        self.enrolled = {p for p in self.enrolled if p[1] != user_id}
        for row in self.held.values():
            if row.kind == "enrollment" and row.user_id == user_id and row.status != "tobedeleted":
                row.status = "tobedeleted"
                row.fingerprint = ""
                self.db.mark_removed(row)

    def user_id_of(self, sid: str, users: dict[str, str]) -> str | None:
        if sid in users:
            return users[sid]
        if sid in self.bad.get("user", set()) or sid in self.in_bundle.get("user", set()):
            return None
        row = self.live("user", sid)
        if row is None or row.user_id is None:
            return None
        if self.into_school is not None:
            user = self.db.user(row.user_id)  # preloaded: no query
            if user is None or not self.ours(user.school_id):
                return None
        return row.user_id

    def guardian_links(self, users: dict[str, str], old_agents: dict[str, list[str]]) -> None:
        c = self.r.counts["guardianLink"]
        roles = self.db.roles(list(users.values()))
        for rec in self.b.of("user"):
            if rec.removed or rec.sourced_id not in users:
                continue
            me = users[rec.sourced_id]
            wanted = set(rec.values.get("agentSourcedIds", []))
            before = set(old_agents.get(rec.sourced_id, []))
            for agent in sorted(wanted | before):
                other = self.user_id_of(agent, users)
                if other is None:
                    if agent in wanted:
                        why = "was rejected" if agent in self.bad.get("user", set()) else \
                            "is not in the bundle or already imported"
                        self.problem(rec, "agentSourcedIds", f"user {agent!r} {why}: link left out", "warning")
                    continue
                if other not in roles:
                    roles[other] = self.db.role(other)
                pair = _guardian_pair(me, roles.get(me, ""), other, roles.get(other, ""))
                if pair is None:
                    continue
                existing = self.db.guardian_linked(*pair)
                if agent in wanted and not existing:
                    self.db.link_guardian(*pair)
                    c.created += 1
                elif agent in wanted:
                    c.unchanged += 1
                elif existing:
                    self.uow.guardians.unlink(*pair)
                    c.removed += 1

    def enrollments(self, classes: dict[str, str], users: dict[str, str]) -> None:
        c = self.r.counts["enrollment"]
        removed_classes = {r.sourced_id for r in self.b.of("class") if r.removed}
        removed_users = {r.sourced_id for r in self.b.of("user") if r.removed}
        pairs: dict[tuple[str, str], int] = {}
        for rec in self.b.of("enrollment"):
            self.tick("enrollments")
            self.seen.setdefault("enrollment", set()).add(rec.sourced_id)
            row = self.held.get(("enrollment", rec.sourced_id))
            old = (row.local_id, row.user_id) if row is not None and row.status != "tobedeleted" else None
            if old is not None and not self.ours(self.section_school.get(old[0] or "")):
                old = None
            if rec.removed:
                if old is not None and old[0] and old[1]:
                    self.db.unenrol(old[0], old[1])
                    self.enrolled.discard((old[0], old[1]))
                    c.removed += 1
                else:
                    c.unchanged += 1
                self.save(rec, None, user_id=None, school_id=row.school_id if row else None)
                continue
            v = rec.values
            cls = v["classSourcedId"]
            if cls in removed_classes:
                self.problem(rec, "classSourcedId", f"class {cls!r} is marked tobedeleted: enrollment left out",
                             "warning")
                continue
            if v["userSourcedId"] in removed_users:
                self.problem(rec, "userSourcedId", f"user {v['userSourcedId']!r} is marked tobedeleted: "
                             "enrollment left out", "warning")
                continue
            section = classes.get(cls)
            if section is None and cls not in self.bad.get("class", set()) and \
                    cls not in self.in_bundle.get("class", set()):
                held = self.live("class", cls)
                section = held.local_id if held is not None else None
            if section is None or section not in self.section_school or not self.ours(self.section_school[section]):
                why = "was rejected above" if cls in self.bad.get("class", set()) else \
                    "is not in the bundle or already imported"
                self.problem(rec, "classSourcedId", f"class {cls!r} {why}")
                continue
            uid = self.user_id_of(v["userSourcedId"], users)
            if uid is None:
                why = "was rejected above" if v["userSourcedId"] in self.bad.get("user", set()) else \
                    "is not in the bundle or already imported"
                self.problem(rec, "userSourcedId", f"user {v['userSourcedId']!r} {why}")
                continue
            if (section, uid) in pairs:
                self.problem(rec, "userSourcedId", f"the same user is already enrolled in this class on line "
                             f"{pairs[(section, uid)]}: left out", "warning")
                continue
            pairs[(section, uid)] = rec.line
            school_id = self.section_school[section]
            if old == (section, uid) and self.unchanged(rec) and (section, uid) in self.enrolled:
                c.unchanged += 1
            else:
                if old is not None and old != (section, uid) and old[0] and old[1]:
                    self.db.unenrol(old[0], old[1])
                    self.enrolled.discard((old[0], old[1]))
                self.db.enrol(section, uid, v["role"], maybe_enrolled=(section, uid) in self.enrolled)
                self.enrolled.add((section, uid))
                if v["role"] == Role.STUDENT.value:
                    self.joined.add(section)
                if old is None:
                    c.created += 1
                else:
                    c.updated += 1
            self.save(rec, section, user_id=uid, school_id=school_id)

    def bulk_absent(self) -> None:
        """A bulk file lists everything: what it no longer lists is removed."""
        for kind in ("enrollment", "class", "user"):
            if self.b.modes.get(kind) != "bulk":
                continue
            listed = self.seen.get(kind, set()) | self.bad.get(kind, set())
            for (k, sid), row in list(self.held.items()):
                if k != kind or sid in listed or row.status == "tobedeleted":
                    continue
                if row.school_id not in self.touched_schools:
                    continue
                if kind == "enrollment" and row.local_id and row.user_id:
                    self.db.unenrol(row.local_id, row.user_id)
                    self.enrolled.discard((row.local_id, row.user_id))
                elif kind == "class" and row.local_id:
                    self.db.delete_section(row.local_id)
                elif kind == "user" and row.user_id:
                    self.deactivate(row.user_id)
                row.status, row.fingerprint = "tobedeleted", ""
                self.db.mark_removed(row, utcnow())
                self.r.counts[kind].removed += 1


def _guardian_pair(a: str, a_role: str, b: str, b_role: str) -> tuple[str, str] | None:
    if a_role == Role.GUARDIAN.value and b_role == Role.STUDENT.value:
        return (a, b)
    if b_role == Role.GUARDIAN.value and a_role == Role.STUDENT.value:
        return (b, a)
    return None


def import_roster(uow: UnitOfWork, actor: Actor, bundle: Any, *, dry_run: bool = False, skip_bad: bool = False,
                  into_school: str | None = None, progress: Progress | None = None) -> RosterReport:
    """Sync the database with a parsed OneRoster ``bundle``; see the module docstring.

    Raises ``RosterRejected`` (an ``Invalid``) when there are errors and ``skip_bad`` is
    off; the report it carries lists every problem with file, line and field. Both a
    rejection and a dry run roll the caller's unit of work back before they return, so
    nothing is stored even by a door that goes on to commit.
    """
    require_role(actor, Role.ADMIN)
    into_school = school_scope(actor, into_school)
    report = RosterReport(version=bundle.version, dry_run=dry_run, skip_bad=skip_bad)
    for i in bundle.issues:
        report.problems.append(i)
    if into_school is not None and uow.schools.get(into_school) is None:
        raise NotFound(f"no school {into_school}")
    sync = _Sync(uow, bundle, report, into_school, progress)
    old_agents = {sid: list(row.data.get("agentSourcedIds", []))
                  for (k, sid), row in sync.held.items() if k == "user"}
    orgs = sync.orgs()
    sync.plain("academicSession", orgs)
    sync.plain("course", orgs)
    classes = sync.classes(orgs)
    users = sync.users(orgs)
    sync.guardian_links(users, old_agents)
    sync.enrollments(classes, users)
    if not report.errors or skip_bad:
        sync.bulk_absent()
    report.skipped_rows = sum(len(v) for v in sync.bad.values())
    if progress is not None:
        progress(sync.total, sync.total, "done")
    if report.errors and not skip_bad:
        uow.rollback()
        raise RosterRejected(report)
    if dry_run:
        uow.rollback()
        return report
    for section_id in sorted(sync.joined):  # new students join the running experiments of their classes
        experiments.assign_joiner(uow, section_id, "")
    report.applied = True
    return report
