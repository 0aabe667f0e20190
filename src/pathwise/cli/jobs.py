"""``pathwise worker`` runs background jobs; ``pathwise jobs`` lists, shows and submits them.

Calls ``services.jobs`` and ``services.queue`` only: the worker is Huey's consumer over the
queue the settings choose (docs/decisions/0014), and every job it runs is claimed, run and
recorded by ``services.jobs.run``.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Annotated

import typer

from pathwise.cli.common import err, fail, out, progress_bar, service_call, transaction
from pathwise.interop.jobs import register_kinds
from pathwise.services import jobs
from pathwise.services.access import Actor
from pathwise.services.queue import describe_queue, queue_of

jobs_app = typer.Typer(help="Background jobs: imports, refits, clean-ups.", no_args_is_help=True)
register_kinds()


def worker(
    threads: Annotated[int, typer.Option(help="Jobs run at once by this worker (threads).", min=1, max=64)] = 2,
) -> None:
    """Run background jobs until stopped (Ctrl-C or SIGTERM finish the jobs in hand first).

    Start as many workers as the machines allow; they share the queue and never run one
    job twice. A job whose worker was lost is taken over once its heartbeat is stale.

    Example: pathwise worker --threads 2
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line a minute for the scheduler
    with service_call(migrate=True) as system:
        queue = queue_of(system)
        if queue.immediate:
            raise fail(ValueError("this queue runs jobs where they are submitted; a worker has nothing to do "
                                  "(set PATHWISE_QUEUE_URL to a shared queue)"), 2)
        found = jobs.recover(system, queue.enqueue, queued_grace=0.0)
        out.print(f"worker: {threads} thread(s) on {describe_queue(system)}; "
                  f"{len(found)} waiting job(s) handed over")
        queue.consumer(threads).run()


def _show(view: jobs.JobView) -> None:
    pct = "" if view.percent is None else f" {view.percent}%"
    out.print(f"{view.id}  {view.status}{pct}  {view.title}")
    if view.message and view.active:
        out.print(f"  now: {view.message}")
    if view.error:
        out.print(f"  error: {view.error}")
    if view.result and not view.active:
        out.print("  result: " + json.dumps(view.result, default=str)[:2000])


@jobs_app.command("list")
def list_cmd(limit: Annotated[int, typer.Option(help="How many, newest first.", min=1, max=1000)] = 20) -> None:
    """The latest jobs, newest first, each with its state and progress.

    Example: pathwise jobs list --limit 5
    """
    with service_call() as system, transaction(system) as uow:
        for view in jobs.recent(uow, Actor.system("cli"), limit):
            _show(view)


@jobs_app.command("show")
def show_cmd(job_id: Annotated[str, typer.Argument(help="The job's id.")]) -> None:
    """One job: its state, progress, result or error.

    Example: pathwise jobs show job_3f2a9c0d1e4b5a6f7c8d
    """
    with service_call() as system, transaction(system) as uow:
        _show(jobs.get(uow, Actor.system("cli"), job_id))


@jobs_app.command("file")
def file_cmd(job_id: Annotated[str, typer.Argument(help="The job's id.")],
             out_file: Annotated[Path, typer.Option("--out", help="Where to write the file.", dir_okay=False)]) -> None:
    """Write the file a job made (an export) to --out.

    Example: pathwise jobs file job_3f2a9c0d1e4b5a6f7c8d --out answers.csv
    """
    with service_call() as system, transaction(system) as uow:
        name, _media, data = jobs.output(uow, Actor.system("cli"), job_id)
    out_file.write_bytes(data)
    out.print(f"wrote {name} ({len(data):,} bytes) to {out_file}")


@jobs_app.command("submit")
def submit_cmd(
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(sorted(jobs.KINDS))}.")],
    file: Annotated[Path | None, typer.Option(help="The file an import works on.", exists=True,
                                              dir_okay=False)] = None,
    school: Annotated[str | None, typer.Option(help="The school an import is for (its id).")] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Imports: leave bad rows out.")] = False,
    framework: Annotated[str | None, typer.Option(help="items-import: the framework the items belong to.")] = None,
    skills: Annotated[str | None, typer.Option(help="items-import: skill codes for QTI items, comma-separated.")] = None,
    everyone: Annotated[bool, typer.Option("--everyone", help="rebuild: every learner, not only those on "
                                                              "an older model.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Follow the job with a progress bar until it ends.")] = False,
    here: Annotated[bool, typer.Option("--here", help="Run it in this command instead of a worker (no worker "
                                                      "needed), following it with a progress bar.")] = False,
) -> None:
    """Hand a job to the workers; with --wait, follow it to the end (exit status 1 if it fails);
    with --here, run it in this command (it is recorded as any job is).

    Example: pathwise jobs submit refit --wait
    Example: pathwise jobs submit items-import --file qti-package.zip --skills frac.add --school sch1 --wait
    Example: pathwise jobs submit responses-export --school sch1 --wait (then: pathwise jobs file ID --out x.csv)
    """
    params: dict[str, object] = {"skip_bad": skip_bad} if kind in ("roster-import", "responses-import") else {}
    if kind == "items-import":
        params = {"framework_id": framework or "", "skills": [c.strip() for c in (skills or "").split(",") if c.strip()]}
    if kind == "rebuild":
        params["everyone"] = everyone
    with service_call() as system:
        data = (file.name, file.read_bytes()) if file is not None else None
        with transaction(system) as uow:
            view = jobs.submit(uow, Actor.system("cli"), kind, params=params, file=data,
                               enqueue=None if here else queue_of(system).enqueue, school_id=school)
        out.print(f"submitted {view.id}: {view.title}")
        runner = None
        if here:
            import threading

            runner = threading.Thread(target=jobs.run, args=(system, view.id), daemon=True)
            runner.start()
        elif not wait:
            return
        with progress_bar() as bar:
            task = bar.add_task(view.title, total=None)
            while True:
                # whether the run here was over is asked before the job is read, so a run
                # that ends in between is read with its outcome, not as still running
                running_here = runner is not None and runner.is_alive()
                with transaction(system) as uow:
                    view = jobs.get(uow, Actor.system("cli"), view.id)
                bar.update(task, completed=view.done, total=view.total or None,
                           description=view.message or view.status)
                if not running_here and (runner is not None or not view.active):
                    break  # a run here that stopped still active had no outcome (the database went away)
                time.sleep(0.5)
        _show(view)
        if view.status != jobs.SUCCEEDED:
            err.print("[red]the job failed[/red]")
            raise typer.Exit(1)
