from django.db import models


class Industry(models.TextChoices):
    """The eight 工贸 industries (see 工贸企业重大事故隐患判定标准 第四条–第十条, and 商贸)."""

    METALLURGY = "metallurgy", "冶金"
    NONFERROUS = "nonferrous", "有色"
    BUILDING_MATERIALS = "building_materials", "建材"
    MACHINERY = "machinery", "机械"
    LIGHT_INDUSTRY = "light_industry", "轻工"
    TEXTILE = "textile", "纺织"
    TOBACCO = "tobacco", "烟草"
    COMMERCE = "commerce", "商贸"


class DustClass(models.TextChoices):
    METAL = "metal", "金属粉尘"
    WOOD = "wood", "木粉尘"
    GRAIN_FOOD = "grain_food", "粮食/食品粉尘"
    PLASTIC_RUBBER = "plastic_rubber", "塑料/橡胶粉尘"
    PAPER = "paper", "纸粉尘"
    TEXTILE_FIBER = "textile_fiber", "纺织纤维粉尘"
    COAL = "coal", "煤粉尘"
    OTHER = "other", "其他可燃粉尘"


class Standardization(models.TextChoices):
    NONE = "none", "未达标"
    LEVEL_1 = "level1", "一级"
    LEVEL_2 = "level2", "二级"
    LEVEL_3 = "level3", "三级"
    SMALL_MICRO = "small_micro", "小微企业达标"


class Status(models.TextChoices):
    OPERATING = "operating", "正常生产"
    SUSPENDED = "suspended", "停产整顿"
    ORDERED_TO_STOP = "ordered_to_stop", "责令停产"
    CLOSED = "closed", "关闭"
