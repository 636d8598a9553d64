"""The grading rules the platform starts with, loaded by migration 0002 and editable in the
admin afterwards. Each carries its source. Where the seed plan or 应急管理部令第10号 names what
matters but no document fixes the points, the points are this platform's choice and say so
("本平台设定"): a county adjusts them in the admin and the grades follow."""

PLAN = "高唐县工贸行业安全生产治本攻坚三年行动实施方案（2024—2026年）"
OWN = "本平台设定"

ACCIDENTS_NOTE = (
    "本企业近12个月发生的生产安全事故（事故记录）；误录作废的不计。发生事故的企业等级不低于红色。"
)
COMMITMENTS_NOTE = (
    "主要负责人“动态清零”承诺期内重大事故隐患逾期未整改（每日自动认定），"
    "或监管人员登记的违反承诺情形；误录撤销的不计。"
)

RED_RISKS_NOTE = (
    "风险分级管控台账中评为红色（重大风险）而没有有效的公司级管控措施的风险，每项计分。"
)
MISSED_CHECKS_NOTE = (
    "管控措施的排查任务（岗位每日、班组每周、车间每月、公司每季度）在周期内最后一个工作日前"
    "未填报的，计为漏检。"
)

# (code, label, group, measure, argument, points_per_unit, bands, cap, weight, min_level,
#  source, note)
FACTORS = [
    # --- Inherent risk: what the enterprise is -------------------------------------------------
    (
        "industry", "行业固有风险", "inherent", "industry", "", 0,
        {"metallurgy": 12, "nonferrous": 12, "building_materials": 8, "machinery": 6,
         "light_industry": 5, "textile": 5, "tobacco": 4, "commerce": 2},
        None, 1, "",
        f"{OWN}（行业划分依据工贸企业重大事故隐患判定标准第四条至第十条）",
        "冶金、有色涉高温熔融金属和煤气，风险最高；商贸最低。",
    ),
    (
        "metal_smelting", "金属冶炼", "inherent", "sector_tag", "metal_smelting", 15, [], None, 1,
        "", f"{PLAN} 任务6（高风险领域）；分值{OWN}", "",
    ),
    (
        "foundry", "机械铸造", "inherent", "sector_tag", "foundry", 12, [], None, 1, "",
        f"{PLAN} 任务5、6；分值{OWN}", "",
    ),
    (
        "molten_metal", "高温熔融金属", "inherent", "sector_tag", "molten_metal", 10, [], None, 1,
        "", f"{PLAN} 任务6（高风险场所）；分值{OWN}", "",
    ),
    (
        "combustible_dust", "粉尘涉爆", "inherent", "sector_tag", "combustible_dust", 12, [], None,
        1, "", f"{PLAN} 任务6；应急管理部令第10号 第十一条；分值{OWN}", "",
    ),
    (
        "dust_workers", "涉粉作业人数（金属、木粉尘）", "inherent", "dust_workers", "", 0,
        [[10, 4], [30, 6], [100, 8]], None, 1, "",
        f"{PLAN} 任务14（涉粉作业10人以上金属粉尘、木粉尘企业）；分档{OWN}", "",
    ),
    (
        "ammonia_refrigeration", "涉氨制冷", "inherent", "sector_tag", "ammonia_refrigeration", 12,
        [], None, 1, "", f"{PLAN} 任务5、6；应急管理部令第10号 第十二条；分值{OWN}", "",
    ),
    (
        "chlorine", "涉氯", "inherent", "sector_tag", "chlorine", 12, [], None, 1, "",
        f"{PLAN} 任务6；应急管理部令第10号 第五条（十一）、第八条（三）；分值{OWN}", "",
    ),
    (
        "coal_gas", "煤气", "inherent", "sector_tag", "coal_gas", 10, [], None, 1, "",
        f"{PLAN} 任务6（高风险场所）；分值{OWN}", "",
    ),
    (
        "confined_space", "有限空间作业", "inherent", "sector_tag", "confined_space", 8, [], None,
        1, "", f"{PLAN} 任务6、8、9；应急管理部令第10号 第十三条；分值{OWN}", "",
    ),
    (
        "hazardous_chemicals", "使用危险化学品", "inherent", "sector_tag", "hazardous_chemicals",
        8, [], None, 1, "", f"{PLAN} 任务6、10；分值{OWN}", "",
    ),
    (
        "spray_painting", "喷涂", "inherent", "sector_tag", "spray_painting", 6, [], None, 1, "",
        f"{PLAN} 任务6（高风险场所）；分值{OWN}", "",
    ),
    (
        "labor_intensive", "劳动密集型", "inherent", "sector_tag", "labor_intensive", 4, [], None,
        1, "", f"{PLAN} 任务18（劳动密集型企业每半年演练）；分值{OWN}", "",
    ),
    (
        "factory_in_factory", "厂中厂", "inherent", "sector_tag", "factory_in_factory", 4, [], None,
        1, "", f"{PLAN} 任务18（厂中厂）；分值{OWN}", "",
    ),
    (
        "headcount", "从业人数", "inherent", "employee_count", "", 0,
        [[50, 2], [100, 4], [300, 6], [1000, 8]], None, 1, "",
        f"{OWN}（人员越多，事故后果越重）", "",
    ),
    (
        "above_scale", "规模以上企业", "inherent", "above_scale", "", 2, [], None, 1, "",
        OWN, "",
    ),
    # --- Safety management ---------------------------------------------------------------------
    (
        "standardization", "安全生产标准化", "management", "standardization", "", 0,
        {"level1": -15, "level2": -10, "level3": -6, "small_micro": -4, "none": 0},
        None, 1, "",
        f"{PLAN} 任务13（以标准化建设情况作为差异化监管的重要依据）；分值{OWN}", "",
    ),
    # --- Dynamic risk: what has happened -------------------------------------------------------
    (
        "open_major_hazards", "未销号重大事故隐患", "dynamic", "open_major_hazards", "", 8, [],
        24, 1, "", f"应急管理部令第10号；{PLAN} 任务6（动态清零）；分值{OWN}", "",
    ),
    (
        "overdue_major_hazards", "逾期未整改重大事故隐患", "dynamic", "overdue_major_hazards", "",
        12, [], 36, 1, "orange", f"{PLAN} 任务5（限期完成整改）、任务6；分值与保底等级{OWN}",
        "存在逾期未整改的重大事故隐患，等级不低于橙色。",
    ),
    (
        "overdue_general_hazards", "逾期未整改一般隐患", "dynamic", "overdue_general_hazards", "",
        2, [], 10, 1, "", OWN, "",
    ),
    (
        "alarms_12m", "近12个月监测报警", "dynamic", "alarms_12m", "", 0,
        [[1, 2], [5, 4], [20, 6], [50, 8]], None, 1, "",
        f"{PLAN} 任务14、15（监测预警）；分档{OWN}", "",
    ),
    (
        "power_warnings_12m", "近12个月电力预警（明停暗开、虚假离线等）", "dynamic",
        "power_warnings_12m", "", 4, [], 12, 1, "", f"{PLAN} 任务15；分值{OWN}",
        "研判为不属实的预警不计。",
    ),
    (
        "not_connected", "应接入监测预警而未接入", "dynamic", "not_connected", "", 6, [], None, 1,
        "", f"{PLAN} 任务14（应接尽接）；分值{OWN}", "",
    ),
    (
        "penalties_12m", "近12个月行政处罚", "dynamic", "penalties_12m", "", 5, [], 15, 1, "",
        f"{PLAN} 任务22、24（精准执法）；分值{OWN}", "",
    ),
    (
        "accidents_12m", "近12个月生产安全事故", "dynamic", "accidents_12m", "", 20, [], 40, 1,
        "red", f"{OWN}（参照各地分类分级监管中发生事故即上调风险等级的通行做法）",
        ACCIDENTS_NOTE,
    ),
    (
        "broken_commitments_12m", "近12个月违反安全承诺", "dynamic", "broken_commitments_12m", "",
        10, [], 20, 1, "",
        f"{PLAN} 任务7（对违反承诺情形的，及时调整风险等级）；分值{OWN}",
        COMMITMENTS_NOTE,
    ),
    # --- The risk register (风险分级管控, risks/) ----------------------------------------------
    (
        "uncontrolled_red_risks", "红色风险未落实公司级管控", "management",
        "uncontrolled_red_risks", "", 4, [], 12, 1, "",
        f"{PLAN} 任务11、12（双重预防机制）；管控层级要求见 REGULATIONS.md"
        f"「Risk assessment methods」（红色、橙色由公司级管控，未核对官方原文）；分值{OWN}",
        RED_RISKS_NOTE,
    ),
    (
        "missed_checks_30d", "近30日风险管控排查漏检", "management", "missed_checks_30d", "", 0,
        [[1, 2], [10, 4], [30, 6]], None, 1, "",
        f"{PLAN} 任务12（双重预防机制“真建、真用”）；分档{OWN}", MISSED_CHECKS_NOTE,
    ),
]  # fmt: skip

