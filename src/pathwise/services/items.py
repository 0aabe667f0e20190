"""The item bank: reading authored items (YAML or JSON) and storing checked items.

``parse_items_document`` turns an authoring file into domain items and reports every
problem with the file and the path of the field at fault (``items[3].answer``).
``import_items`` checks the items against the skills the school knows and stores
them all or nothing: one problem anywhere and nothing is written. Importing the same
file again updates the items in place. QTI files are translated by ``interop.qti``
and handed here as items. Authors are teachers and admins (or the system actor).
Items belong to the author's school (the system's are shared with every school): an
import updates only its own school's items, refuses an id another school's (or the
shared) item holds, and checks skills against its own and the shared frameworks.
This module must not render anything, and never evaluates text from a file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from pathwise.domain.answers import validate_item
from pathwise.domain.content import Feedback, Item, ItemType
from pathwise.domain.errors import ValidationError
from pathwise.domain.people import Role
from pathwise.domain.problems import Problem
from pathwise.services.access import Actor, content_allowed, require_framework, require_role, school_scope
from pathwise.services.errors import NotFound
from pathwise.store.uow import UnitOfWork

MAX_FILE_BYTES = 5_000_000
MAX_ITEMS = 10_000
ITEM_KEYS = {"id", "skills", "skill_codes", "type", "prompt", "answer", "choices", "feedback", "hints",
             "difficulty", "spec"}
FEEDBACK_KEYS = {"answer", "message", "misconception"}


@dataclass
class ParsedItems:
    items: list[tuple[Item, str, str]] = field(default_factory=list)  # (item, source, path)
    problems: list[Problem] = field(default_factory=list)
    framework_id: str | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    problems: tuple[Problem, ...]
    stored: bool

    @property
    def ok(self) -> bool:
        return not self.problems


def _load(text: str, source: str) -> Any:
    if source.lower().endswith(".json"):
        return json.loads(text)
    return yaml.safe_load(text)


def parse_items_document(data: bytes | str, source: str, into: ParsedItems | None = None) -> ParsedItems:
    """Read a YAML/JSON item file: ``{framework: id?, items: [...]}`` or a bare list."""
    out = into or ParsedItems()
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    if len(raw) > MAX_FILE_BYTES:
        out.problems.append(Problem(source, f"file is larger than {MAX_FILE_BYTES} bytes", path="/"))
        return out
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        out.problems.append(Problem(source, f"not UTF-8 text (byte {exc.start})", path="/"))
        return out
    try:
        doc = _load(text, source)
    except json.JSONDecodeError as exc:
        out.problems.append(Problem(source, f"not valid JSON: {exc.msg}", path=f"line {exc.lineno}"))
        return out
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "/"
        out.problems.append(Problem(source, f"not valid YAML: {getattr(exc, 'problem', None) or exc}", path=where))
        return out
    if isinstance(doc, Mapping):
        unknown = set(doc) - {"framework", "items"}
        if unknown:
            out.problems.append(Problem(source, f"unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                                                          "(expected framework and items)", path="/"))
        fw = doc.get("framework")
        if fw is not None:
            if not isinstance(fw, str) or not fw.strip():
                out.problems.append(Problem(source, "give the framework id as text", path="framework"))
            elif out.framework_id not in (None, fw):
                out.problems.append(Problem(source, "all files of one import must name the same framework", path="framework"))
            else:
                out.framework_id = fw
        entries = doc.get("items")
    else:
        entries = doc
    if not isinstance(entries, list):
        out.problems.append(Problem(source, "expected a list of items", path="items"))
        return out
    if len(entries) > MAX_ITEMS:
        out.problems.append(Problem(source, f"more than {MAX_ITEMS} items in one file", path="items"))
        return out
    for i, entry in enumerate(entries):
        path = f"items[{i}]"
        item = _item_from(entry, source, path, out.problems)
        if item is not None:
            out.items.append((item, source, f"{path} ({item.id})"))
    return out


def _item_from(entry: Any, source: str, path: str, problems: list[Problem]) -> Item | None:
    def bad(field_name: str, msg: str) -> None:
        problems.append(Problem(source, msg, path=f"{path}.{field_name}" if field_name else path))

    if not isinstance(entry, Mapping):
        bad("", "each item is a mapping of fields")
        return None
    before = len(problems)
    unknown = set(map(str, entry)) - ITEM_KEYS
    if unknown:
        bad("", f"unknown field(s) {', '.join(sorted(unknown))}")
    for req in ("id", "type", "prompt"):
        if req not in entry:
            bad(req, "is required")
    skills = entry.get("skills", entry.get("skill_codes"))
    if isinstance(skills, str):
        skills = [skills]
    if not isinstance(skills, list) or not skills or not all(isinstance(s, str) for s in skills):
        bad("skills", "give at least one skill code")
        skills = []
    type_text = entry.get("type")
    try:
        itype = ItemType(type_text)
    except ValueError:
        bad("type", f"{type_text!r} is not one of {', '.join(t.value for t in ItemType)}")
        itype = None
    prompt = entry.get("prompt")
    if "prompt" in entry and (not isinstance(prompt, str) or not prompt.strip()):
        bad("prompt", "give the question text")
    choices = entry.get("choices", [])
    if not isinstance(choices, list) or not all(isinstance(c, (str, int, float)) and not isinstance(c, bool) for c in choices):
        bad("choices", "give a list of texts")
        choices = []
    answer = entry.get("answer")
    if answer is None:
        bad("answer", "is required")
    elif isinstance(answer, (int, float)) and not isinstance(answer, bool):
        answer = str(answer)
    elif isinstance(answer, list):
        answer = [str(a) if isinstance(a, (int, float)) and not isinstance(a, bool) else a for a in answer]
    feedback: list[Feedback] = []
    fbs = entry.get("feedback", [])
    if not isinstance(fbs, list):
        bad("feedback", "give a list of {answer, message, misconception}")
        fbs = []
    for j, f in enumerate(fbs):
        if not isinstance(f, Mapping) or not isinstance(f.get("message"), str) or f.get("answer") is None:
            bad(f"feedback[{j}]", "needs answer and message")
            continue
        extra = set(map(str, f)) - FEEDBACK_KEYS
        if extra:
            bad(f"feedback[{j}]", f"unknown field(s) {', '.join(sorted(extra))}")
        mis = f.get("misconception")
        feedback.append(Feedback(str(f["answer"]), f["message"], str(mis) if mis is not None else None))
    hints = entry.get("hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, str) for h in hints):
        bad("hints", "give a list of texts, the last one a worked solution")
        hints = []
    difficulty = entry.get("difficulty", 0.0)
    if isinstance(difficulty, bool) or not isinstance(difficulty, (int, float)) or not math.isfinite(difficulty):
        bad("difficulty", "must be a number")
        difficulty = 0.0
    spec = entry.get("spec", {})
    if not isinstance(spec, Mapping):
        bad("spec", "must be a mapping")
        spec = {}
    if len(problems) > before or itype is None:
        return None
    try:
        item = Item(id=str(entry["id"]), skill_codes=tuple(skills), type=itype, prompt=prompt, answer=answer,
                    choices=tuple(str(c) for c in choices), feedback=tuple(feedback), hints=tuple(hints),
                    difficulty=float(difficulty), spec=dict(spec))
    except ValidationError as exc:
        bad("skills" if exc.field == "skill_ids" else exc.field, exc.message)
        return None
    for p in validate_item(item):
        field_name, _, msg = p.partition(": ")
        bad(field_name, msg or p)
    if len(problems) > before:
        return None
    return item


def import_items(uow: UnitOfWork, actor: Actor, parsed: Sequence[tuple[Item, str, str]],
                 problems: Sequence[Problem] = (), framework_id: str | None = None,
                 dry_run: bool = False) -> ImportReport:
    """Check and store items; nothing is stored when any problem is found.

    ``problems`` carries what the readers (YAML/JSON or QTI) already found, so the
    report lists everything at once. The caller commits the unit of work.
    """
    require_role(actor, Role.ADMIN, Role.TEACHER)
    owner = school_scope(actor)
    found: list[Problem] = list(problems)
    if framework_id:
        try:
            require_framework(uow, actor, framework_id)
        except NotFound:
            found.append(Problem("-", f"no framework {framework_id}", path="framework"))
    seen: dict[str, str] = {}
    for item, source, path in parsed:
        if item.id in seen:
            found.append(Problem(source, f"item id {item.id} is also used at {seen[item.id]}", path=path))
        else:
            seen[item.id] = f"{source}: {path}"
    if not actor.is_system:
        held = uow.item_bank.owners(seen)
        for item, source, path in parsed:
            if item.id in held and held[item.id] != owner:
                found.append(Problem(source, f"item id {item.id} is not available to your school: "
                                     "give the item an id of its own", path=f"{path}.id"))
    known = uow.item_bank.known_skills((c for it, _, _ in parsed for c in it.skill_codes), framework_id,
                                       school_id=owner, every_school=actor.is_system)
    for item, source, path in parsed:
        missing = [c for c in item.skill_codes if c not in known]
        if missing:
            where = f" in framework {framework_id}" if framework_id else ""
            found.append(Problem(source, f"unknown skill(s) {', '.join(missing)}{where}", path=f"{path}.skills"))
    if found or not parsed:
        if not parsed and not found:
            found.append(Problem("-", "no items to import", path="items"))
        return ImportReport(0, 0, 0, tuple(found), False)
    created, updated, unchanged = uow.item_bank.save([item for item, _, _ in parsed], framework_id, owner)
    if dry_run:
        uow.rollback()
        return ImportReport(created, updated, unchanged, (), False)
    uow.flush()
    return ImportReport(created, updated, unchanged, (), True)


def get_item(uow: UnitOfWork, actor: Actor, item_id: str) -> Item:
    """An item with its answer key: for authors only (students see presentations)."""
    require_role(actor, Role.ADMIN, Role.TEACHER)
    exists, school_id = uow.items.owner(item_id)
    item = uow.items.get(item_id) if exists and content_allowed(actor, school_id) else None
    if item is None:
        raise NotFound(f"no item {item_id}")
    return item
