"""Learner-model use cases: read response logs, fit, evaluate, list models, store parameters.

``read_response_csv`` checks the canonical response-log CSV and reports every bad row
by line number (unknown columns, missing fields, correctness outside 0/1 or [0,1],
unparseable timestamps). ``evaluate`` runs the project's evaluation protocol: fit on
TRAIN only, then predict each TEST row from the fitted model and that learner's
earlier TEST rows. ``fit_from_*`` store fitted parameters as data with a model
version. The CLI and any other door call these; they never touch the engine directly.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from pathwise.engine.kt import models as kt_models
from pathwise.engine.kt.data import ResponseLog
from pathwise.engine.kt.metrics import report
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.context import App, transaction
from pathwise.services.errors import Invalid
from pathwise.store.uow import UnitOfWork

REQUIRED = ("student_id", "item_id", "skill_ids", "correct", "timestamp")
OPTIONAL = ("duration_s", "hints", "attempt", "evidence_id")
MAX_PROBLEMS = 50


class BadResponseLog(Invalid):
    """A response-log file with bad rows; ``problems`` lists them with line numbers."""


def parse_timestamp(text: str) -> float:
    """Epoch seconds (or an order position) as a number, or ISO 8601 with a zone."""
    t = text.strip()
    try:
        v = float(t)
        if math.isfinite(v):
            return v
    except ValueError:
        pass
    dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def parse_rows(lines: Iterable[str], source: str = "input") -> ResponseLog:
    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise BadResponseLog(f"{source}: empty file, expected a header row", problems=[f"{source}: empty"]) from None
    except csv.Error as exc:
        raise BadResponseLog(f"{source} line 1: unreadable CSV: {_unreadable(exc)}",
                             problems=[f"{source} line 1: unreadable CSV: {_unreadable(exc)}"]) from None
    problems: list[str] = []
    unknown = [h for h in header if h not in REQUIRED and h not in OPTIONAL]
    if unknown:
        problems.append(f"{source} line 1: unknown column(s) {', '.join(unknown)}")
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        problems.append(f"{source} line 1: missing column(s) {', '.join(missing)}")
    if problems:
        raise BadResponseLog("; ".join(problems), problems=problems)
    pos = {h: header.index(h) for h in REQUIRED}
    log = ResponseLog()
    for row in _rows(reader, source, problems):
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            problems.append(f"{source} line {line}: {len(row)} fields, expected {len(header)}")
            continue
        v = {h: row[i].strip() for h, i in pos.items()}
        empty = [h for h in ("student_id", "correct", "timestamp") if not v[h]]
        if empty:
            problems.append(f"{source} line {line}: missing {', '.join(empty)}")
            continue
        try:
            c = float(v["correct"])
            if not (0.0 <= c <= 1.0):
                raise ValueError
        except ValueError:
            problems.append(f"{source} line {line}: correct must be 0 or 1 (or a score in [0,1]), got {v['correct']!r}")
            continue
        try:
            ts = parse_timestamp(v["timestamp"])
        except ValueError:
            problems.append(f"{source} line {line}: unparseable timestamp {v['timestamp']!r}")
            continue
        skills = tuple(s.strip() for s in v["skill_ids"].split(";") if s.strip())
        log.append(v["student_id"], v["item_id"] or None, skills, c, ts)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise BadResponseLog(f"{source}: {len(problems)} bad row(s); first: {problems[0]}", problems=problems)
    return log


def _unreadable(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a field is longer than {csv.field_size_limit()} characters"
    return str(exc)


def _rows(reader: Any, source: str, problems: list[str]) -> Iterator[list[str]]:
    """The reader's rows; a row the CSV reader cannot read becomes a problem naming its line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(f"{source} line {reader.line_num}: unreadable CSV: {_unreadable(exc)}")
            if len(problems) >= MAX_PROBLEMS:
                return


def read_response_csv(path: str | Path) -> ResponseLog:
    p = Path(path)
    if not p.is_file():
        raise Invalid(f"no such file: {p}", field="path")
    with p.open(newline="", encoding="utf-8-sig") as fh:
        return parse_rows(fh, source=p.name)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    description: str
    default: bool


