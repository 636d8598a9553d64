"""Loads the demo: 高唐县's real development zone, towns and streets (public facts), a few grids
per town, about 300 synthetic enterprises (marked is_demo) and one user per role.

Running it again updates the same rows: jurisdictions by code, enterprises by credit code,
users by username; nothing is duplicated.
"""

import random
from decimal import Decimal

from auditlog.context import disable_auditlog
from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from accident_warnings import demo as demo_accident_warnings
from accidents import demo as demo_accidents
from accounts.models import User
from accounts.roles import Role
from campaigns import demo as demo_campaigns
from certificates import demo as demo_certificates
from core.models import Jurisdiction, JurisdictionKind
from demo import monitoring as demo_monitoring
from enforcement import demo as demo_enforcement
from enterprises import credit_code
from enterprises.choices import DustClass, Industry, Standardization, Status
from enterprises.models import Enterprise, SectorTag
from exchange import demo as demo_exchange
from experts import demo as demo_experts
from grading import demo as demo_grading
from hazards import demo as demo_hazards
from projects import demo as demo_projects
from reporting import demo as demo_reporting
from rewards import demo as demo_rewards
from risks import demo as demo_risks
from standardization import demo as demo_standardization
from targets import demo as demo_targets
from tips import demo as demo_tips
from training import demo as demo_training

DEMO_PASSWORD = "anjian-demo"  # noqa: S105 - printed for the demo; the README says so
COUNTY = ("371526", "高唐县")
# The levels above it (issue 17): 高唐县 sits under 聊城市 under 山东省, whose supervisors read.
PROVINCE = ("370000", "山东省")
CITY = ("371500", "聊城市")
# 高唐县's development zone, streets and towns (REGULATIONS.md, public facts).
TOWNS = [
    ("zone", "高唐经济开发区"),
    ("street", "鱼邱湖街道"),
    ("street", "汇鑫街道"),
    ("street", "人和街道"),
    ("town", "梁村镇"),
    ("town", "尹集镇"),
    ("town", "清平镇"),
    ("town", "固河镇"),
    ("town", "三十里铺镇"),
    ("town", "琉璃寺镇"),
    ("town", "赵寨子镇"),
    ("town", "姜店镇"),
    ("town", "杨屯镇"),
]
GRIDS_PER_TOWN = 3
GRID_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格"]

