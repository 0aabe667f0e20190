"""The school's time zone, through the real pages (SQLite and PostgreSQL): the admin sets it
(audited; an unknown name refused with words), a teacher's typed window is read in it and
shown back in it, and a database from before the setting keeps its schools on UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic import command

from pathwise.domain.people import Role
from pathwise.services import school_admin
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Forbidden, Invalid
from pathwise.services.items import import_items, parse_items_document
from pathwise.store.migrate import alembic_config
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool

HTML = {"accept": "text/html"}
ITEMS = """
items:
  - id: tz.add.1
    skills: [frac.add]
    type: numeric
    prompt: "1/2 + 1/4 = ?"
    answer: "3/4"
"""
School = tuple[App, WebSchool]


def _login(web, who: str) -> WebClient:  # type: ignore[no-untyped-def]  # noqa: F811
    c = web()
    assert c.login(who).status_code == 303
    return c


def _post(c: WebClient, url: str, **form: object):  # type: ignore[no-untyped-def]
    return c.post(url, data={"csrf_token": c.csrf, **form}, headers=HTML)


def _zone(app: App, school_id: str) -> str:
    with app.uow() as uow:
        return school_admin.school_time_zone(uow, school_id)


def test_admin_sets_the_zone_and_a_teachers_window_is_read_and_shown_in_it(school: School,  # noqa: F811
                                                                           web) -> None:  # noqa: F811
    app, w = school
    admin = _login(web, "admin")
    page = admin.page("/admin/settings")
    assert page.status_code == 200
    assert '<option value="UTC" selected>' in page.text and 'href="/admin/settings"' in page.text
    assert 'id="local-now"' in page.text and "(UTC)" in page.text
    # an unknown name is refused with words naming the field, and nothing changes
    bad = _post(admin, "/admin/settings", time_zone="Mars/Olympus_Mons")
    assert bad.status_code == 422
    assert "time zone: &#39;Mars/Olympus_Mons&#39; is not a time zone name" in bad.text
    assert _zone(app, w.school) == "UTC"
    r = _post(admin, "/admin/settings", time_zone="America/New_York")
    assert r.status_code == 303 and r.headers["location"] == "/admin/settings?done=zone"
    page = admin.page(r.headers["location"])
    assert "Saved" in page.text and '<option value="America/New_York" selected>' in page.text
    assert "(America/New_York)" in page.text
    assert _zone(app, w.school) == "America/New_York"
    assert _zone(app, w.other_school) == "UTC"  # another school's setting is its own
    with app.uow() as uow:
        [audit] = [a for a in uow.audit.recent(None, 50) if a.action == "school:time-zone"]
    assert audit.actor_id == w.admin and audit.detail["from"] == "UTC" and audit.detail["to"] == "America/New_York"

    # the teacher types 09:00 on a day two days from now: 09:00 in New York is stored
    with app.uow() as uow:
        parsed = parse_items_document(ITEMS, "tz.yaml")
        assert import_items(uow, Actor.system(), parsed.items, parsed.problems).stored
        uow.commit()
    teacher = _login(web, "rivera")
    r = _post(teacher, "/teacher/teaching/assessments", id="chk", title="Adding check", kind="check",
              skill="frac.add", items="tz.add.1")
    assert r.status_code == 303, r.text
    form = teacher.page("/teacher/teaching/assessments/chk")
    assert form.status_code == 200
    assert "Opens (America/New_York time" in form.text and "UTC" not in form.text
    ny = ZoneInfo("America/New_York")
    day = (datetime.now(UTC).astimezone(ny) + timedelta(days=2)).date()
    expected = datetime(day.year, day.month, day.day, 9, 0, tzinfo=ny).astimezone(UTC)
    assert expected.hour in (13, 14)  # 09:00 in New York is 13:00 or 14:00 UTC, by the season
    r = _post(teacher, "/teacher/teaching/assessments/chk/assign", target=f"class:{w.class_a}",
              opens_at=f"{day.isoformat()}T09:00")
    assert r.status_code == 303, r.text
    with app.uow() as uow:
        stored = uow.assessments.assignments_of(["chk"]).get("chk", [])
    assert [x.window.opens for x in stored] == [expected]
    shown = teacher.page("/teacher/teaching/assessments/chk").text
    assert re.search(rf'<time datetime="{re.escape(expected.isoformat())}" title="[^"]*, 09:00 '
                     r'\(America/New_York\)">[A-Za-z]+, 09:00</time>', shown), shown
    assert " UTC" not in re.sub(r"<[^>]+>", " ", shown)


def test_the_zone_is_the_admins_own_schools_to_change(school: School) -> None:  # noqa: F811
    app, w = school
    with app.uow() as uow:
        with pytest.raises(Forbidden):
            school_admin.set_time_zone(uow, Actor(w.teacher, Role.TEACHER, w.school), "Europe/London")
        admin = Actor(w.admin, Role.ADMIN, w.school)
        for name in ("", "   ", "Europe/Londres", "../../etc/passwd", "localtime"):
            with pytest.raises(Invalid, match="^time zone: ") as refused:
                school_admin.set_time_zone(uow, admin, name)
            assert refused.value.field == "time_zone"
        assert school_admin.set_time_zone(uow, admin, " Europe/London ").time_zone == "Europe/London"
        uow.commit()
    assert _zone(app, w.school) == "Europe/London"


def test_schools_from_before_the_setting_read_utc(school: School) -> None:  # noqa: F811
    """Migration 0013 on a database that already holds schools and people: they stay, on UTC."""
    app, w = school
    cfg = alembic_config()
    with app.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013-1")
    with app.db.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("schools")}
    assert "time_zone" not in columns
    app.db.upgrade()
    assert _zone(app, w.school) == "UTC"
    with app.uow() as uow:
        assert uow.users.get(w.ana) is not None and uow.schools.get(w.school) is not None
