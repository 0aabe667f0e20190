"""QTI 3.0 and 2.2 assessment items (XML) translated into Pathwise items.

Reads choice, text-entry, extended-text and order interactions with their correct
responses, mapped alternatives and feedback (inline feedback inside a choice, and
modal feedback keyed by a choice identifier). Any other interaction is reported by
its element name, never silently dropped. XML is parsed with ``defusedxml`` (no
DTDs, no entity expansion, no external resources); markup in prompts is reduced to
text, so nothing from a file is ever rendered as HTML. This module must not touch
storage: the CLI hands the parsed items to ``services.items``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from pathwise.domain.answers import validate_item
from pathwise.domain.content import Feedback, Item, ItemType
from pathwise.domain.errors import ValidationError
from pathwise.domain.problems import Problem

MAX_XML_BYTES = 2_000_000
MAX_ZIP_BYTES = 50_000_000
MAX_ZIP_MEMBERS = 2000

SUPPORTED = {"choiceInteraction", "textEntryInteraction", "extendedTextInteraction", "orderInteraction"}
_NOT_TEXT = {"feedbackInline", "feedbackBlock", "modalFeedback", "responseDeclaration", "outcomeDeclaration",
             "responseProcessing", "templateDeclaration", "stylesheet", "rubricBlock"}


@dataclass
class QtiResult:
    items: list[tuple[Item, str, str]] = field(default_factory=list)  # (item, source, path)
    problems: list[Problem] = field(default_factory=list)
    unsupported: list[Problem] = field(default_factory=list)


def _local(tag: str) -> str:
    """``{ns}qti-choice-interaction`` -> ``choiceInteraction``; QTI 2.2 names pass through."""
    name = tag.rsplit("}", 1)[-1]
    if name.startswith("qti-"):
        parts = name[4:].split("-")
        name = parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    return name


def _attr(el: Element, name: str) -> str | None:
    """Attribute by its QTI 2.2 camelCase name or its QTI 3.0 kebab-case name."""
    if name in el.attrib:
        return el.attrib[name]
    kebab = re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), name)
    return el.attrib.get(kebab)


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _local(c.tag) == name]


def _find_all(el: Element, name: str) -> list[Element]:
    return [c for c in el.iter() if _local(c.tag) == name]


def _text(el: Element, skip: set[str] | None = None) -> str:
    """The readable text of an element, markup removed, skipping some sub-elements."""
    skip = skip if skip is not None else _NOT_TEXT
    parts: list[str] = []

    def walk(e: Element) -> None:
        name = _local(e.tag)
        if name in skip:
            if e.tail:
                parts.append(e.tail)
            return
        if name in ("p", "div", "br", "li") and parts:
            parts.append(" ")
        if e.text:
            parts.append(e.text)
        for c in e:
            walk(c)
        if e.tail:
            parts.append(e.tail)

    if el.text:
        parts.append(el.text)
    for c in el:
        walk(c)
    return " ".join("".join(parts).split())


def _prompt(body: Element, interaction: Element) -> str:
    skip = _NOT_TEXT | {_local(interaction.tag)}
    before = _text(body, skip)
    prompts = _children(interaction, "prompt")
    own = _text(prompts[0]) if prompts else ""
    return " ".join(p for p in (before, own) if p).strip()


def _code(text: str | None, fallback: str) -> str:
    v = re.sub(r"[^A-Za-z0-9._:-]", "-", (text or "").strip()).strip("-")[:128]
    return v if v and v[0].isalnum() else fallback


def parse_item_xml(data: bytes | str, source: str, skill_codes: tuple[str, ...] = (),
                   result: QtiResult | None = None) -> QtiResult:
    """Translate one QTI item document; problems and unsupported interactions are collected."""
    res = result or QtiResult()
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_XML_BYTES:
        res.problems.append(Problem(source, f"file is larger than {MAX_XML_BYTES} bytes", path="/"))
        return res
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException as exc:
        res.problems.append(Problem(source, f"refused unsafe XML ({exc.__class__.__name__})", path="/"))
        return res
    except SafeET.ParseError as exc:
        res.problems.append(Problem(source, f"not well-formed XML: {exc}", path="/"))
        return res
    if _local(root.tag) != "assessmentItem":
        res.problems.append(Problem(source, f"expected an assessment item, found <{root.tag.rsplit('}', 1)[-1]}>", path="/"))
        return res
    _translate(root, source, skill_codes, res)
    return res


def _translate(root: Element, source: str, skill_codes: tuple[str, ...], res: QtiResult) -> None:
    ident = _attr(root, "identifier") or ""
    item_id = _code(ident, "")
    path = f"item {ident or '?'}"
    if not item_id:
        res.problems.append(Problem(source, "the item has no usable identifier", path="identifier"))
        return
    bodies = [c for c in root.iter() if _local(c.tag) == "itemBody"]
    if not bodies:
        res.problems.append(Problem(source, "the item has no item body", path=path))
        return
    body = bodies[0]
    interactions = [e for e in body.iter() if _local(e.tag).endswith("Interaction")]
    bad = [e for e in interactions if _local(e.tag) not in SUPPORTED]
    for e in bad:
        res.unsupported.append(Problem(source, f"unsupported interaction <{e.tag.rsplit('}', 1)[-1]}>", path=path))
    good = [e for e in interactions if _local(e.tag) in SUPPORTED]
    if bad:
        return
    if not good:
        res.problems.append(Problem(source, "the item has no interaction", path=path))
        return
    if len(good) > 1:
        names = ", ".join(e.tag.rsplit("}", 1)[-1] for e in good)
        res.problems.append(Problem(source, f"one interaction per item is supported; found {names}", path=path))
        return
    inter = good[0]
    rid = _attr(inter, "responseIdentifier") or "RESPONSE"
    decl = next((d for d in root.iter() if _local(d.tag) == "responseDeclaration" and _attr(d, "identifier") == rid), None)
    if decl is None:
        res.problems.append(Problem(source, f"no response declaration for {rid}", path=path))
        return
    correct = [(_text(v, set()) if len(v) else (v.text or "").strip()) for cr in _children(decl, "correctResponse")
               for v in _children(cr, "value")]
    modal = {(_attr(m, "identifier") or ""): _text(m, set()) for m in _find_all(root, "modalFeedback")}
    prompt = _prompt(body, inter)
    name = _local(inter.tag)
    kw: dict[str, Any] = {}
    try:
        if name in ("choiceInteraction", "orderInteraction"):
            kw = _choice(inter, decl, correct, modal, name)
        elif name in ("textEntryInteraction", "extendedTextInteraction"):
            kw = _text_entry(decl, correct, modal, name)
    except ValueError as exc:
        res.problems.append(Problem(source, str(exc), path=path))
        return
    title = _attr(root, "title")
    if not prompt:
        prompt = title or ""
    if not skill_codes:
        res.problems.append(Problem(source, "QTI items carry no skill: give the skill codes when importing (--skills)", path=path))
        return
    try:
        item = Item(id=item_id, skill_codes=skill_codes, prompt=prompt, **kw)
    except ValidationError as exc:
        res.problems.append(Problem(source, exc.message, path=f"{path}: {exc.field}"))
        return
    found = validate_item(item)  # the same checks as authored items: a usable key, distinct choices
    if found:
        for p in found:
            field_name, _, msg = p.partition(": ")
            res.problems.append(Problem(source, msg or p, path=f"{path}: {field_name}"))
        return
    res.items.append((item, source, path))


def _choice(inter: Element, decl: Element, correct: list[str], modal: dict[str, str], name: str) -> dict[str, Any]:
    choices = _find_all(inter, "simpleChoice")
    if len(choices) < 2:
        raise ValueError("a choice interaction needs at least two choices")
    by_id: dict[str, str] = {}
    feedback: list[Feedback] = []
    for ch in choices:
        cid = _attr(ch, "identifier") or ""
        text = _text(ch)
        if not text:
            raise ValueError(f"choice {cid} has no text (images-only choices are not supported)")
        by_id[cid] = text
    missing = [c for c in correct if c not in by_id]
    if not correct or missing:
        raise ValueError("the correct response must name the choices' identifiers" + (f" (unknown: {', '.join(missing)})" if missing else ""))
    for ch in choices:
        cid = _attr(ch, "identifier") or ""
        if cid in correct and name == "choiceInteraction":
            continue
        fb = " ".join(_text(f, set()) for f in _find_all(ch, "feedbackInline") if _text(f, set()))
        fb = fb or modal.get(cid, "")
        if fb and name == "choiceInteraction":
            feedback.append(Feedback(by_id[cid], fb))
    shuffle = (_attr(inter, "shuffle") or "false").lower() == "true"
    if name == "orderInteraction":
        return {"type": ItemType.ORDERING, "choices": tuple(by_id.values()), "answer": [by_id[c] for c in correct],
                "feedback": tuple(feedback), "spec": {"qti": True}}
    cardinality = (_attr(decl, "cardinality") or "single").lower()
    max_choices = _attr(inter, "maxChoices") or "1"
    multiple = cardinality in ("multiple", "ordered") or (max_choices != "1" and len(correct) > 1)
    spec = {"shuffle": shuffle, "qti": True}
    if multiple:
        return {"type": ItemType.MULTIPLE_CHOICE, "choices": tuple(by_id.values()),
                "answer": [by_id[c] for c in correct], "feedback": tuple(feedback), "spec": spec}
    if len(correct) != 1:
        raise ValueError("a single-choice item needs exactly one correct choice")
    return {"type": ItemType.SINGLE_CHOICE, "choices": tuple(by_id.values()), "answer": by_id[correct[0]],
            "feedback": tuple(feedback), "spec": spec}


def _text_entry(decl: Element, correct: list[str], modal: dict[str, str], name: str) -> dict[str, Any]:
    base = (_attr(decl, "baseType") or "string").lower()
    accepted = [c for c in correct if c]
    case_sensitive = False
    feedback: list[Feedback] = []
    for mapping in _children(decl, "mapping"):
        for entry in _children(mapping, "mapEntry"):
            key = _attr(entry, "mapKey") or ""
            try:
                value = float(_attr(entry, "mappedValue") or "0")
            except ValueError:
                value = 0.0
            if (_attr(entry, "caseSensitive") or "false").lower() == "true":
                case_sensitive = True
            if value > 0 and key and key not in accepted:
                accepted.append(key)
            elif value <= 0 and key and key in modal:
                feedback.append(Feedback(key, modal[key]))
    if not accepted:
        if name == "extendedTextInteraction":
            raise ValueError("this extended-text item has no correct response: it needs a teacher to score it, "
                             "so it cannot be checked automatically in practice")
        raise ValueError("the text entry has no correct response")
    if base in ("float", "integer"):
        spec: dict[str, Any] = {"forms": ["fraction", "decimal"], "tolerance": 0, "qti": True}
        return {"type": ItemType.NUMERIC, "answer": accepted[0], "feedback": tuple(feedback), "spec": spec}
    return {"type": ItemType.SHORT_TEXT, "answer": accepted, "feedback": tuple(feedback),
            "spec": {"case_sensitive": case_sensitive, "qti": True}}


def parse_package(data: bytes, source: str, skill_codes: tuple[str, ...] = ()) -> QtiResult:
    """A QTI content package (zip): every item XML inside it (manifests and tests skipped)."""
    res = QtiResult()
    if len(data) > MAX_ZIP_BYTES:
        res.problems.append(Problem(source, f"package is larger than {MAX_ZIP_BYTES} bytes", path="/"))
        return res
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        res.problems.append(Problem(source, "not a zip package", path="/"))
        return res
    members = [m for m in zf.infolist() if m.filename.lower().endswith(".xml") and not m.is_dir()]
    if len(members) > MAX_ZIP_MEMBERS:
        res.problems.append(Problem(source, f"more than {MAX_ZIP_MEMBERS} XML files", path="/"))
        return res
    for m in members:
        if m.file_size > MAX_XML_BYTES:
            res.problems.append(Problem(f"{source}:{m.filename}", f"file is larger than {MAX_XML_BYTES} bytes", path="/"))
            continue
        raw = zf.read(m)
        head = raw[:4000].decode("utf-8", "replace")
        if not re.search(r"<(\w+:)?(qti-assessment-item|assessmentItem)[\s>]", head):
            continue  # the manifest, tests, sections: not items
        parse_item_xml(raw, f"{source}:{m.filename}", skill_codes, res)
    return res
