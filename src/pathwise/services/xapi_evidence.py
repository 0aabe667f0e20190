"""What xAPI statements mean as Pathwise evidence, and back.

Statements on a mapped activity (an item, or skills, with a verb) become Evidence
(``record_from_statements``, called by the statement store in the same unit of work);
``map_activity`` makes such a mapping; ``evidence_as_statements`` writes a learner's
evidence out as statements for another LRS. The statement store itself is
``services.xapi``.
"""

from __future__ import annotations


import uuid
from collections.abc import Sequence
from typing import Any

from pathwise.domain.answers import check_answer, is_parameterised
from pathwise.domain.content import Item, ItemType
from pathwise.domain.clock import utcnow
from pathwise.domain.errors import ValidationError
from pathwise.domain.evidence import Evidence, EvidenceKind, check_timestamp
from pathwise.domain.people import Role
from pathwise.engine.kt.tracker import Tracker
from pathwise.services import evidence as evidence_service
from pathwise.services.access import Actor, Need, require_learner, require_role, visible_learners
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.xapi_common import agent_key, format_stored, parse_iso
from pathwise.store.uow import UnitOfWork

# --------------------------------------------------------------------------- statements -> evidence


def _learner_for(uow: UnitOfWork, actor: dict[str, Any], cache: dict[str, str | None],
                 school_id: str | None) -> str | None:
    """The student a statement's actor names: in the credential's school when it has one; a
    name that fits several students (of different schools) names nobody."""
    key = agent_key(actor) or ""
    if key in cache:
        return cache[key]
    learner: str | None = None
    if "account" in actor:
        learner = uow.xapi.student_by_account(str(actor["account"].get("name", "")), school_id)
    elif "mbox" in actor:
        learner = uow.xapi.student_by_email(str(actor["mbox"])[len("mailto:"):].lower(), school_id)
    cache[key] = learner
    return learner


def _reports_outcome(result: Any) -> bool:
    """A result that says how well (success or a scaled score) or what was answered."""
    if not isinstance(result, dict):
        return False
    return "success" in result or "scaled" in (result.get("score") or {}) or isinstance(result.get("response"), str)


def _response_value(item: Item, response: str) -> Any:
    """An xAPI response as the answer checker reads it: ``[,]`` separates choices and orderings."""
    if item.type in (ItemType.MULTIPLE_CHOICE, ItemType.ORDERING):
        return [part for part in response.split("[,]") if part]
    return response


def _score(res: dict[str, Any], item: Item | None) -> float | None:
    """The evidence score of a result: its scaled score, else its success, else the mapped
    item's verdict on its response (None when none of these scores it)."""
    scaled = (res.get("score") or {}).get("scaled")
    if scaled is not None:
        return max(0.0, min(1.0, float(scaled)))
    if "success" in res:
        return 1.0 if res["success"] else 0.0
    response = res.get("response")
    if item is None or not isinstance(response, str) or is_parameterised(item):
        return None
    checked = check_answer(item, _response_value(item, response))
    return checked.score if checked.scored else None


def record_from_statements(uow: UnitOfWork, tracker: Tracker, new: list[dict[str, Any]],
                           school_id: str | None = None) -> int:
    candidates = [st for st in new if _reports_outcome(st.get("result"))
                  and st["object"].get("objectType", "Activity") == "Activity"]
    if not candidates:
        return 0
    maps = uow.xapi.skill_rules(list({st["object"]["id"] for st in candidates}))
    if not maps:
        return 0
    cache: dict[str, str | None] = {}
    items: dict[str, Item | None] = {}
    evs: list[Evidence] = []
    now = utcnow()
    for st in candidates:
        rules = maps.get(st["object"]["id"])
        if not rules:
            continue
        rule = next((m for m in rules if m.verb_id == st["verb"]["id"]), None) or \
            next((m for m in rules if m.verb_id is None), None)
        if rule is None:
            continue
        learner = _learner_for(uow, st["actor"], cache, school_id)
        if learner is None:
            continue
        item = None
        if rule.item_id:
            if rule.item_id not in items:
                items[rule.item_id] = uow.items.get(rule.item_id)
            item = items[rule.item_id]
        codes = rule.skill_codes
        if not codes and item is not None:
            codes = item.skill_codes
        if not codes:
            continue
        score = _score(st["result"], item)
        if score is None:
            continue
        when = parse_iso(st["timestamp"])
        try:
            check_timestamp(when, now)
        except ValidationError as exc:
            raise Invalid(f"statement {st['id']}: its {exc.field} {exc.message}: on a mapped activity it would be "
                          "evidence, and evidence must fall inside that window", "timestamp") from None
        # The evidence id is the statement's own: the LRS keeps one statement per id (a clash
        # with other content is its 409), and no other door's ids take this form.
        evs.append(Evidence(id=f"xapi:{st['id']}", learner_id=learner, kind=EvidenceKind.STATEMENT,
                            skill_codes=codes, score=score, timestamp=when,
                            item_id=rule.item_id, source="xapi",
                            data={"statement_id": st["id"], "verb": st["verb"]["id"],
                                  "activity": st["object"]["id"]}))
    if not evs:
        return 0
    result = evidence_service.record_evidence(uow, tracker, Actor.system("xapi"), evs, now=now)
    return result.stored


