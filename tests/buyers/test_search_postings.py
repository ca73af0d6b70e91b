"""The in-memory postings' shortcuts against the plain ways they replace (no database).

`Postings.occurrences(key, only)` reads only some providers' word positions (their
runs found by counting flag bits per byte), `add_values` and `add_ones` add per
provider from packed bits, and `rank_order` avoids a three-key sort: each must
give exactly what the plain computation gives, on made-up data.
"""

import numpy as np
import pytest

from buyers.search.postings import PostingsBuilder, rank_order


def made_up_postings(rng, size: int, keys: int):
    """Postings over `size` providers, some keys dense, some sparse, with word positions
    (some above 255, some providers keeping a key without positions)."""
    builder = PostingsBuilder(size, words=True)
    expected = {}
    for key in range(keys):
        share = rng.choice([0.02, 0.3, 0.9, 1.0])
        holders = np.flatnonzero(rng.random(size) < share).astype(np.int32)
        if not len(holders):
            holders = np.array([int(rng.integers(size))], dtype=np.int32)
        codes = rng.integers(0, 4, len(holders)).astype(np.uint8)
        counts = rng.integers(1, 9, len(holders)).astype(np.int16)
        counts[rng.random(len(holders)) < 0.05] = 0  # kept without positions
        positions = []
        for count in counts:
            high = 16383 if rng.random() < 0.1 else 300
            positions.append(np.sort(rng.choice(np.arange(1, high + 1), count, replace=False)))
        flat = np.concatenate(positions).astype(np.int16) if positions else np.zeros(0, np.int16)
        # The builder takes the providers in any order: shuffle them.
        order = rng.permutation(len(holders))
        starts = np.concatenate(([0], np.cumsum(counts)))
        shuffled = np.concatenate([flat[starts[i] : starts[i + 1]] for i in order])
        builder.add(str(key), holders[order], codes[order], counts[order], shuffled)
        expected[str(key)] = (holders, codes, counts, positions)
    return builder.finish(), expected


@pytest.mark.parametrize("seed", range(5))
def test_occurrences_of_some_providers_are_theirs_from_all(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 700))
    postings, expected = made_up_postings(rng, size, 12)
    assert postings.dense and len(postings.dense) < len(postings.rows)
    for key, (holders, _codes, counts, positions) in expected.items():
        found, lengths, read = postings.occurrences(key)
        assert found.tolist() == holders.tolist()
        assert lengths.tolist() == np.maximum(counts, 1).tolist()
        want = [p.tolist() if len(p) else [0] for p in positions]
        assert read.tolist() == [x for run in want for x in run]
        for share in (0.0, 0.05, 0.5, 0.97, 1.0):
            only = rng.random(size) < share
            some, some_lengths, some_read = postings.occurrences(key, only)
            kept = only[holders]
            assert some.tolist() == holders[kept].tolist()
            assert some_lengths.tolist() == np.maximum(counts, 1)[kept].tolist()
            assert some_read.tolist() == [
                x for run, k in zip(want, kept, strict=True) if k for x in run
            ]


@pytest.mark.parametrize("seed", range(3))
def test_values_and_ones_added_per_provider(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 700))
    postings, expected = made_up_postings(rng, size, 10)
    values = np.array([1, 2, 4, 10], dtype=np.int32)
    for key, (holders, codes, _counts, _positions) in expected.items():
        into = np.full(size, 3, dtype=np.int32)
        postings.add_values(key, values, into)
        want = np.full(size, 3, dtype=np.int32)
        want[holders] += values[codes]
        assert into.tolist() == want.tolist()
        ones = np.full(size, 5, dtype=np.int32)
        postings.add_ones(key, ones)
        want = np.full(size, 5, dtype=np.int32)
        want[holders] += 1
        assert ones.tolist() == want.tolist()


@pytest.mark.parametrize("seed", range(20))
def test_rank_order_is_the_three_key_sort(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(0, 400))
    candidates = np.flatnonzero(rng.random(size) < 0.7)
    choices = [0, 2, 4, 10] if seed % 4 else [0, 1, 12, 300, 40000, -3]
    points = rng.choice(choices, size).astype(np.int32)
    similarity = np.where(rng.random(size) < 0.2, rng.choice([0.3, 0.5, 1.0], size), 0).astype(
        np.float32
    )
    names = np.arange(size, dtype=np.int64) * 1024
    if seed % 3 == 0:  # providers changed since the build moved in the name order
        names = rng.permutation(size).astype(np.int64)
    plain = np.lexsort(
        (names[candidates], -similarity[candidates], -points[candidates].astype(np.int64))
    )
    assert rank_order(candidates, points, similarity, names).tolist() == (
        candidates[plain].tolist()
    )
