"""The teacher's class grid as a working surface: rows and columns sorted and filtered, and
the series behind its charts.

``class_grid`` reads the class through ``school.class_view`` (the access policy is asked
there: teachers of the class and admins of its school; each student's record read is
audited), then sorts and filters its rows and columns:

* rows by name, or by how many of the shown skills need attention (most first);
* columns in the framework's order or grouped by unit, and only one unit when asked;
* "needs attention" only: the students with at least one cell that needs attention.

A cell *needs attention* when the student is still "getting there" on the skill after at
least ``ATTENTION_EVIDENCE`` pieces of evidence: the same rule that puts a student in a
"stuck" flexible group (``engine.insight.groups.GroupSettings.min_evidence``). It is read from
the stored estimates the grid shows, so the filter, the counts and the cells always agree.

The charts' series come from ``engine.insight.series``: the class's progress per week and
one learner's estimate on one skill over time replay the evidence through the live tracker
(the product's own fold); the distribution per skill counts the grid's own cells. The page
costs a fixed number of queries whatever the size of the class (the evidence of the whole
class is one read). Nothing here writes except the audit rows of ``class_view``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo

from pathwise.domain.mastery_states import State
from pathwise.domain.people import User
from pathwise.engine.insight.early_warning import mastery_only
from pathwise.engine.insight.groups import GroupSettings
from pathwise.engine.insight.series import (
    GRID_STATES,
    Reading,
    SkillCounts,
    WeekPoint,
    ChangesReplay,
    LearnerChanges,
    distribution,
    percent,
    skill_history,
    weekly_progress,
)
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.memo import KeyedCache
from pathwise.services.access import Actor, Need, require_learner
from pathwise.services.errors import Invalid
from pathwise.services.mastery import DEFAULT_THRESHOLD
from pathwise.services.school import ClassView, RosterRow, SkillColumn, SkillStatus, class_view
from pathwise.store.uow import UnitOfWork

ATTENTION_EVIDENCE = GroupSettings().min_evidence  # evidence on a skill before "getting there" needs attention
ROW_SORTS = ("name", "attention")
COLUMN_ORDERS = ("framework", "unit")
OTHER_UNIT = "Other skills"  # the heading of skills outside the class's framework, grouped by unit
WEEKS = 12  # weeks the class progress chart covers


@dataclass(frozen=True, slots=True)
class GridOptions:
    sort: str = "name"
    columns: str = "framework"
    unit: str | None = None  # a unit code: only its skills
    attention: bool = False  # only the students with a cell that needs attention

    @property
    def is_default(self) -> bool:
        return self == GridOptions()


def needs_attention(cell: SkillStatus | None) -> bool:
    """Still "getting there" after at least ``ATTENTION_EVIDENCE`` pieces of evidence."""
    return cell is not None and cell.n_evidence >= ATTENTION_EVIDENCE and cell.state is State.GETTING_THERE


@dataclass(frozen=True, slots=True)
class GridRow:
    learner: User
    cells: list[SkillStatus | None]  # one per shown column, in order (None: never estimated)
    n_attention: int  # cells among the shown columns that need attention
    row: RosterRow

    def attention(self, i: int) -> bool:
        return needs_attention(self.cells[i])


@dataclass(frozen=True, slots=True)
class UnitBand:
    """A run of neighbouring columns of one unit (the grid's second header row)."""

    title: str
    span: int


@dataclass(frozen=True, slots=True)
class ClassGrid:
    view: ClassView
    options: GridOptions
    columns: list[SkillColumn]
    rows: list[GridRow]
    bands: list[UnitBand]  # empty unless the columns are grouped by unit
    n_hidden_rows: int  # students left out by the "needs attention" filter
    progress: list[WeekPoint] = field(default_factory=list)
    per_skill: list[SkillCounts] = field(default_factory=list)

    @property
    def n_cells(self) -> int:
        return len(self.rows) * len(self.columns)

    @property
    def n_mastered(self) -> int:
        return sum(1 for r in self.rows for c in r.cells if c is not None and c.mastered)

    @property
    def percent_mastered(self) -> int:
        return percent(self.n_mastered, self.n_cells)

    @property
    def n_attention(self) -> int:
        return sum(r.n_attention for r in self.rows)

    @property
    def unit_title(self) -> str | None:
        return dict(self.view.units).get(self.options.unit or "")


def grid_options(sort: str | None, columns: str | None, unit: str | None, attention: str | None) -> GridOptions:
    """The options from a page's query, each checked (a bad value names its field)."""
    sort = (sort or "name").strip()
    if sort not in ROW_SORTS:
        raise Invalid("sort: choose 'name' or 'attention'", "sort")
    columns = (columns or "framework").strip()
    if columns not in COLUMN_ORDERS:
        raise Invalid("columns: choose 'framework' or 'unit'", "columns")
    flag = (attention or "").strip().lower()
    if flag not in ("", "0", "1", "yes", "no", "on", "off", "true", "false"):
        raise Invalid("attention: choose yes or no", "attention")
    return GridOptions(sort, columns, (unit or "").strip() or None, flag in ("1", "yes", "on", "true"))


def _order_columns(view: ClassView, opts: GridOptions) -> tuple[list[SkillColumn], list[UnitBand]]:
    cols = list(view.skills)
    units = [code for code, _ in view.units]
    if opts.unit is not None:
        if opts.unit not in units:
            raise Invalid("unit: this class's framework has no such unit", "unit")
        cols = [c for c in cols if c.unit == opts.unit]
    if opts.columns != "unit":
        return cols, []
    rank = {code: i for i, code in enumerate(units)}
    # stable: the framework's order inside each unit; skills of no unit last
    cols.sort(key=lambda c: rank.get(c.unit or "", len(rank)))
    titles = dict(view.units)
    bands: list[UnitBand] = []
    last: object = object()
    for c in cols:
        if c.unit != last:
            bands.append(UnitBand(titles.get(c.unit or "", OTHER_UNIT), 0))
            last = c.unit
        bands[-1] = UnitBand(bands[-1].title, bands[-1].span + 1)
    return cols, bands


def _rows(view: ClassView, cols: list[SkillColumn], opts: GridOptions) -> tuple[list[GridRow], int]:
    rows: list[GridRow] = []
    for r in view.roster:
        cells = [r.cells.get(c.code) for c in cols]
        rows.append(GridRow(r.learner, cells, sum(1 for c in cells if needs_attention(c)), r))
    shown = [r for r in rows if r.n_attention > 0] if opts.attention else rows
    shown.sort(key=lambda r: r.learner.display_name.casefold())
    if opts.sort == "attention":
        shown.sort(key=lambda r: -r.n_attention)  # stable: by name among equals
    return shown, len(rows) - len(shown)


def _per_skill(cols: list[SkillColumn], rows: list[GridRow]) -> list[SkillCounts]:
    states: dict[str, list[State]] = {c.code: [] for c in cols}
    for r in rows:
        for c, cell in zip(cols, r.cells, strict=True):
            states[c.code].append(cell.state if cell is not None else State.NOT_STARTED)
    return distribution([(c.code, c.title) for c in cols], states)


# Each student's replay for the progress series (``ChangesReplay``), keyed by everything it
# depends on but their evidence: the live model (its object, one per running system, and its
# version), the student, the shown skills with their thresholds and the school's zone. A kept
# replay says how many pieces of evidence it holds and the last one; a view compares that with
# the student's evidence count and newest time (``class_view`` reads them anyway). Equal: it is
# used as it is. More evidence: only what came after the replay's last piece is read and
# replayed onto a copy, and the count must then match; anything else (late, deleted or edited
# evidence, another worker's replay missing) replays the whole history. So a view after some
# students' new work reads and replays their new work only.
PROGRESS_CACHE: KeyedCache[ChangesReplay] = KeyedCache(8192)


def _progress_parts(uow: UnitOfWork, tracker: Tracker, rows: list[GridRow], skills: tuple[tuple[str, float], ...],
                    tz: tzinfo) -> list[LearnerChanges]:
    """Each shown student's part of the progress series: kept, continued or replayed afresh."""
    keys = {r.learner.id: (tracker, tracker.version, r.learner.id, skills, str(tz)) for r in rows}
    seen = {r.learner.id: (r.row.summary.n_evidence, r.row.summary.last_active) for r in rows}
    kept = {lid: PROGRESS_CACHE.get(key) for lid, key in keys.items()}
    model = mastery_only(tracker)
    thresholds = dict(skills)

    def fresh() -> ChangesReplay:
        return ChangesReplay(model, thresholds, thresholds, day_of=lambda at: at.astimezone(tz).date())

    parts: dict[str, ChangesReplay] = {}
    behind: dict[str, ChangesReplay] = {}
    for lid, replay in kept.items():
        n, newest = seen[lid]
        if replay is not None and replay.count == n and (replay.last[0] if replay.last else None) == newest:
            parts[lid] = replay
        elif n == 0:
            parts[lid] = fresh()
            PROGRESS_CACHE.put(keys[lid], parts[lid])
        elif replay is not None and replay.last is not None and replay.count < n:
            behind[lid] = replay
    if behind:  # one read for every student who worked since their replay was kept
        for lid, new in uow.grid_reads.evidence_after({lid: r.last for lid, r in behind.items() if r.last}).items():
            if behind[lid].count + len(new) == seen[lid][0]:
                parts[lid] = behind[lid].copy().add(new)
                PROGRESS_CACHE.put(keys[lid], parts[lid])
    missing = [lid for lid in keys if lid not in parts]
    if missing:  # one read for every student replayed afresh
        for lid, evs in uow.grid_reads.evidence_for_learners(missing).items():
            parts[lid] = fresh().add(evs)
            PROGRESS_CACHE.put(keys[lid], parts[lid])
    return [parts[lid].result() for lid in keys]


def class_grid(uow: UnitOfWork, actor: Actor, section_id: str, options: GridOptions | None = None, *,
               tracker: Tracker | None = None, today: date | None = None, zone: tzinfo | None = None) -> ClassGrid:
    """The class grid with ``options`` applied and its charts' series (the progress chart
    only when ``tracker``, the live model, is given); weeks are counted in ``zone`` (UTC)."""
    opts = options or GridOptions()
    view = class_view(uow, actor, section_id)  # the access policy, and the audit of each read
    cols, bands = _order_columns(view, opts)
    rows, hidden = _rows(view, cols, opts)
    grid = ClassGrid(view, opts, cols, rows, bands, hidden, per_skill=_per_skill(cols, rows))
    if tracker is None or not rows or not cols:
        return grid
    tz = zone or UTC
    when = today or datetime.now(tz).date()
    parts = _progress_parts(uow, tracker, rows, tuple((c.code, c.threshold) for c in cols), tz)
    progress = weekly_progress(parts, len(cols), when, weeks=WEEKS)
    return ClassGrid(view, opts, cols, rows, bands, hidden, list(progress), grid.per_skill)


# -- one learner, one skill -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SkillHistory:
    skill_code: str
    title: str
    threshold: float
    readings: list[Reading]

    @property
    def states(self) -> tuple[State, ...]:
        return GRID_STATES


def learner_skill_history(uow: UnitOfWork, actor: Actor, learner_id: str, skill_code: str, title: str,
                          tracker: Tracker) -> SkillHistory:
    """The learner's estimate on the skill after each piece of evidence on it (oldest first),
    replayed through the live model; asked of the access policy (and audited) like the page."""
    learner = require_learner(uow, actor, learner_id, Need.READ, "mastery")
    th = uow.learner_model.thresholds([skill_code], learner_id=learner.id).get(skill_code, DEFAULT_THRESHOLD)
    evidence = uow.grid_reads.evidence_for_learners([learner.id])[learner.id]
    return SkillHistory(skill_code, title, th, skill_history(mastery_only(tracker), evidence, skill_code, th))
