"""The demo's targets: the month ends and year ends since 2024 computed from the demo's dated
records (marked backfilled: the demo did not run then), today's live figures, and the demo
town's own implementation plan (stricter than the county's on two measures) with a note."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from targets import plans, services
from targets.measures import YEARS


def load(town_supervisor=None) -> dict:
    today = timezone.localdate()
    if town_supervisor is not None:
        town = town_supervisor.jurisdiction
        plans.save_plan(
            town_supervisor,
            town,
            f"{town.name}工贸行业安全生产治本攻坚三年行动实施方案",
            division_of_work="镇安监办牵头，各管区负责辖区企业排查；镇经发办配合推进标准化创建。",
            safeguards="每月调度一次，纳入管区年度考核。",
            targets={
                ("principal_training", 2025): Decimal(80),
                ("principal_training", 2026): Decimal(100),
                ("standardization", 2025): Decimal(95),
            },
        )
        plans.add_note(
            town_supervisor,
            town,
            today - timedelta(days=10),
            "完成辖区粉尘涉爆企业主要负责人专题培训一期，3家企业提交标准化定级申请。",
        )
    runs = services.backfill(YEARS[0], today)
    live = services.refresh_live(today)
    return {"runs": len(runs) + 1, "rows": sum(r.rows for r in runs) + live.rows}