def list_models() -> list[ModelInfo]:
    return [ModelInfo(n, d, n == kt_models.DEFAULT) for n, d in kt_models.describe().items()]


def _check_model(name: str | None) -> str:
    n = name or kt_models.DEFAULT
    if n not in kt_models.describe():
        raise Invalid(f"unknown model {n!r}; known: {', '.join(kt_models.describe())}", field="model")
    return n


@dataclass(slots=True)
class EvaluationResult:
    model: str
    predictions: np.ndarray
    metrics: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"model": self.model, **{k: round(v, 6) for k, v in self.metrics.items()}}


def evaluate_logs(train: ResponseLog, test: ResponseLog, model: str | None = None,
                  progress: Callable[[float], None] | None = None) -> EvaluationResult:
    name = _check_model(model)
    if len(train) == 0:
        raise Invalid("the training log has no rows", field="train")
    est = kt_models.create(name)
    t0, c0 = time.perf_counter(), time.process_time()
    est.fit(train, progress=progress)
    t1, c1 = time.perf_counter(), time.process_time()
    p = est.predict_sequential(test) if len(test) else np.zeros(0)
    t2 = time.perf_counter()
    p = np.clip(np.nan_to_num(np.asarray(p, dtype=float), nan=0.5), 0.0, 1.0)
    metrics = report(test.y(), p) if len(test) else {}
    metrics.update(fit_seconds=t1 - t0, fit_cpu_seconds=c1 - c0, predict_seconds=t2 - t1)
    return EvaluationResult(name, p, metrics)


def evaluate(train_csv: str | Path, test_csv: str | Path, predictions_csv: str | Path, model: str | None = None,
             progress: Callable[[float], None] | None = None) -> dict[str, Any]:
    """The ``pathwise kt evaluate`` contract; returns the JSON summary it prints."""
    name = _check_model(model)
    train = read_response_csv(train_csv)
    test = read_response_csv(test_csv)
    res = evaluate_logs(train, test, name, progress)
    out = Path(predictions_csv)
    with out.open("w", newline="", encoding="utf-8") as fh:
        fh.write("p_correct\n")
        fh.writelines(f"{x:.6f}\n" for x in res.predictions)
    return res.summary()


def summary_json(d: dict[str, Any]) -> str:
    return json.dumps(d, sort_keys=False)


# -- fitting the product's model and storing its parameters -------------------------------

MIN_RESPONSES = 10  # a skill with fewer answers keeps the framework defaults


@dataclass(frozen=True, slots=True)
class FitReport:
    model: str
    version: str
    rows: int
    learners: int
    skills: int
    fallback_skills: list[str]
    fit_seconds: float
    active: bool
    learners_rebuilt: int
    learned: dict[str, Any] = field(default_factory=dict)  # what the model says it learned (e.g. a pace spread)
    # when the answers were more than ``fit_max_rows``: the learners fitted on, of how many,
    # and the answers there were (``fit_sample``); None when every answer was used
    sample: dict[str, Any] | None = None

    def summary(self) -> dict[str, Any]:
        return {"model": self.model, "version": self.version, "rows": self.rows, "learners": self.learners,
                "skills": self.skills, "fallback_skills": self.fallback_skills,
                "fit_seconds": round(self.fit_seconds, 3), "active": self.active,
                "learners_rebuilt": self.learners_rebuilt, "learned": self.learned,
                **({"sample": self.sample} if self.sample else {})}


def log_from_database(uow: UnitOfWork, school_id: str | None = None,
                      learner_ids: Iterable[str] | None = None) -> ResponseLog:
    """Scored evidence with skills, per learner in time order, as a response log (only
    that of ``learner_ids`` when given)."""
    from pathwise.engine.kt.tracker import SCORED

    log = ResponseLog()
    chosen = None if learner_ids is None else list(learner_ids)
    for ev, _ext in uow.evidence.stream(school_id, learner_ids=chosen):
        if ev.kind in SCORED and ev.skill_codes:
            log.append(ev.learner_id, ev.item_id, ev.skill_codes, float(ev.score), ev.timestamp.timestamp())
    return log


