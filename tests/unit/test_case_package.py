"""The CASE translator on its own: 1.0 quirks read, trees built, bad packages named by path."""

from __future__ import annotations

import pytest

from pathwise.interop.case import PackageInvalid, derived_uuid, is_uuid, item_fields, parse_package, rfc3339


def _pkg(**extra):  # type: ignore[no-untyped-def]
    base = {
        "CFDocument": {"identifier": "doc", "title": "Doc", "uri": "https://x/doc"},
        "CFItems": [
            {"identifier": "g", "fullStatement": "Group", "humanCodingScheme": "G"},
            {"identifier": "b", "fullStatement": "Second", "humanCodingScheme": "G.2", "listEnumeration": "2"},
            {"identifier": "a", "fullStatement": "First", "humanCodingScheme": "G.1", "listEnumeration": "1"},
        ],
        "CFAssociations": [
            {"identifier": "x1", "associationType": "isChildOf", "originNodeURI": {"identifier": "b", "uri": "u:b"},
             "destinationNodeURI": {"identifier": "g", "uri": "u:g"}},
            {"identifier": "x2", "associationType": "isChildOf", "originNodeURI": {"identifier": "a", "uri": "u:a"},
             "destinationNodeURI": {"identifier": "g", "uri": "u:g"}, "sequenceNumber": "1"},
        ],
    }
    base.update(extra)
    return base


def test_tree_and_order() -> None:
    pkg = parse_package(_pkg())
    assert pkg.case_version == "1.0"
    assert {n.identifier: n.parent_identifier for n in pkg.nodes} == {"a": "g", "b": "g", "g": None}
    # parents before children; sequenceNumber "1" read as a number, then listEnumeration
    assert [n.identifier for n in pkg.nodes] == ["g", "a", "b"]
    assert pkg.associations[1].sequence == 1


def test_problems_are_named_by_path() -> None:
    bad = _pkg()
    bad["CFItems"][1].pop("fullStatement")
    bad["CFAssociations"][0]["associationType"] = "likes"
    with pytest.raises(PackageInvalid) as info:
        parse_package(bad)
    assert "CFItems[1].fullStatement: missing" in info.value.problems
    assert any(p.startswith("CFAssociations[0].associationType") for p in info.value.problems)


def test_a_string_link_is_read_as_a_uri() -> None:
    pkg = _pkg()
    pkg["CFAssociations"][0]["originNodeURI"] = "https://x/uri/b"
    assert parse_package(pkg).associations[0].origin.identifier == "b"


def test_10_fields_become_11() -> None:
    assert item_fields({"educationalLevel": "06,07", "language": "en"}) == {"educationLevel": ["06", "07"],
                                                                           "language": "en"}
    assert rfc3339("2017-05-25T18:05:33") == "2017-05-25T18:05:33Z"
    assert is_uuid(derived_uuid("a", "b")) and derived_uuid("a", "b") == derived_uuid("a", "b")


def test_an_association_grouping_is_read_with_its_association() -> None:
    pkg = _pkg()
    pkg["CFAssociations"].append({"identifier": "p1", "associationType": "precedes",
                                  "originNodeURI": {"identifier": "a", "uri": "u:a"},
                                  "destinationNodeURI": {"identifier": "b", "uri": "u:b"},
                                  "CFAssociationGroupingURI": {"identifier": "grp", "uri": "u:grp", "title": "Any"}})
    read = parse_package(pkg)
    assert read.associations[-1].grouping is not None and read.associations[-1].grouping.identifier == "grp"
    assert read.associations[0].grouping is None
    pkg["CFAssociations"][-1]["CFAssociationGroupingURI"] = 7
    with pytest.raises(PackageInvalid) as info:
        parse_package(pkg)
    assert any(p.startswith("CFAssociations[2].CFAssociationGroupingURI") for p in info.value.problems)
