"""Two-character substring search on PostgreSQL, used only where the term is rare.

pg_trgm indexes answer LIKE '%…%' for three characters or more; a term of two (a Chinese word,
two pinyin initials) has no trigram, and its LIKE reads every row. A GIN index of each text's
two-character substrings (`anjian_bigrams`, created by the migrations that index a column this
way) finds the rows that hold a rare pair at once, but a common pair is faster found by walking
the list's order index and stopping after a page (a bigram index tried for every term made the
common ones slower). So a search asks `is_rare` first: PostgreSQL's own statistics of the
indexed expression (pg_stats.most_common_elems, gathered by ANALYZE) give each common pair's
share of the rows; a pair that is not listed is rarer than the rarest listed one.
"""

import time

from django.contrib.postgres.fields import ArrayField
from django.db import connections, models

BIGRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION anjian_bigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, i, 2)), '{}')
    FROM generate_series(1, char_length(value) - 1) AS i
$$
"""

# A pair in fewer than this share of the rows is looked up in the bigram index. Where it is
# more, walking the list order finds a page (and the capped count its 1,001 rows) within about
# 1,001 / share rows, fewer than the share × rows the index would fetch: the two cross near
# √(1,001 / rows), 3 % at a million rows.
RARE_SHARE = 0.03
STATISTICS_SECONDS = 600

_statistics: dict[tuple[str, str], tuple[float, dict[str, float], float]] = {}


class Bigrams(models.Func):
    function = "anjian_bigrams"
    output_field = ArrayField(models.TextField())


def _common_pairs(index: str, using: str) -> tuple[dict[str, float], float] | None:
    key = (using, index)
    cached = _statistics.get(key)
    if cached and time.monotonic() - cached[0] < STATISTICS_SECONDS:
        return cached[1], cached[2]
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = %s",
            [index],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None  # not analyzed yet
    elements, shares = row
    # After one share per element come the minimum, the maximum and the share of NULLs.
    common = dict(zip(elements, shares, strict=False))
    floor = shares[len(elements)] if len(shares) > len(elements) else 0.0
    _statistics[key] = (time.monotonic(), common, floor)
    return common, floor


# A lookup that wants every match, not a page (the enterprises whose names hold a word, for the
# ledger's search), has no order to walk: the index serves it unless the pair is in most rows.
ALL_MATCHES_SHARE = 0.3


def is_rare(index: str, pair: str, using: str = "default", share: float = RARE_SHARE) -> bool:
    """Whether the two-character `pair` is in fewer than `share` of the rows that the bigram
    index `index` covers, by its statistics; False without them (and off PostgreSQL)."""
    if len(pair) != 2 or connections[using].vendor != "postgresql":
        return False
    statistics = _common_pairs(index, using)
    if statistics is None:
        return False
    common, floor = statistics
    return common.get(pair, floor) < share


def clear_cache() -> None:
    _statistics.clear()
