"""Monthly partitions of the readings table on PostgreSQL (migration 0001 makes the table
partitioned by range of ts). A partition is created the first time a month is written, under a
savepoint of the ingestion batch (and remembered only once that commits); the daily task
(monitoring.tasks) makes next month's ahead of time."""

from datetime import UTC, date, datetime

from django.db import connection, transaction

_known: set[tuple[int, int]] = set()


def month_of(moment: datetime) -> tuple[int, int]:
    moment = moment.astimezone(UTC)
    return moment.year, moment.month


def _bounds(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return start, end


def name(year: int, month: int) -> str:
    return f"monitoring_reading_p{year:04d}{month:02d}"


def ensure(months) -> None:
    """Make sure a partition exists for each (year, month); a no-op on SQLite."""
    if connection.vendor != "postgresql":
        return
    missing = sorted(set(months) - _known)
    for year, month in missing:
        start, end = _bounds(year, month)
        # Two workers may meet here: the advisory lock lets one create the partition and the
        # other find it made.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('monitoring_reading'))")
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {name(year, month)} PARTITION OF monitoring_reading "
                f"FOR VALUES FROM ('{start} 00:00+00') TO ('{end} 00:00+00')"
            )
        # Remembered once it is committed: inside a batch's transaction that is rolled back
        # (a database error, a poison message) the partition is gone again.
        transaction.on_commit(lambda key=(year, month): _known.add(key))


def forget() -> None:
    """Drop the memo of made partitions (tests that roll the database back use it)."""
    _known.clear()


def discard(key: tuple[int, int]) -> None:
    """Forget one month's partition (monitoring.rollups.retention dropped it)."""
    _known.discard(key)
