from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token
from core.inputs import text_problem

# The lifetimes offered where a token is created (days; "" never expires).
TOKEN_LIFETIMES = {"30": 30, "90": 90, "180": 180, "365": 365, "": None}
TOKEN_LIFETIME_LABELS = {
    "30": "30 天",
    "90": "90 天",
    "180": "180 天",
    "365": "1 年",
    "": "永不过期",
}


def create_token(user: User, name: str, lifetime: str = "") -> tuple[ApiToken, str]:
    """Create an API token and return it with its plain key, which is never stored or shown
    again. `lifetime` is a key of TOKEN_LIFETIMES."""
    name = (name or "").strip()
    if not name:
        raise ValueError("请填写令牌用途")
    if problem := text_problem(name, multiline=False):
        raise ValueError(f"令牌用途{problem}")
    if lifetime not in TOKEN_LIFETIMES:
        raise ValueError("请选择有效期：" + "、".join(TOKEN_LIFETIME_LABELS.values()))
    days = TOKEN_LIFETIMES[lifetime]
    raw = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name[:60],
        key_hash=hash_token(raw),
        hint=raw[-4:],
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return token, raw


def revoke_token(user: User, token_id: int) -> None:
    token = ApiToken.objects.for_user(user).get(pk=token_id)
    token.delete()


def user_for_token(raw: str) -> User | None:
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__jurisdiction", "user__enterprise")
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if token is None or not token.user.is_active or token.expired:
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute: a busy client must not write on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