def fit_sample(counts: dict[str, int], max_rows: int) -> list[str] | None:
    """The learners a fit reads when their answers are more than ``max_rows``: whole
    learners (a learner's history is never cut) in a fixed pseudo-random order (a hash of
    their id, so a refit on grown data keeps most of the same learners) until ``max_rows``
    are reached. None when everything fits.

    A logistic model of a few thousand columns is determined long before a district's
    twenty million answers; holding every answer's feature row would need tens of GB (about
    160 non-zero features an answer). bench/district measures what the cap costs."""
    if sum(counts.values()) <= max_rows:
        return None
    chosen: list[str] = []
    rows = 0
    for learner in sorted(counts, key=lambda k: hashlib.sha256(k.encode()).digest()):
        if rows >= max_rows:
            break
        chosen.append(learner)
        rows += counts[learner]
    return chosen


def sample_log(log: ResponseLog, max_rows: int) -> ResponseLog:
    """``log`` limited to the learners ``fit_sample`` chooses (itself when it fits)."""
    counts: dict[str, int] = {}
    for student in log.students:
        counts[student] = counts.get(student, 0) + 1
    chosen = fit_sample(counts, max_rows)
    if chosen is None:
        return log
    keep = set(chosen)
    rows = [i for i, student in enumerate(log.students) if student in keep]
    return ResponseLog([log.students[i] for i in rows], [log.items[i] for i in rows], [log.skills[i] for i in rows],
                       [log.correct[i] for i in rows], [log.times[i] for i in rows])


def thin_skills(log: ResponseLog, min_responses: int = MIN_RESPONSES) -> tuple[ResponseLog, list[str]]:
    """The log without the skills that have too few answers to fit, and those skills.

    An answer keeps its other skills; an answer left with none stays in the log with no
    skill, so the learner's history is intact and nothing about the thin skill is fitted.
    """
    counts: dict[str, int] = {}
    for sk in log.skills:
        for k in sk:
            counts[k] = counts.get(k, 0) + 1
    thin = sorted(k for k, n in counts.items() if n < min_responses)
    if not thin:
        return log, []
    drop = set(thin)
    out = ResponseLog(list(log.students), list(log.items), [tuple(k for k in sk if k not in drop) for sk in log.skills],
                      list(log.correct), list(log.times))
    return out, thin


@dataclass(slots=True)
class FittedModel:
    name: str
    estimator: Any
    params: dict[str, Any]
    fallback: list[str]  # skills left on the defaults: too few answers
    seconds: float

    def learned(self) -> dict[str, Any]:
        """What the model reports having learned beyond its per-skill parameters, if anything."""
        summary = getattr(self.estimator, "fit_summary", None)
        return dict(summary()) if summary else {}


def fit_on_log(log: ResponseLog, model: str | None = None, *, min_responses: int = MIN_RESPONSES,
               progress: Callable[[float], None] | None = None) -> FittedModel:
    """Fit ``model`` (default: the product's) on ``log`` as ``pathwise kt fit`` does: skills
    with fewer than ``min_responses`` answers are left out and keep the defaults. Stores
    nothing; the callers decide what becomes live."""
    name = _check_model(model)
    fit_log, thin = thin_skills(log, min_responses)
    est = kt_models.create(name)
    if hasattr(est, "min_responses"):
        est.min_responses = min_responses
    t0 = time.perf_counter()
    est.fit(fit_log, progress=progress)
    secs = time.perf_counter() - t0
    fallback = sorted(set(thin) | set(getattr(est, "fallback_", []) or []))
    return FittedModel(name, est, est.to_params(), fallback, secs)


