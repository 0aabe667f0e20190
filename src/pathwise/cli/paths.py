"""``pathwise simulate`` and ``pathwise path-settings``: the commands of adaptive paths.

``simulate`` runs synthetic learners (a continuous-strength process with forgetting,
not the model Pathwise tracks them with) through a framework under the fixed
curriculum order, Pathwise's path (before and after a pilot cohort's fit) and an
oracle, and prints opportunities to mastery
and the share mastered after a fixed budget. ``path-settings`` shows or changes the
scoring weights and path settings (stored as data, audited). Calls the paths service
only; no tables here.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pathwise.cli.common import err, fail, out, service_call
from pathwise.services import path_state
from pathwise.services import simulation
from pathwise.services.errors import Invalid
from pathwise.cli.common import transaction

def simulate(
    learners: Annotated[int, typer.Option(help="Synthetic learners per policy.", min=1, max=100000)] = 100,
    seed: Annotated[int, typer.Option(help="Seed (same seed, same learners and answers).")] = 0,
    skills: Annotated[int, typer.Option(help="Skills in the synthetic framework.", min=2, max=500)] = 30,
    budget: Annotated[float, typer.Option(help="Fixed budget, in opportunities per skill, for the share mastered.",
                                          min=1.0)] = 20.0,
    fixed_items: Annotated[int, typer.Option("--fixed-items", help="Items per skill in the fixed order.",
                                             min=1)] = 8,
    pilot: Annotated[int, typer.Option(help="Learners in a pilot cohort whose logged answers the model is fitted "
                                                 "on before Pathwise runs again with it (0: pre-fit model only).",
                                            min=0, max=100000)] = 200,
    pilot_model: Annotated[str, typer.Option("--pilot-model", help="The learner model fitted on the pilot cohort "
                                                                 "(see `pathwise kt models`).")] = "lr-plus",
    learners_from: Annotated[str, typer.Option(
        "--learners-from", help="The learner process: a built-in one (strength, traces) or path/to/file.py:draw "
                                "or package.module:draw, a draw(graph, seed) following the protocol in "
                                "docs/paths.md.")] = "strength",
    delay_days: Annotated[float, typer.Option("--delay-days", help="The delayed test: days after the budget, with "
                                                                   "no practice, at which mastery is tested again.",
                                              min=0.0)] = 30.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Compare the fixed order, Pathwise's path and an oracle on synthetic learners.

    Pathwise runs with the pre-fit model and, after a pilot cohort of other learners
    worked through its path, with the model fitted on their answers (pathwise-fit).

    Example: pathwise simulate --learners 200 --seed 1 --budget 20 --pilot 200 --learners-from traces
    """
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("simulating learners", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            report = simulation.run_simulation(learners=learners, seed=seed, skills=skills,
                                                  budget_per_skill=budget, fixed_items_per_skill=fixed_items,
                                                  pilot=pilot, pilot_model=pilot_model, progress=tick,
                                                  learners_from=learners_from, delay_days=delay_days)
        except Invalid as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
    if as_json:
        out.print_json(json.dumps(report))
        return
    cfg = report["config"]
    table = Table(title=f"{cfg['learners']} learners of the {report['process']} process, {cfg['n_skills']} skills, "
                        f"seed {cfg['seed']}")
    table.add_column("policy")
    table.add_column("opportunities to mastery: median", justify="right")
    table.add_column("p90", justify="right")
    table.add_column("not done by cap", justify="right")
    table.add_column(f"share mastered after {round(cfg['budget_per_skill'] * cfg['n_skills'])}", justify="right")
    table.add_column(f"still mastered {cfg['delay_days']:g} days later", justify="right")
    for name, s in report["policies"].items():
        table.add_row(name, f"{s['median']:.0f}", f"{s['p90']:.0f}", str(s["censored"]),
                      f"{100 * s['share_at_budget']:.1f}%", f"{100 * s['delayed_share']:.1f}%")
    out.print(table)
    if report.get("pilot"):
        p = report["pilot"]
        out.print(f"pilot cohort: {p['learners']} learners, {p['rows']} answers; {p['model']} fitted on them "
                  "drives pathwise-fit")
    spans = report.get("ratio_intervals", {})
    for k, v in report["ratios"].items():
        span = f" (95% interval over learners {spans[k][0]:.2f}-{spans[k][1]:.2f})" if k in spans else ""
        out.print(f"{k}: {v:.2f}x{span}")


def _value(text: str) -> tuple[str, float]:
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise typer.BadParameter(f"{text!r}: write NAME=NUMBER, e.g. review=1.5")
    try:
        return name.strip(), float(raw)
    except ValueError:
        raise typer.BadParameter(f"{text!r}: {raw!r} is not a number") from None


def path_settings(
    action: Annotated[str | None, typer.Argument(help="fit-memory: fit a learned review memory model on the "
                                                      "school's answers and report how it and the path's model "
                                                      "predict recall (stores nothing).")] = None,
    min_outcomes: Annotated[int | None, typer.Option(help="fit-memory: answers after a gap needed for a fit.",
                                                     min=1)] = None,
    seed: Annotated[int, typer.Option(help="fit-memory: which learners are held out.")] = 0,
    weight: Annotated[list[str] | None, typer.Option("--weight", "-w", help="A scoring weight, NAME=NUMBER "
                                                     "(repeat for several).")] = None,
    k: Annotated[int | None, typer.Option(help="How many activities \"What's next\" offers.", min=1,
                                          max=20)] = None,
    target_retention: Annotated[float | None, typer.Option(help="Recall probability at which a review falls "
                                                                "due (0.5 to 0.99).")] = None,
    wheel_spin_limit: Annotated[int | None, typer.Option(help="Attempts without mastery before stepping back.",
                                                         min=2)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the settings as JSON.")] = False,
) -> None:
    """Show the path settings (scoring weights, offers, review retention, wheel-spinning
    limit), or change them: the change is stored as data and audited.

    `pathwise path-settings fit-memory` fits a learned memory model (FSRS-6) on the school's
    answers and reports, on a fifth of the learners held out, the log loss and calibration
    of the model reviews are scheduled with, of the learned model with its published
    weights, and of the fitted one. It stores nothing.

    Example: pathwise path-settings --weight review=1.5 --weight interest=0.5 --target-retention 0.9
    """
    from pathwise.services.access import Actor

    if action is not None:
        if action != "fit-memory":
            err.print(f"[red]error:[/red] unknown action {action!r}: the one action is fit-memory")
            raise typer.Exit(2)
        _fit_memory(min_outcomes, seed, as_json)
        return

    try:
        changes = dict(_value(w) for w in (weight or []))
    except typer.BadParameter as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    with service_call(migrate=True) as system:
        try:
            with transaction(system) as uow:
                cfg = path_state.load_config(uow)
                if changes or k is not None or target_retention is not None or wheel_spin_limit is not None:
                    params = cfg.to_params()
                    params["weights"] = {**params["weights"], **changes}
                    if k is not None:
                        params["k"] = k
                    if target_retention is not None:
                        params["target_retention"] = target_retention
                    if wheel_spin_limit is not None:
                        params["wheel_spin_limit"] = wheel_spin_limit
                    cfg = path_state.set_config(uow, Actor.system("cli"), params)
                    err.print("path settings saved")
        except Invalid as exc:  # a setting out of range: a usage error
            raise fail(exc, 2) from None
    params = cfg.to_params()
    if as_json:
        out.print_json(json.dumps(params))
        return
    table = Table(title="Path settings")
    table.add_column("setting")
    table.add_column("value", justify="right")
    for name, value in params["weights"].items():
        table.add_row(f"weight {name}", f"{value:g}")
    for name in ("k", "target_retention", "wheel_spin_limit", "focus_days"):
        table.add_row(name, f"{params[name]:g}")
    out.print(table)


def _fit_memory(min_outcomes: int | None, seed: int, as_json: bool) -> None:
    from pathwise.services import memory_fit
    from pathwise.services.access import Actor

    with service_call(migrate=True) as system:
        try:
            with transaction(system) as uow:
                kw = {} if min_outcomes is None else {"min_outcomes": min_outcomes}
                report = memory_fit.fit_memory(uow, Actor.system("cli"), seed=seed,
                                               progress=lambda m: err.print(m), **kw)
        except Invalid as exc:
            raise fail(exc, 2) from None
    if as_json:
        out.print_json(json.dumps(report.to_dict()))
        return
    err.print(report.message)
    table = Table(title=f"Memory model on {report.test_outcomes} held-out answers after a gap "
                        f"(fitted on {report.train_outcomes})")
    table.add_column("model")
    for name in ("log loss", "Brier", "calibration error"):
        table.add_column(name, justify="right")
    models = (("the path's (schedules reviews)", report.path_model), ("learned, published weights", report.defaults),
              ("learned, fitted", report.after))
    for name, sc in models:
        if sc is not None:
            table.add_row(name, f"{sc.log_loss:.4f}", f"{sc.brier:.4f}", f"{sc.ece:.4f}")
    out.print(table)
    for name, sc in models:
        if sc is None:
            continue
        cal = Table(title=f"Calibration, {name}: predicted vs observed recall")
        for col in ("bin", "answers", "predicted", "observed"):
            cal.add_column(col, justify="right")
        for b in sc.calibration:
            cal.add_row(f"{b.lo:.1f}-{b.hi:.1f}", str(b.n), f"{b.predicted:.3f}", f"{b.observed:.3f}")
        out.print(cal)
    for i, (a, b) in report.changed.items():
        out.print(f"w{i}: {a:g} -> {b:.4g}")
