"""Self-inspection against the applicable criteria of 工贸企业重大事故隐患判定标准 and the
principal-led check duty of seed task 5 (主要负责人每季度至少带队检查1次；金属冶炼（机械铸造）、
粉尘涉爆、涉氨制冷等重点行业领域企业每月至少1次).

The frequencies come from the DutyRule rows of hazards/migrations/0004_rules_data.py; the
periods are calendar months and quarters; only principal-led checks count. Recording goes
through services.record_self_inspection, which refuses an incomplete or inconsistent answer
sheet whole (nothing is created) and turns each "hazard" answer into a major hazard linked to
its criterion. The pages are checked for who may record, what the checklist holds, scope, and
the duty board each kind of staff user sees.

enterprise_a (machinery, tagged foundry) answers 第三条（一）（二）, which apply to every
enterprise, and 第七条（一）至（七）, which apply to machinery.
"""

import datetime
import re

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import client_for, make_enterprise
from core.inputs import LINE_MESSAGE
from enterprises.models import Enterprise, SectorTag
from hazards import duties, services
from hazards.models import (
    Answer,
    DutyRule,
    Hazard,
    HazardEvent,
    MajorHazardCriterion,
    SelfInspection,
    SelfInspectionItem,
    Source,
    State,
)
from hazards.services import TransitionRefused

D = datetime.date
ROLES = list(Role)
MANAGERS = frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER})
ENTERPRISE_ROLES = frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE})
STAFF_ROLES = [role for role in ROLES if role not in ENTERPRISE_ROLES]

# Seed task 5, restated rather than read from the migration.
MONTHLY = {"metal_smelting", "foundry", "combustible_dust", "ammonia_refrigeration"}
TAGS = [
    "metal_smelting",
    "foundry",
    "combustible_dust",
    "ammonia_refrigeration",
    "chlorine",
    "confined_space",
    "hazardous_chemicals",
    "spray_painting",
    "coal_gas",
    "molten_metal",
    "lithium_battery",
    "labor_intensive",
    "factory_in_factory",
]
CHECKLIST_A = [(3, 1), (3, 2), *((7, item) for item in range(1, 8))]
REFUSED_ROLE = "只有企业主要负责人或安全管理人员可以记录自查"

# Which enterprises' records each role sees: "a", "a2" (town_a's other grid), "b" (the other
# town) and "far" (another county: nobody here).
SCOPE = {
    Role.COUNTY_ADMIN: {"a", "a2", "b"},
    Role.SUPERVISOR: {"a", "a2", "b"},
    Role.ENFORCEMENT_OFFICER: {"a", "a2", "b"},
    Role.TOWN_SUPERVISOR: {"a", "a2"},
    Role.GRID_MEMBER: {"a"},
    Role.EXPERT: {"a"},
    Role.PRINCIPAL: {"a"},
    Role.SAFETY_OFFICER: {"a"},
    # An employee's scope is the hazards they reported, not the principal's findings.
    Role.EMPLOYEE: set(),
    Role.CITY_SUPERVISOR: {"a", "a2", "b"},
    Role.PROVINCE_SUPERVISOR: {"a", "a2", "b"},
}


def today():
    return timezone.localdate()


def criterion(article, item):
    return MajorHazardCriterion.objects.get(article=article, item=item)


def answers_for(checklist=CHECKLIST_A, **changes):
    """A complete answer sheet, every item compliant except `changes` ("7_1": (answer, note))."""
    answers = {criterion(*key).pk: (Answer.COMPLIANT, "") for key in checklist}
    for key, value in changes.items():
        article, item = map(int, key.lstrip("_").split("_"))
        answers[criterion(article, item).pk] = value
    return answers


def counts():
    return (
        SelfInspection.objects.count(),
        SelfInspectionItem.objects.count(),
        Hazard.objects.count(),
        HazardEvent.objects.count(),
    )


def record(user, enterprise, answers, **extra):
    values = {
        "checked_on": today(),
        "led_by": "王建国",
        "led_by_principal": True,
        "answers": answers,
    }
    values.update(extra)
    return services.record_self_inspection(user, enterprise.pk, **values)


def check(enterprise, on, principal=True):
    """A self-inspection row as the duty counts it (no items needed)."""
    return SelfInspection.objects.create(
        enterprise=enterprise, checked_on=on, led_by="王建国", led_by_principal=principal
    )


