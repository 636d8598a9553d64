"""The readings of the scale-out test's gateways, for its HTTP (locustfile.py) and MQTT (run.py)
senders alike. A point is a dict of the plan: normal value, noise (None: a signal), breach value
(None: never) and, for a breaching point, the cycle (in sends) and its phase in it."""

import random


def value(point: dict, step: int, rng: random.Random):
    """The point's normal value with noise; once a cycle its breach value (an alarm, whose events
    the task workers announce)."""
    if point["breach"] is not None and step % point["cycle"] == point["phase"]:
        return point["breach"]
    if point["noise"] is None:
        return point["normal"]
    return round(point["normal"] + rng.uniform(-point["noise"], point["noise"]), 2)