def fit_product(log: ResponseLog, model: str | None = None, *, min_responses: int = MIN_RESPONSES,
                progress: Callable[[str, float], None] | None = None) -> tuple[FittedModel | None, FittedModel]:
    """Fit the product's learner model on ``log``: the predictor ``model`` (default: the
    default predictor; none when ``model`` is the mastery model itself) and the mastery
    model, from the same evidence. Stores nothing."""
    name = _check_model(model)
    say = progress or (lambda _stage, _f: None)
    predictor = None
    if name != kt_models.MASTERY_MODEL:
        predictor = fit_on_log(log, name, min_responses=min_responses,
                               progress=lambda f: say("fitting the predictor", f))
    mastery = fit_on_log(log, kt_models.MASTERY_MODEL, min_responses=min_responses,
                         progress=lambda f: say("fitting mastery", f))
    return predictor, mastery


def _product_summary(log: ResponseLog, predictor: FittedModel | None, mastery: FittedModel,
                     source: str) -> dict[str, Any]:
    learned = {**(predictor.learned() if predictor else {}), **mastery.learned()}
    fallback = sorted(set(mastery.fallback) | set(predictor.fallback if predictor else []))
    return {"rows": len(log), "learners": len(set(log.students)), "skills": len(log.skill_set()),
            "fallback_skills": fallback,
            "fit_seconds": round(mastery.seconds + (predictor.seconds if predictor else 0.0), 3),
            "predictor": predictor.name if predictor else None, "mastery_model": kt_models.MASTERY_MODEL,
            "source": source, **({"learned": learned} if learned else {})}


def _store_product(uow: UnitOfWork, predictor: FittedModel | None, mastery: FittedModel, summary: dict[str, Any],
                   activate: bool) -> str:
    """Store the fitted parameters as data with one version; the product's slot if ``activate``."""
    name = predictor.name if predictor else mastery.name
    version = f"{name}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
    if predictor is not None:
        uow.model_params.add_active(predictor.name, version, predictor.params, summary)
    uow.model_params.add_active(mastery.name, version, mastery.params, summary)
    if activate:
        uow.model_params.add_active(kt_models.PRODUCT_SLOT, version,
                                    kt_models.product_params(mastery.params, predictor.params if predictor else None),
                                    summary)
    return version


def fit(system: App, actor: Any, *, csv_path: str | Path | None = None, model: str | None = None,
        activate: bool | None = None, min_responses: int = MIN_RESPONSES, rebuild: bool = True,
        progress: Callable[[str, float], None] | None = None) -> FitReport:
    """Fit the product's learner model on a response CSV or on the stored evidence and
    store its parameters as data: the predictor ``model`` (default: the default
    predictor) and the mastery model, fitted from the same evidence, under one version.

    Fitting the default predictor (or ``activate``) makes the pair the live learner
    model, and every learner's mastery is rebuilt by replaying their evidence through
    it. Skills with fewer than ``min_responses`` answers are not fitted: they keep the
    framework defaults and the report names them.

    Long work in stages, so it takes the ``App`` rather than a unit of work and opens its
    own transactions (``transaction(system)``): one reads the evidence, the fit runs outside
    any transaction, one stores the parameters (and is committed before the live model
    changes), and the rebuild commits every 200 learners (``_rebuild``).
    """
    from pathwise.domain.people import Role
    from pathwise.services.access import require_role

    require_role(actor, Role.ADMIN)
    name = _check_model(model)
    act = (name in (kt_models.DEFAULT, kt_models.MASTERY_MODEL)) if activate is None else activate
    say = progress or (lambda _stage, _f: None)
    cap = system.settings.fit_max_rows
    if csv_path is not None:
        say("reading responses", 0.0)
        whole = read_response_csv(csv_path)
        available, learners_available = len(whole), len(set(whole.students))
        log = sample_log(whole, cap)
        del whole
        say("reading responses", 1.0)
    else:
        with transaction(system) as uow:
            say("reading evidence", 0.0)
            counts = uow.evidence.learner_counts()
            available, learners_available = sum(counts.values()), len(counts)
            log = log_from_database(uow, learner_ids=fit_sample(counts, cap))
            say("reading evidence", 1.0)
    if len(log) == 0:
        raise Invalid("there is no evidence to fit on", field="csv" if csv_path else "database")
    predictor, mastery_fit = fit_product(log, name, min_responses=min_responses, progress=say)
    summary = _product_summary(log, predictor, mastery_fit, "csv" if csv_path else "database")
    if len(set(log.students)) < learners_available:  # said wherever the fit is reported
        summary["sample"] = {"learners": len(set(log.students)), "of_learners": learners_available,
                             "rows_available": available, "max_rows": cap}
    rebuilt = 0
    with transaction(system) as uow:
        version = _store_product(uow, predictor, mastery_fit, summary, act)
    if act:
        system.reset_tracker()
        if rebuild:
            with transaction(system) as uow:
                ids = uow.evidence.learner_ids()
            rebuilt = _rebuild(system, ids, lambda f: say("rebuilding mastery", f))
    return FitReport(name, version, len(log), len(set(log.students)), len(log.skill_set()),
                     summary["fallback_skills"], summary["fit_seconds"], act, rebuilt, summary.get("learned", {}),
                     summary.get("sample"))


