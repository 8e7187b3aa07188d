"""Dropout and BatchNorm1d: the layers whose behaviour differs between training and eval."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn
from minigrad.testing import arrays

# --------------------------------------------------------------------------- Dropout


def test_dropout_eval_is_identity_for_values_and_gradients():
    layer = nn.Dropout(0.7, rng=0).eval()
    x = mg.Tensor(np.random.default_rng(0).normal(size=(5, 4)), requires_grad=True)
    out = layer(x)
    np.testing.assert_array_equal(out.data, x.data)
    upstream = np.random.default_rng(1).normal(size=(5, 4))
    out.backward(upstream)
    np.testing.assert_array_equal(x.grad, upstream)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_training_keeps_the_mean_and_scales_exactly(p):
    layer = nn.Dropout(p, rng=0)
    x = np.random.default_rng(2).uniform(0.5, 2.0, size=(200, 100))
    out = layer(x).data
    kept = out != 0
    assert abs(1 - kept.mean() - p) < 0.01
    np.testing.assert_array_equal(out[kept], x[kept] * (1.0 / (1.0 - p)))
    ones = layer(np.ones((200, 100))).data
    assert abs(ones.mean() - 1.0) < 0.03


def test_dropout_gradient_uses_the_forward_mask():
    layer = nn.Dropout(0.4, rng=3)
    x = mg.Tensor(np.random.default_rng(0).uniform(1.0, 2.0, size=(6, 7)), requires_grad=True)
    out = layer(x)
    upstream = np.random.default_rng(1).normal(size=(6, 7))
    out.backward(upstream)
    np.testing.assert_array_equal(x.grad, upstream * (out.data != 0) * (1.0 / 0.6))


def test_dropout_by_hand_equals_autograd():
    x = np.random.default_rng(0).uniform(1.0, 2.0, size=(4, 5))
    upstream = np.random.default_rng(1).normal(size=(4, 5))
    hand = nn.Dropout(0.5, rng=11)
    ctx = mg.Context()
    out = hand.forward(ctx, x)
    dx = hand.backward(ctx, upstream)
    tensor = mg.Tensor(x, requires_grad=True)
    auto = nn.Dropout(0.5, rng=11)(tensor)
    auto.backward(upstream)
    np.testing.assert_array_equal(out, auto.data)
    np.testing.assert_array_equal(dx, tensor.grad)


@given(arrays(shape=st.tuples(st.integers(1, 4), st.integers(1, 5))),
       st.sampled_from([0.2, 0.5, 0.9]))
@settings(max_examples=20)
def test_dropout_gradcheck_with_a_fixed_mask(x, p):
    layer = nn.Dropout(p)

    def fixed_mask(t):
        layer.rng = np.random.default_rng(5)  # every evaluation draws the same mask
        return layer(t)

    assert mg.gradcheck(fixed_mask, mg.Tensor(x, requires_grad=True))


def test_dropout_same_seed_same_masks_other_seed_other_masks():
    x = np.ones((10, 10))
    first, second, other = nn.Dropout(0.5, rng=4), nn.Dropout(0.5, rng=4), nn.Dropout(0.5, rng=5)
    a = [first(x).data for _ in range(3)]
    b = [second(x).data for _ in range(3)]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[0], a[1])  # a new mask at every call
    assert not np.array_equal(a[0], other(x).data)


def test_dropout_used_twice_in_one_graph_keeps_both_masks():
    layer = nn.Dropout(0.5, rng=0)
    x = mg.Tensor(np.ones((8, 8)), requires_grad=True)
    first, second = layer(x), layer(x)
    (first + second).sum().backward()
    np.testing.assert_array_equal(x.grad, (first.data != 0) * 2.0 + (second.data != 0) * 2.0)


def test_dropout_p_edges():
    x = mg.Tensor(np.random.default_rng(0).normal(size=(3, 4)), requires_grad=True)
    out = nn.Dropout(1.0, rng=0)(x)  # as in PyTorch: everything dropped, no division by 0
    np.testing.assert_array_equal(out.data, 0.0)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, 0.0)
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x.data)


@pytest.mark.parametrize(("p", "error"), [(-0.1, ValueError), (1.5, ValueError),
                                          (float("nan"), ValueError), ("0.5", TypeError),
                                          (True, TypeError)])
def test_dropout_refuses_bad_p(p, error):
    with pytest.raises(error, match="Dropout: p"):
        nn.Dropout(p)


def test_dropout_keeps_float32():
    layer = nn.Dropout(0.3, rng=0)
    x = mg.Tensor(np.ones((4, 4), dtype=np.float32) * 1e4, requires_grad=True)
    out = layer(x)
    assert out.dtype == np.float32
    out.backward(np.ones((4, 4), dtype=np.float32))
    assert x.grad.dtype == np.float32


def test_model_eval_switches_dropout_off():
    model = nn.Sequential(nn.Dense(3, 3, rng=0), nn.Dropout(0.5, rng=0))
    x = np.ones((20, 3))
    assert np.any(model(x).data == 0)
    model.eval()
    np.testing.assert_array_equal(model(x).data, model[0](x).data)
    model.train()
    assert np.any(model(x).data == 0)


# --------------------------------------------------------------------------- BatchNorm1d


def _random_affine(bn, seed):
    rng = np.random.default_rng(seed)
    bn.weight.data = rng.uniform(0.5, 2.0, size=bn.weight.shape)
    bn.bias.data = rng.normal(size=bn.bias.shape)
    return bn


def _oracle(x, weight, bias, eps=1e-5):
    """Batch norm composed of Tensor ops: the engine differentiates it, not a hand formula."""
    mean = x.mean(axis=0, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=0, keepdims=True)
    return centered / (var + eps).sqrt() * weight + bias


batch_shapes = st.tuples(st.integers(2, 6), st.integers(1, 4))


@given(arrays(shape=batch_shapes), st.integers(0, 100))
@settings(max_examples=25)
def test_batchnorm_gradcheck_training(x, seed):
    bn = _random_affine(nn.BatchNorm1d(x.shape[1]), seed)
    assert mg.gradcheck(bn, mg.Tensor(x, requires_grad=True), seed=seed)


@given(arrays(shape=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))))
@settings(max_examples=15)
def test_batchnorm_gradcheck_training_with_length_axis(x):
    if x.shape[0] * x.shape[2] < 2:
        x = np.concatenate([x, x[:, :, :1] + 0.5], axis=2)
    bn = _random_affine(nn.BatchNorm1d(x.shape[1]), 1)
    assert mg.gradcheck(bn, mg.Tensor(x, requires_grad=True))


@given(arrays(shape=st.tuples(st.integers(1, 5), st.integers(1, 4))))
@settings(max_examples=20)
def test_batchnorm_gradcheck_eval(x):
    bn = _random_affine(nn.BatchNorm1d(x.shape[1]), 2)
    bn(np.random.default_rng(0).normal(2.0, 3.0, size=(8, x.shape[1])))  # non-trivial stats
    bn.eval()
    assert mg.gradcheck(bn, mg.Tensor(x, requires_grad=True))


@given(arrays(shape=batch_shapes))
@settings(max_examples=15)
def test_batchnorm_gradcheck_without_affine(x):
    bn = nn.BatchNorm1d(x.shape[1], affine=False)
    assert bn.parameters() == []
    assert mg.gradcheck(bn, mg.Tensor(x, requires_grad=True))


@given(arrays(shape=batch_shapes), st.integers(0, 100))
@settings(max_examples=20)
def test_batchnorm_hand_backward_equals_autograd_of_composite(x, seed):
    bn = _random_affine(nn.BatchNorm1d(x.shape[1]), seed)
    upstream = np.random.default_rng(seed).normal(size=x.shape)
    ctx = mg.Context()
    out = bn.forward(ctx, x, *bn.param_arrays())
    dx, dweight, dbias = bn.backward(ctx, upstream)

    xt = mg.Tensor(x, requires_grad=True)
    wt = mg.Tensor(bn.weight.data, requires_grad=True)
    bt = mg.Tensor(bn.bias.data, requires_grad=True)
    expected = _oracle(xt, wt, bt)
    expected.backward(upstream)
    np.testing.assert_allclose(out, expected.data, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dx, xt.grad, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(dweight, wt.grad, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dbias, bt.grad, rtol=1e-12, atol=1e-12)

    layer_x = mg.Tensor(x, requires_grad=True)
    bn.zero_grad()
    bn(layer_x).backward(upstream)
    np.testing.assert_array_equal(layer_x.grad, dx)
    np.testing.assert_array_equal(bn.weight.grad, dweight)


def test_batchnorm_training_output_is_normalised():
    x = np.random.default_rng(0).normal(5.0, 3.0, size=(64, 3))
    out = nn.BatchNorm1d(3)(x).data
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1.0, rtol=1e-5)  # eps=1e-5 shrinks it a hair


def test_batchnorm_running_stats_follow_the_closed_form():
    rng = np.random.default_rng(0)
    batches = [rng.normal(i, 1.0 + i, size=(5 + i, 2)) for i in range(3)]
    bn = nn.BatchNorm1d(2, momentum=0.25)
    mean, var = np.zeros(2), np.ones(2)
    for batch in batches:
        bn(batch)
        mean = 0.75 * mean + 0.25 * batch.mean(axis=0)
        var = 0.75 * var + 0.25 * batch.var(axis=0, ddof=1)  # unbiased, like PyTorch
    np.testing.assert_allclose(bn.running_mean.data, mean, rtol=1e-14)
    np.testing.assert_allclose(bn.running_var.data, var, rtol=1e-14)


def test_batchnorm_momentum_edges():
    batch = np.array([[1.0], [2.0], [6.0]])
    frozen = nn.BatchNorm1d(1, momentum=0.0)
    frozen(batch)
    np.testing.assert_array_equal(frozen.running_mean.data, [0.0])
    latest = nn.BatchNorm1d(1, momentum=1.0)
    latest(batch)
    np.testing.assert_allclose(latest.running_mean.data, [3.0])
    np.testing.assert_allclose(latest.running_var.data, [7.0])


def test_batchnorm_eval_uses_running_stats_and_leaves_them_alone():
    bn = _random_affine(nn.BatchNorm1d(3), 0)
    bn.running_mean.data = np.array([1.0, -2.0, 0.5])
    bn.running_var.data = np.array([4.0, 0.25, 1.0])
    bn.eval()
    x = np.random.default_rng(1).normal(size=(1, 3))  # one sample is fine in eval
    out = bn(x).data
    expected = ((x - bn.running_mean.data) / np.sqrt(bn.running_var.data + 1e-5)
                * bn.weight.data + bn.bias.data)
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    np.testing.assert_array_equal(bn.running_mean.data, [1.0, -2.0, 0.5])
    # Each sample is normalised independently of the others in eval mode.
    batch = np.concatenate([x, np.full((4, 3), 100.0)])
    np.testing.assert_allclose(bn(batch).data[:1], out, rtol=1e-14)


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    bn = nn.BatchNorm1d(2, track_running_stats=False).eval()
    assert list(bn.state_dict()) == ["weight", "bias"]
    x = np.array([[1.0, 4.0], [3.0, 8.0]])
    np.testing.assert_allclose(bn(x).data, [[-1, -1], [1, 1]], rtol=1e-4)


def test_batchnorm_state_dict_holds_parameters_and_buffers():
    model = nn.Sequential(nn.Dense(2, 3, rng=0), nn.BatchNorm1d(3))
    model(np.random.default_rng(0).normal(size=(4, 2)))
    state = model.state_dict()
    assert list(state) == ["0.W", "0.b", "1.weight", "1.bias", "1.running_mean",
                           "1.running_var"]
    assert [name for name, _ in model.named_parameters()] == ["0.W", "0.b", "1.weight",
                                                              "1.bias"]
    np.testing.assert_array_equal(state["1.running_mean"], model[1].running_mean.data)
    assert not np.all(state["1.running_mean"] == 0)


def test_batchnorm_length_axis_matches_flattened_batch():
    x = np.random.default_rng(0).normal(size=(3, 2, 5))
    flat = np.transpose(x, (0, 2, 1)).reshape(-1, 2)
    bn3, bn2 = nn.BatchNorm1d(2), nn.BatchNorm1d(2)
    out3, out2 = bn3(x).data, bn2(flat).data
    np.testing.assert_allclose(np.transpose(out3, (0, 2, 1)).reshape(-1, 2), out2, rtol=1e-12)
    np.testing.assert_allclose(bn3.running_var.data, bn2.running_var.data, rtol=1e-12)


def test_batchnorm_refuses_one_value_per_channel_in_training():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(np.ones((1, 3)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(np.ones((1, 3, 1)))


@pytest.mark.parametrize("shape", [(5, 4), (3,), (2, 3, 4, 5), (2, 4, 3)])
def test_batchnorm_refuses_wrong_shapes(shape):
    with pytest.raises(ValueError, match=r"BatchNorm1d\(num_features=3\) got input of shape"):
        nn.BatchNorm1d(3)(np.ones(shape))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"num_features": 0}, ValueError), ({"num_features": 2.0}, ValueError),
     ({"num_features": 2, "eps": 0.0}, ValueError), ({"num_features": 2, "momentum": 1.5},
                                                     ValueError),
     ({"num_features": 2, "momentum": None}, TypeError)],
)
def test_batchnorm_refuses_bad_arguments(kwargs, error):
    with pytest.raises(error, match="BatchNorm1d"):
        nn.BatchNorm1d(**kwargs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batchnorm_dtype_and_extreme_inputs_without_warnings(dtype):
    bn = nn.BatchNorm1d(3, dtype=dtype)
    x = mg.Tensor(np.array([[1e4, -1e4, 5.0], [-1e4, 1e4, 5.0], [3.0, 0.0, 5.0]], dtype=dtype),
                  requires_grad=True)
    out = bn(x)
    out.backward(np.ones((3, 3), dtype=dtype))
    assert out.dtype == dtype and x.grad.dtype == dtype and bn.weight.grad.dtype == dtype
    assert bn.running_var.dtype == dtype
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(out.data[:, 2], 0.0)  # a constant feature normalises to 0
