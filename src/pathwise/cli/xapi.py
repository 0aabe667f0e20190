"""``pathwise xapi``: credentials for integrations that send xAPI statements, the
activity-to-skill mapping, and the evidence export as xAPI statements.

Calls services/xapi.py only; never tables. Runs as the system actor (the server's CLI).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pathwise.cli.common import out, service_call
from pathwise.services import xapi_evidence
from pathwise.services import xapi as xapi_service
from pathwise.services.access import Actor
from pathwise.services.context import transaction

xapi_app = typer.Typer(help="The xAPI Learning Record Store (/xapi).", no_args_is_help=True)
credentials_app = typer.Typer(help="Basic-auth credentials of integrations.", no_args_is_help=True)
xapi_app.add_typer(credentials_app, name="credentials")

@credentials_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Who uses it, e.g. 'district LMS'.")],
    scope: Annotated[list[str], typer.Option("--scope", help=f"Repeat; one of {', '.join(xapi_service.SCOPES)}.")]
    = ["statements/write", "statements/read"],  # noqa: B006
    as_json: Annotated[bool, typer.Option("--json", help="Print key and secret as JSON.")] = False,
    school: Annotated[str | None, typer.Option(
        "--school", help="The school whose integration it is: its statements count for that school's students "
                         "only, and it reads only that school's statements. Leave out for the whole installation.")
    ] = None,
) -> None:
    """Create a key/secret pair (HTTP basic auth); the secret is shown only now.

    Example: pathwise xapi credentials create "Riverside LMS" --school sch-river --scope statements/write
    """
    with service_call(migrate=True) as system, transaction(system) as uow:
        cred = xapi_service.create_credential(uow, Actor.system(), name, scope, school)
    if as_json:
        print(json.dumps({"key": cred.key, "secret": cred.secret, "name": cred.name, "scopes": list(cred.scopes)}))
    else:
        out.print(f"key:    {cred.key}\nsecret: {cred.secret}\nscopes: {' '.join(cred.scopes)}")


@credentials_app.command("list")
def list_() -> None:
    """List credentials (never their secrets).

    Example: pathwise xapi credentials list
    """
    with service_call(migrate=True) as system, transaction(system) as uow:
        for c in xapi_service.list_credentials(uow, Actor.system()):
            state = "revoked" if c["revoked"] else "active"
            school = c["school_id"] or "all schools"
            out.print(f"{c['key']}  {state:<8} {c['name']}  ({school})  [{' '.join(c['scopes'])}]")


@credentials_app.command("revoke")
def revoke(key: Annotated[str, typer.Argument(help="The credential's key.")]) -> None:
    """Revoke a credential at once.

    Example: pathwise xapi credentials revoke 3f2a9c1e
    """
    with service_call(migrate=True) as system:
        with transaction(system) as uow:
            xapi_service.revoke_credential(uow, Actor.system(), key)
        out.print(f"revoked {key}")


@xapi_app.command("map")
def map_(
    activity: Annotated[str, typer.Argument(help="The activity IRI statements name as their object.")],
    skill: Annotated[list[str], typer.Option("--skill", help="Skill code (repeat).")] = [],  # noqa: B006
    item: Annotated[str | None, typer.Option(help="Item id whose skills count.")] = None,
    verb: Annotated[str | None, typer.Option(help="Only statements with this verb IRI.")] = None,
) -> None:
    """Count statements with a result on ACTIVITY as evidence for skills (or an item).

    Score: the scaled score, else success; with --item, a bare response is checked by the item.

    Example: pathwise xapi map https://lms.example/q/17 --item frac-add-3
    """
    with service_call(migrate=True) as system:
        with transaction(system) as uow:
            xapi_evidence.map_activity(uow, Actor.system(), activity, skill, item, verb)
        out.print(f"mapped {activity}")


@xapi_app.command("export")
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (JSON array).")],
    learner: Annotated[str | None, typer.Option(help="Only this learner's evidence.")] = None,
) -> None:
    """Write evidence as xAPI statements (JSON array).

    Example: pathwise xapi export -o evidence.json
    """
    with service_call(migrate=True) as system, transaction(system) as uow:
        statements = xapi_evidence.evidence_as_statements(uow, Actor.system(), learner)
    output.write_text(json.dumps(statements, indent=1, ensure_ascii=False), encoding="utf-8")
    out.print(f"wrote {len(statements)} statements to {output}")
