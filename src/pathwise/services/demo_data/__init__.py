"""The demo school's content as data: framework, items, activities and people.

``framework.yaml`` holds the competency framework, ``activities.yaml`` the videos,
readings and projects, ``people.yaml`` the invented names and profile vocabulary,
and ``items.py`` the per-skill item templates. The loaders here turn them into
domain values and check them (an unknown skill in an activity is an error naming
it). Nothing here touches the database; ``services.demo`` stores what these return.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.services.demo_data.items import Generated, generate


def _yaml(name: str) -> Any:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def load_framework() -> Framework:
    data = _yaml("framework.yaml")
    units: list[Unit] = []
    skills: list[Skill] = []
    pos = 0
    for ui, u in enumerate(data["units"]):
        units.append(Unit(u["code"], u["title"], ui))
        for s in u["skills"]:
            groups = tuple(frozenset(g) for g in (s.get("requires") or ()))
            skills.append(Skill(s["code"], s["title"], u["code"], s.get("description", ""), groups, pos))
            pos += 1
    fw = Framework(data["id"], data["title"], data.get("subject", "mathematics"),
                   float(data.get("mastery_threshold", 0.95)), tuple(units), tuple(skills))
    fw.graph()  # unknown prerequisites and cycles fail here, with the skill named
    return fw


@lru_cache(maxsize=1)
def load_items() -> tuple[Generated, ...]:
    fw = load_framework()
    return tuple(generate([s.code for s in fw.skills]))


def load_people() -> dict[str, Any]:
    return dict(_yaml("people.yaml"))


@lru_cache(maxsize=1)
def load_activities() -> tuple[Activity, ...]:
    """A mixed-review practice set per unit (from the items), plus videos, readings and projects."""
    fw = load_framework()
    known = {s.code for s in fw.skills}
    by_skill: dict[str, list[str]] = {}
    for g in load_items():
        by_skill.setdefault(g.item.skill_codes[0], []).append(g.item.id)
    out: list[Activity] = []
    # one mixed review per unit (practice of a single skill is offered by the paths service itself)
    for u in fw.units:
        codes = tuple(s.code for s in fw.skills if s.unit == u.code)
        ids = tuple(i for c in codes for i in by_skill.get(c, [])[:2])
        out.append(Activity(f"act.review.{u.code}", f"Mixed review: {u.title}", ActivityKind.PRACTICE, codes,
                            ids, None, max(10, 2 * len(ids)), ("review", "mixed")))
    data = _yaml("activities.yaml")
    for section, kind in (("videos", ActivityKind.VIDEO), ("readings", ActivityKind.READING),
                          ("projects", ActivityKind.PROJECT)):
        for a in data.get(section) or ():
            unknown = [c for c in a["skills"] if c not in known]
            if unknown:
                raise ValueError(f"activities.yaml: activity {a['id']} names unknown skill(s) {', '.join(unknown)}")
            slug = a["id"].split(".", 2)[-1]
            out.append(Activity(a["id"], a["title"], kind, tuple(a["skills"]), (),
                                f"/library/{kind.value}s/{slug}", int(a.get("minutes", 10)),
                                tuple(a.get("tags", ()))))
    return tuple(out)
