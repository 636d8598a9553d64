"""The Django admin: the platform superuser (no county role) keeps the shared rules and sees
everything, but deletes nothing that carries history; a county administrator, no longer a
superuser, manages only the accounts of their county; nobody else gets in. Every change made in
the admin is in the audit log."""

import re

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib import admin
from django.test import RequestFactory
from django.utils import translation

from accounts.models import User
from accounts.roles import UPPER_ROLES, Role
from conftest import PASSWORD, client_for, make_user
from grading.models import GradeChange, SupervisionFrequency
from hazards import services as hazard_services
from hazards.models import Hazard, HazardEvent


@pytest.fixture
def far(far_enterprise):
    """Another county with its own administrator, principal and hazard."""
    county = far_enterprise.jurisdiction.parent
    admin_b = make_user("far_admin", Role.COUNTY_ADMIN, county)
    principal_b = make_user("far_principal", Role.PRINCIPAL, enterprise=far_enterprise)
    hazard_b = hazard_services.report(
        principal_b, far_enterprise.pk, source="self_inspection", description="冠县的隐患"
    )
    return {"admin": admin_b, "principal": principal_b, "hazard": hazard_b}


@pytest.fixture
def hazard_a(users, enterprise_a):
    return hazard_services.report(
        users[Role.PRINCIPAL], enterprise_a.pk, source="self_inspection", description="本县的隐患"
    )


def user_ids(response):
    return {user.pk for user in response.context["cl"].result_list}


# --- who gets in -------------------------------------------------------------------------------


def test_no_county_role_is_a_superuser(users, far):
    assert not any(user.is_superuser for user in [*users.values(), far["admin"]])
    assert users[Role.COUNTY_ADMIN].is_staff
    assert not any(user.is_staff for role, user in users.items() if role != Role.COUNTY_ADMIN)


def test_a_role_given_to_a_superuser_takes_the_superuser_away(platform_admin, county):
    platform_admin.role = Role.COUNTY_ADMIN
    platform_admin.jurisdiction = county
    platform_admin.save()
    platform_admin.refresh_from_db()
    assert not platform_admin.is_superuser


