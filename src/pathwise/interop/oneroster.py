"""OneRoster 1.1 and 1.2 CSV bundles: read a folder or a zip into plain, checked records.

This module only translates: it reads ``manifest.csv`` and the rostering files (orgs,
academicSessions, courses, classes, users, enrollments and, for 1.2, roles), checks
every value the importer relies on, and reports each problem with its file, line and
field. It never touches the database and never decides what an import changes; that
is ``services/roster.py``. Passwords and demographics in a bundle are not read at all:
they are not ours to keep.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pathwise.domain.problems import Problem

MAX_BUNDLE_BYTES = 200 * 1024 * 1024
MAX_FILE_BYTES = 100 * 1024 * 1024

# Files we import, in the order their records depend on each other.
KINDS = ("org", "academicSession", "course", "class", "user", "enrollment")
FILES = {
    "org": "orgs.csv",
    "academicSession": "academicSessions.csv",
    "course": "courses.csv",
    "class": "classes.csv",
    "user": "users.csv",
    "enrollment": "enrollments.csv",
    "role": "roles.csv",
}

_COMMON = ("sourcedId", "status", "dateLastModified")
# Columns that must be in the header; other standard columns are optional for us.
REQUIRED_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "1.1": {
        "org": (*_COMMON, "name", "type"),
        "academicSession": (*_COMMON, "title", "type", "startDate", "endDate"),
        "course": (*_COMMON, "title", "orgSourcedId"),
        "class": (*_COMMON, "title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"),
        "user": (*_COMMON, "enabledUser", "orgSourcedIds", "role", "username", "givenName", "familyName"),
        "enrollment": (*_COMMON, "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
    },
    "1.2": {
        "org": (*_COMMON, "name", "type"),
        "academicSession": (*_COMMON, "title", "type", "startDate", "endDate"),
        "course": (*_COMMON, "title", "orgSourcedId"),
        "class": (*_COMMON, "title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"),
        "user": (*_COMMON, "enabledUser", "username", "givenName", "familyName"),
        "enrollment": (*_COMMON, "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
        "role": (*_COMMON, "userSourcedId", "roleType", "role", "orgSourcedId"),
    },
}
KNOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "org": (*_COMMON, "name", "type", "identifier", "parentSourcedId"),
    "academicSession": (*_COMMON, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"),
    "course": (*_COMMON, "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects",
               "subjectCodes"),
    "class": (*_COMMON, "title", "grades", "courseSourcedId", "classCode", "classType", "location",
              "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"),
    "user": (*_COMMON, "enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName", "familyName",
             "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password",
             "userMasterIdentifier", "resourceSourcedIds", "preferredGivenName", "preferredMiddleName",
             "preferredFamilyName", "primaryOrgSourcedId", "pronouns"),
    "enrollment": (*_COMMON, "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary",
                   "beginDate", "endDate"),
    "role": (*_COMMON, "userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId",
             "userProfileSourcedId"),
}
NOT_KEPT = {"password", "sms", "phone"}  # never read into a record

ORG_TYPES = {"department", "school", "district", "local", "state", "national"}
SESSION_TYPES = {"gradingperiod", "semester", "schoolyear", "term"}
CLASS_TYPES = {"homeroom", "scheduled"}
USER_ROLES = {
    "student": "student",
    "teacher": "teacher", "aide": "teacher", "proctor": "teacher",
    "guardian": "guardian", "parent": "guardian", "relative": "guardian",
    "administrator": "admin", "siteadministrator": "admin", "districtadministrator": "admin",
    "systemadministrator": "admin", "principal": "admin",
}
ENROLLMENT_ROLES = {"student": "student", "teacher": "teacher", "aide": "teacher", "proctor": "teacher",
                    "administrator": "teacher"}
STATUSES = {"active", "tobedeleted", "inactive"}
MANIFEST_MODES = {"absent", "bulk", "delta"}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


@dataclass(slots=True)
class Record:
    """One row of a rostering file, with its values checked and normalised."""

    kind: str
    sourced_id: str
    status: str  # active | tobedeleted | inactive
    values: dict[str, Any]
    file: str
    line: int

    @property
    def removed(self) -> bool:
        return self.status == "tobedeleted"


@dataclass(slots=True)
class Bundle:
    version: str
    modes: dict[str, str]  # kind -> bulk | delta | absent
    records: dict[str, list[Record]] = field(default_factory=dict)
    issues: list[Problem] = field(default_factory=list)
    rejected: dict[str, set[str]] = field(default_factory=dict)  # kind -> sourcedIds of bad rows

    @property
    def errors(self) -> list[Problem]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [i for i in self.issues if i.severity == "warning"]

    def of(self, kind: str) -> list[Record]:
        return self.records.get(kind, [])

    def count(self) -> int:
        return sum(len(v) for v in self.records.values())


class BundleUnreadable(ValueError):
    """The bundle as a whole cannot be read (not a zip, no manifest, too big)."""


# -- reading the files ---------------------------------------------------------------------------


def _files_from_folder(folder: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.suffix.lower() == ".csv":
            if p.stat().st_size > MAX_FILE_BYTES:
                raise BundleUnreadable(f"{p.name}: larger than {MAX_FILE_BYTES // 2**20} MB")
            out[p.name] = p.read_bytes()
    return out


def _files_from_zip(data: bytes | Path) -> dict[str, bytes]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except zipfile.BadZipFile:
        raise BundleUnreadable("not a zip archive") from None
    out: dict[str, bytes] = {}
    total = 0
    with zf:
        for info in zf.infolist():
            name = info.filename.rsplit("/", 1)[-1]
            if info.is_dir() or not name.lower().endswith(".csv") or name.startswith("."):
                continue
            if info.file_size > MAX_FILE_BYTES:
                raise BundleUnreadable(f"{name}: larger than {MAX_FILE_BYTES // 2**20} MB")
            total += info.file_size
            if total > MAX_BUNDLE_BYTES:
                raise BundleUnreadable(f"bundle larger than {MAX_BUNDLE_BYTES // 2**20} MB")
            out[name] = zf.read(info)
    return out


def read_bundle(source: Path | str | bytes) -> Bundle:
    """Read and check a bundle from a folder, a ``.zip`` path or zip bytes."""
    if isinstance(source, bytes):
        files = _files_from_zip(source)
    else:
        path = Path(source)
        if path.is_dir():
            files = _files_from_folder(path)
        elif path.is_file():
            files = _files_from_zip(path)
        else:
            raise BundleUnreadable(f"{path}: no such folder or zip file")
    return parse_files(files)


def _decode(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BundleUnreadable(f"{name}: not UTF-8 (byte {exc.start})") from None


def parse_files(files: dict[str, bytes]) -> Bundle:
    by_lower = {name.lower(): name for name in files}
    if "manifest.csv" not in by_lower:
        raise BundleUnreadable("manifest.csv is missing: is this a OneRoster CSV bundle?")
    manifest_name = by_lower["manifest.csv"]
    issues: list[Problem] = []
    manifest = _read_manifest(manifest_name, _decode(manifest_name, files[manifest_name]), issues)
    version = manifest.get("oneroster.version", "")
    if version not in ("1.1", "1.2"):
        raise BundleUnreadable(
            f"{manifest_name}: oneroster.version is {version!r}; this importer reads 1.1 and 1.2"
        )
    modes: dict[str, str] = {}
    bundle = Bundle(version=version, modes=modes, issues=issues)
    wanted = list(KINDS) + (["role"] if version == "1.2" else [])
    for kind in wanted:
        fname = FILES[kind]
        mode = manifest.get("file." + fname[:-4], "absent")
        actual = by_lower.get(fname.lower())
        if mode == "absent":
            if actual is not None:
                issues.append(Problem(actual, "present but the manifest says absent: ignored", line=None, field=None, severity="warning"))
            modes[kind] = "absent"
            continue
        if actual is None:
            issues.append(Problem(manifest_name, f"the manifest lists {fname} as {mode} but the bundle has no such file", line=None, field="file." + fname[:-4]))
            modes[kind] = "absent"
            continue
        modes[kind] = mode
        bundle.records[kind] = _read_file(kind, actual, _decode(actual, files[actual]), version, mode, issues,
                                          bundle.rejected.setdefault(kind, set()))
    _check_duplicates(bundle)
    if version == "1.2":
        _apply_roles(bundle)
    else:
        for rec in bundle.of("user"):
            rec.values.setdefault("orgs", rec.values.get("orgSourcedIds") or [])
    return bundle


class _Lines:
    """The lines of a file, remembering the last one read (to name a field the CSV reader refuses)."""

    def __init__(self, text: str) -> None:
        self.lines, self.last = io.StringIO(text), ""

    def __iter__(self) -> Iterator[str]:
        for line in self.lines:
            self.last = line
            yield line


def _rows(name: str, text: str, issues: list[Problem]) -> tuple[Any, Iterator[list[str]]]:
    """A CSV reader on ``text`` and its rows; a row it cannot read (a field longer than its limit,
    a stray quote) is an error naming the line and, when it can be told, the column, and
    reading goes on with the next row."""
    lines = _Lines(text)
    reader = csv.reader(lines)
    header: list[str] = []

    def rows() -> Iterator[list[str]]:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                limit = csv.field_size_limit()
                message = f"a field is longer than {limit} characters" if "field limit" in str(exc) else str(exc)
                parts = lines.last.split(",")
                col = next((i for i, part in enumerate(parts) if len(part) > limit), None)
                field = header[col].strip() if col is not None and col < len(header) else None
                issues.append(Problem(name, f"unreadable row: {message}", line=reader.line_num, field=field))
                continue
            if not header:
                header.extend(row)
            yield row

    return reader, rows()


def _read_manifest(name: str, text: str, issues: list[Problem]) -> dict[str, str]:
    reader, rows = _rows(name, text, issues)
    out: dict[str, str] = {}
    header = next(rows, None)
    if header is None or [h.strip() for h in header[:2]] != ["propertyName", "value"]:
        raise BundleUnreadable(f"{name}:1: the header must be propertyName,value")
    for row in rows:
        if not row or not any(c.strip() for c in row):
            continue
        prop = row[0].strip()
        value = row[1].strip() if len(row) > 1 else ""
        if prop.startswith("file."):
            if value == "":
                issues.append(Problem(name, "no value given: read as absent", line=reader.line_num, field=prop, severity="warning"))
                value = "absent"
            elif value not in MANIFEST_MODES:
                issues.append(Problem(name, f"{value!r} is not one of absent, bulk, delta", line=reader.line_num, field=prop))
                value = "absent"
        out[prop] = value
    return out


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.8)
    return f" (did you mean {close[0]}?)" if close else ""


def _read_file(kind: str, name: str, text: str, version: str, mode: str, issues: list[Problem],
               rejected: set[str]) -> list[Record]:
    reader, rows = _rows(name, text, issues)
    header = next(rows, None)
    if header is None:
        issues.append(Problem(name, "the file is empty (no header row)", line=1, field=None))
        return []
    header = [h.strip() for h in header]
    known = KNOWN_COLUMNS[kind]
    for pos, col in enumerate(header):
        if col == "":
            issues.append(Problem(name, f"column {pos + 1} has no name: ignored", line=1, field=None, severity="warning"))
        elif col not in known:
            issues.append(Problem(name, "unknown column: ignored" + _suggest(col, known), line=1, field=col, severity="warning"))
    missing = [c for c in REQUIRED_COLUMNS[version][kind] if c not in header]
    for col in missing:
        issues.append(Problem(name, "required column is missing from the header"
                            + _suggest(col, [h for h in header if h not in known]), line=1, field=col))
    records: list[Record] = []
    start_line = 2
    for row in rows:
        line = start_line
        start_line = reader.line_num + 1
        if not any(c.strip() for c in row):
            continue
        raw = {header[i]: row[i].strip() for i in range(min(len(header), len(row))) if header[i]}
        for extra in range(len(header), len(row)):
            if row[extra].strip():
                issues.append(Problem(name, f"value in column {extra + 1} has no header", line=line, field=None, severity="warning"))
        for col in REQUIRED_COLUMNS[version][kind]:
            raw.setdefault(col, "")
        rec = _check_row(kind, name, line, raw, version, mode, issues)
        if rec is not None:
            records.append(rec)
        elif raw.get("sourcedId"):
            rejected.add(raw["sourcedId"])
    return records


class _RowProblems:
    def __init__(self, name: str, line: int, issues: list[Problem]) -> None:
        self.name, self.line, self.issues, self.bad = name, line, issues, False

    def error(self, fld: str, message: str) -> None:
        self.issues.append(Problem(self.name, message, line=self.line, field=fld))
        self.bad = True

    def warn(self, fld: str, message: str) -> None:
        self.issues.append(Problem(self.name, message, line=self.line, field=fld, severity="warning"))


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _date(p: _RowProblems, raw: dict[str, str], fld: str) -> str | None:
    value = raw.get(fld, "")
    if not value:
        return None
    if not _DATE.match(value):
        p.error(fld, f"{value!r} is not a date (YYYY-MM-DD)")
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        p.error(fld, f"{value!r} is not a real date")
        return None
    return value


def _datetime(p: _RowProblems, raw: dict[str, str], fld: str) -> str | None:
    value = raw.get(fld, "")
    if not value:
        return None
    if not _DATETIME.match(value):
        p.error(fld, f"{value!r} is not an ISO 8601 date-time (e.g. 2023-05-01T18:25:43.511Z)")
        return None
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        p.error(fld, f"{value!r} is not a real date-time")
        return None
    return value


def _bool(p: _RowProblems, raw: dict[str, str], fld: str, default: bool | None) -> bool | None:
    value = raw.get(fld, "").lower()
    if value == "":
        return default
    if value in ("true", "false"):
        return value == "true"
    p.error(fld, f"{raw[fld]!r} is not true or false")
    return default


def _check_row(kind: str, name: str, line: int, raw: dict[str, str], version: str, mode: str,
               issues: list[Problem]) -> Record | None:
    p = _RowProblems(name, line, issues)
    sid = raw.get("sourcedId", "")
    if not sid:
        p.error("sourcedId", "is empty")
    elif len(sid) > 200:
        p.error("sourcedId", "is longer than 200 characters")
    status = raw.get("status", "").lower()
    if status == "":
        if mode == "delta":
            p.error("status", "is empty (a delta file must say active or tobedeleted)")
        status = "active"
    elif status not in STATUSES:
        p.error("status", f"{raw['status']!r} is not active or tobedeleted")
    if not raw.get("dateLastModified") and mode == "delta":
        p.error("dateLastModified", "is empty (a delta file must give it)")
    v: dict[str, Any] = {"dateLastModified": _datetime(p, raw, "dateLastModified")}
    removed = status == "tobedeleted"

    def need(fld: str) -> str:
        value = raw.get(fld, "")
        if not value and not removed:
            p.error(fld, "is empty")
        return value

    if kind == "org":
        v["name"] = need("name")
        typ = raw.get("type", "")
        if typ.lower() not in ORG_TYPES and not removed:
            p.error("type", f"{typ!r} is not one of {', '.join(sorted(ORG_TYPES))}")
        v.update(type=typ, identifier=raw.get("identifier", ""), parentSourcedId=raw.get("parentSourcedId", ""))
    elif kind == "academicSession":
        v["title"] = need("title")
        typ = raw.get("type", "")
        if typ.lower() not in SESSION_TYPES and not removed:
            p.error("type", f"{typ!r} is not one of gradingPeriod, semester, schoolYear, term")
        start, end = _date(p, raw, "startDate"), _date(p, raw, "endDate")
        if not removed:
            need("startDate"), need("endDate")
        if start and end and end < start:
            p.error("endDate", f"{end} is before startDate {start}")
        sy = raw.get("schoolYear", "")
        if sy and not re.fullmatch(r"\d{4}", sy):
            p.error("schoolYear", f"{sy!r} is not a year (YYYY)")
        v.update(type=typ, startDate=start, endDate=end, parentSourcedId=raw.get("parentSourcedId", ""),
                 schoolYear=sy)
    elif kind == "course":
        v["title"] = need("title")
        v.update(orgSourcedId=need("orgSourcedId"), courseCode=raw.get("courseCode", ""),
                 grades=_list(raw.get("grades", "")), subjects=_list(raw.get("subjects", "")))
    elif kind == "class":
        v["title"] = need("title")
        typ = raw.get("classType", "")
        if typ and typ.lower() not in CLASS_TYPES:
            p.error("classType", f"{typ!r} is not homeroom or scheduled")
        elif typ and typ != typ.lower():
            p.warn("classType", f"{typ!r} should be written {typ.lower()!r}")
        v.update(courseSourcedId=need("courseSourcedId"), schoolSourcedId=need("schoolSourcedId"),
                 classType=typ.lower(), classCode=raw.get("classCode", ""), grades=_list(raw.get("grades", "")),
                 subjects=_list(raw.get("subjects", "")), termSourcedIds=_list(raw.get("termSourcedIds", "")),
                 location=raw.get("location", ""))
    elif kind == "user":
        username = need("username")
        v.update(username=username, givenName=need("givenName"), familyName=need("familyName"),
                 middleName=raw.get("middleName", ""), identifier=raw.get("identifier", ""),
                 email=raw.get("email", ""), grades=_list(raw.get("grades", "")),
                 agentSourcedIds=_list(raw.get("agentSourcedIds", "")),
                 preferredGivenName=raw.get("preferredGivenName", ""),
                 preferredFamilyName=raw.get("preferredFamilyName", ""))
        if username and len(username) > 64:
            p.error("username", "is longer than 64 characters")
        email = raw.get("email", "")
        if email and ("@" not in email or " " in email or len(email) > 254):
            p.error("email", f"{email!r} is not an e-mail address")
        v["enabledUser"] = _bool(p, raw, "enabledUser", True)
        if version == "1.1":
            role = raw.get("role", "")
            if role.lower() not in USER_ROLES:
                if not removed:
                    p.error("role", f"{role!r} is not a OneRoster role we know")
            else:
                v["role"] = USER_ROLES[role.lower()]
                v["oneroster_role"] = role
            v["orgSourcedIds"] = _list(raw.get("orgSourcedIds", ""))
            if not v["orgSourcedIds"] and not removed:
                p.error("orgSourcedIds", "is empty")
        else:
            v["primaryOrgSourcedId"] = raw.get("primaryOrgSourcedId", "")
    elif kind == "enrollment":
        role = raw.get("role", "")
        if role.lower() not in ENROLLMENT_ROLES:
            if not removed:
                p.error("role", f"{role!r} is not student, teacher, aide, proctor or administrator")
        else:
            v["role"] = ENROLLMENT_ROLES[role.lower()]
        v.update(classSourcedId=need("classSourcedId"), schoolSourcedId=raw.get("schoolSourcedId", ""),
                 userSourcedId=need("userSourcedId"), primary=_bool(p, raw, "primary", False),
                 beginDate=_date(p, raw, "beginDate"), endDate=_date(p, raw, "endDate"))
    elif kind == "role":
        role = raw.get("role", "")
        if role.lower() not in USER_ROLES and not removed:
            p.error("role", f"{role!r} is not a OneRoster role we know")
        rtype = raw.get("roleType", "").lower()
        if rtype not in ("primary", "secondary") and not removed:
            p.error("roleType", f"{raw.get('roleType', '')!r} is not primary or secondary")
        v.update(userSourcedId=need("userSourcedId"), roleType=rtype, role=USER_ROLES.get(role.lower()),
                 oneroster_role=role, orgSourcedId=need("orgSourcedId"),
                 beginDate=_date(p, raw, "beginDate"), endDate=_date(p, raw, "endDate"))
    if p.bad:
        return None
    return Record(kind, sid, status, v, name, line)


def _check_duplicates(bundle: Bundle) -> None:
    for kind, recs in bundle.records.items():
        seen: dict[str, int] = {}
        keep: list[Record] = []
        for r in recs:
            if r.sourced_id in seen:
                bundle.issues.append(Problem(r.file, f"{r.sourced_id!r} already appears on line {seen[r.sourced_id]}", line=r.line, field="sourcedId"))
                continue
            seen[r.sourced_id] = r.line
            keep.append(r)
        bundle.records[kind] = keep


def _apply_roles(bundle: Bundle) -> None:
    """OneRoster 1.2 keeps roles in roles.csv: give each user a role and its orgs."""
    by_user: dict[str, list[Record]] = {}
    for r in bundle.of("role"):
        if not r.removed:
            by_user.setdefault(r.values["userSourcedId"], []).append(r)
    users = {u.sourced_id for u in bundle.of("user")} | bundle.rejected.get("user", set())
    for r in bundle.of("role"):
        if r.values["userSourcedId"] not in users and bundle.modes.get("user") == "bulk":
            bundle.issues.append(Problem(r.file, f"no user {r.values['userSourcedId']!r} in users.csv", line=r.line, field="userSourcedId", severity="warning"))
    for u in bundle.of("user"):
        roles = sorted(by_user.get(u.sourced_id, []), key=lambda r: (r.values["roleType"] != "primary", r.line))
        if roles:
            u.values["role"] = roles[0].values["role"]
            u.values["oneroster_role"] = roles[0].values["oneroster_role"]
        orgs = [u.values.get("primaryOrgSourcedId")] + [r.values["orgSourcedId"] for r in roles]
        u.values["orgs"] = list(dict.fromkeys(o for o in orgs if o))
        if "role" not in u.values and not u.removed:
            bundle.issues.append(Problem(u.file, "the user has no role in roles.csv", line=u.line, field="role"))
            u.values["_bad"] = True
            bundle.rejected.setdefault("user", set()).add(u.sourced_id)
    bundle.records["user"] = [u for u in bundle.of("user") if not u.values.pop("_bad", False)]
