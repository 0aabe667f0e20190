"""Settings, read from the environment (prefix ``PATHWISE_``) or a ``.env`` file.

Fails closed: outside ``local``, ``demo`` or ``test`` mode the app refuses to start
with the default secret or with insecure cookies. Nothing here opens a connection.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-local-only"


class Mode(StrEnum):
    LOCAL = "local"
    DEMO = "demo"
    TEST = "test"
    PRODUCTION = "production"


def default_database_url() -> str:
    folder = Path(user_data_dir("pathwise", appauthor=False))
    return f"sqlite:///{folder / 'pathwise.db'}"


class UnsafeSettings(ValueError):
    """The settings are not safe for the chosen mode."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATHWISE_", env_file=".env", extra="ignore")

    mode: Mode = Mode.LOCAL
    database_url: str = Field(default_factory=default_database_url)
    secret_key: str = DEFAULT_SECRET
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    login_max_failures: int = 5
    secure_cookies: bool = False
    mastery_threshold: float = 0.95
    # the school leader's tables publish no number built from fewer students (never below 5)
    insight_min_students: int = Field(5, ge=5, le=100)
    sql_echo: bool = False
    # sign-in throttle (services.auth): ``login_max_failures`` (above) free failures per
    # username and client address, this many per address; past either, each further failure
    # makes that client wait twice as long as the last, up to the longest delay. A client
    # whose failures stop for the window starts afresh. API tokens expire after this many days.
    login_address_max_failures: int = Field(30, ge=1)
    login_max_delay_seconds: int = Field(900, ge=1)
    login_failure_window_minutes: int = Field(60, ge=1)
    api_token_days: int = Field(90, ge=1, le=3650)
    # request limits (web/app.py BodyLimits): a larger body is refused with 413 before any route
    # reads it (uploads have their own, lower limits); a JSON body nested deeper is refused.
    max_request_bytes: int = Field(20 * 1024 * 1024, ge=1024 * 1024)
    max_json_depth: int = Field(64, ge=8, le=512)
    # e-mail (services.mail): the weekly digest goes through SMTP when ``smtp_host`` is set, else it
    # is written as .eml files into ``mail_outbox``; ``public_url`` is where links in e-mails point
    public_url: str = "http://localhost:8000"
    mail_outbox: Path = Field(default_factory=lambda: Path(user_data_dir("pathwise", appauthor=False)) / "outbox")
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = Field(None, repr=False)
    smtp_starttls: bool = True
    smtp_from: str = "Pathwise <pathwise@localhost>"
    # background jobs (services.jobs, docs/decisions/0014): unset, the queue is a SQLite file
    # beside the default database (one machine); ``redis://host:6379/0`` when several
    # machines share the work. ``job_stall_seconds``: a running job whose worker has not
    # reported for this long is taken to be lost and is run again.
    queue_url: str | None = None
    # a refit reads at most this many answers, whole learners chosen by a fixed hash when
    # there are more (services.kt.fit_sample): the fit's memory stays bounded on a district
    fit_max_rows: int = Field(1_000_000, ge=1_000)
    job_stall_seconds: int = Field(120, ge=10)
    # processes that replay learners' mastery in a rebuild of many learners (services.kt):
    # unset, one per core up to 4 on PostgreSQL and one on SQLite (one writer at a time)
    rebuild_workers: int | None = Field(None, ge=1, le=32)
    # threads of a job worker run inside each web process (``pathwise serve`` sets it: one on
    # SQLite, none on PostgreSQL, where ``pathwise worker`` runs beside the servers)
    embedded_worker: int = Field(0, ge=0, le=16)
    # logs (web/ops.py): "text" for a person at a terminal, "json" (one object a line) for a
    # log collector
    log_format: str = Field("text", pattern="^(text|json)$")
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    # a Prometheus on another machine sends it as ``Authorization: Bearer``; unset, only a
    # scraper on this machine may read /metrics (web/ops.py)
    metrics_token: str | None = Field(None, repr=False, min_length=16)

    @field_validator("database_url", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        """``PATHWISE_DATABASE_URL=`` (set but empty) means the default, as if unset."""
        return default_database_url() if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _fail_closed(self) -> Settings:
        if self.mode == Mode.PRODUCTION:
            if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
                raise UnsafeSettings(
                    "PATHWISE_SECRET_KEY must be set to a random value of at least 32 characters "
                    "outside local/demo mode"
                )
            if not self.secure_cookies:
                raise UnsafeSettings("PATHWISE_SECURE_COOKIES must be true outside local/demo mode")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
