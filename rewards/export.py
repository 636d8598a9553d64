"""An enterprise's report and reward ledger (隐患报告奖励台账) as a spreadsheet (core.xlsx)."""

from django.utils import timezone

from core.xlsx import Workbook
from rewards.models import ReportState, RewardState

HEADERS = [
    "序号", "报告时间", "报告人", "联系电话", "隐患描述", "部位/场所", "属于本人岗位职责",
    "隐患等级", "查实情况", "奖励金额（元）", "计算依据", "所用奖励标准", "奖励状态", "审批人",
    "审批时间", "发放日期", "发放方式", "发放备注",
]  # fmt: skip


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def workbook(reports) -> Workbook:
    book = Workbook()
    sheet = book.sheet("隐患报告奖励台账", HEADERS)
    states, reward_states = dict(ReportState.choices), dict(RewardState.choices)
    rows = reports.select_related("hazard", "reward", "reward__approved_by").order_by(
        "created_at", "pk"
    )
    for number, report in enumerate(rows.iterator(chunk_size=2000), start=1):
        reward = getattr(report, "reward", None)
        sheet.append(
            [
                number,
                _time(report.created_at),
                report.reporter_name,
                report.reporter_phone,
                report.hazard.description,
                report.hazard.place,
                "是" if report.within_duty else "否",
                "重大事故隐患" if report.hazard.is_major else "一般隐患",
                states.get(report.state, report.state),
                float(reward.amount) if reward else "",
                reward.basis if reward else "",
                f"#{reward.rule_id}" if reward else "",
                reward_states.get(reward.state, "") if reward else "",
                reward.approved_by.display_name if reward and reward.approved_by else "",
                _time(reward.approved_at) if reward else "",
                reward.paid_on.isoformat() if reward and reward.paid_on else "",
                reward.pay_method if reward else "",
                reward.pay_note if reward else "",
            ]
        )
    return book
