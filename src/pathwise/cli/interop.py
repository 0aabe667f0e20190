"""Command-line doors for the standards: OneRoster and CASE imports, CASE and learner
exports, privacy deletion and LTI platform registration.

Commands call the interop translators and services (never tables), exactly as the
REST API does, and run as the system actor (whoever runs the CLI on the server).
Problems are printed with file, line and field; a failed command exits non-zero and
stores nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pathwise.cli.apps import app as main_app
from pathwise.cli.apps import export_app, import_app
from pathwise.cli.common import err, fail, out, progress_bar, service_call
from pathwise.services.access import Actor

lti_app = typer.Typer(help="LTI 1.3: platforms (LMSs) that launch Pathwise.", no_args_is_help=True)
lti_platform_app = typer.Typer(help="Registered platforms.", no_args_is_help=True)
lti_app.add_typer(lti_platform_app, name="platform")
privacy_app = typer.Typer(help="Privacy requests about one learner.", no_args_is_help=True)
main_app.add_typer(lti_app, name="lti")
main_app.add_typer(privacy_app, name="privacy")


@import_app.command("roster")
def import_roster_cmd(
    path: Annotated[Path, typer.Argument(help="OneRoster 1.1/1.2 CSV bundle: a folder or a .zip.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would change; store nothing.")] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Leave bad rows out and import the rest.")] = False,
    school: Annotated[str | None, typer.Option(help="Put everything in this existing school "
                                                    "(default: each org becomes a school).")] = None,
) -> None:
    """Import (sync) a OneRoster roster: new, changed and tobedeleted records.

    Example: pathwise import roster ../shared/data/oneroster/v1p2_full_dataset.zip --dry-run
    """
    from pathwise.interop.oneroster import BundleUnreadable, read_bundle
    from pathwise.services.context import transaction
    from pathwise.services.roster import RosterRejected, import_roster

    try:
        bundle = read_bundle(path)
    except BundleUnreadable as exc:
        raise fail(exc, 2) from None
    with service_call(migrate=True) as system, progress_bar() as bar:
        task = bar.add_task("importing roster", total=max(1, bundle.count()))

        def tick(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        try:
            with transaction(system) as uow:
                report = import_roster(uow, Actor.system(), bundle, dry_run=dry_run, skip_bad=skip_bad,
                                       into_school=school, progress=tick)
        except RosterRejected as exc:
            for p in exc.report.warnings[:50]:
                err.print(f"  [yellow]warning[/yellow] {p}")
            raise  # the rejection itself is reported as any refusal is
    _print_problems(report)
    table = Table(title=f"OneRoster {report.version}" + (" (dry run: nothing stored)" if dry_run else ""))
    for col in ("entity", "created", "updated", "removed", "unchanged"):
        table.add_column(col, justify="left" if col == "entity" else "right")
    for name, c in report.counts.items():
        table.add_row(name, str(c.created), str(c.updated), str(c.removed), str(c.unchanged))
    out.print(table)
    if report.skipped_rows:
        out.print(f"{report.skipped_rows} bad rows left out")


def _print_problems(report) -> None:  # type: ignore[no-untyped-def]
    for p in report.warnings[:50]:
        err.print(f"  [yellow]warning[/yellow] {p}")
    for p in report.errors[:200]:
        err.print(f"  [red]error[/red] {p}")


@import_app.command("framework")
def import_framework_cmd(
    file: Annotated[Path, typer.Argument(help="CASE 1.0 or 1.1 CFPackage (.json).")],
) -> None:
    """Import a CASE framework; importing the same document again updates it.

    Example: pathwise import framework ../shared/data/case/opensalt-sample-framework.json
    """
    from pathwise.interop.case import import_package
    from pathwise.services.context import transaction

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise fail(exc, 2) from None
    with service_call(migrate=True) as system, transaction(system) as uow:
        result = import_package(uow, Actor.system(), data, mastery_threshold=system.settings.mastery_threshold)
    for w in result.warnings:
        err.print(f"  [yellow]warning[/yellow] {w}")
    s = result.skills
    out.print(f"framework {result.framework_id} {'created' if result.created else 'updated'}: "
              f"{s['created']} skills created, {s['updated']} updated, {s['unchanged']} unchanged, "
              f"{s['removed']} removed; {result.units} units; {result.prerequisites} prerequisites; "
              f"associations {result.associations}")


@export_app.command("framework")
def export_framework_cmd(
    framework_id: Annotated[str, typer.Argument(help="Framework id.")],
    out_file: Annotated[Path, typer.Option("--out", help="File to write (.json).")],
    base_url: Annotated[str | None, typer.Option(help="Public address used in new URIs.")] = None,
    schema: Annotated[Path | None, typer.Option(help="CFPackage JSON Schema to check the export against.")] = None,
) -> None:
    """Export a framework as a CASE 1.1 CFPackage.

    Example: pathwise export framework fractions --out fractions.case.json \\
             --schema ../shared/data/case/case-v1p1-cfpackage.official.schema.json
    """
    from pathwise.interop.case import export_package
    from pathwise.services.context import transaction

    try:
        schema_doc = json.loads(schema.read_text()) if schema else None
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(exc, 2) from None
    with service_call() as system, transaction(system) as uow:
        package = export_package(uow, Actor.system(), framework_id, base_url=base_url, schema=schema_doc)
    out_file.write_text(json.dumps(package, indent=2, ensure_ascii=False), encoding="utf-8")
    err.print(f"{len(package['CFItems'])} items, {len(package['CFAssociations'])} associations written to {out_file}"
              + (" (valid against the schema)" if schema else ""))


@export_app.command("learner")
def export_learner_cmd(
    learner_id: Annotated[str, typer.Argument(help="Learner (user) id.")],
    out_file: Annotated[Path, typer.Option("--out", help="File to write (.json).")],
) -> None:
    """Export everything Pathwise holds about one learner (privacy request).

    Example: pathwise export learner 3f2a... --out learner.json
    """
    from pathwise.services.context import transaction
    from pathwise.services.privacy import export_learner

    with service_call() as system, transaction(system) as uow:
        data = export_learner(uow, Actor.system(), learner_id)
    out_file.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    err.print(f"{sum(len(v) for v in data['records'].values())} rows from {len(data['records'])} tables "
              f"written to {out_file}")


@privacy_app.command("delete")
def privacy_delete_cmd(
    learner_id: Annotated[str, typer.Argument(help="Learner (user) id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Really delete (there is no undo).")] = False,
) -> None:
    """Delete a learner's whole record, verified by a sweep over every table.

    Example: pathwise privacy delete 3f2a... --yes
    """
    from pathwise.services.context import transaction
    from pathwise.services.privacy import delete_learner

    if not yes:
        err.print("this deletes the learner's whole record for good: add --yes to go ahead")
        raise typer.Exit(2)
    with service_call() as system, transaction(system) as uow:
        result = delete_learner(uow, Actor.system(), learner_id)
    out.print(f"deleted {sum(result['deleted'].values())} rows; no table mentions the learner any more "
              f"(reference {result['reference']})")


@lti_platform_app.command("add")
def lti_platform_add(
    school: Annotated[str, typer.Option(help="School id the platform serves.")],
    name: Annotated[str, typer.Option(help="A name to show, e.g. 'District Moodle'.")],
    issuer: Annotated[str, typer.Option(help="The platform's issuer (iss).")],
    client_id: Annotated[str, typer.Option(help="The client id the platform gave Pathwise.")],
    login_url: Annotated[str, typer.Option(help="The platform's OIDC authentication URL.")],
    token_url: Annotated[str, typer.Option(help="The platform's OAuth 2 token URL (for grades).")],
    deployment: Annotated[list[str], typer.Option(help="Deployment id (repeat for several).")],
    jwks_url: Annotated[str | None, typer.Option(help="The platform's JWKS URL.")] = None,
    jwks_file: Annotated[Path | None, typer.Option(help="The platform's keys as a JWKS file.")] = None,
) -> None:
    """Register an LMS that launches Pathwise with LTI 1.3.

    Example: pathwise lti platform add --school sch_demo --name Moodle --issuer https://moodle.example \\
             --client-id abc --login-url https://moodle.example/mod/lti/auth.php \\
             --token-url https://moodle.example/mod/lti/token.php \\
             --jwks-url https://moodle.example/mod/lti/certs.php --deployment 1
    """
    from pathwise.services.context import transaction
    from pathwise.services.lti import add_platform

    try:
        jwks = json.loads(jwks_file.read_text()) if jwks_file else None
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(exc, 2) from None
    with service_call(migrate=True) as system, transaction(system) as uow:
        p = add_platform(uow, Actor.system(), school_id=school, name=name, issuer=issuer, client_id=client_id,
                         auth_login_url=login_url, auth_token_url=token_url, jwks_url=jwks_url, jwks=jwks,
                         deployment_ids=deployment)
    out.print(f"platform {p.id} registered. Give the platform these tool settings:\n"
              "  login URL:   <pathwise address>/lti/login\n"
              "  launch URL:  <pathwise address>/lti/launch\n"
              "  JWKS URL:    <pathwise address>/lti/jwks")


@lti_platform_app.command("list")
def lti_platform_list() -> None:
    """List registered platforms.

    Example: pathwise lti platform list
    """
    from pathwise.services.context import transaction
    from pathwise.services.lti import list_platforms

    with service_call() as system, transaction(system) as uow:
        platforms = list_platforms(uow, Actor.system())
    table = Table()
    for col in ("id", "name", "issuer", "client id", "school", "deployments"):
        table.add_column(col)
    for p in platforms:
        table.add_row(p.id, p.name, p.issuer, p.client_id, p.school_id, ", ".join(p.deployments))
    out.print(table)
