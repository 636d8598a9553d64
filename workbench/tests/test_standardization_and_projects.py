"""The workbench's standardization and 三同时 items: each waits for the role that takes the
next step, in its scope only."""

from datetime import date

import pytest
from django.utils import timezone

from accounts.roles import Role
from projects import services as project_services
from projects.tests.conftest import designed, project_data
from standardization import services as standardization_services
from standardization.tests.conftest import rated
from workbench.items import items_for

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)


def kinds(user, prefix):
    return {item.key: item.count for item in items_for(user, TODAY) if item.key.startswith(prefix)}


def test_an_application_waits_for_the_bureau_step_by_step(users, enterprise_a):
    principal, supervisor = users[Role.PRINCIPAL], users[Role.SUPERVISOR]
    rating = standardization_services.apply(principal, enterprise_a.pk, "level3")
    assert kinds(supervisor, "ratings") == {"ratings_applied": 1}
    assert kinds(principal, "ratings") == {}  # the review is the bureau's
    assert kinds(users[Role.TOWN_SUPERVISOR], "ratings") == {}  # the town follows, not acts
    standardization_services.start_review(supervisor, rating, ["王评审"])
    assert kinds(supervisor, "ratings") == {"ratings_reviewing": 1}
    # Reviewed on the day it was applied for (today, not the workbench's fixed day).
    reviewed_on = timezone.localdate(rating.applied_at)
    standardization_services.record_review(supervisor, rating, True, "符合", reviewed_on)
    assert kinds(supervisor, "ratings") == {"ratings_reviewed": 1}


def test_a_certificate_near_its_end_waits_for_renewal_until_renewed(users, enterprise_a):
    principal = users[Role.PRINCIPAL]
    rating = rated(users, enterprise_a, "level3", issued_on=date(2024, 3, 1))  # to 2027-02-28
    assert kinds(principal, "ratings") == {"ratings_renew": 1}
    assert kinds(users[Role.SUPERVISOR], "ratings") == {}
    standardization_services.renew(principal, rating, "换证")
    assert kinds(principal, "ratings") == {}
    assert kinds(users[Role.SUPERVISOR], "ratings") == {"ratings_applied": 1}


def test_a_certificate_far_from_its_end_is_no_todo(users, enterprise_a):
    rated(users, enterprise_a, "level3", issued_on=date(2026, 1, 5))
    assert kinds(users[Role.PRINCIPAL], "ratings") == {}


def test_a_design_waits_for_review_and_a_flagged_project_for_its_diagnosis(
    users, enterprise_a, enterprise_b
):
    principal = users[Role.PRINCIPAL]
    project = project_services.register(principal, project_data(enterprise_a))
    designed(principal, project)
    project_services.act(principal, project.pk, "submit_review", on=date(2026, 11, 30))
    assert kinds(users[Role.SUPERVISOR], "projects") == {"projects_review": 1}
    assert kinds(principal, "projects") == {}
    flagged = project_services.register(
        users[Role.SUPERVISOR], project_data(enterprise_a, name="3号炉改建项目")
    )
    project_services.act(
        users[Role.ENFORCEMENT_OFFICER],
        flagged.pk,
        "report_unreviewed",
        on=date(2026, 11, 20),
        note="现场检查发现已开工",
    )
    assert kinds(principal, "projects") == {"projects_flagged": 1}
    assert kinds(users[Role.TOWN_SUPERVISOR], "projects") == {"projects_flagged": 1}
    # A flagged project in another town counts for the county, not for this town's supervisor.
    elsewhere = project_services.register(
        users[Role.SUPERVISOR], project_data(enterprise_b, name="外镇熔炼项目")
    )
    project_services.act(
        users[Role.SUPERVISOR],
        elsewhere.pk,
        "report_unreviewed",
        on=date(2026, 12, 1),
        note="已开工",
    )
    assert kinds(users[Role.TOWN_SUPERVISOR], "projects") == {"projects_flagged": 1}
    assert kinds(users[Role.SUPERVISOR], "projects")["projects_flagged"] == 2
    assert kinds(users[Role.EMPLOYEE], "projects") == {}
