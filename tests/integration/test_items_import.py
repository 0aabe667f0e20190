"""Importing items: YAML/JSON authoring files and QTI, every problem reported with file
and field, nothing stored on error, re-import updates; the CLI command end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pathwise.cli import app as cli
from pathwise.domain.people import Role
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Forbidden
from pathwise.services.items import import_items, parse_items_document

from .factories import build_tiny

GOOD = """
framework: fw1
items:
  - id: frac.add.1
    skills: [frac.add]
    type: numeric
    prompt: "1/2 + 1/4 = ?"
    answer: "3/4"
    spec: {tolerance: 0, forms: [fraction, decimal, percent]}
    feedback:
      - {answer: "2/6", message: "You added the denominators.", misconception: add-denominators}
    hints: ["Make the denominators the same.", "1/2 = 2/4.", "2/4 + 1/4 = 3/4"]
    difficulty: 0.2
  - id: frac.equiv.1
    skills: [frac.equiv]
    type: single_choice
    prompt: "Which equals 1/2?"
    choices: ["2/4", "1/3", "2/3"]
    answer: "2/4"
"""

BAD = """
items:
  - id: frac.add.2
    skills: [frac.add, no.such.skill]
    type: numeric
    prompt: "?"
    answer: "three quarters"
  - id: frac.add.3
    type: essay
    prompt: ""
    colour: red
  - id: frac.equiv.2
    skills: [frac.equiv]
    type: ordering
    prompt: Order
    choices: [a, b, c]
    answer: [a, b]
