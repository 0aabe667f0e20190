"""Validation of xAPI statements and request parameters (xAPI 1.0.3 and 2.0.0).

Every rule the specification states for a statement's shape lives here: IRIs,
mailboxes, UUIDs, ISO 8601 timestamps and durations, language maps, interaction
types, contexts, object types, attachments and the properties the LRS sets itself.
A violation raises ``Invalid`` with a message naming the property, which the routes
answer with 400. Nothing here touches storage or HTTP.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pathwise.services.errors import Invalid

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
IRI_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:[^\s]*$")
MBOX_RE = re.compile(r"^mailto:[^@\s:/]+@[^@\s]+\.?[^@\s]*$")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
SHA2_RE = re.compile(r"^[0-9a-fA-F]{56}$|^[0-9a-fA-F]{64}$|^[0-9a-fA-F]{96}$|^[0-9a-fA-F]{128}$")
VERSION_RE = re.compile(r"^(1\.0(\.\d+)?|2\.0(\.\d+)?)$")
LANG_RE = re.compile(
    r"^(?:(?:[a-zA-Z]{2,3}(?:-[a-zA-Z]{3}){0,3}|[a-zA-Z]{4,8})(?:-[a-zA-Z]{4})?(?:-(?:[a-zA-Z]{2}|[0-9]{3}))?"
    r"(?:-(?:[a-zA-Z0-9]{5,8}|[0-9][a-zA-Z0-9]{3}))*(?:-[0-9a-wy-zA-WY-Z](?:-[a-zA-Z0-9]{2,8})+)*"
    r"(?:-x(?:-[a-zA-Z0-9]{1,8})+)?|x(?:-[a-zA-Z0-9]{1,8})+|i-[a-zA-Z]{2,8})$"
)
TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_NUM = r"\d+(?:[.,]\d+)?"
DURATION_RE = re.compile(
    rf"^P(?:{_NUM}W|(?=\d|T\d)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?)$"
)
MEDIA_TYPE_RE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$")

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"

INTERACTION_TYPES = {"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance",
                     "sequencing", "likert", "numeric", "other"}
COMPONENT_LISTS = {"choices": {"choice", "sequencing"}, "scale": {"likert"}, "source": {"matching"},
                   "target": {"matching"}, "steps": {"performance"}}
AGENT_KEYS = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def fail(message: str) -> None:
    raise Invalid(message)


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        fail(f"{where} must be a JSON object")
    return value


def _keys(value: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = set(value) - allowed
    if extra:
        fail(f"{where} has unknown properties: {', '.join(sorted(extra))}")


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        fail(f"{where} must be a string")
    return value


def _bool(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        fail(f"{where} must be true or false")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(f"{where} must be a number")
    return float(value)


def check_iri(value: Any, where: str) -> str:
    s = _str(value, where)
    if not IRI_RE.match(s):
        fail(f"{where} must be an absolute IRI, got {s!r}")
    return s


def check_uuid(value: Any, where: str) -> str:
    s = _str(value, where)
    if not UUID_RE.match(s):
        fail(f"{where} must be a UUID, got {s!r}")
    return s


def check_lang_tag(value: Any, where: str) -> None:
    if not isinstance(value, str) or not LANG_RE.match(value):
        fail(f"{where}: {value!r} is not an RFC 5646 language tag")


def check_lang_map(value: Any, where: str) -> None:
    m = _obj(value, where)
    for k, v in m.items():
        check_lang_tag(k, f"{where} key")
        _str(v, f"{where}[{k}]")


def check_extensions(value: Any, where: str) -> None:
    m = _obj(value, where)
    for k in m:
        check_iri(k, f"{where} key")


def parse_timestamp(value: Any, where: str = "timestamp") -> datetime:
    """An ISO 8601 date-time; a missing zone means UTC; '-00:00' is refused."""
    s = _str(value, where)
    m = TIMESTAMP_RE.match(s)
    if not m:
        fail(f"{where} must be an ISO 8601 date-time, got {s!r}")
    year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
    second = int(m.group(6) or 0)
    frac = m.group(7) or ""
    zone = m.group(8)
    if zone and zone.startswith("-") and set(zone[1:].replace(":", "")) == {"0"}:
        fail(f"{where} must not use the offset -00:00")
    micro = int((frac + "000000")[:6]) if frac else 0
    tz: timezone = UTC
    if zone and zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            fail(f"{where} has an invalid offset")
        delta = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-delta if zone[0] == "-" else delta)
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved past the calendar's ends by the offset
        fail(f"{where} is not a real date-time: {s!r}")
    raise AssertionError  # unreachable


def check_duration(value: Any, where: str) -> None:
    s = _str(value, where)
    if not DURATION_RE.match(s) or s.endswith("T"):
        fail(f"{where} must be an ISO 8601 duration, got {s!r}")


def check_mbox(value: Any, where: str) -> None:
    s = _str(value, where)
    if not MBOX_RE.match(s):
        fail(f"{where} must have the form mailto:name@host")


def check_account(value: Any, where: str) -> None:
    a = _obj(value, where)
    _keys(a, {"homePage", "name"}, where)
    if "homePage" not in a or "name" not in a:
        fail(f"{where} needs homePage and name")
    check_iri(a["homePage"], f"{where}.homePage")
    _str(a["name"], f"{where}.name")


def _ifis(agent: dict[str, Any], where: str) -> list[str]:
    found = [k for k in IFIS if k in agent]
    for k in found:
        if k == "mbox":
            check_mbox(agent[k], f"{where}.mbox")
        elif k == "mbox_sha1sum":
            if not isinstance(agent[k], str) or not SHA1_RE.match(agent[k]):
                fail(f"{where}.mbox_sha1sum must be a SHA-1 hex digest")
        elif k == "openid":
            check_iri(agent[k], f"{where}.openid")
        else:
            check_account(agent[k], f"{where}.account")
    return found


def check_agent(value: Any, where: str, allow_group: bool = True, need_ifi: bool = True) -> None:
    a = _obj(value, where)
    kind = a.get("objectType", "Agent")
    if kind == "Group" and allow_group:
        check_group(a, where)
        return
    if kind != "Agent":
        fail(f"{where}.objectType must be {'Agent or Group' if allow_group else 'Agent'}")
    _keys(a, AGENT_KEYS, where)
    if "name" in a:
        _str(a["name"], f"{where}.name")
    found = _ifis(a, where)
    if len(found) != 1:
        fail(f"{where} must have exactly one of mbox, mbox_sha1sum, openid, account")


def check_group(value: Any, where: str) -> None:
    g = _obj(value, where)
    if g.get("objectType") != "Group":
        fail(f"{where}.objectType must be Group")
    _keys(g, AGENT_KEYS | {"member"}, where)
    if "name" in g:
        _str(g["name"], f"{where}.name")
    found = _ifis(g, where)
    if len(found) > 1:
        fail(f"{where} must have at most one inverse functional identifier")
    if "member" in g:
        members = g["member"]
        if not isinstance(members, list):
            fail(f"{where}.member must be an array of Agents")
        for i, m in enumerate(members):
            check_agent(m, f"{where}.member[{i}]", allow_group=False)
    if not found and not g.get("member"):
        fail(f"{where}: an anonymous Group needs members")


def check_verb(value: Any, where: str = "verb") -> None:
    v = _obj(value, where)
    _keys(v, {"id", "display"}, where)
    if "id" not in v:
        fail(f"{where}.id is required")
    check_iri(v["id"], f"{where}.id")
    if "display" in v:
        check_lang_map(v["display"], f"{where}.display")


def _components(value: Any, where: str) -> None:
    if not isinstance(value, list):
        fail(f"{where} must be an array of interaction components")
    seen: set[str] = set()
    for i, c in enumerate(value):
        c = _obj(c, f"{where}[{i}]")
        _keys(c, {"id", "description"}, f"{where}[{i}]")
        if "id" not in c:
            fail(f"{where}[{i}].id is required")
        cid = _str(c["id"], f"{where}[{i}].id")
        if cid in seen:
            fail(f"{where}: interaction component ids must be distinct ({cid!r} repeats)")
        seen.add(cid)
        if "description" in c:
            check_lang_map(c["description"], f"{where}[{i}].description")


def check_definition(value: Any, where: str) -> None:
    d = _obj(value, where)
    _keys(d, {"name", "description", "type", "moreInfo", "extensions", "interactionType",
              "correctResponsesPattern", *COMPONENT_LISTS}, where)
    for k in ("name", "description"):
        if k in d:
            check_lang_map(d[k], f"{where}.{k}")
    if "type" in d:
        check_iri(d["type"], f"{where}.type")
    if "moreInfo" in d:
        check_iri(d["moreInfo"], f"{where}.moreInfo")
    if "extensions" in d:
        check_extensions(d["extensions"], f"{where}.extensions")
    itype = d.get("interactionType")
    if itype is not None and (not isinstance(itype, str) or itype not in INTERACTION_TYPES):
        fail(f"{where}.interactionType {itype!r} is not an interaction type")
    if "correctResponsesPattern" in d:
        if itype is None:
            fail(f"{where}.correctResponsesPattern needs an interactionType")
        crp = d["correctResponsesPattern"]
        if not isinstance(crp, list) or not all(isinstance(x, str) for x in crp):
            fail(f"{where}.correctResponsesPattern must be an array of strings")
    for k, types in COMPONENT_LISTS.items():
        if k in d:
            if itype not in types:
                fail(f"{where}.{k} is not allowed for interactionType {itype!r}")
            _components(d[k], f"{where}.{k}")


def check_activity(value: Any, where: str) -> None:
    a = _obj(value, where)
    if a.get("objectType", "Activity") != "Activity":
        fail(f"{where}.objectType must be Activity")
    _keys(a, {"objectType", "id", "definition"}, where)
    if "id" not in a:
        fail(f"{where}.id is required")
    check_iri(a["id"], f"{where}.id")
    if "definition" in a:
        check_definition(a["definition"], f"{where}.definition")


def check_statement_ref(value: Any, where: str) -> None:
    r = _obj(value, where)
    _keys(r, {"objectType", "id"}, where)
    if r.get("objectType") != "StatementRef":
        fail(f"{where}.objectType must be StatementRef")
    if "id" not in r:
        fail(f"{where}.id is required")
    check_uuid(r["id"], f"{where}.id")


def check_object(value: Any, where: str, v2: bool, in_sub: bool = False) -> None:
    o = _obj(value, where)
    kind = o.get("objectType", "Activity")
    if kind == "Activity":
        check_activity(o, where)
    elif kind in ("Agent", "Group"):
        check_agent(o, where)
    elif kind == "StatementRef":
        check_statement_ref(o, where)
    elif kind == "SubStatement":
        if in_sub:
            fail(f"{where}: a SubStatement must not contain a SubStatement")
        check_substatement(o, where, v2)
    else:
        fail(f"{where}.objectType {kind!r} is not an object type")


def check_result(value: Any, where: str = "result") -> None:
    r = _obj(value, where)
    _keys(r, {"score", "success", "completion", "response", "duration", "extensions"}, where)
    if "score" in r:
        s = _obj(r["score"], f"{where}.score")
        _keys(s, {"scaled", "raw", "min", "max"}, f"{where}.score")
        vals = {k: _number(v, f"{where}.score.{k}") for k, v in s.items()}
        if "scaled" in vals and not -1.0 <= vals["scaled"] <= 1.0:
            fail(f"{where}.score.scaled must be between -1 and 1")
        if "min" in vals and "max" in vals and vals["min"] >= vals["max"]:
            fail(f"{where}.score.min must be less than max")
        if "raw" in vals:
            if "min" in vals and vals["raw"] < vals["min"]:
                fail(f"{where}.score.raw must not be below min")
            if "max" in vals and vals["raw"] > vals["max"]:
                fail(f"{where}.score.raw must not be above max")
    for k in ("success", "completion"):
        if k in r:
            _bool(r[k], f"{where}.{k}")
    if "response" in r:
        _str(r["response"], f"{where}.response")
    if "duration" in r:
        check_duration(r["duration"], f"{where}.duration")
    if "extensions" in r:
        check_extensions(r["extensions"], f"{where}.extensions")


def check_context(value: Any, where: str, object_kind: str, v2: bool) -> None:
    c = _obj(value, where)
    allowed = {"registration", "instructor", "team", "contextActivities", "revision", "platform",
               "language", "statement", "extensions"}
    if v2:
        allowed |= {"contextAgents", "contextGroups"}
    _keys(c, allowed, where)
    if "registration" in c:
        check_uuid(c["registration"], f"{where}.registration")
    if "instructor" in c:
        check_agent(c["instructor"], f"{where}.instructor")
    if "team" in c:
        check_group(c["team"], f"{where}.team")
    if "contextActivities" in c:
        ca = _obj(c["contextActivities"], f"{where}.contextActivities")
        _keys(ca, {"parent", "grouping", "category", "other"}, f"{where}.contextActivities")
        for k, v in ca.items():
            items = v if isinstance(v, list) else [v]
            for i, a in enumerate(items):
                check_activity(a, f"{where}.contextActivities.{k}[{i}]")
    for k in ("revision", "platform"):
        if k in c:
            _str(c[k], f"{where}.{k}")
            if object_kind != "Activity":
                fail(f"{where}.{k} may only be used when the object is an Activity")
    if "language" in c:
        check_lang_tag(c["language"], f"{where}.language")
    if "statement" in c:
        check_statement_ref(c["statement"], f"{where}.statement")
    if "extensions" in c:
        check_extensions(c["extensions"], f"{where}.extensions")
    if "contextAgents" in c:
        if not isinstance(c["contextAgents"], list):
            fail(f"{where}.contextAgents must be an array")
        for i, ca_ in enumerate(c["contextAgents"]):
            w = f"{where}.contextAgents[{i}]"
            x = _obj(ca_, w)
            _keys(x, {"objectType", "agent", "relevantTypes"}, w)
            if x.get("objectType") != "contextAgent":
                fail(f"{w}.objectType must be contextAgent")
            if "agent" not in x:
                fail(f"{w}.agent is required")
            check_agent(x["agent"], f"{w}.agent", allow_group=False)
            _relevant_types(x, w)
    if "contextGroups" in c:
        if not isinstance(c["contextGroups"], list):
            fail(f"{where}.contextGroups must be an array")
        for i, cg in enumerate(c["contextGroups"]):
            w = f"{where}.contextGroups[{i}]"
            x = _obj(cg, w)
            _keys(x, {"objectType", "group", "relevantTypes"}, w)
            if x.get("objectType") != "contextGroup":
                fail(f"{w}.objectType must be contextGroup")
            if "group" not in x:
                fail(f"{w}.group is required")
            check_group(x["group"], f"{w}.group")
            _relevant_types(x, w)


def _relevant_types(x: dict[str, Any], where: str) -> None:
    if "relevantTypes" in x:
        rt = x["relevantTypes"]
        if not isinstance(rt, list) or not rt:
            fail(f"{where}.relevantTypes must be a non-empty array of IRIs")
        for i, t in enumerate(rt):
            check_iri(t, f"{where}.relevantTypes[{i}]")


def check_attachments(value: Any, where: str = "attachments") -> None:
    if not isinstance(value, list):
        fail(f"{where} must be an array")
    for i, a in enumerate(value):
        w = f"{where}[{i}]"
        a = _obj(a, w)
        _keys(a, {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}, w)
        for k in ("usageType", "display", "contentType", "length", "sha2"):
            if k not in a:
                fail(f"{w}.{k} is required")
        check_iri(a["usageType"], f"{w}.usageType")
        check_lang_map(a["display"], f"{w}.display")
        if "description" in a:
            check_lang_map(a["description"], f"{w}.description")
        ct = _str(a["contentType"], f"{w}.contentType")
        if not MEDIA_TYPE_RE.match(ct):
            fail(f"{w}.contentType must be an Internet Media Type")
        if isinstance(a["length"], bool) or not isinstance(a["length"], int) or a["length"] < 0:
            fail(f"{w}.length must be a non-negative integer")
        sha = _str(a["sha2"], f"{w}.sha2")
        if not SHA2_RE.match(sha):
            fail(f"{w}.sha2 must be a SHA-2 hex digest")
        if "fileUrl" in a:
            check_iri(a["fileUrl"], f"{w}.fileUrl")


def _has_null(value: Any) -> bool:
    if type(value) is dict:
        for k, v in value.items():
            if v is None:
                return True
            t = type(v)
            if (t is dict and k != "extensions" or t is list) and _has_null(v):
                return True
    elif type(value) is list:
        for v in value:
            if v is None or (type(v) in (dict, list) and _has_null(v)):
                return True
    return False


def _check_nulls(value: Any, where: str) -> None:
    """No property may be null, except inside extensions."""
    if not _has_null(value):
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if v is None:
                fail(f"{where}.{k} must not be null")
            if k != "extensions":
                _check_nulls(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if v is None:
                fail(f"{where}[{i}] must not be null")
            _check_nulls(v, f"{where}[{i}]")


def _check_core(s: dict[str, Any], where: str, v2: bool, in_sub: bool) -> None:
    for k in ("actor", "verb", "object"):
        if k not in s:
            fail(f"{where}.{k} is required")
    check_agent(s["actor"], f"{where}.actor")
    check_verb(s["verb"], f"{where}.verb")
    check_object(s["object"], f"{where}.object", v2, in_sub)
    kind = s["object"].get("objectType", "Activity")
    if s["verb"]["id"] == VOIDED_VERB and not in_sub and kind != "StatementRef":
        fail(f"{where}: a voiding statement's object must be a StatementRef")
    if "result" in s:
        check_result(s["result"], f"{where}.result")
    if "context" in s:
        check_context(s["context"], f"{where}.context", kind, v2)
    if "timestamp" in s:
        parse_timestamp(s["timestamp"], f"{where}.timestamp")
    if "attachments" in s:
        check_attachments(s["attachments"], f"{where}.attachments")


def check_substatement(s: dict[str, Any], where: str, v2: bool) -> None:
    _keys(s, {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}, where)
    _check_core(s, where, v2, in_sub=True)


def check_statement(value: Any, v2: bool, where: str = "statement") -> dict[str, Any]:
    """Raise ``Invalid`` unless ``value`` is a statement the LRS may store."""
    s = _obj(value, where)
    _check_nulls(s, where)
    _keys(s, {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
              "version", "attachments"}, where)
    if "id" in s:
        check_uuid(s["id"], f"{where}.id")
    _check_core(s, where, v2, in_sub=False)
    if "stored" in s:
        parse_timestamp(s["stored"], f"{where}.stored")
    if "authority" in s:
        check_authority(s["authority"], f"{where}.authority")
    if "version" in s:
        ver = _str(s["version"], f"{where}.version")
        if not VERSION_RE.match(ver):
            fail(f"{where}.version {ver!r} is not a supported xAPI version")
    return s


def check_authority(value: Any, where: str) -> None:
    a = _obj(value, where)
    if a.get("objectType") == "Group":
        check_group(a, where)
        if any(k in a for k in IFIS):
            fail(f"{where}: a Group authority must be an anonymous group")
        members = a.get("member") or []
        if len(members) != 2:
            fail(f"{where}: a Group authority must have exactly two members (OAuth client and user)")
        if not any("account" in m for m in members):
            fail(f"{where}: a Group authority must include an OAuth consumer account")
    else:
        check_agent(a, where, allow_group=False)

