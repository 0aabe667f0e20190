"""``pathwise digest send``: the weekly e-mail to every guardian on their children's week.

Calls ``services.digest`` only (no tables here): one transaction per guardian, so a guardian
whose digest fails stops nobody else's, and re-running sends only what was not sent yet.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer

from pathwise.cli.common import err, out, progress_bar, service_call, transaction
from pathwise.services import digest, mail
from pathwise.services.access import Actor

digest_app = typer.Typer(help="The weekly digest e-mail to guardians.", no_args_is_help=True)


@digest_app.command("send")
def send_cmd(
    week: Annotated[str | None, typer.Option(help="The ISO week, as YYYY-Www (default: this week).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Build the digests and say what would be sent; "
                                                           "send and record nothing.")] = False,
    school: Annotated[str | None, typer.Option(help="Only the guardians of this school (its id).")] = None,
) -> None:
    """Send each guardian the digest of the week, once per guardian and week.

    Through SMTP when PATHWISE_SMTP_HOST is set, else as .eml files in PATHWISE_MAIL_OUTBOX.

    Example: pathwise digest send --week 2026-W49 --dry-run
    """
    actor = Actor.system("cli")
    with service_call(migrate=False) as system:
        chosen = digest.parse_week(week)
        settings = system.settings
        sender = mail.sender_from(settings)
        with transaction(system) as uow:
            who = digest.recipients(uow, actor, school)
        counts: Counter[str] = Counter()
        failed: list[str] = []
        with progress_bar() as bar:
            task = bar.add_task(f"digests for {chosen}", total=len(who))
            for r in who:
                try:
                    with transaction(system) as uow:
                        done = digest.send(uow, actor, r, chosen, sender, public_url=settings.public_url,
                                           from_address=settings.smtp_from, dry_run=dry_run)
                    counts[done.status] += 1
                except OSError as exc:  # the mail server refused or could not be reached: nothing recorded
                    counts["failed"] += 1
                    failed.append(f"{r.guardian_id}: {exc.__class__.__name__}")
                bar.advance(task)
        where = "nowhere (dry run)" if dry_run else mail.describe(sender)
        out.print(f"week {chosen}: {len(who)} guardians; delivery to {where}")
        for status in ("sent", "would send", "already sent", "no address", "no children", "failed"):
            if counts[status]:
                out.print(f"  {status}: {counts[status]}")
        for line in failed[:20]:
            err.print(f"  not sent to {line}")
        if failed:
            raise typer.Exit(1)
