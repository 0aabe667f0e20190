"""``pathwise import items FILE...``: load authored items (YAML/JSON) or QTI into the bank.

Reads every file first (QTI through ``interop.qti``), reports every problem with its
file and field, and stores nothing unless all is well. Calls services only, never
tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pathwise.cli.apps import import_app
from pathwise.cli.common import err, out, service_call
from pathwise.cli.common import transaction


@import_app.command("items")
def import_items_cmd(
    files: Annotated[list[Path], typer.Argument(help="Item files: .yaml/.yml/.json (Pathwise format), .xml or .zip (QTI 3.0 / 2.2).")],
    framework: Annotated[str | None, typer.Option(help="Framework the items belong to (overrides the files' own).")] = None,
    skills: Annotated[str | None, typer.Option(help="Skill codes for QTI items, comma-separated (QTI carries none).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything and report; store nothing.")] = False,
) -> None:
    """Validate and load items; re-importing a file updates its items.

    Example: pathwise import items content/fractions.yaml --framework pw-demo-ms-math
    Example: pathwise import items qti-package.zip --skills frac.add
    """
    from pathwise.domain.problems import Problem
    from pathwise.interop.item_files import read_items_file
    from pathwise.services.access import Actor
    from pathwise.services.items import ParsedItems, import_items

    skill_codes = tuple(s.strip() for s in (skills or "").split(",") if s.strip())
    parsed = ParsedItems()
    for path in files:
        name = str(path)
        if not path.is_file():
            parsed.problems.append(Problem(name, "no such file", path="/"))
            continue
        read_items_file(path.read_bytes(), name, skill_codes, parsed)
    with service_call(migrate=True) as system, transaction(system) as uow:
        report = import_items(uow, Actor.system(), parsed.items, parsed.problems,
                              framework_id=framework or parsed.framework_id, dry_run=dry_run)
    if report.problems:
        err.print(f"[red]error:[/red] {len(report.problems)} problem(s); nothing was stored")
        for p in report.problems[:100]:
            err.print(f"  {p}", markup=False, highlight=False)
        if len(report.problems) > 100:
            err.print(f"  ... and {len(report.problems) - 100} more")
        raise typer.Exit(1)
    verb = "would import" if dry_run else "imported"
    out.print(f"{verb}: {report.created} new, {report.updated} updated, {report.unchanged} unchanged")
