"""Privacy requests about one learner: export everything we hold, or delete it for good.

Both ask the store's privacy repository, which walks the whole schema's metadata
instead of a hand-kept list, so a table another area adds later is covered without
touching this module: a *person column* is one with a foreign key to ``users.id`` or
one of the store's ``PERSON_COLUMNS``. Deletion then sweeps every text and JSON column
of every table for the learner's id and fails (the door rolls everything back) if
anything still mentions it. Secrets (password hashes, token hashes, CSRF tokens, session keys, private keys)
never appear in an export. The learner's project hand-ins are listed apart too, each
with its file (base64, as the export is one JSON document), so a family gets the work
itself back, not only its name.

It must not delete anyone it may not reach (the access policy decides) and must not
leave a half-deleted learner: everything happens in one transaction.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from typing import Any

from pathwise.domain.clock import utcnow
from pathwise.domain.people import Role
from pathwise.services.access import Actor, Need, require_privacy_request
from pathwise.store.uow import UnitOfWork

EXPORT_FORMAT = "pathwise-learner-export/1"
SECRET_COLUMNS = {"password_hash", "token_hash", "csrf_token", "private_pem", "failed_logins", "locked_until"}
SECRET_TABLES = {"web_sessions", "api_tokens"}  # rows listed without their keys


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _row_dict(table: str, row: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in row.items()
            if k not in SECRET_COLUMNS and not (table in SECRET_TABLES and k == "id")}


def export_learner(uow: UnitOfWork, actor: Actor, learner_id: str) -> dict[str, Any]:
    """Everything about one learner, as JSON-ready data (the learner, a guardian or an admin).
    The read is audited (by the access check) in the caller's unit of work."""
    learner = require_privacy_request(uow, actor, learner_id, Need.READ, "privacy-export")
    records: dict[str, list[dict[str, Any]]] = {
        table: [_row_dict(table, r) for r in rows] for table, rows in uow.privacy.person_rows(learner_id).items()
    }
    for table, cname, row in uow.privacy.group_rows(learner_id):
        entry = _row_dict(table, row)
        entry["group_size"] = len(entry.pop(cname))
        records.setdefault(table, []).append(entry)
    records = _without_classmates(uow, learner_id, records)
    for row in records.get("project_handins", []):  # the file is in "handins", once
        if row.get("content") is not None:
            row["content"] = "(the file: see handins)"
    school = uow.schools.get(learner.school_id)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "learner": {
            "id": learner.id, "username": learner.username, "display_name": learner.display_name,
            "role": learner.role.value, "grade": learner.grade, "active": learner.active,
            "school": {"id": school.id, "name": school.name} if school else None,
            "external_id": uow.users.external_id(learner.id),
            "profile": uow.users.profile(learner.id),
        },
        "classes": [{"id": sec.id, "name": sec.name, "subject": sec.subject}
                    for sec in uow.sections.sections_of(learner.id)],
        "guardians": [{"id": g.id, "display_name": g.display_name} for g in uow.guardians.guardians_of(learner.id)],
        "evidence": records.get("evidence", []),
        "mastery": records.get("mastery", []),
        "focus": records.get("path_focus", []),
        "handins": _handins(uow, learner.id),
        "records": records,
    }


def _handins(uow: UnitOfWork, learner_id: str) -> list[dict[str, Any]]:
    """The learner's project hand-ins, oldest first: the project, the text, the link and the file."""
    out: list[dict[str, Any]] = []
    for h, content in uow.handins.with_files_of(learner_id):
        act = uow.activities.get(h["activity_id"])
        out.append({
            "id": h["id"], "project_id": h["activity_id"], "project": act.title if act is not None else None,
            "handed_in_at": _plain(h["handed_in_at"]), "text": h["text"], "link": h["link"],
            "file": None if h["file_name"] is None and content is None else {
                "name": h["file_name"], "content_type": h["content_type"], "size": h["file_size"],
                "content_base64": base64.b64encode(content).decode("ascii") if content is not None else None},
        })
    return out


CLASSMATE = "a classmate"


def _without_classmates(uow: UnitOfWork, learner_id: str, records: dict[str, list[dict[str, Any]]]
                        ) -> dict[str, list[dict[str, Any]]]:
    """The export is about one learner: another student named in a row (say, the classmate
    who peer-reviewed a project) is shown as "a classmate", never by id or name."""
    def person(key: str) -> bool:
        return key.endswith("_id") or key.endswith("_by")

    def named(value: Any) -> set[str]:  # person-keyed strings, however deep in a row's JSON
        if isinstance(value, dict):
            return {v for k, v in value.items() if person(str(k)) and isinstance(v, str)} | \
                {x for v in value.values() for x in named(v)}
        if isinstance(value, list):
            return {x for v in value for x in named(v)}
        return set()

    ids = {x for rows in records.values() for row in rows for x in named(row)} - {learner_id}
    others = {uid for uid, u in uow.users.get_many(ids).items() if u.role == Role.STUDENT}
    if not others:
        return records

    def hidden(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (CLASSMATE if person(str(k)) and isinstance(v, str) and v in others else hidden(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [hidden(v) for v in value]
        return value

    return {table: [hidden(row) for row in rows] for table, rows in records.items()}


def _learner_ref(learner_id: str) -> str:
    return hashlib.sha256(("pathwise-deleted:" + learner_id).encode()).hexdigest()[:24]


def delete_learner(uow: UnitOfWork, actor: Actor, learner_id: str) -> dict[str, Any]:
    """Delete every row about the learner and verify by a sweep of all tables; raises
    (so the door rolls everything back) if anything still mentions the learner. The audit
    log is append-only: the learner's audit rows are kept with the learner's reference
    (a one-way hash) in place of their id.

    Returns {"deleted": {table: rows}, "reference": hash} (the reference lets the school
    answer "was it done?" without keeping the id).
    """
    deleted: dict[str, int] = {}

    def count(table: str, n: int) -> None:
        deleted[table] = deleted.get(table, 0) + n

    require_privacy_request(uow, actor, learner_id, Need.WRITE, "privacy-delete")
    uow.flush()
    ref = _learner_ref(learner_id)
    count("audit_log (pseudonymised, kept)", uow.privacy.pseudonymise_audit(learner_id, ref))
    for table, cname, row in uow.privacy.group_rows(learner_id):
        rest = [m for m in row[cname] if m != learner_id]
        if rest:
            uow.privacy.set_group(table, cname, row["id"], rest)
            count(f"{table} (left the group)", 1)
        else:  # a group of one: deleting it, not widening it to the whole class
            uow.privacy.delete_group(table, row["id"])
            count(table, 1)
    for table, n in uow.privacy.delete_person_rows(learner_id).items():
        count(table, n)
    # the sweep: any row of any table whose text still mentions the learner's id
    for table, n in uow.privacy.delete_mentions(learner_id).items():
        count(table, n)
    left = uow.privacy.mentions(learner_id)
    if left:
        raise RuntimeError(f"privacy deletion left rows mentioning the learner in {sorted(left)}")
    uow.audit.add(actor.user_id, "privacy:delete", None, "learner", {"reference": ref, "rows": deleted,
                                                                     "via": actor.via})
    return {"deleted": deleted, "reference": ref}


def remaining_mentions(uow: UnitOfWork, learner_id: str) -> dict[str, int]:
    """For checks and the CLI: where the learner's id still appears (empty after a deletion)."""
    return uow.privacy.mentions(learner_id)
