"""The draw algorithm alone: reproducible, fair, never a recused inspector, never fewer than
two."""

from collections import Counter

import pytest
from scipy.stats import chisquare

from core.errors import Refused
from enforcement.plans import draw

POOL = list(range(1, 51))
INSPECTORS = list(range(1001, 1021))


def test_same_seed_same_result_and_other_seed_differs():
    first = draw.run("abc", POOL, INSPECTORS, 5, 2, {})
    again = draw.run("abc", list(reversed(POOL)), list(reversed(INSPECTORS)), 5, 2, {})
    assert first == again  # the input order does not matter: both pools are sorted
    assert draw.run("abd", POOL, INSPECTORS, 5, 2, {}) != first
    assert draw.result_hash(first) == draw.result_hash(again)


def test_known_result_is_stable_across_releases():
    # A fixed vector: if this changes, published draws can no longer be verified.
    picks = draw.run("anjian", POOL, INSPECTORS, 3, 2, {})
    assert [p.enterprise_id for p in picks] == KNOWN_ENTERPRISES
    assert [p.inspector_ids for p in picks] == KNOWN_INSPECTORS


KNOWN_ENTERPRISES = [5, 33, 24]
KNOWN_INSPECTORS = [(1017, 1014), (1008, 1015), (1002, 1018)]


def test_never_recused_never_fewer_than_two_and_distinct():
    exclusions = {e: INSPECTORS[: 17 - (e % 5)] for e in POOL}  # leaves 3 to 7 eligible
    for seed in range(200):
        for pick in draw.run(str(seed), POOL, INSPECTORS, 10, 2, exclusions):
            assert len(pick.inspector_ids) == 2
            assert len(set(pick.inspector_ids)) == 2
            assert not set(pick.inspector_ids) & set(exclusions[pick.enterprise_id])


def test_load_is_balanced():
    picks = draw.run("load", POOL, INSPECTORS, 30, 2, {})
    load = Counter(i for p in picks for i in p.inspector_ids)
    assert max(load.values()) - min(load.values()) <= 1
    assert sum(load.values()) == 60


def test_refusals():
    with pytest.raises(Refused, match="不得少于 2 名"):
        draw.run("s", POOL, INSPECTORS, 5, 1, {})
    with pytest.raises(Refused, match="超过符合条件的企业数（50）"):
        draw.run("s", POOL, INSPECTORS, 51, 2, {})
    with pytest.raises(Refused, match="执法人员库仅有 1 名"):
        draw.run("s", POOL, [7], 5, 2, {})
    everyone_but_one = {e: INSPECTORS[1:] for e in POOL}
    with pytest.raises(Refused, match="可抽取的执法人员仅 1 名"):
        draw.run("s", POOL, INSPECTORS, 1, 2, everyone_but_one, lambda e: f"企业{e}")


def test_enterprise_selection_is_uniform_chi_square():
    """2,000 draws of 5 from 50 with a fixed seed sequence: each enterprise is drawn about 200
    times; the chi-square test does not reject uniformity (p > 0.01)."""
    counts = Counter()
    for i in range(2000):
        for pick in draw.run(f"chi-{i}", POOL, INSPECTORS, 5, 2, {}):
            counts[pick.enterprise_id] += 1
    observed = [counts[e] for e in POOL]
    assert sum(observed) == 10000
    statistic, p_value = chisquare(observed)
    assert p_value > 0.01, (statistic, p_value)
    # and not suspiciously perfect either (a deterministic round-robin would give 0)
    assert statistic > 10


def test_inspector_selection_is_uniform_chi_square():
    counts = Counter()
    for i in range(2000):
        for pick in draw.run(f"chi-i-{i}", POOL, INSPECTORS, 1, 2, {}):
            counts.update(pick.inspector_ids)
    statistic, p_value = chisquare([counts[i] for i in INSPECTORS])
    assert p_value > 0.01, (statistic, p_value)


def test_inputs_hash_changes_with_any_input():
    base = draw.inputs_hash("s", POOL, INSPECTORS, 5, 2, {3: [1001]})
    assert base == draw.inputs_hash("s", POOL[::-1], INSPECTORS, 5, 2, {"3": [1001]})
    assert base != draw.inputs_hash("t", POOL, INSPECTORS, 5, 2, {3: [1001]})
    assert base != draw.inputs_hash("s", POOL[1:], INSPECTORS, 5, 2, {3: [1001]})
    assert base != draw.inputs_hash("s", POOL, INSPECTORS, 5, 2, {3: [1002]})


def test_the_published_candidates_replay_every_draw_exactly():
    # Published inputs carry each drawn enterprise's eligible inspectors, not the exclusions:
    # replaying from them gives the same result as the draw itself, for any seed.
    exclusions = {str(e): INSPECTORS[: 17 - (e % 5)] for e in POOL}
    for seed in range(200):
        picks = draw.run(str(seed), POOL, INSPECTORS, 10, 3, exclusions)
        chosen = [p.enterprise_id for p in picks]
        candidates = draw.candidates_for(INSPECTORS, exclusions, chosen)
        published = {str(key): value for key, value in candidates.items()}
        assert draw.replay(str(seed), POOL, 10, 3, published) == picks
    assert draw.run("anjian", POOL, INSPECTORS, 3, 2, {}) == draw.replay(
        "anjian", POOL, 3, 2, {str(e): INSPECTORS for e in KNOWN_ENTERPRISES}
    )


def test_replay_refuses_inputs_missing_a_drawn_enterprise():
    with pytest.raises(Refused, match="缺少企业"):
        draw.replay("anjian", POOL, 3, 2, {str(KNOWN_ENTERPRISES[0]): INSPECTORS})
