"""Demo training records and drills for `manage.py load_demo`, entered through
training.services by the county supervisor: the principals of most of task 17's enterprises
trained in 2024–2026, this period's evacuation drill at about two enterprises in three (half of
them 四不, some with findings), an observation drill in about half of the towns this year, and
this year's training of all but one enforcement officer, so that every board and missing list
has something on both sides. Invented and generic. A second run finds the drills and creates
nothing."""

import random
from datetime import date, timedelta

from django.utils import timezone

from accounts.roles import Role
from core.models import Jurisdiction
from enterprises.models import Enterprise
from training import reference, services
from training.models import Drill

SCENARIOS = [
    "铸造车间中频炉铁水泄漏引发火灾，全员疏散",
    "打磨抛光间粉尘爆燃，人员紧急撤离",
    "冷库液氨管道泄漏，向上风向疏散",
    "仓库电气线路短路起火，夜班人员疏散",
    "有限空间作业人员中毒，现场警戒与撤离",
]
FINDINGS = [
    "二号安全出口被货物堵塞",
    "部分员工不清楚集合点位置",
    "应急照明灯不亮",
    "疏散指示标志被遮挡",
    "广播系统音量不足，后区听不到",
]


def _day(rng, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def load(supervisor, enterprises, seed: int = 20240403) -> dict:
    ids = [e.pk for e in enterprises]
    if Drill.objects.filter(enterprise_id__in=ids).exists():
        return {"records": 0, "drills": 0, "observations": 0}
    rng = random.Random(seed)
    today = timezone.localdate()
    queryset = Enterprise.objects.filter(pk__in=ids)
    counts = {"records": 0, "drills": 0, "observations": 0}
    start, end = reference.PRINCIPAL_TRAINING_WINDOW
    end = min(end, today)
    for enterprise in services.principal_required(queryset).order_by("pk"):
        if rng.random() < 0.7:
            services.record_training(
                supervisor,
                kind=reference.TraineeKind.PRINCIPAL,
                enterprise_id=enterprise.pk,
                person_name=enterprise.principal_name,
                course="重点行业领域企业主要负责人专题安全培训",
                organiser="高唐县应急管理局",
                hours="16",
                trained_on=_day(rng, start, end),
                certificate_number=f"GT{enterprise.pk:06d}",
            )
            counts["records"] += 1
    for state in services.drill_states(queryset, today):
        if rng.random() >= 0.65:
            continue
        four = rng.random() < 0.5
        findings = rng.sample(FINDINGS, k=rng.choice([0, 0, 1, 2]))
        services.record_drill(
            supervisor,
            state.enterprise.pk,
            held_on=_day(rng, state.start, today),
            kind=reference.DrillKind.EVACUATION,
            scenario=rng.choice(SCENARIOS),
            participants=max(5, min(state.enterprise.employee_count or 20, 300)),
            no_notice=four,
            no_script=four,
            no_preset_scene=four,
            no_preset_place=four or rng.random() < 0.5,
            findings=findings,
        )
        counts["drills"] += 1
    towns = Jurisdiction.objects.filter(
        kind__in=["zone", "town", "street"], path__startswith=supervisor.jurisdiction.path
    ).order_by("path")
    for town in towns:
        if rng.random() < 0.5:
            services.record_observation(
                supervisor,
                town.pk,
                held_on=_day(rng, date(today.year, 1, 1), today),
                scenario="工贸重点行业领域疏散逃生演练现场观摩",
                attendees=rng.randrange(30, 120),
            )
            counts["observations"] += 1
    from accounts.models import User

    officers = User.objects.filter(
        role=Role.ENFORCEMENT_OFFICER, jurisdiction__path__startswith=supervisor.jurisdiction.path
    ).order_by("username")
    for officer in list(officers)[1:]:
        services.record_training(
            supervisor,
            kind=reference.TraineeKind.OFFICER,
            officer_id=officer.pk,
            person_name=officer.display_name,
            course="工贸行业重大事故隐患判定标准执法培训",
            organiser="聊城市应急管理局",
            hours="24",
            trained_on=_day(rng, date(today.year, 1, 1), today),
        )
        counts["records"] += 1
    return counts