"""


def system_actor() -> Actor:
    return Actor.system()


def test_import_validates_stores_and_updates(app: App) -> None:
    build_tiny(app)
    parsed = parse_items_document(GOOD, "good.yaml")
    assert not parsed.problems and parsed.framework_id == "fw1"
    with app.uow() as uow:
        rep = import_items(uow, system_actor(), parsed.items, parsed.problems, parsed.framework_id)
        uow.commit()
    assert (rep.created, rep.updated, rep.stored) == (2, 0, True)
    with app.uow() as uow:
        item = uow.items.get("frac.add.1")
        assert item is not None and item.feedback[0].misconception == "add-denominators"
        assert item.spec["forms"] == ["fraction", "decimal", "percent"] and len(item.hints) == 3
    again = parse_items_document(GOOD.replace("1/2 + 1/4 = ?", "Add 1/2 and 1/4."), "good.yaml")
    with app.uow() as uow:
        rep = import_items(uow, system_actor(), again.items, again.problems, again.framework_id)
        uow.commit()
    assert (rep.created, rep.updated, rep.unchanged) == (0, 1, 1)
    with app.uow() as uow:
        assert uow.items.get("frac.add.1").prompt == "Add 1/2 and 1/4."  # type: ignore[union-attr]
        assert uow.items.count() == 2


def test_every_problem_reported_and_nothing_stored(sqlite_app: App) -> None:
    build_tiny(sqlite_app)
    parsed = parse_items_document(GOOD, "good.yaml")
    bad = parse_items_document(BAD, "bad.yaml")
    texts = [str(p) for p in bad.problems]
    assert any(t.startswith("bad.yaml: items[0].answer:") for t in texts)
    assert any("items[1].type" in t and "essay" in t for t in texts)
    assert any("items[1]" in t and "colour" in t for t in texts)
    assert any("items[1].skills" in t for t in texts)
    assert any("items[2].answer" in t and "every choice" in t for t in texts)
    with sqlite_app.uow() as uow:
        rep = import_items(uow, system_actor(), parsed.items + bad.items, parsed.problems + bad.problems, "fw1")
        assert not rep.stored and len(rep.problems) >= 5
        uow.commit()
    with sqlite_app.uow() as uow:
        assert uow.items.count() == 0


def test_unknown_skill_and_duplicate_ids(sqlite_app: App) -> None:
    build_tiny(sqlite_app)
    doc = GOOD.replace("skills: [frac.equiv]", "skills: [frac.nope]") + GOOD.split("items:")[1]
    parsed = parse_items_document(doc, "dup.yaml")
    with sqlite_app.uow() as uow:
        rep = import_items(uow, system_actor(), parsed.items, parsed.problems, "fw1")
    texts = [str(p) for p in rep.problems]
    assert any("unknown skill(s) frac.nope" in t for t in texts)
    assert any("also used at" in t for t in texts)


@pytest.mark.parametrize("doc,needle", [
    ("items: [", "not valid YAML"),
    ("just text", "expected a list"),
    ("- 1\n- 2", "mapping of fields"),
    ("{\"items\": [}", "not valid JSON"),
])
def test_malformed_files(doc: str, needle: str) -> None:
    name = "x.json" if doc.startswith("{") else "x.yaml"
    assert needle in str(parse_items_document(doc, name).problems[0])


def test_yaml_tags_are_not_executed() -> None:
    res = parse_items_document("items: !!python/object/apply:os.system ['echo hi']", "evil.yaml")
    assert res.problems and "not valid YAML" in str(res.problems[0])


def test_students_may_not_import(sqlite_app: App) -> None:
    t = build_tiny(sqlite_app)
    parsed = parse_items_document(GOOD, "good.yaml")
    with sqlite_app.uow() as uow, pytest.raises(Forbidden):
        import_items(uow, Actor(t.alice, Role.STUDENT, t.school), parsed.items)


QTI = """<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="qti-1">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response></qti-response-declaration>
  <qti-item-body><qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
    <qti-prompt>Which equals 1/2?</qti-prompt>
    <qti-simple-choice identifier="A">1/3</qti-simple-choice><qti-simple-choice identifier="B">2/4</qti-simple-choice>
  </qti-choice-interaction></qti-item-body></qti-assessment-item>"""

HOTSPOT = """<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="qti-2">
  <qti-item-body><qti-hotspot-interaction response-identifier="RESPONSE"/></qti-item-body></qti-assessment-item>"""


def test_cli_imports_yaml_and_qti(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathwise.config import get_settings

    db = tmp_path / "cli.db"
    monkeypatch.setenv("PATHWISE_DATABASE_URL", f"sqlite:///{db}")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        system = App.from_settings(get_settings())
        system.migrate()
        build_tiny(system)
        system.close()
        (tmp_path / "good.yaml").write_text(GOOD)
        (tmp_path / "q.xml").write_text(QTI)
        (tmp_path / "h.xml").write_text(HOTSPOT)
        res = runner.invoke(cli, ["import", "items", str(tmp_path / "good.yaml"), str(tmp_path / "h.xml"),
                                  "--skills", "frac.equiv"])
        assert res.exit_code == 1
        assert "qti-hotspot-interaction" in res.output and "nothing was stored" in res.output
        res = runner.invoke(cli, ["import", "items", str(tmp_path / "good.yaml"), str(tmp_path / "q.xml"),
                                  "--skills", "frac.equiv"])
        assert res.exit_code == 0, res.output
        assert "3 new" in res.output
        res = runner.invoke(cli, ["import", "items", str(tmp_path / "good.yaml"), "--dry-run"])
        assert res.exit_code == 0 and "would import: 0 new, 0 updated, 2 unchanged" in res.output
    finally:
        get_settings.cache_clear()


def test_json_authoring_reads_like_yaml(sqlite_app: App) -> None:
    import json

    import yaml

    build_tiny(sqlite_app)
    from_yaml = parse_items_document(GOOD, "good.yaml")
    from_json = parse_items_document(json.dumps(yaml.safe_load(GOOD)).encode("utf-8"), "good.json")
    assert not from_json.problems and from_json.framework_id == "fw1"
    assert [i for i, _, _ in from_json.items] == [i for i, _, _ in from_yaml.items]
    broken = json.loads(json.dumps(yaml.safe_load(GOOD)))
    broken["items"][1]["answer"] = None
    problems = [str(p) for p in parse_items_document(json.dumps(broken), "bad.json").problems]
    assert problems and problems[0].startswith("bad.json: items[1].answer:")
    with sqlite_app.uow() as uow:
        rep = import_items(uow, system_actor(), from_json.items, from_json.problems, from_json.framework_id)
        assert rep.stored and rep.created == 2
