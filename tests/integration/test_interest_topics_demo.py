"""On the demo school: profile suggestions are interest topics (never a content tag such as
"review" or "mixed"), and a student who picks an interest the demo's activities speak to
is offered one of them with the interest as a reason."""

from __future__ import annotations

from pathwise.domain.people import Role
from pathwise.domain.profile import INTEREST_TOPICS, topics_of
from pathwise.services import paths, profile
from pathwise.services.access import Actor
from pathwise.services.context import App


def test_demo_suggestions_are_topics_and_an_interest_brings_its_activity(sqlite_app: App) -> None:
    from pathwise.interop import demo as demo_door
    demo_door.seed(sqlite_app, students_per_class=3, weeks=4)
    with sqlite_app.uow() as uow:
        school_id = uow.schools.list()[0].id
        me = Actor.of(uow.users.in_school(school_id, Role.STUDENT)[0])
        learner = me.user_id or ""
        content_tags = {t.lower() for fid in uow.frameworks.list_ids(school_id)
                        for a in uow.activities.in_framework(fid) for t in a.tags} - set(INTEREST_TOPICS)
        assert {"review", "mixed"} <= content_tags  # the demo has content tags to leave out
        profile.update_profile(uow, me, learner, {"interests": []})
        view = profile.get_profile(uow, me, learner)
        assert view.suggestions and set(view.suggestions) <= set(INTEREST_TOPICS), view.suggestions
        assert not set(view.suggestions) & content_tags
        touched = {t for fid in uow.frameworks.list_ids(school_id)
                   for a in uow.activities.in_framework(fid) for t in topics_of(a.tags)}
        assert {"cooking", "music", "space", "animals", "games", "money"} <= touched
        # the topics the demo's activities touch are offered before the others
        assert set(view.suggestions[:len(touched)]) == touched

        for interest in ("music", "space"):
            profile.update_profile(uow, me, learner, {"interests": [interest]})
            offered = paths.next_activities(uow, me, learner, k=20).items
            keen = [a for a in offered if f"Matches your interest: {interest}" in a.reasons]
            assert keen, (interest, [(a.activity_id, a.reasons) for a in offered])
            assert not any("Matches your interest: review" in a.reasons or "Matches your interest: mixed"
                           in a.reasons for a in offered)
