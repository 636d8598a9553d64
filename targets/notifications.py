"""Who hears of the targets' events (core.events): a town's plan saved or a progress note added
tells the county's supervisors (targets.plans.plan_message); a recompute asked by the bureau
announces nobody (the page says it is done)."""

from core.events import Message
from targets import plans


def message(event) -> Message | None:
    return plans.plan_message(event)
