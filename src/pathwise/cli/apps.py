"""The command tree: the ``pathwise`` app and the groups that areas add their commands to.

Command modules import the groups from here (never from ``pathwise.cli``), and
``pathwise.cli`` imports the command modules, so the imports run one way.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="pathwise",
    help="Pathwise: personalized learning for a whole school.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
import_app = typer.Typer(help="Bring data in (responses, ...).", no_args_is_help=True)
export_app = typer.Typer(help="Take data out (responses, ...).", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(users_app, name="users")
