"""Demo hazards for `manage.py load_demo`: a realistic ledger for the demo enterprises, so the
ledger, the zero-out board and the duty board have something to show. Synthetic, like the
enterprises they belong to; created once (keyed by enterprise and description)."""

import random
from datetime import timedelta

from django.utils import timezone

from core.events import record_many
from hazards.models import (
    OPEN_STATES,
    Hazard,
    HazardEvent,
    MajorHazardCriterion,
    SelfInspection,
    Source,
    State,
)

# (sector tag, description, (article, item)) of major hazards typical of the county's trades.
MAJOR = [
    ("foundry", "中频炉冷却水未设置出水温度和进出水流量差监测报警装置", (7, 4)),
    ("foundry", "浇注区地坑生产期间存在积水", (7, 3)),
    ("molten_metal", "更衣室设置在熔融金属吊运跨地坪区域内", (7, 1)),
    ("combustible_dust", "干式除尘系统未采取泄爆、惰化或抑爆等控爆措施", (11, 3)),
    ("combustible_dust", "粉尘作业现场积尘未及时清理", (11, 10)),
    ("ammonia_refrigeration", "包装间采用氨直接蒸发制冷空调系统", (12, 1)),
    ("confined_space", "有限空间未辨识、未建立管理台账，无明显警示标识", (13, 1)),
    ("spray_painting", "喷漆室使用溶剂型涂料，未设置固定式可燃气体报警装置", (7, 7)),
]
GENERAL = [
    "消防通道堆放杂物",
    "配电箱柜门损坏、未上锁",
    "车间安全警示标识缺失",
    "作业人员未按规定佩戴劳动防护用品",
    "叉车未按期检验",
    "砂轮机防护罩缺失",
    "应急照明灯损坏",
    "灭火器压力不足未及时更换",
]
PATH = [State.REPORTED, State.CONFIRMED, State.PLANNED, State.RECTIFYING, State.SUBMITTED]
ACTIONS = {
    State.CONFIRMED: "confirm",
    State.PLANNED: "plan",
    State.RECTIFYING: "start",
    State.SUBMITTED: "submit",
    State.CLOSED: "close",
}


def load(enterprises, supervisor, seed: int) -> int:
    """Each enterprise draws from its own generator (seeded by its credit code), and each
    hazard's history from another, so a second run makes the same choices and creates nothing."""
    today = timezone.localdate()
    criteria = {(c.article, c.item): c for c in MajorHazardCriterion.objects.all()}
    created = 0
    for enterprise in enterprises:
        rng = random.Random(f"{seed}-{enterprise.credit_code}")
        if rng.random() > 0.35:
            continue
        tags = {t.code for t in enterprise.sector_tags.all()}
        options = [(d, criteria.get(ref)) for tag, d, ref in MAJOR if tag in tags]
        for index in range(rng.randint(1, 3)):
            major = bool(options) and rng.random() < 0.4
            description, criterion = rng.choice(options) if major else (rng.choice(GENERAL), None)
            found_on = today - timedelta(days=rng.randint(3, 420))
            state = rng.choices(
                [State.REPORTED, State.CONFIRMED, State.PLANNED, State.RECTIFYING, State.SUBMITTED,
                 State.CLOSED],
                weights=[5, 5, 10, 15, 5, 60],
            )[0]  # fmt: skip
            if found_on.year < today.year and rng.random() < 0.85:
                state = State.CLOSED
            history = random.Random(f"{seed}-{enterprise.credit_code}-{index}")
            created += _hazard(
                enterprise, description, criterion, found_on, state, supervisor, history
            )
    _self_inspections(enterprises, today, seed)
    return created


def _hazard(enterprise, description, criterion, found_on, state, supervisor, rng) -> int:
    deadline = found_on + timedelta(days=rng.choice([15, 30, 45, 60, 90]))
    planned = state not in (State.REPORTED, State.CONFIRMED)
    hazard, made = Hazard.objects.get_or_create(
        enterprise=enterprise,
        description=description,
        defaults={
            "source": rng.choice([Source.SELF_INSPECTION, Source.ENFORCEMENT, Source.EXPERT]),
            "found_on": found_on,
            "found_by": enterprise.safety_officer_name or enterprise.principal_name,
            "is_major": criterion is not None,
            "criterion": criterion,
            "state": state,
            "owner": enterprise.principal_name if planned else "",
            "measures": "按判定标准要求整改并加装、修复相关设施" if planned else "",
            "funds": rng.choice([2000, 8000, 30000, 120000]) if planned else None,
            "deadline": deadline if planned else None,
            "contingency_plan": "整改期间落实专人监护，必要时停用相关设备" if planned else "",
            "evidence": "已按整改措施完成整改，附整改前后照片" if state in (
                State.SUBMITTED, State.CLOSED) else "",
            "closed_by": supervisor if state == State.CLOSED else None,
            "closed_at": None,
        },
    )  # fmt: skip
    if not made:
        return 0
    at = timezone.make_aware(timezone.datetime.combine(found_on, timezone.datetime.min.time()))
    at += timedelta(hours=9)
    events = [HazardEvent(hazard=hazard, action="report", to_state=State.REPORTED, at=at)]
    steps = PATH[1:] if state in OPEN_STATES else [*PATH[1:], State.CLOSED]
    previous = State.REPORTED
    for step in steps:
        if state in OPEN_STATES and PATH.index(step) > PATH.index(state):
            break
        at += timedelta(days=rng.randint(1, 12))
        actor = supervisor if step in (State.CONFIRMED, State.CLOSED) else None
        events.append(
            HazardEvent(
                hazard=hazard,
                action=ACTIONS[step],
                from_state=previous,
                to_state=step,
                actor=actor,
                at=at,
            )
        )
        previous = step
    for event in events:
        event.notified_at = event.at  # history: nothing to send now
    record_many(HazardEvent, events)
    if state == State.CLOSED:
        Hazard.objects.filter(pk=hazard.pk).update(closed_at=min(at, timezone.now()))
    return 1


def _self_inspections(enterprises, today, seed) -> None:
    """About two thirds of the enterprises have had this period's principal-led check."""
    for enterprise in enterprises:
        rng = random.Random(f"{seed}-{enterprise.credit_code}-check")
        if rng.random() < 0.66:
            SelfInspection.objects.get_or_create(
                enterprise=enterprise,
                checked_on=today - timedelta(days=rng.randint(0, min(25, today.day - 1))),
                defaults={"led_by": enterprise.principal_name, "led_by_principal": True},
            )
