from datetime import date

import pytest

from accounts.roles import Role
from conftest import make_enterprise, make_user
from enterprises.models import SectorTag
from hazards.models import Hazard
from hazards.states import Source
from training import reference, services
from training.models import Drill, DrillFinding, DrillPhoto, TrainingEvent, TrainingRecord
from training.reference import HALF_YEAR, YEAR
from training.services import TrainingRefused

TODAY = date(2026, 12, 6)


def drill(user, enterprise, held_on, four=True, kind="evacuation", **extra):
    return services.record_drill(
        user,
        enterprise.pk,
        held_on=held_on,
        kind=kind,
        scenario="铸造车间熔炼炉钢水泄漏引发火灾",
        participants=45,
        no_notice=four,
        no_script=four,
        no_preset_scene=four,
        no_preset_place=four,
        today=extra.pop("today", TODAY),
        **extra,
    )


def principal_training(user, enterprise, trained_on):
    return services.record_training(
        user,
        kind="principal",
        enterprise_id=enterprise.pk,
        person_name="王建国",
        course="金属冶炼企业主要负责人专题安全培训",
        organiser="高唐县应急管理局",
        hours="16",
        trained_on=trained_on,
        today=TODAY,
    )


def snapshot():
    return [
        list(m.objects.order_by("pk").values())
        for m in (TrainingRecord, Drill, DrillFinding, DrillPhoto, TrainingEvent, Hazard)
    ]


# --- periods across the half-year boundary -------------------------------------------------------


def test_periods_split_on_30_june_and_1_july():
    assert reference.period(HALF_YEAR, date(2026, 6, 30)) == (date(2026, 1, 1), date(2026, 6, 30))
    assert reference.period(HALF_YEAR, date(2026, 7, 1)) == (date(2026, 7, 1), date(2026, 12, 31))
    assert reference.period(YEAR, date(2026, 7, 1)) == (date(2026, 1, 1), date(2026, 12, 31))
    assert reference.previous_period(HALF_YEAR, date(2026, 7, 1)) == (
        date(2026, 1, 1),
        date(2026, 6, 30),
    )
    assert reference.previous_period(HALF_YEAR, date(2026, 3, 1)) == (
        date(2025, 7, 1),
        date(2025, 12, 31),
    )


def test_frequency_by_sector_tags():
    assert reference.frequency_for(["foundry"]) == HALF_YEAR
    assert reference.frequency_for(["metal_smelting"]) == HALF_YEAR
    assert reference.frequency_for(["labor_intensive"]) == HALF_YEAR
    assert reference.frequency_for(["factory_in_factory"]) == HALF_YEAR
    assert reference.frequency_for(["combustible_dust"]) == YEAR
    assert reference.frequency_for([]) == YEAR


