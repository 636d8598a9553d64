"""Who hears of a grade change (core.events): nobody yet. The grading engine writes a county's
changes in bulk (grading.engine) with notified_at set, as announced; an override's request and
decision reach their approvers and requester from grading.services."""


def message(event):
    return None
