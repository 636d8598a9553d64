"""The draw algorithm (双随机), pure and deterministic: the same inputs give the same result on
any machine and any Python 3 (a `random.Random` seeded with a string is seeded through SHA-512,
independent of PYTHONHASHSEED).

1. The enterprise pool is sorted by id; `rng.sample(pool, n)` picks n of them, each subset
   equally likely, in the order drawn.
2. For each enterprise in that order, the eligible inspectors are the pool's (sorted by id)
   minus its exclusions (declared conflicts; with avoid-repeat, the inspectors of its previous
   assignment). k of them are picked one at a time, uniformly among the eligible ones with the
   fewest assignments so far in this draw, which spreads the load evenly and stays random.
3. If an enterprise has fewer than k eligible inspectors the whole draw is refused (not that
   enterprise skipped): skipping would make the published list differ from the sample, and
   the bureau should widen the pool or recheck the declarations instead.

Anyone holding a published draw's inputs can re-run it with `replay()` and get the same
assignments: the seed, the enterprise pool, n, k and each drawn enterprise's eligible inspectors
(step 2's list), which is all step 2 reads. Who was excluded from which enterprise, and why, is
not needed and not published (a declared conflict of interest is personal).
"""

import hashlib
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from core.errors import Refused

ALGORITHM = "v1"
MIN_INSPECTORS = 2  # REGULATIONS.md: at least two inspectors per inspection


@dataclass(frozen=True)
class Pick:
    enterprise_id: int
    inspector_ids: tuple[int, ...]


def rng_for(seed: str) -> random.Random:
    # Not for secrecy: the seed is published so anyone can re-run the draw; the seed itself is
    # made with `secrets` when the user gives none.
    return random.Random(f"anjian-draw-{ALGORITHM}:{seed}")  # noqa: S311


def sample_enterprises(rng: random.Random, pool: Sequence[int], n: int) -> list[int]:
    if n < 1:
        raise Refused("抽取企业数至少为 1")
    if n > len(pool):
        raise Refused(f"抽取企业数（{n}）超过符合条件的企业数（{len(pool)}），请调整范围或数量")
    return rng.sample(sorted(pool), n)


def run(
    seed: str,
    pool: Sequence[int],
    inspectors: Sequence[int],
    n: int,
    k: int,
    exclusions: Mapping[int, Sequence[int]] | Callable[[list[int]], Mapping[int, Sequence[int]]],
    name_of: Callable[[int], str] | None = None,
) -> list[Pick]:
    """Draw n enterprises from `pool` and k inspectors for each from `inspectors`.

    `exclusions` maps an enterprise id to inspector ids it may not get; it may be a function of
    the enterprises drawn (the service looks them up only for those). `name_of` only makes the
    refusal message readable."""
    if k < MIN_INSPECTORS:
        raise Refused(f"每户执法人员不得少于 {MIN_INSPECTORS} 名")
    inspectors = sorted(set(inspectors))
    if len(inspectors) < k:
        raise Refused(f"执法人员库仅有 {len(inspectors)} 名，少于每户所需的 {k} 名")
    rng = rng_for(seed)
    chosen = sample_enterprises(rng, pool, n)
    excluded = exclusions(chosen) if callable(exclusions) else exclusions
    candidates = {}
    for enterprise_id in chosen:
        barred = set(excluded.get(enterprise_id, ()) or excluded.get(str(enterprise_id), ()))
        candidates[enterprise_id] = [i for i in inspectors if i not in barred]
    return _assign(rng, chosen, candidates, k, len(inspectors), name_of)


def candidates_for(inspectors: Sequence[int], exclusions: Mapping, chosen: Sequence[int]):
    """Each drawn enterprise's eligible inspectors, in the order step 2 reads them."""
    inspectors = sorted(set(inspectors))
    return {
        enterprise_id: [
            i for i in inspectors if i not in set(exclusions.get(str(enterprise_id), ()))
        ]
        for enterprise_id in chosen
    }


def replay(
    seed: str, pool: Sequence[int], n: int, k: int, candidates: Mapping[str | int, Sequence[int]]
) -> list[Pick]:
    """Re-run a draw from its published inputs (`candidates`: each drawn enterprise's eligible
    inspectors, keyed by enterprise id)."""
    rng = rng_for(seed)
    chosen = sample_enterprises(rng, pool, n)
    eligible = {int(key): sorted(set(value)) for key, value in candidates.items()}
    missing = [e for e in chosen if e not in eligible]
    if missing:
        raise Refused(f"公开的输入缺少企业（编号 {missing[0]}）的可抽取执法人员")
    return _assign(rng, chosen, eligible, k, None, None)


def _assign(rng, chosen, candidates, k, pool_count, name_of) -> list[Pick]:
    load: dict[int, int] = {}
    picks = []
    for enterprise_id in chosen:
        eligible = list(candidates[enterprise_id])
        if len(eligible) < k:
            name = name_of(enterprise_id) if name_of else f"编号 {enterprise_id}"
            barred = f"（回避或避免重复 {pool_count - len(eligible)} 名）" if pool_count else ""
            raise Refused(
                f"企业“{name}”可抽取的执法人员仅 {len(eligible)} 名{barred}，"
                f"少于每户 {k} 名，本次抽取未执行"
            )
        picked = []
        for _ in range(k):
            lowest = min(load.get(i, 0) for i in eligible)
            fewest = [i for i in eligible if load.get(i, 0) == lowest]
            inspector = fewest[rng.randrange(len(fewest))]
            picked.append(inspector)
            load[inspector] = load.get(inspector, 0) + 1
            eligible.remove(inspector)
        picks.append(Pick(enterprise_id, tuple(picked)))
    return picks


def canonical_exclusions(exclusions: Mapping) -> dict[str, list[int]]:
    return {
        str(key): sorted(int(v) for v in values)
        for key, values in sorted(exclusions.items(), key=lambda item: int(item[0]))
        if values
    }


def _sha(value) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def inputs_hash(seed, pool, inspectors, n, k, exclusions) -> str:
    return _sha(
        {
            "algorithm": ALGORITHM,
            "seed": seed,
            "pool": ",".join(str(i) for i in sorted(pool)),
            "inspectors": sorted(inspectors),
            "n": n,
            "k": k,
            "exclusions": canonical_exclusions(exclusions),
        }
    )


def result_hash(picks: Sequence[Pick]) -> str:
    return _sha([[p.enterprise_id, list(p.inspector_ids)] for p in picks])
