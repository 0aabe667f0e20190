"""The command line: ``pathwise --help``.

Every command calls services (never tables or the engine), so the CLI, the REST API
and the pages cannot drift apart. Long work shows a progress bar.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pathwise.cli.common import err, fail, open_app, out, progress_bar, service_call, transaction
from pathwise.config import get_settings

from pathwise.cli.apps import app, db_app, export_app, import_app, users_app

KEEP_ALIVE_SECONDS = 75  # an idle keep-alive connection stays open this long (uvicorn's default is 5 s)

@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the newest version.

    Example: PATHWISE_DATABASE_URL=postgresql://user@host/db pathwise db upgrade
    """
    system = open_app()
    system.migrate()
    out.print(f"database at {system.safe_database_url()} is up to date")


@db_app.command("backup")
def db_backup(file: Annotated[Path, typer.Argument(help="Where to write the backup.")]) -> None:
    """Write a consistent copy of the whole database (SQLite: online backup; PostgreSQL: pg_dump).

    Example: pathwise db backup /srv/backups/pathwise-2026-12-02.db
    """
    system = open_app()
    try:
        system.db.backup(file)
    except RuntimeError as exc:
        raise fail(exc) from None
    finally:
        system.close()
    out.print(f"backed up the database to {file} ({file.stat().st_size:,} bytes)")


@db_app.command("restore")
def db_restore(file: Annotated[Path, typer.Argument(help="A backup written by 'pathwise db backup'.")],
               yes: Annotated[bool, typer.Option("--yes", help="Replace the database without asking.")] = False,
               ) -> None:
    """Replace the whole database by a backup (stop the app first).

    Example: pathwise db restore /srv/backups/pathwise-2026-12-02.db --yes
    """
    system = open_app()
    try:
        if not yes and not typer.confirm(f"Replace everything in {system.safe_database_url()} by {file}?"):
            raise typer.Exit(1)
        system.db.restore(file)
    except RuntimeError as exc:
        raise fail(exc) from None
    finally:
        system.close()
    out.print(f"restored the database from {file}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (they share no state).")] = 1,
    job_threads: Annotated[int | None, typer.Option(
        help="Threads of a background-job worker inside each server process (default: 1 on SQLite, "
             "0 on PostgreSQL, where `pathwise worker` runs beside the servers).", min=0, max=16)] = None,
) -> None:
    """Serve the pages, the REST API (/api/v1) and the standards endpoints.

    Example: pathwise serve --host 127.0.0.1 --port 8000
    """
    import os

    import uvicorn

    system = open_app()
    system.migrate()
    if job_threads is not None:
        embedded = job_threads
    else:
        embedded = system.settings.embedded_worker or (1 if system.settings.database_url.startswith("sqlite") else 0)
    system.close()
    os.environ["PATHWISE_EMBEDDED_WORKER"] = str(embedded)
    get_settings.cache_clear()  # the server's application reads the settings again, with it
    out.print(f"Pathwise at http://{host}:{port}/  (API docs: http://{host}:{port}/api/v1/docs)")
    out.print(f"background jobs: {embedded} thread(s) in this server" if embedded else
              "background jobs: run `pathwise worker` beside this server")
    # keep idle connections open longer than a client waits between requests (a page open while
    # a student thinks): a server closing one just as the client reuses it loses that request
    uvicorn.run("pathwise.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False, timeout_keep_alive=KEEP_ALIVE_SECONDS)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    seed: Annotated[int, typer.Option(help="Seed for the simulated school (same seed, same school).")] = 7,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed only; do not start the server.")] = False,
) -> None:
    """Create and seed the demo school (once), print the logins and serve it.

    Example: pathwise demo --port 8000        (reuses an already seeded database)
    """
    from pathwise.interop import demo as demo_door

    system = open_app()
    system.migrate()
    if demo_door.is_seeded(system):
        from pathwise.services.access import Actor
        from pathwise.services.kt import rebuild

        out.print("demo school already seeded: reusing it")
        # estimates stored by an earlier version of the learner model are replayed through this one
        n = rebuild(system, Actor.system())
        if n:
            out.print(f"mastery rebuilt for {n} learners (stored by an earlier version of the learner model)")
    else:
        with progress_bar() as bar:
            task = bar.add_task("seeding the demo school", total=None)

            def tick(done: int, total: int, what: str) -> None:
                bar.update(task, completed=done, total=total, description=what)

            demo_door.seed(system, seed=seed, progress=tick)
    logins = demo_door.logins(system)
    out.print("\n[bold]Demo logins[/bold] (username / password):")
    for role, username, password in logins:
        out.print(f"  {role:<9} {username:<24} {password}")
    system.close()
    if not no_serve:
        serve(host=host, port=port, workers=1, job_threads=1)


@import_app.command("responses")
def import_responses_cmd(
    file: Annotated[Path, typer.Argument(help="Canonical response-log CSV (student_id,item_id,skill_ids,correct,timestamp).")],
    school: Annotated[str | None, typer.Option(help="School id (default: the only school).")] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the good rows and report the bad ones.")] = False,
    create_students: Annotated[bool, typer.Option(help="Create accounts for unknown student ids.")] = True,
) -> None:
    """Import answers as evidence; every bad row is reported with its line and field.

    Example: pathwise import responses ../shared/data/kt/assist09/train.csv --school sch_demo
    """
    from pathwise.services.access import Actor
    from pathwise.services.context import transaction
    from pathwise.services.responses import import_responses

    with service_call(migrate=True) as system:
        with progress_bar() as bar:
            task = bar.add_task("reading", total=None)

            def tick(done: int, total: int, what: str) -> None:
                bar.update(task, completed=done, total=total, description=what)

            with transaction(system) as uow:
                report = import_responses(uow, system.tracker(uow), Actor.system(), file, school_id=school,
                                          skip_bad=skip_bad, create_students=create_students, progress=tick)
    for e in report.errors[:50]:
        err.print(f"  skipped {e}")
    out.print(report.summary())