def test_anonymous_visitors_are_sent_to_the_admin_login(client, db):
    response = client.get("/admin/hazards/hazard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_platform_admin_logs_in_and_lands_on_the_admin(client, platform_admin):
    response = client.post("/accounts/login/", {"username": "platform", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").url == "/admin/"
    assert client.get("/admin/").status_code == 200


# --- a county administrator: their county's accounts, nothing else ----------------------------


COUNTY_ADMIN_REFUSED = [
    "/admin/hazards/hazard/",
    "/admin/hazards/majorhazardcriterion/",
    "/admin/auditlog/logentry/",
    "/admin/enterprises/enterprise/",
    "/admin/core/jurisdiction/",
    "/admin/core/calendarday/",
    "/admin/grading/gradingfactor/",
    "/admin/grading/gradechange/",
    "/admin/enforcement/draw/",
    "/admin/enforcement/inspector/",
    "/admin/accounts/apitoken/",
]


@pytest.mark.parametrize("url", COUNTY_ADMIN_REFUSED)
def test_a_county_admin_reaches_no_shared_or_county_data_but_accounts(client, users, far, url):
    for county_admin in (users[Role.COUNTY_ADMIN], far["admin"]):
        client_for(client, county_admin)
        assert client.get(url).status_code == 403, (county_admin, url)


def test_a_county_admin_sees_the_accounts_of_their_county_only(client, users, far, hazard_a):
    client_for(client, users[Role.COUNTY_ADMIN])
    index = client.get("/admin/")
    assert index.status_code == 200
    assert [app["app_label"] for app in index.context["app_list"]] == ["accounts"]
    assert [m["object_name"] for m in index.context["app_list"][0]["models"]] == ["User"]

    listed = user_ids(client.get("/admin/accounts/user/"))
    # Not the expert (assigned across counties), nor the city's and province's supervisors
    # above the county: the platform superuser's.
    theirs = {user.pk for role, user in users.items() if role not in UPPER_ROLES | {Role.EXPERT}}
    assert listed == theirs

    # And the other county's administrator sees theirs, not ours.
    client_for(client, far["admin"])
    assert user_ids(client.get("/admin/accounts/user/")) == {
        far["admin"].pk,
        far["principal"].pk,
    }


def test_another_countys_account_is_not_found_and_not_changed(client, users, far):
    client_for(client, users[Role.COUNTY_ADMIN])
    target = far["principal"]
    for url in (
        f"/admin/accounts/user/{target.pk}/change/",
        f"/admin/accounts/user/{target.pk}/password/",
        f"/admin/accounts/user/{target.pk}/history/",
    ):
        response = client.get(url)
        # Django's admin answers an object outside the queryset like a missing one.
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"] == "/admin/"
    client.post(
        f"/admin/accounts/user/{target.pk}/change/",
        {"username": "taken_over", "role": Role.PRINCIPAL, "is_active": ""},
    )
    client.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {"password1": "another-long-pass-1", "password2": "another-long-pass-1"},
    )
    target.refresh_from_db()
    assert target.username == "far_principal" and target.is_active
    assert target.check_password(PASSWORD)


def test_a_county_admin_cannot_place_an_account_in_another_county(
    client, users, far, far_enterprise
):
    client_for(client, users[Role.COUNTY_ADMIN])
    count = User.objects.count()
    for extra in (
        {"role": Role.TOWN_SUPERVISOR, "jurisdiction": far_enterprise.jurisdiction_id},
        {"role": Role.PRINCIPAL, "enterprise": far_enterprise.pk},
        {"role": Role.EXPERT},
    ):
        response = client.post(
            "/admin/accounts/user/add/",
            {
                "username": "newcomer",
                "password1": "another-long-pass-1",
                "password2": "another-long-pass-1",
                "usable_password": "true",
                **extra,
            },
        )
        assert response.status_code == 200, extra
        assert response.context["adminform"].form.errors, extra
    assert User.objects.count() == count

    # Moving one of ours there is refused alike.
    town_supervisor = users[Role.TOWN_SUPERVISOR]
    response = client.post(
        f"/admin/accounts/user/{town_supervisor.pk}/change/",
        {
            "username": town_supervisor.username,
            "role": Role.TOWN_SUPERVISOR,
            "jurisdiction": far_enterprise.jurisdiction_id,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    town_supervisor.refresh_from_db()
    assert town_supervisor.jurisdiction.name == "赵寨子镇"


def test_a_county_admin_adds_an_account_in_their_county_and_it_is_audited(client, users, town_b):
    county_admin = users[Role.COUNTY_ADMIN]
    client_for(client, county_admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "town_b_new",
            "password1": "another-long-pass-1",
            "password2": "another-long-pass-1",
            "usable_password": "true",
            "full_name": "新镇街监管员",
            "role": Role.TOWN_SUPERVISOR,
            "jurisdiction": town_b.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = User.objects.get(username="town_b_new")
    assert created.jurisdiction == town_b and not created.is_superuser
    entry = LogEntry.objects.get_for_object(created).get(action=LogEntry.Action.CREATE)
    assert entry.actor == county_admin


def test_a_county_admin_deletes_no_account(client, users):
    client_for(client, users[Role.COUNTY_ADMIN])
    target = users[Role.EMPLOYEE]
    assert client.get(f"/admin/accounts/user/{target.pk}/delete/").status_code == 403
    client.post(f"/admin/accounts/user/{target.pk}/delete/", {"post": "yes"})
    assert User.objects.filter(pk=target.pk).exists()


# --- the platform superuser: everything, but nothing with history is deleted ---------------------


def test_the_platform_admin_deletes_no_hazard_and_no_event(client, platform_admin, hazard_a):
    client_for(client, platform_admin)
    assert client.get(f"/admin/hazards/hazard/{hazard_a.pk}/change/").status_code == 200
    assert client.get(f"/admin/hazards/hazard/{hazard_a.pk}/delete/").status_code == 403
    client.post(f"/admin/hazards/hazard/{hazard_a.pk}/delete/", {"post": "yes"})
    # The bulk action is gone too, and posting it deletes nothing.
    changelist = client.get("/admin/hazards/hazard/")
    assert "delete_selected" not in changelist.content.decode()
    client.post(
        "/admin/hazards/hazard/",
        {"action": "delete_selected", "_selected_action": [hazard_a.pk], "post": "yes"},
    )
    assert Hazard.objects.filter(pk=hazard_a.pk).exists()
    assert HazardEvent.objects.filter(hazard=hazard_a).exists()

    entry = LogEntry.objects.first()
    assert client.get(f"/admin/auditlog/logentry/{entry.pk}/delete/").status_code == 403
    client.post(f"/admin/auditlog/logentry/{entry.pk}/delete/", {"post": "yes"})
    client.post(
        "/admin/auditlog/logentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert LogEntry.objects.filter(pk=entry.pk).exists()


# Deleting these in the admin takes no history with it.
DELETABLE = {"core.calendarday", "accounts.apitoken"}


def test_no_model_admin_deletes_history(platform_admin):
    request = RequestFactory().get("/admin/")
    request.user = platform_admin
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        assert model_admin.has_delete_permission(request) is (label in DELETABLE), label
        assert "delete_selected" not in model_admin.get_actions(request), label
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_delete_permission(request), (label, inline)
    for label in ("hazards.hazard", "auditlog.logentry", "grading.gradechange"):
        assert label not in DELETABLE
    assert GradeChange in admin.site._registry


def test_every_model_changeable_in_the_admin_is_audited(platform_admin):
    request = RequestFactory().get("/admin/")
    request.user = platform_admin
    for model, model_admin in admin.site._registry.items():
        writable = (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        if writable:
            assert auditlog.contains(model), model._meta.label
        for inline in model_admin.get_inline_instances(request):
            if inline.has_add_permission(request, None) or inline.has_change_permission(request):
                assert auditlog.contains(inline.model), inline.model._meta.label


def test_a_rule_changed_in_the_admin_is_audited_with_its_author(client, platform_admin):
    rule = SupervisionFrequency.objects.order_by("pk").first()
    client_for(client, platform_admin)
    response = client.post(
        f"/admin/grading/supervisionfrequency/{rule.pk}/change/",
        {"level": rule.level, "per_year": "5", "label": rule.label, "source": rule.source},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = LogEntry.objects.get_for_object(rule).get()
    assert entry.actor == platform_admin
    assert entry.changes_dict["per_year"] == [str(rule.per_year), "5"]


# --- Chinese names ---------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


def _admin_models(request):
    for model, model_admin in admin.site._registry.items():
        yield model
        for inline in model_admin.get_inline_instances(request):
            yield inline.model


def test_every_model_in_the_admin_has_chinese_names(platform_admin):
    """Each model the admin shows (and its inlines), and its app, is named in Chinese: our
    models by their Meta and apps.py, the third-party ones by anjian/apps.py and the project's
    translations (locale/)."""
    request = RequestFactory().get("/admin/")
    request.user = platform_admin
    wrong = []
    with translation.override("zh-hans"):
        for model in _admin_models(request):
            meta = model._meta
            names = {
                "verbose_name": meta.verbose_name,
                "verbose_name_plural": meta.verbose_name_plural,
                "app verbose_name": meta.app_config.verbose_name,
            }
            wrong += [
                f"{meta.label} {key}: {name}"
                for key, name in names.items()
                if not CJK.search(str(name))
            ]
    assert wrong == []


def test_the_admin_index_lists_no_english_app_or_model(client, platform_admin):
    client_for(client, platform_admin)
    page = client.get("/admin/").content.decode()
    for english in ("Axes", "Audit log", "access attempts", "access logs", "access failures"):
        assert english not in page
    assert "登录锁定" in page and "审计日志" in page
