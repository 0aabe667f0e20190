"""CASE 1.0 / 1.1 competency frameworks: CFPackage JSON to and from the one CASE model.

Reading: ``parse_package`` checks a CFPackage (1.0 as OpenSALT exports it, or 1.1) and
fills the frameworks service's ``CaseFramework``: the document, its items (in the
framework's order, each with its parent in the ``isChildOf`` tree) and its associations
with their identifiers, URIs and association groupings. Problems are named by JSON path
(``CFItems[3].fullStatement``). Writing: ``build_package`` turns a ``CaseFramework``
described for export into a CASE 1.1 CFPackage; ``schema_errors`` checks a package
against a CFPackage JSON Schema (the official one is not shipped with Pathwise; callers
pass it). ``import_package`` and ``export_package`` do both ends in the caller's unit
of work.

It only translates: it never touches the database and never decides what a skill or a
prerequisite is in Pathwise (``services/frameworks.py`` does); identifiers it cannot
keep (not UUIDs, which 1.1 requires) are replaced by stable UUIDs derived from them,
never by random ones. An any-of group of prerequisites is written with CASE's own
vocabulary: the ``precedes`` associations into one skill that share one
CFAssociationGrouping.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid
from pathwise.services.frameworks import (
    CaseAssociation,
    CaseFramework,
    CaseNode,
    ImportResult,
    NodeRef,
    framework_for_export,
    import_framework,
)

CASE_NAMESPACE = uuid.UUID("0b6c4b8e-2f4a-4d0e-9a1c-6b3f1e2d7a55")
ASSOCIATION_TYPES = {"isChildOf", "isPeerOf", "isPartOf", "exactMatchOf", "precedes", "isRelatedTo",
                     "replacedBy", "exemplar", "hasSkillLevel", "isTranslationOf"}
MAX_PACKAGE_BYTES = 50 * 1024 * 1024


class PackageInvalid(ValueError):
    """The package cannot be read; ``problems`` name each fault by JSON path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
        self.problems = problems


def _enum_key(value: str) -> tuple[Any, ...]:
    value = (value or "").strip().rstrip(".")
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def derived_uuid(*parts: str) -> str:
    return str(uuid.uuid5(CASE_NAMESPACE, "|".join(parts)))


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def _text(obj: dict[str, Any], key: str) -> str:
    v = obj.get(key)
    return v.strip() if isinstance(v, str) else ""


def _link(value: Any, path: str, problems: list[str]) -> NodeRef | None:
    if isinstance(value, dict):
        ident = _text(value, "identifier")
        uri = _text(value, "uri")
        if not ident and uri:
            ident = uri.rstrip("/").rsplit("/", 1)[-1]
        if not ident:
            problems.append(f"{path}.identifier: missing")
            return None
        return NodeRef(ident, uri or f"urn:uuid:{ident}" if is_uuid(ident) else uri, _text(value, "title"))
    if isinstance(value, str) and value.strip():
        uri = value.strip()
        return NodeRef(uri.rstrip("/").rsplit("/", 1)[-1], uri, "")
    problems.append(f"{path}: must be a link object with identifier and uri")
    return None


HOME_TIPS = "homeTips"  # the CFItem extension that carries a skill's ways to help at home


def _home_tips(item: dict[str, Any]) -> tuple[str, ...]:
    """A CFItem's ways to help at home (``extensions.homeTips``: a list of sentences); anything
    else there is ignored, as an unknown extension is."""
    ext = item.get("extensions")
    tips = ext.get(HOME_TIPS) if isinstance(ext, dict) else None
    if not isinstance(tips, list):
        return ()
    return tuple(" ".join(t.split())[:400] for t in tips if isinstance(t, str) and t.strip())[:6]


