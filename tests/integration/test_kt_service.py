"""Fitting the learner model from the database (SQLite and PostgreSQL): parameters are
stored as data with a version, the default model becomes the live one, live mastery
equals a replay of all evidence through it, thin skills keep the defaults and are named,
and bad requests change nothing."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role
from pathwise.engine.kt import models as kt_models
from pathwise.services import kt, mastery
from pathwise.services.access import Actor
from pathwise.services.errors import Forbidden, Invalid
from pathwise.services.evidence import record_evidence
from tests.integration.factories import T0, answers, build_tiny


def _history(learner: str, n: int, seed: int) -> list[Evidence]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        skill = "frac.equiv" if i % 3 else "frac.add"
        p = 0.35 + 0.6 * i / n
        out.append(Evidence(f"h-{learner}-{i}", learner, EvidenceKind.ANSWER, (skill,), float(rng.random() < p),
                            T0 + timedelta(minutes=i), item_id=f"{skill}-item{i % 4}"))
    return out


def _tiny_with_histories(app):  # type: ignore[no-untyped-def]
    """The tiny school with 60 answers each from Alice, Bob and Carol, through the live model."""
    t = build_tiny(app)
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), Actor.system("test"),
                        _history(t.alice, 60, 1) + _history(t.bob, 60, 2) + _history(t.carol, 60, 3))
        uow.commit()
    return t


def _live(app, learner: str) -> dict[str, tuple[float, int]]:  # type: ignore[no-untyped-def]
    with app.uow() as uow:
        return {k: (round(r.p_mastery, 12), r.n_evidence) for k, r in uow.mastery.for_learner(learner).items()}


def test_fit_from_the_database_activates_the_default_and_replay_equals_live(app) -> None:  # type: ignore[no-untyped-def]
    t = _tiny_with_histories(app)
    assert app.tracker().version == mastery.FALLBACK_VERSION
    stages: list[str] = []
    report = kt.fit(app, Actor.system("test"), progress=lambda s, f: stages.append(s))
    assert report.model == kt_models.DEFAULT and report.active and report.rows == 180
    assert report.learners_rebuilt == 3 and "rebuilding mastery" in stages
    assert "fitting the predictor" in stages and "fitting mastery" in stages
    assert app.tracker().version == report.version
    with app.uow() as uow:
        assert kt.active_model(uow)["version"] == report.version

    # new evidence after the fit goes through the fitted model at once ...
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), Actor.system("test"),
                        answers(t.alice, "frac.add", [1, 1, 1], start=T0 + timedelta(days=2), prefix="late"))
        uow.commit()
    live = _live(app, t.alice)
    assert live["frac.add"][1] == 23
    # ... and replaying everything through the current model gives exactly the live state
    with app.uow() as uow:
        replayed = mastery.replay(app.tracker(), uow.evidence.for_learner(t.alice))
    assert live == {k: (round(v["p_mastery"], 12), v["n_evidence"]) for k, v in replayed.items()}
    with app.uow() as uow:
        rows = uow.mastery.for_learner(t.alice)
        assert all(r.model_version == report.version for r in rows.values())


def test_thin_skills_keep_defaults_and_non_default_models_do_not_go_live(app) -> None:  # type: ignore[no-untyped-def]
    t = build_tiny(app)
    with app.uow() as uow:
        evs = _history(t.alice, 40, 4)
        evs = [e for e in evs if e.skill_codes == ("frac.equiv",)] + answers(t.alice, "frac.add", [1, 0, 1])
        record_evidence(uow, app.tracker(), Actor.system("test"), evs)
        uow.commit()
    report = kt.fit(app, Actor.system("test"), model="bkt", min_responses=10)
    assert report.fallback_skills == ["frac.add"] and not report.active
    assert app.tracker().version == mastery.FALLBACK_VERSION
    with app.uow() as uow:
        stored = uow.model_params.active("bkt")
        assert stored is not None and stored.version == report.version
        assert set(stored.params["skills"]) == {"frac.equiv"}


def test_bad_requests_change_nothing(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    t = build_tiny(app)
    with pytest.raises(Invalid, match="no evidence"):
        kt.fit(app, Actor.system("test"))
    with pytest.raises(Invalid, match="unknown model"):
        kt.fit(app, Actor.system("test"), model="deep-magic")
    with pytest.raises(Forbidden):
        kt.fit(app, Actor(t.teacher, Role.TEACHER, t.school))
    bad = tmp_path / "bad.csv"
    bad.write_text("student_id,item_id,skill_ids,correct,timestamp\ns1,i1,k1,7,1\n")
    with pytest.raises(kt.BadResponseLog, match="line 2"):
        kt.fit(app, Actor.system("test"), csv_path=bad)
    with app.uow() as uow:
        assert uow.model_params.active(kt_models.PRODUCT_SLOT) is None


def test_the_cli_evaluates_and_fits_from_a_csv(sqlite_url, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pathwise.cli import app as cli
    from pathwise.config import get_settings

    rng = random.Random(9)
    lines = ["student_id,item_id,skill_ids,correct,timestamp"]
    for s in range(30):
        for i in range(30):
            lines.append(f"s{s},i{i % 7},k{i % 3},{int(rng.random() < 0.3 + 0.02 * i)},{i}")
    train = tmp_path / "train.csv"
    train.write_text("\n".join(lines[:601]) + "\n")
    test = tmp_path / "test.csv"
    test.write_text("\n".join([lines[0]] + lines[601:]) + "\n")
    monkeypatch.setenv("PATHWISE_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    runner = CliRunner()
    res = runner.invoke(cli, ["kt", "evaluate", str(train), str(test), "--model", "elo", "-o", str(tmp_path / "p.csv")])
    assert res.exit_code == 0, res.output
    assert '"auc"' in res.output and len((tmp_path / "p.csv").read_text().splitlines()) == 301
    res = runner.invoke(cli, ["kt", "fit", "--csv", str(train), "--json"])
    assert res.exit_code == 0, res.output
    assert '"active": true' in res.output
    res = runner.invoke(cli, ["kt", "status"])
    assert '"fitted": true' in res.output
    res = runner.invoke(cli, ["kt", "fit", "--csv", str(train), "--model", "bkt-pace", "--no-activate"])
    assert res.exit_code == 0, res.output
    assert "learners' paces: spread" in res.output and "not activated" in res.output
    get_settings.cache_clear()


def test_a_refit_brings_the_stored_review_schedule_in_line_with_the_new_estimates(app) -> None:  # type: ignore[no-untyped-def]
    """After the rebuild, a skill is stored as mastered (with a memory to review) exactly
    when the new model's stored estimate says so, as recording evidence would leave it."""
    from pathwise.store import tables_paths as tp

    t = build_tiny(app)
    learners = (t.alice, t.bob)  # the learners in a class with a framework (the ones with a path)
    with app.uow() as uow:
        # earlier learners for whom a right answer came cheap and learning was slow teach the
        # fit a low prior, a high guess rate and a low learn rate: Alice's three right
        # answers, mastered under the defaults, are not enough after the fit
        from pathwise.domain.people import User
        from pathwise.engine.kt.mastery import MasteryParams, simulate

        sim = simulate(12, 30, MasteryParams(0.05, 0.08, 0.4, 0.1, 0.02), skill="frac.add", random_state=11)
        for k in range(12):
            uow.users.add(User(f"u_sim{k}", t.school, f"sim{k}", f"Sim {k}", Role.STUDENT))
        uow.flush()
        evs = [Evidence(f"sim-{i}", f"u_sim{who[1:]}", EvidenceKind.ANSWER, ("frac.add",), c, T0 + timedelta(minutes=tm),
                        item_id=f"q{int(tm) % 5}") for i, (who, _it, _sk, c, tm) in enumerate(sim.rows())]
        record_evidence(uow, app.tracker(), Actor.system("test"), evs + answers(t.alice, "frac.add", [1, 1, 1]))
        uow.commit()

    def stored() -> dict[tuple[str, str], bool]:
        with app.uow() as uow:
            rows = uow.session.query(tp.PathSkillStateRow).all()
            return {(r.learner_id, r.skill_code): r.status == "mastered" for r in rows}

    def estimates() -> dict[tuple[str, str], bool]:
        with app.uow() as uow:
            th = uow.frameworks.get("fw1").mastery_threshold
            return {(lid, k): r.p_mastery >= th for lid in learners for k, r in uow.mastery.for_learner(lid).items()}

    before = estimates()
    assert {k for k, v in stored().items() if v} == {k for k, v in before.items() if v}
    kt.fit(app, Actor.system("test"))
    after = estimates()
    assert before != after  # the refit changed which skills read as mastered: the case at hand
    assert {k for k, v in stored().items() if v} == {k for k, v in after.items() if v}


