"""The weekly digest: one e-mail per guardian (a text part and an HTML part) on each linked
child's week: the skills mastered that week, the skills being worked on, the conversations
with unread messages, and a link to the child's page.

Sent once per guardian per ISO week: a sent digest is recorded (``digests_sent``, one row per
guardian and week) in the same transaction that hands it to the sender, before the hand-over,
so a failed hand-over records nothing and a run again sends only what was not sent. A guardian
with no e-mail address or no linked child gets nothing (and nothing is recorded: once the
school adds an address, the next run sends it).

Only the system (the ``pathwise digest send`` command) sends digests (``require_role`` with no
role); each child's week is read through ``services.family.family_view`` (the access policy
inside it audits the read). The week covers the ISO week's Monday to Sunday in the school's time
zone; a week not over yet covers the seven days up to now. One guardian a call: the command
opens one transaction per guardian, so one failure stops nothing else.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from email.message import EmailMessage
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pathwise.domain.clock import utcnow
from pathwise.domain.errors import ValidationError
from pathwise.domain.messages import IsoWeek
from pathwise.services import family
from pathwise.services.access import Actor, require_role
from pathwise.services.errors import Invalid
from pathwise.services.mail import Sender, compose, describe, sender_from
from pathwise.services.school_admin import school_time_zone
from pathwise.store.uow import UnitOfWork

if TYPE_CHECKING:
    from pathwise.services.context import App

MAX_LISTED = 5  # skills named per list; more are counted


@dataclass(frozen=True, slots=True)
class ChildWeek:
    learner_id: str
    name: str
    learned: tuple[str, ...]  # titles of the skills mastered in the week
    worked_on: tuple[str, ...]  # titles of the skills practised in the week, not mastered yet
    unread: int  # the guardian's conversations about this child with unread messages
    link: str  # the child's page


@dataclass(frozen=True, slots=True)
class Digest:
    guardian_id: str
    guardian_name: str
    to: str | None
    week: IsoWeek
    children: tuple[ChildWeek, ...]
    subject: str
    text: str
    html: str

    def message(self, sender: str) -> EmailMessage:
        return compose(to=self.to or "", sender=sender, subject=self.subject, text=self.text, html=self.html)


@dataclass(frozen=True, slots=True)
class Outcome:
    guardian_id: str
    status: str  # "sent" | "already sent" | "no address" | "no children" | "would send"
    digest: Digest | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    guardian_id: str
    school_id: str
    name: str
    email: str | None


def parse_week(text: str | None, today: date | None = None) -> IsoWeek:
    """The week named ``YYYY-Www``, or (None) the current ISO week; a bad name is ``Invalid``
    naming the field ``week``."""
    if not text:
        return IsoWeek.of(today or utcnow().date())
    try:
        return IsoWeek.parse(text)
    except ValidationError as exc:
        raise Invalid(exc.message, exc.field) from None


def recipients(uow: UnitOfWork, actor: Actor, school_id: str | None = None) -> list[Recipient]:
    """Every active guardian with a linked child (in one school, or all)."""
    require_role(actor)
    return [Recipient(*g) for g in uow.messages.guardians(school_id)]


def _week_end(week: IsoWeek, tz: ZoneInfo, now: datetime) -> datetime:
    end = datetime.combine(week.sunday, time(23, 59, 59), tzinfo=tz)
    return min(end, now)


def child_week(uow: UnitOfWork, actor: Actor, learner_id: str, week: IsoWeek, *, unread: int, public_url: str,
               now: datetime | None = None) -> ChildWeek:
    """One child's week, read through the family view (its rules for "mastered this week" and
    "worked on"), ending on the week's Sunday in the school's time zone (or now)."""
    learner = uow.users.get(learner_id)
    tz = ZoneInfo(school_time_zone(uow, learner.school_id if learner else None))
    view = family.family_view(uow, actor, learner_id, now=_week_end(week, tz, now or utcnow()))
    return ChildWeek(view.learner.id, view.learner.display_name, tuple(s.title for s in view.learned),
                     tuple(s.title for s in view.worked_on), unread,
                     f"{public_url.rstrip('/')}/guardian/children/{view.learner.id}")


def build(uow: UnitOfWork, actor: Actor, recipient: Recipient, week: IsoWeek, *, public_url: str,
          now: datetime | None = None) -> Digest:
    """The digest of one guardian for one week (nothing sent, nothing recorded)."""
    require_role(actor)
    unread = uow.messages.unread_by_learner(recipient.guardian_id)
    children = tuple(child_week(uow, actor, c.id, week, unread=unread.get(c.id, 0), public_url=public_url, now=now)
                     for c in uow.guardians.children_of(recipient.guardian_id))
    subject = f"This week at school: {_names([c.name.split(' ')[0] for c in children])} ({_span(week)})"
    messages_link = f"{public_url.rstrip('/')}/guardian/messages"
    return Digest(recipient.guardian_id, recipient.name, recipient.email, week, children, subject,
                  _text(recipient.name, week, children, messages_link),
                  _html(recipient.name, week, children, messages_link, subject))


def send(uow: UnitOfWork, actor: Actor, recipient: Recipient, week: IsoWeek, sender: Sender, *, public_url: str,
         from_address: str, dry_run: bool = False, now: datetime | None = None) -> Outcome:
    """Send one guardian's digest for the week, once: recorded, then handed to the sender (a
    failure raises, and the caller's transaction keeps nothing). A dry run only builds it."""
    require_role(actor)
    if uow.messages.digest_sent(recipient.guardian_id, str(week)):
        return Outcome(recipient.guardian_id, "already sent")
    digest = build(uow, actor, recipient, week, public_url=public_url, now=now)
    if not digest.children:
        return Outcome(recipient.guardian_id, "no children", digest)
    if not recipient.email:
        return Outcome(recipient.guardian_id, "no address", digest)
    if dry_run:
        return Outcome(recipient.guardian_id, "would send", digest)
    if not uow.messages.record_digest(recipient.guardian_id, str(week), len(digest.children), now or utcnow()):
        return Outcome(recipient.guardian_id, "already sent")
    uow.audit.add(actor.user_id, "digest:send", None, "guardian",
                  {"guardian": recipient.guardian_id, "week": str(week), "children": len(digest.children),
                   "via": actor.via})
    sender.send(digest.message(from_address))
    return Outcome(recipient.guardian_id, "sent", digest)


