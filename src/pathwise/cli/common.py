"""What every command shares: the consoles, opening the application, turning a
service's refusal into a clear message and exit status, and progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pathwise.config import get_settings
from pathwise.services.context import App
from pathwise.services.errors import ServiceError, Unavailable
from pathwise.services.context import transaction  # noqa: F401 (the commands' one way to open a unit of work)

out = Console()
err = Console(stderr=True)


def open_app(migrate: bool = False) -> App:
    """The application from the settings (exit status 2 on unsafe settings)."""
    try:
        system = App.from_settings(get_settings())
    except ValueError as exc:  # unsafe settings
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if migrate:
        system.migrate()
    return system


def fail(exc: Exception, code: int = 1) -> typer.Exit:
    """Say what went wrong and the first 50 problems it lists; returns the exit for the caller to raise."""
    message = str(exc)
    err.print(f"[red]error:[/red] {message}")
    # (a problem the message already quotes is not repeated)
    problems = [str(p) for p in getattr(exc, "problems", None) or [] if str(p) not in message]
    for problem in problems[:50]:
        err.print(f"  {problem}")
    if len(problems) > 50:
        err.print(f"  ... and {len(problems) - 50} more")
    return typer.Exit(code)


@contextmanager
def service_call(migrate: bool = False) -> Iterator[App]:
    """The application for one command: a service's refusal (bad input, not found, not
    allowed) becomes its message and exit status 1, and the application is closed
    however the command ends."""
    system = open_app(migrate)
    try:
        yield system
    except ServiceError as exc:
        raise fail(exc) from None
    except Unavailable as exc:
        err.print(f"error: {exc}: is the database server running? Nothing was changed; run the command again.")
        raise typer.Exit(1) from None
    finally:
        system.close()


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False)
