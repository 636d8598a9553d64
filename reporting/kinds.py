"""Safety commitments (安全承诺) as data: their kinds, the high-risk work they may cover and the
standard wording each starts from, with where each comes from.

Seed task 7: "建立企业安全生产承诺机制，企业按层级对本岗位，特别是高风险作业进行安全承诺，全面强化
从业人员安全履职意识。企业主要负责人要对本企业重大事故隐患'动态清零'进行承诺，对违反承诺情形的，
及时调整风险等级，落实针对性监管措施。" The wording below is this platform's standard text built on
that task and the duties the plan names; an enterprise edits it before signing."""

from dataclasses import dataclass

from django.db import models

PLAN = "高唐县工贸行业安全生产治本攻坚三年行动实施方案（2024—2026年）"
OWN = "本平台设定"
TASK_7 = f"{PLAN} 任务7"


class CommitmentKind(models.TextChoices):
    ZERO_OUT = "zero_out", "主要负责人重大事故隐患“动态清零”承诺"
    POST = "post", "岗位安全承诺"
    HIGH_RISK_WORK = "high_risk_work", "高风险作业安全承诺"


SHORT_LABELS = {
    CommitmentKind.ZERO_OUT: "动态清零承诺",
    CommitmentKind.POST: "岗位承诺",
    CommitmentKind.HIGH_RISK_WORK: "高风险作业承诺",
}


class WorkType(models.TextChoices):
    CONFINED_SPACE = "confined_space", "有限空间作业"
    HOT_WORK = "hot_work", "动火作业（电气焊）"
    SILO_CLEANING = "silo_cleaning", "筒仓清库作业"
    MAINTENANCE = "maintenance", "检维修作业"
    WORK_AT_HEIGHT = "work_at_height", "高处作业"
    CONTRACTOR = "contractor", "外包施工作业"
    OTHER = "other", "其他高风险作业"


@dataclass(frozen=True)
class WorkTypeRule:
    # The measures the standard text names for this work, and where the work is called high-risk.
    measures: str
    source: str


WORK_TYPES: dict[str, WorkTypeRule] = {
    WorkType.CONFINED_SPACE: WorkTypeRule(
        "辨识有限空间、设置警示标识，严格执行作业审批，坚持“先通风、再检测、后作业”，"
        "作业现场设专人监护，未经通风和检测合格不作业",
        f"{PLAN} 任务6、8、9；工贸企业重大事故隐患判定标准（应急管理部令第10号）第十三条",
    ),
    WorkType.HOT_WORK: WorkTypeRule(
        "动火前办理动火审批，清除动火点周围可燃物，配备灭火器材，持证上岗，作业现场设专人监护，"
        "作业结束后确认无遗留火种",
        f"{PLAN} 任务8（违规电气焊和违规施工专项整治）",
    ),
    WorkType.SILO_CLEANING: WorkTypeRule(
        "清库作业前办理审批，落实防坠落、防坍塌掩埋措施，隔离进出料设备能量，作业现场设专人监护",
        f"{PLAN} 任务6；工贸企业重大事故隐患判定标准（应急管理部令第10号）第六条（二）",
    ),
    WorkType.MAINTENANCE: WorkTypeRule(
        "检维修前办理审批，切断并隔离设备能量、挂牌上锁，确认安全后方可作业，作业现场设专人监护",
        f"{PLAN} 任务6；工贸企业重大事故隐患判定标准（应急管理部令第10号）第六条（四）",
    ),
    WorkType.WORK_AT_HEIGHT: WorkTypeRule(
        "高处作业前办理审批，正确系挂安全带，落实临边防护等防坠落措施，恶劣天气不作业",
        f"{PLAN} 任务8（预防高处坠落专项整治）",
    ),
    WorkType.CONTRACTOR: WorkTypeRule(
        "对外包施工单位和外来作业人员进行安全交底和入场培训，签订安全管理协议，统一协调管理，"
        "定期进行安全检查",
        f"{PLAN} 任务8（外包施工专项整治）；"
        "工贸企业重大事故隐患判定标准（应急管理部令第10号）第三条（一）",
    ),
    WorkType.OTHER: WorkTypeRule(
        "作业前辨识风险、办理审批、落实安全措施，作业现场设专人监护", TASK_7
    ),
}


@dataclass(frozen=True)
class KindRule:
    committer_post: str  # prefilled in the form; "" when the committer names their own post
    content: str  # the standard text; "{work}" and "{measures}" for high-risk work
    source: str


KINDS: dict[str, KindRule] = {
    CommitmentKind.ZERO_OUT: KindRule(
        "主要负责人",
        "本人作为本企业主要负责人，郑重承诺：严格按照《工贸企业重大事故隐患判定标准》组织排查"
        "本企业重大事故隐患，每季度至少带队检查1次（金属冶炼（机械铸造）、粉尘涉爆、涉氨制冷等"
        "重点行业领域企业每月至少1次）；对排查出的重大事故隐患落实整改责任、措施、资金、时限、"
        "预案“五落实”，在整改期限内完成整改，确保重大事故隐患“动态清零”。如违反承诺，自愿接受"
        "监管部门调整风险等级、落实针对性监管措施。",
        f"{TASK_7}（主要负责人对重大事故隐患“动态清零”进行承诺）；任务5、6",
    ),
    CommitmentKind.POST: KindRule(
        "",
        "本人郑重承诺：严格遵守安全生产法律法规和本岗位安全操作规程，认真履行本岗位安全生产职责，"
        "正确佩戴和使用劳动防护用品，不违章指挥、不违章作业、不违反劳动纪律，发现事故隐患及时"
        "报告，服从安全管理。如违反承诺，自愿接受企业考核和监管部门处理。",
        f"{TASK_7}（企业按层级对本岗位进行安全承诺）",
    ),
    CommitmentKind.HIGH_RISK_WORK: KindRule(
        "",
        "本人郑重承诺：从事或组织{work}时，{measures}；不具备安全作业条件坚决不作业。"
        "如违反承诺，自愿接受企业考核和监管部门处理。",
        f"{TASK_7}（特别是高风险作业进行安全承诺）",
    ),
}

# A commitment covers at most the three years of the action plan (本平台设定), so that a typing
# slip in a year does not make a commitment for a century.
MAX_PERIOD_DAYS = 3 * 366
MAX_PERIOD_SOURCE = f"{OWN}（与三年行动周期一致）"


def default_content(kind: str, work_type: str = "") -> str:
    """The standard text of a kind (and, for high-risk work, of its work type)."""
    rule = KINDS.get(kind)
    if rule is None:
        return ""
    if kind != CommitmentKind.HIGH_RISK_WORK:
        return rule.content
    work = WORK_TYPES.get(work_type)
    if work is None:
        return ""
    return rule.content.format(work=WorkType(work_type).label, measures=work.measures)
