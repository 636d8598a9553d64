"""Demo tips for `manage.py load_demo`: a dozen tips about enterprises of the demo town
supervisor's town and two in free text (routed to the county), submitted over the last weeks
through tips.services and taken through each state by the town supervisor and the county
supervisor: waiting (one past its acceptance deadline), refused, verifying, verified (a hazard of
source public tip) with a reward decided, dismissed, answered. Invented and generic. A second
run finds tips and creates nothing."""

from datetime import timedelta

from django.utils import timezone

from tips import services
from tips.models import Tip

WHAT = [
    ("车间内粉尘堆积严重，除尘器长期不开", "打磨车间"),
    ("厂区消防通道被成品堆满，消防栓被挡住", "成品库房门口"),
    ("夜间加班时叉车无证驾驶", "装卸区"),
    ("有限空间作业没有通风检测就下人", "污水池"),
    ("液氨管道有味道，工人说漏了好几天", "冷库机房"),
    ("配电箱门坏了，电线裸露", "二号车间西侧"),
    ("员工上岗没有培训，不发劳保用品", "生产车间"),
    ("厂房内住人，宿舍和仓库在一起", "三楼仓库"),
]


def load(town_supervisor, supervisor, enterprises) -> dict:
    if Tip.objects.exists():
        return {"tips": 0}
    today = timezone.localdate()
    town = [e for e in enterprises if e.jurisdiction_id == town_supervisor.jurisdiction_id][:8]
    made = []
    for n, (what, place) in enumerate(WHAT[: len(town)]):
        day = today - timedelta(days=3 * n + 1)
        anonymous = n % 2 == 0
        made.append(
            services.submit(
                address=f"198.51.100.{n}",
                what=what,
                place=place,
                enterprise_id=town[n].pk,
                anonymous=anonymous,
                contact_name="" if anonymous else "王先生",
                contact_phone="" if anonymous else f"1380000{n:04d}",
                today=day,
            ).tip
        )
    in_town = list(made)
    for n, text in enumerate(["城东某无名小作坊", "高唐县某木器加工点"]):
        made.append(
            services.submit(
                address=f"203.0.113.{n}",
                what="晚上偷偷生产，没有任何安全设施",
                place="村东头",
                enterprise_text=text,
                today=today - timedelta(days=2 + n),
            ).tip
        )
    steps = [
        [],  # 0: waiting
        ["accept"],
        ["refuse"],
        ["accept", "start"],
        ["accept", "start", "verify"],
        ["accept", "start", "verify", "reply"],
        ["accept", "start", "dismiss", "reply"],
        [],  # 7: waiting, older: past its acceptance deadline
    ]
    notes = {
        "refuse": "举报内容不属于安全生产监管范围，已转交相关部门",
        "dismiss": "现场核查未发现所举报问题",
        "reply": "经核查，已责令企业整改，感谢您的监督",
    }
    for tip, actions in zip(in_town, steps, strict=False):
        for action in actions:
            if action == "verify":
                services.verify(town_supervisor, tip.pk, "现场核查情况属实，已登记隐患")
                services.decide_reward(town_supervisor, tip.pk, "general")
            else:
                services.act(town_supervisor, tip.pk, action, notes.get(action, ""))
    services.act(supervisor, made[-1].pk, "accept")
    # Keep the demo's deadlines honest: the oldest waiting tip is past its acceptance deadline.
    overdue = [t for t in made if t.state == "submitted" and t.accept_due < today]
    return {"tips": len(made), "overdue": len(overdue)}