REBUILD_CHUNK = 200  # learners a transaction in a rebuild
PARALLEL_FROM = 10 * REBUILD_CHUNK  # fewer learners: one process (starting others takes seconds)


def rebuild_workers(system: App, learners: int) -> int:
    """How many processes rebuild ``learners`` learners: ``PATHWISE_REBUILD_WORKERS`` when
    set; else one for a small rebuild or on SQLite (one writer at a time), and one per core
    up to four on PostgreSQL, never more than there are chunks."""
    chunks = max(1, math.ceil(learners / REBUILD_CHUNK))
    chosen = system.settings.rebuild_workers
    if chosen is None:
        if learners < PARALLEL_FROM or system.db.engine.dialect.name == "sqlite":
            return 1
        chosen = min(os.cpu_count() or 1, 4)
    return max(1, min(chosen, chunks))


def _rebuild_chunk(system: App, chunk: list[str]) -> int:
    """One chunk of learners replayed and committed; their review schedules follow the new
    estimates, as they do after an import."""
    from pathwise.services import mastery, path_state

    with transaction(system) as uow:
        mastery.rebuild(uow, system.tracker(uow), chunk)
        path_state.sync_learners(uow, chunk)
    return len(chunk)


_worker_system: App | None = None  # a rebuild worker process's own App (its own connections)


def _start_rebuild_worker(settings: Any) -> None:
    global _worker_system
    _worker_system = App.from_settings(settings)


def _rebuild_in_worker(chunk: list[str]) -> int:
    assert _worker_system is not None, "not a rebuild worker"
    return _rebuild_chunk(_worker_system, chunk)


def _rebuild(system: App, ids: list[str], progress: Callable[[float], None] | None = None) -> int:
    """Replay the learners' evidence through the live model, ``REBUILD_CHUNK`` at a time,
    each chunk in its own transaction (``transaction(system)``, committed per chunk: so it
    takes the ``App``). With more than one worker (``rebuild_workers``) the chunks are shared
    among that many processes, each with its own connections and its own copy of the live
    model: the replay is CPU work in Python, which one process does on one core. A chunk
    that fails stops the rebuild (the chunks not yet begun are not begun) and its error is
    raised; every committed chunk is whole, and a rebuild run again replays them all."""
    chunks = [ids[i:i + REBUILD_CHUNK] for i in range(0, len(ids), REBUILD_CHUNK)]
    total = max(len(ids), 1)
    done = 0
    workers = rebuild_workers(system, len(ids))
    if workers == 1:
        for chunk in chunks:
            done += _rebuild_chunk(system, chunk)
            if progress is not None:
                progress(done / total)
        return done
    import multiprocessing
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

    # "spawn": a fresh interpreter, not a fork of this one's threads and open connections
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start_rebuild_worker, initargs=(system.settings,)) as pool:
        pending = {pool.submit(_rebuild_in_worker, chunk) for chunk in chunks}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for f in finished:
                if f.exception() is not None:
                    for other in pending:
                        other.cancel()
                    raise f.exception()  # type: ignore[misc]
                done += f.result()
            if progress is not None:
                progress(done / total)
    return done


