"""API writes safe to resend: the Idempotency-Key request header (the IETF draft "The
Idempotency-Key HTTP Header Field").

A client that may resend a write (its answer lost to a timeout or a proxy's 502 after the app
committed) sends a key of its own making, e.g. a UUID. The first request with that key runs and
its answer (status and body) is kept with the key, the user and a digest of the request (method,
path, query and body); the same key again from the same user with the same request is answered
the kept answer, marked `Idempotent-Replayed: true`, without running again; with a different
request it is a 422. A key is kept IDEMPOTENCY_KEY_HOURS (24), then swept (core.ops.prune_ops).

`install(api)` puts this on every POST operation of the API that a user calls (their token or
their session); the endpoints know nothing of it. Two wrappers per operation:
- around the whole operation (authentication included): one transaction, so the key's row is
  committed together with what the request wrote, or not at all;
- around the endpoint (after authentication and validation): the key's row is inserted first.
  A concurrent request with the same key waits on the row's unique constraint (PostgreSQL: the
  index entry; SQLite: the write lock every write transaction takes at BEGIN) until the first
  commits, then answers its kept answer: never a second record.
Only a success (2xx) is kept: a refusal changed nothing, and the row is removed with it, so the
client may correct the cause and send the same key again.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from ninja.decorators import _apply_decorators
from ninja.errors import HttpError

from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY = 255
INVALID = f"{HEADER} 请求头无效：应为 1 至 {MAX_KEY} 个可见 ASCII 字符（如 UUID）"
OTHER_REQUEST = f"此 {HEADER} 已用于内容不同的另一请求，请为新请求换用新的键"
IN_PROGRESS = f"使用此 {HEADER} 的请求正在处理，请稍后重试"

PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "可选的幂等键（如 UUID）：同一用户以同一键重发同一请求时，返回首次请求的应答"
        f"（带 {REPLAYED}: true），不会重复处理；同一键用于内容不同的请求返回 422；"
        f"同一键的请求仍在处理时返回 409。键保留 {{hours}} 小时。"
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY, "pattern": "^[!-~]+$"},
}


class _Pending:
    """One request's key: set by the operation's wrapper, claimed by the endpoint's."""

    def __init__(self, raw: str):
        self.raw = raw
        self.row: IdempotencyKey | None = None


def parse_key(raw: str) -> str | None:
    """The key, or None when it is not one: visible ASCII, at most MAX_KEY characters; the
    draft's quoted form ("…", a structured-field string) is read too."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not 0 < len(value) <= MAX_KEY or not all("!" <= char <= "~" for char in value):
        return None
    return value


def fingerprint(request) -> str:
    """A digest of what the request asks: method, path, query and body (a multipart form: its
    fields and each file's name and content)."""
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode() + b"\0")
    if request.content_type.startswith("multipart/"):
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"{name}={value}".encode() + b"\0")
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}:{upload.size}".encode() + b"\0")
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _expired_before():
    return timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type)
    response[REPLAYED] = "true"
    return response


def _claim(request, pending: _Pending) -> HttpResponse | None:
    """Insert the key's row, or answer from the row already there. None: go on."""
    key = parse_key(pending.raw)
    if key is None:
        raise HttpError(422, INVALID)
    digest = fingerprint(request)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                pending.row = IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    fingerprint=digest,
                    method=(request.method or "")[:10],
                    path=request.path[:500],
                )
            return None
        except IntegrityError:
            # Another request holds (PostgreSQL: held, and has now committed) this key.
            existing = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if existing is None:
                continue  # removed meanwhile: that request was refused
            if existing.created_at < _expired_before():
                existing.delete()
                continue
            if existing.fingerprint != digest:
                raise HttpError(422, OTHER_REQUEST) from None
            if existing.status is None:
                raise HttpError(409, IN_PROGRESS) from None
            return _replay(existing)
    raise HttpError(409, IN_PROGRESS)


def _finish(pending: _Pending, response) -> None:
    row = pending.row
    if row is None:
        return
    try:
        if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
            row.status = response.status_code
            row.content_type = response.get("Content-Type", "")[:100]
            row.body = response.content
            row.save(update_fields=["status", "content_type", "body"])
        else:
            row.delete()
    except DatabaseError:
        # The request's own failure broke the transaction: all of it goes, the key's row too.
        transaction.set_rollback(True)


def _around_operation(run):
    @functools.wraps(run)
    def operation(request, *args, **kwargs):
        raw = request.headers.get(HEADER)
        if raw is None or request.method != "POST":
            return run(request, *args, **kwargs)
        pending = _Pending(raw)
        request._idempotency = pending
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            _finish(pending, response)
        return response

    return operation


def _around_endpoint(view):
    @functools.wraps(view)
    def endpoint(request, *args, **kwargs):
        pending = getattr(request, "_idempotency", None)
        if pending is not None and request.user.is_authenticated:
            answer = _claim(request, pending)
            if answer is not None:
                return answer
        return view(request, *args, **kwargs)

    return endpoint


def applies_to(operation: Any) -> bool:
    """A POST a user calls (not a gateway's or a platform's endpoint of its own auth)."""
    return "POST" in operation.methods and not operation.auth_callbacks


def install(api) -> int:
    """Wrap every POST operation a user calls and document the header on it; returns how many.
    Call once the routers are added, before the URLs are made."""
    parameter = {
        **PARAMETER,
        "description": PARAMETER["description"].format(hours=settings.IDEMPOTENCY_KEY_HOURS),
    }
    count = 0
    for entry in api._routers:
        router = entry[1]
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if not applies_to(operation):
                    continue
                operation.view_func = _around_endpoint(operation.view_func)
                _apply_decorators((_around_operation,), operation)
                extra = dict(operation.openapi_extra or {})
                extra["parameters"] = [*extra.get("parameters", []), parameter]
                operation.openapi_extra = extra
                count += 1
    return count


def sweep(now=None) -> int:
    """Remove the keys older than IDEMPOTENCY_KEY_HOURS; returns how many."""
    limit = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=limit).delete()
    return deleted
