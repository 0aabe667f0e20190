"""``pathwise mentors``: designate a teacher as a student's mentor, end it, list a school's mentors.

Runs as the system actor through ``services.mentoring`` (the same rules and the same audit as the
admin's page at /admin/mentors); never tables. People are named by id or username.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pathwise.cli.common import err, out, service_call, transaction
from pathwise.services import mentoring
from pathwise.services.access import Actor

mentors_app = typer.Typer(help="Mentors: a teacher designated to follow a student's goals and reflections.",
                          no_args_is_help=True)

Learner = Annotated[str, typer.Argument(help="The student's id or username.")]
Mentor = Annotated[str, typer.Argument(help="The teacher's id or username (of the student's school).")]


@mentors_app.command("add")
def add(learner: Learner, mentor: Mentor) -> None:
    """Make a teacher of the school a student's mentor.

    Example: pathwise mentors add ana.lopez m.rivera
    """
    actor = Actor.system("cli")
    with service_call(migrate=True) as system, transaction(system) as uow:
        made = mentoring.designate(uow, actor, mentoring.find_person(uow, learner), mentoring.find_person(uow, mentor))
    err.print("mentor designated" if made else "already the student's mentor: nothing changed")


@mentors_app.command("remove")
def remove(learner: Learner, mentor: Mentor) -> None:
    """End a designation (the check-ins stay in the student's history).

    Example: pathwise mentors remove ana.lopez m.rivera
    """
    actor = Actor.system("cli")
    with service_call(migrate=True) as system, transaction(system) as uow:
        gone = mentoring.undesignate(uow, actor, mentoring.find_person(uow, learner),
                                     mentoring.find_person(uow, mentor))
    err.print("mentor removed" if gone else "not the student's mentor: nothing changed")


@mentors_app.command("list")
def list_pairs(school: Annotated[str | None, typer.Option(help="Only this school's mentors.")] = None) -> None:
    """The students and their mentors (of one school, or of every school).

    Example: pathwise mentors list --school riverside
    """
    actor = Actor.system("cli")
    with service_call(migrate=True) as system, transaction(system) as uow:
        pairs = mentoring.school_pairs(uow, actor, school)
    table = Table(title="Mentors")
    for col in ("student", "mentor", "since"):
        table.add_column(col)
    for p in pairs:
        table.add_row(f"{p.learner_name} ({p.learner_id})", f"{p.mentor_name} ({p.mentor_id})",
                      p.designated_at.date().isoformat())
    out.print(table)
