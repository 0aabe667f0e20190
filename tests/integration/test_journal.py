"""The reflection journal, on SQLite and PostgreSQL: the student writes (after a session, for a
goal, for the week, freely), edits, deletes and exports their own journal; only the student and
their designated mentors read it (not a teacher who is not the mentor, a guardian, an admin or a
classmate); every read by the mentor is audited; bad input changes nothing; the per-learner
export includes the journal and the per-learner deletion removes it; class-wide exports and
leader aggregates never carry it. The pages are driven too (forms, downloads, the 404s)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pathwise.domain.people import Role
from pathwise.services import journal, leader, practice, privacy
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.responses import export_to_string
from pathwise.store import tables_mentoring as tm
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool

SECRET = "Drawing the pizza slices helped me most"


def actor(w: WebSchool, who: str) -> Actor:
    role = {w.teacher: Role.TEACHER, w.teacher_b: Role.TEACHER, w.guardian: Role.GUARDIAN,
            w.admin: Role.ADMIN}.get(who, Role.STUDENT)
    return Actor(who, role, w.other_school if who in (w.zed, w.other_admin) else w.school)


def _entries(system: App) -> int:
    with system.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(tm.JournalEntryRow)) or 0)


def _write(system: App, w: WebSchool, who: str, kind: str = "free", ref: str | None = None,
           helped: str = SECRET, next_try: str = "Explain it to my sister") -> int:
    with transaction(system) as uow:
        return journal.write_entry(uow, actor(w, who), kind, ref, helped, next_try)


ITEMS = """
items:
""" + "".join(f"""  - id: jr.frac.equiv.{i}
    skills: [frac.equiv]
    type: numeric
    prompt: "{i} + {i} = ?"
    answer: "{2 * i}"
