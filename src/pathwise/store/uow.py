"""The unit of work: one database transaction with the repositories that share it.

Leaving the ``with`` block without ``commit()`` rolls everything back, so a use case
that fails half-way writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from pathwise.store import repositories as r
from pathwise.store import repositories_frameworks as rf
from pathwise.store import repositories_interop as ri
from pathwise.store import repositories_paths as rpath
from pathwise.store import repositories_practice as rp
from pathwise.store import repositories_handins as rh
from pathwise.store import repositories_groups as rg
from pathwise.store import repositories_insight as rins
from pathwise.store import repositories_messages as rmsg
from pathwise.store import repositories_agency as ragency
from pathwise.store import repositories_locale as rloc
from pathwise.store import repositories_grid as rgrid
from pathwise.store import repositories_wellbeing as rwell
from pathwise.store import repositories_mentoring as rmentor
from pathwise.store import repositories_goals as rgoals
from pathwise.store import repositories_survey as rsurvey
from pathwise.store import repositories_experiments as rexp
from pathwise.store import repositories_jobs as rjobs
from pathwise.store.db import make_engine, make_session_factory, masked_url
from pathwise.store.errors import Unavailable

log = logging.getLogger(__name__)


class UnitOfWork:
    session: Session

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self._after_commit: list[Callable[[], None]] = []
        s = self.session
        self.schools = r.SchoolRepository(s)
        self.users = r.UserRepository(s)
        self.sections = r.SectionRepository(s)
        self.guardians = r.GuardianRepository(s)
        self.frameworks = r.FrameworkRepository(s)
        self.items = r.ItemRepository(s)
        self.activities = r.ActivityRepository(s)
        self.evidence = r.EvidenceRepository(s)
        self.mastery = r.MasteryRepository(s)
        self.model_params = r.ModelParamsRepository(s)
        self.audit = r.AuditRepository(s)
        self.web_sessions = r.SessionRepository(s)
        self.tokens = r.TokenRepository(s)
        self.login_throttle = r.LoginThrottleRepository(s)
        self.jobs = rjobs.JobRepository(s)
        # practice and assessments
        self.practice = rp.PracticeRepository(s)
        self.assessments = rp.AssessmentRepository(s)
        self.outside_work = rp.OutsideWorkRepository(s)
        # paths, classes, the learner model, school reads, the item bank
        self.paths = rpath.PathRepository(s)
        self.learner_model = rpath.LearnerModelRepository(s)
        self.school_reads = rpath.SchoolReadRepository(s)
        self.item_bank = rpath.ItemBankRepository(s)
        # the standards and data portability: xAPI, LTI, rosters, privacy
        self.xapi = ri.XapiRepository(s)
        self.lti = ri.LtiRepository(s)
        self.roster = ri.RosterRepository(s)
        self.privacy = ri.PrivacyRepository(s)
        # CASE frameworks
        self.case_frameworks = rf.CaseFrameworkRepository(s)
        self.handins = rh.HandinRepository(s)
        self.groups = rg.GroupRepository(s)
        self.insight_reads = rins.InsightReadRepository(s)
        self.messages = rmsg.MessageRepository(s)
        self.reviews, self.teams = ragency.ReviewRepository(s), ragency.TeamRepository(s)
        self.locales = rloc.LocaleRepository(s)
        self.grid_reads = rgrid.GridReadRepository(s)
        self.wellbeing = rwell.WellbeingRepository(s)
        self.mentoring = rmentor.MentoringRepository(s)
        self.goals = rgoals.GoalRepository(s)
        self.survey, self.strengths = rsurvey.SurveyRepository(s), rsurvey.StrengthRepository(s)
        self.learner_skills = rsurvey.LearnerSkillRepository(s)
        self.experiments = rexp.ExperimentRepository(s)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.session.rollback()
            self.session.close()
        except (OperationalError, InterfaceError) as lost:
            self.session.invalidate()  # the connection died with the server: the pool drops it
            if exc is None:
                raise Unavailable("the database connection was lost; nothing of this work was kept") from lost
        if isinstance(exc, PoolTimeout):
            raise Unavailable("the server is too busy just now (every database connection is in use)") from exc
        if isinstance(exc, (OperationalError, InterfaceError)) and not isinstance(exc, Unavailable):
            raise Unavailable("the database is not answering just now") from exc

    def commit(self) -> None:
        self.audit.write_pending()  # the audited reads' rows: the write lock only for the commit
        self.session.commit()
        hooks, self._after_commit = self._after_commit, []
        for hook in hooks:
            try:
                hook()
            except Exception:  # the work is kept; what the hook was for is retried elsewhere
                log.exception("an after-commit step failed")

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` once this transaction is committed, never if it is rolled back (handing
        a stored job to the queue, so no worker looks for a row not yet visible). A hook that
        fails is logged; what it was for must have another way to happen."""
        self._after_commit.append(hook)

    def flush(self) -> None:
        self.session.flush()

    def rollback(self) -> None:
        self.audit.drop_pending()
        self.session.rollback()
        self._after_commit = []


class Database:
    """An engine and its session factory; hands out units of work."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.engine: Engine = make_engine(url, echo=echo)
        self.session_factory = make_session_factory(self.engine)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def masked_url(self) -> str:
        return masked_url(self.url)

    def backup(self, path: Path) -> None:
        """A consistent copy of the whole database in ``path`` (see store/backup.py)."""
        from pathwise.store.backup import backup

        backup(self.engine, self.url, path)

    def restore(self, path: Path) -> None:
        """Replace the whole database by the backup in ``path``."""
        from pathwise.store.backup import restore

        restore(self.engine, self.url, path)

    def fingerprint(self) -> dict[str, tuple[int, str]]:
        """Each table's row count and a checksum of its rows."""
        from pathwise.store.backup import fingerprint

        return fingerprint(self.engine)

    def upgrade(self) -> None:
        from pathwise.store.migrate import upgrade

        upgrade(self.engine)

    def is_current(self) -> bool:
        from pathwise.store.migrate import is_current

        return is_current(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
