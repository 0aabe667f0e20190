"""Competency frameworks from and to CASE: store an imported framework, describe one for export.

The CASE translator (``interop/case.py``) reads a CFPackage into a ``FrameworkIn``: the
document, every CFItem as a node (a *grouping* when other items are its children, else
a *skill*) and every association. ``import_framework`` makes it a Pathwise framework:
groupings become units, skills become skills, ``precedes`` becomes prerequisites (a
grouping stands for all the skills under it), and the identifiers, URIs and the other
associations (isPeerOf, exactMatchOf, isRelatedTo, ...) are kept as given, so a
re-import of the same document updates the framework in place: skill codes once given
are kept, nothing is duplicated. ``framework_for_export`` hands back the framework with
everything kept, for the translator to write CASE 1.1.

It must not parse JSON or know CASE's field names beyond what ``FrameworkIn`` carries.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from pathwise.domain.errors import CycleError, ValidationError
from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.domain.people import Role
from pathwise.services.access import Actor, require_role
from pathwise.services.context import App
from pathwise.services.errors import Invalid, NotFound
from pathwise.store import tables as t
from pathwise.store.tables import utcnow
from pathwise.store.tables_interop import CaseAssociationRow, CaseDocumentRow, CaseNodeRow

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_NS = uuid.UUID("7d8e3c1a-59b2-4f0e-8c6d-2a1b3c4d5e6f")


@dataclass(slots=True)
class NodeIn:
    identifier: str
    uri: str
    statement: str
    short: str = ""
    human_code: str = ""
    parent_identifier: str | None = None
    sequence: int | None = None
    item: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class AssociationIn:
    identifier: str
    uri: str
    type: str
    origin_identifier: str
    origin_uri: str
    destination_identifier: str
    destination_uri: str
    origin_title: str = ""
    destination_title: str = ""
    sequence: int | None = None
    association: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class FrameworkIn:
    identifier: str
    uri: str
    title: str
    case_version: str
    document: dict[str, Any]
    nodes: list[NodeIn]  # in the framework's order (parents before children)
    associations: list[AssociationIn]
    subject: str = "mathematics"


@dataclass
class ImportResult:
    framework_id: str
    created: bool
    skills: dict[str, int]
    units: int
    prerequisites: int
    associations: dict[str, int]
    warnings: list[str]

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass(frozen=True, slots=True)
class StoredNode:
    identifier: str
    uri: str
    kind: str
    code: str
    parent_identifier: str | None
    sequence: int | None
    item: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredAssociation:
    identifier: str
    uri: str
    type: str
    origin_identifier: str
    origin_uri: str
    origin_title: str
    destination_identifier: str
    destination_uri: str
    destination_title: str
    sequence: int | None
    association: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FrameworkOut:
    framework: Framework
    identifier: str | None
    uri: str | None
    document: dict[str, Any]
    nodes: tuple[StoredNode, ...]
    associations: tuple[StoredAssociation, ...]


def _pick_code(node: NodeIn, used: set[str]) -> str:
    for cand in (node.human_code, node.identifier):
        if cand and _CODE.match(cand) and cand not in used:
            return cand
    base = "case-" + str(uuid.uuid5(_NS, node.identifier))
    return base


def import_framework(system: App, actor: Actor, fw_in: FrameworkIn) -> ImportResult:
    """Create or update the framework behind ``fw_in.identifier``; see the module docstring."""
    require_role(actor, Role.ADMIN)
    warnings: list[str] = []
    with system.uow() as uow:
        s = uow.session
        doc_row = s.scalar(select(CaseDocumentRow).where(CaseDocumentRow.identifier == fw_in.identifier))
        created = doc_row is None
        if doc_row is not None:
            fid = doc_row.framework_id
        else:
            fid = fw_in.identifier if _CODE.match(fw_in.identifier) else "case-" + str(uuid.uuid5(_NS, fw_in.identifier))
            if s.get(t.FrameworkRow, fid) is not None:
                fid = "case-" + str(uuid.uuid5(_NS, "again|" + fw_in.identifier))
        old_codes = {r.identifier: r.code for r in s.scalars(select(CaseNodeRow).where(CaseNodeRow.framework_id == fid))}
        old_fw = uow.frameworks.get(fid)

        ids = {n.identifier for n in fw_in.nodes}
        children: dict[str | None, list[str]] = {}
        for n in fw_in.nodes:
            par = n.parent_identifier if n.parent_identifier in ids else None
            children.setdefault(par, []).append(n.identifier)
        by_id = {n.identifier: n for n in fw_in.nodes}
        # codes: the code once given is kept; then the human coding scheme; then the identifier
        used: set[str] = set()
        code: dict[str, str] = {}
        for n in fw_in.nodes:
            if n.identifier in old_codes and old_codes[n.identifier] not in used:
                code[n.identifier] = old_codes[n.identifier]
                used.add(code[n.identifier])
        for n in fw_in.nodes:
            if n.identifier not in code:
                code[n.identifier] = _pick_code(n, used)
                used.add(code[n.identifier])
        # depth-first order from the top: groupings become units, leaves become skills
        order: list[str] = []
        stack = list(reversed(children.get(None, [])))
        while stack:
            nid = stack.pop()
            order.append(nid)
            stack.extend(reversed(children.get(nid, [])))
        is_group = {nid: bool(children.get(nid)) for nid in order}

        def leaves(nid: str) -> list[str]:
            if not is_group.get(nid):
                return [nid]
            out: list[str] = []
            for c in children.get(nid, []):
                out.extend(leaves(c))
            return out

        prereq: dict[str, dict[str, None]] = {}
        n_prereq = 0
        for a in fw_in.associations:
            if a.type != "precedes":
                continue
            if a.origin_identifier not in ids or a.destination_identifier not in ids:
                warnings.append(f"precedes {a.identifier} reaches outside this framework: kept, not a prerequisite")
                continue
            for before in leaves(a.origin_identifier):
                for after in leaves(a.destination_identifier):
                    if before != after and before not in prereq.setdefault(after, {}):
                        prereq[after][before] = None
                        n_prereq += 1
        units: list[Unit] = []
        skills: list[Skill] = []
        try:
            for pos, nid in enumerate(order):
                n = by_id[nid]
                title = (n.short or n.statement)
                if is_group[nid]:
                    units.append(Unit(code[nid], title[:300], pos))
                else:
                    par = n.parent_identifier if n.parent_identifier in ids else None
                    skills.append(Skill(
                        code=code[nid], title=title[:500], unit=code[par] if par else None,
                        description=n.statement,
                        prerequisites=tuple(frozenset({code[b]}) for b in prereq.get(nid, {})),
                        position=pos,
                    ))
            fw = Framework(fid, fw_in.title[:300], (fw_in.subject or "mathematics")[:100],
                           old_fw.mastery_threshold if old_fw else system.settings.mastery_threshold,
                           tuple(units), tuple(skills), fw_in.uri[:500] or None)
            fw.graph()
        except CycleError as exc:
            raise Invalid(f"the precedes associations form a cycle: {' -> '.join(exc.cycle)}",
                          field="CFAssociations") from None
        except ValidationError as exc:
            raise Invalid(str(exc), field=exc.field) from None

        skill_counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
        before = {sk.code: sk for sk in old_fw.skills} if old_fw else {}
        for sk in skills:
            old = before.pop(sk.code, None)
            if old is None:
                skill_counts["created"] += 1
            elif (old.title, old.unit, old.description, set(old.prerequisites), old.position) == \
                    (sk.title, sk.unit, sk.description, set(sk.prerequisites), sk.position):
                skill_counts["unchanged"] += 1
            else:
                skill_counts["updated"] += 1
        skill_counts["removed"] = len(before)

        if old_fw is not None:
            for table in (t.PrerequisiteRow, t.SkillRow, t.UnitRow):
                s.execute(delete(table).where(table.framework_id == fid))
            s.execute(delete(CaseNodeRow).where(CaseNodeRow.framework_id == fid))
            s.execute(delete(CaseAssociationRow).where(CaseAssociationRow.framework_id == fid))
            row = s.get(t.FrameworkRow, fid)
            row.title, row.subject, row.source_uri = fw.title, fw.subject, fw.source_uri  # type: ignore[union-attr]
            s.flush()
            _add_children(s, fw)
        else:
            uow.frameworks.add(fw)
        s.flush()
        for nid in order:
            n = by_id[nid]
            s.add(CaseNodeRow(framework_id=fid, identifier=nid, uri=n.uri[:500], kind="grouping" if is_group[nid]
                              else "skill", code=code[nid],
                              parent_identifier=n.parent_identifier if n.parent_identifier in ids else None,
                              sequence=n.sequence, item=n.item))
            if not is_group[nid]:
                s.execute(t.SkillRow.__table__.update().where(t.SkillRow.framework_id == fid,
                                                             t.SkillRow.code == code[nid]).values(uri=n.uri[:500]))
        assoc_counts: dict[str, int] = {}
        for a in fw_in.associations:
            assoc_counts[a.type] = assoc_counts.get(a.type, 0) + 1
            s.add(CaseAssociationRow(
                framework_id=fid, identifier=a.identifier, uri=a.uri[:500], association_type=a.type,
                origin_identifier=a.origin_identifier, origin_uri=a.origin_uri[:500],
                origin_title=a.origin_title[:500], destination_identifier=a.destination_identifier,
                destination_uri=a.destination_uri[:500], destination_title=a.destination_title[:500],
                sequence=a.sequence, association=a.association))
        if doc_row is None:
            s.add(CaseDocumentRow(framework_id=fid, identifier=fw_in.identifier, uri=fw_in.uri[:500],
                                  case_version=fw_in.case_version, document=fw_in.document))
        else:
            doc_row.uri, doc_row.case_version, doc_row.document = fw_in.uri[:500], fw_in.case_version, fw_in.document
            doc_row.imported_at = utcnow()
        uow.commit()
    return ImportResult(fid, created, skill_counts, len(units), n_prereq, assoc_counts, warnings)


def _add_children(s: Any, fw: Framework) -> None:
    for u in fw.units:
        s.add(t.UnitRow(framework_id=fw.id, code=u.code, title=u.title, position=u.position))
    for sk in fw.skills:
        s.add(t.SkillRow(framework_id=fw.id, code=sk.code, title=sk.title, unit_code=sk.unit,
                         description=sk.description, position=sk.position))
        for gi, group in enumerate(sk.prerequisites):
            for req in sorted(group):
                s.add(t.PrerequisiteRow(framework_id=fw.id, skill_code=sk.code, group_no=gi, requires_code=req))


def framework_for_export(system: App, actor: Actor, framework_id: str) -> FrameworkOut:
    """The framework with its kept CASE identifiers, URIs and associations."""
    require_role(actor, Role.ADMIN, Role.TEACHER)
    with system.uow() as uow:
        fw = uow.frameworks.get(framework_id)
        if fw is None:
            raise NotFound(f"no framework {framework_id}")
        s = uow.session
        doc = s.get(CaseDocumentRow, framework_id)
        nodes = tuple(
            StoredNode(r.identifier, r.uri, r.kind, r.code, r.parent_identifier, r.sequence, dict(r.item or {}))
            for r in s.scalars(select(CaseNodeRow).where(CaseNodeRow.framework_id == framework_id))
        )
        assocs = tuple(
            StoredAssociation(r.identifier, r.uri, r.association_type, r.origin_identifier, r.origin_uri,
                              r.origin_title, r.destination_identifier, r.destination_uri, r.destination_title,
                              r.sequence, dict(r.association or {}))
            for r in s.scalars(select(CaseAssociationRow).where(CaseAssociationRow.framework_id == framework_id)
                               .order_by(CaseAssociationRow.identifier))
        )
        return FrameworkOut(fw, doc.identifier if doc else None, doc.uri if doc else None,
                            dict(doc.document or {}) if doc else {}, nodes, assocs)


def list_frameworks(system: App, actor: Actor) -> list[str]:
    require_role(actor, Role.ADMIN, Role.TEACHER)
    with system.uow() as uow:
        return uow.frameworks.list_ids()