# -- the words ---------------------------------------------------------------------------------------


def _names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _span(week: IsoWeek) -> str:
    a, b = week.monday, week.sunday
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day} to {b.day} {b:%B} {b.year}"
    left = f"{a.day} {a:%B}" + (f" {a.year}" if a.year != b.year else "")
    return f"{left} to {b.day} {b:%B} {b.year}"


def _listed(titles: Sequence[str]) -> str:
    shown = list(titles[:MAX_LISTED])
    more = len(titles) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _child_lines(c: ChildWeek) -> list[str]:
    first = c.name.split(" ")[0]
    lines = []
    if c.learned:
        lines.append(f"Mastered this week: {_listed(c.learned)}.")
    else:
        lines.append("No new skill mastered this week.")
    if c.worked_on:
        lines.append(f"Working on: {_listed(c.worked_on)}.")
    elif not c.learned:
        lines.append(f"{first} did no practice this week that Pathwise recorded.")
    if c.unread == 1:
        lines.append("1 conversation with the teachers has a message you have not read.")
    elif c.unread > 1:
        lines.append(f"{c.unread} conversations with the teachers have messages you have not read.")
    return lines


def _text(name: str, week: IsoWeek, children: Sequence[ChildWeek], messages_link: str) -> str:
    out = [f"Hello {name},", "", f"Here is the week from {_span(week)}.", ""]
    for c in children:
        out.append(c.name)
        out.append("-" * len(c.name))
        out.extend(_child_lines(c))
        out.append(f"See more: {c.link}")
        out.append("")
    out.append(f"Your messages: {messages_link}")
    out.append("")
    out.append("You receive this e-mail once a week because your child's school uses Pathwise.")
    return "\n".join(out) + "\n"


def _html(name: str, week: IsoWeek, children: Sequence[ChildWeek], messages_link: str, subject: str) -> str:
    e = html.escape
    parts = ['<!doctype html><html lang="en"><head><meta charset="utf-8">', f"<title>{e(subject)}</title></head>",
             '<body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a;">',
             f"<p>Hello {e(name)},</p>", f"<p>Here is the week from {e(_span(week))}.</p>"]
    for c in children:
        parts.append(f"<h2>{e(c.name)}</h2><ul>")
        parts.extend(f"<li>{e(line)}</li>" for line in _child_lines(c))
        parts.append(f'</ul><p><a href="{e(c.link)}">See {e(c.name.split(" ")[0])}\'s page</a></p>')
    parts.append(f'<p><a href="{e(messages_link)}">Your messages</a></p>')
    parts.append("<p><small>You receive this e-mail once a week because your child's school uses Pathwise."
                 "</small></p></body></html>")
    return "".join(parts)


# -- a whole week, every guardian ---------------------------------------------------------------

STATUSES = ("sent", "would send", "already sent", "no address", "no children", "failed")


@dataclass(frozen=True, slots=True)
class WeekReport:
    week: str
    guardians: int
    delivery: str  # where the e-mails went, in words
    counts: dict[str, int]
    failed: tuple[str, ...]  # "guardian id: what went wrong", the first 20

    def as_dict(self) -> dict[str, object]:
        return {"week": self.week, "guardians": self.guardians, "delivery": self.delivery,
                "counts": self.counts, "failed": list(self.failed)}


def send_week(system: App, actor: Actor, week: IsoWeek, *, school_id: str | None = None, dry_run: bool = False,
              progress: Callable[[int, int], None] | None = None) -> WeekReport:
    """Every guardian's digest for ``week`` (of one school when given), once each.

    Long work over the ``App``: one transaction per guardian (``transaction(system)``), so a
    guardian whose mail fails stops nobody else's and a second run sends only what the first
    did not. Called by ``pathwise digest send`` and by the weekly ``digest`` job."""
    from pathwise.services.context import transaction

    settings = system.settings
    sender = sender_from(settings)
    with transaction(system) as uow:
        who = recipients(uow, actor, school_id)
    counts: Counter[str] = Counter()
    failed: list[str] = []
    for i, r in enumerate(who):
        try:
            with transaction(system) as uow:
                done = send(uow, actor, r, week, sender, public_url=settings.public_url,
                            from_address=settings.smtp_from, dry_run=dry_run)
            counts[done.status] += 1
        except OSError as exc:  # the mail server refused or could not be reached: nothing recorded
            counts["failed"] += 1
            failed.append(f"{r.guardian_id}: {exc.__class__.__name__}")
        if progress:
            progress(i + 1, len(who))
    return WeekReport(str(week), len(who), "nowhere (dry run)" if dry_run else describe(sender),
                      {k: counts[k] for k in STATUSES if counts[k]}, tuple(failed[:20]))
