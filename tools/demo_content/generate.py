"""Write the demo school's content in the formats a school imports.

    python tools/demo_content/generate.py           # write both files
    python tools/demo_content/generate.py --check   # exit 1 if the committed files differ

From ``framework.yaml`` (the framework, authored here) and ``templates.py`` (one item
generator per skill, each with an independent ``check`` of its answers) it writes, into
``src/pathwise/services/demo_data/``:

* ``framework.case.json``: a CASE 1.1 CFPackage, written by the same translator that
  ``pathwise export framework`` uses (``interop.case.build_package``); any-of
  prerequisite groups become ``precedes`` associations that share a
  CFAssociationGrouping;
* ``items.yaml``: the items in the format ``pathwise import items`` reads (docs/items.md).

The demo seeder loads both through the same importers a school uses. Both files are
committed; ``tests/unit/test_demo_content.py`` regenerates them and fails if they
differ, and runs every ``check`` on every answer and feedback answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "src" / "pathwise" / "services" / "demo_data"
FRAMEWORK_FILE = "framework.case.json"
ITEMS_FILE = "items.yaml"
CHANGED_AT = "2026-01-05T00:00:00Z"  # the content's lastChangeDateTime: fixed, so the output is too

if __package__ in (None, ""):  # run as a script: make ``demo_content`` importable
    sys.path.insert(0, str(HERE.parent))

from demo_content.templates import Generated, generate  # noqa: E402

from pathwise.domain.content import Item  # noqa: E402
from pathwise.domain.framework import Framework, Skill, Unit  # noqa: E402


def _source() -> dict[str, Any]:
    return dict(yaml.safe_load((HERE / "framework.yaml").read_text(encoding="utf-8")))


def load_framework() -> Framework:
    """The framework as authored in ``framework.yaml``, checked (cycles, unknown prerequisites)."""
    data = _source()
    units: list[Unit] = []
    skills: list[Skill] = []
    pos = 0
    for ui, u in enumerate(data["units"]):
        units.append(Unit(u["code"], u["title"], ui))
        for s in u["skills"]:
            groups = tuple(frozenset(g) for g in (s.get("requires") or ()))
            skills.append(Skill(s["code"], s["title"], u["code"], s.get("description", ""), groups, pos,
                                tuple(s.get("home_tips") or ())))
            pos += 1
    fw = Framework(data["id"], data["title"], data.get("subject", "mathematics"), units=tuple(units),
                   skills=tuple(skills))
    fw.graph()  # unknown prerequisites and cycles fail here, with the skill named
    return fw


def generated_items(fw: Framework | None = None) -> list[Generated]:
    """Every item with the draft (and ``check``) it came from, in the shipped order."""
    fw = fw or load_framework()
    return generate([s.code for s in fw.skills])


def _item_entry(item: Item) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": item.id, "skills": list(item.skill_codes), "type": item.type.value,
                             "prompt": item.prompt, "answer": item.answer}
    if item.choices:
        entry["choices"] = list(item.choices)
    entry["difficulty"] = item.difficulty
    if item.spec:
        entry["spec"] = dict(item.spec)
    entry["feedback"] = [{"answer": f.answer, "message": f.message,
                          **({"misconception": f.misconception} if f.misconception else {})} for f in item.feedback]
    entry["hints"] = list(item.hints)
    return entry


class _Dumper(yaml.SafeDumper):
    """Short lists of short texts on one line (``skills: [frac.add]``), the rest as blocks."""

    def represent_list(self, data: list[Any]) -> yaml.Node:  # type: ignore[override]
        short = all(isinstance(v, str) and "\n" not in v for v in data) and sum(len(v) + 2 for v in data) <= 80
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=short)


_Dumper.add_representer(list, _Dumper.represent_list)


def items_yaml(fw: Framework, generated: list[Generated]) -> str:
    doc = {"framework": fw.id, "items": [_item_entry(g.item) for g in generated]}
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110,
                     default_flow_style=False)
    return ("# The demo school's items, in the format `pathwise import items` reads (docs/items.md).\n"
            "# Written by tools/demo_content/generate.py from its templates: edit those, not this file.\n"
            + body)


def case_package(fw: Framework) -> str:
    from pathwise.interop.case import build_package
    from pathwise.services.frameworks import CaseFramework

    data = _source()
    document = {"creator": "Pathwise", "description": data.get("description", ""),
                "language": data.get("language", ""), "version": str(data.get("version", "")),
                "notes": "Written by tools/demo_content/generate.py from tools/demo_content/framework.yaml."}
    out = CaseFramework(identifier="", uri="", title=fw.title, case_version="1.1",
                        document={k: v for k, v in document.items() if v}, nodes=[], associations=[],
                        subject=fw.subject, framework=fw)
    package = build_package(out, changed_at=CHANGED_AT)
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"


def render() -> dict[str, str]:
    """File name (in ``OUT``) -> the text it must hold."""
    fw = load_framework()
    return {FRAMEWORK_FILE: case_package(fw), ITEMS_FILE: items_yaml(fw, generated_items(fw))}


def stale() -> list[str]:
    """The shipped files whose text differs from what the sources give."""
    return [name for name, text in render().items()
            if not (OUT / name).is_file() or (OUT / name).read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed files are current")
    args = parser.parse_args(argv)
    if args.check:
        old = stale()
        for name in old:
            print(f"{OUT / name} is out of date: run python tools/demo_content/generate.py", file=sys.stderr)
        return 1 if old else 0
    for name, text in render().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
