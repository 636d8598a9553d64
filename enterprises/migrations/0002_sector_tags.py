from django.db import migrations

# (code, name, source). The codes are the glossary's; criteria, duties and grading refer to them.
TAGS = [
    ("metal_smelting", "金属冶炼", "治本攻坚方案 任务5、6、17；金属冶炼目录"),
    ("foundry", "机械铸造", "治本攻坚方案 任务5、6、17、18"),
    ("combustible_dust", "粉尘涉爆", "治本攻坚方案 任务5、6、14；判定标准 第十一条"),
    ("ammonia_refrigeration", "涉氨制冷", "治本攻坚方案 任务5、6、17；判定标准 第十二条"),
    ("chlorine", "涉氯", "治本攻坚方案 任务6；判定标准 第五条（十一）、第八条（三）"),
    ("confined_space", "有限空间作业", "治本攻坚方案 任务6、9、17；判定标准 第十三条"),
    ("hazardous_chemicals", "使用危险化学品", "治本攻坚方案 任务6、10"),
    ("spray_painting", "喷涂", "治本攻坚方案 任务6；判定标准 第七条（七）、第八条（六）"),
    ("coal_gas", "煤气", "治本攻坚方案 任务6；判定标准 第四条（六）至（八）"),
    ("molten_metal", "高温熔融金属", "治本攻坚方案 任务6；判定标准 第四条、第五条、第七条"),
    ("lithium_battery", "锂电池", "治本攻坚方案 任务1；判定标准 第八条（七）"),
    ("labor_intensive", "劳动密集型", "治本攻坚方案 任务18"),
    ("factory_in_factory", "厂中厂", "治本攻坚方案 任务18"),
]


def load(apps, schema_editor):
    SectorTag = apps.get_model("enterprises", "SectorTag")
    for order, (code, name, source) in enumerate(TAGS):
        SectorTag.objects.update_or_create(
            code=code, defaults={"name": name, "source": source, "sort_order": order}
        )


def unload(apps, schema_editor):
    apps.get_model("enterprises", "SectorTag").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
