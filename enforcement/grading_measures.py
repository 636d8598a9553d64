"""Enforcement's measure for grading (grading.measures' registry), registered from
EnforcementConfig.ready(): grading never imports enforcement, which reads grading's grades and
frequencies."""

from grading.measures import Context, counts, measure


@measure("penalties_12m", "近12个月行政处罚", "次")
def penalties_12m(ctx: Context, argument: str) -> dict:
    """Penalties decided in the last 12 months (enforcement.Penalty: a case closed without a
    decision, 不予处罚 or 撤案, has no decision date and does not count)."""
    from enforcement.models import Penalty

    return counts(ctx.only(Penalty.objects.filter(decided_on__gte=ctx.since.date())))
