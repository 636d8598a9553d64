"""Who hears of the targets' events (core.events): a recompute asked by the bureau announces
nobody (the page says it is done)."""

from core.events import Message


def message(event) -> Message | None:
    return None
