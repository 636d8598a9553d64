from enforcement.models import PenaltyState, pack_ids, unpack_ids


def test_penalty_states_loaded(db):
    assert list(PenaltyState.objects.values_list("code", flat=True)) == [
        "filed",
        "notified",
        "decided",
        "executed",
        "closed",
    ]


def test_pool_packing_round_trips():
    ids = [3, 4, 9, 1000, 1001, 250000]
    assert unpack_ids(pack_ids(ids)) == ids
    assert unpack_ids(b"") == []
