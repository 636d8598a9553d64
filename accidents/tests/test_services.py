"""accidents.services: recording (local and external), correcting and voiding, the level that
follows the figures, the event rows, and every refusal (status, Chinese reason, the field at
fault, nothing changed)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accidents import services
from accidents.models import AccidentCase, AccidentEvent, EventAction
from accidents.services import AccidentRefused
from accidents.tests.conftest import external_data, has_chinese, local_data, snapshot
from accounts.roles import Role
from enterprises.models import SectorTag


@pytest.fixture
def admin(users):
    return users[Role.COUNTY_ADMIN]


def refused(call, status, field=None, text=None):
    """Run a call that must be refused, changing nothing; return the refusal."""
    before = snapshot()
    with pytest.raises(AccidentRefused) as info:
        call()
    assert info.value.status == status, str(info.value)
    assert info.value.field == field
    assert has_chinese(str(info.value))
    if text:
        assert text in str(info.value)
    assert snapshot() == before
    return info.value


# --- record ------------------------------------------------------------------------------------


def test_a_local_accident_copies_the_enterprise_facts(county_supervisor, enterprise_a):
    accident = services.record(county_supervisor, local_data(enterprise_a, industry="commerce"))
    assert accident.enterprise == enterprise_a
    assert accident.source == "local"
    assert accident.industry == "machinery"  # the enterprise's, whatever was sent
    assert {t.code for t in accident.sector_tags.all()} == {"foundry"}
    assert accident.level == "general"
    assert accident.recorded_by == county_supervisor
    event = accident.events.get()
    assert (event.action, event.actor) == (EventAction.RECORDED, county_supervisor)


def test_named_tags_replace_the_enterprise_tags(county_supervisor, enterprise_a):
    data = local_data(enterprise_a, sector_tags=["confined_space", "molten_metal"])
    accident = services.record(county_supervisor, data)
    assert {t.code for t in accident.sector_tags.all()} == {"confined_space", "molten_metal"}


def test_an_external_case_keeps_its_own_industry_and_tags(county_supervisor):
    accident = services.record(county_supervisor, external_data(direct_loss="1000"))
    assert accident.enterprise is None
    assert accident.industry == "machinery"
    assert [t.code for t in accident.sector_tags.all()] == ["combustible_dust"]
    assert accident.direct_loss == Decimal("1000.00")
    assert accident.level == "larger"  # 3 deaths and 1000万: 较大


def test_the_level_is_computed_and_stored(county_supervisor, enterprise_a):
    accident = services.record(county_supervisor, local_data(enterprise_a, deaths=10))
    assert AccidentCase.objects.get(pk=accident.pk).level == "major"
    assert accident.events.get().payload == {"level": "major"}


def test_a_town_supervisor_records_in_the_own_town(town, enterprise_a2):
    accident = services.record(town, local_data(enterprise_a2))
    assert accident.enterprise == enterprise_a2


def test_a_near_miss_without_casualties(county_supervisor, enterprise_a):
    data = local_data(enterprise_a, serious_injuries=0, is_near_miss=True)
    assert services.record(county_supervisor, data).is_near_miss


@pytest.mark.parametrize(
    "role", [Role.ENFORCEMENT_OFFICER, Role.GRID_MEMBER, Role.EXPERT, Role.PRINCIPAL,
             Role.SAFETY_OFFICER, Role.EMPLOYEE],
)  # fmt: skip
def test_roles_without_the_permission_may_not_record(users, enterprise_a, role):
    refused(lambda: services.record(users[role], local_data(enterprise_a)), 403)


def test_a_town_may_not_record_for_another_town(town, enterprise_b):
    refused(lambda: services.record(town, local_data(enterprise_b)), 404, "enterprise")


def test_a_town_may_not_record_external_cases(town):
    error = refused(lambda: services.record(town, external_data()), 403, "source")
    assert "县局" in str(error)
    # the role is refused before the data is read
    refused(lambda: services.record(town, external_data(title="")), 403, "source")


BAD = [
    ({"source": "elsewhere"}, 422, "source", "来源"),
    ({"enterprise_id": None}, 422, "enterprise", "请选择发生事故的企业"),
    ({"enterprise_id": "1"}, 422, "enterprise", "编号"),
    ({"enterprise_id": 987654}, 404, "enterprise", "企业不存在"),
    ({"enterprise_id": 2**70}, 404, "enterprise", "企业不存在"),
    ({"title": "  "}, 422, "title", "请填写事故名称"),
    ({"title": "长" * 201}, 422, "title", "200"),
    ({"title": "事故\x00"}, 422, "title", "控制字符"),
    ({"summary": ""}, 422, "summary", "请填写事故经过"),
    ({"occurred_at": None}, 422, "occurred_at", "请填写事故发生时间"),
    ({"occurred_at": "2025-01-01"}, 422, "occurred_at", "请填写事故发生时间"),
    ({"category": "dust_explosion"}, 422, "category", "事故类别"),
    ({"category": ["machinery"]}, 422, "category", "事故类别"),
    ({"deaths": -1}, 422, "deaths", "死亡人数不能为负数"),
    ({"serious_injuries": -3}, 422, "serious_injuries", "重伤人数不能为负数"),
    ({"minor_injuries": -1}, 422, "minor_injuries", "轻伤人数不能为负数"),
    ({"deaths": None}, 422, "deaths", "整数"),
    ({"deaths": 1.5}, 422, "deaths", "整数"),
    ({"deaths": True}, 422, "deaths", "整数"),
    ({"deaths": 100_001}, 422, "deaths", "不能超过"),
    ({"direct_loss": "-0.01"}, 422, "direct_loss", "不能为负数"),
    ({"direct_loss": "NaN"}, 422, "direct_loss", "数字"),
    ({"direct_loss": "Infinity"}, 422, "direct_loss", "数字"),
    ({"direct_loss": "abc"}, 422, "direct_loss", "数字"),
    ({"direct_loss": "1e11"}, 422, "direct_loss", "范围"),
    ({"sector_tags": ["no_such_tag"]}, 422, "sector_tags", "no_such_tag"),
    ({"sector_tags": "foundry"}, 422, "sector_tags", "列表"),
    ({"is_near_miss": True}, 422, "is_near_miss", "涉险事故"),
    ({"is_near_miss": "yes"}, 422, "is_near_miss", "是或否"),
]


@pytest.mark.parametrize(("changes", "status", "field", "text"), BAD, ids=[b[2] for b in BAD])
def test_bad_data_is_refused(admin, enterprise_a, changes, status, field, text):
    refused(
        lambda: services.record(admin, local_data(enterprise_a, **changes)), status, field, text
    )


def test_the_time_must_not_be_in_the_future(admin, enterprise_a):
    later = timezone.now() + timedelta(minutes=5)
    refused(
        lambda: services.record(admin, local_data(enterprise_a, occurred_at=later)),
        422,
        "occurred_at",
        "不能晚于当前时间",
    )


def test_the_time_must_not_be_before_1949(admin, enterprise_a):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    for early in (
        datetime(1949, 9, 30, 23, 59, tzinfo=ZoneInfo("Asia/Shanghai")),
        datetime(1, 1, 1, tzinfo=ZoneInfo("Etc/GMT-14")),
    ):
        refused(
            lambda early=early: services.record(admin, local_data(enterprise_a, occurred_at=early)),
            422,
            "occurred_at",
            "1949",
        )


def test_a_naive_time_is_read_as_local_time(admin, enterprise_a):
    naive = timezone.localtime(timezone.now() - timedelta(days=1)).replace(tzinfo=None)
    accident = services.record(admin, local_data(enterprise_a, occurred_at=naive))
    assert timezone.localtime(accident.occurred_at).replace(tzinfo=None) == naive


def test_an_external_case_needs_a_place_and_an_industry_and_no_enterprise(admin, enterprise_a):
    refused(
        lambda: services.record(admin, external_data(location=" ")), 422, "location", "发生地点"
    )
    refused(lambda: services.record(admin, external_data(industry="")), 422, "industry", "行业")
    refused(
        lambda: services.record(admin, external_data(enterprise_id=enterprise_a.pk)),
        422,
        "enterprise",
        "不关联本县企业",
    )


def test_unknown_fields_are_a_programming_error(admin, enterprise_a):
    with pytest.raises(TypeError):
        services.record(admin, local_data(enterprise_a, level="general"))


def test_the_database_keeps_source_and_enterprise_consistent(admin, enterprise_a):
    accident = services.record(admin, local_data(enterprise_a))
    with pytest.raises(IntegrityError), transaction.atomic():
        AccidentCase.objects.filter(pk=accident.pk).update(enterprise=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccidentCase.objects.filter(pk=accident.pk).update(direct_loss=Decimal("-1"))


# --- correct -----------------------------------------------------------------------------------


def test_a_correction_records_each_changed_field(admin, enterprise_a):
    accident = services.record(admin, local_data(enterprise_a))
    services.correct(
        admin, accident, {"deaths": 3, "title": "冲压工段机械伤害致3人死亡事故"}, note="核实"
    )
    accident.refresh_from_db()
    assert (accident.deaths, accident.level) == (3, "larger")
    event = accident.events.get(action=EventAction.CORRECTED)
    assert event.actor == admin and event.note == "核实"
    fields = event.payload["fields"]
    assert set(fields) == {"deaths", "title", "level"}
    assert fields["deaths"] == {"label": "死亡人数", "from": "0", "to": "3"}
    assert fields["level"] == {"label": "事故等级", "from": "一般事故", "to": "较大事故"}


def test_moving_to_another_enterprise_copies_its_facts(admin, enterprise_a, enterprise_a2):
    accident = services.record(admin, local_data(enterprise_a))
    services.correct(admin, accident, {"enterprise_id": enterprise_a2.pk})
    accident.refresh_from_db()
    assert accident.industry == "textile"
    assert not accident.sector_tags.exists()  # enterprise_a2 has no tags
    fields = accident.events.get(action=EventAction.CORRECTED).payload["fields"]
    assert fields["enterprise"]["to"] == enterprise_a2.name
    assert fields["sector_tags"] == {"label": "重点行业领域", "from": "机械铸造", "to": "无"}


def test_tags_may_be_corrected(admin):
    accident = services.record(admin, external_data())
    services.correct(admin, accident, {"sector_tags": ["combustible_dust", "spray_painting"]})
    assert set(accident.sector_tags.values_list("code", flat=True)) == {
        "combustible_dust",
        "spray_painting",
    }
    services.correct(admin, accident, {"sector_tags": []})
    assert not accident.sector_tags.exists()


def test_a_correction_that_changes_nothing_records_nothing(admin, enterprise_a):
    accident = services.record(admin, local_data(enterprise_a))
    services.correct(admin, accident, {"title": accident.title, "deaths": 0})
    services.correct(admin, accident, {"sector_tags": ["foundry"]})
    assert accident.events.count() == 1


def test_the_source_cannot_change(admin, enterprise_a):
    accident = services.record(admin, local_data(enterprise_a))
    refused(
        lambda: services.correct(admin, accident, {"source": "external"}), 422, "source", "作废"
    )


def test_a_correction_is_checked_as_a_whole(admin, enterprise_a):
    accident = services.record(admin, local_data(enterprise_a))
    refused(lambda: services.correct(admin, accident, {"is_near_miss": True}), 422, "is_near_miss")
    refused(lambda: services.correct(admin, accident, {"deaths": -2}), 422, "deaths")


def test_a_town_corrects_its_own_but_not_external_cases(town, world):
    services.correct(town, world["a2"], {"minor_injuries": 2})
    refused(lambda: services.correct(town, world["ext"], {"deaths": 4}), 403, text="县局")
    refused(lambda: services.correct(town, world["b"], {"deaths": 4}), 404)
    refused(lambda: services.correct(town, world["a"], {"enterprise_id": world["b"].enterprise_id}),
            404, "enterprise")  # fmt: skip


@pytest.mark.parametrize(
    "role", [Role.ENFORCEMENT_OFFICER, Role.GRID_MEMBER, Role.EXPERT, Role.PRINCIPAL,
             Role.SAFETY_OFFICER],
)  # fmt: skip
def test_viewers_may_not_correct_or_void(users, world, role):
    refused(lambda: services.correct(users[role], world["a"], {"deaths": 1}), 403)
    refused(lambda: services.void(users[role], world["a"], "重复登记"), 403)


def test_an_employee_sees_nothing_to_change(employee, world):
    refused(lambda: services.correct(employee, world["a"], {"deaths": 1}), 404)
    refused(lambda: services.void(employee, world["a"], "重复登记"), 404)


# --- void --------------------------------------------------------------------------------------


def test_void_keeps_the_record_with_the_reason(admin, enterprise_a):
    accident = services.record(admin, local_data(enterprise_a))
    services.void(admin, accident, "  重复登记  ")
    accident.refresh_from_db()
    assert accident.voided_at is not None and accident.voided_by == admin
    assert accident.void_reason == "重复登记"
    assert accident.events.last().action == EventAction.VOIDED
    assert accident.events.last().note == "重复登记"
    assert not AccidentCase.objects.counted().filter(pk=accident.pk).exists()
    assert AccidentCase.objects.filter(pk=accident.pk).exists()


def test_void_needs_a_reason(admin, enterprise_a):
    accident = services.record(admin, local_data(enterprise_a))
    refused(lambda: services.void(admin, accident, "   "), 422, "reason", "作废原因")
    refused(lambda: services.void(admin, accident, "x\x00"), 422, "reason")


def test_a_voided_record_is_not_changed_again(admin, enterprise_a):
    accident = services.record(admin, local_data(enterprise_a))
    services.void(admin, accident, "误录企业")
    refused(lambda: services.void(admin, accident, "再次作废"), 409, text="已作废")
    refused(lambda: services.correct(admin, accident, {"deaths": 1}), 409, text="已作废")
    assert AccidentEvent.objects.filter(accident=accident).count() == 2


def test_a_town_voids_its_own_but_not_external_cases(town, world):
    services.void(town, world["a"], "重复登记")
    refused(lambda: services.void(town, world["ext"], "重复"), 403)
    refused(lambda: services.void(town, world["b"], "重复"), 404)


def test_relevant_external_cases_share_the_industry_or_a_tag(
    admin, enterprise_a, enterprise_a2, enterprise_b
):
    same_industry = services.record(admin, external_data(sector_tags=[], title="同行业"))
    same_tag = services.record(
        admin, external_data(industry="commerce", sector_tags=["foundry"], title="同领域")
    )
    unrelated = services.record(
        admin, external_data(industry="tobacco", sector_tags=["chlorine"], title="无关")
    )
    voided = services.record(admin, external_data(title="已作废"))
    services.void(admin, voided, "重复")
    services.record(admin, local_data(enterprise_b, title="本县"))  # local: never "relevant"
    relevant = set(AccidentCase.objects.relevant_to(enterprise_a))
    assert relevant == {same_industry, same_tag}
    assert unrelated not in set(AccidentCase.objects.relevant_to(enterprise_b))
    assert set(AccidentCase.objects.relevant_to(enterprise_a2)) == set()
    assert SectorTag.objects.filter(code="foundry").exists()


def test_the_fields_grading_reads(admin, enterprise_a, enterprise_b):
    """grading.measures counts an enterprise's records of the last 12 months that stand, by
    `enterprise`, `occurred_at` and `voided_at`: a contract with that app."""
    now = timezone.now()
    services.record(admin, local_data(enterprise_a, occurred_at=now - timedelta(days=364)))
    services.record(admin, local_data(enterprise_a, occurred_at=now - timedelta(days=366)))
    voided = services.record(admin, local_data(enterprise_b))
    services.void(admin, voided, "误录企业")
    services.record(admin, external_data())
    counted = AccidentCase.objects.filter(
        enterprise__isnull=False,
        occurred_at__gte=now - timedelta(days=365),
        voided_at__isnull=True,
    )
    assert list(counted.values_list("enterprise_id", flat=True)) == [enterprise_a.pk]
    assert list(enterprise_a.accidents.counted()) == list(
        AccidentCase.objects.filter(enterprise=enterprise_a)
    )
