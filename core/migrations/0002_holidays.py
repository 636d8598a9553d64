"""Loads the holiday arrangements the chinese-calendar package knows (the State Council's yearly
notices, 2018 onwards) into the editable calendar tables."""

from django.db import migrations

FIRST_YEAR = 2018
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
SOURCE = "国务院办公厅关于{year}年部分节假日安排的通知（据 chinese-calendar 数据）"


def load(apps, schema_editor):
    from chinese_calendar import constants

    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarDay = apps.get_model("core", "CalendarDay")
    years = set()
    rows = []
    for day, name in constants.holidays.items():
        if day.year >= FIRST_YEAR:
            years.add(day.year)
            rows.append(CalendarDay(date=day, is_workday=False, name=NAMES.get(name, name)))
    for day, name in constants.workdays.items():
        if day.year >= FIRST_YEAR:
            rows.append(CalendarDay(date=day, is_workday=True, name=NAMES.get(name, name)))
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source=SOURCE.format(year=y)) for y in sorted(years)],
        ignore_conflicts=True,
    )


def unload(apps, schema_editor):
    apps.get_model("core", "CalendarDay").objects.all().delete()
    apps.get_model("core", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
