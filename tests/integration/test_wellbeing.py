"""Well-being check-ins on SQLite and PostgreSQL: opt-in; private by default; shared with the
well-being staff and, separately, with guardians, and revocable; a request to talk always reaches
the well-being staff (the request and its note only); teachers who are not well-being staff,
other schools and guardians without sharing find nothing; every read by someone else audited;
deletion by the student leaves nothing (audit rows keep only that a deletion happened); the
per-learner export includes check-ins and the per-learner deletion removes them; class-wide
exports, the leader's view and early warning never contain them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import ForeignKey, func, select

from pathwise.domain.people import Role
from pathwise.services import privacy
from pathwise.services import wellbeing as wb
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Forbidden, Invalid, NotFound
from pathwise.store import tables as t
from pathwise.store import tables_wellbeing as tw
from pathwise.store.tables import Base
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import WebSchool

NOTE = "Zebra-crossing worries at lunch"  # a note no other table could hold by chance
PLAIN = {"mood": 2, "energy": 4, "confidence": 3}


def student(w: WebSchool, who: str) -> Actor:
    return Actor(who, Role.STUDENT, w.school)


def lead(w: WebSchool) -> Actor:  # the admin of Riverside, designated as the well-being lead
    return Actor(w.admin, Role.ADMIN, w.school)


def rivera(w: WebSchool) -> Actor:
    return Actor(w.teacher, Role.TEACHER, w.school)


def lopez(w: WebSchool) -> Actor:  # Ana's guardian
    return Actor(w.guardian, Role.GUARDIAN, w.school)


def hill(w: WebSchool) -> Actor:
    return Actor(w.other_admin, Role.ADMIN, w.other_school)


def _turn_on(system: App, w: WebSchool, who: str, share_staff: bool = False, share_guardians: bool = False) -> None:
    with system.uow() as uow:
        wb.set_checkins(uow, student(w, who), enabled=True, share_staff=share_staff, share_guardians=share_guardians)
        uow.commit()


def _check_in(system: App, w: WebSchool, who: str, answers: dict[str, Any] | None = None, talk: bool = False,
              note: str = "", at: datetime | None = None) -> int:
    with system.uow() as uow:
        cid = wb.check_in(uow, student(w, who), answers if answers is not None else PLAIN, wants_talk=talk,
                          note=note, now=at)
        uow.commit()
    return cid


def _rows(system: App, row: Any, learner: str) -> int:
    with system.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(row).where(row.learner_id == learner)) or 0)


def _audit(system: App, learner: str | None = None) -> list[tuple[str, str | None, dict[str, Any]]]:
    with system.uow() as uow:
        q = select(t.AuditRow.action, t.AuditRow.actor_id, t.AuditRow.detail)
        if learner is not None:
            q = q.where(t.AuditRow.learner_id == learner)
        return [(a, b, c) for a, b, c in uow.session.execute(q.order_by(t.AuditRow.id))]


def _anywhere(system: App, text: str) -> list[str]:
    """Tables any of whose rows holds ``text`` in any column."""
    found = []
    with system.uow() as uow:
        for table in Base.metadata.sorted_tables:
            for r in uow.session.execute(select(table)):
                if any(text in (json.dumps(v) if isinstance(v, (dict, list)) else str(v)) for v in r):
                    found.append(table.name)
                    break
    return found


def test_nothing_is_asked_until_the_student_turns_check_ins_on(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        view = wb.my_checkins(uow, student(w, w.ana))
        assert not view.settings.enabled and view.history == () and view.talks == ()
        with pytest.raises(Invalid) as exc:
            wb.check_in(uow, student(w, w.ana), PLAIN)
        assert exc.value.field == "enabled"
    assert _rows(system, tw.WellbeingCheckinRow, w.ana) == 0
    _turn_on(system, w, w.ana)
    cid = _check_in(system, w, w.ana)
    with system.uow() as uow:
        view = wb.my_checkins(uow, student(w, w.ana))
        assert [(c.id, c.word("mood"), c.word("energy"), c.word("confidence")) for c in view.history] == [
            (cid, "Not great", "Lively", "Getting there")]
        wb.set_checkins(uow, student(w, w.ana), enabled=False, share_staff=True, share_guardians=True)
        uow.commit()
    with system.uow() as uow:
        off = wb.my_checkins(uow, student(w, w.ana))
        assert not off.settings.enabled and not off.settings.share_staff and not off.settings.share_guardians
        assert len(off.history) == 1  # turning off keeps the history until the student deletes it
        with pytest.raises(Invalid):
            wb.check_in(uow, student(w, w.ana), PLAIN)
    assert _rows(system, tw.WellbeingCheckinRow, w.ana) == 1


def test_bad_answers_name_the_field_and_change_nothing(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _turn_on(system, w, w.ana)
    bad = [({"mood": 6}, False, "", "mood"), ({"energy": "0"}, False, "", "energy"),
           ({"confidence": "lots"}, False, "", "confidence"), ({}, False, "", "mood"),
           ({"mood": 3}, False, "a note without a request", "note"), ({"mood": 3}, True, "x" * 501, "note")]
    with system.uow() as uow:
        for answers, talk, note, field in bad:
            with pytest.raises(Invalid) as exc:
                wb.check_in(uow, student(w, w.ana), answers, wants_talk=talk, note=note)
            assert exc.value.field == field, (answers, note)
        uow.commit()
    assert _rows(system, tw.WellbeingCheckinRow, w.ana) == 0 and _rows(system, tw.WellbeingTalkRow, w.ana) == 0


def test_private_by_default_nobody_else_finds_the_history(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _turn_on(system, w, w.ana)
    _check_in(system, w, w.ana)
    before = len(_audit(system, w.ana))
    okafor = Actor(w.teacher_b, Role.TEACHER, w.school)
    ben = student(w, w.ben)
    with system.uow() as uow:
        for who in (lead(w), rivera(w), okafor, lopez(w), ben, hill(w)):
            with pytest.raises(NotFound):
                wb.shared_history(uow, who, w.ana)
        assert wb.staff_overview(uow, lead(w)) == wb.StaffView((), ())
        for who in (rivera(w), okafor, hill(w)):  # not well-being staff of Riverside
            with pytest.raises(NotFound):
                wb.staff_overview(uow, who)
        assert len(wb.shared_history(uow, student(w, w.ana), w.ana).history) == 1
        uow.commit()
    assert len(_audit(system, w.ana)) == before  # refusals and the student's own read write no audit row


def test_a_request_to_talk_reaches_the_staff_with_its_note_and_nothing_else(
        school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _turn_on(system, w, w.ana)
    _check_in(system, w, w.ana, {"mood": 1}, at=datetime.now(UTC) - timedelta(days=2))
    _check_in(system, w, w.ana, {"mood": 1, "energy": 1}, talk=True, note=f"  {NOTE} ")
    with system.uow() as uow:
        overview = wb.staff_overview(uow, lead(w))
        uow.commit()
    assert [(r.learner_name, r.note, r.status) for r in overview.requests] == [("Ana Lopez", NOTE, "open")]
    assert overview.shared == ()  # the history is not shared
    shown = {f for f in wb.TalkView.__dataclass_fields__}
    assert not shown & {"mood", "energy", "confidence"}  # a request carries no mood
    with system.uow() as uow:
        with pytest.raises(NotFound):  # the request does not open the mood history
            wb.shared_history(uow, lead(w), w.ana)
        with pytest.raises(NotFound):
            wb.staff_overview(uow, rivera(w))  # her teacher is not well-being staff
        wb.designate(uow, lead(w), w.teacher)
        uow.commit()
    with system.uow() as uow:
        assert [r.note for r in wb.staff_overview(uow, rivera(w)).requests] == [NOTE]  # once designated
        with pytest.raises(NotFound):
            wb.shared_history(uow, rivera(w), w.ana)
        wb.designate(uow, Actor.system(), w.other_admin)  # Hillview's lead sees Hillview only
        uow.commit()
    with system.uow() as uow:
        assert wb.staff_overview(uow, hill(w)).requests == ()
    reads = [(a, who) for a, who, _ in _audit(system, w.ana) if a == "read:wellbeing-talk"]
    assert (("read:wellbeing-talk", w.admin) in reads) and (("read:wellbeing-talk", w.teacher) in reads)
    with system.uow() as uow:
        mine = wb.my_checkins(uow, student(w, w.ana))
    assert [t.status for t in mine.talks] == ["open"]


def test_sharing_with_staff_and_with_guardians_is_separate_and_revocable(
        school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _turn_on(system, w, w.ana, share_staff=True)
    _check_in(system, w, w.ana)
    kim = Actor(w.guardian_b, Role.GUARDIAN, w.school)
    with system.uow() as uow:
        assert [c.mood for c in wb.shared_history(uow, lead(w), w.ana).history] == [2]
        assert wb.staff_overview(uow, lead(w)).shared == ((w.ana, "Ana Lopez"),)
        for who in (lopez(w), rivera(w), kim):
            with pytest.raises(NotFound):
                wb.shared_history(uow, who, w.ana)
        uow.commit()
    reads = [(a, who) for a, who, _ in _audit(system, w.ana)]
    assert ("read:wellbeing", w.admin) in reads and ("read:wellbeing-shared", w.admin) in reads
    _turn_on(system, w, w.ana, share_staff=False, share_guardians=True)
    with system.uow() as uow:
        assert len(wb.shared_history(uow, lopez(w), w.ana).history) == 1
        for who in (lead(w), kim):
            with pytest.raises(NotFound):
                wb.shared_history(uow, who, w.ana)
        uow.commit()
    assert ("read:wellbeing", w.guardian) in [(a, who) for a, who, _ in _audit(system, w.ana)]
    _turn_on(system, w, w.ana)  # both taken back
    with system.uow() as uow:
        for who in (lead(w), lopez(w)):
            with pytest.raises(NotFound):
                wb.shared_history(uow, who, w.ana)
    settings = [d for a, _, d in _audit(system, w.ana) if a == "wellbeing:settings"]
    assert len(settings) == 3 and all(set(d) == {"enabled", "share_staff", "share_guardians", "via"} for d in settings)


def test_staff_mark_a_request_seen_then_followed_up(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _turn_on(system, w, w.ana)
    _check_in(system, w, w.ana, {"mood": 2}, talk=True, note=NOTE)
    with system.uow() as uow:
        (req,) = wb.staff_overview(uow, lead(w)).requests
        for who in (rivera(w), hill(w), student(w, w.ana), lopez(w)):
            with pytest.raises(NotFound):
                wb.mark_request(uow, who, req.id, "seen")
        with pytest.raises(Invalid) as exc:
            wb.mark_request(uow, lead(w), req.id, "closed")
        assert exc.value.field == "status"
        with pytest.raises(NotFound):
            wb.mark_request(uow, lead(w), 999999, "seen")
        seen = wb.mark_request(uow, lead(w), req.id, "seen")
        uow.commit()
    assert seen.status == "seen" and seen.handled_by == "Avery Admin"
    with system.uow() as uow:
        assert [r.status for r in wb.staff_overview(uow, lead(w)).requests] == ["seen"]
        wb.mark_request(uow, lead(w), req.id, "followed_up")
        uow.commit()
    with system.uow() as uow:
        assert wb.staff_overview(uow, lead(w)).requests == ()
        assert [t.status for t in wb.my_checkins(uow, student(w, w.ana)).talks] == ["followed_up"]
    marks = [d for a, _, d in _audit(system, w.ana) if a.startswith("wellbeing:talk-")]
    assert len(marks) == 2 and all(NOTE not in json.dumps(d) for d in marks)


def test_deleting_one_or_all_leaves_nothing_but_that_it_happened(
        school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _turn_on(system, w, w.ana, share_staff=True)
    _turn_on(system, w, w.ben)
    first = _check_in(system, w, w.ana, {"mood": 5}, talk=True, note=NOTE)
    _check_in(system, w, w.ana, {"mood": 4})
    _check_in(system, w, w.ana, {"mood": 3}, talk=True, note="second request")
    bens = _check_in(system, w, w.ben, {"mood": 1})
    with system.uow() as uow:
        wb.shared_history(uow, lead(w), w.ana)  # an audited read before the deletion
        wb.staff_overview(uow, lead(w))
        with pytest.raises(NotFound):  # someone else's check-in
            wb.delete_checkin(uow, student(w, w.ben), first)
        with pytest.raises(NotFound):
            wb.delete_checkin(uow, student(w, w.ana), bens)
        wb.delete_checkin(uow, student(w, w.ana), first)
        uow.commit()
    assert _rows(system, tw.WellbeingCheckinRow, w.ana) == 2 and _rows(system, tw.WellbeingTalkRow, w.ana) == 1
    assert _anywhere(system, NOTE) == []  # the note is gone from every table, the audit log included
    with system.uow() as uow:
        assert wb.delete_all(uow, student(w, w.ana)) == 2
        uow.commit()
    assert _rows(system, tw.WellbeingCheckinRow, w.ana) == 0 and _rows(system, tw.WellbeingTalkRow, w.ana) == 0
    assert _anywhere(system, "second request") == []
    assert _rows(system, tw.WellbeingCheckinRow, w.ben) == 1  # Ben's stays
    deletions = [d for a, _, d in _audit(system, w.ana) if a == "wellbeing:delete"]
    assert [d.get("checkins") for d in deletions] == [1, 2]
    for _, _, detail in _audit(system, w.ana):  # no audit row keeps a mood value or a note
        assert not {"mood", "energy", "confidence", "note"} & set(detail), detail


def test_per_learner_export_includes_them_and_deletion_removes_them(
        school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    for table in (tw.WellbeingSettingsRow, tw.WellbeingCheckinRow, tw.WellbeingTalkRow):
        fk = [f for f in table.__table__.c.learner_id.foreign_keys if isinstance(f, ForeignKey)]
        assert [(f.column.table.name, f.ondelete) for f in fk] == [("users", "CASCADE")], table
    _turn_on(system, w, w.ana, share_staff=True)
    _check_in(system, w, w.ana, {"mood": 4}, talk=True, note=NOTE)
    with system.uow() as uow:
        doc = privacy.export_learner(uow, student(w, w.ana), w.ana)
        uow.commit()
    rec = doc["records"]
    assert [r["mood"] for r in rec["wellbeing_checkins"]] == [4]
    assert [r["note"] for r in rec["wellbeing_talk_requests"]] == [NOTE]
    assert rec["wellbeing_settings"][0]["share_staff"] is True
    with system.uow() as uow:
        privacy.delete_learner(uow, lead(w), w.ana)
        uow.commit()
    for table in (tw.WellbeingSettingsRow, tw.WellbeingCheckinRow, tw.WellbeingTalkRow):
        assert _rows(system, table, w.ana) == 0
    assert _anywhere(system, NOTE) == []
    with system.uow() as uow:
        assert uow.wellbeing.is_staff(w.admin, w.school)  # the staff's designation is not the learner's


def test_the_admin_designates_staff_of_the_school_only(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        assert [(m.id, m.designated) for m in wb.staff_members(uow, lead(w))][0] == (w.admin, True)
        assert wb.designate(uow, lead(w), w.teacher) is True
        assert wb.designate(uow, lead(w), w.teacher) is False  # already
        with pytest.raises(Invalid) as exc:
            wb.designate(uow, lead(w), w.ana)
        assert exc.value.field == "user_id"
        for other in (w.other_admin, w.zed, "u-nobody"):
            with pytest.raises(NotFound):
                wb.designate(uow, lead(w), other)
        with pytest.raises(Forbidden):
            wb.designate(uow, rivera(w), w.teacher_b)
        with pytest.raises(NotFound):
            wb.designate(uow, hill(w), w.teacher)
        uow.commit()
    with system.uow() as uow:
        assert uow.wellbeing.staff_of(w.school) == sorted([w.admin, w.teacher])
        assert wb.undesignate(uow, lead(w), w.teacher) is True
        assert wb.undesignate(uow, lead(w), w.teacher) is False
        uow.commit()
    actions = [(a, who) for a, who, _ in _audit(system) if a.startswith("wellbeing:")]
    assert actions == [("wellbeing:designate", w.admin), ("wellbeing:undesignate", w.admin)]


def test_class_exports_leader_view_and_early_warning_never_hold_them(
        school: tuple[App, WebSchool], web) -> None:  # noqa: F811
    """Every school- or class-wide export and view, read by the admin (also the well-being lead)
    after a shared check-in with a request to talk: none of them carries the check-in."""
    system, w = school
    _turn_on(system, w, w.ana, share_staff=True, share_guardians=True)
    _check_in(system, w, w.ana, {"mood": 1, "energy": 5, "confidence": 2}, talk=True, note=NOTE)
    from pathwise.services import early_warning, leader, responses

    with system.uow() as uow:
        texts = [responses.export_to_string(uow, lead(w)),
                 leader.overview_csv(leader.school_overview(uow, lead(w))),
                 repr(leader.school_overview(uow, lead(w))),
                 repr(early_warning.class_warnings(uow, rivera(w), w.class_a))]
    c: WebClient = web()
    assert c.login("admin").status_code == 303
    for url in ("/admin/insight.csv", "/admin/insight", f"/teacher/classes/{w.class_a}/attention",
                f"/admin/classes/{w.class_a}"):
        r = c.get(url, headers={"accept": "text/html"})
        assert r.status_code == 200, url
        texts.append(r.text.split("<main", 1)[-1])  # a page without its navigation; the CSV whole
    token = c.token("admin")
    r = c.get("/api/v1/evidence/xapi", headers=bearer(token))
    assert r.status_code == 200
    texts.append(r.text)
    for text in texts:
        low = text.lower()
        assert NOTE not in text and "wellbeing" not in low and "well-being" not in low and "check-in" not in low


def test_pages_guardian_gets_404_until_shared(school: tuple[App, WebSchool], web) -> None:  # noqa: F811
    system, w = school
    _turn_on(system, w, w.ana)
    _check_in(system, w, w.ana, {"mood": 4}, talk=True, note=NOTE)
    parent: WebClient = web()
    assert parent.login("lopez").status_code == 303
    missing = parent.get("/guardian/children/zz-none/checkins", headers={"accept": "text/html"})
    hidden = parent.get(f"/guardian/children/{w.ana}/checkins", headers={"accept": "text/html"})
    assert hidden.status_code == missing.status_code == 404 and NOTE not in hidden.text
    assert hidden.text.replace(w.ana, "zz-none") == missing.text
    teacher: WebClient = web()
    assert teacher.login("rivera").status_code == 303
    assert teacher.get("/wellbeing", headers={"accept": "text/html"}).status_code == 404
    assert 'id="wellbeing-link"' not in teacher.get("/teacher", headers={"accept": "text/html"}).text
    with system.uow() as uow:
        wb.designate(uow, lead(w), w.teacher)
        uow.commit()
    assert 'href="/wellbeing" id="wellbeing-link"' in teacher.get("/teacher", headers={"accept": "text/html"}).text
    assert NOTE in teacher.get("/wellbeing", headers={"accept": "text/html"}).text
    admin: WebClient = web()
    assert admin.login("admin").status_code == 303
    page = admin.get("/wellbeing", headers={"accept": "text/html"})
    assert page.status_code == 200 and NOTE in page.text and "Good" not in page.text
    _turn_on(system, w, w.ana, share_guardians=True)
    shown = parent.get(f"/guardian/children/{w.ana}/checkins", headers={"accept": "text/html"})
    assert shown.status_code == 200 and "Good" in shown.text and NOTE not in shown.text
