"""The job queue as the rest of Pathwise sees it: ``store.queue.Queue`` (Huey, see
docs/decisions/0014) given what to do with a job id (``services.jobs.run``) and the
scheduled work: every minute, hand lost jobs to the queue again (``jobs.recover``);
every night, submit the clean-up of finished jobs, and on the night into Saturday (UTC) the
weekly digest to guardians for the week of school just over (``DIGEST_WEEKDAY``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pathwise.domain.clock import utcnow

from pathwise.services import jobs
from pathwise.services.access import Actor
from pathwise.services.context import transaction
from pathwise.store.queue import Queue, describe

if TYPE_CHECKING:
    from pathwise.services.context import App

__all__ = ["JobQueue", "describe_queue", "nightly_kinds", "queue_of"]


DIGEST_WEEKDAY = 5  # Saturday (Monday is 0): the school week is over, the ISO week not yet


def nightly_kinds(now: datetime) -> tuple[str, ...]:
    """The jobs the night's schedule submits: the clean-up every night, the digest weekly
    (sent once per guardian and week, so a second submission that week sends nothing)."""
    return ("clean-up", "digest") if now.weekday() == DIGEST_WEEKDAY else ("clean-up",)


def describe_queue(system: App) -> str:
    return describe(system.settings.queue_url, system.settings.database_url)


class JobQueue(Queue):
    def __init__(self, system: App) -> None:
        self.system = system

        def nightly() -> None:
            with transaction(system) as uow:
                for kind in nightly_kinds(utcnow()):
                    jobs.submit(uow, Actor.system("schedule"), kind, enqueue=self.enqueue)

        super().__init__(system.settings.queue_url, system.settings.database_url,
                         run_job=lambda job_id: jobs.run(system, job_id),
                         every_minute=lambda: jobs.recover(system, self.enqueue), nightly=nightly)

    def start_embedded(self, threads: int = 1, *, scheduled: bool = True) -> bool:
        """Run a worker in this process (the demo's one-command set-up), first handing it
        every job left waiting."""
        if self.immediate:
            return False
        jobs.recover(self.system, self.enqueue, queued_grace=0.0)
        return super().start_embedded(threads, scheduled=scheduled)


def queue_of(system: App) -> JobQueue:
    """The system's job queue, made on first use and closed with the system."""
    return system.resource("queue", JobQueue)  # type: ignore[no-any-return]