@pytest.mark.django_db
def test_drill_due_dates_by_sector_across_the_half_year_boundary(officer, enterprise_a, users):
    """enterprise_a is a foundry (half-yearly); a labour-intensive and a factory-in-factory one
    too; a textile enterprise without those tags drills yearly. One drill each on 30 June."""
    labour = make_enterprise(enterprise_a.jurisdiction, serial=11, name="劳动密集服装厂")
    labour.sector_tags.set([SectorTag.objects.get(code="labor_intensive")])
    inner = make_enterprise(enterprise_a.jurisdiction, serial=12, name="厂中厂机加工")
    inner.sector_tags.set([SectorTag.objects.get(code="factory_in_factory")])
    yearly = make_enterprise(enterprise_a.jurisdiction, serial=13, name="普通纺织厂")
    county_admin = users[Role.COUNTY_ADMIN]
    june_30 = date(2026, 6, 30)
    for enterprise in (enterprise_a, labour, inner, yearly):
        drill(county_admin, enterprise, june_30, today=june_30)
    ids = [enterprise_a.pk, labour.pk, inner.pk, yearly.pk]

    def states(day):
        found = services.drill_states(enterprise_a._meta.model.objects.filter(pk__in=ids), day)
        return {s.enterprise.pk: s for s in found}

    on_30_june = states(june_30)
    for pk in ids[:3]:
        assert on_30_june[pk].frequency == HALF_YEAR
        assert on_30_june[pk].end == june_30
        assert on_30_june[pk].done
    assert on_30_june[yearly.pk].frequency == YEAR
    assert on_30_june[yearly.pk].end == date(2026, 12, 31)
    assert on_30_june[yearly.pk].done

    on_1_july = states(date(2026, 7, 1))
    for pk in ids[:3]:
        assert on_1_july[pk].end == date(2026, 12, 31)
        assert not on_1_july[pk].done  # a new half year: the June drill no longer counts
        assert on_1_july[pk].period_label == "2026年下半年"
    assert on_1_july[yearly.pk].done  # the same year
    missing = {
        s.enterprise.pk
        for s in services.drills_missing(
            enterprise_a._meta.model.objects.filter(pk__in=ids), date(2026, 7, 1)
        )
    }
    assert missing == set(ids[:3])

    # Due soon: within DUE_SOON_DAYS of 31 December, not before.
    assert not states(date(2026, 11, 30))[enterprise_a.pk].due_soon
    assert states(date(2026, 12, 1))[enterprise_a.pk].due_soon


@pytest.mark.django_db
def test_only_evacuation_drills_count(officer, enterprise_a):
    drill(officer, enterprise_a, date(2026, 11, 1), kind="fire")
    [state] = services.drill_states(type(enterprise_a).objects.filter(pk=enterprise_a.pk), TODAY)
    assert not state.done
    drill(officer, enterprise_a, date(2026, 11, 2))
    [state] = services.drill_states(type(enterprise_a).objects.filter(pk=enterprise_a.pk), TODAY)
    assert state.done and state.last == date(2026, 11, 2)


# --- 四不 ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unannounced_only_when_all_four(officer, enterprise_a):
    full = drill(officer, enterprise_a, date(2026, 10, 1))
    three = services.record_drill(
        officer,
        enterprise_a.pk,
        held_on=date(2026, 10, 2),
        kind="evacuation",
        scenario="夜班仓库火灾",
        participants=30,
        no_notice=True,
        no_script=True,
        no_preset_scene=True,
        no_preset_place=False,
        today=TODAY,
    )
    drill(officer, enterprise_a, date(2026, 10, 3), four=False)
    assert full.unannounced and not three.unannounced
    assert services.unannounced_share(Drill.objects.all()) == (1, 3)
    assert list(Drill.objects.unannounced()) == [full]


@pytest.mark.django_db
def test_town_rows(users, enterprise_a, enterprise_a2, enterprise_b, town_a, town_b):
    county_admin = users[Role.COUNTY_ADMIN]
    drill(county_admin, enterprise_a, date(2026, 9, 1))
    drill(county_admin, enterprise_a2, date(2026, 9, 1), four=False)
    principal_training(county_admin, enterprise_a, date(2025, 5, 1))
    services.record_observation(
        county_admin,
        town_a.pk,
        held_on=date(2026, 6, 1),
        scenario="粉尘涉爆企业疏散",
        attendees=80,
        host_id=enterprise_a.pk,
        today=TODAY,
    )
    rows = {row.town.pk: row for row in services.town_rows(county_admin, TODAY)}
    a, b = rows[town_a.pk], rows[town_b.pk]
    assert (a.required, a.trained, a.coverage) == (1, 1, 1.0)
    assert (a.drills, a.unannounced, a.unannounced_share) == (2, 1, 0.5)
    assert a.drills_missing == 0 and a.enterprises == 2
    assert a.observation == date(2026, 6, 1)
    assert b.observation is None and b.drills_missing == 1 and b.required == 0
    # A town's supervisor sees only their town.
    assert [row.town.pk for row in services.town_rows(users[Role.TOWN_SUPERVISOR], TODAY)] == [
        town_a.pk
    ]


