"""A framework's content as the path, the projections and the class pages use it: the
framework, its prerequisite graph, skill titles and the candidate activities (its own and
practice of each skill that has items).

``content_of`` keeps it per database for a minute and reads it again at once when the
content's fingerprint changes (one small query tells). Kept apart from ``path_state`` so the
projections that follow mastery (strengths and needs) can use it without importing the path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.framework import Framework, SkillGraph
from pathwise.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Content:
    framework: Framework
    graph: SkillGraph
    titles: dict[str, str]
    activities: tuple[Activity, ...]


_CACHE: dict[tuple[str, str], tuple[tuple[int, ...], float, Content]] = {}
_CACHE_SECONDS = 60.0


def content_of(uow: UnitOfWork, framework_id: str) -> Content | None:
    """The framework, its graph and candidate activities, cached per database for a minute
    and refreshed at once when the content's fingerprint changes."""
    stamp = uow.paths.content_stamp(framework_id)  # one query: is a cached copy current?
    if stamp is None:
        return None
    key = (uow.paths.database_key(), framework_id)
    hit = _CACHE.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] == stamp and hit[1] > now:
        return hit[2]
    fw = uow.frameworks.get(framework_id)
    if fw is None:
        return None
    graph = fw.graph()
    titles = {sk.code: sk.title for sk in fw.skills}
    acts = uow.activities.in_framework(fw.id)
    with_items = uow.paths.skills_with_items(fw.id)
    for code in graph.codes():
        if code in with_items:
            acts.append(Activity(f"practice.{code}", f"Practise: {titles.get(code, code)}",
                                 ActivityKind.PRACTICE, (code,), minutes=10))
    content = Content(fw, graph, titles, tuple(acts))
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = (stamp, now + _CACHE_SECONDS, content)
    return content
