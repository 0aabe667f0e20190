"""The demo school's door: read its CASE package with the CASE translator and seed it.

The demo framework ships as a CASE 1.1 package (``services/demo_data/framework.case.json``),
read here by the same translator a school's CASE import uses, so the demo exercises it;
``services.demo.seed_demo`` then stores it with the frameworks service, the items with
the item importer, and the simulated school, all in one transaction. The CLI
(``pathwise demo``) and the tests call these.
"""

from __future__ import annotations

from datetime import datetime

from pathwise.interop.case import parse_package
from pathwise.services import demo as demo_service
from pathwise.services.context import App, transaction
from pathwise.services.demo_data import framework_package
from pathwise.services.frameworks import CaseFramework


def framework() -> CaseFramework:
    """The demo framework, read from its CASE package."""
    return parse_package(framework_package())


def is_seeded(system: App) -> bool:
    with transaction(system) as uow:
        return demo_service.is_seeded(uow)


def seed(system: App, seed: int = 7, progress: demo_service.Progress | None = None, *,
         anchor: datetime | None = None, students_per_class: int | None = None,
         weeks: int = demo_service.DEMO_WEEKS) -> None:
    """Create the demo school in an empty database, in one transaction (see ``services.demo``)."""
    fw = framework()
    with transaction(system) as uow:
        demo_service.seed_demo(uow, fw, seed, progress, anchor=anchor, students_per_class=students_per_class,
                               weeks=weeks)
    system.reset_tracker()  # the learner model fitted on the demo evidence is now the live one


def logins(system: App) -> list[tuple[str, str, str]]:
    """The demo logins to print (empty when the demo is not seeded)."""
    with transaction(system) as uow:
        return demo_service.demo_logins(uow)
