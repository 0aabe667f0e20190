"""The demo school's content as data, in the formats a school imports.

``framework.case.json`` is the competency framework as a CASE 1.1 package and
``items.yaml`` the items in the format ``pathwise import items`` reads; both are
written by ``tools/demo_content/generate.py`` (from the framework's source and the
item templates, whose checks the content tests run) and loaded by the same importers
a school uses. ``activities.yaml`` holds the videos, readings and projects and
``people.yaml`` the invented names and profile vocabulary. Nothing here touches the
database; ``services.demo`` stores what these return.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from pathwise.domain.content import Activity, ActivityKind, Item
from pathwise.domain.framework import Framework
from pathwise.services.items import ParsedItems, parse_items_document

FRAMEWORK_FILE = "framework.case.json"
ITEMS_FILE = "items.yaml"


def _read(name: str) -> bytes:
    return resources.files(__package__).joinpath(name).read_bytes()


def _yaml(name: str) -> Any:
    return yaml.safe_load(_read(name).decode("utf-8"))


def framework_package() -> bytes:
    """The demo framework as a CASE 1.1 CFPackage (JSON), for the CASE importer."""
    return _read(FRAMEWORK_FILE)


@lru_cache(maxsize=1)
def _parsed_items() -> ParsedItems:
    return parse_items_document(_read(ITEMS_FILE), ITEMS_FILE)


def load_items() -> ParsedItems:
    """The demo items, read by the item importer's reader (every problem located)."""
    parsed = _parsed_items()
    return ParsedItems(list(parsed.items), list(parsed.problems), parsed.framework_id)


def load_people() -> dict[str, Any]:
    return dict(_yaml("people.yaml"))


def load_activities(fw: Framework, items: Sequence[Item]) -> tuple[Activity, ...]:
    """A mixed-review practice set per unit (from the items), plus videos, readings and projects."""
    known = {s.code for s in fw.skills}
    by_skill: dict[str, list[str]] = {}
    for item in items:
        by_skill.setdefault(item.skill_codes[0], []).append(item.id)
    out: list[Activity] = []
    # one mixed review per unit (practice of a single skill is offered by the paths service itself)
    skills = sorted(fw.skills, key=lambda s: s.position)
    for u in sorted(fw.units, key=lambda u: u.position):
        codes = tuple(s.code for s in skills if s.unit == u.code)
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
            out.append(Activity(a["id"], a["title"], kind, tuple(a["skills"]), (),
                                f"/library/{a['id']}", int(a.get("minutes", 10)),
                                tuple(a.get("tags", ()))))
    return tuple(out)
