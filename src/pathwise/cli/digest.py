"""``pathwise digest send``: the weekly e-mail to every guardian on their children's week.

Calls ``services.digest`` only (no tables here): one transaction per guardian, so a guardian
whose digest fails stops nobody else's, and re-running sends only what was not sent yet.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pathwise.cli.common import err, out, progress_bar, service_call
from pathwise.services import digest
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
        with progress_bar() as bar:
            task = bar.add_task(f"digests for {chosen}", total=None)
            report = digest.send_week(system, actor, chosen, school_id=school, dry_run=dry_run,
                                      progress=lambda done, total: bar.update(task, completed=done, total=total))
        out.print(f"week {report.week}: {report.guardians} guardians; delivery to {report.delivery}")
        for status, n in report.counts.items():
            out.print(f"  {status}: {n}")
        for line in report.failed:
            err.print(f"  not sent to {line}")
        if report.failed:
            raise typer.Exit(1)
