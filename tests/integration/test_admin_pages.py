"""The admin's pages (issue 17): roster import with a dry run, accounts, guardian links,
frameworks and items, privacy requests and a learner's audit trail, through the real forms.

Most run on SQLite (the forms' logic does not depend on the database); the roster import
and the privacy deletion also run on PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from pathwise.services.context import App
from pathwise.web.pages import admin as admin_pages
from tests.security.test_tenancy import ghost_enrolled, roster_zip
from tests.security.web_client import WebClient, school, sqlite_school, sqlite_web, web  # noqa: F401
from tests.security.web_school import PASSWORD, WebSchool

HTML = {"accept": "text/html"}
NEW_PASSWORD = "plum tiger mosaic 417"
School = tuple[App, WebSchool]
Clients = Callable[[], WebClient]


def _admin(web: Clients, who: str = "admin") -> WebClient:
    c = web()
    assert c.login(who).status_code == 303
    return c


def _post(c: WebClient, url: str, files: dict[str, object] | None = None, **form: object):  # type: ignore[no-untyped-def]
    return c.post(url, data={"csrf_token": c.csrf, **form}, files=files, headers=HTML)


def _text(html: str) -> str:
    main = html.split("<main", 1)[-1]
    return " ".join(re.sub(r"<[^>]+>", " ", main).replace("&#39;", "'").split())


def _usernames(app: App, school_id: str) -> set[str]:
    with app.uow() as uow:
        return {u.username for u in uow.users.in_school(school_id)}


# -- roster import -----------------------------------------------------------------------------------


def _job(c: WebClient, r):  # type: ignore[no-untyped-def]
    """An import answers with its job's page (the job ran at once: the tests' queue runs
    jobs where they are submitted)."""
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/job_"), (r.status_code, _text(r.text))
    page = c.get(r.headers["location"], headers=HTML)
    assert page.status_code == 200
    return page


def _check(c: WebClient, data: bytes, **form: object):  # type: ignore[no-untyped-def]
    return _post(c, "/admin/roster/check", files={"file": ("roster.zip", data, "application/zip")}, **form)


def test_roster_dry_run_stores_nothing_then_import_applies_it(school: School, web: Clients) -> None:  # noqa: F811
    app, w = school
    c = _admin(web)
    data = roster_zip("pages", "Riverside Primary")
    r = _check(c, data)
    assert r.status_code == 200, _text(r.text)
    text = _text(r.text)
    assert "Nothing is stored yet" in text and "What the import would change" in text
    assert re.search(r"People 2 0 0 0", text), text
    assert "pages.student" not in _usernames(app, w.school)
    checked = re.search(r'name="checked" value="([0-9a-f]{64})"', r.text)
    carried = re.search(r'name="bundle" value="([^"]+)"', r.text)
    assert checked and carried and base64.b64decode(carried.group(1)) == data
    assert 'name="filename" value="roster.zip"' in r.text  # the chosen file's name goes on to the job
    r = _job(c, _post(c, "/admin/roster/import", checked=checked.group(1), bundle=carried.group(1),
                      filename="../riverside-2026.zip"))
    assert "Roster import: riverside-2026.zip" in _text(r.text) and 'data-status="succeeded"' in r.text
    # a term, a course, a class, two people and their two places; the school is the admin's own
    assert "The roster is imported: 7 changes stored" in _text(r.text), _text(r.text)
    assert re.search(r"Schools 0 0 0 1", _text(r.text)), _text(r.text)
    assert {"pages.student", "pages.teacher"} <= _usernames(app, w.school)
    # an import never reaches another school
    assert "pages.student" not in _usernames(app, w.other_school)


def test_roster_import_applies_only_the_checked_file(sqlite_school: School, sqlite_web: Clients) -> None:  # noqa: F811
    app, w = sqlite_school
    c = _admin(sqlite_web)
    data = roster_zip("pages", "Riverside Primary")
    other = base64.b64encode(roster_zip("sneaky", "Riverside Primary")).decode()
    r = _post(c, "/admin/roster/import", checked=hashlib.sha256(data).hexdigest(), bundle=other)
    assert r.status_code == 422
    assert "This is not the file that was checked" in _text(r.text)
    r = _post(c, "/admin/roster/import", checked="0" * 64, bundle="%%% not base64")
    assert r.status_code == 422 and "check the file again" in _text(r.text)
    assert not {"sneaky.student", "pages.student"} & _usernames(app, w.school)


def test_roster_upload_problems_are_said_plainly(sqlite_school: School, sqlite_web: Clients,  # noqa: F811
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    c = _admin(sqlite_web)
    r = _post(c, "/admin/roster/check")
    assert r.status_code == 422 and "choose a OneRoster bundle (.zip) to upload" in _text(r.text)
    r = _check(c, b"these are not zip bytes")
    assert r.status_code == 422 and "This is not a OneRoster bundle Pathwise can read" in _text(r.text)
    r = _check(c, b"")
    assert r.status_code == 422 and "the file is empty" in _text(r.text)
    monkeypatch.setattr(admin_pages, "PAGE_UPLOAD", 100)
    r = _check(c, roster_zip("pages", "Riverside Primary"))
    assert r.status_code == 422 and "larger than" in _text(r.text) and "command line" in _text(r.text)


def test_roster_errors_are_listed_by_file_row_and_field(sqlite_school: School, sqlite_web: Clients) -> None:  # noqa: F811
    app, w = sqlite_school
    c = _admin(sqlite_web)
    r = _check(c, ghost_enrolled(roster_zip("broken", "Riverside Primary")))
    assert r.status_code == 200
    text = _text(r.text)
    assert "as it is, nothing would be imported" in text
    assert re.search(r"enrollments\.csv 4 userSourcedId user 'usr-ghost' is not in the bundle", text), text
    checked = re.search(r'name="checked" value="([0-9a-f]{64})"', r.text)
    carried = re.search(r'name="bundle" value="([^"]+)"', r.text)
    assert checked and carried
    r = _job(c, _post(c, "/admin/roster/import", checked=checked.group(1), bundle=carried.group(1)))
    assert 'data-status="failed"' in r.text and "Nothing was imported" in _text(r.text)
    assert re.search(r"enrollments\.csv 4 userSourcedId user 'usr-ghost' is not in the bundle", _text(r.text))
    assert "broken.student" not in _usernames(app, w.school)
    r = _job(c, _post(c, "/admin/roster/import", checked=checked.group(1), bundle=carried.group(1), skip_bad="1"))
    assert "The roster is imported" in _text(r.text)
    assert "broken.student" in _usernames(app, w.school)


# -- accounts ---------------------------------------------------------------------------------------


def test_accounts_are_the_schools_own_and_searchable(sqlite_school: School, sqlite_web: Clients) -> None:  # noqa: F811
    _, w = sqlite_school
    c = _admin(sqlite_web)
    r = c.page("/admin/accounts")
    assert r.status_code == 200
    assert "Ana Lopez" in r.text and "Rosa Lopez" in r.text and "Zed Young" not in r.text
    r = c.page("/admin/accounts?q=lopez&role=guardian")
    text = _text(r.text)
    assert "Rosa Lopez" in text and "Ana Lopez" in text  # the guardian, with her child as linked
    assert "Ben Carter" not in text and "1 of 10 shown" in text
    assert c.page(f"/admin/accounts/{w.zed}").status_code == 404
    assert c.page("/admin/accounts/nobody-at-all").text == c.page(f"/admin/accounts/{w.zed}").text


def test_create_account_follows_the_password_rule(sqlite_school: School, sqlite_web: Clients) -> None:  # noqa: F811
    app, w = sqlite_school
    c = _admin(sqlite_web)
    r = _post(c, "/admin/accounts", role="guardian", display_name="Sam Okoye", username="sam.okoye",
              password="password1234")
    assert r.status_code == 422 and "most common passwords" in _text(r.text), _text(r.text)
    assert 'value="sam.okoye"' in r.text  # the form keeps what was typed (never the password)
    r = _post(c, "/admin/accounts", role="guardian", display_name="Sam Okoye", username="sam.okoye",
              password="sam.okoye-garden")
    assert r.status_code == 422 and "must not be or contain the username" in _text(r.text)
    assert "sam.okoye" not in _usernames(app, w.school)
    r = _post(c, "/admin/accounts", role="guardian", display_name="Sam Okoye", username="sam.okoye",
              password=NEW_PASSWORD)
    assert r.status_code == 303
    page = c.page(r.headers["location"])
    assert "The account was created." in page.text and "Sam Okoye" in page.text
    r = _post(c, "/admin/accounts", role="student", display_name="Other Sam", username="SAM.OKOYE",
              password=NEW_PASSWORD)
    assert r.status_code == 409 and "taken" in _text(r.text)
    r = _post(c, "/admin/accounts", role="pirate", display_name="X", username="x.y", password=NEW_PASSWORD)
    assert r.status_code == 422 and "choose what the person is" in _text(r.text)
    fresh = sqlite_web()
    assert fresh.login("sam.okoye", NEW_PASSWORD).status_code == 303


def test_reset_password_and_deactivate(sqlite_school: School, sqlite_web: Clients) -> None:  # noqa: F811
    _, w = sqlite_school
    c = _admin(sqlite_web)
    ben = sqlite_web()
    assert ben.login("ben").status_code == 303
    r = _post(c, f"/admin/accounts/{w.ben}/password", password="short")
    assert r.status_code == 422 and "at least 12 characters" in _text(r.text)
    r = _post(c, f"/admin/accounts/{w.ben}/password", password=NEW_PASSWORD)
    assert r.status_code == 303 and "sessions ended" in c.page(r.headers["location"]).text
    assert ben.page("/student").status_code == 303  # his open session ended
    assert sqlite_web().login("ben", PASSWORD).status_code == 401
    assert sqlite_web().login("ben", NEW_PASSWORD).status_code == 303
    r = _post(c, f"/admin/accounts/{w.ben}/active", active="0")
    assert r.status_code == 303 and "can no longer sign in" in c.page(r.headers["location"]).text
    assert sqlite_web().login("ben", NEW_PASSWORD).status_code == 401
    assert _post(c, f"/admin/accounts/{w.ben}/active", active="1").status_code == 303
    assert sqlite_web().login("ben", NEW_PASSWORD).status_code == 303
    r = _post(c, f"/admin/accounts/{w.admin}/active", active="0")
    assert r.status_code == 422 and "cannot deactivate your own account" in _text(r.text)
    for url, form in ((f"/admin/accounts/{w.zed}/password", {"password": NEW_PASSWORD}),
                      (f"/admin/accounts/{w.zed}/active", {"active": "0"})):
        assert _post(c, url, **form).status_code == 404
    assert sqlite_web().login("zed").status_code == 303  # Hillview's student untouched


def test_link_a_guardian_to_a_child_and_unlink(sqlite_school: School, sqlite_web: Clients) -> None:  # noqa: F811
    _, w = sqlite_school
    c = _admin(sqlite_web)
    page = c.page(f"/admin/accounts/{w.guardian_b}")
    assert "Link a child" in page.text and f'value="{w.ben}"' in page.text and f'value="{w.zed}"' not in page.text
    r = _post(c, f"/admin/accounts/{w.guardian_b}/links", other_id=w.ben)
    assert r.status_code == 303 and "Linked." in c.page(r.headers["location"]).text
    kim = sqlite_web()
    assert kim.login("kim").status_code == 303
    assert "Ben Carter" in kim.page("/guardian").text
    # from the child's side, the other way round
    r = _post(c, f"/admin/accounts/{w.ben}/links/remove", other_id=w.guardian_b)
    assert r.status_code == 303 and "The link was removed." in c.page(r.headers["location"]).text
    assert "Ben Carter" not in kim.page("/guardian").text
    # nobody of another school, and only a family account with a student
    r = _post(c, f"/admin/accounts/{w.guardian_b}/links", other_id=w.zed)
    assert r.status_code == 422 and "choose a student of this school" in _text(r.text)
    r = _post(c, f"/admin/accounts/{w.ana}/links", other_id=w.teacher)
    assert r.status_code == 422 and "choose a family account of this school" in _text(r.text)
    assert _post(c, f"/admin/accounts/{w.zed}/links", other_id=w.guardian_b).status_code == 404
    assert "Zed Young" not in kim.page("/guardian").text


# -- frameworks and items ---------------------------------------------------------------------------

STAMP = "2026-09-01T00:00:00Z"


def _case(doc: str, title: str, n: int = 2) -> bytes:
    return json.dumps({
        "CFDocument": {"identifier": doc, "uri": f"urn:{doc}", "title": title, "creator": "Riverside",
                       "lastChangeDateTime": STAMP},
        "CFItems": [{"identifier": f"{doc}-{i}", "uri": f"urn:{doc}:{i}", "fullStatement": f"Count to {10 * i}",
                     "humanCodingScheme": f"count.{i}", "lastChangeDateTime": STAMP} for i in range(1, n + 1)],
        "CFAssociations": [],
    }).encode()


ITEMS = b"""items:
  - id: page.count.1
    skills: [count.1]
    type: numeric
    prompt: "What comes after 9?"
    answer: "10"
