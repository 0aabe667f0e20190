"""Messages between guardians and teachers on SQLite and PostgreSQL: a conversation started by a
guardian reaches the teachers of the child's class as unread, a reply reaches the guardian, the
counts move as people open conversations, the text is kept as written (and shown escaped, line
breaks kept), bad input is refused naming the field, and everyone else gets the uniform 404.
The property: a person's unread count is the number of conversations holding a message by
someone else after the person last opened it, whatever the order of writing and reading."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pathwise.domain.messages import MAX_BODY
from pathwise.domain.people import GuardianLink, Role, User
from pathwise.services import messages
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import Invalid, NotFound
from pathwise.store import tables as t
from pathwise.store import tables_messages as tm
from tests.integration.factories import statements
from tests.security.web_client import WebClient, school, sqlite_school, web  # noqa: F401
from tests.security.web_school import WebSchool

W = WebSchool()


def actor(user_id: str, role: Role, school_id: str = W.school) -> Actor:
    return Actor(user_id, role, school_id)


LOPEZ = actor(W.guardian, Role.GUARDIAN)
KIM = actor(W.guardian_b, Role.GUARDIAN)
RIVERA = actor(W.teacher, Role.TEACHER)
OKAFOR = actor(W.teacher_b, Role.TEACHER)
ADMIN = actor(W.admin, Role.ADMIN)
ANA = actor(W.ana, Role.STUDENT)
HILL = actor(W.other_admin, Role.ADMIN, W.other_school)


def _start(system: App, who: Actor = LOPEZ, learner: str = W.ana, subject: str = "Reading at home",
           body: str = "How can we help with fractions?") -> str:
    with transaction(system) as uow:
        return messages.start_thread(uow, who, learner, subject, body)


def _unread(system: App, who: Actor) -> int:
    with transaction(system) as uow:
        return messages.unread_total(uow, who)


def _open(system: App, who: Actor, thread_id: str) -> messages.ThreadView:
    with transaction(system) as uow:
        return messages.open_thread(uow, who, thread_id)


def _reply(system: App, who: Actor, thread_id: str, body: str) -> int:
    with transaction(system) as uow:
        return messages.reply(uow, who, thread_id, body)


def test_a_conversation_and_its_unread_counts(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, _ = school
    assert _unread(system, LOPEZ) == _unread(system, RIVERA) == 0
    tid = _start(system, body="  Hello,\r\nAna finds halves hard.\n\nAny tips?  \n")
    assert _unread(system, RIVERA) == 1 and _unread(system, LOPEZ) == 0  # one's own message is not unread
    assert _unread(system, OKAFOR) == 0  # he does not teach Ana
    with transaction(system) as uow:
        (listed,) = messages.inbox(uow, RIVERA)
    assert (listed.id, listed.unread, listed.learner_name, listed.guardian_name) == (tid, True, "Ana Lopez",
                                                                                     "Rosa Lopez")
    view = _open(system, RIVERA, tid)
    assert view.unread_before and [m.body for m in view.messages] == ["Hello,\nAna finds halves hard.\n\nAny tips?"]
    assert view.messages[0].lines == ("Hello,", "Ana finds halves hard.", "", "Any tips?")
    assert _unread(system, RIVERA) == 0
    _reply(system, RIVERA, tid, "Try halving a recipe together.")
    assert _unread(system, LOPEZ) == 1 and _unread(system, RIVERA) == 0
    view = _open(system, LOPEZ, tid)
    assert [(m.author_name, m.author_role) for m in view.messages] == [("Rosa Lopez", "guardian"),
                                                                       ("Maria Rivera", "teacher")]
    assert _unread(system, LOPEZ) == 0
    # a second conversation: unread ones come first in the teacher's list
    tid2 = _start(system, subject="Homework")
    with transaction(system) as uow:
        assert [th.id for th in messages.inbox(uow, RIVERA)] == [tid2, tid]
        assert [th.id for th in messages.child_threads(uow, LOPEZ, W.ana).threads] == [tid2, tid]
    with transaction(system) as uow:  # opening and writing are audited
        audit = list(uow.session.execute(select(t.AuditRow.action).where(t.AuditRow.learner_id == W.ana)).scalars())
    assert "messages:start" in audit and "messages:reply" in audit and "read:messages" in audit


def test_everyone_else_finds_nothing(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, _ = school
    tid = _start(system)
    with transaction(system) as uow:
        missing = str(pytest.raises(NotFound, messages.open_thread, uow, RIVERA, "no-such-thread").value)
    assert missing == "no conversation no-such-thread"
    for who in (OKAFOR, KIM, ADMIN, ANA, HILL, actor(W.zed, Role.STUDENT, W.other_school)):
        with transaction(system) as uow:
            for call in (lambda u: messages.open_thread(u, who, tid), lambda u: messages.reply(u, who, tid, "Hi")):
                with pytest.raises(NotFound) as refused:
                    call(uow)
                assert str(refused.value) == f"no conversation {tid}", who
            assert messages.unread_total(uow, who) == 0
    for who, learner in ((KIM, W.ana), (LOPEZ, W.dan), (LOPEZ, W.zed), (RIVERA, W.ana), (ADMIN, W.ana)):
        with transaction(system) as uow, pytest.raises(NotFound):
            messages.start_thread(uow, who, learner, "Hi", "Hello")
    # another guardian of the same child has their own conversations, and does not see Rosa's
    with transaction(system) as uow:
        uow.users.add(User("u-papa", W.school, "papa", "Luis Lopez", Role.GUARDIAN))
        uow.flush()
        uow.guardians.link(GuardianLink("u-papa", W.ana))
    papa = actor("u-papa", Role.GUARDIAN)
    with transaction(system) as uow:
        assert messages.child_threads(uow, papa, W.ana).threads == ()
        with pytest.raises(NotFound):
            messages.open_thread(uow, papa, tid)
    own = _start(system, who=papa, subject="From dad")
    with transaction(system) as uow:
        assert [th.id for th in messages.inbox(uow, LOPEZ)] == [tid]
        assert {th.id for th in messages.inbox(uow, RIVERA)} == {tid, own}  # the teacher sees both
    # a guardian no longer linked to the child loses the conversation
    with transaction(system) as uow:
        uow.session.execute(t.GuardianLinkRow.__table__.delete().where(t.GuardianLinkRow.guardian_id == W.guardian))
    with transaction(system) as uow:
        assert messages.inbox(uow, LOPEZ) == []
        with pytest.raises(NotFound):
            messages.open_thread(uow, LOPEZ, tid)


def _counts(system: App) -> tuple[int, int]:
    with transaction(system) as uow:
        return (int(uow.session.scalar(select(func.count()).select_from(tm.MessageThreadRow)) or 0),
                int(uow.session.scalar(select(func.count()).select_from(tm.MessageRow)) or 0))


def test_bad_input_names_the_field_and_changes_nothing(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, _ = school
    tid = _start(system)
    before = _counts(system)
    cases = [("subject", "   ", "Hello"), ("body", "Hi", " \n \r\n "), ("body", "Hi", "x" * (MAX_BODY + 1)),
             ("subject", "s" * 121, "Hello")]
    for field, subject, body in cases:
        with transaction(system) as uow, pytest.raises(Invalid) as bad:
            messages.start_thread(uow, LOPEZ, W.ana, subject, body)
        assert bad.value.field == field
    with transaction(system) as uow, pytest.raises(Invalid) as bad:
        messages.reply(uow, RIVERA, tid, "")
    assert bad.value.field == "body" and "empty" in str(bad.value)
    assert _counts(system) == before


def test_pages_guardian_writes_teacher_replies(school: tuple[App, WebSchool],  # noqa: F811
                                               web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, _ = school
    parent, teacher = web(), web()
    assert parent.login("lopez").status_code == 303 and teacher.login("rivera").status_code == 303
    page = parent.page(f"/guardian/children/{W.ana}/messages")
    assert page.status_code == 200 and "Messages about Ana Lopez" in page.text
    r = parent.post(f"/guardian/children/{W.ana}/messages", data={
        "csrf_token": parent.csrf, "subject": "Fractions <b>help</b>", "body": "Line one\nLine <script>two</script>"},
        headers={"accept": "text/html"})
    assert r.status_code == 303, r.text
    shown = parent.page(r.headers["location"])
    assert "Message sent." in shown.text
    assert "Line one<br>Line &lt;script&gt;two&lt;/script&gt;" in shown.text and "<script>two" not in shown.text
    home = teacher.page("/teacher")
    assert "Messages (1 unread)" in home.text
    inbox = teacher.page("/teacher/messages")
    assert "1 conversation has a new message." in inbox.text and "Fractions &lt;b&gt;help&lt;/b&gt;" in inbox.text
    tid = inbox.text.split('href="/teacher/messages/')[1].split('"')[0]
    opened = teacher.page(f"/teacher/messages/{tid}")
    assert opened.status_code == 200 and "Messages (1 unread)" not in opened.text  # read as it opens
    bad = teacher.post(f"/teacher/messages/{tid}", data={"csrf_token": teacher.csrf, "body": "  "},
                       headers={"accept": "text/html"})
    assert bad.status_code == 422 and "the message is empty" in bad.text
    ok = teacher.post(f"/teacher/messages/{tid}", data={"csrf_token": teacher.csrf, "body": "Try a recipe."},
                      headers={"accept": "text/html"})
    assert ok.status_code == 303
    assert "Messages (1 unread)" in parent.page("/guardian").text
    listing = parent.page("/guardian/messages")
    assert "New" in listing.text and "Write to Ana Lopez's teachers" in listing.text
    thread = parent.page(f"/guardian/children/{W.ana}/messages?thread={tid}")
    assert "Try a recipe." in thread.text and "Maria Rivera" in thread.text
    assert "Messages (1 unread)" not in parent.page("/guardian").text
    empty = parent.post(f"/guardian/children/{W.ana}/messages", data={
        "csrf_token": parent.csrf, "subject": "", "body": "Hello"}, headers={"accept": "text/html"})
    assert empty.status_code == 422 and "give the conversation a subject" in empty.text
    assert _counts(system)[0] == 1


def test_pages_answer_404_to_everyone_else(school: tuple[App, WebSchool],  # noqa: F811
                                           web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, _ = school
    tid = _start(system)
    okafor, kim, admin = web(), web(), web()
    for c, name in ((okafor, "okafor"), (kim, "kim"), (admin, "admin")):
        assert c.login(name).status_code == 303
    missing = okafor.page("/teacher/messages/nothing-here")
    assert missing.status_code == 404
    refused = okafor.page(f"/teacher/messages/{tid}")
    assert refused.status_code == 404 and refused.text == missing.text
    assert okafor.post(f"/teacher/messages/{tid}", data={"csrf_token": okafor.csrf, "body": "Hi"},
                       headers={"accept": "text/html"}).status_code == 404
    assert kim.page(f"/guardian/children/{W.ana}/messages").status_code == 404
    assert kim.page(f"/guardian/children/{W.dan}/messages?thread={tid}").status_code == 404  # not about Dan
    assert kim.page(f"/guardian/children/{W.zed}/messages").status_code == 404
    assert admin.page("/teacher/messages").status_code == 404 and admin.page("/guardian/messages").status_code == 404
    assert _counts(system) == (1, 1)


def test_a_privacy_request_lists_and_deletes_the_childs_conversations(
        school: tuple[App, WebSchool]) -> None:  # noqa: F811
    from pathwise.services import privacy

    system, _ = school
    tid = _start(system, subject="Reading at home")
    _reply(system, RIVERA, tid, "Gladly")
    _open(system, LOPEZ, tid)
    with transaction(system) as uow:
        exported = privacy.export_learner(uow, ADMIN, W.ana)
    assert [r["subject"] for r in exported["records"]["message_threads"]] == ["Reading at home"]
    with transaction(system) as uow:
        privacy.delete_learner(uow, ADMIN, W.ana)
    assert _counts(system) == (0, 0)
    with transaction(system) as uow:
        assert uow.session.scalar(select(func.count()).select_from(tm.MessageReadRow)) == 0
        assert messages.inbox(uow, RIVERA) == [] and messages.unread_total(uow, LOPEZ) == 0


def test_the_unread_count_is_one_statement_however_many_threads(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, _ = school
    for who, n in ((LOPEZ, 0), (RIVERA, 0)):
        with statements(system) as seen, system.uow() as uow:
            assert messages.unread_total(uow, who) == n
        assert len(seen) == 1, seen
    for i in range(6):
        _start(system, subject=f"Thread {i}")
    for who, n in ((LOPEZ, 0), (RIVERA, 6)):
        with statements(system) as seen, system.uow() as uow:
            assert messages.unread_total(uow, who) == n
        assert len(seen) == 1, seen


# -- the property -------------------------------------------------------------------------------------

PEOPLE = {"lopez": LOPEZ, "rivera": RIVERA}
step = st.tuples(st.sampled_from(["write", "open"]), st.sampled_from(sorted(PEOPLE)), st.integers(0, 2))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_unread_count_is_threads_with_a_newer_message_by_someone_else(
        sqlite_school: tuple[App, WebSchool], steps: list[tuple[str, str, int]]) -> None:  # noqa: F811
    system, _ = sqlite_school
    with transaction(system) as uow:  # each example starts from no conversation
        uow.session.execute(tm.MessageThreadRow.__table__.delete())
    threads: list[str] = []
    clock = 0
    wrote: dict[str, list[tuple[int, str]]] = {}  # thread -> (time, author)
    opened: dict[tuple[str, str], int] = {}  # (thread, person) -> time last opened
    for what, who, n in steps:
        clock += 1
        if what == "write":
            if n >= len(threads) or who == "rivera" and not threads:
                if who != "lopez":
                    continue  # teachers reply; only a guardian starts a conversation
                threads.append(_start(system, subject=f"Thread {len(threads)}", body="Hello"))
                tid = threads[-1]
                opened[(tid, who)] = clock  # the writer has seen what they wrote
            else:
                tid = threads[n]
                _reply(system, PEOPLE[who], tid, f"Message {clock}")
                opened[(tid, who)] = clock
            wrote.setdefault(tid, []).append((clock, who))
        elif threads:
            tid = threads[n % len(threads)]
            _open(system, PEOPLE[who], tid)
            opened[(tid, who)] = clock
        for person, a in PEOPLE.items():
            expected = sum(1 for tid in threads if any(
                author != person and at > opened.get((tid, person), 0) for at, author in wrote.get(tid, [])))
            assert _unread(system, a) == expected, (person, steps)
