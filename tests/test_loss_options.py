"""Loss options checked against PyTorch: class weights and ignore_index of CrossEntropyLoss
and NLLLoss, BCEWithLogitsLoss's pos_weight, SmoothL1Loss and KLDivLoss, values and
gradients for every reduction."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

REDUCTIONS = ("mean", "sum", "none")
WEIGHT = np.array([0.2, 1.5, 0.7, 2.0])


def _compare(torch, ours, theirs, x, target, t_target, dtype=np.float64, rtol=1e-10):  # type: ignore[no-untyped-def]
    """Value and gradient of ``ours(x, target)`` against ``theirs`` (a torch loss)."""
    xt = mg.Tensor(x.astype(dtype), requires_grad=True)
    out = ours(xt, target)
    tx = torch.tensor(x.astype(dtype), requires_grad=True)
    t_out = theirs(tx, t_target)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=rtol, atol=1e-12)
    upstream = np.linspace(0.5, 1.5, out.size).reshape(out.shape).astype(dtype)
    out.backward(upstream)
    t_out.backward(torch.tensor(upstream))
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=rtol, atol=1e-12)
    assert out.dtype == dtype and xt.grad.dtype == dtype


def _logits(shape, seed=0):  # type: ignore[no-untyped-def]
    return np.random.default_rng(seed).normal(size=shape) * 2.0


# --------------------------------------------------------------------------- class weights


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5)])
def test_cross_entropy_weight_and_ignore_index_match_torch(torch, reduction, smoothing, shape):
    x = _logits(shape)
    labels_shape = shape[:1] + shape[2:]
    y = np.random.default_rng(1).integers(0, 4, size=labels_shape)
    y.flat[1] = -100  # ignored by default
    y.flat[3] = -100
    for weight in (None, WEIGHT):
        kwargs = dict(reduction=reduction, label_smoothing=smoothing)
        ours = nn.CrossEntropyLoss(weight=weight, **kwargs)
        theirs = torch.nn.CrossEntropyLoss(
            weight=None if weight is None else torch.tensor(weight), **kwargs)
        _compare(torch, ours, theirs, x, y, torch.tensor(y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_custom_ignore_index_and_float32(torch, reduction):
    x = _logits((5, 4))
    y = np.array([0, 2, 3, 2, 1])
    ours = nn.CrossEntropyLoss(weight=WEIGHT, ignore_index=2, reduction=reduction)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(WEIGHT, dtype=torch.float32),
                                       ignore_index=2, reduction=reduction)
    _compare(torch, ours, theirs, x, y, torch.tensor(y), dtype=np.float32, rtol=1e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_weight_with_probability_targets(torch, reduction, smoothing):
    x = _logits((5, 4), seed=3)
    q = np.random.default_rng(4).dirichlet(np.ones(4), size=5)
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)
    ours = nn.CrossEntropyLoss(weight=WEIGHT, **kwargs)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(WEIGHT), **kwargs)
    _compare(torch, ours, theirs, x, q, torch.tensor(q))


def test_weight_of_zero_on_the_true_class_keeps_the_smoothing_terms(torch):
    x = _logits((3, 4), seed=5)
    y = np.array([0, 1, 2])
    weight = np.array([0.0, 1.0, 2.0, 3.0])
    ours = nn.CrossEntropyLoss(weight=weight, label_smoothing=0.3)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(weight), label_smoothing=0.3)
    _compare(torch, ours, theirs, x, y, torch.tensor(y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 4), (4,), (2, 4, 3)])
def test_nll_weight_and_ignore_index_match_torch(torch, reduction, shape):
    x = _logits(shape, seed=6)
    log_p = x - np.log(np.exp(x).sum(axis=1 if len(shape) > 1 else 0, keepdims=True))
    labels_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    y = np.asarray(np.random.default_rng(7).integers(0, 4, size=labels_shape))
    if y.ndim:
        y.flat[0] = -1
    for weight in (None, WEIGHT):
        ours = nn.NLLLoss(weight=weight, ignore_index=-1, reduction=reduction)
        theirs = torch.nn.NLLLoss(weight=None if weight is None else torch.tensor(weight),
                                  ignore_index=-1, reduction=reduction)
        _compare(torch, ours, theirs, log_p, y, torch.tensor(y))


def test_every_target_ignored_gives_nan_mean_and_zero_gradient(torch):
    x = _logits((2, 3))
    y = np.array([-100, -100])
    for ours, theirs in ((nn.NLLLoss(), torch.nn.NLLLoss()),
                         (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss())):
        xt = mg.Tensor(x, requires_grad=True)
        out = ours(xt, y)
        tx = torch.tensor(x, requires_grad=True)
        t_out = theirs(tx, torch.tensor(y))
        assert np.isnan(out.item()) and np.isnan(t_out.item())
        out.backward()
        t_out.backward()
        np.testing.assert_array_equal(xt.grad, tx.grad.numpy())


def test_class_weight_errors_name_the_class():
    with pytest.raises(ValueError, match=r"CrossEntropyLoss: weight must hold one number per "
                                         r"class, \(3,\) for 3 classes, got shape \(4,\)"):
        nn.CrossEntropyLoss(weight=WEIGHT)(np.zeros((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"NLLLoss: weight must hold one number per class "
                                         r"\(shape \(C,\)\)"):
        nn.NLLLoss(weight=np.ones((2, 2)))
    with pytest.raises(TypeError, match="NLLLoss: ignore_index must be an integer"):
        nn.NLLLoss(ignore_index=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="CrossEntropyLoss: ignore_index=1 is not supported "
                                         "with class-probability targets"):
        nn.CrossEntropyLoss(ignore_index=1)(np.zeros((2, 3)), np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        nn.NLLLoss()(np.zeros((2, 3)), np.array([-1, 0]))  # -1 is not the ignore_index
    with pytest.raises(TypeError):
        nn.CrossEntropyLoss(WEIGHT)  # type: ignore[misc]  # keyword arguments only


def test_class_weight_accepts_a_tensor_and_shows_in_repr():
    loss = nn.NLLLoss(weight=mg.Tensor([1.0, 2.0]), ignore_index=0)
    assert repr(loss) == "NLLLoss(weight=[1.0, 2.0], ignore_index=0, reduction='mean')"
    assert "label_smoothing=0.0" in repr(nn.CrossEntropyLoss())


# --------------------------------------------------------------------------- pos_weight


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_pos_weight_per_class(torch, reduction):
    x = _logits((5, 3), seed=8)
    y = (np.random.default_rng(9).random((5, 3)) > 0.5).astype(float)
    pos = np.array([0.5, 2.0, 3.0])
    w = np.array([1.0, 0.3, 2.0])
    ours = nn.BCEWithLogitsLoss(weight=w, pos_weight=pos, reduction=reduction)
    theirs = torch.nn.BCEWithLogitsLoss(weight=torch.tensor(w), pos_weight=torch.tensor(pos),
                                        reduction=reduction)
    _compare(torch, ours, theirs, x, y, torch.tensor(y))


# --------------------------------------------------------------------------- SmoothL1Loss


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0, 0.0])
def test_smooth_l1_matches_torch(torch, reduction, beta):
    x = _logits((4, 3), seed=10)
    y = _logits((4, 3), seed=11)
    x[0, 0] = y[0, 0]  # d == 0
    x[0, 1] = y[0, 1] + beta  # |d| == beta
    ours = nn.SmoothL1Loss(beta=beta, reduction=reduction)
    theirs = torch.nn.SmoothL1Loss(beta=beta, reduction=reduction)
    _compare(torch, ours, theirs, x, y, torch.tensor(y))


def test_smooth_l1_keeps_float32_and_checks_beta():
    out = nn.SmoothL1Loss()(mg.Tensor(np.ones(2, np.float32)), np.zeros(2))
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match="SmoothL1Loss: beta must be a number >= 0"):
        nn.SmoothL1Loss(beta=-1.0)
    with pytest.raises(TypeError, match="SmoothL1Loss: beta must be a number"):
        nn.SmoothL1Loss(beta="1")  # type: ignore[arg-type]
    assert repr(nn.SmoothL1Loss(beta=0.5)) == "SmoothL1Loss(beta=0.5, reduction='mean')"


# --------------------------------------------------------------------------- KLDivLoss


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(torch, reduction, log_target):
    x = _logits((4, 5), seed=12)
    log_p = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    q = np.random.default_rng(13).dirichlet(np.ones(5), size=4)
    q[0, 2] = 0.0  # 0 log 0 = 0
    target = np.log(q + 1e-3) if log_target else q
    ours = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    theirs = torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)
    with warnings.catch_warnings():
        # torch warns on reduction="mean" at every call; KLDivLoss here only documents it.
        warnings.filterwarnings("ignore", message=".*reduction: 'mean'", category=UserWarning)
        _compare(torch, ours, theirs, log_p, target, torch.tensor(target))


def test_kl_div_batchmean_is_the_mean_kl_divergence():
    p = np.array([[0.5, 0.5], [0.9, 0.1]])
    q = np.array([[0.25, 0.75], [0.5, 0.5]])
    out = nn.KLDivLoss(reduction="batchmean")(np.log(p), q)
    expected = np.mean([(qi * np.log(qi / pi)).sum() for pi, qi in zip(p, q)])
    assert out.item() == pytest.approx(expected, rel=1e-12)


def test_kl_div_checks_its_options():
    with pytest.raises(ValueError, match="KLDivLoss: reduction must be 'mean', 'batchmean'"):
        nn.KLDivLoss(reduction="avg")
    with pytest.raises(TypeError, match="KLDivLoss: log_target must be a bool"):
        nn.KLDivLoss(log_target="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="KLDivLoss: prediction shape"):
        nn.KLDivLoss()(np.zeros((2, 3)), np.zeros(3))
    assert repr(nn.KLDivLoss()) == "KLDivLoss(reduction='mean', log_target=False)"
