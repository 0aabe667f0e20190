"""The weekly digest on SQLite and PostgreSQL: one e-mail per guardian with an address (a text and
an HTML part) on each linked child's week, with the unread conversations and a link to the
child's page; sent once per guardian and week (a second run sends nothing), a dry run sends and
records nothing; through the outbox folder, through a real SMTP server (aiosmtpd, started here),
and through the command ``pathwise digest send``."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from pathwise.domain.messages import IsoWeek
from pathwise.domain.people import Role
from pathwise.services import digest, messages
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import Forbidden, Invalid
from pathwise.services.mail import MemorySender, OutboxSender, SmtpSender
from pathwise.store import tables as t
from pathwise.store import tables_messages as tm
from tests.cli_runner import run_cli
from tests.security.web_client import school, sqlite_school  # noqa: F401
from tests.security.web_school import WebSchool

W = WebSchool()
SYSTEM = Actor.system("test")
WEEK = IsoWeek(2026, 36)  # the week of build_school's evidence (from Tuesday 1 September 2026)
URL = "https://pathwise.example"


def _with_address(system: App, user_id: str = W.guardian, address: str = "rosa@example.org") -> None:
    with transaction(system) as uow:
        uow.session.execute(update(t.UserRow).where(t.UserRow.id == user_id).values(email=address))


def _send_all(system: App, sender: Any, week: IsoWeek = WEEK, dry_run: bool = False) -> dict[str, str]:
    with transaction(system) as uow:
        who = digest.recipients(uow, SYSTEM)
    done = {}
    for r in who:
        with transaction(system) as uow:
            done[r.guardian_id] = digest.send(uow, SYSTEM, r, week, sender, public_url=URL,
                                              from_address="Pathwise <school@example.org>", dry_run=dry_run).status
    return done


def _parts(raw: bytes | EmailMessage) -> tuple[EmailMessage, str, str]:
    msg = raw if isinstance(raw, EmailMessage) else email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg.get_content_type() == "multipart/alternative"
    kinds = [p.get_content_type() for p in msg.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return msg, text, html


def test_one_digest_per_guardian_and_week_through_the_outbox(school: tuple[App, WebSchool],  # noqa: F811
                                                              tmp_path: Path) -> None:
    system, _ = school
    tmp_path = tmp_path / "outbox"
    _with_address(system)
    with transaction(system) as uow:  # a conversation with a teacher's reply Rosa has not read
        tid = messages.start_thread(uow, Actor(W.guardian, Role.GUARDIAN, W.school), W.ana, "Hi", "Hello")
        messages.reply(uow, Actor(W.teacher, Role.TEACHER, W.school), tid, "Hello back")
    assert _send_all(system, OutboxSender(tmp_path), dry_run=True) == {W.guardian: "would send",
                                                                       W.guardian_b: "no address"}
    assert not tmp_path.exists()
    assert _send_all(system, OutboxSender(tmp_path)) == {W.guardian: "sent", W.guardian_b: "no address"}
    (eml,) = tmp_path.glob("*.eml")
    msg, text, html = _parts(eml.read_bytes())
    assert msg["To"] == "rosa@example.org" and msg["From"] == "Pathwise <school@example.org>"
    assert msg["Subject"] == "This week at school: Ana (31 August to 6 September 2026)"
    assert "Hello Rosa Lopez," in text and "Ana Lopez" in text
    assert f"{URL}/guardian/children/{W.ana}" in text and f'href="{URL}/guardian/children/{W.ana}"' in html
    assert "1 conversation with the teachers has a message you have not read." in text
    assert "Equivalent fractions" in text and "Equivalent fractions" in html
    # again: nothing more is sent; Kim gets one once the school adds an address
    assert _send_all(system, OutboxSender(tmp_path)) == {W.guardian: "already sent", W.guardian_b: "no address"}
    assert len(list(tmp_path.glob("*.eml"))) == 1
    _with_address(system, W.guardian_b, "min@example.org")
    assert _send_all(system, OutboxSender(tmp_path))[W.guardian_b] == "sent"
    assert len(list(tmp_path.glob("*.eml"))) == 2
    with transaction(system) as uow:
        assert uow.session.scalar(select(func.count()).select_from(tm.DigestSentRow)) == 2
    # another week is another digest; a quiet week says so
    memory = MemorySender()
    assert _send_all(system, memory, IsoWeek(2026, 40))[W.guardian] == "sent"
    (rosa,) = [m for m in memory.sent if m["To"] == "rosa@example.org"]
    _, quiet, _ = _parts(rosa)
    assert "No new skill mastered this week." in quiet and "Ana did no practice this week" in quiet


class _Failing:
    def send(self, message: EmailMessage) -> None:
        raise ConnectionRefusedError("no mail server")


def test_a_failed_hand_over_records_nothing(sqlite_school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, _ = sqlite_school
    _with_address(system)
    with pytest.raises(ConnectionRefusedError):
        _send_all(system, _Failing())
    with transaction(system) as uow:
        assert not uow.messages.digest_sent(W.guardian, str(WEEK))
    assert _send_all(system, MemorySender())[W.guardian] == "sent"


def test_only_the_system_sends_and_weeks_are_checked(sqlite_school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, _ = sqlite_school
    for who in (Actor(W.admin, Role.ADMIN, W.school), Actor(W.guardian, Role.GUARDIAN, W.school)):
        with transaction(system) as uow, pytest.raises(Forbidden):
            digest.recipients(uow, who)
    for bad in ("2026-49", "2026-W54", "week 3", "2025-W53"):
        with pytest.raises(Invalid) as refused:
            digest.parse_week(bad)
        assert refused.value.field == "week"
    assert digest.parse_week("2026-W53") == IsoWeek(2026, 53)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_smtp_sender_delivers_both_parts(sqlite_school: tuple[App, WebSchool]) -> None:  # noqa: F811
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self) -> None:
            self.received: list[tuple[str, list[str], bytes]] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
            return "250 Message accepted for delivery"

    system, _ = sqlite_school
    _with_address(system)
    handler = Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        done = _send_all(system, SmtpSender("127.0.0.1", port, starttls=False, timeout=10))
    finally:
        controller.stop()
    assert done[W.guardian] == "sent"
    (mail_from, to, raw) = handler.received[0]
    assert len(handler.received) == 1 and mail_from == "school@example.org" and to == ["rosa@example.org"]
    _, text, html = _parts(raw)
    assert "Ana Lopez" in text and "<h2>Ana Lopez</h2>" in html


def test_the_command_sends_once(sqlite_school: tuple[App, WebSchool], tmp_path: Path,  # noqa: F811
                                monkeypatch: pytest.MonkeyPatch) -> None:
    system, _ = sqlite_school
    _with_address(system)
    monkeypatch.setenv("PATHWISE_MAIL_OUTBOX", str(tmp_path / "outbox"))
    dry = run_cli(system, monkeypatch, ["digest", "send", "--week", "2026-W36", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would send: 1" in dry.output and not (tmp_path / "outbox").exists()
    first = run_cli(system, monkeypatch, ["digest", "send", "--week", "2026-W36"])
    assert first.exit_code == 0, first.output
    assert "sent: 1" in first.output and "no address: 1" in first.output
    again = run_cli(system, monkeypatch, ["digest", "send", "--week", "2026-W36"])
    assert again.exit_code == 0 and "already sent: 1" in again.output
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    bad = run_cli(system, monkeypatch, ["digest", "send", "--week", "W36"])
    assert bad.exit_code == 1 and "not a week" in bad.output


def test_the_weekly_digest_runs_as_a_job_once_per_guardian_and_week(school: tuple[App, WebSchool],  # noqa: F811
                                                                      tmp_path: Path) -> None:
    from datetime import datetime

    from pathwise.services import jobs
    from pathwise.services.queue import nightly_kinds

    system, _ = school
    outbox = tmp_path / "outbox"
    system.settings = system.settings.model_copy(update={"mail_outbox": outbox, "smtp_host": None})
    _with_address(system)
    with transaction(system) as uow:
        first = jobs.submit(uow, SYSTEM, "digest", params={"week": str(WEEK)})
    assert jobs.run(system, first.id) == "succeeded"
    with transaction(system) as uow:
        done = jobs.get(uow, SYSTEM, first.id)
    assert done.result["counts"] == {"sent": 1, "no address": 1} and done.result["week"] == "2026-W36"
    assert done.percent == 100 and len(list(outbox.glob("*.eml"))) == 1
    with transaction(system) as uow:
        again = jobs.submit(uow, SYSTEM, "digest", params={"week": str(WEEK)})
    assert jobs.run(system, again.id) == "succeeded"
    with transaction(system) as uow:
        assert jobs.get(uow, SYSTEM, again.id).result["counts"] == {"already sent": 1, "no address": 1}
    assert len(list(outbox.glob("*.eml"))) == 1
    with transaction(system) as uow, pytest.raises(Forbidden):  # a school's admin cannot mail every family
        jobs.submit(uow, Actor(W.admin, Role.ADMIN, W.school), "digest")
    # the schedule: the clean-up every night, the digest on the night into Saturday only
    nights = {datetime(2026, 12, d, 3, 17): nightly_kinds(datetime(2026, 12, d, 3, 17)) for d in range(7, 14)}
    assert [k for k in nights.values() if "digest" in k] == [("clean-up", "digest")]
    assert [d.weekday() for d, k in nights.items() if "digest" in k] == [5]
    assert all("clean-up" in k for k in nights.values())
