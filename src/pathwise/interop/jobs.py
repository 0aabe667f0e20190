"""Kinds of background job whose work starts in a standards adapter: the OneRoster import
(reading the bundle is ``interop.oneroster``'s; syncing it is ``services.roster``'s).

``register_kinds()`` adds them to ``services.jobs``; the doors that submit or run jobs
(web/app.py, cli/jobs.py) call it when they start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pathwise.interop import oneroster
from pathwise.services import jobs, roster
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


def register_kinds() -> None:
    jobs.register(jobs.Kind("roster-import", "Roster import", True, _roster_import))