def status_of(enterprise, on):
    [status] = duties.statuses(Enterprise.objects.filter(pk=enterprise.pk), on)
    return status


def tagged(enterprise, *codes):
    enterprise.sector_tags.set(SectorTag.objects.filter(code__in=codes))
    return enterprise


def month_start(day):
    return day.replace(day=1)


def quarter_start(day):
    return D(day.year, (day.month - 1) // 3 * 3 + 1, 1)


@pytest.fixture
def enterprises(enterprise_a, enterprise_a2, enterprise_b, far_enterprise):
    return {"a": enterprise_a, "a2": enterprise_a2, "b": enterprise_b, "far": far_enterprise}


@pytest.fixture
def as_role(client, users):
    return lambda role: client_for(client, users[role])


# --- how often: the DutyRule data --------------------------------------------------------------


def test_duty_rules_are_seed_task_5(db):
    rules = {rule.sector_tag_id: rule.months for rule in DutyRule.objects.all()}
    assert rules == {None: 3, **dict.fromkeys(MONTHLY, 1)}
    assert all("任务5" in rule.source for rule in DutyRule.objects.all())
    assert duties.default_months() == 3


@pytest.mark.parametrize("code", TAGS)
def test_frequency_by_sector(enterprise_a2, code):
    status = status_of(tagged(enterprise_a2, code), D(2026, 5, 10))
    expected = 1 if code in MONTHLY else 3
    assert status.months == expected
    assert status.frequency_label == ("每月" if expected == 1 else "每季度")


@pytest.mark.parametrize(
    ("codes", "months"),
    [
        ((), 3),
        (("labor_intensive", "factory_in_factory"), 3),
        (("spray_painting", "confined_space", "coal_gas"), 3),
        (("combustible_dust", "labor_intensive"), 1),
        (("labor_intensive", "ammonia_refrigeration", "chlorine"), 1),
        (("foundry", "metal_smelting", "molten_metal"), 1),
    ],
)
def test_an_enterprise_with_several_tags_takes_the_shortest_period(enterprise_a2, codes, months):
    assert status_of(tagged(enterprise_a2, *codes), D(2026, 5, 10)).months == months


def test_frequencies_are_read_from_the_rules(enterprise_a, enterprise_a2):
    DutyRule.objects.filter(sector_tag__isnull=True).update(months=6)
    DutyRule.objects.filter(sector_tag="foundry").update(months=3)
    assert status_of(enterprise_a, D(2026, 5, 10)).months == 3
    assert status_of(enterprise_a2, D(2026, 5, 10)).months == 6
    assert status_of(enterprise_a2, D(2026, 5, 10)).frequency_label == "每半年"
    tagged(enterprise_a2, "foundry", "labor_intensive")
    assert status_of(enterprise_a2, D(2026, 5, 10)).months == 3
    DutyRule.objects.filter(sector_tag__isnull=True).delete()
    assert status_of(tagged(enterprise_a2), D(2026, 5, 10)).months == 3


def test_statuses_give_one_row_per_enterprise_in_few_queries(
    enterprises, django_assert_max_num_queries
):
    tagged(enterprises["a2"], "foundry", "combustible_dust", "labor_intensive")
    tagged(enterprises["b"], "chlorine", "spray_painting")
    check(enterprises["a2"], D(2026, 5, 2))
    check(enterprises["a2"], D(2026, 5, 8))
    check(enterprises["b"], D(2026, 4, 1), principal=False)
    with django_assert_max_num_queries(3):
        rows = duties.statuses(Enterprise.objects.all(), D(2026, 5, 10))
    by_name = {row.name: row for row in rows}
    assert len(rows) == len(by_name) == 4
    a2 = by_name["山东鑫泰纺织有限公司"]
    assert (a2.months, a2.last_check, a2.done) == (1, D(2026, 5, 8), True)
    b = by_name["清平木业有限公司"]
    assert (b.months, b.last_check, b.done, b.town) == (3, None, False, "清平镇")


# --- which period ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "start", "end", "label"),
    [
        (D(2026, 1, 1), 1, D(2026, 1, 1), D(2026, 1, 31), "2026年1月"),
        (D(2026, 1, 31), 1, D(2026, 1, 1), D(2026, 1, 31), "2026年1月"),
        (D(2026, 4, 15), 1, D(2026, 4, 1), D(2026, 4, 30), "2026年4月"),
        (D(2026, 12, 31), 1, D(2026, 12, 1), D(2026, 12, 31), "2026年12月"),
        (D(2027, 1, 1), 1, D(2027, 1, 1), D(2027, 1, 31), "2027年1月"),
        (D(2026, 2, 14), 1, D(2026, 2, 1), D(2026, 2, 28), "2026年2月"),
        (D(2028, 2, 1), 1, D(2028, 2, 1), D(2028, 2, 29), "2028年2月"),
        (D(2028, 2, 29), 1, D(2028, 2, 1), D(2028, 2, 29), "2028年2月"),
        (D(2100, 2, 10), 1, D(2100, 2, 1), D(2100, 2, 28), "2100年2月"),
        (D(2000, 2, 10), 1, D(2000, 2, 1), D(2000, 2, 29), "2000年2月"),
        (D(2026, 1, 1), 3, D(2026, 1, 1), D(2026, 3, 31), "2026年第1季度"),
        (D(2026, 3, 31), 3, D(2026, 1, 1), D(2026, 3, 31), "2026年第1季度"),
        (D(2026, 4, 1), 3, D(2026, 4, 1), D(2026, 6, 30), "2026年第2季度"),
        (D(2026, 9, 30), 3, D(2026, 7, 1), D(2026, 9, 30), "2026年第3季度"),
        (D(2026, 10, 1), 3, D(2026, 10, 1), D(2026, 12, 31), "2026年第4季度"),
        (D(2026, 12, 31), 3, D(2026, 10, 1), D(2026, 12, 31), "2026年第4季度"),
        (D(2027, 1, 1), 3, D(2027, 1, 1), D(2027, 3, 31), "2027年第1季度"),
        (D(2028, 2, 29), 3, D(2028, 1, 1), D(2028, 3, 31), "2028年第1季度"),
        (D(2026, 8, 8), 6, D(2026, 7, 1), D(2026, 12, 31), "2026年7月起6个月"),
        (D(2026, 8, 8), 12, D(2026, 1, 1), D(2026, 12, 31), "2026年1月起12个月"),
    ],
)
def test_period_and_label(day, months, start, end, label):
    assert duties.period(day, months) == (start, end)
    assert duties.period_label(day, months) == label


