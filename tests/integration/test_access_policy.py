"""The one access policy: who reaches which learner, and what is audited."""

from __future__ import annotations

import pytest

from pathwise.domain.people import Role
from pathwise.services.access import Actor, Need, require_learner, require_section, visible_learners
from pathwise.services.context import App
from pathwise.services.errors import NotFound

from .factories import Tiny, build_tiny


def actor(app: App, user_id: str) -> Actor:
    with app.uow() as uow:
        u = uow.users.get(user_id)
    assert u is not None
    return Actor.of(u)


CASES = [
    # (actor, learner, need, allowed)
    ("alice", "alice", Need.READ, True),
    ("alice", "bob", Need.READ, False),
    ("guardian", "alice", Need.READ, True),
    ("guardian", "alice", Need.WRITE, False),
    ("guardian", "bob", Need.READ, False),
    ("teacher", "alice", Need.WRITE, True),
    ("teacher", "bob", Need.READ, False),
    ("admin", "bob", Need.READ, True),
    ("admin", "carol", Need.READ, False),
    ("other_admin", "alice", Need.READ, False),
]


@pytest.mark.parametrize(("who", "whom", "need", "allowed"), CASES)
def test_learner_access(app: App, who: str, whom: str, need: Need, allowed: bool) -> None:
    t = build_tiny(app)
    a = actor(app, getattr(t, who))
    with app.uow() as uow:
        if allowed:
            assert require_learner(uow, a, getattr(t, whom), need).id == getattr(t, whom)
        else:
            with pytest.raises(NotFound) as info:
                require_learner(uow, a, getattr(t, whom), need)
            # refused looks exactly like missing
            with pytest.raises(NotFound) as missing:
                require_learner(uow, a, "no-such-learner", need)
            assert str(info.value).replace(getattr(t, whom), "X") == str(missing.value).replace("no-such-learner", "X")


def test_others_reads_are_audited_own_are_not(app: App) -> None:
    t = build_tiny(app)
    with app.uow() as uow:
        require_learner(uow, actor(app, t.teacher), t.alice)
        require_learner(uow, actor(app, t.alice), t.alice)
        uow.commit()
    with app.uow() as uow:
        seen = [(r.actor_id, r.action) for r in uow.audit.recent(learner_id=t.alice)]
    assert seen == [(t.teacher, "read:learner")]


def test_visible_learners_per_role(app: App) -> None:
    t = build_tiny(app)
    with app.uow() as uow:
        names = {who: [u.username for u in visible_learners(uow, actor(app, getattr(t, who)))]
                 for who in ("alice", "guardian", "teacher", "admin", "other_admin")}
        system = [u.username for u in visible_learners(uow, Actor.system())]
    assert names == {"alice": ["alice"], "guardian": ["alice"], "teacher": ["alice"], "admin": ["alice", "bob"],
                     "other_admin": ["carol"]}
    assert sorted(system) == ["alice", "bob", "carol"]


def test_sections(app: App) -> None:
    t: Tiny = build_tiny(app)
    with app.uow() as uow:
        assert require_section(uow, actor(app, t.teacher), t.class1).id == t.class1
        with pytest.raises(NotFound):
            require_section(uow, actor(app, t.teacher), t.class2)
        with pytest.raises(NotFound):
            require_section(uow, actor(app, t.alice), t.class1, Need.WRITE)
        assert require_section(uow, actor(app, t.admin), t.class2).id == t.class2
        with pytest.raises(NotFound):
            require_section(uow, actor(app, t.other_admin), t.class1)
    assert Role.STUDENT.value == "student"
