"""Campaign templates, as data with their source: seed task 8's four special campaigns and
task 10's key domains (高唐县工贸安全生产治本攻坚三年行动实施方案, 高应急发〔2024〕9号). The plan
names the campaigns, not their checklists: every item's wording below is drafted for this
platform from the task's own words (入口管理、过程管理、外来作业人员管理…) and marked drafted;
each cites the task it serves. A campaign copies a template's items when it is created, so
editing a template never changes a campaign already issued."""

from dataclasses import dataclass

PLAN = "高唐县工贸安全生产治本攻坚三年行动实施方案（高应急发〔2024〕9号）"
TASK_8 = f"{PLAN} 任务8“四个专项整治”"
TASK_10 = f"{PLAN} 任务10“深化重点领域专项整治”"
BASIS = "《中华人民共和国安全生产法》第四条、第二十一条、第四十一条；" + PLAN


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    source: str
    items: tuple[str, ...]
    drafted: bool = True


TEMPLATES: tuple[Template, ...] = (
    Template(
        "hot_work",
        "违规电气焊和违规施工专项整治",
        TASK_8,
        (
            "动火作业实行审批制度，作业前办理动火作业票证并落实监护人",
            "电焊、气割作业人员持有效特种作业操作证上岗",
            "动火点周围易燃可燃物已清理，配备足够的灭火器材",
            "施工作业前进行安全技术交底，危险作业有专项方案",
            "气瓶分开存放、防倾倒，乙炔瓶使用回火防止器",
        ),
    ),
    Template(
        "confined_space",
        "有限空间作业专项整治",
        TASK_8,
        (
            "建立有限空间管理台账，辨识并设置安全警示标志",
            "有限空间作业实行审批，落实“先通风、再检测、后作业”",
            "配备气体检测报警仪、通风设备、呼吸防护用品及应急救援装备",
            "作业现场设置专职监护人员，全程监护不得离岗",
            "制定有限空间作业应急预案并每年至少演练一次",
        ),
    ),
    Template(
        "falls",
        "预防高处坠落专项整治",
        TASK_8,
        (
            "高处作业人员正确佩戴安全带，安全带高挂低用",
            "平台、通道、临边洞口设置防护栏杆或盖板",
            "登高作业使用的梯子、脚手架完好且经检查合格",
            "彩钢瓦、采光带等易碎屋面作业采取防踏空措施",
            "登高架设作业人员持有效特种作业操作证",
        ),
    ),
    Template(
        "outsourcing",
        "外包施工专项整治",
        TASK_8,
        (
            "外包单位具备相应资质，签订安全生产管理协议明确各自职责",
            "对外来作业人员进行入厂安全教育和安全技术交底",
            "外包作业纳入本企业统一安全管理，指定专人现场协调监督",
            "外包作业中的危险作业执行本企业审批制度",
            "建立外来作业人员入口登记和过程管理记录",
        ),
    ),
    Template(
        "machinery",
        "机械伤害专项整治",
        TASK_10,
        (
            "设备传动部位（皮带、齿轮、联轴器）安装防护罩",
            "冲压、剪切设备安全联锁、光电保护装置完好有效",
            "设备检维修落实停机、断电、挂牌上锁",
            "岗位安全操作规程上墙，员工经培训考核上岗",
        ),
    ),
    Template(
        "falling_objects",
        "物体打击专项整治",
        TASK_10,
        (
            "起重吊装作业有专人指挥，吊索具定期检查完好",
            "高处物料堆放稳固，不在临边放置易坠落物件",
            "交叉作业区域设置警戒隔离和防护棚",
            "作业人员按规定佩戴安全帽",
        ),
    ),
    Template(
        "chemicals",
        "危险化学品存储使用专项整治",
        TASK_10,
        (
            "危险化学品专库（专柜）存放，分类分区，禁忌物料不混存",
            "建立危险化学品出入库台账，账物相符",
            "存储场所通风、防爆、防泄漏设施完好，配备应急器材",
            "使用岗位有安全技术说明书和安全标签",
            "涉危化品作业人员经专门培训，掌握应急处置措施",
        ),
    ),
)
BY_CODE = {template.code: template for template in TEMPLATES}
