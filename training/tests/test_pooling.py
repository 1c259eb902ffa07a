"""Every pooling against a straightforward NumPy reference (loops over frames)."""
import numpy as np
import pytest
import torch

from training.heads import EmotionHead, build_pooling, lengths_to_mask
from training.heads.pooling import AttentiveCorrelationPooling

torch.manual_seed(0)


def ref_weighted_corr(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x [T, C] (valid frames only), w [T] summing to 1 -> strict upper triangle, row-major."""
    t, c = x.shape
    mu = np.zeros(c)
    for i in range(t):
        mu += w[i] * x[i]
    cov = np.zeros((c, c))
    for i in range(t):
        d = x[i] - mu
        cov += w[i] * np.outer(d, d)
    sd = np.sqrt(np.diag(cov) + 1e-9)
    corr = cov / np.outer(sd, sd)
    return np.array([corr[i, j] for i in range(c) for j in range(i + 1, c)])


def ref_pool(name: str, x: np.ndarray, pool) -> np.ndarray:
    """Reference pooling of ONE utterance x [T, C] (valid frames only)."""
    t, c = x.shape
    if name == "mean":
        return sum(x[i] for i in range(t)) / t
    if name == "meanstd":
        mu = sum(x[i] for i in range(t)) / t
        var = sum((x[i] - mu) ** 2 for i in range(t)) / t
        return np.concatenate([mu, np.sqrt(var + 1e-9)])
    if name == "cp":
        return ref_weighted_corr(x, np.full(t, 1.0 / t))
    # corrap: attention MLP, logsumexp over heads, softmax over frames
    lin1, lin2 = pool.attention[0], pool.attention[2]
    w1, b1 = lin1.weight.detach().double().numpy(), lin1.bias.detach().double().numpy()
    w2, b2 = lin2.weight.detach().double().numpy(), lin2.bias.detach().double().numpy()
    logits = np.zeros(t)
    for i in range(t):
        h = np.maximum(w1 @ x[i] + b1, 0.0)
        a = w2 @ h + b2
        logits[i] = np.log(np.sum(np.exp(a)))
    w = np.exp(logits - logits.max())
    return ref_weighted_corr(x, w / w.sum())


@pytest.mark.parametrize("name", ["mean", "meanstd", "cp", "corrap"])
def test_pooling_matches_numpy_reference_with_padding(name):
    c, lengths = 16, [9, 5, 7]
    pool = build_pooling(name, c).eval()
    x = torch.randn(3, max(lengths), c) * 2 + 0.5
    mask = lengths_to_mask(torch.tensor(lengths), max(lengths))
    with torch.no_grad():
        out = pool(x, mask).numpy()
    assert out.shape == (3, pool.output_size)
    for b, n in enumerate(lengths):
        ref = ref_pool(name, x[b, :n].double().numpy(), pool)
        np.testing.assert_allclose(out[b], ref, atol=2e-5, rtol=0)


@pytest.mark.parametrize("name", ["cp", "corrap"])
def test_correlation_size_and_range(name):
    pool = build_pooling(name, 256).eval()
    with torch.no_grad():
        out = pool(torch.randn(2, 40, 256), None)
    assert pool.output_size == 32640 and out.shape == (2, 32640)
    assert out.abs().max() <= 1.0 + 1e-5
    # No diagonal in the output: a perfectly correlated pair shows up exactly once as +1.
    x = torch.randn(1, 50, 256)
    x[..., 1] = 3 * x[..., 0] + 1
    with torch.no_grad():
        out = build_pooling("cp", 256)(x, None)[0]
    assert (out > 1 - 1e-5).sum() == 1 and out[0] > 1 - 1e-5  # index 0 = pair (0, 1)


@pytest.mark.parametrize("name", ["mean", "meanstd", "cp", "corrap"])
@pytest.mark.parametrize("fill", ["zeros", "random"])
def test_padding_never_changes_outputs(name, fill):
    torch.manual_seed(1)
    head = EmotionHead(num_layers=3, dim=12, num_classes=4, pooling=name, proj_dim=16).eval()
    lengths = torch.tensor([6, 11, 4])
    hidden = torch.randn(3, 3, 11, 12)
    for b, n in enumerate(lengths):
        hidden[b, :, n:] = 0
    extra = 9
    pad = torch.zeros(3, 3, extra, 12) if fill == "zeros" else torch.randn(3, 3, extra, 12) * 50
    padded = torch.cat([hidden, pad], dim=2)
    if fill == "random":  # garbage also inside each utterance's own padding region
        for b, n in enumerate(lengths):
            padded[b, :, n:] = torch.randn(3, 11 + extra - n, 12) * 50
    with torch.no_grad():
        a = head(hidden, lengths)
        b_ = head(padded, lengths)
        singles = torch.cat([head(hidden[i : i + 1, :, :n], lengths[i : i + 1]) for i, n in enumerate(lengths)])
    torch.testing.assert_close(a, b_, atol=1e-5, rtol=0)
    torch.testing.assert_close(a, singles, atol=1e-5, rtol=0)


def test_corrap_attention_is_masked_and_dropout_only_in_training():
    pool = AttentiveCorrelationPooling(8, dropout=0.5)
    x = torch.randn(2, 10, 8)
    mask = lengths_to_mask(torch.tensor([10, 3]), 10)
    w = pool.attention_weights(x, mask)
    assert torch.all(w[1, 3:] == 0)
    torch.testing.assert_close(w.sum(1), torch.ones(2))
    pool.eval()
    with torch.no_grad():
        assert torch.equal(pool(x, mask), pool(x, mask))
    pool.train()
    torch.manual_seed(0)
    with torch.no_grad():
        assert not torch.allclose(pool(x, mask), pool(x, mask))


def test_unknown_pooling_is_rejected():
    with pytest.raises(ValueError, match="unknown pooling"):
        build_pooling("__import__('os')", 8)