def test_an_answer_on_one_skill_leaves_every_other_skills_stored_mastery_as_it_was(app) -> None:  # type: ignore[no-untyped-def]
    """Mastery is local, fitted or not: the stored rows of the skills an answer does not
    name stay exactly as they were (value, evidence count, explanation), equal to a replay."""
    t = _tiny_with_histories(app)
    kt.fit(app, Actor.system("test"))

    def rows() -> dict[str, tuple[float, int, str]]:
        with app.uow() as uow:
            return {k: (r.p_mastery, r.n_evidence, r.explanation) for k, r in uow.mastery.for_learner(t.alice).items()}

    before = rows()
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), Actor.system("test"),
                        answers(t.alice, "frac.equiv", [1, 1, 0, 1, 1], start=T0 + timedelta(days=1), prefix="q"))
        uow.commit()
    after = rows()
    assert after["frac.add"] == before["frac.add"]
    assert after["frac.equiv"][1] == before["frac.equiv"][1] + 5
    with app.uow() as uow:
        replayed = mastery.replay(app.tracker(), uow.evidence.for_learner(t.alice))
    assert _live(app, t.alice) == {k: (round(v["p_mastery"], 12), v["n_evidence"]) for k, v in replayed.items()}


def test_the_paced_model_can_be_fitted_and_made_live_as_the_predictor(app) -> None:  # type: ignore[no-untyped-def]
    t = _tiny_with_histories(app)
    report = kt.fit(app, Actor.system("test"), model="bkt-pace", activate=True, min_responses=10)
    assert report.active and app.tracker().version == report.version
    assert report.learned["pace_spread"] in (0.0, 0.25, 0.5, 0.75, 1.0)  # the report says what the fit chose
    with app.uow() as uow:
        assert kt.active_model(uow)["learned"] == report.learned
    with app.uow() as uow:
        stored = uow.model_params.active(kt_models.PRODUCT_SLOT)
        assert stored is not None and stored.params["model"] == kt_models.PRODUCT
        assert stored.params["prediction"]["model"] == "bkt-pace"
        assert stored.params["prediction"]["pace"]["spread"] in (0.0, 0.25, 0.5, 0.75, 1.0)
        assert stored.params["mastery"]["model"] == kt_models.MASTERY_MODEL
        replayed = mastery.replay(app.tracker(), uow.evidence.for_learner(t.bob))
    assert _live(app, t.bob) == {k: (round(v["p_mastery"], 12), v["n_evidence"]) for k, v in replayed.items()}


