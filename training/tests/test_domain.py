"""Domain statistics: frame sums, the page's running estimate, and per-speaker sessions."""
from types import SimpleNamespace

import numpy as np

from training.domain import FrameSums, running_stats, session_stats


def _clips(rng, n_frames):
    return [rng.normal(size=(2, t, 3)).astype(np.float32) for t in n_frames]


def test_frame_sums_give_the_mean_and_std_of_all_frames():
    rng = np.random.default_rng(0)
    clips = _clips(rng, [5, 9, 2])
    mean, std = FrameSums.total([FrameSums.of(c) for c in clips]).mean_std()
    frames = np.concatenate(clips, axis=1)
    assert np.allclose(mean, frames.mean(1), atol=1e-6) and np.allclose(std, frames.std(1), atol=1e-6)


def test_running_stats_start_at_the_prior_and_weigh_it_as_frames():
    rng = np.random.default_rng(1)
    pm, ps = rng.normal(size=(2, 3)).astype(np.float32), rng.uniform(0.5, 2, size=(2, 3)).astype(np.float32)
    m0, s0 = running_stats(pm, ps, 500.0, None)
    assert np.allclose(m0, pm) and np.allclose(s0, ps)
    clip = _clips(rng, [500])[0]
    m1, _ = running_stats(pm, ps, 500.0, FrameSums.of(clip))
    assert np.allclose(m1, (pm + clip.mean(1)) / 2, atol=1e-5)  # equal weights: 500 prior frames, 500 heard


def test_session_stats_add_each_clip_before_it_is_classified_in_a_seeded_order():
    rng = np.random.default_rng(2)
    clips = _clips(rng, [4, 6, 8, 3, 5])
    sums = [FrameSums.of(c) for c in clips]
    utts = [SimpleNamespace(id=f"u{i}", speaker="a" if i < 3 else "b") for i in range(5)]
    prior = (np.zeros((2, 3), np.float32), np.ones((2, 3), np.float32))
    stats, position = session_stats(utts, range(5), sums, prior, seed=3, prior_frames=10.0)
    assert sorted(position[u.id] for u in utts if u.speaker == "a") == [0, 1, 2]
    assert sorted(position[u.id] for u in utts if u.speaker == "b") == [0, 1]
    for u, s in zip(utts, sums):
        same = [i for i, v in enumerate(utts) if v.speaker == u.speaker and position[v.id] <= position[u.id]]
        expected = running_stats(*prior, 10.0, FrameSums.total([sums[i] for i in same]))
        assert np.allclose(stats[u.id][0], expected[0]) and np.allclose(stats[u.id][1], expected[1])
    again, _ = session_stats(utts, range(5), sums, prior, seed=3, prior_frames=10.0)
    assert all(np.array_equal(again[u.id][0], stats[u.id][0]) for u in utts)


def test_session_stats_of_previous_clips_only_start_from_the_prior():
    rng = np.random.default_rng(4)
    sums = [FrameSums.of(c) for c in _clips(rng, [4, 6, 8])]
    utts = [SimpleNamespace(id=f"u{i}", speaker="a") for i in range(3)]
    prior = (np.zeros((2, 3), np.float32), np.ones((2, 3), np.float32))
    stats, position = session_stats(utts, range(3), sums, prior, seed=5, prior_frames=10.0, include_current=False)
    order = sorted(range(3), key=lambda i: position[f"u{i}"])
    assert np.allclose(stats[f"u{order[0]}"][0], 0) and np.allclose(stats[f"u{order[0]}"][1], 1)
    expected = running_stats(*prior, 10.0, FrameSums.total([sums[order[0]], sums[order[1]]]))
    assert np.allclose(stats[f"u{order[2]}"][0], expected[0])
