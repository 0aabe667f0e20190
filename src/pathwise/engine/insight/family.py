"""The rules of a child's week for the family view: which days "this week" covers, which skills
were learned in it, and which were worked on.

* **The week** is today and the six days before it, as calendar days in the school's time
  zone: it starts at local midnight six days ago and ends now.
* **Learned this week**: a skill mastered now whose path state says it became mastered
  (``mastered_at``) inside the week; the most recent first.
* **Worked on this week**: a skill of the framework with evidence inside the week that is not
  mastered now; the one with the most evidence this week first (then the framework's order).

Pure functions over numbers and instants: no storage, no access policy, no words. The use case
(``services.family``) passes the learner's path state and evidence; the pages say it in words.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

WEEK_DAYS = 7


def week_start(now: datetime, tz: tzinfo, days: int = WEEK_DAYS) -> datetime:
    """The instant (UTC) the week ending ``now`` starts: local midnight ``days - 1`` days ago."""
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    if days < 1:
        raise ValueError("a week has at least one day")
    first = now.astimezone(tz).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class WeekSummary:
    learned: tuple[str, ...]  # skill codes mastered inside the week, most recent first
    worked_on: tuple[str, ...]  # skill codes with evidence inside the week, not mastered now
    n_evidence: int  # pieces of evidence inside the week (on skills of the framework)
    practice_days: int  # calendar days (school time) with evidence inside the week


def week_summary(*, order: Sequence[str], mastered: Collection[str], mastered_at: Mapping[str, datetime | None],
                 evidence: Iterable[tuple[Sequence[str], datetime]], since: datetime, until: datetime,
                 tz: tzinfo = UTC) -> WeekSummary:
    """What the week held. ``order``: the framework's skills in order (others are ignored);
    ``mastered``: the skills mastered now; ``mastered_at``: when each became mastered (path
    state); ``evidence``: (skill codes, time) of the learner's evidence (any range: only
    ``since <= time <= until`` counts)."""
    known = {c: i for i, c in enumerate(order)}
    learned = sorted((c for c in mastered if c in known and _inside(mastered_at.get(c), since, until)),
                     key=lambda c: (-(mastered_at[c] or since).timestamp(), known[c]))
    counts: dict[str, int] = {}
    n = 0
    days: set[object] = set()
    for codes, at in evidence:
        if not _inside(at, since, until):
            continue
        mine = [c for c in dict.fromkeys(codes) if c in known]
        if not mine:
            continue
        n += 1
        days.add(at.astimezone(tz).date())
        for c in mine:
            counts[c] = counts.get(c, 0) + 1
    worked = sorted((c for c in counts if c not in mastered), key=lambda c: (-counts[c], known[c]))
    return WeekSummary(tuple(learned), tuple(worked), n, len(days))


def _inside(at: datetime | None, since: datetime, until: datetime) -> bool:
    return at is not None and since <= at <= until
