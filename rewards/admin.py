from django.contrib import admin

from core.admin import ReadOnlyAdmin
from rewards.models import EmployeeReport, Reward, RewardRule


@admin.register(RewardRule)
class RewardRuleAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "within_duty", "outside_duty", "created_at"]


@admin.register(EmployeeReport)
class EmployeeReportAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "reporter_name", "within_duty", "state", "created_at"]


@admin.register(Reward)
class RewardAdmin(ReadOnlyAdmin):
    list_display = ["report", "amount", "state", "paid_on"]
