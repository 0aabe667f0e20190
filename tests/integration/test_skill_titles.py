"""A skill's title and threshold as a meter shows them: the one-statement read chooses as the
separate reads of titles and thresholds do, whichever school asks (a school's own framework
wins over a shared one of the same skill; another school's is never seen)."""

from __future__ import annotations

from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.services.context import App
from pathwise.services.practice_views import meter, meters
from tests.integration.factories import build_tiny


def _fw(fid: str, title: str, threshold: float) -> Framework:
    return Framework(fid, f"Framework {fid}", mastery_threshold=threshold, units=(Unit("u1", "Unit"),),
                     skills=(Skill("ratio.scale", title, "u1"),))


def test_titles_and_thresholds_choose_as_the_separate_reads(app: App) -> None:
    t = build_tiny(app)
    with app.uow() as uow:
        uow.frameworks.add(_fw("shared.r", "Scaling (shared)", 0.9))
        uow.frameworks.add(_fw("own.r", "Scaling (Riverside)", 0.8), school_id=t.school)
        uow.frameworks.add(_fw("other.r", "Scaling (Hilltop)", 0.7), school_id=t.other_school)
        uow.commit()
    codes = ["ratio.scale", "frac.add", "no.such"]
    seen = {}
    with app.uow() as uow:
        for learner in (t.alice, t.carol):
            both = uow.learner_model.titles_and_thresholds(codes, learner_id=learner)
            titles = uow.frameworks.skill_titles(codes, learner_id=learner)
            ths = uow.learner_model.thresholds(codes, learner_id=learner)
            assert both == {c: (titles[c], ths[c]) for c in titles} and set(titles) == set(ths)
            seen[learner] = both["ratio.scale"]
            m = meter(uow, learner, "ratio.scale")
            assert (m.title, m.threshold) == both["ratio.scale"]
            assert [(x.skill_code, x.title, x.threshold) for x in meters(uow, learner, codes)] == sorted(
                ((c, tt, th) for c, (tt, th) in both.items()), key=lambda r: r[1])
        for school in (t.school, t.other_school, None):
            both = uow.learner_model.titles_and_thresholds(codes, school_id=school)
            assert both == {c: (tt, uow.learner_model.thresholds(codes, school_id=school)[c])
                            for c, tt in uow.frameworks.skill_titles(codes, school_id=school).items()}
    assert seen == {t.alice: ("Scaling (Riverside)", 0.8), t.carol: ("Scaling (Hilltop)", 0.7)}
