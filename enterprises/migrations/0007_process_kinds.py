from django.db import migrations

_TASK21 = "治本攻坚方案 任务21（行业相同、设备相似、工艺相近）"
_SPACE = "工贸企业有限空间作业安全规定（应急管理部令第13号）；治本攻坚方案 任务9"

# (code, name, group, source). Campaigns and accident warnings refer to the codes.
KINDS = [
    ("cupola", "冲天炉", "equipment", _TASK21),
    ("induction_furnace", "中频炉", "equipment", _TASK21),
    ("electric_arc_furnace", "电弧炉", "equipment", _TASK21),
    ("smelting_furnace", "熔炼炉（铝、铜等有色金属）", "equipment", _TASK21),
    ("silo", "筒仓", "equipment", _TASK21),
    ("dust_collector", "除尘系统", "equipment", f"{_TASK21}；判定标准 第十一条"),
    ("ammonia_refrigeration_unit", "液氨制冷系统", "equipment", f"{_TASK21}；判定标准 第十二条"),
    ("gas_producer", "煤气发生炉", "equipment", f"{_TASK21}；判定标准 第四条"),
    ("boiler", "锅炉", "equipment", _TASK21),
    ("crane", "起重机械", "equipment", f"{_TASK21}；治本攻坚方案 任务10（物体打击）"),
    ("press", "冲压机械", "equipment", f"{_TASK21}；治本攻坚方案 任务10（机械伤害）"),
    ("forklift", "叉车", "equipment", _TASK21),
    ("spray_painting", "喷涂", "process", f"{_TASK21}；判定标准 第七条（七）"),
    ("pouring", "铸造浇注", "process", f"{_TASK21}；判定标准 第五条"),
    ("grinding", "打磨抛光", "process", f"{_TASK21}；判定标准 第十一条"),
    ("welding", "电气焊（动火作业）", "process", f"{_TASK21}；治本攻坚方案 任务8"),
    ("pickling", "酸洗", "process", _TASK21),
    ("heat_treatment", "热处理", "process", _TASK21),
    ("hazardous_chemicals_use", "使用危险化学品", "process", f"{_TASK21}；治本攻坚方案 任务10"),
    ("outsourced_work", "外包施工", "process", "治本攻坚方案 任务8"),
    ("work_at_height", "高处作业", "process", "治本攻坚方案 任务8"),
    ("sewage_pit", "污水池、化粪池、窨井", "confined_space", _SPACE),
    ("tank", "储罐、罐体", "confined_space", _SPACE),
    ("bin", "料仓、筒仓内部", "confined_space", _SPACE),
    ("reactor", "反应釜、炉窑、锅炉内部", "confined_space", _SPACE),
    ("pipe_trench", "地下管道、管沟、地下室", "confined_space", _SPACE),
    ("fermentation_pool", "发酵池、沉淀池", "confined_space", _SPACE),
]


def load(apps, schema_editor):
    ProcessKind = apps.get_model("enterprises", "ProcessKind")
    for order, (code, name, group, source) in enumerate(KINDS):
        ProcessKind.objects.update_or_create(
            code=code,
            defaults={"name": name, "group": group, "source": source, "sort_order": order},
        )


def unload(apps, schema_editor):
    apps.get_model("enterprises", "ProcessKind").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0006_processkind_enterprise_process_kinds")]
    operations = [migrations.RunPython(load, unload)]
