"""Demo construction projects and equipment for `manage.py load_demo` (seed tasks 2 and 4): at
the demo principal's enterprise, a metal smelting project whose safety facility design was
reviewed and approved before construction started, a warehouse project (no review needed) with
its design recorded, and an equipment register in which one item is on the catalogue of
obsolete equipment (so its hazard is in the ledger); at another enterprise, a metal smelting
project found built without review (flagged for a penalty case and a design diagnosis).
Invented, generic; recorded through projects.services, so every step carries its event and the
documents are small placeholder PDFs. A second run finds them by name and creates nothing."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from projects import services
from projects.models import Equipment, Project

REVIEWED = "熔炼车间中频炉扩建项目（演示）"
WAREHOUSE = "成品库新建项目（演示）"
FLAGGED = "铸造车间改建项目（演示）"
EQUIPMENT = [
    {
        "name": "中频感应电炉",
        "model": "KGPS-1.5T",
        "kind": "production",
        "quantity": 2,
        "year": 2019,
        "process": "熔炼",
    },
    {
        "name": "无芯工频感应电炉",
        "model": "GW-0.5T",
        "kind": "production",
        "quantity": 1,
        "year": 2006,
        "process": "熔炼",
    },
    {
        "name": "抛丸清理机",
        "model": "Q3210",
        "kind": "production",
        "quantity": 1,
        "year": 2020,
        "process": "清理",
    },
    {
        "name": "桥式起重机",
        "model": "QD10t-22.5m",
        "kind": "special",
        "quantity": 1,
        "year": 2018,
        "process": "浇注",
    },
    {
        "name": "脉冲袋式除尘器",
        "model": "DMC-64",
        "kind": "safety",
        "quantity": 1,
        "year": 2021,
        "process": "清理",
    },
]


def _pdf(name: str) -> ContentFile:
    return ContentFile(b"%PDF-1.4\n% demo placeholder\n", name=name)


def _ago(days: int):
    return timezone.localdate() - timedelta(days=days)


def load(supervisor, officer, principal, others) -> dict:
    """`principal`'s enterprise gets the reviewed project, the warehouse and the register; the
    first of `others` (another enterprise) the flagged project."""
    made = {"projects": 0, "equipment": 0, "matches": 0}
    home = principal.enterprise
    if not Project.objects.filter(enterprise=home, name=REVIEWED).exists():
        project = services.register(
            principal,
            {
                "name": REVIEWED,
                "kind": "expand",
                "is_metal_smelting": True,
                "description": "新增 1.5 吨中频感应电炉两台及配套除尘、冷却水系统",
                "planned_start": _ago(120),
                "planned_completion": _ago(-120),
            },
        )
        services.act(
            principal,
            project.pk,
            "design",
            on=_ago(200),
            document=_pdf("安全设施设计专篇.pdf"),
            designer="某冶金工程设计研究院（演示）",
        )
        services.act(principal, project.pk, "submit_review", on=_ago(180))
        services.act(
            supervisor,
            project.pk,
            "approve_review",
            on=_ago(150),
            document=_pdf("安全设施设计审查意见书.pdf"),
            reviewers="王审查、刘专家（演示）",
        )
        services.act(principal, project.pk, "start_construction", on=_ago(120))
        made["projects"] += 1
    if not Project.objects.filter(enterprise=home, name=WAREHOUSE).exists():
        project = services.register(
            principal, {"name": WAREHOUSE, "kind": "new", "is_metal_smelting": False}
        )
        services.act(
            principal,
            project.pk,
            "design",
            on=_ago(30),
            document=_pdf("成品库安全设施设计.pdf"),
            designer="某建筑设计院（演示）",
        )
        made["projects"] += 1
    other = next((e for e in others if e.pk != home.pk), None)
    if other is not None and not Project.objects.filter(enterprise=other, name=FLAGGED).exists():
        project = services.register(
            supervisor,
            {
                "enterprise_id": other.pk,
                "name": FLAGGED,
                "kind": "rebuild",
                "is_metal_smelting": True,
            },
        )
        services.act(
            officer,
            project.pk,
            "report_unreviewed",
            on=_ago(10),
            built=True,
            note="执法检查发现铸造车间改建的熔炼部分已建成投用，安全设施设计未经审查（演示）",
        )
        made["projects"] += 1
    if not Equipment.objects.filter(enterprise=home).exists():
        for row in EQUIPMENT:
            item = services.record_equipment(principal, dict(row))
            made["equipment"] += 1
            made["matches"] += item.matches.count()
    return made
