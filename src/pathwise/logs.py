"""Logging for every process (``pathwise serve``, ``pathwise worker``): one set-up, two formats.

``configure_logging(settings)`` sends every logger's records at ``PATHWISE_LOG_LEVEL`` and above
to standard error, as ``PATHWISE_LOG_FORMAT`` says: ``text`` (a line a person reads at a
terminal) or ``json`` (one JSON object a line, for a log collector). A JSON line carries
``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``; during a web request also the
request's fields that are known when the line is written (``request_id``, ``method``, and on
the access line ``route``, the path template, never the concrete path, ``status``,
``duration_ms`` and ``user_id``); a traceback goes in ``error``. The web sets the request's
fields (``web/ops.py``) in ``REQUEST``; nothing here knows the web.

Sits beside ``config``: it imports nothing of ours (settings are read by attribute).
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

# the fields of the request being served in this context (a dict the web fills as it learns them)
REQUEST: ContextVar[dict[str, Any] | None] = ContextVar("pathwise_request", default=None)
REQUEST_FIELDS = ("request_id", "method", "route", "status", "duration_ms", "user_id")
# the server's own loggers, which uvicorn gives handlers of its own: in JSON mode they go
# through ours, so every line of the stream is JSON ("uvicorn.access" stays as uvicorn leaves
# it: ``pathwise serve`` turns it off, since its lines carry concrete paths; ``pathwise.access``
# logs each request instead)
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error")
# what Alembic says each time it reads the schema's version (every readiness check), not
# only when it migrates: left out
_CHATTER = ("Context impl ", "Will assume ")


def _request_fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = {k: v for k, v in (REQUEST.get() or {}).items() if k in REQUEST_FIELDS and v is not None}
    for key in REQUEST_FIELDS:  # given with the record itself (``extra=``): they win
        if key in record.__dict__ and record.__dict__[key] is not None:
            fields[key] = record.__dict__[key]
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request's fields, error."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_request_fields(record))
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``2026-12-04 04:10:00,123 INFO pathwise.access: GET / 200 3.1ms user=- [request 9f3c...]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = _request_fields(record).get("request_id")
        if request_id is None:
            return text
        first, newline, rest = text.partition("\n")
        return f"{first} [request {request_id}]{newline}{rest}"


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that configuring again replaces it instead of adding a second."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "alembic.runtime.migration" and str(record.msg).startswith(_CHATTER):
            return False
        return bool(super().filter(record))


def configure_logging(settings: Any, stream: IO[str] | None = None) -> logging.Handler:
    """Send the records of every logger at ``settings.log_level`` and above to ``stream``
    (standard error) in ``settings.log_format``; called again, it replaces its own handler
    and leaves others (a test's capture) alone. Returns the handler."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
        old.close()
    handler = _Handler(stream if stream is not None else sys.stderr)
    as_json = settings.log_format == "json"
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # the queue's own chatter (each periodic task, every minute) only when asked for
    logging.getLogger("huey").setLevel(logging.DEBUG if settings.log_level == "DEBUG" else logging.WARNING)
    if as_json:
        for name in _SERVER_LOGGERS:
            server = logging.getLogger(name)
            for old in list(server.handlers):
                server.removeHandler(old)
            server.propagate = True
    return handler
