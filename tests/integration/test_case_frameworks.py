"""CASE frameworks: real OpenSALT packages in, CASE 1.1 out, checked by the official schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.interop import case
from pathwise.interop.case import schema_errors
from pathwise.services.access import Actor
from pathwise.services.context import transaction
from pathwise.services.errors import Forbidden, Invalid
from pathwise.store import tables as t

SYSTEM = Actor.system()
ACT = "opensalt-Ordering-ACT-math.json"
SAMPLE = "opensalt-sample-framework.json"


def import_package(app, actor, data):  # type: ignore[no-untyped-def]
    with transaction(app) as uow:
        return case.import_package(uow, actor, data, mastery_threshold=app.settings.mastery_threshold)


def export_package(app, actor, framework_id, **kw):  # type: ignore[no-untyped-def]
    with transaction(app) as uow:
        return case.export_package(uow, actor, framework_id, **kw)


def _schema(shared: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((shared / "case" / "case-v1p1-cfpackage.official.schema.json").read_text())


def _skills(app) -> int:  # type: ignore[no-untyped-def]
    with app.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(t.SkillRow)) or 0


@pytest.mark.parametrize("name, skills, units", [(ACT, 24, 4), (SAMPLE, 12, 4)])
def test_real_packages_import(app, shared_data: Path, name: str, skills: int, units: int) -> None:
    result = import_package(app, SYSTEM, (shared_data / "case" / name).read_bytes())
    assert result.created
    assert result.skills["created"] == skills and result.units == units
    with app.uow() as uow:
        fw = uow.frameworks.get(result.framework_id)
        assert fw is not None and len(fw.skills) == skills
        fw.graph()  # a checked prerequisite graph
    raw = json.loads((shared_data / "case" / name).read_text())
    assert result.framework_id == raw["CFDocument"]["identifier"]


def test_reimport_updates_rather_than_duplicates(app, shared_data: Path) -> None:
    data = (shared_data / "case" / SAMPLE).read_bytes()
    first = import_package(app, SYSTEM, data)
    n = _skills(app)
    changed = json.loads(data)
    item = next(i for i in changed["CFItems"] if i["humanCodingScheme"] == "CCSS.Math.Content.6.RP.A.1")
    item["fullStatement"] = "Understand the concept of a ratio (revised)."
    second = import_package(app, SYSTEM, json.dumps(changed))
    assert second.framework_id == first.framework_id and not second.created
    assert second.skills == {"created": 0, "updated": 1, "unchanged": n - 1, "removed": 0}
    assert _skills(app) == n
    with app.uow() as uow:
        assert uow.frameworks.list_ids() == [first.framework_id]
        fw = uow.frameworks.get(first.framework_id)
        sk = next(s for s in fw.skills if s.code == "CCSS.Math.Content.6.RP.A.1")  # type: ignore[union-attr]
        assert sk.description.endswith("(revised).")


def test_precedes_becomes_prerequisites(app, shared_data: Path) -> None:
    result = import_package(app, SYSTEM, (shared_data / "case" / SAMPLE).read_bytes())
    with app.uow() as uow:
        graph = uow.frameworks.get(result.framework_id).graph()  # type: ignore[union-attr]
    # 6.RP.A.1 precedes 6.RP.A.2 (two skills)
    assert graph.skill("CCSS.Math.Content.6.RP.A.2").prerequisite_codes == {"CCSS.Math.Content.6.RP.A.1"}
    assert not graph.is_ready("CCSS.Math.Content.6.RP.A.2", set())
    # 6.RP.A.3 (a standard with components a-d) precedes 7.RP.A.3: each component is required
    need = graph.skill("CCSS.Math.Content.7.RP.A.3").prerequisites
    assert {c for g in need for c in g} == {f"CCSS.Math.Content.6.RP.A.3{x}" for x in "abcd"}
    assert len(need) == 4
    # the precedes that leaves the framework is kept as an association, not a prerequisite
    assert any("reaches outside" in w for w in result.warnings)


def test_export_validates_against_the_official_schema(app, shared_data: Path) -> None:
    schema = _schema(shared_data)
    for name in (ACT, SAMPLE):
        result = import_package(app, SYSTEM, (shared_data / "case" / name).read_bytes())
        pkg = export_package(app, SYSTEM, result.framework_id, schema=schema)
        assert schema_errors(pkg, schema) == []
        raw = json.loads((shared_data / "case" / name).read_text())
        # identifiers and URIs survive
        assert pkg["CFDocument"]["identifier"] == raw["CFDocument"]["identifier"]
        assert {i["identifier"] for i in pkg["CFItems"]} == {i["identifier"] for i in raw["CFItems"]}
        kept = {a["identifier"] for a in raw["CFAssociations"]}
        assert kept <= {a["identifier"] for a in pkg["CFAssociations"]}
        assert pkg["CFDocument"]["caseVersion"] == "1.1"
    types = {a["associationType"] for a in pkg["CFAssociations"]}
    assert {"isChildOf", "precedes", "exactMatchOf", "exemplar", "isRelatedTo"} <= types


def test_export_then_reimport_is_stable(app, shared_data: Path) -> None:
    first = import_package(app, SYSTEM, (shared_data / "case" / SAMPLE).read_bytes())
    pkg = export_package(app, SYSTEM, first.framework_id)
    again = import_package(app, SYSTEM, json.dumps(pkg))
    assert again.framework_id == first.framework_id
    assert again.skills["created"] == 0 and again.skills["updated"] == 0
    assert again.prerequisites == first.prerequisites


def test_native_framework_exports_with_precedes(app, shared_data: Path) -> None:
    fw = Framework("fractions", "Fractions", units=(Unit("u1", "Meaning"),), skills=(
        Skill("frac.equiv", "Equivalent fractions", unit="u1"),
        Skill("frac.add", "Add fractions", unit="u1", prerequisites=(frozenset({"frac.equiv"}),)),
    ))
    with app.uow() as uow:
        uow.frameworks.add(fw)
        uow.commit()
    schema = _schema(shared_data)
    pkg = export_package(app, SYSTEM, "fractions", base_url="https://school.example/", schema=schema)
    assert schema_errors(pkg, schema) == []
    codes = {i["identifier"]: i["humanCodingScheme"] for i in pkg["CFItems"]}
    precedes = [(codes[a["originNodeURI"]["identifier"]], codes[a["destinationNodeURI"]["identifier"]])
                for a in pkg["CFAssociations"] if a["associationType"] == "precedes"]
    assert precedes == [("frac.equiv", "frac.add")]
    assert pkg["CFDocument"]["uri"].startswith("https://school.example/ims/case/v1p1/CFDocuments/")
    again = export_package(app, SYSTEM, "fractions", base_url="https://school.example/")
    assert [i["identifier"] for i in again["CFItems"]] == [i["identifier"] for i in pkg["CFItems"]]


def test_bad_packages_are_refused_with_json_paths(app) -> None:
    with pytest.raises(Invalid) as info:
        import_package(app, SYSTEM, b'{"CFDocument": {"identifier": "d1", "title": "T"}, '
                                    b'"CFItems": [{"identifier": "i1"}], '
                                    b'"CFAssociations": [{"identifier": "a1", "associationType": "isFriendOf"}]}')
    assert "CFItems[0].fullStatement: missing" in info.value.problems
    assert any(p.startswith("CFAssociations[0].associationType") for p in info.value.problems)
    with pytest.raises(Invalid):
        import_package(app, SYSTEM, b"not json")
    assert _skills(app) == 0


def test_a_precedes_cycle_is_refused(app) -> None:
    pkg = {
        "CFDocument": {"identifier": "d1", "title": "Loop", "uri": "urn:d1"},
        "CFItems": [{"identifier": x, "fullStatement": x.upper(), "humanCodingScheme": x} for x in ("a", "b")],
        "CFAssociations": [
            {"identifier": "p1", "associationType": "precedes", "originNodeURI": {"identifier": "a", "uri": "u:a"},
             "destinationNodeURI": {"identifier": "b", "uri": "u:b"}},
            {"identifier": "p2", "associationType": "precedes", "originNodeURI": {"identifier": "b", "uri": "u:b"},
             "destinationNodeURI": {"identifier": "a", "uri": "u:a"}},
        ],
    }
    with pytest.raises(Invalid, match="cycle"):
        import_package(app, SYSTEM, pkg)
    assert _skills(app) == 0


def test_only_admins_import(app, shared_data: Path) -> None:
    from pathwise.domain.people import Role

    with pytest.raises(Forbidden):
        import_package(app, Actor("t1", Role.TEACHER, "s1"), (shared_data / "case" / SAMPLE).read_bytes())


def test_peer_associations_are_kept_but_are_not_prerequisites(app, shared_data: Path) -> None:
    a, b, peer = ("6f1c3a52-0d4e-4a8b-9c1f-1a2b3c4d5e01", "6f1c3a52-0d4e-4a8b-9c1f-1a2b3c4d5e02",
                  "6f1c3a52-0d4e-4a8b-9c1f-1a2b3c4d5e03")
    pkg = {
        "CFDocument": {"identifier": "6f1c3a52-0d4e-4a8b-9c1f-1a2b3c4d5e00", "title": "Peers", "uri": "urn:d2"},
        "CFItems": [{"identifier": x, "fullStatement": f"Skill {n}", "humanCodingScheme": n, "uri": f"u:{n}"}
                    for x, n in ((a, "peer.a"), (b, "peer.b"))],
        "CFAssociations": [
            {"identifier": peer, "associationType": "isPeerOf", "uri": "u:peer1",
             "originNodeURI": {"identifier": a, "uri": "u:peer.a", "title": "peer.a"},
             "destinationNodeURI": {"identifier": b, "uri": "u:peer.b", "title": "peer.b"}},
        ],
    }
    result = import_package(app, SYSTEM, pkg)
    with app.uow() as uow:
        graph = uow.frameworks.get(result.framework_id).graph()  # type: ignore[union-attr]
    assert graph.skill("peer.b").prerequisites == () and graph.skill("peer.a").prerequisites == ()
    schema = _schema(shared_data)
    out = export_package(app, SYSTEM, result.framework_id, schema=schema)
    assert schema_errors(out, schema) == []
    peers = [x for x in out["CFAssociations"] if x["associationType"] == "isPeerOf"]
    assert [(x["identifier"], x["originNodeURI"]["identifier"], x["destinationNodeURI"]["identifier"])
            for x in peers] == [(peer, a, b)]


def _authored_demo_framework():  # type: ignore[no-untyped-def]
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    from demo_content import generate

    return generate.load_framework()


def test_the_demo_framework_imports_as_authored_with_its_any_of_groups(app, shared_data: Path) -> None:
    from pathwise.interop import demo as demo_door
    from pathwise.services.demo import DEMO_FRAMEWORK_ID, DEMO_MASTERY_THRESHOLD
    from pathwise.services.demo_data import framework_package

    authored = _authored_demo_framework()
    with transaction(app) as uow:
        result = case.import_package(uow, SYSTEM, framework_package(), mastery_threshold=DEMO_MASTERY_THRESHOLD,
                                     framework_id=DEMO_FRAMEWORK_ID)
    assert result.warnings == [] and result.framework_id == DEMO_FRAMEWORK_ID
    with app.uow() as uow:
        fw = uow.frameworks.get(DEMO_FRAMEWORK_ID)
    assert fw is not None
    assert (fw.title, fw.subject, fw.mastery_threshold) == (authored.title, authored.subject, DEMO_MASTERY_THRESHOLD)
    assert [(u.code, u.title) for u in fw.units] == [(u.code, u.title) for u in authored.units]
    # same skills in the same order, with the same prerequisite groups (AND of any-of groups), in order
    assert [(s.code, s.title, s.unit, s.description, s.prerequisites) for s in fw.skills] == \
        [(s.code, s.title, s.unit, s.description, s.prerequisites) for s in authored.skills]
    assert demo_door.framework().identifier == uow_document_identifier(app, DEMO_FRAMEWORK_ID)
    # exported again: valid CASE 1.1, the groups as association groupings, and a stable re-import
    schema = _schema(shared_data)
    pkg = export_package(app, SYSTEM, DEMO_FRAMEWORK_ID, schema=schema)
    assert schema_errors(pkg, schema) == []
    n_groups = sum(1 for s in authored.skills for g in s.prerequisites if len(g) > 1)
    assert len(pkg["CFDefinitions"]["CFAssociationGroupings"]) == n_groups
    again = import_package(app, SYSTEM, json.dumps(pkg))
    assert again.framework_id == DEMO_FRAMEWORK_ID and not again.created
    assert again.skills["updated"] == 0 and again.prerequisites == result.prerequisites
    with app.uow() as uow:  # the same groups (kept associations come back in identifier order)
        assert [(s.code, set(s.prerequisites)) for s in uow.frameworks.get(DEMO_FRAMEWORK_ID).skills] == \
            [(s.code, set(s.prerequisites)) for s in fw.skills]  # type: ignore[union-attr]


def uow_document_identifier(app, framework_id: str) -> str | None:  # type: ignore[no-untyped-def]
    with app.uow() as uow:
        doc = uow.case_frameworks.document(framework_id)
    return doc["identifier"] if doc else None


def test_an_any_of_group_is_precedes_sharing_an_association_grouping(app, shared_data: Path) -> None:
    ids = {n: f"6f1c3a52-0d4e-4a8b-9c1f-1a2b3c4d5f{k:02d}" for k, n in enumerate(("doc", "a", "b", "c", "d", "g"))}

    def ref(n: str) -> dict[str, str]:
        return {"identifier": ids[n], "uri": f"urn:uuid:{ids[n]}", "title": n}

    def precedes(k: int, before: str, after: str, grouping: bool) -> dict:  # type: ignore[type-arg]
        a = {"identifier": f"6f1c3a52-0d4e-4a8b-9c1f-1a2b3c4d5e{k:02d}", "associationType": "precedes",
             "originNodeURI": ref(before), "destinationNodeURI": ref(after)}
        if grouping:
            a["CFAssociationGroupingURI"] = ref("g")
        return a

    pkg = {
        "CFDocument": {"identifier": ids["doc"], "title": "Groups", "uri": "urn:groups"},
        "CFItems": [{"identifier": ids[n], "fullStatement": n.upper(), "humanCodingScheme": n} for n in "abcd"],
        # d needs a, and any one of b and c
        "CFAssociations": [precedes(1, "a", "d", False), precedes(2, "b", "d", True), precedes(3, "c", "d", True)],
    }
    result = import_package(app, SYSTEM, pkg)
    with app.uow() as uow:
        graph = uow.frameworks.get(result.framework_id).graph()  # type: ignore[union-attr]
    assert graph.skill("d").prerequisites == (frozenset({"a"}), frozenset({"b", "c"}))
    assert graph.is_ready("d", {"a", "c"}) and not graph.is_ready("d", {"b", "c"})
    out = export_package(app, SYSTEM, result.framework_id, schema=_schema(shared_data))
    grouped = [a for a in out["CFAssociations"] if "CFAssociationGroupingURI" in a]
    assert {a["identifier"] for a in grouped} == {pkg["CFAssociations"][1]["identifier"],
                                                  pkg["CFAssociations"][2]["identifier"]}
    assert [g["identifier"] for g in out["CFDefinitions"]["CFAssociationGroupings"]] == [ids["g"]]