def test_periods_tile_the_year_without_gaps():
    for months in (1, 2, 3, 4, 6, 12):
        day = D(2028, 1, 1)
        while day.year == 2028:
            start, end = duties.period(day, months)
            assert start == day
            assert (end.year - start.year) * 12 + end.month - start.month + 1 == months
            day = end + datetime.timedelta(days=1)
        assert day == D(2029, 1, 1)


# --- done or missing, across period boundaries ----------------------------------------------


@pytest.mark.parametrize(
    ("checked_on", "on", "done"),
    [
        # A quarterly enterprise: a check on the last day of Q3 counts for Q3, not Q4.
        (D(2026, 9, 30), D(2026, 9, 30), True),
        (D(2026, 9, 30), D(2026, 10, 1), False),
        (D(2026, 9, 30), D(2026, 12, 31), False),
        (D(2026, 7, 1), D(2026, 9, 30), True),
        (D(2026, 6, 30), D(2026, 7, 1), False),
        (D(2026, 12, 31), D(2027, 1, 1), False),
        (D(2027, 1, 1), D(2027, 3, 31), True),
        # A check after the day asked about does not count yet.
        (D(2026, 7, 2), D(2026, 7, 1), False),
    ],
)
def test_quarterly_duty_across_boundaries(enterprise_a2, checked_on, on, done):
    check(enterprise_a2, checked_on)
    status = status_of(enterprise_a2, on)
    assert status.months == 3
    assert status.done is done
    assert (status.period_start, status.period_end) == duties.period(on, 3)
    assert status.last_check == (checked_on if checked_on <= on else None)