""" for i in range(1, 4))


def add_items(system: App) -> None:
    from pathwise.services.items import import_items, parse_items_document

    parsed = parse_items_document(ITEMS, "journal.yaml")
    with transaction(system) as uow:
        assert import_items(uow, Actor.system(), parsed.items, parsed.problems).stored


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_write_read_edit_delete_own_journal(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    eid = _write(system, w, w.ana, "goal", "goal-42")
    with transaction(system) as uow:
        mine = journal.my_journal(uow, actor(w, w.ana))
        assert [(e.id, e.prompt.kind, e.prompt.ref_id, e.helped) for e in mine] == [(eid, "goal", "goal-42", SECRET)]
        assert mine[0].prompt.helped_question == "What helped you work towards this goal?"
        journal.edit_entry(uow, actor(w, w.ana), eid, "Drawing helped", "",
                           now=datetime.now(UTC) + timedelta(minutes=5))
    with transaction(system) as uow:
        e = journal.entry_for_edit(uow, actor(w, w.ana), eid)
        assert (e.helped, e.next_try, e.edited) == ("Drawing helped", "", True)
        actions = [a.action for a in uow.audit.recent(w.ana)]
        assert "journal:write" in actions and "journal:edit" in actions
        journal.delete_entry(uow, actor(w, w.ana), eid)
    assert _entries(system) == 0


def test_session_prompt_needs_the_students_own_session(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    add_items(system)
    with transaction(system) as uow:
        own = practice.start_session(uow, actor(w, w.ana), w.ana, "frac.equiv").id
        bens = practice.start_session(uow, actor(w, w.ben), w.ben, "frac.equiv").id
    eid = _write(system, w, w.ana, "session", own)
    with transaction(system) as uow:
        assert journal.entry_for_edit(uow, actor(w, w.ana), eid).prompt.ref_id == own
        p = journal.new_prompt(uow, actor(w, w.ana), "session", own)
        assert p.helped_question == "What helped you in this practice session?"
    with pytest.raises(NotFound), transaction(system) as uow:
        journal.write_entry(uow, actor(w, w.ana), "session", bens, "x", "y")
    assert _entries(system) == 1


@pytest.mark.parametrize(("kind", "helped", "next_try", "field"), [
    ("someday", "a", "b", "prompt"),
    ("free", "", "  ", "helped"),
    ("free", "x" * 4001, "", "helped"),
    ("week", "fine", "y" * 4001, "next_try"),
])
def test_bad_input_names_the_field_and_changes_nothing(school: tuple[App, WebSchool], kind: str,  # noqa: F811
                                                        helped: str, next_try: str, field: str) -> None:
    system, w = school
    with pytest.raises(Invalid) as caught, transaction(system) as uow:
        journal.write_entry(uow, actor(w, w.ana), kind, None, helped, next_try)
    assert caught.value.field == field
    assert _entries(system) == 0


def test_only_the_student_and_their_mentor_read_the_journal(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    ana_entry = _write(system, w, w.ana)
    _write(system, w, w.ben, helped="Ben's own thoughts")
    with transaction(system) as uow:
        read = journal.journal_of(uow, actor(w, w.teacher), w.ana)  # Ms Rivera mentors Ana
        assert [e.helped for e in read] == [SECRET]
    with transaction(system) as uow:
        audited = [(a.actor_id, a.action) for a in uow.audit.recent(w.ana)]
        assert (w.teacher, "read:journal") in audited
    refused = [
        (w.teacher, w.ben),  # she teaches Ben but does not mentor him
        (w.teacher_b, w.ana),  # another teacher of the school
        (w.guardian, w.ana),  # Ana's own parent
        (w.admin, w.ana),  # the school's admin
        (w.ben, w.ana),  # a classmate
        (w.other_admin, w.ana),  # another school
        (w.teacher, "u-nobody"),  # missing
    ]
    for who, learner in refused:
        with pytest.raises(NotFound), transaction(system) as uow:
            journal.journal_of(uow, actor(w, who), learner)
    for who in (w.ben, w.teacher, w.guardian, w.admin):  # nobody else opens, edits or deletes an entry
        with pytest.raises(NotFound), transaction(system) as uow:
            journal.entry_for_edit(uow, actor(w, who), ana_entry)
        with pytest.raises(NotFound), transaction(system) as uow:
            journal.delete_entry(uow, actor(w, who), ana_entry)
    assert _entries(system) == 2


def test_weekly_prompt_until_a_reflection_is_written_this_week(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    wednesday = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    with transaction(system) as uow:
        assert journal.week_reflection_due(uow, actor(w, w.ana), now=wednesday)
        journal.write_entry(uow, actor(w, w.ana), "week", None, "Practising daily", "", now=wednesday)
    with transaction(system) as uow:
        assert not journal.week_reflection_due(uow, actor(w, w.ana), now=wednesday + timedelta(days=4))  # Sunday
        assert journal.week_reflection_due(uow, actor(w, w.ana), now=wednesday + timedelta(days=5))  # next Monday
        assert journal.week_reflection_due(uow, actor(w, w.ben), now=wednesday)
        assert not journal.week_reflection_due(uow, actor(w, w.teacher), now=wednesday)


def test_export_markdown_and_json(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _write(system, w, w.ana, "week")
    _write(system, w, w.ana, "goal", "goal-7", helped="Asking for a hint", next_try="")
    with transaction(system) as uow:
        name, media, text = journal.export_journal(uow, actor(w, w.ana), "json")
        doc = json.loads(text)
        assert name.endswith(".json") and media == "application/json"
        assert doc["format"] == journal.EXPORT_FORMAT and doc["student"] == "Ana Lopez"
        assert [(e["prompt"], e["refers_to"], e["helped"]) for e in doc["entries"]] == [
            ("week", None, SECRET), ("goal", "goal-7", "Asking for a hint")]
        name, media, md = journal.export_journal(uow, actor(w, w.ana), "md")
        assert name.endswith(".md") and media.startswith("text/markdown")
        assert md.startswith("# Reflection journal: Ana Lopez") and SECRET in md and "Asking for a hint" in md
        assert md.index(SECRET) < md.index("Asking for a hint")  # oldest first
        with pytest.raises(Invalid):
            journal.export_journal(uow, actor(w, w.ana), "pdf")
        with pytest.raises(NotFound):
            journal.export_journal(uow, actor(w, w.guardian), "md")


def test_per_learner_export_and_deletion_cover_journal_and_checkins(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    from pathwise.services import mentoring

    system, w = school
    _write(system, w, w.ana)
    with transaction(system) as uow:
        cid = mentoring.add_checkin(uow, actor(w, w.teacher), w.ana, "Lovely work on equivalence", "Try comparing")
        mentoring.reply_checkin(uow, actor(w, w.ana), cid, "I will try comparing")
    with transaction(system) as uow:
        doc = privacy.export_learner(uow, actor(w, w.admin), w.ana)
    records = doc["records"]
    assert [r["helped"] for r in records["journal_entries"]] == [SECRET]
    assert [(r["note"], r["reply"]) for r in records["mentor_checkins"]] == [
        ("Lovely work on equivalence", "I will try comparing")]
    assert [r["learner_id"] for r in records["mentor_links"]] == [w.ana]
    with transaction(system) as uow:
        privacy.delete_learner(uow, actor(w, w.admin), w.ana)
    with transaction(system) as uow:
        assert privacy.remaining_mentions(uow, w.ana) == {}
        for table in (tm.JournalEntryRow, tm.MentorCheckinRow, tm.MentorLinkRow):
            assert uow.session.scalar(select(func.count()).select_from(table)) == 0, table


def test_journal_is_in_no_class_wide_export_or_leader_aggregate(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _write(system, w, w.ana)
    with transaction(system) as uow:
        csv_text = export_to_string(uow, actor(w, w.admin))
        assert csv_text.count("\n") > 3 and SECRET not in csv_text
        ov = leader.school_overview(uow, actor(w, w.admin))
        assert SECRET not in leader.overview_csv(ov) and SECRET not in repr(ov)


def test_pages_write_edit_download_and_refuse_others(school: tuple[App, WebSchool],  # noqa: F811
                                                     web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    ana = web()
    assert ana.login("ana").status_code == 303
    home = ana.page("/student")
    assert "home-week-reflection" in home.text
    form = ana.page("/student/journal/new?prompt=goal&goal=goal-9")
    assert form.status_code == 200 and "What helped you work towards this goal?" in form.text
    assert ana.page("/student/journal/new?prompt=someday").status_code == 422
    r = ana.post("/student/journal", data={"csrf_token": _csrf(form.text), "prompt": "goal", "ref": "goal-9",
                                           "helped": "", "next_try": ""})
    assert r.status_code == 422 and "helped" in r.text and _entries(system) == 0
    r = ana.post("/student/journal", data={"csrf_token": _csrf(form.text), "prompt": "goal", "ref": "goal-9",
                                           "helped": SECRET, "next_try": "More practice"})
    assert r.status_code == 303 and r.headers["location"] == "/student/journal?done=written"
    listing = ana.page("/student/journal")
    assert SECRET in listing.text and "week-prompt" not in listing.text  # any reflection this week counts
    assert "home-week-reflection" not in ana.page("/student").text
    with transaction(system) as uow:
        eid = journal.my_journal(uow, actor(w, w.ana))[0].id
    r = ana.post(f"/student/journal/{eid}", data={"csrf_token": _csrf(listing.text), "helped": "Changed",
                                                   "next_try": ""})
    assert r.status_code == 303
    dl = ana.page("/student/journal/export?format=md")
    assert dl.status_code == 200 and "attachment" in dl.headers["content-disposition"] and "Changed" in dl.text
    assert ana.page("/student/journal/export?format=json").json()["entries"][0]["helped"] == "Changed"
    for who in ("lopez", "rivera", "admin"):  # the journal pages are the student's alone
        c = web()
        assert c.login(who).status_code == 303
        assert c.page("/student/journal").status_code == 404
        assert c.page(f"/student/journal/{eid}").status_code == 404
    ben = web()
    assert ben.login("ben").status_code == 303
    assert ben.page(f"/student/journal/{eid}").status_code == 404
    r = ben.post(f"/student/journal/{eid}/delete", data={"csrf_token": _csrf(ben.page("/student/journal").text)})
    assert r.status_code == 404 and _entries(system) == 1
    r = ana.post(f"/student/journal/{eid}/delete", data={"csrf_token": _csrf(listing.text)})
    assert r.status_code == 303 and _entries(system) == 0