def test_estimates_stored_by_an_earlier_model_version_are_rebuilt(app) -> None:  # type: ignore[no-untyped-def]
    """After an upgrade the live tracker's version differs from the stored rows': `kt
    rebuild` replays those learners (and only those) through the live model."""
    t = _tiny_with_histories(app)
    with app.uow() as uow:
        # parameters stored before mastery had its own model: a predictor alone
        uow.model_params.add_active(kt_models.PRODUCT_SLOT, "elo-old", {"model": "elo"}, {})
        uow.commit()
    app.reset_tracker()
    tracker = app.tracker()
    assert tracker.source == "elo-old" and tracker.version != "elo-old"
    with app.uow() as uow:
        assert {r.model_version for r in uow.mastery.for_learner(t.alice).values()} == {mastery.FALLBACK_VERSION}
    assert kt.rebuild(app, Actor.system("test")) == 3
    with app.uow() as uow:
        assert {r.model_version for r in uow.mastery.for_learner(t.alice).values()} == {tracker.version}
        replayed = mastery.replay(tracker, uow.evidence.for_learner(t.alice))
    assert _live(app, t.alice) == {k: (round(v["p_mastery"], 12), v["n_evidence"]) for k, v in replayed.items()}
    assert kt.rebuild(app, Actor.system("test")) == 0  # nothing left out of date
    with pytest.raises(Forbidden):
        kt.rebuild(app, Actor(t.teacher, Role.TEACHER, t.school))


