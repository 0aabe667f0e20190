"""What the xAPI services share: the LRS's clock format and how an agent is keyed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


# --------------------------------------------------------------------------- time


def format_stored(when: datetime) -> str:
    """The one timestamp format the LRS writes: UTC, microseconds, 'Z' (sorts as text)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_stored() -> str:
    return format_stored(datetime.now(UTC))


def parse_iso(value: str) -> datetime:
    """A lenient reader for timestamps the door already validated."""
    s = value.strip().replace("z", "Z")
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    if "." in s:
        head, rest = s.split(".", 1)
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits):]
        s = f"{head}.{(digits + '000000')[:6]}{zone}"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


# --------------------------------------------------------------------------- agents


def agent_key(agent: dict[str, Any] | None) -> str | None:
    """The inverse functional identifier of an agent or identified group, as one string."""
    if not isinstance(agent, dict):
        return None
    if "mbox" in agent:
        return "mbox:" + str(agent["mbox"]).lower()
    if "mbox_sha1sum" in agent:
        return "sha1:" + str(agent["mbox_sha1sum"]).lower()
    if "openid" in agent:
        return "openid:" + str(agent["openid"])
    acct = agent.get("account")
    if isinstance(acct, dict):
        return f"account:{acct.get('homePage')}|{acct.get('name')}"
    return None


def _agent_keys(agent: Any) -> list[str]:
    """The agent's own key and, for a group, its members' keys."""
    if not isinstance(agent, dict):
        return []
    keys = []
    k = agent_key(agent)
    if k:
        keys.append(k)
    for m in agent.get("member") or []:
        mk = agent_key(m)
        if mk:
            keys.append(mk)
    return keys
