"""Ways to help at home, authored per skill: checked by the domain, carried by CASE (a CFItem
extension) in and out, and written for every skill of the demo framework."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pathwise.domain.errors import ValidationError
from pathwise.domain.framework import MAX_HOME_TIP_LENGTH, MAX_HOME_TIPS, Framework, Skill, Unit
from pathwise.interop.case import build_package, parse_package
from pathwise.services import demo_data
from pathwise.services.frameworks import CaseFramework

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from demo_content.generate import load_framework  # noqa: E402


def test_a_skill_checks_its_tips() -> None:
    assert Skill("s.a", "A skill").home_tips == ()
    assert Skill("s.a", "A skill", home_tips=("Bake together.",)).home_tips == ("Bake together.",)
    for bad in (("",), ("   ",), ("x" * (MAX_HOME_TIP_LENGTH + 1),), tuple(f"tip {i}" for i in range(MAX_HOME_TIPS + 1))):
        with pytest.raises(ValidationError) as exc:
            Skill("s.a", "A skill", home_tips=bad)
        assert exc.value.field == "home_tips"


def test_case_carries_the_tips_out_and_back_in() -> None:
    fw = Framework("fw-t", "Tips", units=(Unit("u", "Unit"),), skills=(
        Skill("s.a", "First", "u", home_tips=("Halve a recipe together.", "Share grapes fairly.")),
        Skill("s.b", "Second", "u", position=1)))
    pkg = build_package(CaseFramework("", "", fw.title, "1.1", {}, [], [], framework=fw), changed_at="2026-01-01T00:00:00Z")
    items = {i["humanCodingScheme"]: i for i in pkg["CFItems"]}
    assert items["s.a"]["extensions"] == {"homeTips": ["Halve a recipe together.", "Share grapes fairly."]}
    assert "extensions" not in items["s.b"] and "extensions" not in items["u"]
    back = {n.human_code: n.home_tips for n in parse_package(json.dumps(pkg)).nodes}
    assert back == {"u": (), "s.a": ("Halve a recipe together.", "Share grapes fairly."), "s.b": ()}


def test_unreadable_tips_are_ignored_like_an_unknown_extension() -> None:
    pkg = {"CFDocument": {"identifier": "doc", "title": "Doc"},
           "CFItems": [{"identifier": "a", "fullStatement": "A", "extensions": {"homeTips": "not a list"}},
                       {"identifier": "b", "fullStatement": "B", "extensions": {"homeTips": [3, " ", "Count  stairs. "]}},
                       {"identifier": "c", "fullStatement": "C", "extensions": ["odd"]}],
           "CFAssociations": []}
    tips = {n.identifier: n.home_tips for n in parse_package(pkg).nodes}
    assert tips == {"a": (), "b": ("Count stairs.",), "c": ()}


def test_every_demo_skill_has_tips_for_home_in_the_shipped_package() -> None:
    fw = load_framework()
    assert all(1 <= len(s.home_tips) <= MAX_HOME_TIPS for s in fw.skills), [s.code for s in fw.skills if not s.home_tips]
    shipped = {n.human_code: n.home_tips for n in parse_package(demo_data.framework_package()).nodes}
    assert all(shipped[s.code] == s.home_tips for s in fw.skills)
    for s in fw.skills:  # plain sentences for families: no skill code in them
        for tip in s.home_tips:
            assert s.code not in tip and tip.rstrip()[-1] in ".?!", (s.code, tip)
