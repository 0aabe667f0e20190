"""The getting-to-know-you survey: answer it (or skip it for now), come back to it, and let the
student's teachers read it.

A student who has neither answered nor skipped the survey is welcomed with it after signing
in (``welcome_due``). Answers write the interests and ways of learning into the learner profile
through ``services.profile.update_profile`` (its checks, its audit: nothing is checked twice)
and keep the survey's own answers, with when, in ``survey_answers``. What to get better at
must be a skill or unit of the student's classes. The student's teachers and the school's admin
read the answers (``access.require_survey_reader``, audited); a guardian does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pathwise.domain import profile as prof
from pathwise.domain import survey as sv
from pathwise.domain.clock import utcnow
from pathwise.domain.errors import ValidationError
from pathwise.domain.people import Role, User
from pathwise.services import profile
from pathwise.services.access import Actor, Need, require_self, require_survey_reader
from pathwise.services.errors import Invalid
from pathwise.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class SurveyView:
    learner_id: str
    learner_name: str
    record: sv.SurveyRecord | None  # None: never answered nor skipped
    interests: tuple[str, ...]  # what to tick now: the answers, else the profile's
    modalities: tuple[str, ...]
    topics: tuple[str, ...]  # interest choices
    modality_choices: tuple[tuple[str, str], ...]  # (value, kid words)
    targets: tuple[tuple[str, str, bool], ...]  # (code, title, is_unit) to get better at, framework order
    target_titles: dict[str, str]

    @property
    def answered(self) -> bool:
        return self.record is not None and self.record.status == sv.Status.ANSWERED


def _record(uow: UnitOfWork, learner_id: str) -> sv.SurveyRecord | None:
    got = uow.survey.get(learner_id)
    if got is None:
        return None
    status, answers, at = got
    return sv.SurveyRecord(sv.Status(status), at, sv.SurveyAnswers.from_stored(answers))


def _targets(uow: UnitOfWork, learner_id: str) -> tuple[tuple[str, str, bool], ...]:
    out: dict[str, tuple[str, str, bool]] = {}
    fids = dict.fromkeys(s.framework_id for s in uow.sections.sections_of(learner_id, Role.STUDENT) if s.framework_id)
    for fid in fids:
        fw = uow.frameworks.get(fid)
        if fw is None:
            continue
        for u in fw.units:
            out.setdefault(u.code, (u.code, u.title, True))
            for s in fw.skills:
                if s.unit == u.code:
                    out.setdefault(s.code, (s.code, s.title, False))
        for s in fw.skills:
            out.setdefault(s.code, (s.code, s.title, False))
    return tuple(out.values())


def _view(uow: UnitOfWork, learner: User) -> SurveyView:
    record = _record(uow, learner.id)
    stored = prof.LearnerProfile.from_stored(uow.users.profile(learner.id))
    answered = record is not None and record.status == sv.Status.ANSWERED
    interests = record.answers.interests if answered and record else stored.interests
    modalities = record.answers.modalities if answered and record else stored.modalities
    targets = _targets(uow, learner.id)
    return SurveyView(learner.id, learner.display_name, record, tuple(interests), tuple(modalities),
                      prof.INTEREST_TOPICS, tuple((m, sv.MODALITY_KID_WORDS.get(m, m)) for m in prof.MODALITY_CHOICES),
                      targets, {c: t for c, t, _ in targets})


def welcome_due(uow: UnitOfWork, actor: Actor) -> bool:
    """Should this signed-in user be welcomed with the survey? A student who has neither answered
    nor skipped it; nobody else."""
    if actor.role != Role.STUDENT or not actor.user_id:
        return False
    return uow.survey.get(actor.user_id) is None


def my_survey(uow: UnitOfWork, actor: Actor) -> SurveyView:
    """The acting student's survey, with the choices to offer."""
    return _view(uow, require_self(uow, actor, Need.READ, "survey"))


def answer_survey(uow: UnitOfWork, actor: Actor, *, interests: Sequence[str], modalities: Sequence[str],
                  improve: Sequence[str], note: str, now: datetime | None = None) -> SurveyView:
    """Save the student's answers (again, when they come back): interests and ways of learning go
    into their profile; ``Invalid`` naming the field for bad input, and nothing changes."""
    learner = require_self(uow, actor, Need.WRITE, "survey")
    targets = _targets(uow, learner.id)
    try:
        answers = sv.check_answers(interests, modalities, improve, note, known_targets=[c for c, _, _ in targets])
    except ValidationError as exc:
        raise Invalid(str(exc), exc.field) from None
    profile.update_profile(uow, actor, learner.id, sv.profile_patch(answers))
    uow.survey.put(learner.id, sv.Status.ANSWERED.value, answers.to_stored(), now or utcnow())
    return _view(uow, learner)


def skip_survey(uow: UnitOfWork, actor: Actor, *, now: datetime | None = None) -> None:
    """"Skip for now": no welcome again; the survey stays open at /student/survey. Answers
    already given are kept."""
    learner = require_self(uow, actor, Need.WRITE, "survey")
    if uow.survey.get(learner.id) is None:
        uow.survey.put(learner.id, sv.Status.SKIPPED.value, {}, now or utcnow())


def learner_survey(uow: UnitOfWork, actor: Actor, learner_id: str) -> SurveyView:
    """A learner's answers for the staff who reach them (audited); ``NotFound`` otherwise."""
    return _view(uow, require_survey_reader(uow, actor, learner_id))
