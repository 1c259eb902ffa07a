"""Featurizer and EmotionHead: layer weights, shapes, label smoothing."""
import torch
import torch.nn.functional as F

from training.heads import EmotionHead, Featurizer
from training.train import label_smoothed_ce


def test_featurizer_starts_uniform_and_weights_sum_to_one():
    f = Featurizer(5)
    torch.testing.assert_close(f.norm_weights(), torch.full((5,), 0.2))
    with torch.no_grad():
        f.weights.copy_(torch.tensor([3.0, -1.0, 0.5, 2.0, 0.0]))
    w = f.norm_weights()
    torch.testing.assert_close(w.sum(), torch.tensor(1.0))
    hidden = torch.randn(2, 5, 7, 4)
    expected = sum(w[i] * hidden[:, i] for i in range(5))
    torch.testing.assert_close(f(hidden), expected)


def test_head_output_shapes():
    for pooling, size in [("mean", 256), ("meanstd", 512), ("cp", 32640), ("corrap", 32640)]:
        head = EmotionHead(num_layers=3, dim=20, num_classes=4, pooling=pooling).eval()
        assert head.classifier.in_features == size
        out = head(torch.randn(2, 3, 9, 20), torch.tensor([9, 5]))
        assert out.shape == (2, 4)


def test_label_smoothing_zero_is_plain_ce_and_positive_matches_formula():
    logits, target = torch.randn(6, 4), torch.tensor([0, 1, 2, 3, 1, 0])
    torch.testing.assert_close(label_smoothed_ce(logits, target, 0.0), F.nll_loss(F.log_softmax(logits, -1), target))
    eps = 0.1
    logp = F.log_softmax(logits, -1)
    q = torch.full_like(logp, eps / 4)
    q[torch.arange(6), target] += 1 - eps
    torch.testing.assert_close(label_smoothed_ce(logits, target, eps), -(q * logp).sum(1).mean())