@pytest.mark.parametrize(
    ("checked_on", "on", "done"),
    [
        (D(2026, 10, 31), D(2026, 10, 31), True),
        # Checked last month: missing this month, from its first day to its last.
        (D(2026, 10, 31), D(2026, 11, 1), False),
        (D(2026, 10, 1), D(2026, 11, 30), False),
        (D(2026, 12, 31), D(2027, 1, 1), False),
        (D(2027, 1, 1), D(2027, 1, 31), True),
        (D(2028, 2, 29), D(2028, 2, 29), True),
        (D(2028, 2, 29), D(2028, 3, 1), False),
        (D(2028, 2, 1), D(2028, 2, 29), True),
    ],
)
def test_monthly_duty_across_boundaries(enterprise_a, checked_on, on, done):
    check(enterprise_a, checked_on)
    status = status_of(enterprise_a, on)
    assert (status.months, status.done) == (1, done)
    assert status.period_start == month_start(on)


def test_a_check_not_led_by_the_principal_does_not_count(enterprise_a, enterprise_a2):
    check(enterprise_a, D(2026, 11, 20), principal=False)
    status = status_of(enterprise_a, D(2026, 11, 29))
    assert (status.done, status.last_check) == (False, None)

    check(enterprise_a, D(2026, 10, 5))  # principal-led, last month
    status = status_of(enterprise_a, D(2026, 11, 29))
    assert (status.done, status.last_check) == (False, D(2026, 10, 5))

    check(enterprise_a2, D(2026, 10, 2), principal=False)
    check(enterprise_a2, D(2026, 9, 30))
    status = status_of(enterprise_a2, D(2026, 11, 29))
    assert (status.done, status.last_check) == (False, D(2026, 9, 30))


# --- recording: services.record_self_inspection -------------------------------------------------


@pytest.mark.parametrize("role", sorted(MANAGERS))
def test_recording_creates_items_and_a_major_hazard_per_hazard_answer(users, enterprise_a, role):
    user = users[role]
    answers = answers_for(
        _7_1=(Answer.HAZARD, "  熔炼炉冷却水系统未设置断水报警  "),
        _7_5=(Answer.HAZARD, "浇注区地面积水"),
        _3_2=(Answer.NOT_APPLICABLE, "本企业无相关设施"),
    )
    checked_on = today() - datetime.timedelta(days=3)
    inspection = record(user, enterprise_a, answers, checked_on=checked_on, note=" 季度自查 ")

    assert (inspection.enterprise, inspection.checked_on, inspection.recorded_by) == (
        enterprise_a,
        checked_on,
        user,
    )
    assert (inspection.led_by, inspection.led_by_principal, inspection.note) == (
        "王建国",
        True,
        "季度自查",
    )
    items = {
        (i.criterion.article, i.criterion.item): i
        for i in inspection.items.select_related("criterion", "hazard")
    }
    assert sorted(items) == CHECKLIST_A
    assert {key: item.answer for key, item in items.items()} == {
        key: (
            Answer.HAZARD
            if key in ((7, 1), (7, 5))
            else Answer.NOT_APPLICABLE
            if key == (3, 2)
            else Answer.COMPLIANT
        )
        for key in CHECKLIST_A
    }
    assert items[(3, 2)].note == "本企业无相关设施"
    assert all(items[key].hazard is None for key in CHECKLIST_A if key not in ((7, 1), (7, 5)))

    hazards = Hazard.objects.filter(enterprise=enterprise_a).order_by("pk")
    assert len(hazards) == 2
    described = {(7, 1): "熔炼炉冷却水系统未设置断水报警", (7, 5): "浇注区地面积水"}
    for key, description in described.items():
        hazard = items[key].hazard
        assert hazard in hazards
        assert items[key].note == description
        assert (hazard.description, hazard.criterion, hazard.is_major) == (
            description,
            criterion(*key),
            True,
        )
        assert (hazard.source, hazard.state, hazard.found_on, hazard.found_by) == (
            Source.SELF_INSPECTION,
            State.REPORTED,
            checked_on,
            "王建国",
        )
        assert hazard.reported_by == user
        assert [(e.action, e.actor) for e in hazard.events.all()] == [("report", user)]


def test_an_all_compliant_inspection_creates_no_hazard(users, enterprise_a):
    inspection = record(users[Role.PRINCIPAL], enterprise_a, answers_for())
    assert inspection.items.count() == len(CHECKLIST_A)
    assert not Hazard.objects.exists()


