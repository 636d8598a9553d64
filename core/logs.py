"""What every log record of a request (or a task) carries: its request id, the user's id and the
path, from a context variable the ops middleware (core/ops.py) and the task hooks set; a logging
filter on the console handler copies them onto each record, so the JSON lines (LOG_FORMAT=json,
python-json-logger) hold them whichever logger wrote the record."""

import contextvars
import logging
import re
import uuid

from django.utils.functional import empty

# The id a proxy passes (nginx's $request_id: 32 hex digits) is taken when it is short and made
# of safe characters only; anything else is replaced by one made here.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("anjian_log", default=None)

FIELDS = ("request_id", "user_id", "path")


def request_id(header: str | None) -> str:
    """The proxy's X-Request-ID if it is acceptable, else a new one."""
    if header and REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and path (None outside a request) to every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = context.get() or {}
        values = {
            "request_id": current.get("request_id"),
            "path": current.get("path"),
            "user_id": user_id_of(current.get("request")),
        }
        for field in FIELDS:
            if not hasattr(record, field):
                setattr(record, field, values[field])
        return True


def user_id_of(request) -> int | None:
    """The signed-in user's id, if the request has already looked its user up: the session is
    never read for a log line."""
    if request is None:
        return None
    user = request.__dict__.get("user")
    user = getattr(user, "_wrapped", user)
    if user is None or user is empty or not getattr(user, "is_authenticated", False):
        return None
    return user.pk
