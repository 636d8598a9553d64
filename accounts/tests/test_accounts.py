"""Logging in, the lockout after repeated failures, password hashing, API tokens, the rules
User.clean enforces on roles and scopes, and who reaches the Django admin."""

import hashlib

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import ApiToken, User
from accounts.roles import PERMISSIONS, Role
from accounts.services import create_token
from conftest import PASSWORD, client_for, make_user

LOGIN = "/accounts/login/"
TOKENS = "/accounts/tokens/"


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


# --- logging in ------------------------------------------------------------------------------


def test_login_form_logs_the_user_in(client, users):
    response = login(client, "supervisor", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == users[Role.SUPERVISOR].pk
    assert client.get("/").status_code == 200  # the workbench
    assert client.get("/enterprises/").status_code == 200


def test_login_page_renders_in_chinese(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert "用户名" in response.content.decode()


def test_wrong_password_shows_a_chinese_error(client, users):
    response = login(client, "supervisor", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_follows_next(client, users, enterprise_a):
    response = client.post(
        LOGIN,
        {
            "username": "supervisor",
            "password": PASSWORD,
            "next": f"/enterprises/{enterprise_a.pk}/",
        },
    )
    assert response["Location"] == f"/enterprises/{enterprise_a.pk}/"


def test_login_refuses_to_follow_an_external_next(client, users):
    response = client.post(
        LOGIN, {"username": "supervisor", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_inactive_user_cannot_log_in(client, users):
    user = users[Role.SUPERVISOR]
    user.is_active = False
    user.save()
    response = login(client, "supervisor", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post_and_ends_the_session(client, users):
    login(client, "supervisor", PASSWORD)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/enterprises/").status_code == 302


# --- lockout (django-axes) -------------------------------------------------------------------


def test_lockout_after_repeated_wrong_passwords(client, users):
    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, "supervisor", f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert "账号已被暂时锁定" not in response.content.decode()
    # The fifth failure reaches the limit and locks the account.
    response = login(client, "supervisor", "wrong-last")
    assert "账号已被暂时锁定" in response.content.decode()

    # Now even the right password is refused, with the Chinese lockout page.
    response = login(client, "supervisor", PASSWORD)
    assert response.status_code == 429  # axes' default AXES_HTTP_RESPONSE_CODE
    html = response.content.decode()
    assert "登录失败次数过多，账号已被暂时锁定" in html
    assert "分钟" in html
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="supervisor").exists()


def test_lockout_is_per_username(client, users):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "supervisor", f"wrong-{attempt}")
    # Another account from the same address still logs in.
    response = login(Client(), "enforcer", PASSWORD)
    assert response.status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, users):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "supervisor", f"wrong-{attempt}")
    assert login(client, "supervisor", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "supervisor", f"again-{attempt}")
    assert login(client, "supervisor", PASSWORD).status_code == 302


# --- passwords -------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2(db):
    user = User(username="new_user", role=Role.EXPERT)
    user.set_password("another-long-password")
    user.save()
    stored = User.objects.get(pk=user.pk).password
    assert stored.startswith("argon2$argon2id$")
    assert "another-long-password" not in stored
    assert user.check_password("another-long-password")


def test_fixture_users_carry_argon2_hashes(users):
    for user in users.values():
        assert user.password.startswith("argon2$"), user.username


# --- API tokens ------------------------------------------------------------------------------


def test_token_is_shown_once_and_stored_only_as_its_sha256(client, users, enterprise_a):
    user = users[Role.TOWN_SUPERVISOR]
    client_for(client, user)
    response = client.post(TOKENS, {"name": "数据对接"})
    assert response.status_code == 200
    raw = response.context["new_key"]
    assert raw.startswith("aj_")
    assert raw in response.content.decode()

    # Shown once: the page does not show it again.
    again = client.get(TOKENS)
    assert raw not in again.content.decode()
    assert "数据对接" in again.content.decode()

    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.hint == raw[-4:]
    # The plain key is nowhere in the table.
    for row in ApiToken.objects.values():
        assert all(raw not in str(value) for value in row.values())
    assert not ApiToken.objects.filter(key_hash=raw).exists()

    # It works as a bearer token, with the owner's scope.
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/enterprises")
    assert response.status_code == 200
    assert enterprise_a.pk in [item["id"] for item in response.json()["items"]]


def test_a_token_without_a_name_is_refused(client, users):
    client_for(client, users[Role.SUPERVISOR])
    response = client.post(TOKENS, {"name": "   "})
    assert response.status_code == 200
    assert response.context["new_key"] is None
    assert "请填写令牌用途" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_owner_revokes_a_token_and_it_stops_working(client, users, enterprise_a):
    client_for(client, users[Role.SUPERVISOR])
    raw = client.post(TOKENS, {"name": "临时"}).context["new_key"]
    token = ApiToken.objects.get()
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.get("/api/v1/enterprises").status_code == 200

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == TOKENS
    assert not ApiToken.objects.exists()
    assert bearer.get("/api/v1/enterprises").status_code == 401


def test_revoking_another_users_token_is_a_404(client, users):
    client_for(client, users[Role.SUPERVISOR])
    client.post(TOKENS, {"name": "监管科室的令牌"})
    token = ApiToken.objects.get()

    other = Client()
    other.force_login(users[Role.COUNTY_ADMIN])
    assert other.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert other.post("/accounts/tokens/987654/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert token.hint not in other.get(TOKENS).content.decode()


def test_revoke_needs_a_post(client, users):
    client_for(client, users[Role.SUPERVISOR])
    client.post(TOKENS, {"name": "令牌"})
    token = ApiToken.objects.get()
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_tokens_page_needs_a_login(client, db):
    response = client.get(TOKENS)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


DOCS = "/api/v1/docs"
OPENAPI = "/api/v1/openapi.json"


@pytest.mark.parametrize("role", list(Role))
def test_tokens_and_api_docs_are_offered_to_the_roles_that_use_the_api(client, users, role):
    """PERMISSIONS' api.use: the menu's links and the pages themselves (403 for the others)."""
    client_for(client, users[role])
    allowed = role in PERMISSIONS["api.use"]
    home = client.get("/notifications/rules/").content.decode()
    assert ('href="/accounts/tokens/"' in home) is allowed
    assert (f'href="{DOCS}"' in home) is allowed
    for url in (TOKENS, DOCS, OPENAPI):
        response = client.get(url)
        assert response.status_code == (200 if allowed else 403), url
    if not allowed:
        assert "您的角色无权" in client.get(TOKENS).content.decode()
        assert client.post(TOKENS, {"name": "脚本"}).status_code == 403
        assert not ApiToken.objects.exists()


def test_employees_grid_members_and_experts_do_not_use_the_api_pages():
    assert {Role.EMPLOYEE, Role.GRID_MEMBER, Role.EXPERT}.isdisjoint(PERMISSIONS["api.use"])
    assert PERMISSIONS["gateway.manage"] <= PERMISSIONS["api.use"]


def test_a_role_without_the_api_does_not_revoke_through_the_page(client, users):
    token, _ = create_token(users[Role.EMPLOYEE], "旧令牌")
    client_for(client, users[Role.EMPLOYEE])
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_the_api_docs_ask_a_visitor_to_log_in_and_take_a_bearer_token(client, users):
    for url in (DOCS, OPENAPI):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    _, raw = create_token(users[Role.SUPERVISOR], "生成客户端")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(OPENAPI).status_code == 200
    assert Client(HTTP_AUTHORIZATION="Bearer aj_wrong").get(OPENAPI).status_code == 302
    _, raw = create_token(users[Role.GRID_MEMBER], "网格")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(OPENAPI).status_code == 403


# --- User.clean ------------------------------------------------------------------------------


@pytest.fixture
def places(county, town_a, grid_a, enterprise_a):
    return {"county": county, "town": town_a, "grid": grid_a, "enterprise": enterprise_a}


INVALID = [
    # (role, jurisdiction, enterprise, field with the error)
    (Role.TOWN_SUPERVISOR, "grid", None, "jurisdiction"),
    (Role.TOWN_SUPERVISOR, "county", None, "jurisdiction"),
    (Role.TOWN_SUPERVISOR, None, None, "jurisdiction"),
    (Role.GRID_MEMBER, "town", None, "jurisdiction"),
    (Role.COUNTY_ADMIN, "town", None, "jurisdiction"),
    (Role.SUPERVISOR, "grid", None, "jurisdiction"),
    (Role.ENFORCEMENT_OFFICER, None, None, "jurisdiction"),
    (Role.SUPERVISOR, "county", "enterprise", "enterprise"),
    (Role.PRINCIPAL, None, None, "enterprise"),
    (Role.SAFETY_OFFICER, None, None, "enterprise"),
    (Role.EMPLOYEE, None, None, "enterprise"),
    (Role.EMPLOYEE, "town", "enterprise", "jurisdiction"),
    (Role.EXPERT, "county", None, "jurisdiction"),
    (Role.EXPERT, None, "enterprise", "jurisdiction"),
]


@pytest.mark.parametrize(("role", "place", "enterprise", "field"), INVALID)
def test_user_clean_rejects_a_role_in_the_wrong_place(places, role, place, enterprise, field):
    user = User(
        username="someone",
        role=role,
        jurisdiction=places[place] if place else None,
        enterprise=places[enterprise] if enterprise else None,
    )
    with pytest.raises(ValidationError) as error:
        user.clean()
    assert field in error.value.message_dict
    message = error.value.message_dict[field][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


VALID = [
    (Role.COUNTY_ADMIN, "county", None),
    (Role.SUPERVISOR, "county", None),
    (Role.ENFORCEMENT_OFFICER, "county", None),
    (Role.TOWN_SUPERVISOR, "town", None),
    (Role.GRID_MEMBER, "grid", None),
    (Role.EXPERT, None, None),
    (Role.PRINCIPAL, None, "enterprise"),
    (Role.SAFETY_OFFICER, None, "enterprise"),
    (Role.EMPLOYEE, None, "enterprise"),
]


@pytest.mark.parametrize(("role", "place", "enterprise"), VALID)
def test_user_clean_accepts_each_role_in_its_place(places, role, place, enterprise):
    User(
        username="someone",
        role=role,
        jurisdiction=places[place] if place else None,
        enterprise=places[enterprise] if enterprise else None,
    ).clean()


def test_every_fixture_user_is_valid(users):
    assert set(users) == set(Role)
    for user in users.values():
        user.clean()


def test_admin_form_reports_user_clean_errors(client, users, grid_a):
    """The Django admin runs User.clean: a town supervisor on a grid is not saved."""
    client_for(client, users[Role.COUNTY_ADMIN])
    user = users[Role.TOWN_SUPERVISOR]
    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "username": user.username,
            "full_name": user.full_name,
            "role": Role.TOWN_SUPERVISOR,
            "jurisdiction": grid_a.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "镇街监管员的所属区划应为镇、街道或开发区" in response.content.decode()
    user.refresh_from_db()
    assert user.jurisdiction.kind == "town"


# --- the Django admin ------------------------------------------------------------------------


def test_county_admin_reaches_the_django_admin(client, users):
    admin = users[Role.COUNTY_ADMIN]
    assert admin.is_staff and not admin.is_superuser
    client_for(client, admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    # The calendar is shared by every county: the platform superuser's (test_admin.py).
    assert client.get("/admin/core/calendarday/").status_code == 403


@pytest.mark.parametrize("role", [r for r in Role if r != Role.COUNTY_ADMIN])
def test_other_roles_are_sent_to_the_admin_login(client, users, role):
    user = users[role]
    assert not user.is_staff
    client_for(client, user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_staff_flag_alone_does_not_open_the_admin(client, users):
    supervisor = users[Role.SUPERVISOR]
    supervisor.is_staff = True
    supervisor.save()
    client_for(client, supervisor)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_login_refuses_a_supervisor(client, users):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "supervisor", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_make_user_helper_builds_a_usable_login(client, town_b):
    make_user("someone_new", Role.TOWN_SUPERVISOR, town_b)
    assert login(client, "someone_new", PASSWORD).status_code == 302


# --- token expiry --------------------------------------------------------------------------------


def test_a_token_with_a_lifetime_expires_and_the_page_says_when(client, users):
    from datetime import timedelta

    from django.utils import timezone

    user = users[Role.SUPERVISOR]
    client_for(client, user)
    page = client.get(TOKENS).content.decode()
    assert 'name="lifetime"' in page and "永不过期" in page
    raw = client.post(TOKENS, {"name": "三十天", "lifetime": "30"}).context["new_key"]
    token = ApiToken.objects.get()
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M") in (
        client.get(TOKENS).content.decode()
    )
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.get("/api/v1/enterprises").status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer.get("/api/v1/enterprises")
    assert response.status_code == 401
    assert "已过期" in client.get(TOKENS).content.decode()


def test_a_token_without_a_lifetime_never_expires(client, users):
    client_for(client, users[Role.SUPERVISOR])
    client.post(TOKENS, {"name": "长期", "lifetime": ""})
    assert ApiToken.objects.get().expires_at is None
    assert "永不过期" in client.get(TOKENS).content.decode()


@pytest.mark.parametrize("lifetime", ["7", "-1", "abc", "99999999999999999999"])
def test_an_unknown_lifetime_is_refused_in_chinese(client, users, lifetime):
    client_for(client, users[Role.SUPERVISOR])
    response = client.post(TOKENS, {"name": "令牌", "lifetime": lifetime})
    assert response.status_code == 200
    assert response.context["new_key"] is None
    assert "请选择有效期" in response.content.decode()
    assert not ApiToken.objects.exists()


# --- lockout by username and address --------------------------------------------------------------


def test_nobody_keeps_the_administrator_locked_out_from_one_address(users):
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(attacker, "county_admin", f"guess-{attempt}")
    # Locked out from that address, even with the right password ...
    assert login(attacker, "county_admin", PASSWORD).status_code == 429
    # ... but the administrator logs in from their own.
    assert login(Client(REMOTE_ADDR="10.20.0.5"), "county_admin", PASSWORD).status_code == 302


def test_behind_trusted_proxies_the_forwarded_address_counts(users, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"

    def through_proxy(client_address, claimed=""):
        forwarded = f"{claimed}, {client_address}" if claimed else client_address
        return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)

    for attempt in range(settings.AXES_FAILURE_LIMIT):
        # Whatever the attacker writes into the header themselves is not their address.
        login(through_proxy("203.0.113.66", claimed=f"10.20.0.{attempt}"), "county_admin", "x")
    assert login(through_proxy("203.0.113.66"), "county_admin", PASSWORD).status_code == 429
    # Another client behind the same proxy is not locked out.
    assert login(through_proxy("10.20.0.5"), "county_admin", PASSWORD).status_code == 302
