"""The accident pages: recording, correcting and voiding through the forms (bad input shows
Chinese errors beside the field and changes nothing), the list's filters, order and pages, and
the enterprise tab."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accidents import services
from accidents.models import AccidentCase, EventAction
from accidents.tests.conftest import external_data, local_data, recently, snapshot
from accounts.roles import Role
from conftest import client_for


def form_data(target=None, /, **changes):
    data = {
        "source": "local",
        "enterprise": target.pk if target else "",
        "title": "打磨工位机械伤害事故",
        "occurred_at": (timezone.localtime() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "location": "",
        "industry": "",
        "category": "machinery",
        "deaths": "0",
        "serious_injuries": "1",
        "minor_injuries": "0",
        "direct_loss": "",
        "summary": "砂轮机防护罩缺失，碎片飞出致伤",
        "cause": "",
        "lessons": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def supervisor_client(client, county_supervisor):
    return client_for(client, county_supervisor)


def errors_of(response):
    return response.context["form"].errors


def test_record_a_local_accident_on_the_page(supervisor_client, enterprise_a):
    response = supervisor_client.post("/accidents/new/", form_data(enterprise_a))
    accident = AccidentCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/accidents/{accident.pk}/"
    assert accident.enterprise == enterprise_a
    assert {t.code for t in accident.sector_tags.all()} == {"foundry"}  # copied
    page = supervisor_client.get(response["Location"])
    html = page.content.decode()
    assert "打磨工位机械伤害事故" in html and "一般事故" in html and "登记" in html


def test_record_an_external_case_on_the_page(supervisor_client):
    data = form_data(
        source="external",
        location="外省某市",
        industry="light_industry",
        sector_tags="ammonia_refrigeration",
        category="poisoning_asphyxia",
        deaths="3",
        direct_loss="120.5",
    )
    response = supervisor_client.post("/accidents/new/", data)
    assert response.status_code == 302
    accident = AccidentCase.objects.get()
    assert accident.level == "larger"
    assert list(accident.sector_tags.values_list("code", flat=True)) == ["ammonia_refrigeration"]


def test_the_create_form_offers_a_town_only_local_cases(client, town, enterprise_a):
    page = client_for(client, town).get(f"/accidents/new/?enterprise={enterprise_a.pk}")
    form = page.context["form"]
    assert [value for value, _ in form.fields["source"].choices] == ["local"]
    assert str(form["enterprise"].value()) == str(enterprise_a.pk)
    before = snapshot()
    response = client.post("/accidents/new/", form_data(source="external", location="外省"))
    assert response.status_code == 200
    assert "source" in errors_of(response)
    assert snapshot() == before


NEXT_YEAR = timezone.localdate().year + 1
BAD_FORMS = [
    ({"title": ""}, "title", "这个字段是必填项"),
    ({"summary": " "}, "summary", "这个字段是必填项"),
    ({"occurred_at": "昨天"}, "occurred_at", "日期/时间"),
    ({"deaths": "-1"}, "deaths", "大于或等于0"),
    ({"deaths": "abc"}, "deaths", "整数"),
    ({"serious_injuries": "1.5"}, "serious_injuries", "整数"),
    ({"direct_loss": "-3"}, "direct_loss", "大于或等于0"),
    ({"direct_loss": "1.234"}, "direct_loss", "2"),
    ({"category": "dust"}, "category", "选择一个有效的选项"),
    ({"enterprise": "999999"}, "enterprise", "选择一个有效的选项"),
    # the service's rules, shown beside the field at fault
    ({"enterprise": ""}, "enterprise", "请选择发生事故的企业"),
    ({"is_near_miss": "on"}, "is_near_miss", "涉险事故"),
    ({"occurred_at": f"{NEXT_YEAR}-01-01T08:00"}, "occurred_at", "不能晚于当前时间"),
    ({"occurred_at": "2999-01-01T08:00"}, "occurred_at", "日期超出合理范围"),
]


@pytest.mark.parametrize(("changes", "field", "text"), BAD_FORMS, ids=[b[1] for b in BAD_FORMS])
def test_bad_input_shows_chinese_errors_and_changes_nothing(
    supervisor_client, enterprise_a, changes, field, text
):
    before = snapshot()
    response = supervisor_client.post("/accidents/new/", form_data(enterprise_a, **changes))
    assert response.status_code == 200
    messages = " ".join(errors_of(response).get(field, []))
    assert text in messages, errors_of(response)
    assert text in response.content.decode()
    assert snapshot() == before


def test_a_refused_form_comes_back_as_it_was_typed(supervisor_client, enterprise_a):
    """On a phone nothing typed should have to be typed again after one field is refused."""
    data = form_data(enterprise_a, deaths="-1", summary="砂轮机防护罩缺失，碎片飞出致伤")
    response = supervisor_client.post("/accidents/new/", data)
    assert "deaths" in errors_of(response)
    page = response.content.decode()
    assert 'value="打磨工位机械伤害事故"' in page
    assert "砂轮机防护罩缺失，碎片飞出致伤</textarea>" in page
    assert f'value="{data["occurred_at"]}"' in page
    assert '<option value="machinery" selected>' in page


def test_an_external_case_without_place_or_industry(supervisor_client, enterprise_a):
    before = snapshot()
    response = supervisor_client.post(
        "/accidents/new/", form_data(source="external", location="", industry="machinery")
    )
    assert "发生地点" in " ".join(errors_of(response)["location"])
    response = supervisor_client.post(
        "/accidents/new/", form_data(enterprise_a, source="external", location="外省某市")
    )
    assert "不关联本县企业" in " ".join(errors_of(response)["enterprise"])
    assert snapshot() == before


def test_a_town_cannot_post_for_another_town(client, town, enterprise_b):
    before = snapshot()
    response = client_for(client, town).post("/accidents/new/", form_data(enterprise_b))
    assert response.status_code == 200
    assert "enterprise" in errors_of(response)
    assert snapshot() == before


# --- correcting and voiding --------------------------------------------------------------------


def test_correct_on_the_page(supervisor_client, county_supervisor, enterprise_a):
    accident = services.record(county_supervisor, local_data(enterprise_a))
    page = supervisor_client.get(f"/accidents/{accident.pk}/edit/")
    assert page.status_code == 200
    assert "source" not in page.context["form"].fields
    data = form_data(enterprise_a, title=accident.title, deaths="10", note="死亡人数核实")
    data["sector_tags"] = "foundry"
    response = supervisor_client.post(f"/accidents/{accident.pk}/edit/", data)
    assert response.status_code == 302
    accident.refresh_from_db()
    assert (accident.deaths, accident.level) == (10, "major")
    event = accident.events.get(action=EventAction.CORRECTED)
    assert event.note == "死亡人数核实"
    html = supervisor_client.get(f"/accidents/{accident.pk}/").content.decode()
    assert "死亡人数：0 → 10" in html
    assert "事故等级：一般事故 → 重大事故" in html


def test_saving_the_form_unchanged_records_nothing(supervisor_client, county_supervisor, world):
    world["a"].summary = "第一行\n第二行"
    world["a"].save()
    for key in ("a", "ext"):
        accident = world[key]
        page = supervisor_client.get(f"/accidents/{accident.pk}/edit/")
        form = page.context["form"]
        data = {}
        for name in form.fields:
            value = form[name].value()
            if name == "occurred_at":
                value = timezone.localtime(accident.occurred_at).strftime("%Y-%m-%dT%H:%M")
            elif isinstance(value, list):
                value = [str(v) for v in value]
            elif isinstance(value, bool):
                value = "on" if value else ""
            elif isinstance(value, str):
                value = value.replace("\n", "\r\n")  # as a browser posts a textarea
            data[name] = "" if value is None else value
        before = snapshot()
        response = supervisor_client.post(f"/accidents/{accident.pk}/edit/", data, follow=True)
        assert "没有修改任何内容" in response.content.decode(), key
        assert snapshot()[0] == before[0] and snapshot()[2] == before[2], key


def test_bad_corrections_change_nothing(supervisor_client, county_supervisor, enterprise_a):
    accident = services.record(county_supervisor, local_data(enterprise_a))
    before = snapshot()
    for changes, field in (
        ({"deaths": "-4"}, "deaths"),
        ({"enterprise": ""}, "enterprise"),
        ({"is_near_miss": "on"}, "is_near_miss"),
    ):
        response = supervisor_client.post(
            f"/accidents/{accident.pk}/edit/", form_data(enterprise_a, **changes)
        )
        assert response.status_code == 200
        assert field in errors_of(response)
    assert snapshot() == before


def test_void_on_the_page(supervisor_client, county_supervisor, enterprise_a):
    accident = services.record(county_supervisor, local_data(enterprise_a))
    before = snapshot()
    response = supervisor_client.post(f"/accidents/{accident.pk}/void/", {"reason": ""})
    assert response.status_code == 200
    # Voiding cannot be undone: the button asks first (static/js/anjian.js).
    assert 'data-confirm="确定要作废这条事故记录吗？' in response.content.decode()
    assert "这个字段是必填项" in " ".join(errors_of(response)["reason"])
    assert snapshot() == before
    response = supervisor_client.post(f"/accidents/{accident.pk}/void/", {"reason": "重复登记"})
    assert response.status_code == 302
    detail = supervisor_client.get(f"/accidents/{accident.pk}/").content.decode()
    assert "已作废" in detail and "重复登记" in detail
    assert "更正</a>" not in detail
    # A voided record goes back to its page with the reason, for both forms.
    for action in ("edit", "void"):
        again = supervisor_client.get(f"/accidents/{accident.pk}/{action}/", follow=True)
        assert again.redirect_chain[-1][0] == f"/accidents/{accident.pk}/"
        assert "已作废，不能再更正或作废" in again.content.decode()


# --- the list ----------------------------------------------------------------------------------


@pytest.fixture
def several(users, enterprise_a, enterprise_a2, enterprise_b):
    admin = users[Role.COUNTY_ADMIN]
    now = timezone.now()
    rows = {
        "old": services.record(
            admin,
            local_data(enterprise_a, title="旧年高处坠落", category="fall_from_height",
                       occurred_at=now.replace(year=now.year - 2)),
        ),
        "big": services.record(
            admin,
            local_data(enterprise_a2, title="纺织厂火灾", category="fire", deaths=3,
                       occurred_at=recently(20)),
        ),
        "b": services.record(
            admin,
            local_data(enterprise_b, title="木业触电", category="electric_shock",
                       occurred_at=recently(25)),
        ),
        "ext": services.record(admin, external_data(title="外地冷库氨泄漏")),
        "void": services.record(admin, local_data(enterprise_a, title="重复登记的一条")),
    }  # fmt: skip
    services.void(admin, rows["void"], "重复登记")
    return rows


def shown(client, query=""):
    response = client.get(f"/accidents/?{query}")
    assert response.status_code == 200
    return [a.title for a in response.context["page"]]


def test_list_filters(supervisor_client, several, town_a):
    year = timezone.localdate().year
    assert shown(supervisor_client) == ["纺织厂火灾", "木业触电", "外地冷库氨泄漏", "旧年高处坠落"]
    assert shown(supervisor_client, "source=external") == ["外地冷库氨泄漏"]
    assert shown(supervisor_client, "level=larger") == ["纺织厂火灾", "外地冷库氨泄漏"]
    assert shown(supervisor_client, "category=electric_shock") == ["木业触电"]
    assert shown(supervisor_client, f"year={year - 2}") == ["旧年高处坠落"]
    assert shown(supervisor_client, f"town={town_a.pk}") == ["纺织厂火灾", "旧年高处坠落"]
    assert shown(supervisor_client, "q=氨泄漏") == ["外地冷库氨泄漏"]
    assert shown(supervisor_client, "q=清平") == ["木业触电"]  # the enterprise's name
    assert shown(supervisor_client, "voided=1") == ["重复登记的一条"]
    assert len(shown(supervisor_client, "voided=all")) == 5
    enterprise = several["b"].enterprise_id
    assert shown(supervisor_client, f"enterprise={enterprise}") == ["木业触电"]
    # A value that does not validate is dropped; the others keep applying.
    assert shown(supervisor_client, "year=abc&source=external") == ["外地冷库氨泄漏"]
    assert shown(supervisor_client, "town=99999999999999999999&level=nope") == shown(
        supervisor_client
    )
    # A control character is refused before any filter (core/middleware.py).
    assert supervisor_client.get("/accidents/?level=%00").status_code == 400


def test_list_is_paginated_newest_first(supervisor_client, county_supervisor, enterprise_a):
    now = timezone.now()
    for n in range(33):
        services.record(
            county_supervisor,
            local_data(
                enterprise_a, title=f"事故{n:02d}", occurred_at=now - timedelta(hours=n + 1)
            ),
        )
    first = shown(supervisor_client)
    assert len(first) == 30 and first[0] == "事故00" and first[-1] == "事故29"
    assert shown(supervisor_client, "page=2") == ["事故30", "事故31", "事故32"]
    assert shown(supervisor_client, "page=abc")[0] == "事故00"
    html = supervisor_client.get("/accidents/?source=local").content.decode()
    assert "source=local&amp;page=2" in html


def test_the_list_links_and_buttons(client, users, several):
    html = client_for(client, users[Role.ENFORCEMENT_OFFICER]).get("/accidents/").content.decode()
    assert "登记事故" not in html  # an officer reads, does not record
    html = client_for(client, users[Role.TOWN_SUPERVISOR]).get("/accidents/").content.decode()
    assert "登记事故" in html


def test_the_enterprise_tab(client, users, several, enterprise_a):
    town = users[Role.TOWN_SUPERVISOR]
    html = (
        client_for(client, town).get(f"/accidents/enterprises/{enterprise_a.pk}/").content.decode()
    )
    assert "旧年高处坠落" in html and "重复登记的一条" in html  # voided ones stay visible
    assert "纺织厂火灾" not in html  # another enterprise's
    assert "外地冷库氨泄漏" in html  # same industry: machinery
    assert f"/accidents/new/?enterprise={enterprise_a.pk}" in html
    officer = users[Role.ENFORCEMENT_OFFICER]
    html = client_for(client, officer).get(f"/accidents/enterprises/{enterprise_a.pk}/")
    assert "/accidents/new/" not in html.content.decode()
