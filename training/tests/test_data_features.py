"""Feature cache: one upstream run per utterance, fp16 [L, T, D] on disk, reused afterwards."""
import numpy as np
import pytest
import torch

from training.data import load_emodb
from training.features import extract_features
from training.upstream.base import Upstream, UpstreamInfo


class FramesUpstream(Upstream):
    """[1, S] -> [3, S // 320, 4]: frame mean/abs-mean/max/min per layer scale (counts calls)."""

    info = UpstreamInfo(name="frames", kind="test", num_layers=3, dim=4, downsample_rate=320, min_samples=320,
                        normalization="none", licence="MIT", provenance="test")

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, waveform):
        self.calls += 1
        frames = waveform[0, : waveform.shape[1] // 320 * 320].reshape(-1, 320)
        feats = torch.stack([frames.mean(1), frames.abs().mean(1), frames.max(1).values, frames.min(1).values], -1)
        return torch.stack([feats, 2 * feats, 3 * feats])


def test_features_cached_once_as_fp16(tmp_path, emodb_dir):
    utts = [u for u in load_emodb(emodb_dir, "4") if u.speaker == "03"][:3]
    up = FramesUpstream()
    store = extract_features(up, utts, tmp_path, "frames/emodb", progress=False)
    assert up.calls == 3 and (store.num_layers, store.dim) == (3, 4)
    arr = store.get(utts[0].id)
    assert (tmp_path / "frames" / "emodb" / f"{utts[0].id}.npy").is_file()
    assert arr.dtype == np.float16 and arr.shape == (3, 100, 4)  # EmoDB files are 2.00 s at 16 kHz
    from training.features import read_wav_16k_mono

    ref = up(torch.from_numpy(read_wav_16k_mono(utts[0].path))[None]).numpy()
    np.testing.assert_allclose(arr.astype(np.float32), ref, rtol=1e-3, atol=1e-4)
    t = store.tensor(utts[0].id)
    assert t.dtype == torch.float32 and torch.equal(t, torch.from_numpy(arr.astype(np.float32)))
    up.calls = 0
    extract_features(up, utts, tmp_path, "frames/emodb", progress=False)
    assert up.calls == 0  # everything came from the cache
    assert not list((tmp_path / "frames" / "emodb").glob("*.tmp.npy"))


def test_too_short_audio_fails_clearly(tmp_path, emodb_dir):
    import soundfile as sf

    sf.write(tmp_path / "short.wav", np.zeros(100, dtype=np.float32), 16000)
    utt = load_emodb(emodb_dir, "4")[0]
    utt.path, utt.id = tmp_path / "short.wav", "short"
    with pytest.raises(ValueError, match="at least 320"):
        extract_features(FramesUpstream(), [utt], tmp_path, "frames", progress=False)


def test_large_feature_sets_stay_out_of_ram(tmp_path, monkeypatch):
    from training.data import Utterance
    from training.features import FeatureStore
    from training.train import collate

    for i, t in enumerate((5, 7)):
        np.save(tmp_path / f"u{i}.npy", np.random.default_rng(i).standard_normal((2, t, 3)).astype(np.float16))
    utts = [Utterance(f"u{i}", tmp_path, "a", "s", "s") for i in range(2)]
    ref, _ = collate(FeatureStore(tmp_path, ["u0", "u1"]), utts)
    for f32_limit, f16_limit, dtype, kept in ((0, 1 << 20, torch.float16, True), (0, 0, torch.float16, False)):
        monkeypatch.setattr(FeatureStore, "RAM_FLOAT32_LIMIT", f32_limit)
        monkeypatch.setattr(FeatureStore, "RAM_FP16_LIMIT", f16_limit)
        store = FeatureStore(tmp_path, ["u0", "u1"])
        assert store.tensor("u0").dtype == dtype and bool(store._ram) == kept
        batch, lengths = collate(store, utts)
        assert batch.dtype == torch.float32 and lengths.tolist() == [5, 7]
        assert torch.equal(batch, ref)