def map_activity(uow: UnitOfWork, actor: Actor, activity_id: str, skill_codes: Sequence[str] = (),
                 item_id: str | None = None, verb_id: str | None = None) -> None:
    """Count statements on ``activity_id`` (optionally only with ``verb_id``) as evidence.

    A statement counts when its result has a scaled score, a success flag, or (with an
    item mapped) a response the item's answer checker can score.
    """
    require_role(actor, Role.ADMIN, Role.TEACHER)
    if not activity_id or ":" not in activity_id:
        raise Invalid("activity id must be an absolute IRI", "activity_id")
    if item_id and uow.items.get(item_id) is None:
        raise NotFound(f"no item {item_id}")
    if not skill_codes and not item_id:
        raise Invalid("map an activity to an item or to skills", "skill_codes")
    unknown = sorted(set(skill_codes) - set(uow.frameworks.skill_titles(skill_codes)))
    if unknown:
        raise Invalid(f"no skill {unknown[0]!r} in any framework", "skill_codes")
    uow.xapi.map_activity(activity_id, verb_id, item_id, skill_codes)


# --------------------------------------------------------------------------- evidence -> statements


def evidence_as_statements(uow: UnitOfWork, actor: Actor, learner_id: str | None = None,
                           home_page: str = "https://pathwise.invalid/users") -> list[dict[str, Any]]:
    """Evidence the actor may read, as xAPI statements (one per evidence record)."""
    learners = [require_learner(uow, actor, learner_id, Need.READ, "evidence")] if learner_id \
        else visible_learners(uow, actor)
    out: list[dict[str, Any]] = []
    for learner in learners:
        for ev in uow.evidence.for_learner(learner.id):
            out.append(_evidence_statement(ev, learner.username, home_page))
    return out


def _evidence_statement(ev: Evidence, username: str, home_page: str) -> dict[str, Any]:
    sid = ev.data.get("statement_id") if ev.kind == EvidenceKind.STATEMENT else None
    activity = ev.data.get("activity") or (f"https://pathwise.invalid/items/{ev.item_id}" if ev.item_id
                                           else f"https://pathwise.invalid/skills/{ev.skill_codes[0]}")
    verb = "http://adlnet.gov/expapi/verbs/answered" if ev.kind == EvidenceKind.ANSWER else \
        "http://adlnet.gov/expapi/verbs/scored"
    return {
        "id": sid or str(uuid.uuid5(uuid.NAMESPACE_URL, f"pathwise:evidence:{ev.id}")),
        "actor": {"objectType": "Agent", "account": {"homePage": home_page, "name": username}},
        "verb": {"id": ev.data.get("verb") or verb, "display": {"en-US": ev.kind.value}},
        "object": {"objectType": "Activity", "id": activity},
        "result": {"success": ev.correct, "score": {"scaled": round(ev.score, 4)}},
        "context": {"extensions": {"https://pathwise.invalid/xapi/skills": list(ev.skill_codes),
                                   "https://pathwise.invalid/xapi/evidence-kind": ev.kind.value}},
        "timestamp": format_stored(ev.timestamp),
        "version": "1.0.3",
    }