"""


def test_import_a_framework_and_items_and_see_them(sqlite_school: School, sqlite_web: Clients) -> None:  # noqa: F811
    c = _admin(sqlite_web)
    r = _post(c, "/admin/frameworks/import", files={"file": ("count.json", _case("doc-count", "Counting"), "application/json")})
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/job_"), _text(r.text)
    done = c.page(r.headers["location"])  # a background job, run at once by the tests' queue
    text = _text(done.text)
    assert 'data-status="succeeded"' in done.text, text
    assert "Framework import (CASE): count.json" in text and re.search(r"Skills\s+2\s+Units\s+0", text), text
    fw_page = c.page("/admin/frameworks")
    fid = re.search(r'href="/admin/frameworks/([^"]+)" title="[^"]*">Counting<', fw_page.text)
    assert fid, fw_page.text
    r = _post(c, "/admin/items/import", files={"file": ("count.yaml", ITEMS, "application/yaml")}, dry_run="1")
    assert r.status_code == 200 and "Checked, nothing stored: it would add 1 new" in _text(r.text)
    with sqlite_school[0].uow() as uow:
        assert uow.items.get("page.count.1") is None  # the check stored nothing
    r = _post(c, "/admin/items/import", files={"file": ("count.yaml", ITEMS, "application/yaml")})
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/job_"), _text(r.text)
    done = _text(c.page(r.headers["location"]).text)
    assert re.search(r"Added\s+1\s+Changed\s+0\s+Unchanged\s+0", done), done
    again = _post(c, "/admin/items/import", files={"file": ("count.yaml", ITEMS, "application/yaml")})
    done = _text(c.page(again.headers["location"]).text)  # the same file again stores nothing twice
    assert re.search(r"Added\s+0\s+Changed\s+0\s+Unchanged\s+1", done), done
    listing = _text(c.page("/admin/frameworks").text)
    assert re.search(r"Counting 2 0 1 your school", listing), listing
    detail = c.page(f"/admin/frameworks/{fid.group(1)}")
    assert detail.status_code == 200
    assert "What comes after 9?" in detail.text and "No questions on this skill yet." in detail.text
    assert c.page("/admin/frameworks/no-such-framework").status_code == 404


def test_framework_and_items_problems_are_reported(sqlite_school: School, sqlite_web: Clients) -> None:  # noqa: F811
    c = _admin(sqlite_web)
    r = _post(c, "/admin/frameworks/import", files={"file": ("bad.json", b"{not json", "application/json")})
    assert r.status_code == 422 and "not a usable CASE package" in _text(r.text)
    bad = ITEMS.replace(b"count.1", b"no.such.skill")
    r = _post(c, "/admin/items/import", files={"file": ("bad.yaml", bad, "application/yaml")})
    assert r.status_code == 422
    assert "Nothing was stored" in _text(r.text) and "unknown skill(s) no.such.skill" in _text(r.text)
    r = _post(c, "/admin/items/import", files={"file": ("notes.txt", b"hello", "text/plain")})
    assert r.status_code == 422 and "unknown file type" in _text(r.text)


def test_another_schools_framework_is_not_shown(sqlite_school: School, sqlite_web: Clients) -> None:  # noqa: F811
    hill = _admin(sqlite_web, "hilladmin")
    r = _post(hill, "/admin/frameworks/import", files={"file": ("h.json", _case("doc-hill", "Hill counting"), "application/json")})
    assert r.status_code == 303
    job_url = r.headers["location"]
    assert 'data-status="succeeded"' in hill.page(job_url).text
    fid = re.search(r'href="/admin/frameworks/([^"]+)" title="[^"]*">Hill counting<', hill.page("/admin/frameworks").text)
    assert fid
    c = _admin(sqlite_web)
    assert "Hill counting" not in c.page("/admin/frameworks").text
    assert c.page(job_url).status_code == 404  # another school's job is not there to see
    assert c.page(f"/admin/frameworks/{fid.group(1)}").text == c.page("/admin/frameworks/zz-missing").text


# -- privacy requests and the audit trail ----------------------------------------------------------


def test_export_and_delete_a_learner_with_confirmation(school: School, web: Clients) -> None:  # noqa: F811
    app, w = school
    c = _admin(web)
    assert "Ben Carter" in c.page("/admin/privacy?q=ben").text
    r = c.get(f"/admin/learners/{w.ben}/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.json()["learner"]["display_name"] == "Ben Carter" and r.json()["evidence"]
    r = _post(c, f"/admin/learners/{w.ben}/delete", confirm="Ben")
    assert r.status_code == 422 and "type the learner's name exactly: Ben Carter" in _text(r.text)
    with app.uow() as uow:
        assert uow.users.get(w.ben) is not None
    r = _post(c, f"/admin/learners/{w.ben}/delete", confirm="  ben   carter ")
    assert r.status_code == 200, _text(r.text)
    text = _text(r.text)
    assert "Ben Carter's record is deleted" in text and "Deletion report" in text and "evidence 6" in text
    with app.uow() as uow:
        assert uow.users.get(w.ben) is None
        assert uow.privacy.mentions(w.ben) == {}
    assert _post(c, f"/admin/learners/{w.zed}/delete", confirm="Zed Young").status_code == 404
    assert c.get(f"/admin/learners/{w.zed}/export").status_code == 404
    with app.uow() as uow:
        assert uow.users.get(w.zed) is not None


def test_audit_trail_names_who_did_what_and_pages(sqlite_school: School, sqlite_web: Clients,  # noqa: F811
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from pathwise.services import school_admin

    _, w = sqlite_school
    teacher = sqlite_web()
    assert teacher.login("rivera").status_code == 303
    assert teacher.page(f"/learners/{w.ana}").status_code == 200
    c = _admin(sqlite_web)
    r = c.page(f"/admin/learners/{w.ana}/audit")
    assert r.status_code == 200
    text = _text(r.text)
    assert "Maria Rivera (teacher) opened the learner's page pages" in text, text
    assert "Older" not in text
    monkeypatch.setattr(school_admin, "AUDIT_PAGE", 2)
    first = c.page(f"/admin/learners/{w.ana}/audit")
    assert 'id="audit-older"' in first.text
    second = c.page(f"/admin/learners/{w.ana}/audit?page=2")
    assert "Newer" in second.text and second.text != first.text
    assert c.page(f"/admin/learners/{w.zed}/audit").status_code == 404
    assert c.page(f"/admin/learners/{w.ana}/audit?page=0").status_code == 422


def test_only_the_admin_reaches_these_pages(sqlite_school: School, sqlite_web: Clients) -> None:  # noqa: F811
    _, w = sqlite_school
    for who in ("ana", "rivera", "lopez"):
        c = sqlite_web()
        assert c.login(who).status_code == 303
        for url in ("/admin/roster", "/admin/accounts", f"/admin/accounts/{w.ana}", "/admin/frameworks",
                    "/admin/privacy", f"/admin/learners/{w.ana}/audit"):
            assert c.page(url).status_code == 404, (who, url)
    nav = _admin(sqlite_web).page("/admin").text
    for link in ("/admin/accounts", "/admin/roster", "/admin/frameworks", "/admin/privacy"):
        assert f'href="{link}"' in nav


def test_the_shared_sample_bundle_checks_with_its_problems(sqlite_school: School, sqlite_web: Clients,  # noqa: F811
                                                           shared_data: Path) -> None:
    """The real OneRoster 1.2 sample carries deliberately bad values: the dry run lists them."""
    c = _admin(sqlite_web)
    r = _check(c, (shared_data / "oneroster" / "v1p2_full_dataset.zip").read_bytes())
    assert r.status_code == 200
    text = _text(r.text)
    assert "nothing would be imported" in text and re.search(r"\w+\.csv \d+ \w+", text)


def test_a_large_roster_is_chosen_again_for_the_import(sqlite_school: School, sqlite_web: Clients,  # noqa: F811
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    app, w = sqlite_school
    monkeypatch.setattr(admin_pages, "CARRY_BACK", 10)
    c = _admin(sqlite_web)
    data = roster_zip("large", "Riverside Primary")
    r = _check(c, data)
    assert r.status_code == 200 and "Choose the same file again" in r.text and 'name="bundle"' not in r.text
    checked = re.search(r'name="checked" value="([0-9a-f]{64})"', r.text)
    assert checked
    other = roster_zip("other", "Riverside Primary")
    r = _post(c, "/admin/roster/import", files={"file": ("r.zip", other, "application/zip")}, checked=checked.group(1))
    assert r.status_code == 422 and "not the file that was checked" in _text(r.text)
    r = _job(c, _post(c, "/admin/roster/import", files={"file": ("r.zip", data, "application/zip")},
                      checked=checked.group(1)))
    assert "The roster is imported" in _text(r.text)
    assert "large.student" in _usernames(app, w.school) and "other.student" not in _usernames(app, w.school)
