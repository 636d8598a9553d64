"""Demo risk registers for `manage.py load_demo`: the demo principal's enterprise enters its
register through risks.services (units, points, risks assessed by LEC and LS, measures at the
level each colour requires, with the registry's principal and safety officer as owners), and
OTHERS more operating demo enterprises get the same generic register built from the same
computation (risks.services.compute) without an event history, as a background for the town
and county four-colour pages (they have no enterprise log-in to enter it with). Then the
routine checks of the last DAYS_BACK days are generated and left unanswered (some missed, so
the "not running" list and grading have something to show). Invented and generic. A second
run finds the units by name and creates nothing."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from enterprises.choices import Status
from risks import checks, services
from risks.models import Assessment, Measure, Risk, RiskPoint, RiskUnit, rank_of

OTHERS = 40
DAYS_BACK = 10

# (unit, kind, [(point, location, [(factor kind, accident type, description, emergency steps,
#  method, factors, [(measure kind, description, control level, owner: "principal" or
#  "officer")])])])
REGISTER = [
    ("熔炼车间", "workshop", [
        ("中频感应电炉", "炉前平台", [
            ("thing", "scald_burn", "炉衬侵蚀或炉料潮湿，高温铁水喷溅、穿炉遇水爆炸",
             "立即停炉断电，人员撤离至安全区域，严禁用水扑救熔融金属", "lec",
             {"l": "3", "e": "6", "c": "40"}, [
                 ("engineering", "设置炉衬厚度监测和冷却水断水报警联锁", "company", "principal"),
                 ("management", "炉料入炉前烘干检查，每班记录", "company", "officer"),
             ]),
        ]),
        ("行车", "熔炼跨", [
            ("thing", "lifting", "吊运铁水包时钢丝绳断裂或制动失灵", "立即停止吊运，疏散下方人员",
             "ls", {"l": "3", "s": "5"}, [
                 ("management", "冶金起重机每日点检，钢丝绳每周检查", "company", "officer"),
             ]),
        ]),
    ]),
    ("浇注岗位", "post", [
        ("浇包", "浇注区", [
            ("person", "scald_burn", "浇注时未穿戴隔热防护用品，铁水飞溅烫伤",
             "脱离热源，用冷水冲洗烫伤部位并送医", "ls", {"l": "3", "s": "3"}, [
                 ("ppe", "穿戴阻燃服、防护面罩和隔热鞋", "workshop", "officer"),
             ]),
        ]),
    ]),
    ("打磨抛光间", "workshop", [
        ("湿式除尘器", "打磨工位", [
            ("thing", "other_explosion", "铝镁粉尘积聚遇火花引发粉尘爆炸",
             "停止作业、切断电源，撤离人员，严禁用压缩空气吹扫积尘", "lec",
             {"l": "1", "e": "6", "c": "40"}, [
                 ("engineering", "除尘系统与打磨设备联锁，除尘器停运即停机", "company",
                  "principal"),
             ]),
        ]),
    ]),
    ("配电室", "installation", [
        ("低压配电柜", "配电室", [
            ("thing", "electric_shock", "带电部位防护缺失，检修时误触",
             "立即切断电源，用绝缘物使触电者脱离电源", "ls", {"l": "2", "s": "3"}, [
                 ("management", "持证电工作业，检修挂牌上锁", "post", "officer"),
             ]),
        ]),
    ]),
]  # fmt: skip


def _owner(enterprise, who: str) -> str:
    if who == "officer" and enterprise.safety_officer_name:
        return enterprise.safety_officer_name
    return enterprise.principal_name or "主要负责人"


def _through_services(user, enterprise) -> int:
    made = 0
    for unit_name, kind, points in REGISTER:
        unit = services.add_unit(user, enterprise.pk, name=unit_name, kind=kind)
        for point_name, location, risks in points:
            point = services.add_point(user, unit.pk, name=point_name, location=location)
            for factor, accident, description, steps, method, factors, measures in risks:
                risk = services.add_risk(
                    user,
                    point.pk,
                    factor_kind=factor,
                    accident_type=accident,
                    description=description,
                    emergency_steps=steps,
                    method=method,
                    factors=factors,
                )
                made += 1
                for measure_kind, text, level, who in measures:
                    services.add_measure(
                        user,
                        risk.pk,
                        kind=measure_kind,
                        description=text,
                        control_level=level,
                        owner_name=_owner(enterprise, who),
                    )
    return made


def _background(enterprise, user) -> int:
    """The same register, written directly (no enterprise log-in, no history)."""
    made = 0
    for unit_name, kind, points in REGISTER:
        unit = RiskUnit.objects.create(
            enterprise=enterprise, name=unit_name, kind=kind, created_by=user
        )
        for point_name, location, risks in points:
            point = RiskPoint.objects.create(
                enterprise=enterprise, unit=unit, name=point_name, location=location
            )
            for factor, accident, description, steps, method, factors, measures in risks:
                values = services.compute(method, factors)
                risk = Risk.objects.create(
                    enterprise=enterprise,
                    point=point,
                    factor_kind=factor,
                    accident_type=accident,
                    description=description,
                    emergency_steps=steps,
                    colour=values["colour"],
                    rank=rank_of(values["colour"]),
                    created_by=user,
                )
                risk.current = Assessment.objects.create(risk=risk, assessed_by=user, **values)
                risk.save(update_fields=["current"])
                made += 1
                Measure.objects.bulk_create(
                    Measure(
                        enterprise=enterprise,
                        risk=risk,
                        kind=measure_kind,
                        description=text,
                        control_level=level,
                        owner_name=_owner(enterprise, who),
                        created_by=user,
                    )
                    for measure_kind, text, level, who in measures
                )
    return made


def load(principal, enterprises) -> dict:
    """The principal's enterprise's register through the services, OTHERS others directly,
    and the checks of the last DAYS_BACK days. Returns {"risks": n, "enterprises": n,
    "checks": n} created this run."""
    created = {"risks": 0, "enterprises": 0, "checks": 0}
    home = principal.enterprise
    with transaction.atomic():
        if not RiskUnit.objects.filter(enterprise=home).exists():
            created["risks"] += _through_services(principal, home)
            created["enterprises"] += 1
        others = [e for e in enterprises if e.pk != home.pk and e.status == Status.OPERATING][
            :OTHERS
        ]
        having = set(
            RiskUnit.objects.filter(enterprise__in=others).values_list("enterprise_id", flat=True)
        )
        for enterprise in others:
            if enterprise.pk not in having:
                created["risks"] += _background(enterprise, principal)
                created["enterprises"] += 1
        today = timezone.localdate()
        for back in range(DAYS_BACK, -1, -1):
            created["checks"] += sum(checks.generate(today - timedelta(days=back)).values())
    return created