def rebuild(system: App, actor: Any, *, everyone: bool = False,
            progress: Callable[[float], None] | None = None) -> int:
    """Rebuild the mastery projection of learners whose stored estimates came from another
    version of the learner model (after an upgrade, say), or of everyone; returns how many.

    A rebuild over many learners commits every 200 of them, so it takes the ``App`` and
    opens its own transactions (``transaction(system)``, see ``_rebuild``).
    """
    from pathwise.domain.people import Role
    from pathwise.services.access import require_role

    require_role(actor, Role.ADMIN)
    version = system.tracker().version
    with transaction(system) as uow:
        ids = uow.evidence.learner_ids() if everyone else uow.learner_model.outdated_learners(version)
    return _rebuild(system, ids, progress)


def active_model(uow: UnitOfWork) -> dict[str, Any]:
    """The learner model live now: its mastery model and predictor, version and fit summary."""
    row = uow.model_params.active(kt_models.PRODUCT_SLOT)
    if row is None:
        return {"mastery_model": kt_models.MASTERY_MODEL, "predictor": None, "version": "mastery-defaults",
                "fitted": False,
                "note": "no fitted model yet: the mastery model's default parameters drive mastery and predictions"}
    params = row.params or {}
    if params.get("model") == kt_models.PRODUCT:
        pred = (params.get("prediction") or {}).get("model")
    else:  # stored before mastery had its own model: a predictor alone
        pred = params.get("model")
    return {**(row.summary or {}), "mastery_model": kt_models.MASTERY_MODEL, "predictor": pred,
            "version": row.version, "fitted": True, "fitted_at": row.fitted_at.isoformat()}


def fit_live_model(uow: UnitOfWork, log: ResponseLog, *, source: str, min_responses: int = MIN_RESPONSES,
                   progress: Callable[[float], None] | None = None) -> Any:
    """Fit the product's learner model on ``log`` inside ``uow``, make it live, return its tracker.

    For callers that write evidence and mastery in one transaction (the demo seed): the
    caller replays evidence through the returned tracker and commits.
    """
    predictor, mastery_fit = fit_product(
        log, kt_models.DEFAULT, min_responses=min_responses,
        progress=(lambda stage, f: progress(0.8 * f if "predictor" in stage else 0.8 + 0.2 * f)) if progress else None)
    summary = _product_summary(log, predictor, mastery_fit, source)
    version = _store_product(uow, predictor, mastery_fit, summary, True)
    uow.flush()
    return kt_models.product_tracker(kt_models.product_params(mastery_fit.params,
                                                              predictor.params if predictor else None), version)


# -- replaying a response log through the live learner model -------------------------------


@dataclass(frozen=True, slots=True)
class ReplayReport:
    answers: int
    learners: int
    skill_readings: int  # (answer, skill) pairs read before and after
    direction_violations: int  # a right answer that lowered its skill, or a wrong one that raised it
    cross_skill_flips: int  # other skills whose mastered state changed at an answer
    mastered_after: int  # (learner, skill) pairs read as mastered at the end
    threshold: float
    version: str
    seconds: float

    def summary(self) -> dict[str, Any]:
        return {"answers": self.answers, "learners": self.learners, "skill_readings": self.skill_readings,
                "direction_violations": self.direction_violations, "cross_skill_flips": self.cross_skill_flips,
                "mastered_after": self.mastered_after, "threshold": self.threshold, "version": self.version,
                "seconds": round(self.seconds, 2)}


REPLAY_HEADER = ("line", "student_id", "item_id", "skill_ids", "correct", "timestamp", "mastery_before",
                 "mastery_after", "other_skills_flipped")