# (level, min_score, source)
BANDS = [
    ("red", 60, OWN),
    ("orange", 40, OWN),
    ("yellow", 20, OWN),
    ("blue", -1000, f"{OWN}（低于黄色分数线的企业）"),
]

# (level, per_year, label, source)
FREQUENCIES = [
    ("red", 12, "每月1次", f"{OWN}（差异化监管：风险越高检查越频）"),
    ("orange", 4, "每季度1次", OWN),
    ("yellow", 2, "每半年1次", OWN),
    ("blue", 1, "年度执法计划期内1次", f"{PLAN} 任务22（年度执法计划）；频次{OWN}"),
]

# (standardization, multiplier, source)
REDUCTIONS = [
    ("level1", "0.50", f"{PLAN} 任务13（对达标企业减少安全执法检查频次）；减少幅度{OWN}"),
    ("level2", "0.50", f"{PLAN} 任务13；减少幅度{OWN}"),
    ("level3", "0.75", f"{PLAN} 任务13；减少幅度{OWN}"),
    ("small_micro", "0.75", f"{PLAN} 任务11、13（小微企业标准化）；减少幅度{OWN}"),
]


def load(apps):
    """Insert the rules that are missing (never overwriting an administrator's edits)."""
    factor_model = apps.get_model("grading", "GradingFactor")
    band_model = apps.get_model("grading", "GradeBand")
    frequency_model = apps.get_model("grading", "SupervisionFrequency")
    reduction_model = apps.get_model("grading", "FrequencyReduction")
    for order, row in enumerate(FACTORS, start=1):
        code, label, group, measure, argument, per_unit, bands, cap, weight, floor, source, note = (
            row
        )
        factor_model.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "group": group,
                "measure": measure,
                "argument": argument,
                "points_per_unit": per_unit,
                "bands": bands,
                "cap": cap,
                "weight": weight,
                "min_level": floor,
                "source": source,
                "note": note,
                "sort_order": order * 10,
            },
        )
    for level, min_score, source in BANDS:
        band_model.objects.get_or_create(
            level=level, defaults={"min_score": min_score, "source": source}
        )
    for level, per_year, label, source in FREQUENCIES:
        frequency_model.objects.get_or_create(
            level=level, defaults={"per_year": per_year, "label": label, "source": source}
        )
    for standardization, multiplier, source in REDUCTIONS:
        reduction_model.objects.get_or_create(
            standardization=standardization,
            defaults={"multiplier": multiplier, "source": source},
        )