def test_a_long_hazard_description_is_kept_whole_on_the_hazard(users, enterprise_a):
    text = "熔炼炉冷却水系统" * 40  # 320 characters
    inspection = record(
        users[Role.SAFETY_OFFICER], enterprise_a, answers_for(_7_1=(Answer.HAZARD, text))
    )
    item = inspection.items.get(answer=Answer.HAZARD)
    assert item.hazard.description == text
    assert item.note == text[:200]


@pytest.mark.parametrize(
    ("changes", "extra", "message"),
    [
        (
            {"drop": [(7, 2), (3, 1)]},
            {},
            "以下条目尚未作答：第三条（一）、第七条（二）",
        ),
        ({"drop": CHECKLIST_A}, {}, "以下条目尚未作答：" + "、".join(
            ["第三条（一）", "第三条（二）"] + [f"第七条（{n}）" for n in "一二三四五六七"]
        )),
        ({"add": (4, 1)}, {}, "答卷中含有不适用于本企业的条目"),
        ({"add": (3, 3)}, {}, "答卷中含有不适用于本企业的条目"),  # 金属冶炼 only
        ({"add": (14, 0)}, {}, "答卷中含有不适用于本企业的条目"),  # monitored enterprises only
        ({"_7_4": (Answer.HAZARD, "   ")}, {}, "第七条（四）存在隐患，请描述具体情况"),
        ({"_3_1": (Answer.HAZARD, "")}, {}, "第三条（一）存在隐患，请描述具体情况"),
        ({"_7_5": ("maybe", "")}, {}, "第七条（五）的结果无效"),
        ({"_7_6": (Answer.HAZARD, "配电箱\x00")}, {}, "第七条（六）的说明" + LINE_MESSAGE),
        ({}, {"checked_on": "tomorrow"}, "检查日期不能晚于今天"),
        ({}, {"led_by": "  "}, "请填写带队人"),
    ],
)  # fmt: skip
def test_an_incomplete_or_inconsistent_answer_sheet_is_refused_whole(
    users, enterprise_a, changes, extra, message
):
    changes = dict(changes)
    dropped = changes.pop("drop", [])
    added = changes.pop("add", None)
    answers = answers_for(
        # A hazard answer elsewhere on the sheet must not be created either.
        _7_7=(Answer.HAZARD, "模具库货架无防倾倒措施"),
        **changes,
    )
    for key in dropped:
        answers.pop(criterion(*key).pk)
    if added:
        answers[criterion(*added).pk] = (Answer.COMPLIANT, "")
    if extra.get("checked_on") == "tomorrow":
        extra["checked_on"] = today() + datetime.timedelta(days=1)
    before = counts()
    with pytest.raises(TransitionRefused) as refused:
        record(users[Role.PRINCIPAL], enterprise_a, answers, **extra)
    assert (str(refused.value), refused.value.status) == (message, 422)
    assert counts() == before


@pytest.mark.parametrize("role", ROLES)
def test_only_the_principal_and_the_safety_officer_may_record(users, enterprise_a, role):
    answers = answers_for(_7_1=(Answer.HAZARD, "熔炼炉冷却水系统未设置断水报警"))
    before = counts()
    if role in MANAGERS:
        record(users[role], enterprise_a, answers)
        assert SelfInspection.objects.count() == before[0] + 1
        return
    with pytest.raises(TransitionRefused) as refused:
        record(users[role], enterprise_a, answers)
    assert (str(refused.value), refused.value.status) == (REFUSED_ROLE, 403)
    assert counts() == before


def test_a_principal_cannot_record_for_another_enterprise(users, enterprise_b):
    answers = {
        c.pk: (Answer.COMPLIANT, "")
        for c in MajorHazardCriterion.objects.filter(scope="all")
        | MajorHazardCriterion.objects.filter(industry="light_industry")
    }
    before = counts()
    with pytest.raises(Enterprise.DoesNotExist):
        record(users[Role.PRINCIPAL], enterprise_b, answers)
    assert counts() == before


