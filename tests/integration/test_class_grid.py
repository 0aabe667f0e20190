"""The class grid as a working surface (SQLite and PostgreSQL): rows sorted by name or by the
skills needing attention, columns by the framework's order or by unit, a unit filter and a
"needs attention" filter, cells with their state and amount of evidence, names linking to the
learner's page, bad choices answered 422, and charts whose numbers agree with the grid."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role
from pathwise.services import class_grid
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.evidence import record_evidence
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool

START = datetime(2026, 9, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
def sch(school: tuple[App, WebSchool]) -> tuple[App, WebSchool]:  # noqa: F811
    """Ben misses Compare fractions eight more times: still getting there after many tries."""
    system, w = school
    evs = [Evidence(f"grid-ben-{i}", w.ben, EvidenceKind.ANSWER, ("frac.compare",), 0.0,
                    START + timedelta(minutes=i), item_id=f"item-cmp-{i}") for i in range(8)]
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()
    return school


def _grid(system: App, actor: Actor, class_id: str, **opts: object) -> class_grid.ClassGrid:
    with system.uow() as uow:
        g = class_grid.class_grid(uow, actor, class_id, class_grid.GridOptions(**opts),  # type: ignore[arg-type]
                                  tracker=system.tracker(), today=START.date() + timedelta(days=3))
        uow.commit()
    return g


def teacher(w: WebSchool) -> Actor:
    return Actor(w.teacher, Role.TEACHER, w.school)


def test_rows_sort_by_name_or_by_skills_needing_attention(sch) -> None:  # type: ignore[no-untyped-def]
    system, w = sch
    by_name = _grid(system, teacher(w), w.class_a)
    assert [r.learner.display_name for r in by_name.rows] == ["Ana Lopez", "Ben Carter", "Cara Singh"]
    ben = next(r for r in by_name.rows if r.learner.id == w.ben)
    assert ben.n_attention == 1
    i = [c.code for c in by_name.columns].index("frac.compare")
    assert ben.attention(i) and ben.cells[i] is not None and ben.cells[i].n_evidence >= class_grid.ATTENTION_EVIDENCE
    by_need = _grid(system, teacher(w), w.class_a, sort="attention")
    assert [r.learner.id for r in by_need.rows] == [w.ben, w.ana, w.cara]


def test_attention_filter_keeps_only_students_with_a_skill_needing_attention(sch) -> None:  # type: ignore[no-untyped-def]
    system, w = sch
    g = _grid(system, teacher(w), w.class_a, attention=True)
    assert [r.learner.id for r in g.rows] == [w.ben]
    assert g.n_hidden_rows == 2
    assert g.n_attention == 1


def test_columns_by_unit_and_one_unit_only(sch) -> None:  # type: ignore[no-untyped-def]
    system, w = sch
    plain = _grid(system, teacher(w), w.class_a)
    assert [c.code for c in plain.columns] == ["frac.equiv", "frac.compare", "frac.add", "dec.place"]
    assert plain.bands == []
    grouped = _grid(system, teacher(w), w.class_a, columns="unit")
    assert [(b.title, b.span) for b in grouped.bands] == [("Fractions", 3), ("Decimals", 1)]
    decimals = _grid(system, teacher(w), w.class_a, unit="u.dec")
    assert [c.code for c in decimals.columns] == ["dec.place"]
    assert decimals.unit_title == "Decimals"


def test_bad_choices_name_their_field(sch) -> None:  # type: ignore[no-untyped-def]
    system, w = sch
    for args, fld in (((" up", None, None, None), "sort"), ((None, "random", None, None), "columns"),
                      ((None, None, None, "maybe"), "attention")):
        with pytest.raises(Invalid) as exc:
            class_grid.grid_options(*args)
        assert exc.value.field == fld
    with pytest.raises(Invalid) as exc:
        _grid(system, teacher(w), w.class_a, unit="u.nope")
    assert exc.value.field == "unit"


def test_another_teachers_class_is_not_found(sch) -> None:  # type: ignore[no-untyped-def]
    system, w = sch
    with pytest.raises(NotFound):
        _grid(system, Actor(w.teacher_b, Role.TEACHER, w.school), w.class_a)


def test_charts_agree_with_the_grid(sch) -> None:  # type: ignore[no-untyped-def]
    system, w = sch
    g = _grid(system, teacher(w), w.class_a)
    assert g.progress, "a class with work has a progress series"
    last = g.progress[-1]
    assert (last.n_mastered, last.n_cells, last.percent) == (g.n_mastered, g.n_cells, g.percent_mastered)
    assert g.n_mastered == 1  # Ana's Equivalent fractions
    for col, counts in zip(g.columns, g.per_skill, strict=True):
        assert counts.code == col.code and counts.total == len(g.rows)
        cells = [r.cells[g.columns.index(col)] for r in g.rows]
        assert counts.count(class_grid.State.MASTERED) == sum(1 for c in cells if c is not None and c.mastered)


def test_a_learners_history_on_a_skill_ends_at_the_stored_estimate(sch) -> None:  # type: ignore[no-untyped-def]
    system, w = sch
    with system.uow() as uow:
        h = class_grid.learner_skill_history(uow, teacher(w), w.ben, "frac.compare", "Compare fractions",
                                             system.tracker())
        view = class_grid.class_view(uow, teacher(w), w.class_a)
        uow.commit()
    stored = next(r for r in view.roster if r.learner.id == w.ben).cells["frac.compare"]
    assert len(h.readings) == stored.n_evidence == 11
    assert h.readings[-1].percent == stored.percent
    assert h.readings[-1].state == stored.state
    # a wrong answer never raises the estimate, a right one never lowers it
    for before, after in zip(h.readings, h.readings[1:], strict=False):
        if after.score == 0.0:
            assert after.p_mastery <= before.p_mastery + 1e-12
        elif after.score == 1.0:
            assert after.p_mastery >= before.p_mastery - 1e-12


# -- the page ---------------------------------------------------------------------------------------


def _page(web: Callable[[], WebClient], w: WebSchool, query: str = "") -> str:  # noqa: F811
    c = web()
    assert c.login(w.username(w.teacher)).status_code == 303
    r = c.page(f"/teacher/classes/{w.class_a}{query}")
    assert r.status_code == 200, r.text[:500]
    return r.text


def _row_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-learner="([^"]+)"', html)


def test_the_page_sorts_filters_and_links(sch, web) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _system, w = sch
    html = _page(web, w)
    assert _row_ids(html) == [w.ana, w.ben, w.cara]
    assert f'href="/learners/{w.ben}" class="grid-name"' in html
    assert f'href="/learners/{w.ben}/skills/frac.compare"' in html
    cell = re.search(rf'<td class="cell state-getting-there needs-attention" data-learner="{w.ben}" '
                     r'data-skill="frac.compare"[^>]*data-evidence="(\d+)"', html)
    assert cell and int(cell.group(1)) == 11
    assert 'role="img"' in html and "<script" not in html.split("</main>")[0].split("<main")[-1]
    assert 'id="progress-table"' in html and 'id="distribution-table"' in html
    summary = re.search(r'id="grid-summary" data-mastered="(\d+)" data-cells="(\d+)" data-percent="(\d+)"', html)
    assert summary and summary.groups() == ("1", "12", "8")
    last_week = re.findall(r'<td data-percent="(\d+)">', html)
    assert last_week and last_week[-1] == "8"  # the chart's table ends where the grid stands
    needy = _page(web, w, "?sort=attention&attention=yes")
    assert _row_ids(needy) == [w.ben]
    assert "not shown" in needy
    dec = _page(web, w, "?unit=u.dec&columns=unit")
    assert re.findall(r'<th scope="col" data-skill="([^"]+)"', dec) == ["dec.place"]
    assert 'scope="colgroup"' in dec


def test_a_bad_choice_on_the_page_is_422_and_names_the_field(sch, web) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _system, w = sch
    c = web()
    c.login(w.username(w.teacher))
    r = c.page(f"/teacher/classes/{w.class_a}?sort=shoe-size")
    assert r.status_code == 422
    assert "sort" in r.text


def test_the_skill_page_shows_evidence_explanation_and_the_mastery_chart(sch, web) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _system, w = sch
    c = web()
    c.login(w.username(w.teacher))
    r = c.page(f"/learners/{w.ben}/skills/frac.compare")
    assert r.status_code == 200
    html = r.text
    assert 'id="evidence"' in html and html.count("<tr>") >= 11
    assert 'id="estimate-value"' in html
    assert 'id="chart-history"' in html and 'role="img"' in html
    rows = re.findall(r'<tr data-reading="(\d+)"', html)
    assert len(rows) == 11


def test_new_work_shows_on_the_progress_chart_at_once(sch) -> None:  # type: ignore[no-untyped-def]
    """The kept progress series is keyed by the class's evidence: new work is never hidden."""
    system, w = sch
    before = _grid(system, teacher(w), w.class_a)
    again = _grid(system, teacher(w), w.class_a)
    assert again.progress == before.progress
    evs = [Evidence(f"grid-cara-{i}", w.cara, EvidenceKind.ANSWER, ("dec.place",), 1.0,
                    START + timedelta(hours=1, minutes=i), item_id=f"item-dec-{i}") for i in range(12)]
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()
    after = _grid(system, teacher(w), w.class_a)
    assert after.n_mastered == before.n_mastered + 1
    assert after.progress[-1].n_mastered == after.n_mastered