def replay(uow: UnitOfWork, tracker: Tracker, csv_path: str | Path, out_path: str | Path, *,
           threshold: float | None = None, progress: Callable[[float], None] | None = None) -> ReplayReport:
    """Replay a response log through the live learner model ``tracker``, learner by learner
    in time order; ``uow`` only reads the skills' thresholds.

    Writes one row per answer: its skills' mastery before and after (``;``-separated, in
    the order of ``skill_ids``) and how many of the learner's other skills changed mastered
    state at that answer; counts direction violations (a right answer, score above one
    half, that lowered one of its skills; a wrong one, below one half, that raised one)
    and such cross-skill flips. Nothing is stored: the log's students need not exist.
    ``threshold`` is "mastered" (default: the framework's, else 0.95).
    """
    from pathwise.domain.evidence import derived_evidence_id
    from pathwise.services.mastery import DEFAULT_THRESHOLD, thresholds
    from pathwise.services.responses import answer_evidence, read_responses

    p = Path(csv_path)
    if not p.is_file():
        raise Invalid(f"no such file: {p}", field="path")
    if threshold is not None and not 0.0 < threshold <= 1.0:
        raise Invalid("the threshold must be in (0, 1]", field="threshold")
    with p.open("r", encoding="utf-8-sig", newline="") as fh:
        rows, errors = read_responses(fh)
    if errors:
        raise BadResponseLog(f"{p.name}: {len(errors)} bad row(s); first: {errors[0]}",
                             problems=[str(e) for e in errors[:MAX_PROBLEMS]])
    ths = thresholds(uow, {k for r in rows for k in r.skill_codes})
    t0 = time.perf_counter()
    by_learner: dict[str, list[Any]] = {}
    for r in rows:
        by_learner.setdefault(r.student_id, []).append(r)
    violations = flips = readings = mastered_after = done = 0
    out_rows: list[tuple[int, list[str]]] = []
    for sid, rs in by_learner.items():
        rs.sort(key=lambda r: (r.timestamp, r.line))
        learner = tracker.new_learner()
        mastered: dict[str, bool] = {}

        def th(skill: str) -> float:
            return threshold if threshold is not None else ths.get(skill, DEFAULT_THRESHOLD)

        for r in rs:
            skills = list(dict.fromkeys(r.skill_codes))
            before = [tracker.estimate(learner, k).p_mastery for k in skills]
            eid = r.evidence_id or derived_evidence_id(f"replay:{sid}", r.item_id, r.timestamp.astimezone(UTC),
                                                       r.attempt)
            tracker.observe(learner, answer_evidence(r, sid, eid))
            after = [tracker.estimate(learner, k).p_mastery for k in skills]
            readings += len(skills)
            for b, a in zip(before, after, strict=True):
                if (r.correct > 0.5 and a < b - 1e-12) or (r.correct < 0.5 and a > b + 1e-12):
                    violations += 1
            n_flip = 0
            for k, was in mastered.items():
                if k in skills:
                    continue
                now = tracker.estimate(learner, k).p_mastery >= th(k)
                if now != was:
                    n_flip += 1
                    mastered[k] = now
            flips += n_flip
            for k, a in zip(skills, after, strict=True):
                mastered[k] = a >= th(k)
            out_rows.append((r.line, [str(r.line), sid, r.item_id, ";".join(r.skill_codes), f"{r.correct:g}",
                                      r.timestamp.isoformat(), ";".join(f"{b:.6f}" for b in before),
                                      ";".join(f"{a:.6f}" for a in after), str(n_flip)]))
            done += 1
            if progress is not None and done % 2000 == 0:
                progress(done / len(rows))
        mastered_after += sum(mastered.values())
    out_rows.sort(key=lambda x: x[0])
    with Path(out_path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(REPLAY_HEADER)
        w.writerows(r for _, r in out_rows)
    if progress is not None:
        progress(1.0)
    return ReplayReport(len(rows), len(by_learner), readings, violations, flips, mastered_after,
                        threshold if threshold is not None else DEFAULT_THRESHOLD, tracker.version,
                        time.perf_counter() - t0)