def test_the_checklist_follows_the_enterprise(users, enterprise_a):
    # Monitored: 第十四条 joins the checklist. A deactivated criterion leaves it.
    enterprise_a.has_monitoring = True
    enterprise_a.save()
    MajorHazardCriterion.objects.filter(article=7, item=7).update(active=False)
    checklist = [key for key in CHECKLIST_A if key != (7, 7)]
    with pytest.raises(TransitionRefused, match=r"^以下条目尚未作答：第十四条$"):
        record(users[Role.PRINCIPAL], enterprise_a, answers_for(checklist))
    inspection = record(users[Role.PRINCIPAL], enterprise_a, answers_for([*checklist, (14, 0)]))
    assert inspection.items.count() == len(checklist) + 1


# --- the pages: recording -------------------------------------------------------------------

NEW = "/hazards/self-inspections/new/"
LIST = "/hazards/self-inspections/"
BOARD = "/hazards/duties/"


def form_post(answers, **fields):
    data = {"checked_on": today().isoformat(), "led_by": "王建国", "led_by_principal": "on"}
    data.update(fields)
    for pk, (answer, note) in answers.items():
        data[f"answer_{pk}"] = answer
        data[f"note_{pk}"] = note
    return data


def messages_of(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


@pytest.mark.parametrize("role", sorted(MANAGERS))
def test_new_page_lists_exactly_the_enterprises_applicable_criteria(as_role, users, role):
    response = as_role(role).get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    shown = set(map(int, re.findall(r'name="answer_(\d+)" id="a\d+_compliant"', html)))
    assert shown == {criterion(*key).pk for key in CHECKLIST_A}
    radios = re.findall(r'type="radio" name="answer_\d+" id="[^"]+" value="([^"]+)"', html)
    assert set(radios) == {"compliant", "hazard", "not_applicable"}
    assert len(radios) == 3 * len(CHECKLIST_A)
    assert "第七条（七）" in html and "第四条" not in html
    # The principal leads by default; the safety officer names who led.
    principal_leads = role == Role.PRINCIPAL
    [led_by_principal] = re.findall(r'<input [^>]*name="led_by_principal"[^>]*>', html)
    assert (" checked" in led_by_principal) is principal_leads
    [led_by] = re.findall(r'<input [^>]*name="led_by"[^>]*>', html)
    assert (f'value="{users[role].display_name}"' in led_by) is principal_leads


def test_new_page_of_a_monitored_enterprise_adds_article_14(as_role, enterprise_a):
    enterprise_a.has_monitoring = True
    enterprise_a.save()
    html = as_role(Role.SAFETY_OFFICER).get(NEW).content.decode()
    assert f'name="answer_{criterion(14, 0).pk}"' in html


@pytest.mark.parametrize(("hazards", "found"), [(0, 0), (1, 1), (3, 3)])
def test_posting_answers_records_and_redirects_to_the_record(
    as_role, users, enterprise_a, hazards, found
):
    keys = [(7, 1), (7, 3), (3, 2)][:hazards]
    answers = answers_for()
    for n, key in enumerate(keys):
        answers[criterion(*key).pk] = (Answer.HAZARD, f"第{n + 1}处隐患")
    client = as_role(Role.SAFETY_OFFICER)
    response = client.post(NEW, form_post(answers, led_by="李强", led_by_principal=""))
    inspection = SelfInspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/hazards/self-inspections/{inspection.pk}/"
    assert (inspection.led_by, inspection.led_by_principal, inspection.recorded_by) == (
        "李强",
        False,
        users[Role.SAFETY_OFFICER],
    )
    assert inspection.items.count() == len(CHECKLIST_A)
    assert Hazard.objects.filter(is_major=True, source=Source.SELF_INSPECTION).count() == found

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert messages_of(page) == [
        ("success", f"自查已记录，发现重大事故隐患 {found} 项，已登记到隐患台账")
    ]
    html = page.content.decode()
    for item in inspection.items.filter(answer=Answer.HAZARD):
        assert f'href="/hazards/{item.hazard_id}/"' in html
    assert html.count("查看隐患") == found


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("drop", "以下条目尚未作答：第七条（三）"),
        ("blank_hazard", "第七条（二）存在隐患，请描述具体情况"),
        ("bad_answer", "第七条（四）的结果无效"),
        ("future", "检查日期不能晚于今天"),
        ("nul", "第七条（六）的说明含有换行、制表符、控制字符或无效字符，请删除后重试"),
    ],
)
def test_a_refused_answer_sheet_shows_the_reason_and_keeps_the_answers(
    as_role, enterprise_a, change, error
):
    answers = answers_for(_7_1=(Answer.HAZARD, "熔炼炉冷却水系统未设置断水报警"))
    fields = {}
    if change == "drop":
        answers.pop(criterion(7, 3).pk)
    if change == "blank_hazard":
        answers[criterion(7, 2).pk] = (Answer.HAZARD, " ")
    if change == "bad_answer":
        answers[criterion(7, 4).pk] = ("maybe", "")
    if change == "future":
        fields["checked_on"] = (today() + datetime.timedelta(days=1)).isoformat()
    if change == "nul":
        answers[criterion(7, 6).pk] = (Answer.HAZARD, "配电箱\x00门未关")
    before = counts()
    response = as_role(Role.PRINCIPAL).post(NEW, form_post(answers, **fields))
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert counts() == before
    # The answers given stay selected, with their notes.
    pk = criterion(7, 1).pk
    assert f'id="a{pk}_hazard" value="hazard" checked' in html
    assert 'value="熔炼炉冷却水系统未设置断水报警"' in html


