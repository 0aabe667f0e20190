"""The questions the frameworks service asks about a framework's CASE record.

A framework imported from CASE keeps its CFDocument (``case_documents``), each CFItem
as a node with the code it was given (``case_nodes``) and every CFAssociation as given
(``case_associations``). These methods take and return plain values (dicts keyed
like the service's shapes, domain frameworks); no row leaves the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select, update

from pathwise.store import tables as t
from pathwise.store.repositories import _Repo
from pathwise.store.tables import utcnow
from pathwise.store.tables_interop import CaseAssociationRow, CaseDocumentRow, CaseNodeRow

# the association's grouping is kept inside the stored CFAssociation, where CASE puts it
_GROUPING_KEY = "CFAssociationGroupingURI"


class CaseFrameworkRepository(_Repo):
    def framework_for_document(self, identifier: str, school_id: str | None) -> str | None:
        """The framework of ``school_id`` (None: the shared ones) imported from the CFDocument
        ``identifier``, if any; another school's copy of the document is not it."""
        D, F = CaseDocumentRow, t.FrameworkRow
        owner = F.school_id.is_(None) if school_id is None else F.school_id == school_id
        return self.s.scalar(select(D.framework_id).join(F, F.id == D.framework_id)
                             .where(D.identifier == identifier, owner).order_by(D.framework_id).limit(1))

    def framework_exists(self, framework_id: str) -> bool:
        return self.s.scalar(select(t.FrameworkRow.id).where(t.FrameworkRow.id == framework_id)) is not None

    def node_codes(self, framework_id: str) -> dict[str, str]:
        """CFItem identifier -> the skill or unit code it was given."""
        q = select(CaseNodeRow.identifier, CaseNodeRow.code).where(CaseNodeRow.framework_id == framework_id)
        return {ident: code for ident, code in self.s.execute(q)}

    def set_skill_uris(self, framework_id: str, uris: Mapping[str, str]) -> None:
        """Each skill's URI (skill code -> URI), in one statement."""
        if uris:
            self.s.execute(update(t.SkillRow), [{"framework_id": framework_id, "code": code, "uri": uri}
                                                for code, uri in uris.items()])

    def replace_case_record(self, framework_id: str, nodes: Sequence[Mapping[str, Any]],
                            associations: Sequence[Mapping[str, Any]]) -> None:
        """The framework's CFItems and CFAssociations, replacing what was kept before.

        ``nodes``: dicts with identifier, uri, kind, code, parent_identifier, sequence,
        item. ``associations``: dicts with identifier, uri, type, origin / destination /
        grouping (each a dict of identifier, uri, title; grouping may be None),
        sequence, association.
        """
        self.s.execute(delete(CaseNodeRow).where(CaseNodeRow.framework_id == framework_id))
        self.s.execute(delete(CaseAssociationRow).where(CaseAssociationRow.framework_id == framework_id))
        self.s.add_all(CaseNodeRow(framework_id=framework_id, identifier=n["identifier"], uri=n["uri"][:500],
                                   kind=n["kind"], code=n["code"], parent_identifier=n["parent_identifier"],
                                   sequence=n["sequence"], item=n["item"]) for n in nodes)
        rows = []
        for a in associations:
            raw = dict(a["association"])
            if a["grouping"] is not None:
                raw[_GROUPING_KEY] = dict(a["grouping"])
            rows.append(CaseAssociationRow(
                framework_id=framework_id, identifier=a["identifier"], uri=a["uri"][:500], association_type=a["type"],
                origin_identifier=a["origin"]["identifier"], origin_uri=a["origin"]["uri"][:500],
                origin_title=a["origin"]["title"][:500], destination_identifier=a["destination"]["identifier"],
                destination_uri=a["destination"]["uri"][:500], destination_title=a["destination"]["title"][:500],
                sequence=a["sequence"], association=raw))
        self.s.add_all(rows)

    def save_document(self, framework_id: str, identifier: str, uri: str, case_version: str,
                      document: Mapping[str, Any]) -> None:
        """The CFDocument behind the framework: added, or updated (and stamped) on a re-import."""
        row = self.s.get(CaseDocumentRow, framework_id)
        if row is None:
            self.s.add(CaseDocumentRow(framework_id=framework_id, identifier=identifier, uri=uri[:500],
                                       case_version=case_version, document=dict(document)))
        else:
            row.uri, row.case_version, row.document = uri[:500], case_version, dict(document)
            row.imported_at = utcnow()
        self.s.flush()

    def document(self, framework_id: str) -> dict[str, Any] | None:
        """identifier, uri and document of the framework's CFDocument (None: not from CASE)."""
        row = self.s.get(CaseDocumentRow, framework_id)
        if row is None:
            return None
        return {"identifier": row.identifier, "uri": row.uri, "document": dict(row.document or {})}

    def nodes(self, framework_id: str) -> list[dict[str, Any]]:
        return [{"identifier": r.identifier, "uri": r.uri, "kind": r.kind, "code": r.code,
                 "parent_identifier": r.parent_identifier, "sequence": r.sequence, "item": dict(r.item or {})}
                for r in self.s.scalars(select(CaseNodeRow).where(CaseNodeRow.framework_id == framework_id))]

    def associations(self, framework_id: str) -> list[dict[str, Any]]:
        """The kept associations, by identifier; ``grouping`` is the association grouping's link or None."""
        out = []
        for r in self.s.scalars(select(CaseAssociationRow).where(CaseAssociationRow.framework_id == framework_id)
                                .order_by(CaseAssociationRow.identifier)):
            raw = dict(r.association or {})
            grouping = raw.get(_GROUPING_KEY)
            if not (isinstance(grouping, dict) and isinstance(grouping.get("identifier"), str)
                    and grouping["identifier"]):
                grouping = None
            out.append({"identifier": r.identifier, "uri": r.uri, "type": r.association_type,
                        "origin": {"identifier": r.origin_identifier, "uri": r.origin_uri, "title": r.origin_title},
                        "destination": {"identifier": r.destination_identifier, "uri": r.destination_uri,
                                        "title": r.destination_title},
                        "grouping": None if grouping is None else {
                            "identifier": grouping["identifier"], "uri": str(grouping.get("uri") or ""),
                            "title": str(grouping.get("title") or "")},
                        "sequence": r.sequence, "association": raw})
        return out