def test_after_one_students_new_work_the_series_equals_a_fresh_replay(sch) -> None:  # type: ignore[no-untyped-def]
    """Each student's part of the series is kept apart: after Ana's new work only her part is
    replayed, and the result is the series a view with nothing kept computes."""
    system, w = sch
    _grid(system, teacher(w), w.class_a)  # every part kept
    evs = [Evidence(f"grid-ana-late-{i}", w.ana, EvidenceKind.ANSWER, ("frac.add",), float(i % 2),
                    START - timedelta(days=9, minutes=i), item_id=f"item-add-{i}") for i in range(5)]  # late: backdated
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()
    kept = _grid(system, teacher(w), w.class_a)
    class_grid.PROGRESS_CACHE.clear()
    fresh = _grid(system, teacher(w), w.class_a)
    assert kept.progress == fresh.progress
    assert fresh.progress[0].week_of <= (START - timedelta(days=9)).date()  # the backdated week is shown


def test_new_work_continues_the_kept_replay_and_gives_what_a_fresh_replay_gives(sch, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Work that comes after a student's kept replay is read and replayed alone (the whole
    history is not read again), and the series equals the one a view with nothing kept gives."""
    from pathwise.store.repositories_grid import GridReadRepository

    system, w = sch
    _grid(system, teacher(w), w.class_a)  # every part kept
    evs = [Evidence(f"grid-ana-more-{i}", w.ana, EvidenceKind.ANSWER, ("frac.add",), 1.0,
                    datetime.now(UTC) - timedelta(minutes=10 - i), item_id=f"item-add-more-{i}") for i in range(6)]
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()
    whole_reads: list[list[str]] = []
    after_reads: list[list[str]] = []
    real_whole, real_after = GridReadRepository.evidence_for_learners, GridReadRepository.evidence_after
    monkeypatch.setattr(GridReadRepository, "evidence_for_learners",
                        lambda self, ids: (whole_reads.append(list(ids)), real_whole(self, ids))[1])
    monkeypatch.setattr(GridReadRepository, "evidence_after",
                        lambda self, cur: (after_reads.append(sorted(cur)), real_after(self, cur))[1])
    kept = _grid(system, teacher(w), w.class_a)
    assert after_reads == [[w.ana]] and whole_reads == []
    class_grid.PROGRESS_CACHE.clear()
    fresh = _grid(system, teacher(w), w.class_a)
    assert kept.progress == fresh.progress
    assert kept.progress[-1].n_mastered == kept.n_mastered
