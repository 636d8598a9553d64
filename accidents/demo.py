"""Demo accident cases for `manage.py load_demo`: one accident at a demo enterprise within the
last 12 months (so grading's accident factor has something to count) and two typical cases
reported elsewhere (seed task 21). Invented, generic, without real company names; recorded
through accidents.services, so they carry their event rows. A second run finds them by title
and creates nothing."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from accidents import services
from accidents.models import AccidentCase, AccidentSource

LOCAL = {
    "title": "设备检修未停机断电致员工手部卷入机械伤害事故",
    "category": "machinery",
    "deaths": 0,
    "serious_injuries": 1,
    "minor_injuries": 0,
    "direct_loss": "12.50",
    "location": "生产车间",
    "summary": (
        "当班维修工在清理设备传动部位积料时，未停机、未切断电源、未挂牌上锁，右手被卷入"
        "传动链条，造成右手多处骨折，经鉴定为重伤。（演示数据）"
    ),
    "cause": "检修作业未执行停机断电、挂牌上锁制度；传动部位防护罩拆除后未恢复；现场无人监护。",
    "lessons": (
        "严格执行检维修作业停机、断电、挂牌上锁；恢复并固定传动部位防护装置；开展检维修作业"
        "专项培训并纳入晨会必学内容。"
    ),
}
LOCAL_DAYS_AGO = 75

EXTERNAL = [
    {
        "title": "某金属制品企业抛光车间铝镁粉尘爆炸事故",
        "occurred_at": (2025, 6, 18, 14, 20),
        "location": "外省某市某区",
        "industry": "machinery",
        "sector_tags": ["combustible_dust"],
        "category": "other_explosion",
        "deaths": 3,
        "serious_injuries": 4,
        "minor_injuries": 6,
        "direct_loss": "860.00",
        "summary": (
            "企业抛光车间湿式除尘器停运检修期间，作业人员仍继续进行铝镁合金件抛光作业，"
            "除尘管道内积聚的铝镁粉尘遇火花发生爆炸，引发车间火灾。"
        ),
        "cause": (
            "除尘系统停运期间违规作业；粉尘清扫制度不落实，管道和作业场所积尘严重；电气设备不防爆。"
        ),
        "lessons": (
            "涉粉作业企业除尘系统故障停运时必须停止相应作业；落实粉尘清扫制度；"
            "对照《工贸企业重大事故隐患判定标准》第十一条开展排查。"
        ),
    },
    {
        "title": "某食品企业冷库液氨管道泄漏中毒事故",
        "occurred_at": (2026, 3, 9, 7, 45),
        "location": "外省某市某县",
        "industry": "light_industry",
        "sector_tags": ["ammonia_refrigeration"],
        "category": "poisoning_asphyxia",
        "deaths": 1,
        "serious_injuries": 5,
        "minor_injuries": 8,
        "direct_loss": "210.00",
        "summary": (
            "企业冷库制冷车间液氨管道阀门处发生泄漏，氨气扩散至相邻包装车间，"
            "多名作业人员吸入氨气中毒。"
        ),
        "cause": (
            "液氨管道阀门老化未及时更换；氨气泄漏检测报警装置失效，未与事故排风联锁；"
            "包装间与制冷车间未有效隔离。"
        ),
        "lessons": (
            "涉氨制冷企业对照判定标准第十二条排查；保证氨泄漏报警与事故排风联锁有效；"
            "定期开展氨泄漏应急演练。"
        ),
    },
]


def _aware(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.get_current_timezone())


def load(county_supervisor, enterprises) -> dict:
    """Record the demo's local accident at the first of `enterprises` and the two external
    cases, where not recorded yet. Returns {"local": n, "external": n} created this run."""
    created = {"local": 0, "external": 0}
    enterprises = list(enterprises)
    if enterprises:
        ids = [e.pk for e in enterprises]
        if not AccidentCase.objects.filter(title=LOCAL["title"], enterprise__in=ids).exists():
            day = timezone.localdate() - timedelta(days=LOCAL_DAYS_AGO)
            moment = datetime.combine(day, time(9, 40), tzinfo=timezone.get_current_timezone())
            services.record(
                county_supervisor,
                {
                    **LOCAL,
                    "source": AccidentSource.LOCAL,
                    "enterprise_id": enterprises[0].pk,
                    "occurred_at": moment,
                },
            )
            created["local"] += 1
    for case in EXTERNAL:
        exists = AccidentCase.objects.filter(
            title=case["title"], source=AccidentSource.EXTERNAL
        ).exists()
        if not exists:
            data = {**case, "source": AccidentSource.EXTERNAL}
            data["occurred_at"] = _aware(*case["occurred_at"])
            services.record(county_supervisor, data)
            created["external"] += 1
    return created