def test_an_invalid_header_form_is_refused_and_creates_nothing(as_role, enterprise_a):
    before = counts()
    response = as_role(Role.PRINCIPAL).post(
        NEW, form_post(answers_for(), led_by="", checked_on="2026-02-30")
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"led_by", "checked_on"}
    assert counts() == before


def test_answers_for_criteria_off_the_checklist_are_ignored_by_the_page(as_role, enterprise_a):
    answers = answers_for()
    answers[criterion(4, 1).pk] = (Answer.HAZARD, "不适用的条目")
    response = as_role(Role.PRINCIPAL).post(NEW, form_post(answers))
    assert response.status_code == 302
    inspection = SelfInspection.objects.get()
    assert inspection.items.count() == len(CHECKLIST_A)
    assert not Hazard.objects.exists()


@pytest.mark.parametrize("role", [role for role in ROLES if role not in MANAGERS])
def test_roles_that_may_not_record_get_403(as_role, enterprise_a, role):
    client = as_role(role)
    assert client.get(NEW).status_code == 403
    before = counts()
    assert client.post(NEW, form_post(answers_for())).status_code == 403
    assert counts() == before


def test_anonymous_users_are_sent_to_log_in(client, enterprise_a):
    for url in (NEW, LIST, BOARD):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- the pages: the list, the record ----------------------------------------------------------


@pytest.fixture
def inspections(enterprises):
    return {key: check(enterprise, today()) for key, enterprise in enterprises.items()}


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_the_records_in_scope(as_role, inspections, role):
    response = as_role(role).get(LIST)
    if role == Role.EMPLOYEE:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert {i.pk for i in response.context["page"].object_list} == {
        inspections[key].pk for key in SCOPE[role]
    }
    assert ("开始自查" in response.content.decode()) is (role in MANAGERS)


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_the_duty_status_to_enterprise_users(as_role, enterprise_a, role):
    client = as_role(role)
    if role == Role.EMPLOYEE:
        assert client.get(LIST).status_code == 404
        return
    html = client.get(LIST).content.decode()
    if role not in ENTERPRISE_ROLES:
        assert 'id="duty-status"' not in html
        return
    start = month_start(today())
    assert 'id="duty-status"' in html
    assert "每月至少1次" in html  # enterprise_a is tagged foundry
    assert f"本期（{start:%Y-%m-%d} 至" in html
    assert "尚未完成" in html

    check(enterprise_a, today(), principal=False)
    assert "尚未完成" in client.get(LIST).content.decode()
    check(enterprise_a, today())
    html = client.get(LIST).content.decode()
    assert f"已完成，最近一次 {today():%Y-%m-%d}" in html


@pytest.mark.parametrize("role", ROLES)
def test_a_record_is_found_only_in_scope(as_role, inspections, role):
    client = as_role(role)
    for key, inspection in inspections.items():
        response = client.get(f"/hazards/self-inspections/{inspection.pk}/")
        assert response.status_code == (200 if key in SCOPE[role] else 404), key
    assert client.get("/hazards/self-inspections/987654/").status_code == 404


