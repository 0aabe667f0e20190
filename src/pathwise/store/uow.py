"""The unit of work: one database transaction with the repositories that share it.

Leaving the ``with`` block without ``commit()`` rolls everything back, so a use case
that fails half-way writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Generic, TypeVar, overload

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

R = TypeVar("R")


class _Lazy(Generic[R]):
    """A repository made on first use in a unit of work (a request uses a few of the many),
    then kept on it for the rest of the transaction."""

    def __init__(self, make: Callable[[Session], R]) -> None:
        self._make = make
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Lazy[R]: ...
    @overload
    def __get__(self, obj: UnitOfWork, owner: type | None = None) -> R: ...

    def __get__(self, obj: UnitOfWork | None, owner: type | None = None) -> R | _Lazy[R]:
        if obj is None:
            return self
        repo = self._make(obj.session)
        obj.__dict__[self.name] = repo  # found there from now on, without this descriptor
        return repo


class UnitOfWork:
    session: Session

    schools = _Lazy(r.SchoolRepository)
    users = _Lazy(r.UserRepository)
    sections = _Lazy(r.SectionRepository)
    guardians = _Lazy(r.GuardianRepository)
    frameworks = _Lazy(r.FrameworkRepository)
    items = _Lazy(r.ItemRepository)
    activities = _Lazy(r.ActivityRepository)
    evidence = _Lazy(r.EvidenceRepository)
    mastery = _Lazy(r.MasteryRepository)
    model_params = _Lazy(r.ModelParamsRepository)
    audit = _Lazy(r.AuditRepository)
    web_sessions = _Lazy(r.SessionRepository)
    tokens = _Lazy(r.TokenRepository)
    login_throttle = _Lazy(r.LoginThrottleRepository)
    jobs = _Lazy(rjobs.JobRepository)
    practice = _Lazy(rp.PracticeRepository)
    assessments = _Lazy(rp.AssessmentRepository)
    outside_work = _Lazy(rp.OutsideWorkRepository)
    paths = _Lazy(rpath.PathRepository)
    learner_model = _Lazy(rpath.LearnerModelRepository)
    school_reads = _Lazy(rpath.SchoolReadRepository)
    item_bank = _Lazy(rpath.ItemBankRepository)
    xapi = _Lazy(ri.XapiRepository)
    lti = _Lazy(ri.LtiRepository)
    roster = _Lazy(ri.RosterRepository)
    privacy = _Lazy(ri.PrivacyRepository)
    case_frameworks = _Lazy(rf.CaseFrameworkRepository)
    handins = _Lazy(rh.HandinRepository)
    groups = _Lazy(rg.GroupRepository)
    insight_reads = _Lazy(rins.InsightReadRepository)
    messages = _Lazy(rmsg.MessageRepository)
    reviews = _Lazy(ragency.ReviewRepository)
    teams = _Lazy(ragency.TeamRepository)
    locales = _Lazy(rloc.LocaleRepository)
    grid_reads = _Lazy(rgrid.GridReadRepository)
    wellbeing = _Lazy(rwell.WellbeingRepository)
    mentoring = _Lazy(rmentor.MentoringRepository)
    goals = _Lazy(rgoals.GoalRepository)
    survey = _Lazy(rsurvey.SurveyRepository)
    strengths = _Lazy(rsurvey.StrengthRepository)
    learner_skills = _Lazy(rsurvey.LearnerSkillRepository)
    experiments = _Lazy(rexp.ExperimentRepository)

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory

    def __enter__(self) -> UnitOfWork:
        for name in _REPOSITORIES:  # a unit of work entered again starts with new repositories
            self.__dict__.pop(name, None)
        self.session = self._factory()
        self._after_commit: list[Callable[[], None]] = []
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
        if r.AUDIT_PENDING in self.session.info:  # the audited reads' rows: the write lock only for the commit
            self.audit.write_pending()
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
        self.session.info.pop(r.AUDIT_PENDING, None)  # the audited reads' rows go with the work
        self.session.rollback()
        self._after_commit = []


_REPOSITORIES = tuple(k for k, v in vars(UnitOfWork).items() if isinstance(v, _Lazy))


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
