"""The demo's targets: the month ends and year ends since 2024 computed from the demo's dated
records (marked backfilled: the demo did not run then), and today's live figures."""

from django.utils import timezone

from targets import services
from targets.measures import YEARS


def load() -> dict:
    today = timezone.localdate()
    runs = services.backfill(YEARS[0], today)
    live = services.refresh_live(today)
    return {"runs": len(runs) + 1, "rows": sum(r.rows for r in runs) + live.rows}
