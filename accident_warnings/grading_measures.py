"""The supervision records' measure for grading (grading.measures' registry), registered from
AccidentWarningsConfig.ready(): grading never imports this app, which reads grading's layer
below it. The factors that use it are loaded by this app's migration 0002, marked as drafted."""

from grading.measures import Context, counts, measure


@measure(
    "supervision_12m",
    "近12个月约谈、重点关注次数",
    "次",
    argument="类型代码（interview、key_attention）",
)
def supervision_12m(ctx: Context, argument: str) -> dict:
    """Supervision records of kind `argument` (accident_warnings.SupervisionRecord: interview
    约谈, key_attention 重点关注) held in the last 12 months."""
    from accident_warnings.models import SupervisionRecord

    queryset = SupervisionRecord.objects.filter(kind=argument, held_on__gte=ctx.since.date())
    return counts(ctx.only(queryset))
