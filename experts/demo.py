"""Demo confined-space ledgers and expert visits for `manage.py load_demo`: three or four spaces
at each of the first demo enterprises with the confined-space tag (written directly: the
enterprises' own bookkeeping, which announces nobody), one visit planned by the county
supervisor for next week and one carried out three weeks ago by the demo expert, through
experts.services: four parts recorded, the ledger reviewed, two findings (hazards, source expert
visit) and the feedback report issued. Invented and generic. A second run creates nothing and
gives the expert back the enterprises of their visits (load_demo resets their assignments)."""

from datetime import timedelta

from django.utils import timezone

from experts import services
from experts.models import ConfinedSpace, ExpertVisit
from experts.reference import Part, ReviewResult

SPACES = [
    ("1号污水池", "厂区东南角污水处理站", "sewage_pit", ["oxygen_deficiency", "toxic_gas"]),
    ("脱硫塔", "锅炉房北侧", "tank", ["oxygen_deficiency", "toxic_gas"]),
    ("原料筒仓", "原料库东侧", "bin", ["oxygen_deficiency", "dust", "burial"]),
    ("电缆沟", "配电室至车间", "pipe_trench", ["oxygen_deficiency", "electric_shock"]),
]


def load(supervisor, expert, enterprises) -> dict:
    tagged = [e for e in enterprises if e.sector_tags.filter(code="confined_space").exists()]
    tagged = tagged[:6]
    counts = {"spaces": 0, "visits": 0, "findings": 0}
    if not tagged:
        return counts
    existing = ExpertVisit.objects.filter(enterprise__in=tagged)
    if existing.exists():
        for visit in existing.prefetch_related("experts"):
            for user in visit.experts.all():
                user.assigned_enterprises.add(visit.enterprise)
        return counts
    today = timezone.localdate()
    rows = []
    for n, enterprise in enumerate(tagged):
        for i, (name, location, kind, hazards) in enumerate(SPACES[: 3 + n % 2]):
            rows.append(
                ConfinedSpace(
                    enterprise=enterprise,
                    name=name,
                    location=location,
                    kind_id=kind,
                    hazards=hazards,
                    lockout=i != 1,
                    isolation=True,
                    scan_entry=n % 2 == 0,
                    monitoring=i == 0,
                    responsible=enterprise.safety_officer_name or enterprise.principal_name,
                    last_checked_on=today - timedelta(days=7 * (i + 1)),
                    updated_by=supervisor,
                )
            )
    ConfinedSpace.objects.bulk_create(rows)
    counts["spaces"] = len(rows)
    done_on = today - timedelta(days=21)
    visit = services.plan_visit(
        supervisor, tagged[0].pk, planned_on=done_on, expert_ids=[expert.pk], today=done_on
    )
    for part, attendees, content in [
        (Part.MOBILIZE, 35, "讲解《工贸企业有限空间作业安全规定》，动员企业主要负责人和作业人员"),
        (Part.DIAGNOSE, 8, "逐一查看有限空间台账所列场所，检查进入管控措施和作业审批"),
        (Part.DISCUSS, 15, "与企业交流作业审批、检测和应急救援的做法"),
        (Part.FEEDBACK, 12, "当场讲评发现的问题，明确整改要求和期限"),
    ]:
        services.record_part(
            expert, visit.pk, part=part, held_on=done_on, attendees=attendees, content=content
        )
    spaces = list(ConfinedSpace.objects.filter(enterprise=tagged[0]).order_by("pk"))
    services.review_space(expert, visit.pk, spaces[0].pk, result=ReviewResult.OK, today=done_on)
    services.review_space(
        expert,
        visit.pk,
        spaces[1].pk,
        result=ReviewResult.PROBLEM,
        note="入口未设置挂牌上锁，未配备气体检测仪",
        as_finding=True,
        today=done_on,
    )
    services.add_finding(
        expert,
        visit.pk,
        description="有限空间作业审批单未载明检测结果和监护人",
        place="安全管理部",
        today=done_on,
    )
    services.issue_report(
        expert,
        visit.pk,
        summary="企业已建立有限空间台账，但部分场所进入管控措施不到位。\n请于一个月内完成整改。",
        today=done_on,
    )
    counts["visits"] += 1
    counts["findings"] += 2
    if len(tagged) > 1:
        services.plan_visit(
            supervisor,
            tagged[1].pk,
            planned_on=today + timedelta(days=7),
            expert_ids=[expert.pk],
        )
        counts["visits"] += 1
    return counts
