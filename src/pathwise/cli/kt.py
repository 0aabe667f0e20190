"""`pathwise kt ...`: the learner model from the command line (list, evaluate, fit, status)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pathwise.cli.common import err, fail, out, service_call, transaction

kt_app = typer.Typer(help="The learner model: list models, evaluate them, fit the live one.", no_args_is_help=True)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description:<22}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                    console=err, transient=False)


@kt_app.command("models")
def models_cmd() -> None:
    """List the learner models and which one is the default.

    Example: pathwise kt models
    """
    from pathwise.services.kt import list_models

    table = Table()
    for col in ("model", "default", "description"):
        table.add_column(col)
    for m in list_models():
        table.add_row(m.name, "yes" if m.default else "", m.description)
    out.print(table)


@kt_app.command("evaluate")
def evaluate_cmd(
    train: Annotated[Path, typer.Argument(help="Response-log CSV to fit on.")],
    test: Annotated[Path, typer.Argument(help="Response-log CSV to predict, row by row, in file order.")],
    model: Annotated[str | None, typer.Option(help="Model name (see `pathwise kt models`); default model if omitted.")] = None,
    predictions: Annotated[Path, typer.Option("--predictions", "-o", help="Where to write P(correct) per test row.")] = Path("predictions.csv"),
) -> None:
    """Fit on TRAIN only, predict each TEST row from that learner's earlier TEST rows, print metrics as JSON.

    Example: pathwise kt evaluate ../shared/data/kt/assist09/train.csv ../shared/data/kt/assist09/test.csv --model bkt
    """
    from pathwise.services.errors import ServiceError
    from pathwise.services.kt import evaluate, summary_json

    try:
        with _progress() as prog:
            task = prog.add_task("fitting", total=1.0)
            res = evaluate(train, test, predictions, model, progress=lambda f: prog.update(task, completed=f))
    except ServiceError as exc:
        raise fail(exc) from None
    print(summary_json(res))


@kt_app.command("fit")
def fit_cmd(
    csv: Annotated[Path | None, typer.Option("--csv", help="Fit on this response-log CSV instead of the stored evidence.")] = None,
    model: Annotated[str | None, typer.Option(help="The predictor to fit beside the mastery model (default: the default predictor; bkt-mastery: the mastery model alone).")] = None,
    activate: Annotated[bool | None, typer.Option("--activate/--no-activate", help="Make this fit the live model (default: for the default predictor or bkt-mastery).")] = None,
    min_responses: Annotated[int, typer.Option(help="Skills with fewer answers keep the framework defaults.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Refit the mastery model and a predictor from the database (or a CSV), store them with a version, rebuild mastery.

    Example: pathwise kt fit --csv ../shared/data/kt/assist09/train.csv
    """
    from pathwise.services.access import Actor
    from pathwise.services.kt import fit

    tasks: dict[str, int] = {}
    with service_call(migrate=True) as system, _progress() as prog:
        def tick(stage: str, f: float) -> None:
            if stage not in tasks:
                tasks[stage] = prog.add_task(stage, total=1.0)
            prog.update(tasks[stage], completed=f)

        report = fit(system, Actor.system(), csv_path=csv, model=model, activate=activate,
                     min_responses=min_responses, progress=tick)
    if as_json:
        print(json.dumps(report.summary()))
        return
    what = "the mastery model" if report.model == "bkt-mastery" else f"{report.model} (predictions) and the mastery model"
    out.print(f"fitted {what} on {report.rows} answers from {report.learners} learners, "
              f"{report.skills} skills, in {report.fit_seconds:.1f} s; version {report.version}")
    if report.sample:
        sample = report.sample
        out.print(f"a sample: {sample['learners']:,} of {sample['of_learners']:,} learners (whole histories, chosen "
                  f"by a fixed hash of their ids), {report.rows:,} of {sample['rows_available']:,} answers; "
                  f"PATHWISE_FIT_MAX_ROWS={sample['max_rows']:,} sets the limit")
    if "pace_spread" in report.learned:
        spread = report.learned["pace_spread"]
        out.print(f"learners' paces: spread {spread} (standard deviation of the log of the pace; "
                  + ("0: one pace fits all learners)" if spread == 0 else
                     f"a learner one spread quicker than typical learns in {math.exp(-spread):.0%} of the items)"))
    if report.fallback_skills:
        shown = ", ".join(report.fallback_skills[:12]) + (" ..." if len(report.fallback_skills) > 12 else "")
        out.print(f"[yellow]{len(report.fallback_skills)} skill(s) had fewer than {min_responses} answers "
                  f"and keep the framework defaults:[/yellow] {shown}")
    if report.active:
        out.print(f"now the live model; mastery rebuilt for {report.learners_rebuilt} learners")
    else:
        out.print("stored, not activated (the live model is unchanged)")


@kt_app.command("replay")
def replay_cmd(
    log: Annotated[Path, typer.Argument(help="Response-log CSV (canonical format) to replay.")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Where to write mastery before and after each answer.")] = Path("replay.csv"),
    threshold: Annotated[float | None, typer.Option(help="Mastered from this estimate (default: the framework's, else 0.95).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Replay a response log through the live learner model and check that mastery moves with the evidence.

    Writes, for each answer, its skills' mastery before and after and how many of the
    learner's other skills changed mastered state; prints how many right answers lowered
    a skill or wrong ones raised it (direction violations) and how many other skills
    flipped (cross-skill flips). Stores nothing.

    Example: pathwise kt replay ../shared/data/kt/statics/test.csv --out statics-replay.csv
    """
    from pathwise.services.errors import ServiceError
    from pathwise.services.kt import replay

    try:
        with service_call(migrate=True) as system, transaction(system) as uow, _progress() as prog:
            task = prog.add_task("replaying", total=1.0)
            report = replay(uow, system.tracker(uow), log, out_file, threshold=threshold,
                            progress=lambda f: prog.update(task, completed=f))
    except ServiceError as exc:
        raise fail(exc) from None
    if as_json:
        print(json.dumps(report.summary()))
        return
    out.print(f"replayed {report.answers} answers of {report.learners} learners through {report.version} "
              f"in {report.seconds:.1f} s; wrote {out_file}")
    out.print(f"direction violations: {report.direction_violations} (right answers that lowered a skill's mastery "
              f"or wrong ones that raised it, of {report.skill_readings} readings)")
    out.print(f"cross-skill flips: {report.cross_skill_flips} (other skills that changed mastered state at an answer)")
    if report.direction_violations or report.cross_skill_flips:
        raise typer.Exit(1)


@kt_app.command("rebuild")
def rebuild_cmd(
    everyone: Annotated[bool, typer.Option("--all", help="Rebuild every learner, not only those out of date.")] = False,
) -> None:
    """Rebuild mastery from the evidence for learners whose estimates came from another model version.

    Example: pathwise kt rebuild          (after an upgrade; `--all` to replay everyone)
    """
    from pathwise.services.access import Actor
    from pathwise.services.kt import rebuild

    with service_call(migrate=True) as system, _progress() as prog:
        task = prog.add_task("rebuilding mastery", total=1.0)
        n = rebuild(system, Actor.system(), everyone=everyone, progress=lambda f: prog.update(task, completed=f))
    out.print(f"mastery rebuilt for {n} learner{'s' if n != 1 else ''}")


@kt_app.command("status")
def status_cmd() -> None:
    """Show the live learner model (its mastery model and predictor), its version and what it was fitted on.

    Example: pathwise kt status
    """
    from pathwise.services.kt import active_model

    with service_call(migrate=True) as system, transaction(system) as uow:
        print(json.dumps(active_model(uow), indent=2, default=str))