# --- task 17 and 25 ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_principal_coverage_task_17(officer, enterprise_a, enterprise_a2, enterprise_b):
    dusty = make_enterprise(enterprise_a.jurisdiction, serial=21, name="木粉加工厂")
    dusty.sector_tags.set([SectorTag.objects.get(code="combustible_dust")])
    ammonia = make_enterprise(enterprise_b.jurisdiction, serial=22, name="冷库")
    ammonia.sector_tags.set([SectorTag.objects.get(code="ammonia_refrigeration")])
    everyone = type(enterprise_a).objects.all()
    assert set(services.principal_required(everyone)) == {enterprise_a, dusty, ammonia}
    # Trained in 2023: before the window, still missing.
    principal_training(officer, enterprise_a, date(2023, 12, 31))
    assert enterprise_a in services.principals_missing(everyone)
    # A safety manager's training is not the principal's.
    services.record_training(
        officer,
        kind="safety_manager",
        enterprise_id=enterprise_a.pk,
        person_name="李安全",
        course="安全管理",
        organiser="县局",
        hours=8,
        trained_on=date(2025, 1, 1),
        today=TODAY,
    )
    assert enterprise_a in services.principals_missing(everyone)
    principal_training(officer, enterprise_a, date(2024, 1, 1))
    assert set(services.principals_missing(everyone)) == {dusty, ammonia}


@pytest.mark.django_db
def test_officers_trained_each_year_task_25(users, county):
    supervisor = users[Role.SUPERVISOR]
    enforcer = users[Role.ENFORCEMENT_OFFICER]
    second = make_user("enforcer2", Role.ENFORCEMENT_OFFICER, county)
    services.record_training(
        supervisor,
        kind="officer",
        officer_id=enforcer.pk,
        person_name="执法一",
        course="重大事故隐患判定标准",
        organiser="市应急局",
        hours=24,
        trained_on=date(2025, 4, 1),
        today=TODAY,
    )
    assert list(services.untrained_officers(supervisor, 2025)) == [second]
    assert set(services.untrained_officers(supervisor, 2026)) == {enforcer, second}
    # Only the bureau records an officer's training, and only its own officers.
    with pytest.raises(TrainingRefused) as refused:
        services.record_training(
            users[Role.TOWN_SUPERVISOR],
            kind="officer",
            officer_id=enforcer.pk,
            person_name="x",
            course="x",
            organiser="x",
            hours=1,
            trained_on=TODAY,
            today=TODAY,
        )
    assert refused.value.status == 403


# --- findings become hazards ---------------------------------------------------------------------