def parse_package(data: bytes | str | dict[str, Any]) -> CaseFramework:
    """Read a CFPackage (1.0 or 1.1); raise ``PackageInvalid`` naming every fault."""
    if isinstance(data, (bytes, str)):
        if len(data) > MAX_PACKAGE_BYTES:
            raise PackageInvalid([f"package larger than {MAX_PACKAGE_BYTES // 2**20} MB"])
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise PackageInvalid([f"not JSON: {exc}"]) from None
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("CFDocument"), dict):
        raise PackageInvalid(["CFDocument: missing (is this a CASE CFPackage?)"])
    doc = data["CFDocument"]
    version = "1.1" if str(doc.get("caseVersion", "")).strip() == "1.1" else "1.0"
    ident = _text(doc, "identifier")
    title = _text(doc, "title")
    if not ident:
        problems.append("CFDocument.identifier: missing")
    if not title:
        problems.append("CFDocument.title: missing")
    uri = _text(doc, "uri") or (f"urn:uuid:{ident}" if ident else "")
    items: list[CaseNode] = []
    seen: dict[str, str] = {}
    raw_items = data.get("CFItems", [])
    if not isinstance(raw_items, list):
        problems.append("CFItems: must be a list")
        raw_items = []
    for i, it in enumerate(raw_items):
        path = f"CFItems[{i}]"
        if not isinstance(it, dict):
            problems.append(f"{path}: must be an object")
            continue
        iid = _text(it, "identifier")
        if not iid:
            problems.append(f"{path}.identifier: missing")
            continue
        if iid in seen:
            problems.append(f"{path}.identifier: {iid} is also {seen[iid]}")
            continue
        seen[iid] = path
        stmt = _text(it, "fullStatement")
        if not stmt:
            problems.append(f"{path}.fullStatement: missing")
            continue
        items.append(CaseNode(
            identifier=iid, uri=_text(it, "uri") or f"urn:uuid:{iid}", statement=stmt,
            short=_text(it, "abbreviatedStatement"), human_code=_text(it, "humanCodingScheme"),
            item_type=_text(it, "CFItemType"), list_enumeration=_text(it, "listEnumeration"), item=it,
            home_tips=_home_tips(it),
        ))
    assocs: list[CaseAssociation] = []
    raw_assocs = data.get("CFAssociations", [])
    if not isinstance(raw_assocs, list):
        problems.append("CFAssociations: must be a list")
        raw_assocs = []
    seen_a: set[str] = set()
    for i, a in enumerate(raw_assocs):
        path = f"CFAssociations[{i}]"
        if not isinstance(a, dict):
            problems.append(f"{path}: must be an object")
            continue
        aid = _text(a, "identifier")
        typ = _text(a, "associationType")
        if not aid:
            problems.append(f"{path}.identifier: missing")
            continue
        if aid in seen_a:
            problems.append(f"{path}.identifier: {aid} appears twice")
            continue
        seen_a.add(aid)
        if typ not in ASSOCIATION_TYPES and not typ.startswith("ext:"):
            problems.append(f"{path}.associationType: {typ!r} is not a CASE association type")
            continue
        origin = _link(a.get("originNodeURI"), f"{path}.originNodeURI", problems)
        dest = _link(a.get("destinationNodeURI"), f"{path}.destinationNodeURI", problems)
        grouping = None
        if a.get("CFAssociationGroupingURI") is not None:
            grouping = _link(a["CFAssociationGroupingURI"], f"{path}.CFAssociationGroupingURI", problems)
            if grouping is None:
                continue
        if origin is None or dest is None:
            continue
        seq = a.get("sequenceNumber")
        if isinstance(seq, str) and seq.strip().lstrip("-").isdigit():
            seq = int(seq.strip())  # 1.0 exports often write it as text
        if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool)):
            problems.append(f"{path}.sequenceNumber: {seq!r} is not a whole number")
            continue
        assocs.append(CaseAssociation(aid, _text(a, "uri") or f"urn:uuid:{aid}", typ, origin, dest, seq,
                                      grouping, a))
    if problems:
        raise PackageInvalid(problems)
    warnings: list[str] = []
    parent: dict[str, str] = {}  # item identifier -> parent identifier (the document's at the top)
    sequence: dict[str, int | None] = {}
    known = {it.identifier for it in items}
    for a in assocs:
        if a.type != "isChildOf" or a.origin.identifier not in known:
            continue
        par = a.destination.identifier
        if par != ident and par not in known:
            warnings.append(f"CFAssociations {a.identifier}: parent {par} is not in the package; "
                            "the item is placed at the top")
            par = ident
        if a.origin.identifier in parent and parent[a.origin.identifier] != par:
            warnings.append(f"item {a.origin.identifier} has a second parent {par}: kept the first")
            continue
        parent[a.origin.identifier] = par
        sequence[a.origin.identifier] = a.sequence
    for it in items:
        if it.identifier not in parent:
            parent[it.identifier] = ident
    # a child-of cycle would hide items from the tree: break it at the top
    for it in items:
        path_: list[str] = []
        node = it.identifier
        while node in parent and node != ident:
            if node in path_:
                warnings.append(f"isChildOf cycle through {node}: it is placed at the top")
                parent[node] = ident
                break
            path_.append(node)
            node = parent[node]
    # the framework's order: depth first from the top; siblings by sequenceNumber, then
    # listEnumeration, then human coding scheme, then as listed
    rank = {it.identifier: (sequence.get(it.identifier) if sequence.get(it.identifier) is not None else 10**9,
                            _enum_key(it.list_enumeration), it.human_code, pos)
            for pos, it in enumerate(items)}
    kids: dict[str, list[str]] = {}
    for child, par in parent.items():
        kids.setdefault(par, []).append(child)
    for sibs in kids.values():
        sibs.sort(key=lambda c: rank.get(c, (10**9, (), "", 0)))
    by_id = {it.identifier: it for it in items}
    nodes: list[CaseNode] = []
    stack = list(reversed(kids.get(ident, [])))
    while stack:
        nid = stack.pop()
        node_ = by_id[nid]
        node_.parent_identifier = None if parent[nid] == ident else parent[nid]
        node_.sequence = sequence.get(nid)
        nodes.append(node_)
        stack.extend(reversed(kids.get(nid, [])))
    subject = doc.get("subject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    return CaseFramework(identifier=ident, uri=uri, title=title, case_version=version, document=doc, nodes=nodes,
                         associations=assocs, subject=subject if isinstance(subject, str) and subject
                         else "mathematics", warnings=warnings)