def test_kt_replay_writes_mastery_before_and_after_each_answer_and_counts_violations(sqlite_url, tmp_path,
                                                                                     monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import csv as csv_mod

    from pathwise.cli import app as cli
    from pathwise.config import get_settings

    log = tmp_path / "log.csv"
    log.write_text("student_id,item_id,skill_ids,correct,timestamp,hints\n"
                   "s1,i1,k1,1,2025-10-02T10:00:00Z,\n"
                   "s1,i2,k1;k2,0,2025-10-02T10:01:00Z,\n"
                   "s2,i1,k1,1,2025-10-02T10:00:00Z,2\n"
                   "s1,i3,k2,1,2025-10-02T10:02:00Z,\n")
    monkeypatch.setenv("PATHWISE_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    runner = CliRunner()
    out = tmp_path / "replay.csv"
    res = runner.invoke(cli, ["kt", "replay", str(log), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert '"direction_violations": 0' in res.output and '"cross_skill_flips": 0' in res.output
    with out.open() as fh:
        rows = list(csv_mod.DictReader(fh))
    assert [r["line"] for r in rows] == ["2", "3", "4", "5"]
    first, wrong, helped = rows[0], rows[1], rows[2]
    assert float(first["mastery_after"]) > float(first["mastery_before"])
    before = [float(x) for x in wrong["mastery_before"].split(";")]
    after = [float(x) for x in wrong["mastery_after"].split(";")]
    assert len(before) == 2 and all(a <= b for a, b in zip(after, before, strict=True))
    # the same right answer after two hints counts for less than s1's unhelped one
    assert float(helped["mastery_before"]) == float(first["mastery_before"])
    assert float(first["mastery_before"]) < float(helped["mastery_after"]) < float(first["mastery_after"])
    bad = tmp_path / "bad.csv"
    bad.write_text("student_id,item_id,skill_ids,correct,timestamp\ns1,i1,k1,7,2025-10-02T10:00:00Z\n")
    res = runner.invoke(cli, ["kt", "replay", str(bad), "--out", str(tmp_path / "x.csv")])
    assert res.exit_code == 1 and "line 2" in res.output
    get_settings.cache_clear()


def test_a_fit_over_the_row_limit_reads_whole_learners_and_says_it_sampled(app) -> None:  # type: ignore[no-untyped-def]
    t = _tiny_with_histories(app)  # 60 answers each from three learners
    app.settings = app.settings.model_copy(update={"fit_max_rows": 100})
    report = kt.fit(app, Actor.system("test"), rebuild=False)
    # whole histories until the limit is reached: two learners (120 answers), never a cut one
    assert report.rows == 120 and report.learners == 2
    assert report.sample == {"learners": 2, "of_learners": 3, "rows_available": 180, "max_rows": 100}
    assert report.summary()["sample"]["of_learners"] == 3
    with app.uow() as uow:
        assert kt.active_model(uow)["sample"]["learners"] == 2  # stored with the parameters
    again = kt.fit(app, Actor.system("test"), rebuild=False)
    assert again.rows == 120  # the same learners: the order is a fixed hash of their ids
    app.settings = app.settings.model_copy(update={"fit_max_rows": 1_000})
    whole = kt.fit(app, Actor.system("test"), rebuild=False)
    assert whole.rows == 180 and whole.sample is None and "sample" not in whole.summary()
    with app.uow() as uow:
        assert "sample" not in kt.active_model(uow)
    assert len({t.alice, t.bob, t.carol}) == 3


def test_a_rebuild_shared_among_worker_processes_stores_what_one_process_stores(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With ``rebuild_workers`` above one the chunks of learners go to other processes (each
    with its own connections and live model); what they store is what a rebuild in this
    process stores: mastery, model states, strengths and review schedules."""
    import dataclasses

    from pathwise.services import strengths
    from pathwise.store import tables_paths as tp

    t = _tiny_with_histories(app)
    learners = sorted({t.alice, t.bob, t.carol})
    kt.fit(app, Actor.system("test"), rebuild=False)
    monkeypatch.setattr(kt, "REBUILD_CHUNK", 1)  # three learners, three chunks

    def stored() -> dict[str, object]:
        with app.uow() as uow:
            rows = uow.mastery.for_learners(learners)
            return {
                "mastery": sorted((dataclasses.replace(r, updated_at=T0) for r in rows),
                              key=lambda r: (r.learner_id, r.skill_code)),
                "states": {lid: mastery.learner_state(uow, lid) for lid in learners},
                "strengths": {lid: strengths.stored(uow, lid) for lid in learners},
                "schedules": sorted((r.learner_id, r.skill_code, r.status) for r in
                                    uow.session.query(tp.PathSkillStateRow).all()),
            }

    app.settings.rebuild_workers = 1
    assert kt.rebuild_workers(app, 3) == 1
    assert kt.rebuild(app, Actor.system("test"), everyone=True) == 3
    one = stored()
    assert {r.model_version for r in one["mastery"]} == {app.tracker().version}  # type: ignore[union-attr]

    with app.uow() as uow:  # spoil what the workers must put right
        uow.mastery.replace_for_learners({lid: [] for lid in learners})
        uow.learner_model.replace_states({lid: None for lid in learners})
        uow.commit()

    def not_here(system, chunk):  # type: ignore[no-untyped-def]
        raise AssertionError("a chunk was rebuilt in this process, not by a worker")

    monkeypatch.setattr(kt, "_rebuild_chunk", not_here)  # the workers import their own
    app.settings.rebuild_workers = 2
    assert kt.rebuild_workers(app, 3) == 2
    seen: list[float] = []
    assert kt.rebuild(app, Actor.system("test"), everyone=True, progress=seen.append) == 3
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert stored() == one
