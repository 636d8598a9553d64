"""What a long-running server process (the WSGI app's workers, the MQTT ingest worker) sets for
itself once it is loaded."""

import gc

# Collections of the youngest generation every this many net allocations (CPython's default:
# 700). Ingestion allocates a few objects per reading, so at the default a collection ran every
# few hundred readings and, each tenth or hundredth time, walked every object the process holds
# (its memo of thousands of points among them): a fifth of an MQTT worker's CPU. Objects that are
# not in reference cycles are freed at once either way; cycles wait a little longer (the older
# generations every 20 and 200 young collections: 2 and 20 million allocations).
YOUNGEST = 100_000


def tune_garbage_collection() -> None:
    """Move what is loaded so far (modules, settings, URL patterns) out of the collector's sight
    and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNGEST, 20, 10)
