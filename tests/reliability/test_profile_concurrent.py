"""A teacher and the student saving different parts of the profile at the same moment
both keep their change (no lost update), on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

from pathwise.domain.people import Role
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.profile import update_profile

from ..integration.factories import build_tiny


def test_concurrent_edits_of_different_fields_both_stay(app: App) -> None:
    t = build_tiny(app)
    student = Actor(t.alice, Role.STUDENT, t.school)
    teacher = Actor(t.teacher, Role.TEACHER, t.school)
    rounds = 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker(actor: Actor, patch_of) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            for i in range(rounds):
                with app.uow() as uow:
                    update_profile(uow, actor, t.alice, patch_of(i))
                    uow.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=(student, lambda i: {"interests": [f"topic {i}"]})),
        threading.Thread(target=worker, args=(teacher, lambda i: {"accommodations": {"fewer_choices": 2 + i % 3,
                                                                                      "breaks": True}})),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert errors == []
    with app.uow() as uow:
        stored = uow.users.profile(t.alice)
        updates = [r.action for r in uow.audit.recent(t.alice, limit=500) if r.action == "profile:update"]
    last = rounds - 1
    assert stored["interests"] == [f"topic {last}"]
    assert stored["accommodations"] == {"fewer_choices": 2 + last % 3, "breaks": True}
    assert len(updates) >= rounds + 1  # every student change; the teacher's that changed something