@export_app.command("responses")
def export_responses_cmd(
    out_file: Annotated[Path | None, typer.Option("--out", help="File to write (default: standard output).")] = None,
    school: Annotated[str | None, typer.Option(help="Only this school.")] = None,
) -> None:
    """Export answers as canonical response-log CSV.

    Example: pathwise export responses --out responses.csv
    """
    from pathwise.services.access import Actor
    from pathwise.services.context import transaction
    from pathwise.services.responses import export_responses

    with service_call() as system, transaction(system) as uow:
        if out_file is None:
            n = export_responses(uow, Actor.system(), sys.stdout, school)
        else:
            with out_file.open("w", encoding="utf-8", newline="") as fh:
                n = export_responses(uow, Actor.system(), fh, school)
    err.print(f"{n} rows exported")


_PASSWORD_STDIN_HELP = ("Read the password from the first line of standard input instead of asking "
                        "(a password is never given on the command line, where the process list shows it).")


def _read_password(from_stdin: bool) -> str:
    """The new password: the first line of standard input, or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="Login name (lower-case letters, digits, . _ @ -).")],
    role: Annotated[str, typer.Option(help="student, teacher, guardian or admin.")],
    name: Annotated[str, typer.Option(help="Name shown on pages.")],
    school: Annotated[str | None, typer.Option(help="School id (default: the only school).")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help=_PASSWORD_STDIN_HELP)] = False,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
) -> None:
    """Create an account; the password is asked for (at least 12 characters, not a common one).

    Example: pathwise users create ms.rivera --role teacher --name "Ms Rivera"
             pathwise users create ms.rivera --role teacher --name "Ms Rivera" --password-stdin < secret.txt
    """
    from pathwise.domain.people import Role
    from pathwise.services.access import Actor
    from pathwise.services.users import NewUser, create_user, default_school

    try:
        role_value = Role(role)
    except ValueError:
        raise fail(ValueError(f"role must be one of {', '.join(r.value for r in Role)}"), 2) from None
    password = _read_password(password_stdin)
    with service_call(migrate=True) as system:
        with transaction(system) as uow:
            school_id = school or default_school(uow).id
            user = create_user(uow, Actor.system(), NewUser(username, name, role_value, school_id, password,
                                                            email=email))
    out.print(f"created {user.role} {user.username} ({user.id}) in school {school_id}")


@users_app.command("create-school")
def users_create_school(
    name: Annotated[str, typer.Argument(help="The school's name.")],
    school_id: Annotated[str | None, typer.Option("--id", help="Id to use (default: generated).")] = None,
) -> None:
    """Create a school.

    Example: pathwise users create-school "Riverside Middle School" --id riverside
    """
    from pathwise.services.access import Actor
    from pathwise.services.users import create_school

    with service_call(migrate=True) as system:
        with transaction(system) as uow:
            s = create_school(uow, Actor.system(), name, school_id)
    out.print(f"created school {s.name} ({s.id})")


@users_app.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help=_PASSWORD_STDIN_HELP)] = False,
) -> None:
    """Set a password (asked for, or read from standard input); the user's open sessions and
    API tokens end.

    Example: pathwise users set-password ms.rivera
    """
    from pathwise.services.access import Actor
    from pathwise.services.users import set_password

    password = _read_password(password_stdin)
    with service_call() as system:
        with transaction(system) as uow:
            set_password(uow, Actor.system(), username, password)
    out.print(f"password set for {username}")


@users_app.command("deactivate")
def users_deactivate(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Deactivate an account: it can no longer sign in, and its sessions and API tokens end.

    Example: pathwise users deactivate ms.rivera
    """
    from pathwise.services.access import Actor
    from pathwise.services.users import deactivate

    with service_call() as system:
        with transaction(system) as uow:
            user = deactivate(uow, Actor.system(), username)
    out.print(f"deactivated {user.username}")


# Areas register their command groups here, one line each.
from pathwise.cli import interop as _interop  # noqa: E402,F401
from pathwise.cli.xapi import xapi_app  # noqa: E402
app.add_typer(xapi_app, name="xapi")
from pathwise.cli import items as _items  # noqa: E402,F401
from pathwise.cli.kt import kt_app  # noqa: E402
app.add_typer(kt_app, name="kt")
from pathwise.cli.paths import simulate; app.command("simulate")(simulate)  # noqa: E402,E702
from pathwise.cli.paths import path_settings; app.command("path-settings")(path_settings)  # noqa: E402,E702
from pathwise.cli.profile import profile_app  # noqa: E402
app.add_typer(profile_app, name="profile")
from pathwise.cli.digest import digest_app  # noqa: E402
app.add_typer(digest_app, name="digest")
from pathwise.cli.mentoring import mentors_app  # noqa: E402
app.add_typer(mentors_app, name="mentors")
from pathwise.cli.experiments import experiments_app  # noqa: E402
app.add_typer(experiments_app, name="experiments")
from pathwise.cli.jobs import jobs_app, worker  # noqa: E402
app.add_typer(jobs_app, name="jobs")
app.command("worker")(worker)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
