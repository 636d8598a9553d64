"""The four-colour distribution of a town and the county (counts by colour, by accident type,
per town; the red risks stay listed), and the site plan with the units marked on it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.roles import Role
from conftest import client_for, make_user
from risks import services
from risks.models import RiskUnit
from risks.services import RiskRefused
from risks.tests.conftest import LEC_RED, make_register, snapshot


def png(width=200, height=100):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return SimpleUploadedFile("plan.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def registers(manager, enterprise_a, enterprise_b):
    make_register(manager, enterprise_a, factors=LEC_RED)
    other = make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    make_register(other, enterprise_b)  # yellow, in town B


def test_the_town_sees_its_own_distribution(client, users, registers):
    client_for(client, users[Role.TOWN_SUPERVISOR])
    response = client.get(reverse("risks:distribution"))
    page = response.content.decode()
    assert 'data-colour-count="red">红色 1' in page
    assert 'data-colour-count="yellow">黄色 0' in page  # town B's risk is not town A's
    assert "中频炉炉衬侵蚀" in page and "未落实公司级管控" in page
    chart = response.context["chart"]
    assert chart["types"] == ["灼烫"] and chart["type_counts"] == [1]
    assert 'data-chart="risk-colours"' in page and "<script>" not in page


def test_the_county_sees_every_town_and_may_pick_one(client, users, registers, town_a, town_b):
    client_for(client, users[Role.SUPERVISOR])
    response = client.get(reverse("risks:distribution"))
    towns = response.context["chart"]["towns"]
    assert sorted(towns["names"]) == sorted([town_a.name, town_b.name])
    assert sum(towns["red"]) == 1 and sum(towns["yellow"]) == 1
    response = client.get(reverse("risks:distribution"), {"town": town_b.pk})
    assert response.context["total"] == 1 and response.context["red_total"] == 0
    bad = client.get(reverse("risks:distribution"), {"town": "abc"})
    assert bad.status_code == 200 and bad.context["total"] == 2


@pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE])
def test_enterprise_roles_have_no_area_distribution(client, users, role):
    client_for(client, users[role])
    assert client.get(reverse("risks:distribution")).status_code == 403


def test_site_plan_upload_and_marks(client, users, manager, enterprise_a):
    unit, _, _ = make_register(manager, enterprise_a, factors=LEC_RED)
    client_for(client, manager)
    url = reverse("risks:plan", args=[enterprise_a.pk])
    # No plan yet: placing is refused.
    with pytest.raises(RiskRefused, match="请先上传企业平面图"):
        services.place_unit(manager, unit.pk, x=10, y=10)
    not_image = SimpleUploadedFile("plan.png", b"not an image", content_type="image/png")
    response = client.post(url, {"image": not_image})
    assert response.status_code == 200 and "图片" in response.content.decode()
    assert client.post(url, {"image": png()}).status_code == 302
    # A click on the plan at pixel (50, 25) of 200 × 100: 25 %, 25 %.
    response = client.post(url, {"unit": unit.pk, "spot.x": "50", "spot.y": "25"})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.plan_x, unit.plan_y) == (25, 25)
    before = snapshot()
    response = client.post(url, {"unit": unit.pk, "x": "120", "y": "5"})
    assert "确保该值小于或等于100" in response.content.decode()
    assert snapshot() == before
    page = client.get(reverse("risks:enterprise", args=[enterprise_a.pk])).content.decode()
    assert 'style="left:25.00%;top:25.00%" data-colour="red"' in page
    image = client.get(reverse("risks:plan_image", args=[enterprise_a.pk]))
    assert image.status_code == 200


def test_place_unit_refuses_out_of_range(manager, enterprise_a):
    unit, _, _ = make_register(manager, enterprise_a)
    services.upload_site_plan(manager, enterprise_a.pk, image=png())
    for x, y in ((-1, 5), (5, 101), ("abc", 5), (None, 5)):
        with pytest.raises(RiskRefused, match="应在 0 到 100 之间"):
            services.place_unit(manager, unit.pk, x=x, y=y)
    assert RiskUnit.objects.get().plan_x is None


def test_the_plan_image_is_scoped(client, users, manager, enterprise_a, enterprise_b):
    services.upload_site_plan(manager, enterprise_a.pk, image=png())
    other = make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    client_for(client, other)
    assert client.get(reverse("risks:plan_image", args=[enterprise_a.pk])).status_code == 404
    client_for(client, users[Role.EMPLOYEE])
    assert client.get(reverse("risks:plan_image", args=[enterprise_a.pk])).status_code == 200
    assert client.get(reverse("risks:plan", args=[enterprise_a.pk])).status_code == 403
