"""Privacy requests about one learner: export everything we hold, or delete it for good.

Both walk the whole schema through SQLAlchemy's metadata instead of a hand-kept list,
so a table another area adds later is covered without touching this module: a
*person column* is one with a foreign key to ``users.id`` or one of the names in
``PERSON_COLUMNS``. Deletion then sweeps every text and JSON column of every table
for the learner's id and fails (rolling everything back) if anything still mentions
it. Secrets (password hashes, token hashes, CSRF tokens, session keys, private keys)
never appear in an export.

It must not delete anyone it may not reach (the access policy decides) and must not
leave a half-deleted learner: everything happens in one transaction.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, Table, Text, cast, delete, func, or_, select, update

from pathwise.domain.people import Role
from pathwise.services.access import Actor, Need, require_learner
from pathwise.services.context import App
from pathwise.services.errors import Forbidden
from pathwise.store import tables_all  # noqa: F401  (every table registered on Base)
from pathwise.store.tables import Base, utcnow

EXPORT_FORMAT = "pathwise-learner-export/1"
PERSON_COLUMNS = {"learner_id", "user_id", "student_id", "guardian_id", "actor_id", "owner_id", "recorded_by",
                  "author_id", "created_by", "subject_user_id"}
SECRET_COLUMNS = {"password_hash", "token_hash", "csrf_token", "private_pem", "failed_logins", "locked_until"}
SECRET_TABLES = {"web_sessions", "api_tokens"}  # rows listed without their keys
# JSON lists of learners that a row holds for a group (e.g. a teacher's focus for some
# students of a class): a deletion takes the learner out of the list and keeps the row
# for the others, and an export shows the row without the others' ids
GROUP_LISTS = (("path_focus", "learner_ids"),)


def _person_columns(table: Table) -> list[Any]:
    cols = []
    for col in table.columns:
        fk_user = any(fk.column.table.name == "users" and fk.column.name == "id" for fk in col.foreign_keys)
        if fk_user or col.name in PERSON_COLUMNS:
            cols.append(col)
    if table.name == "users":
        cols.append(table.c.id)
    return cols


def _text_columns(table: Table) -> list[Any]:
    return [c for c in table.columns if isinstance(c.type, (String, Text, JSON))
            or isinstance(getattr(c.type, "impl", None), (String, Text, JSON))]


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _row_dict(table: Table, row: Any) -> dict[str, Any]:
    out = {}
    for col in table.columns:
        if col.name in SECRET_COLUMNS or (table.name in SECRET_TABLES and col.name == "id"):
            continue
        out[col.name] = _plain(row._mapping[col])
    return out


def _reach(uow: Any, actor: Actor, learner_id: str, need: Need, resource: str) -> Any:
    if not actor.is_system and actor.role == Role.TEACHER:
        raise Forbidden("privacy requests go to the school's administrator")
    learner = require_learner(uow, actor, learner_id, need, resource)
    if need == Need.WRITE and not actor.is_system and actor.role != Role.ADMIN:
        raise Forbidden("only the school's administrator deletes a learner's record")
    return learner


def _group_rows(session: Any, learner_id: str) -> list[tuple[Table, str, Any]]:
    """(table, list column, row) for every group row whose list names the learner."""
    out = []
    for tname, cname in GROUP_LISTS:
        table = Base.metadata.tables[tname]
        col = table.c[cname]
        for row in session.execute(select(table).where(cast(col, Text).contains(learner_id, autoescape=True))):
            members = row._mapping[col]
            if isinstance(members, list) and learner_id in members:
                out.append((table, cname, row))
    return out


def export_learner(system: App, actor: Actor, learner_id: str) -> dict[str, Any]:
    """Everything about one learner, as JSON-ready data (the learner, a guardian or an admin)."""
    with system.uow() as uow:
        learner = _reach(uow, actor, learner_id, Need.READ, "privacy-export")
        s = uow.session
        records: dict[str, list[dict[str, Any]]] = {}
        for table in Base.metadata.sorted_tables:
            cols = _person_columns(table)
            if not cols:
                continue
            rows = s.execute(select(table).where(or_(*[c == learner_id for c in cols]))).all()
            if rows:
                records[table.name] = [_row_dict(table, r) for r in rows]
        for table, cname, row in _group_rows(s, learner_id):
            entry = _row_dict(table, row)
            entry["group_size"] = len(entry.pop(cname))
            records.setdefault(table.name, []).append(entry)
        school = uow.schools.get(learner.school_id)
        export = {
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
            "records": records,
        }
        uow.commit()  # keeps the audit row written by the access check
        return export


def _learner_ref(learner_id: str) -> str:
    return hashlib.sha256(("pathwise-deleted:" + learner_id).encode()).hexdigest()[:24]


def delete_learner(system: App, actor: Actor, learner_id: str) -> dict[str, Any]:
    """Delete every row about the learner, verify by a sweep of all tables, then commit.

    Returns {"deleted": {table: rows}, "reference": hash} (the reference lets the school
    answer "was it done?" without keeping the id).
    """
    deleted: dict[str, int] = {}
    with system.uow() as uow:
        _reach(uow, actor, learner_id, Need.WRITE, "privacy-delete")
        s = uow.session
        s.flush()
        for table, cname, row in _group_rows(s, learner_id):
            rest = [m for m in row._mapping[cname] if m != learner_id]
            key = table.c.id == row._mapping[table.c.id]
            if rest:
                s.execute(update(table).where(key).values({cname: rest}))
                deleted[f"{table.name} (left the group)"] = deleted.get(f"{table.name} (left the group)", 0) + 1
            else:  # a group of one: deleting it, not widening it to the whole class
                s.execute(delete(table).where(key))
                deleted[table.name] = deleted.get(table.name, 0) + 1
        tables = list(reversed(Base.metadata.sorted_tables))
        for table in tables:
            cols = _person_columns(table)
            if not cols:
                continue
            n = s.execute(delete(table).where(or_(*[c == learner_id for c in cols]))).rowcount or 0
            if n:
                deleted[table.name] = deleted.get(table.name, 0) + n
        # the sweep: any row of any table whose text still mentions the learner's id
        for table in tables:
            cols = _text_columns(table)
            if not cols:
                continue
            cond = or_(*[cast(c, Text).contains(learner_id, autoescape=True) for c in cols])
            n = s.execute(delete(table).where(cond)).rowcount or 0
            if n:
                deleted[table.name] = deleted.get(table.name, 0) + n
        left = sweep(s, learner_id)
        if left:
            raise RuntimeError(f"privacy deletion left rows mentioning the learner in {sorted(left)}")
        ref = _learner_ref(learner_id)
        uow.audit.add(actor.user_id, "privacy:delete", None, "learner", {"reference": ref, "rows": deleted,
                                                                         "via": actor.via})
        uow.commit()
    return {"deleted": deleted, "reference": ref}


def sweep(session: Any, learner_id: str) -> dict[str, int]:
    """Tables that still mention ``learner_id`` in any text or JSON column, with row counts."""
    found: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        cols = _text_columns(table)
        if not cols:
            continue
        cond = or_(*[cast(c, Text).contains(learner_id, autoescape=True) for c in cols])
        n = session.scalar(select(func.count()).select_from(table).where(cond)) or 0
        if n:
            found[table.name] = n
    return found


def remaining_mentions(system: App, learner_id: str) -> dict[str, int]:
    """For checks and the CLI: where the learner's id still appears (empty after a deletion)."""
    with system.uow() as uow:
        return sweep(uow.session, learner_id)