# Enterprise profiles: (share, industry, name suffixes, tags, dust class, towns they cluster in,
# headcount range). The mix follows the county's clusters: farm machinery and auto parts with
# foundries and spray painting, boards (wood dust) around 清平镇 and 琉璃寺镇, cotton and
# textiles, paper around 人和街道, food and cold stores with ammonia, commerce.
PROFILES = [
    (
        40,
        Industry.MACHINERY,
        ["机械铸造有限公司", "铸造有限公司", "精密铸件有限公司"],
        ["foundry", "molten_metal"],
        None,
        ["赵寨子镇", "高唐经济开发区", "梁村镇"],
        (20, 300),
    ),
    (
        45,
        Industry.MACHINERY,
        ["农业机械有限公司", "汽车配件有限公司", "机械制造有限公司"],
        ["spray_painting"],
        None,
        ["高唐经济开发区", "赵寨子镇", "梁村镇", "汇鑫街道"],
        (15, 400),
    ),
    (
        20,
        Industry.MACHINERY,
        ["精密机械有限公司", "金属制品有限公司"],
        ["combustible_dust"],
        DustClass.METAL,
        ["赵寨子镇", "高唐经济开发区"],
        (12, 120),
    ),
    (
        40,
        Industry.LIGHT_INDUSTRY,
        ["木业有限公司", "板材有限公司", "人造板有限公司"],
        ["combustible_dust"],
        DustClass.WOOD,
        ["清平镇", "琉璃寺镇", "固河镇"],
        (8, 150),
    ),
    (
        30,
        Industry.TEXTILE,
        ["棉业有限公司", "纺织有限公司", "棉纺有限公司"],
        ["labor_intensive", "combustible_dust"],
        DustClass.TEXTILE_FIBER,
        ["尹集镇", "三十里铺镇", "姜店镇", "杨屯镇"],
        (30, 600),
    ),
    (
        20,
        Industry.TEXTILE,
        ["服饰有限公司", "家纺有限公司"],
        ["labor_intensive"],
        None,
        ["鱼邱湖街道", "汇鑫街道", "尹集镇"],
        (40, 500),
    ),
    (
        18,
        Industry.LIGHT_INDUSTRY,
        ["纸业有限公司", "纸制品有限公司"],
        ["confined_space", "chlorine"],
        None,
        ["人和街道"],
        (30, 400),
    ),
    (
        22,
        Industry.LIGHT_INDUSTRY,
        ["食品有限公司", "农产品加工有限公司", "冷藏有限公司"],
        ["ammonia_refrigeration", "confined_space"],
        None,
        ["杨屯镇", "姜店镇", "三十里铺镇", "固河镇"],
        (10, 200),
    ),
    (
        10,
        Industry.LIGHT_INDUSTRY,
        ["面粉有限公司", "饲料有限公司"],
        ["combustible_dust"],
        DustClass.GRAIN_FOOD,
        ["梁村镇", "清平镇"],
        (10, 80),
    ),
    (
        10,
        Industry.METALLURGY,
        ["钢铁有限公司", "特钢有限公司"],
        ["metal_smelting", "molten_metal", "coal_gas"],
        None,
        ["高唐经济开发区"],
        (100, 800),
    ),
    (
        15,
        Industry.BUILDING_MATERIALS,
        ["建材有限公司", "混凝土有限公司", "新型墙材有限公司"],
        [],
        None,
        ["琉璃寺镇", "固河镇", "梁村镇"],
        (10, 100),
    ),
    (
        25,
        Industry.COMMERCE,
        ["商贸有限公司", "物流有限公司", "超市有限公司"],
        [],
        None,
        ["鱼邱湖街道", "汇鑫街道", "人和街道"],
        (5, 150),
    ),
    (
        5,
        Industry.COMMERCE,
        ["冷链物流有限公司"],
        ["ammonia_refrigeration"],
        None,
        ["汇鑫街道", "杨屯镇"],
        (10, 60),
    ),
]
WORDS = list("鑫泰华恒源宏盛瑞金鲁通达丰远诚信隆昌兴博祥和富万利嘉德顺安永旺润佳合益新亿")
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红波")
CENTER = (Decimal("116.2300"), Decimal("36.8660"))


