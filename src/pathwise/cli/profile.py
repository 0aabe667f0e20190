"""``pathwise profile``: show or change a learner's profile from the server's command line.

Runs as the system actor through ``services.profile`` (the same checks and the same
audit as the pages and the API); never tables. A learner is named by id or username.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from pathwise.cli.common import err, out, service_call
from pathwise.domain import profile as prof
from pathwise.services import profile as profile_service
from pathwise.services.access import Actor
from pathwise.cli.common import transaction

profile_app = typer.Typer(help="Learner profiles: interests, ways of learning, goals, accommodations.",
                          no_args_is_help=True)

def _as_dict(v: profile_service.ProfileView) -> dict[str, Any]:
    a = v.accommodations
    return {
        "learner_id": v.learner_id, "name": v.learner_name, "interests": list(v.interests),
        "preferred_modalities": list(v.modalities),
        "goals": [{"skill_code": g.skill_code, "title": g.title,
                   "target_date": g.target_date.isoformat() if g.target_date else None, "mastered": g.mastered}
                  for g in v.goals],
        "accommodations": {"extended_time": a.extended_time, "fewer_choices": a.fewer_choices,
                           **{f: f in a.flags for f in prof.FLAGS}},
        "home_language": v.home_language, "grade": v.grade,
    }


def _print(v: profile_service.ProfileView, as_json: bool) -> None:
    d = _as_dict(v)
    if as_json:
        out.print_json(json.dumps(d))
        return
    table = Table(title=f"Profile of {v.learner_name} ({v.learner_id})", show_header=False)
    table.add_column("field")
    table.add_column("value")
    table.add_row("interests", ", ".join(d["interests"]) or "—")
    table.add_row("preferred modalities", ", ".join(d["preferred_modalities"]) or "—")
    table.add_row("goals", "; ".join(f"{g['skill_code']}" + (f" by {g['target_date']}" if g["target_date"] else "")
                                     + (" (mastered)" if g["mastered"] else "") for g in d["goals"]) or "—")
    acc = [f"extended_time={v.accommodations.extended_time:g}"] if v.accommodations.extended_time else []
    acc += [f"fewer_choices={v.accommodations.fewer_choices}"] if v.accommodations.fewer_choices else []
    acc += [f for f in prof.FLAGS if f in v.accommodations.flags]
    table.add_row("accommodations", ", ".join(acc) or "—")
    table.add_row("home language", v.home_language or "—")
    table.add_row("grade", v.grade or "—")
    out.print(table)


def _run(learner: str, patch: dict[str, Any] | None, as_json: bool) -> None:
    actor = Actor.system("cli")
    with service_call(migrate=True) as system, transaction(system) as uow:
        learner_id = profile_service.find_learner(uow, actor, learner)
        if patch is None:
            view = profile_service.get_profile(uow, actor, learner_id)
        else:
            view = profile_service.update_profile(uow, actor, learner_id, patch)
    if patch is not None:
        err.print("profile saved")
    _print(view, as_json)


@profile_app.command("show")
def show(
    learner: Annotated[str, typer.Argument(help="The learner's id or username.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile as JSON.")] = False,
) -> None:
    """Show a learner's interests, ways of learning, goals and accommodations.

    Example: pathwise profile show ana.lopez --json
    """
    _run(learner, None, as_json)


def _goal(text: str) -> dict[str, Any]:
    code, _, when = text.partition("@")
    return {"skill_code": code.strip(), "target_date": when.strip() or None}


def _off_or(text: str | None, kind: type[float] | type[int], name: str) -> float | int | None:
    if text is None or text.strip().lower() == "off":
        return None
    try:
        return kind(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a number or 'off'", param_hint=name) from None


@profile_app.command("set")
def set_profile(
    learner: Annotated[str, typer.Argument(help="The learner's id or username.")],
    interest: Annotated[list[str] | None, typer.Option("--interest", help="An interest (repeat; replaces the list).")]
    = None,
    clear_interests: Annotated[bool, typer.Option("--clear-interests", help="Remove every interest.")] = False,
    modality: Annotated[list[str] | None, typer.Option(
        "--modality", help=f"A way of learning: {', '.join(prof.MODALITY_CHOICES)} (repeat; replaces the list).")]
    = None,
    clear_modalities: Annotated[bool, typer.Option("--clear-modalities", help="Remove every way of learning.")]
    = False,
    goal: Annotated[list[str] | None, typer.Option(
        "--goal", help="A skill code, optionally with a target date: frac.add@2026-12-01 (repeat; replaces the list).")]
    = None,
    clear_goals: Annotated[bool, typer.Option("--clear-goals", help="Remove every goal.")] = False,
    extended_time: Annotated[str | None, typer.Option(help="Time factor above 1 and at most 4, or 'off'.")] = None,
    fewer_choices: Annotated[str | None, typer.Option(help="Choices per question (2 or more), or 'off'.")] = None,
    on: Annotated[list[str] | None, typer.Option("--on", help=f"Turn on: {', '.join(prof.FLAGS)} (repeat).")] = None,
    off: Annotated[list[str] | None, typer.Option("--off", help="Turn off one of those (repeat).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the new profile as JSON.")] = False,
) -> None:
    """Change a learner's profile; options left out keep their value. Audited.

    Example: pathwise profile set ana.lopez --interest sports --goal frac.add@2026-12-01 --extended-time 1.5 --on read_aloud
    """
    patch: dict[str, Any] = {}
    if interest or clear_interests:
        patch[prof.INTERESTS] = list(interest or [])
    if modality or clear_modalities:
        patch[prof.MODALITIES] = list(modality or [])
    if goal or clear_goals:
        patch[prof.GOALS] = [_goal(g) for g in goal or []]
    acc: dict[str, Any] = {}
    if extended_time is not None:
        acc["extended_time"] = _off_or(extended_time, float, "--extended-time")
    if fewer_choices is not None:
        acc["fewer_choices"] = _off_or(fewer_choices, int, "--fewer-choices")
    acc.update({f: True for f in on or []})
    acc.update({f: False for f in off or []})
    if acc:
        patch[prof.ACCOMMODATIONS] = acc
    if not patch:
        err.print("[red]error:[/red] nothing to change: give --interest, --modality, --goal, --extended-time, "
                  "--fewer-choices, --on or --off")
        raise typer.Exit(2)
    _run(learner, patch, as_json)