# -- writing -------------------------------------------------------------------------------------


def rfc3339(value: Any | None = None) -> str:
    """A date-time the 1.1 schema accepts (UTC, with offset); naive inputs are read as UTC."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str) and value.strip():
        try:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            dt = datetime.now(UTC)
    else:
        dt = datetime.now(UTC)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_DOC_KEEP_STR = ("frameworkType", "officialSourceURL", "publisher", "description", "language", "version",
                 "adoptionStatus", "notes")
_ITEM_KEEP_STR = ("alternativeLabel", "listEnumeration", "notes", "language", "CFItemType")


def document_fields(stored: dict[str, Any]) -> dict[str, Any]:
    """The fields of a stored (1.0 or 1.1) CFDocument that CASE 1.1 keeps as they are."""
    out: dict[str, Any] = {k: stored[k] for k in _DOC_KEEP_STR if isinstance(stored.get(k), str) and stored[k]}
    subj = stored.get("subject")
    if isinstance(subj, str) and subj:
        out["subject"] = [subj]
    elif isinstance(subj, list) and all(isinstance(s, str) for s in subj) and subj:
        out["subject"] = subj
    return out


def item_fields(stored: dict[str, Any]) -> dict[str, Any]:
    """The fields of a stored CFItem that CASE 1.1 keeps (1.0's educationalLevel becomes a list)."""
    out: dict[str, Any] = {k: stored[k] for k in _ITEM_KEEP_STR if isinstance(stored.get(k), str) and stored[k]}
    level = stored.get("educationLevel", stored.get("educationalLevel"))
    if isinstance(level, str) and level:
        out["educationLevel"] = [s.strip() for s in level.split(",") if s.strip()]
    elif isinstance(level, list) and all(isinstance(s, str) for s in level) and level:
        out["educationLevel"] = level
    kw = stored.get("conceptKeywords")
    if isinstance(kw, list) and all(isinstance(s, str) for s in kw) and kw:
        out["conceptKeywords"] = kw
    return out


def link(identifier: str, uri: str, title: str) -> dict[str, str]:
    return {"title": title or identifier, "identifier": identifier, "uri": uri}


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def schema_errors(package: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Every place where ``package`` breaks ``schema`` (formats checked), as path: message."""
    import jsonschema

    cls = jsonschema.validators.validator_for(schema)
    checker = jsonschema.FormatChecker()
    checker.checkers.update(cls.FORMAT_CHECKER.checkers)
    if "date-time" not in checker.checkers:  # without the optional rfc3339 package, check it here
        checker.checks("date-time")(_is_rfc3339)
    validator = cls(schema, format_checker=checker)
    out = []
    for err in sorted(validator.iter_errors(package), key=lambda e: list(map(str, e.absolute_path))):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path).lstrip(".")
        out.append(f"{path or '(package)'}: {err.message}")
    return out


# -- between CASE and the frameworks service ------------------------------------------------------


def check_package(data: bytes | str | dict[str, Any]) -> None:
    """``Invalid`` naming every fault by JSON path when ``data`` is not a usable CASE
    package; nothing else (what importing it would change is ``import_package``'s)."""
    try:
        parse_package(data)
    except PackageInvalid as exc:
        raise Invalid(f"not a usable CASE package: {exc}", field="package", problems=exc.problems) from None


def import_package(uow: UnitOfWork, actor: Actor, data: bytes | str | dict[str, Any], *,
                   mastery_threshold: float, framework_id: str | None = None) -> ImportResult:
    """Read a CFPackage and import it (``Invalid`` names every fault by JSON path).

    ``mastery_threshold`` is a new framework's; ``framework_id`` the id a new
    framework gets (default: the document identifier). The caller commits.
    """
    try:
        pkg = parse_package(data)
    except PackageInvalid as exc:
        raise Invalid(f"not a usable CASE package: {exc}", field="package", problems=exc.problems) from None
    result = import_framework(uow, actor, pkg, mastery_threshold=mastery_threshold, framework_id=framework_id)
    result.warnings = pkg.warnings + result.warnings
    return result


def build_package(out: CaseFramework, base_url: str | None = None, *,
                  changed_at: str | datetime | None = None) -> dict[str, Any]:
    """A CASE 1.1 CFPackage for a framework described for export (identifiers and URIs
    kept where 1.1 allows). ``changed_at``: the lastChangeDateTime of what is written
    anew (default: now)."""
    fw = out.framework
    if fw is None:
        raise ValueError("build_package needs the framework described for export")
    now = rfc3339(changed_at)
    base = (base_url or "").rstrip("/")

    def uri_for(kind: str, ident: str) -> str:
        return f"{base}/ims/case/v1p1/{kind}/{ident}" if base else f"urn:uuid:{ident}"

    doc_id = out.identifier if out.identifier and is_uuid(out.identifier) else derived_uuid("framework", fw.id)
    doc_uri = out.uri or uri_for("CFDocuments", doc_id)
    stored_doc = out.document or {}
    document: dict[str, Any] = {
        "identifier": doc_id, "uri": doc_uri, "caseVersion": "1.1",
        "creator": stored_doc.get("creator") if isinstance(stored_doc.get("creator"), str)
        and stored_doc.get("creator") else "Pathwise",
        "title": fw.title, "lastChangeDateTime": now,
        **document_fields(stored_doc),
    }
    if "subject" not in document and fw.subject:
        document["subject"] = [fw.subject]
    doc_link = link(doc_id, doc_uri, fw.title)

    by_code = {n.code: n for n in out.nodes}
    by_ident = {n.identifier: n for n in out.nodes}
    node_link: dict[str, dict[str, str]] = {}
    items: list[dict[str, Any]] = []

    def add_item(code: str, kind: str, statement: str, short: str, position: int,
                 home_tips: tuple[str, ...] = ()) -> None:
        stored = by_code.get(code)
        ident = stored.identifier if stored and is_uuid(stored.identifier) else derived_uuid(fw.id, kind, code)
        uri = stored.uri if stored and stored.uri else uri_for("CFItems", ident)
        item = {"identifier": ident, "uri": uri, "fullStatement": statement, "humanCodingScheme": code,
                "lastChangeDateTime": rfc3339(stored.item.get("lastChangeDateTime")) if stored else now,
                **(item_fields(stored.item) if stored else {})}
        if short and short != statement:
            item["abbreviatedStatement"] = short
        item.setdefault("CFItemType", "Skill" if kind == "skill" else "Unit")
        if home_tips:
            item["extensions"] = {HOME_TIPS: list(home_tips)}
        items.append(item)
        node_link[code] = link(ident, uri, code)

    for u in fw.units:
        stored = by_code.get(u.code)
        statement = stored.item.get("fullStatement") if stored and isinstance(stored.item.get("fullStatement"), str) \
            else u.title
        add_item(u.code, "unit", statement or u.title, u.title, u.position)
    for sk in fw.skills:
        add_item(sk.code, "skill", sk.description or sk.title, sk.title, sk.position, sk.home_tips)

    kept = {(a.type, a.origin.identifier, a.destination.identifier): a for a in out.associations}
    assocs: list[dict[str, Any]] = []
    groupings: dict[str, dict[str, Any]] = {}

    def add_grouping(ref: NodeRef, description: str = "") -> dict[str, str]:
        ident = ref.identifier if is_uuid(ref.identifier) else derived_uuid("grouping", ref.identifier)
        uri = ref.uri if ref.uri and is_uuid(ref.identifier) else uri_for("CFAssociationGroupings", ident)
        title = ref.title or "Association grouping"
        if ident not in groupings:
            groupings[ident] = {"identifier": ident, "uri": uri, "title": title,
                                **({"description": description} if description else {}), "lastChangeDateTime": now}
        return link(ident, uri, title)

    def add_assoc(typ: str, origin: dict[str, str], dest: dict[str, str], seq: int | None = None,
                  grouping: dict[str, str] | None = None) -> None:
        old = kept.get((typ, origin["identifier"], dest["identifier"]))
        ident = old.identifier if old and is_uuid(old.identifier) else derived_uuid(
            fw.id, typ, origin["identifier"], dest["identifier"])
        a: dict[str, Any] = {"identifier": ident, "uri": old.uri if old else uri_for("CFAssociations", ident),
                             "associationType": typ, "originNodeURI": origin, "destinationNodeURI": dest,
                             "lastChangeDateTime": now}
        if seq is not None:
            a["sequenceNumber"] = seq
        if grouping is not None:
            a["CFAssociationGroupingURI"] = grouping
        assocs.append(a)

    # the tree; an item made in Pathwise is numbered in its framework's order among its siblings
    unit_codes = {u.code for u in fw.units}
    numbered: dict[str, int] = {}

    def next_number(parent: dict[str, str]) -> int:
        numbered[parent["identifier"]] = numbered.get(parent["identifier"], 0) + 1
        return numbered[parent["identifier"]]

    for u in sorted(fw.units, key=lambda u: u.position):
        stored = by_code.get(u.code)
        par = by_ident.get(stored.parent_identifier) if stored and stored.parent_identifier else None
        parent = node_link[par.code] if par is not None and par.code in unit_codes else doc_link
        add_assoc("isChildOf", node_link[u.code], parent, stored.sequence if stored else next_number(parent))
    for sk in sorted(fw.skills, key=lambda s: s.position):
        stored = by_code.get(sk.code)
        parent = node_link[sk.unit] if sk.unit else doc_link
        add_assoc("isChildOf", node_link[sk.code], parent, stored.sequence if stored else next_number(parent))

    # kept associations other than the tree, as they were (precedes included)
    leaves_of: dict[str, set[str]] = {}
    kids: dict[str, list[str]] = {}
    for n in out.nodes:
        if n.parent_identifier:
            kids.setdefault(n.parent_identifier, []).append(n.identifier)

    def leaves(ident: str) -> set[str]:
        if ident not in leaves_of:
            node = by_ident.get(ident)
            if node is None:
                leaves_of[ident] = set()
            elif node.kind == "skill":
                leaves_of[ident] = {node.code}
            else:
                acc: set[str] = set()
                for c in kids.get(ident, []):
                    acc |= leaves(c)
                leaves_of[ident] = acc
        return leaves_of[ident]

    covered: set[tuple[str, str]] = set()
    for a in out.associations:
        if a.type == "isChildOf":
            continue
        origin = link(a.origin.identifier, a.origin.uri, a.origin.title)
        dest = link(a.destination.identifier, a.destination.uri, a.destination.title)
        if a.origin.identifier in by_ident and by_ident[a.origin.identifier].code in node_link:
            origin = node_link[by_ident[a.origin.identifier].code]
        if a.destination.identifier in by_ident and by_ident[a.destination.identifier].code in node_link:
            dest = node_link[by_ident[a.destination.identifier].code]
        if a.type == "precedes":
            for b in leaves(a.origin.identifier):
                for c in leaves(a.destination.identifier):
                    covered.add((b, c))
        add_assoc(a.type, origin, dest, a.sequence, add_grouping(a.grouping) if a.grouping else None)
    # prerequisites made in Pathwise (or changed since the import) become precedes; an
    # any-of group of several skills shares one association grouping
    for sk in fw.skills:
        for group in sk.prerequisites:
            todo = [req for req in sorted(group) if (req, sk.code) not in covered and req in node_link]
            if not todo:
                continue
            grouping = None
            if len(group) > 1:
                gid = derived_uuid(fw.id, "any-of", sk.code, *sorted(group))
                grouping = add_grouping(
                    NodeRef(gid, uri_for("CFAssociationGroupings", gid),
                            f"Any one of {', '.join(sorted(group))} before {sk.code}"),
                    f"{sk.code} needs any one of {', '.join(sorted(group))}.")
            for req in todo:
                add_assoc("precedes", node_link[req], node_link[sk.code], grouping=grouping)
    package: dict[str, Any] = {"CFDocument": document, "CFItems": items, "CFAssociations": assocs}
    if groupings:
        package["CFDefinitions"] = {"CFAssociationGroupings": list(groupings.values())}
    return package


def export_package(uow: UnitOfWork, actor: Actor, framework_id: str, base_url: str | None = None,
                   schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The framework as a CASE 1.1 CFPackage; checked against ``schema`` when one is given."""
    package = build_package(framework_for_export(uow, actor, framework_id), base_url)
    if schema is not None:
        errors = schema_errors(package, schema)
        if errors:
            raise Invalid("the export does not validate against the CASE schema", field="package",
                          problems=errors)
    return package
