"""``pathwise experiments``: list, create, stop and report experiments between two path
settings, and switch them on or off for a school.

Runs as the system actor through ``services.experiments`` (the same checks, assignment and
audit as the admin's pages); never tables. An arm is written as ``name=value`` pairs
separated by commas, e.g. ``target_retention=0.85,checks=off``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from pathwise.cli.common import err, out, service_call, transaction
from pathwise.services import experiments
from pathwise.services.access import Actor
from pathwise.services.errors import Invalid

experiments_app = typer.Typer(help="Experiments between two path settings on a school's own students.",
                              no_args_is_help=True)

School = Annotated[str, typer.Option("--school", help="The school's id.")]
ExperimentId = Annotated[int, typer.Argument(help="The experiment's number (see `pathwise experiments list`).")]


def parse_arm(text: str, label: str) -> dict[str, str]:
    """``name=value,name=value`` -> {name: value} (the service checks names and values)."""
    out_: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise Invalid(f"arm {label}: write each setting as name=value, not {part[:40]!r}", f"arm_{label.lower()}")
        out_[name.strip()] = value.strip()
    return out_


@experiments_app.command("list")
def list_(school: School,
          as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False) -> None:
    """The school's experiments, newest first, with their students per arm.

    Example: pathwise experiments list --school riverside
    """
    with service_call(migrate=True) as system, transaction(system) as uow:
        views = experiments.list_experiments(uow, Actor.system("cli"), school_id=school)
    if as_json:
        out.print_json(json.dumps([{"id": v.id, "name": v.name, "status": v.status, "arm_a": v.arm_a, "arm_b": v.arm_b,
                                    "starts_at": v.starts_at.isoformat(), "ends_at": v.ends_at.isoformat(),
                                    "classes": [c[0] for c in v.classes], "all_classes": v.all_classes,
                                    "students": v.students} for v in views]))
        return
    table = Table(title="Experiments")
    for col in ("id", "name", "status", "days", "arms", "students"):
        table.add_column(col)

    def arm(d: dict[str, object]) -> str:
        return ", ".join(f"{k}={v}" for k, v in d.items()) or "the school's settings"
    for v in views:
        table.add_row(str(v.id), v.name, v.status,
                      f"{v.starts_at.date().isoformat()} to {v.last_moment.date().isoformat()}",
                      f"A: {arm(v.arm_a)}; B: {arm(v.arm_b)}", f"A {v.students['A']}, B {v.students['B']}")
    out.print(table)


@experiments_app.command("create")
def create(
    school: School,
    name: Annotated[str, typer.Option(help="A short name.")],
    starts: Annotated[str, typer.Option(help="The first day (YYYY-MM-DD, the school's time zone).")],
    ends: Annotated[str, typer.Option(help="The last day (YYYY-MM-DD).")],
    arm_a: Annotated[str, typer.Option("--arm-a", help="Arm A's settings, name=value pairs; empty: the school's.")] = "",
    arm_b: Annotated[str, typer.Option("--arm-b", help="Arm B's settings, name=value pairs.")] = "",
    question: Annotated[str, typer.Option(help="The question, in plain words.")] = "",
    classes: Annotated[list[str] | None, typer.Option("--class", help="Only this class (repeat for more).")] = None,
) -> None:
    """Define an experiment and assign the students of its classes to arm A or B.

    Settings an arm may change: target_retention, checks (on/off), after_new_mastered, size,
    every_days, wheel_spin_limit.

    Example: pathwise experiments create --school riverside --name "Reviews" --starts 2026-03-01
    --ends 2026-03-31 --arm-a target_retention=0.9 --arm-b target_retention=0.85
    """
    with service_call(migrate=True) as system, transaction(system) as uow:
        v = experiments.create_experiment(uow, Actor.system("cli"), name=name, question=question,
                                          arm_a=parse_arm(arm_a, "A"), arm_b=parse_arm(arm_b, "B"),
                                          starts_on=starts, ends_on=ends, section_ids=classes or None,
                                          school_id=school)
    err.print(f"experiment {v.id} created; students in arm A: {v.students['A']}, in arm B: {v.students['B']}")


@experiments_app.command("stop")
def stop(experiment: ExperimentId) -> None:
    """Stop an experiment: its students get the school's path settings again.

    Example: pathwise experiments stop 3
    """
    with service_call(migrate=True) as system, transaction(system) as uow:
        v = experiments.stop_experiment(uow, Actor.system("cli"), experiment)
    err.print(f"experiment {v.id} is {v.status}")


@experiments_app.command("switch")
def switch(school: School, state: Annotated[str, typer.Argument(help="on or off.")]) -> None:
    """Switch experiments on or off for a school (off stops the running ones at once).

    Example: pathwise experiments switch --school riverside off
    """
    if state not in ("on", "off"):
        err.print("error: say on or off")
        raise typer.Exit(1)
    with service_call(migrate=True) as system, transaction(system) as uow:
        stopped = experiments.set_experiments_enabled(uow, Actor.system("cli"), state == "on", school_id=school)
    err.print(f"experiments {state}" + (f"; stopped {len(stopped)} running" if stopped else ""))


@experiments_app.command("report")
def report(experiment: ExperimentId,
           as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False) -> None:
    """The report per arm: students, skills mastered per hour, retention at review, checks
    passed, each with a 95% interval, the difference B - A and a conclusion.

    Example: pathwise experiments report 3 --json
    """
    with service_call(migrate=True) as system, transaction(system) as uow:
        r = experiments.experiment_report(uow, Actor.system("cli"), experiment)
    rep = r.report
    if as_json:
        out.print_json(json.dumps({
            "experiment": r.experiment.id, "name": r.experiment.name, "status": r.experiment.status,
            "students": rep.students, "durations": rep.durations, "conclusion": rep.conclusion,
            "metrics": [{"key": m.key, "a": [m.a.value, m.a.low, m.a.high], "b": [m.b.value, m.b.low, m.b.high],
                         "b_minus_a": [m.diff.value, m.diff.low, m.diff.high], "conclusion": m.conclusion}
                        for m in rep.metrics]}))
        return
    table = Table(title=f"{r.experiment.name}: {rep.students['A']} students in A, {rep.students['B']} in B")
    for col in ("figure", "arm A (95%)", "arm B (95%)", "B - A (95%)", "conclusion"):
        table.add_column(col)

    def fmt(iv: experiments.ReportInterval) -> str:
        if iv.value is None:
            return "-"
        if iv.low is None or iv.high is None:
            return f"{iv.value:.2f}"
        return f"{iv.value:.2f} ({iv.low:.2f} to {iv.high:.2f})"
    for m in rep.metrics:
        table.add_row(experiments.METRIC_NAMES[m.key], fmt(m.a), fmt(m.b), fmt(m.diff), m.conclusion)
    out.print(table)
    out.print(f"Conclusion: {rep.conclusion}")
    out.print(experiments.DURATION_NOTES[rep.durations])
