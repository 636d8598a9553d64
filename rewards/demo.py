"""Demo reports and rewards for `manage.py load_demo`. The demo enterprise (its principal,
safety officer and employee log in) sets its reward standard, opens its link to reports by
name, and its employee reports four hazards through the services: one confirmed, its reward
approved and paid; one confirmed, its reward waiting for approval (奖励待审批 on the
workbench); one rejected; one still waiting. OTHERS more operating demo enterprises get a
standard and a few reports by name as a background for the statistics (they have no log-in):
verified and paid ones written directly, without an event history. Invented and generic. A
second run finds the demo enterprise's standard and creates nothing."""

from datetime import timedelta

from django.utils import timezone

from enterprises.choices import Status
from hazards import services as hazards
from rewards import services
from rewards.models import ReportState, Reward, RewardRule, RewardState

OTHERS = 6
STANDARD = {
    "within_duty": "50",
    "outside_duty": "100",
    "major_within_duty": "500",
    "major_outside_duty": "1000",
    "monthly_cap": "2000",
    "note": "依据本企业《事故隐患内部报告奖励制度》",
}
HOME_REPORTS = [
    ("熔炼车间炉前平台冷却水管接头渗漏", "熔炼车间", True, "paid"),
    ("打磨间除尘器积灰未按时清理", "打磨抛光间", False, "proposed"),
    ("仓库消防通道堆放托盘", "成品仓库", False, "rejected"),
    ("行车钢丝绳有断丝", "熔炼跨", True, "pending"),
]
BACKGROUND = [
    ("配电箱门未关闭，内部有积尘", "配电室", False),
    ("叉车倒车蜂鸣器失灵", "厂区道路", True),
    ("有限空间入口未设警示标志", "污水池", False),
]


def load(principal, officer, employee, enterprises) -> dict:
    made = {"reports": 0, "rewards": 0, "enterprises": 0}
    home = employee.enterprise
    if RewardRule.objects.filter(enterprise=home).exists():
        return made
    services.set_rule(officer, home.pk, **STANDARD, allow_by_name=True)
    services.channel_for(home)
    made["enterprises"] += 1
    for description, place, within, outcome in HOME_REPORTS:
        report = services.report_as_user(
            employee, home.pk, description=description, place=place, within_duty=within
        )
        made["reports"] += 1
        if outcome == "rejected":
            hazards.reject(officer, report.hazard_id, "现场核实，通道已按规定清理")
        elif outcome in ("paid", "proposed"):
            hazards.confirm(officer, report.hazard_id)
            made["rewards"] += 1
            if outcome == "paid":
                reward = Reward.objects.get(report=report)
                services.approve(principal, reward.pk)
                services.pay(officer, reward.pk, paid_on=timezone.localdate(), method="银行转账")
    others = [e for e in enterprises if e.pk != home.pk and e.status == Status.OPERATING][:OTHERS]
    now = timezone.now()
    for number, enterprise in enumerate(others):
        rule = RewardRule.objects.create(
            enterprise=enterprise,
            within_duty=STANDARD["within_duty"],
            outside_duty=STANDARD["outside_duty"],
            major_within_duty=STANDARD["major_within_duty"],
            major_outside_duty=STANDARD["major_outside_duty"],
            allow_by_name=True,
        )
        rule.refresh_from_db()
        made["enterprises"] += 1
        for index, (description, place, within) in enumerate(BACKGROUND[: 1 + number % 3]):
            report = services.report_by_name(
                enterprise,
                name=f"员工{number + 1}{index + 1}",
                phone=f"1390000{number:02d}{index:02d}",
                description=description,
                place=place,
                within_duty=within,
            )
            made["reports"] += 1
            if index == 0:
                report.state, report.decided_at = ReportState.VERIFIED, now
                report.save(update_fields=["state", "decided_at"])
                amount, basis = services.compute(report, rule)
                Reward.objects.create(
                    report=report,
                    rule=rule,
                    amount=amount,
                    basis=basis,
                    state=RewardState.PAID,
                    approved_at=now,
                    paid_on=timezone.localdate() - timedelta(days=number),
                    pay_method="工资发放",
                )
                made["rewards"] += 1
    return made
