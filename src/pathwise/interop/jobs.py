"""Kinds of background job whose work starts in a standards adapter: the OneRoster import
(reading the bundle is ``interop.oneroster``'s; syncing it is ``services.roster``'s), the
framework import (a CASE package, ``interop.case``) and the items import (Pathwise's own
format or QTI, ``interop.item_files``; storing them is ``services.items``').

``register_kinds()`` adds them to ``services.jobs``; the doors that submit or run jobs
(web/app.py, cli/jobs.py) call it when they start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pathwise.interop import case, oneroster
from pathwise.interop.item_files import read_items_file
from pathwise.services import jobs, roster
from pathwise.services.items import import_items
from pathwise.services.access import Actor
from pathwise.services.context import transaction
from pathwise.services.errors import Invalid

if TYPE_CHECKING:
    from pathwise.services.context import App


def _roster_import(system: App, actor: Actor, job: Any, data: tuple[str, bytes] | None,
                   step: jobs.Step) -> dict[str, Any]:
    """The whole bundle in one transaction: a rejected or failed import keeps nothing, and
    running it again stores nothing twice (roster rows are matched by their sourcedId)."""
    if data is None:
        raise Invalid("the roster file is missing", field="file")
    step(0, 3, "reading the bundle", force=True)
    try:
        bundle = oneroster.read_bundle(data[1])
    except oneroster.BundleUnreadable as exc:
        raise Invalid(f"This is not a OneRoster bundle Pathwise can read: {exc}", field="file") from None
    step(1, 3, "importing", force=True)
    with transaction(system) as uow:
        report = roster.import_roster(uow, actor, bundle, skip_bad=bool((job.params or {}).get("skip_bad")),
                                      into_school=job.school_id if actor.is_system else None)
    step(3, 3, "done", force=True)
    return {"report": report.as_dict(), "changed": report.changed}


def _framework_import(system: App, actor: Actor, job: Any, data: tuple[str, bytes] | None,
                      step: jobs.Step) -> dict[str, Any]:
    """A CASE package, in one transaction; importing the same document again updates the
    school's copy (matched by its identifiers), so a job run again stores nothing twice."""
    if data is None:
        raise Invalid("the CASE package is missing", field="file")
    step(0, 2, "reading the package", force=True)
    with transaction(system) as uow:
        result = case.import_package(uow, actor, data[1], mastery_threshold=system.settings.mastery_threshold)
        step(1, 2, "storing the framework", force=True)
    step(2, 2, "done", force=True)
    return {"framework": result.as_dict(), "framework_id": result.framework_id,
            "skills": sum(result.skills.values()), "units": result.units, "prerequisites": result.prerequisites,
            "warnings": len(result.warnings)}


def _items_import(system: App, actor: Actor, job: Any, data: tuple[str, bytes] | None,
                  step: jobs.Step) -> dict[str, Any]:
    """An items file (YAML, JSON) or QTI (an item or a package), all or nothing in one
    transaction; importing it again updates its items (matched by id), storing nothing twice."""
    if data is None:
        raise Invalid("the items file is missing", field="file")
    params = job.params or {}
    step(0, 2, "reading the items", force=True)
    parsed = read_items_file(data[1], data[0], tuple(params.get("skills") or ()))
    step(1, 2, f"storing {len(parsed.items)} item(s)", force=True)
    with transaction(system) as uow:
        report = import_items(uow, actor, parsed.items, parsed.problems,
                              framework_id=params.get("framework_id") or parsed.framework_id)
    if report.problems:
        n = len(report.problems)
        raise Invalid(f"Nothing was stored: the file has {n} problem{'' if n == 1 else 's'}", field="file",
                      problems=[str(p) for p in report.problems[:100]])
    step(2, 2, "done", force=True)
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}


def register_kinds() -> None:
    jobs.register(jobs.Kind("roster-import", "Roster import", True, _roster_import))
    jobs.register(jobs.Kind("framework-import", "Framework import (CASE)", True, _framework_import))
    jobs.register(jobs.Kind("items-import", "Items import", True, _items_import))