class Command(BaseCommand):
    help = "加载演示数据：高唐县区划、约300家演示企业和每个角色一个用户（可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="不打印登录信息")

    def handle(self, *args, quiet=False, **options):
        with transaction.atomic(), disable_auditlog():
            county, towns, grids = self._jurisdictions()
            enterprises = self._enterprises(towns, grids)
            users = self._users(county, towns, grids, enterprises)
            platform = self._platform_admin()
            supervisor = next(u for u in users if u.role == Role.SUPERVISOR)
            hazards = demo_hazards.load(enterprises, supervisor, seed=20240403)
            monitoring = demo_monitoring.load(supervisor)
            principal = next(u for u in users if u.role == Role.PRINCIPAL)
            home = principal.enterprise
            # The demo principal's enterprise first: its accident and commitments are the ones
            # the enterprise log-ins see.
            accidents = demo_accidents.load(supervisor, [home])
            committed = [home, *[e for e in enterprises if e.pk != home.pk][:29]]
            commitments = demo_reporting.load(committed, {home.pk: principal})
            # Before grading: the registry's standardization grade is derived from the ratings.
            standardization = demo_standardization.load(enterprises, supervisor, principal)
            risks = demo_risks.load(principal, enterprises)
            town_supervisor = next(u for u in users if u.role == Role.TOWN_SUPERVISOR)
            grading = demo_grading.load(enterprises, town_supervisor)
            enforcement = demo_enforcement.load(supervisor, users)
            officer = next(u for u in users if u.role == Role.ENFORCEMENT_OFFICER)
            smelters = Enterprise.objects.filter(
                pk__in=[e.pk for e in enterprises], sector_tags__code="metal_smelting"
            ).order_by("pk")[:1]
            projects = demo_projects.load(supervisor, officer, principal, [*smelters, *enterprises])
            rewards = demo_rewards.load(
                principal,
                next(u for u in users if u.role == Role.SAFETY_OFFICER),
                next(u for u in users if u.role == Role.EMPLOYEE),
                enterprises,
            )
            certificates = demo_certificates.load(principal, enterprises)
            training = demo_training.load(supervisor, enterprises)
            expert = next(u for u in users if u.role == Role.EXPERT)
            experts = demo_experts.load(supervisor, expert, enterprises)
            tips = demo_tips.load(town_supervisor, supervisor, enterprises)
            accident_warnings = demo_accident_warnings.load(supervisor, home, enterprises)
            campaigns = demo_campaigns.load(supervisor, home, enterprises)
            admin = next(u for u in users if u.role == Role.COUNTY_ADMIN)
            exchange = demo_exchange.load(admin)
            # Last: the targets' figures read every record above.
            targets = demo_targets.load(town_supervisor)
        if not quiet:
            self.stdout.write(f"新建演示隐患：{hazards} 条")
            self.stdout.write(
                f"演示监测：新建网关 {monitoring['gateways']} 个、点位 {monitoring['points']} 个，"
                f"写入监测数据 {monitoring['readings']} 条，产生报警 {monitoring['alarms']} 条"
            )
            self.stdout.write(
                f"演示事故记录：本县企业 {accidents['local']} 起、"
                f"外地通报 {accidents['external']} 起；安全承诺 {commitments['commitments']} 份，"
                f"认定违反承诺 {commitments['breaches']} 次"
            )
            self.stdout.write(
                "演示标准化：有效定级 {ratings} 家，办理中申请 {pending} 件，已过期 {expired} 家，"
                "重大隐患复核 {reviews} 件，标杆企业 {benchmarks} 家".format(**standardization)
            )
            self.stdout.write(
                f"演示风险分级管控：{risks['enterprises']} 家企业登记风险 {risks['risks']} 项，"
                f"生成排查任务 {risks['checks']} 个"
            )
            self.stdout.write(
                f"演示分级：计算 {grading['graded']} 家，"
                f"新建待审批人工调整 {grading['overrides']} 条"
            )
            self.stdout.write(
                f"演示执法：新建年度计划 {enforcement['plans']} 个、双随机抽查 "
                f"{enforcement['draws']} 次、清单检查 {enforcement['inspections']} 次、"
                f"处罚案件 {enforcement['penalties']} 件、回避申报 {enforcement['conflicts']} 条；"
                f"非现场执法 {enforcement['remote']} 件、"
                f"执法指导帮扶 {enforcement['assistance']} 条、"
                f"公开典型案例 {enforcement['public_cases']} 件"
            )
            self.stdout.write(
                f"演示三同时与设备：新建建设项目 {projects['projects']} 个、设备 "
                f"{projects['equipment']} 台（套），其中属于淘汰落后目录 {projects['matches']} 项"
            )
            self.stdout.write(
                f"演示员工隐患报告奖励：{rewards['enterprises']} 家企业制定奖励标准，"
                f"员工报告 {rewards['reports']} 条，产生奖励 {rewards['rewards']} 笔"
            )
            self.stdout.write(
                f"演示特种作业操作证：新建 {certificates['certificates']} 张，"
                f"演示企业持证缺口 {certificates['gaps']} 项"
            )
            self.stdout.write(
                f"演示培训演练：培训记录 {training['records']} 条、疏散逃生演练 "
                f"{training['drills']} 次、镇街现场观摩演练 {training['observations']} 次"
            )
            self.stdout.write(
                f"演示有限空间：台账 {experts['spaces']} 处，专家会诊 {experts['visits']} 次，"
                f"会诊发现隐患 {experts['findings']} 项"
            )
            self.stdout.write(f"演示群众举报：{tips['tips']} 条")
            self.stdout.write(
                "演示事故警示：{profiles} 家企业填写设备工艺画像，警示 {warnings} 份"
                "下发 {recipients} 家，已阅知 {acknowledged} 家".format(**accident_warnings)
            )
            self.stdout.write(
                f"演示专项整治：{campaigns['campaigns']} 项，目标企业 {campaigns['targets']} 家，"
                f"已自查 {campaigns['answered']} 家，发现问题 {campaigns['findings']} 项"
            )
            self.stdout.write(
                f"演示数据交换：示例订阅方 {exchange['subscribers']} 个（已停用），"
                f"上级平台 {exchange['platforms']} 个"
            )
            self.stdout.write(
                f"演示三年目标：计算月末、年末及实时指标 {targets['runs']} 次，"
                f"共 {targets['rows']} 条"
            )
            self._print(users)
            self.stdout.write(f"  {platform.username:<12} {'平台管理员（管理后台）':<12} 全平台")

    def _jurisdictions(self):
        province, _ = Jurisdiction.objects.update_or_create(
            code=PROVINCE[0], defaults={"name": PROVINCE[1], "kind": JurisdictionKind.PROVINCE}
        )
        city, _ = Jurisdiction.objects.update_or_create(
            code=CITY[0],
            defaults={"name": CITY[1], "kind": JurisdictionKind.CITY, "parent": province},
        )
        county = Jurisdiction.objects.filter(code=COUNTY[0]).first()
        if county is None:
            county = Jurisdiction.objects.create(
                code=COUNTY[0], name=COUNTY[1], kind=JurisdictionKind.COUNTY, parent=city
            )
        elif county.parent_id != city.pk:
            _move_under(county, city)
        towns, grids = {}, {}
        for order, (kind, name) in enumerate(TOWNS, start=1):
            code = f"{COUNTY[0]}-{order:02d}"
            towns[name], _ = Jurisdiction.objects.update_or_create(
                code=code,
                defaults={"name": name, "kind": kind, "parent": county, "sort_order": order},
            )
            grids[name] = []
            for index in range(GRIDS_PER_TOWN):
                grid, _ = Jurisdiction.objects.update_or_create(
                    code=f"{code}-g{index + 1}",
                    defaults={
                        "name": f"{name}{GRID_NAMES[index]}",
                        "kind": JurisdictionKind.GRID,
                        "parent": towns[name],
                        "sort_order": index + 1,
                    },
                )
                grids[name].append(grid)
        return county, towns, grids

    def _enterprises(self, towns, grids):
        rng = random.Random(20240403)  # the plan's date: the same demo every time
        tags = {t.code: t for t in SectorTag.objects.all()}
        used_names: set[str] = set()
        created = []
        for share, industry, suffixes, tag_codes, dust, town_names, heads in PROFILES:
            for _ in range(share):
                name = self._name(rng, suffixes, used_names)
                town = towns[rng.choice(town_names)]
                grid = rng.choice(grids[town.name])
                employees = rng.randint(*heads)
                dust_workers = None
                if dust is not None:
                    dust_workers = min(employees, rng.choice([4, 6, 8, 10, 12, 15, 20, 30, 45]))
                code = credit_code.make(
                    "91" + COUNTY[0] + "".join(rng.choice(credit_code.ALPHABET) for _ in range(9))
                )
                standardization = rng.choices(
                    [
                        Standardization.NONE,
                        Standardization.LEVEL_3,
                        Standardization.LEVEL_2,
                        Standardization.SMALL_MICRO,
                    ],
                    weights=[50, 25, 5, 20],
                )[0]
                status = rng.choices(
                    [Status.OPERATING, Status.SUSPENDED, Status.ORDERED_TO_STOP, Status.CLOSED],
                    weights=[92, 4, 2, 2],
                )[0]
                above = employees >= 100 and rng.random() < 0.7
                enterprise, _ = Enterprise.objects.update_or_create(
                    credit_code=code,
                    defaults={
                        "name": name,
                        "address": f"山东省聊城市高唐县{town.name}{rng.randint(1, 300)}号",
                        "jurisdiction": town,
                        "grid": grid,
                        "industry": industry,
                        "dust_class": dust or "",
                        "dust_workers": dust_workers,
                        "employee_count": employees,
                        "above_scale": above,
                        "small_micro": not above and employees < 100,
                        "principal_name": self._person(rng),
                        "principal_phone": self._phone(rng),
                        "safety_officer_name": self._person(rng),
                        "safety_officer_phone": self._phone(rng),
                        "standardization": standardization,
                        "status": status,
                        "longitude": CENTER[0] + Decimal(rng.randint(-1500, 1500)) / 10000,
                        "latitude": CENTER[1] + Decimal(rng.randint(-1200, 1200)) / 10000,
                        "is_demo": True,
                    },
                )
                enterprise.sector_tags.set([tags[c] for c in tag_codes])
                created.append(enterprise)
        return created

    @staticmethod
    def _name(rng, suffixes, used):
        while True:
            # A share of names carry the county's name in full, as many local firms do.
            prefix = "高唐县" if rng.random() < 0.35 else "山东"
            word = rng.choice(WORDS) + rng.choice(WORDS)
            if rng.random() < 0.08:
                word = "精" + rng.choice(WORDS)
            name = f"{prefix}{word}{rng.choice(suffixes)}"
            if name not in used:
                used.add(name)
                return name

    @staticmethod
    def _person(rng):
        return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])

    @staticmethod
    def _phone(rng):
        return "1" + rng.choice("358") + "".join(str(rng.randint(0, 9)) for _ in range(9))

    def _users(self, county, towns, grids, enterprises):
        city = county.parent
        town = towns["赵寨子镇"]
        grid = grids["赵寨子镇"][0]
        home = next(e for e in enterprises if e.grid_id == grid.pk)
        specs = [
            ("admin", "县局管理员", Role.COUNTY_ADMIN, county, None),
            ("jianguan", "王监管", Role.SUPERVISOR, county, None),
            ("zhifa", "李执法", Role.ENFORCEMENT_OFFICER, county, None),
            # The inspector pool of the random draws (at least two per enterprise, with room
            # for a recusal): more enforcement officers with badge numbers.
            ("zhifa2", "孙执法", Role.ENFORCEMENT_OFFICER, county, None),
            ("zhifa3", "周执法", Role.ENFORCEMENT_OFFICER, county, None),
            ("zhifa4", "吴执法", Role.ENFORCEMENT_OFFICER, county, None),
            ("zhenjie", "张镇街", Role.TOWN_SUPERVISOR, town, None),
            ("wangge", "刘网格", Role.GRID_MEMBER, grid, None),
            ("zhuanjia", "陈专家", Role.EXPERT, None, None),
            ("fuzeren", home.principal_name, Role.PRINCIPAL, None, home),
            ("anquanyuan", home.safety_officer_name, Role.SAFETY_OFFICER, None, home),
            ("yuangong", "赵员工", Role.EMPLOYEE, None, home),
            # Above the county, read-only.
            ("shiji", "何市级", Role.CITY_SUPERVISOR, city, None),
            ("shengji", "郑省级", Role.PROVINCE_SUPERVISOR, city.parent, None),
        ]
        users = []
        for username, full_name, role, jurisdiction, enterprise in specs:
            # select_related(None): update_or_create locks the row, and PostgreSQL refuses
            # FOR UPDATE on the outer joins of the manager's default select_related.
            user, _ = User.objects.select_related(None).update_or_create(
                username=username,
                defaults={
                    "full_name": full_name,
                    "role": role,
                    "jurisdiction": jurisdiction,
                    "enterprise": enterprise,
                    "is_active": True,
                    "badge_number": "37152600" + str(len(users) + 1)
                    if role == Role.ENFORCEMENT_OFFICER
                    else "",
                },
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            users.append(user)
        expert = next(u for u in users if u.role == Role.EXPERT)
        expert.assigned_enterprises.set(enterprises[:5])
        return users

    def _platform_admin(self):
        # The Django admin's rules and reference data are shared by every county, so they are
        # kept by a platform account with no county role (the county "admin" manages only
        # its county's accounts there).
        user, _ = User.objects.select_related(None).update_or_create(
            username="pingtai",
            defaults={
                "full_name": "平台管理员",
                "role": "",
                "is_active": True,
                "is_staff": True,
                "is_superuser": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        return user

    def _print(self, users):
        out = self.stdout
        out.write(f"演示企业：{Enterprise.objects.filter(is_demo=True).count()} 家")
        out.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for user in users:
            scope = user.jurisdiction or user.enterprise or "指派企业"
            out.write(f"  {user.username:<12} {user.get_role_display():<12} {scope}")


def _move_under(node: Jurisdiction, parent: Jurisdiction) -> None:
    """Put `node` (高唐县 of a demo database loaded before the city and province levels)
    under `parent`: its path and those of its subtree, and every row's scope path below it,
    move with it (the admin refuses such a move; the demo makes it once)."""
    old = node.path
    node.parent = parent
    node.save()
    new = node.path
    moved = Concat(Value(new), Substr(F("path"), len(old) + 1))
    Jurisdiction.objects.filter(path__startswith=old).exclude(pk=node.pk).update(path=moved)
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "scope_path" in names:
            model._base_manager.filter(scope_path__startswith=old).update(
                scope_path=Concat(Value(new), Substr(F("scope_path"), len(old) + 1))
            )