def test_an_employee_reads_neither_the_principals_findings_nor_the_list(client, users, employee):
    inspection = check(users[Role.PRINCIPAL].enterprise, today())
    client_for(client, employee)
    assert client.get(f"/hazards/self-inspections/{inspection.pk}/").status_code == 404
    assert client.get(LIST).status_code == 404
    assert client.get(NEW).status_code == 403
    assert not SelfInspection.objects.for_user(employee).exists()
    # Nor does the navigation offer the page.
    assert 'href="/hazards/self-inspections/"' not in client.get("/hazards/").content.decode()


# --- the duty board ---------------------------------------------------------------------------


@pytest.fixture
def board(users, enterprise_a, enterprise_a2, enterprise_b, town_a, grid_a):
    """This period, in town_a: enterprise_a (monthly) checked only last month, enterprise_a2
    (quarterly) checked today, `late` (quarterly, grid_a) checked the day before this quarter,
    and a suspended enterprise never checked; in town_b, enterprise_b checked today but not led
    by the principal."""
    day_before = datetime.timedelta(days=1)
    check(enterprise_a, month_start(today()) - day_before)
    check(enterprise_a2, today())
    late = make_enterprise(town_a, grid_a, serial=20, name="高唐县晚检机械厂")
    check(late, quarter_start(today()) - day_before)
    make_enterprise(town_a, grid_a, serial=21, name="高唐县停产铸件厂", status="suspended")
    check(enterprise_b, today(), principal=False)
    return late


def summary_of(response):
    return {
        town: (count, missing, sorted(r.name for r in rows))
        for town, count, missing, rows in response.context["summary"]
    }


A_MISSING = ["高唐县晚检机械厂", "高唐县精工铸造有限公司"]
BOARDS = {
    "county": {
        "赵寨子镇": (3, 2, A_MISSING),
        "清平镇": (1, 1, ["清平木业有限公司"]),
    },
    Role.TOWN_SUPERVISOR: {"赵寨子镇": (3, 2, A_MISSING)},
    Role.GRID_MEMBER: {"赵寨子镇": (2, 2, A_MISSING)},
    Role.EXPERT: {"赵寨子镇": (1, 1, ["高唐县精工铸造有限公司"])},
}


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_duty_board_shows_per_town_the_enterprises_missing_this_periods_check(as_role, board, role):
    response = as_role(role).get(BOARD)
    assert response.status_code == 200
    expected = BOARDS.get(role, BOARDS["county"])
    assert summary_of(response) == expected
    total = sum(count for count, _, _ in expected.values())
    missing = sum(m for _, m, _ in expected.values())
    html = response.content.decode()
    assert f"应检查企业 {total} 家，本期尚未完成 {missing} 家。" in html
    for _, _, names in expected.values():
        for name in names:
            assert name in html
    # Done this period, or not operating: not listed.
    assert "山东鑫泰纺织有限公司" not in html
    assert "高唐县停产铸件厂" not in html
    assert f"本月为{duties.period_label(today(), 1)}" in html
    assert f"本季度为{duties.period_label(today(), 3)}" in html


def test_duty_board_of_the_other_town(client, board, outsider):
    response = client_for(client, outsider).get(BOARD)
    assert summary_of(response) == {"清平镇": (1, 1, ["清平木业有限公司"])}


def test_duty_board_counts_a_check_once_done(as_role, board, enterprise_a):
    check(enterprise_a, today())
    response = as_role(Role.TOWN_SUPERVISOR).get(BOARD)
    assert summary_of(response) == {"赵寨子镇": (3, 1, ["高唐县晚检机械厂"])}


@pytest.mark.parametrize("role", sorted(ENTERPRISE_ROLES))
def test_duty_board_is_403_for_enterprise_roles(as_role, board, role):
    assert as_role(role).get(BOARD).status_code == 403


@pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.SAFETY_OFFICER])
def test_only_the_principal_is_offered_to_lead(users, role):
    """The form's default 由主要负责人带队 is PERMISSIONS' self_inspection.lead (the principal)."""
    from hazards.forms import SelfInspectionForm

    form = SelfInspectionForm(user=users[role])
    leads = role == Role.PRINCIPAL
    assert form.fields["led_by_principal"].initial is (True if leads else None)
    assert form.fields["led_by"].initial == (users[role].display_name if leads else None)
