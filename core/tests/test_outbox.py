"""The notification outbox (core.outbox): a claim is taken once, a failing send leaves the event
pending, and the sweep goes on past an event that cannot be delivered. The events here are
hazard events (any model with a notified_at column would do); their on-commit tasks never run
inside a test transaction, so they start pending."""

import logging

import pytest

from core import outbox
from core.models import Notification
from hazards import services
from hazards.models import HazardEvent, Source


@pytest.fixture
def pending(officer, enterprise_a, enterprise_a2, town):
    """Two pending events, one per enterprise, in the order the sweep takes them."""
    first = services.report(
        officer, enterprise_a.pk, source=Source.SELF_INSPECTION, description="消防通道堵塞"
    )
    second = services.report(
        town, enterprise_a2.pk, source=Source.ENFORCEMENT, description="配电箱未接地"
    )
    events = [first.events.get(), second.events.get()]
    assert all(e.notified_at is None for e in events)
    return events


def recording(sent):
    def send(event):
        sent.append(event.pk)

    return send


def test_an_event_is_claimed_once_and_a_second_call_sends_nothing(pending):
    event = pending[0]
    sent = []

    assert outbox.deliver(HazardEvent.objects.all(), event.pk, recording(sent)) is True
    event.refresh_from_db()
    claimed_at = event.notified_at
    assert claimed_at is not None

    assert outbox.deliver(HazardEvent.objects.all(), event.pk, recording(sent)) is False
    assert sent == [event.pk]
    event.refresh_from_db()
    assert event.notified_at == claimed_at
    assert HazardEvent.objects.get(pk=pending[1].pk).notified_at is None


def test_the_send_sees_its_event_claimed_and_read_from_the_given_queryset(pending):
    seen = []

    def send(event):
        seen.append((event.pk, event.notified_at is not None, event.hazard.enterprise.name))
        # A second delivery while the first is still sending (a worker racing the sweep) finds
        # the claim taken.
        assert outbox.deliver(HazardEvent.objects.all(), event.pk, recording([])) is False

    events = HazardEvent.objects.select_related("hazard__enterprise")
    assert outbox.deliver(events, pending[0].pk, send) is True
    assert seen == [(pending[0].pk, True, pending[0].hazard.enterprise.name)]


def test_a_failing_send_rolls_the_claim_back_and_the_event_stays_pending(pending, officer):
    event = pending[0]

    def fails(event):
        Notification.objects.create(recipient=officer, title="不应留下")
        raise RuntimeError("notification store unavailable")

    with pytest.raises(RuntimeError):
        outbox.deliver(HazardEvent.objects.all(), event.pk, fails)

    event.refresh_from_db()
    assert event.notified_at is None
    assert not Notification.objects.filter(title="不应留下").exists()

    sent = []
    assert outbox.deliver(HazardEvent.objects.all(), event.pk, recording(sent)) is True
    assert sent == [event.pk]


def deliver_failing_for(failing_pk, sent):
    def deliver_one(pk):
        def send(event):
            if event.pk == failing_pk:
                raise RuntimeError("notification store unavailable")
            sent.append(event.pk)

        return outbox.deliver(HazardEvent.objects.all(), pk, send)

    return deliver_one


def test_the_sweep_goes_on_past_an_event_that_cannot_be_delivered(pending, caplog):
    first, second = pending
    sent = []
    pending_events = HazardEvent.objects.filter(notified_at__isnull=True)

    with caplog.at_level(logging.ERROR, logger="core.outbox"):
        assert outbox.sweep(pending_events, deliver_failing_for(first.pk, sent)) == 1

    assert sent == [second.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.notified_at is None
    assert second.notified_at is not None
    assert f"hazards.HazardEvent {first.pk}: notification failed" in caplog.text

    # The next sweep retries only what is still pending.
    assert outbox.sweep(pending_events, deliver_failing_for(None, sent)) == 1
    assert sent == [second.pk, first.pk]
    assert outbox.sweep(pending_events, deliver_failing_for(None, sent)) == 0


def test_the_sweep_takes_at_most_limit_events_in_the_queryset_order(pending):
    sent = []
    pending_events = HazardEvent.objects.filter(notified_at__isnull=True).order_by("-id")

    assert outbox.sweep(pending_events, deliver_failing_for(None, sent), limit=1) == 1
    assert sent == [pending[1].pk]
    assert HazardEvent.objects.get(pk=pending[0].pk).notified_at is None
