"""The experiment pages (SQLite and PostgreSQL): the admin defines an experiment, reads its
report and stops it; bad input shows the form again with the message and stores nothing; a
teacher sees the arms of their own students only; students, guardians, another class's
teacher and another school's admin find nothing (404); switching experiments off."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pathwise.services.context import App
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, "no csrf token on the page"
    return m.group(1)


def _signed(make: Callable[[], WebClient], who: str) -> WebClient:
    c = make()
    assert c.login(who).status_code == 303
    return c


def _form(days: int = 20, **kw: str) -> dict[str, str]:
    today = datetime.now(UTC).date()
    out = {"name": "Checks or not", "question": "Do checks help?", "starts_on": today.isoformat(),
           "ends_on": (today + timedelta(days=days)).isoformat(), "a_checks": "on", "b_checks": "off",
           "b_target_retention": "0.85"}
    out.update(kw)
    return out


def test_admin_creates_reads_and_stops_and_a_teacher_sees_their_students(  # noqa: F811
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    _system, w = school
    admin = _signed(web, "admin")
    page = admin.page("/experiments")
    assert page.status_code == 200 and "New experiment" in page.text and "No experiments yet." in page.text
    bad = admin.post("/experiments/new", data={"csrf_token": _csrf(page.text), **_form(b_target_retention="3")})
    assert bad.status_code == 422 and "arm B: target_retention must be in" in bad.text
    assert "No experiments yet." in bad.text and 'value="Checks or not"' in bad.text  # the form kept
    r = admin.post("/experiments/new", data={"csrf_token": _csrf(page.text), **_form(), "section_ids": w.class_a})
    assert r.status_code == 303
    url = r.headers["location"].split("?")[0]
    detail = admin.page(url)
    assert detail.status_code == 200 and "Checks or not" in detail.text
    assert "too few students to tell" in detail.text  # three students in class 5A
    from pathwise.web.pages import timefmt  # the last day reads as the day given, not the day after

    last, now, utc = datetime.now(UTC).date() + timedelta(days=20), datetime.now(UTC), timefmt.zone("UTC")
    shown = re.search(r"<dt>Days</dt><dd>(.*?)</dd>", detail.text, re.S)
    assert shown and timefmt.day_text(last, utc, now) in shown.group(1), shown
    assert timefmt.day_text(last + timedelta(days=1), utc, now) not in shown.group(1)
    assert shown.group(1).count("<time ") == 2 and ">today<" not in shown.group(1)  # both ends as calendar days
    assert "mastery checks: off" in detail.text and "target retention of reviews: 0.85" in detail.text
    arms = re.findall(r'<td data-label="Student">([^<]+)</td><td data-label="Arm" class="arm">([AB])</td>', detail.text)
    assert sorted(n for n, _a in arms) == ["Ana Lopez", "Ben Carter", "Cara Singh"]
    assert {a for _n, a in arms} == {"A", "B"}
    rivera = _signed(web, "rivera")
    assert "Checks or not" in rivera.page("/experiments").text
    mine = rivera.page(url)
    assert mine.status_code == 200 and "Ana Lopez" in mine.text and 'id="stop"' not in mine.text
    for who in ("okafor", "ana", "lopez", "hilladmin"):  # not his class; a student; a guardian; another school
        c = _signed(web, who)
        assert c.page(url).status_code == 404, who
        assert "Checks or not" not in c.page("/experiments").text, who
    r = rivera.post(f"{url}/stop", data={"csrf_token": _csrf(mine.text)})
    assert r.status_code == 404
    r = admin.post(f"{url}/stop", data={"csrf_token": _csrf(detail.text)})
    assert r.status_code == 303
    assert "Experiment stopped" in admin.page(r.headers["location"]).text
    assert admin.page("/experiments/123456").status_code == 404
    assert admin.page("/experiments/abc").status_code == 404
    assert admin.page("/experiments/999999999999").status_code == 404  # too big for any stored id


def test_switching_off_stops_running_experiments_and_refuses_new_ones(  # noqa: F811
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    admin = _signed(web, "admin")
    page = admin.page("/experiments")
    assert admin.post("/experiments/new", data={"csrf_token": _csrf(page.text), **_form()}).status_code == 303
    r = admin.post("/experiments/switch", data={"csrf_token": _csrf(page.text), "enabled": "off"})
    assert r.status_code == 303
    page = admin.page("/experiments")
    assert "Experiments are switched off" in page.text and "New experiment" not in page.text
    assert ">stopped<" in page.text
    r = admin.post("/experiments/new", data={"csrf_token": _csrf(page.text), **_form(name="Again")})
    assert r.status_code == 409 and "switched off" in r.text
    assert "Again" not in admin.page("/experiments").text