@pytest.mark.django_db
def test_finding_becomes_a_hazard_once(officer, enterprise_a):
    made = drill(officer, enterprise_a, date(2026, 11, 5), findings=["疏散通道堆放杂物", " "])
    [finding] = made.findings.all()
    hazard = services.finding_to_hazard(officer, finding.pk)
    assert hazard.source == Source.SELF_INSPECTION
    assert hazard.enterprise_id == enterprise_a.pk
    assert hazard.description == "疏散通道堆放杂物"
    finding.refresh_from_db()
    assert finding.hazard_id == hazard.pk
    before = snapshot()
    with pytest.raises(TrainingRefused) as refused:
        services.finding_to_hazard(officer, finding.pk)
    assert refused.value.status == 409 and "已登记为隐患" in str(refused.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_finding_out_of_scope_is_404(officer, users, enterprise_b):
    made = drill(users[Role.COUNTY_ADMIN], enterprise_b, date(2026, 11, 5), findings=["灭火器过期"])
    with pytest.raises(TrainingRefused) as refused:
        services.finding_to_hazard(officer, made.findings.get().pk)
    assert refused.value.status == 404


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"participants": 0}, "participants", "参演人数"),
        ({"scenario": " "}, "scenario", "请填写演练情景"),
        ({"kind": "party"}, "kind", "演练类型无效"),
        ({"held_on": date(2027, 1, 1)}, "held_on", "不能晚于今天"),
        ({"held_on": date(1900, 1, 1)}, "held_on", "日期超出合理范围"),
        ({"scenario": "火灾\x00"}, "scenario", "控制字符"),
    ],
)
def test_bad_drill_refused_in_chinese_nothing_saved(officer, enterprise_a, change, field, words):
    values = {
        "held_on": date(2026, 10, 1),
        "kind": "evacuation",
        "scenario": "火灾疏散",
        "participants": 10,
        "findings": ["问题一"],
    }
    values.update(change)
    before = snapshot()
    with pytest.raises(TrainingRefused) as refused:
        services.record_drill(officer, enterprise_a.pk, today=TODAY, **values)
    assert refused.value.field == field and words in str(refused.value)
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"hours": "0"}, "hours", "学时"),
        ({"hours": "abc"}, "hours", "学时应为数字"),
        ({"hours": "1.25"}, "hours", "一位小数"),
        ({"person_name": ""}, "person_name", "请填写姓名"),
        ({"kind": "officer"}, "officer", None),
        ({"kind": "boss"}, "kind", "人员类别无效"),
    ],
)
def test_bad_training_refused_in_chinese_nothing_saved(officer, enterprise_a, change, field, words):
    values = {
        "kind": "principal",
        "enterprise_id": enterprise_a.pk,
        "person_name": "王建国",
        "course": "专题培训",
        "organiser": "县局",
        "hours": "8",
        "trained_on": date(2026, 3, 1),
    }
    values.update(change)
    before = snapshot()
    with pytest.raises(TrainingRefused) as refused:
        services.record_training(officer, today=TODAY, **values)
    if words:
        assert refused.value.field == field and words in str(refused.value)
    else:
        assert refused.value.status == 403  # a safety officer records no officer's training
    assert snapshot() == before


@pytest.mark.django_db
def test_evidence_checked_by_content(officer, enterprise_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("证明.pdf", b"not a pdf at all")
    before = snapshot()
    with pytest.raises(TrainingRefused) as refused:
        services.record_training(
            officer,
            kind="principal",
            enterprise_id=enterprise_a.pk,
            person_name="王建国",
            course="专题培训",
            organiser="县局",
            hours=8,
            trained_on=date(2026, 3, 1),
            evidence=fake,
            today=TODAY,
        )
    assert refused.value.field == "evidence" and "不是有效的 PDF" in str(refused.value)
    assert snapshot() == before
    good = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 minimal")
    record = services.record_training(
        officer,
        kind="principal",
        enterprise_id=enterprise_a.pk,
        person_name="王建国",
        course="专题培训",
        organiser="县局",
        hours=8,
        trained_on=date(2026, 3, 1),
        evidence=good,
        today=TODAY,
    )
    assert record.evidence.name.endswith(".pdf")


@pytest.mark.django_db
def test_out_of_scope_enterprise_is_404(officer, enterprise_b):
    with pytest.raises(TrainingRefused) as refused:
        drill(officer, enterprise_b, date(2026, 10, 1))
    assert refused.value.status == 404


@pytest.mark.django_db
def test_employee_may_not_record(employee, enterprise_a):
    with pytest.raises(TrainingRefused) as refused:
        drill(employee, enterprise_a, date(2026, 10, 1))
    assert refused.value.status == 403


# --- reminders -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_drill_due_reminded_once_to_the_enterprise(
    users, enterprise_a, immediate_tasks, django_capture_on_commit_callbacks
):
    from core.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_due(date(2026, 12, 1)) >= 1
    again = services.remind_due(date(2026, 12, 2))
    assert not TrainingEvent.objects.filter(enterprise=enterprise_a, action="drill_due").count() > 1
    assert again == 0
    told = set(
        Notification.objects.filter(kind="training").values_list("recipient__username", flat=True)
    )
    assert {"principal_a", "safety_a"} <= told
    assert "employee_a" not in told
