"""Competency frameworks from and to CASE: the one CASE model, stored and described.

The shapes here are the only model of a CASE framework in Pathwise: the CASE translator
(``interop/case.py``) fills a ``CaseFramework`` from a CFPackage and writes a CFPackage
from one; nothing else describes CFItems or CFAssociations. A ``CaseFramework`` holds
the document, every CFItem as a ``CaseNode`` (in the framework's order, parents before
children) and every ``CaseAssociation``.

``import_framework`` makes it a Pathwise framework: groupings (items with children)
become units, the others skills, and ``precedes`` becomes prerequisites (a grouping
stands for all the skills under it). Each ``precedes`` without an association grouping
is a prerequisite of its own; the ``precedes`` into the same skill that share one
association grouping form one any-of group (any one of them suffices). The
identifiers, URIs and the other associations (isPeerOf, exactMatchOf, isRelatedTo,
...) are kept as given, so a re-import of the same document updates the framework in
place: skill codes once given are kept, nothing is duplicated. ``framework_for_export``
hands back the framework with everything kept, for the translator to write CASE 1.1.

A framework belongs to a school: an administrator's import creates or updates only
their own school's framework behind the document (a document another school imported,
or the system's shared copy, becomes a copy of the importing school's own, under an id
of its own, and the other stays as it was). The system's imports (the command line, the
demo) make shared frameworks, which every school reads and none changes. Reading a
framework asks ``access.require_framework`` (own or shared; another school's is missing).

It must not parse JSON or know CASE's field names beyond what these shapes carry.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from pathwise.domain.errors import CycleError, ValidationError
from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.domain.people import Role
from pathwise.services.access import Actor, require_framework, require_role, school_scope
from pathwise.services.errors import Invalid, NotFound
from pathwise.store.uow import UnitOfWork

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_NS = uuid.UUID("7d8e3c1a-59b2-4f0e-8c6d-2a1b3c4d5e6f")


@dataclass(frozen=True, slots=True)
class NodeRef:
    """A link to a CFDocument, CFItem or CFAssociationGrouping."""

    identifier: str
    uri: str
    title: str = ""


@dataclass(slots=True)
class CaseNode:
    """A CFItem. As read: its statements and codes; as stored (for export): ``kind``
    (skill | grouping), ``code`` (the unit's or skill's) and the kept CFItem in ``item``."""

    identifier: str
    uri: str
    statement: str
    short: str = ""
    human_code: str = ""
    item_type: str = ""
    list_enumeration: str = ""
    parent_identifier: str | None = None  # None: at the top, under the document
    sequence: int | None = None  # the sequenceNumber of its isChildOf
    item: dict[str, Any] = field(default_factory=dict)  # the CFItem as given
    kind: str = ""
    code: str = ""
    home_tips: tuple[str, ...] = ()  # ways to help at home (a Pathwise extension of the CFItem)


@dataclass(slots=True)
class CaseAssociation:
    """A CFAssociation; ``grouping`` is its CFAssociationGrouping, if any."""

    identifier: str
    uri: str
    type: str
    origin: NodeRef
    destination: NodeRef
    sequence: int | None = None
    grouping: NodeRef | None = None
    association: dict[str, Any] = field(default_factory=dict)  # the CFAssociation as given


@dataclass(slots=True)
class CaseFramework:
    """A CFPackage: read by the translator, or described for export (``framework`` set)."""

    identifier: str
    uri: str
    title: str
    case_version: str
    document: dict[str, Any]
    nodes: list[CaseNode]  # in the framework's order (parents before children)
    associations: list[CaseAssociation]
    subject: str = "mathematics"
    warnings: list[str] = field(default_factory=list)  # what the reader noticed
    framework: Framework | None = None  # the Pathwise framework (for export)


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


def _pick_code(node: CaseNode, used: set[str]) -> str:
    for cand in (node.human_code, node.identifier):
        if cand and _CODE.match(cand) and cand not in used:
            return cand
    base = "case-" + str(uuid.uuid5(_NS, node.identifier))
    return base


def import_framework(uow: UnitOfWork, actor: Actor, fw_in: CaseFramework, *, mastery_threshold: float,
                     framework_id: str | None = None) -> ImportResult:
    """Create or update the framework behind ``fw_in.identifier``; see the module docstring.

    ``mastery_threshold`` is a new framework's (an updated one keeps its own);
    ``framework_id`` is the id a new framework gets (default: the document identifier
    when it is a valid code and free). The framework is the actor's school's (the
    system's: shared); only that owner's framework behind the document is updated.
    """
    require_role(actor, Role.ADMIN)
    owner = school_scope(actor)
    warnings: list[str] = []
    repo = uow.case_frameworks
    fid = repo.framework_for_document(fw_in.identifier, owner)
    created = fid is None
    if fid is None:
        fid = framework_id or (fw_in.identifier if _CODE.match(fw_in.identifier)
                               else "case-" + str(uuid.uuid5(_NS, fw_in.identifier)))
        if repo.framework_exists(fid):
            fid = "case-" + str(uuid.uuid5(_NS, f"again|{owner or ''}|{fw_in.identifier}"))
        if repo.framework_exists(fid):
            fid = "case-" + uuid.uuid4().hex
    old_codes = repo.node_codes(fid)
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

    # per skill, its groups in the order first met: a precedes alone is a group of its
    # own; the precedes sharing an association grouping are one any-of group
    groups: dict[str, dict[tuple[str, str], dict[str, None]]] = {}
    n_prereq = 0
    for a in fw_in.associations:
        if a.type != "precedes":
            continue
        if a.origin.identifier not in ids or a.destination.identifier not in ids:
            warnings.append(f"precedes {a.identifier} reaches outside this framework: kept, not a prerequisite")
            continue
        for after in leaves(a.destination.identifier):
            mine = groups.setdefault(after, {})
            for before in leaves(a.origin.identifier):
                if before == after:
                    continue
                key = ("any", a.grouping.identifier) if a.grouping is not None else ("all", before)
                if key[0] == "all" and key in mine:
                    continue
                group = mine.setdefault(key, {})
                if before not in group:
                    group[before] = None
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
                    prerequisites=tuple(frozenset(code[b] for b in g) for g in groups.get(nid, {}).values() if g),
                    position=pos, home_tips=n.home_tips,
                ))
        fw = Framework(fid, fw_in.title[:300], (fw_in.subject or "mathematics")[:100],
                       old_fw.mastery_threshold if old_fw else mastery_threshold,
                       tuple(units), tuple(skills), fw_in.uri[:500] or None)
        fw.graph()
    except CycleError as exc:
        raise Invalid(f"the precedes associations form a cycle: {' -> '.join(exc.cycle)}",
                      field="CFAssociations") from None
    except ValidationError as exc:
        raise Invalid(str(exc), field=exc.field) from None

    skill_counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    before_skills = {sk.code: sk for sk in old_fw.skills} if old_fw else {}
    for sk in skills:
        old = before_skills.pop(sk.code, None)
        if old is None:
            skill_counts["created"] += 1
        elif (old.title, old.unit, old.description, set(old.prerequisites), old.position, old.home_tips) == \
                (sk.title, sk.unit, sk.description, set(sk.prerequisites), sk.position, sk.home_tips):
            skill_counts["unchanged"] += 1
        else:
            skill_counts["updated"] += 1
    skill_counts["removed"] = len(before_skills)

    if old_fw is not None:
        uow.frameworks.replace(fw)
    else:
        uow.frameworks.add(fw, school_id=owner)
        uow.flush()
    repo.set_skill_uris(fid, {code[nid]: by_id[nid].uri[:500] for nid in order if not is_group[nid]})
    repo.replace_case_record(
        fid,
        [{"identifier": nid, "uri": by_id[nid].uri, "kind": "grouping" if is_group[nid] else "skill",
          "code": code[nid], "sequence": by_id[nid].sequence, "item": by_id[nid].item,
          "parent_identifier": by_id[nid].parent_identifier if by_id[nid].parent_identifier in ids else None}
         for nid in order],
        [{"identifier": a.identifier, "uri": a.uri, "type": a.type, "origin": asdict(a.origin),
          "destination": asdict(a.destination), "grouping": asdict(a.grouping) if a.grouping else None,
          "sequence": a.sequence, "association": a.association} for a in fw_in.associations])
    assoc_counts: dict[str, int] = {}
    for a in fw_in.associations:
        assoc_counts[a.type] = assoc_counts.get(a.type, 0) + 1
    repo.save_document(fid, fw_in.identifier, fw_in.uri, fw_in.case_version, fw_in.document)
    return ImportResult(fid, created, skill_counts, len(units), n_prereq, assoc_counts, warnings)


def framework_for_export(uow: UnitOfWork, actor: Actor, framework_id: str) -> CaseFramework:
    """The framework with its kept CASE identifiers, URIs and associations."""
    require_role(actor, Role.ADMIN, Role.TEACHER)
    require_framework(uow, actor, framework_id)
    fw = uow.frameworks.get(framework_id)
    if fw is None:
        raise NotFound(f"no framework {framework_id}")
    repo = uow.case_frameworks
    doc = repo.document(framework_id) or {"identifier": "", "uri": "", "document": {}}
    nodes = [
        CaseNode(identifier=n["identifier"], uri=n["uri"], statement="", parent_identifier=n["parent_identifier"],
                 sequence=n["sequence"], item=n["item"],
                 kind=n["kind"], code=n["code"])
        for n in repo.nodes(framework_id)
    ]
    assocs = [
        CaseAssociation(identifier=a["identifier"], uri=a["uri"], type=a["type"], origin=NodeRef(**a["origin"]),
                        destination=NodeRef(**a["destination"]), sequence=a["sequence"],
                        grouping=NodeRef(**a["grouping"]) if a["grouping"] else None,
                        association=a["association"])
        for a in repo.associations(framework_id)
    ]
    return CaseFramework(doc["identifier"], doc["uri"], fw.title, "1.1", doc["document"], nodes, assocs,
                         subject=fw.subject, framework=fw)


def list_frameworks(uow: UnitOfWork, actor: Actor) -> list[str]:
    """The frameworks the actor's school reads: its own and the shared ones (all, for the system)."""
    require_role(actor, Role.ADMIN, Role.TEACHER)
    return uow.frameworks.list_ids(actor.school_id, every_school=actor.is_system)
