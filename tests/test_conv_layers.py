"""Flatten, LayerNorm, Embedding, Dropout2d, pooling, BatchNorm2d and Conv2d against torch.nn.

Each layer is compared with its torch.nn twin (float64, same weights copied over): output,
input gradient and every parameter gradient, for a random upstream gradient; then checked by
finite differences on small shapes, and for its train/eval behaviour, dtype and errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd import Context


def _compare(torch, layer, t_layer, x, pairs=(), atol=1e-12):
    """Same weights, same input and upstream: same output and gradients as torch."""
    with torch.no_grad():
        for ours, theirs in pairs:
            theirs.copy_(torch.tensor(ours.data))
    X = mg.Tensor(x, requires_grad=True)
    out = layer(X)
    xt = torch.tensor(x, requires_grad=True)
    out_t = t_layer(xt)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=atol)
    upstream = np.random.default_rng(7).normal(size=out.shape)
    out.backward(upstream)
    out_t.backward(torch.tensor(upstream))
    np.testing.assert_allclose(X.grad, xt.grad.numpy(), rtol=1e-10, atol=atol)
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=atol)


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


# --------------------------------------------------------------------------- Flatten


@pytest.mark.parametrize("start, end, shape", [(1, -1, (2, 3, 4, 5)), (0, -1, (2, 3, 4)),
                                               (1, 2, (2, 3, 4, 5)), (-3, -2, (2, 3, 4, 5)),
                                               (2, 2, (2, 3, 4))])
def test_flatten_matches_torch(torch, start, end, shape):
    _compare(torch, nn.Flatten(start, end), torch.nn.Flatten(start, end), _normal(*shape))


def test_flatten_refuses_axes_outside_the_input():
    with pytest.raises(ValueError, match=r"Flatten\(start_axis=1, end_axis=-1\) got input of "
                                         r"shape \(3,\)"):
        nn.Flatten()(np.ones(3))
    with pytest.raises(ValueError, match="start before end"):
        nn.Flatten(2, 1)(np.ones((2, 3, 4)))


# --------------------------------------------------------------------------- LayerNorm


@pytest.mark.parametrize("shape, normalized, affine", [((4, 5), 5, True), ((2, 3, 4), (3, 4), True),
                                                       ((3, 2, 6), 6, False)])
def test_layer_norm_matches_torch(torch, shape, normalized, affine):
    layer = nn.LayerNorm(normalized, elementwise_affine=affine)
    t_layer = torch.nn.LayerNorm(normalized, elementwise_affine=affine)
    pairs = []
    if affine:
        layer.weight.data = _normal(*layer.weight.shape, seed=1)
        layer.bias.data = _normal(*layer.bias.shape, seed=2)
        pairs = [(layer.weight, t_layer.weight), (layer.bias, t_layer.bias)]
    _compare(torch, layer, t_layer, _normal(*shape) * 3 + 1, pairs)


def test_layer_norm_gradcheck_and_float32():
    layer = nn.LayerNorm((2, 3))
    layer.weight.data = _normal(2, 3, seed=1)
    assert mg.gradcheck(layer, mg.Tensor(_normal(2, 2, 3), requires_grad=True))
    layer32 = nn.LayerNorm(3, dtype=np.float32)
    x = mg.Tensor(_normal(4, 3).astype(np.float32), requires_grad=True)
    out = layer32(x)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    assert layer32.weight.grad.dtype == np.float32
    with pytest.raises(ValueError, match=r"LayerNorm\(normalized_shape=\(3,\)\) got input of "
                                         r"shape \(4, 2\): expected \(\.\.\., 3\)"):
        layer32(np.ones((4, 2)))


# --------------------------------------------------------------------------- Embedding


def test_embedding_matches_torch_and_accumulates_repeated_rows(torch):
    layer = nn.Embedding(6, 3, rng=0)
    t_layer = torch.nn.Embedding(6, 3)
    with torch.no_grad():
        t_layer.weight.copy_(torch.tensor(layer.W.data))
    idx = np.array([[1, 4, 1], [0, 1, 5]])
    out = layer(idx)
    out_t = t_layer(torch.tensor(idx))
    np.testing.assert_array_equal(out.data, out_t.detach().numpy())
    upstream = _normal(2, 3, 3, seed=3)
    out.backward(upstream)
    out_t.backward(torch.tensor(upstream))
    np.testing.assert_allclose(layer.W.grad, t_layer.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.W.grad[1], upstream[0, 0] + upstream[0, 2] + upstream[1, 1])
    np.testing.assert_array_equal(layer.W.grad[[2, 3]], 0.0)
    assert mg.gradcheck(layer, idx)


def test_embedding_refuses_float_and_out_of_range_indices():
    layer = nn.Embedding(5, 2, rng=0)
    with pytest.raises(TypeError, match=r"Embedding\(num_embeddings=5\) got indices of dtype "
                                        r"float64: expected an integer dtype"):
        layer(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="Embedding got a Tensor"):
        layer(mg.Tensor([1, 2]))
    for bad in (5, -1):
        with pytest.raises(ValueError, match=rf"got index {bad}: expected indices in \[0, 4\]"):
            layer(np.array([0, bad]))


# --------------------------------------------------------------------------- Dropout2d


def test_dropout2d_drops_whole_channels_scaled_and_is_identity_in_eval():
    layer = nn.Dropout2d(0.5, rng=0)
    x = mg.Tensor(np.random.default_rng(1).uniform(1, 2, size=(8, 16, 3, 3)),
                  requires_grad=True)
    out = layer(x)
    dropped = (out.data == 0).all(axis=(2, 3))
    kept = (out.data != 0).all(axis=(2, 3))
    assert (dropped | kept).all() and 0.3 < dropped.mean() < 0.7
    np.testing.assert_allclose(out.data[kept], x.data[kept] * 2.0)
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(x.grad, np.where(kept[..., None, None], 2.0, 0.0)
                                  * np.ones((1, 1, 3, 3)))
    again = nn.Dropout2d(0.5, rng=0)(x.data).data
    np.testing.assert_array_equal(again, out.data)  # one seed, one mask sequence
    np.testing.assert_array_equal(layer.eval()(x.data).data, x.data)
    with pytest.raises(ValueError, match=r"Dropout2d got input of shape \(2, 3\): expected "
                                         r"\(N, C, H, W\)"):
        layer(np.ones((2, 3)))


# --------------------------------------------------------------------------- pooling


@pytest.mark.parametrize("kind", ["MaxPool2d", "AvgPool2d"])
@pytest.mark.parametrize("cfg", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                 dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1)),
                                 dict(kernel_size=3, stride=2)])
def test_pooling_matches_torch(torch, kind, cfg):
    # Rounded values: many ties inside windows, which max pooling must route like torch.
    x = np.round(_normal(2, 3, 7, 6), 0)
    _compare(torch, getattr(nn, kind)(**cfg), getattr(torch.nn, kind)(**cfg), x)


def test_max_pool_sends_a_tie_to_the_first_maximum(torch):
    x = mg.Tensor(np.ones((1, 1, 2, 4)), requires_grad=True)
    nn.MaxPool2d(2)(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [[[[1, 0, 1, 0], [0, 0, 0, 0]]]])
    xt = torch.ones(1, 1, 2, 4, requires_grad=True)
    torch.nn.MaxPool2d(2)(xt).sum().backward()
    np.testing.assert_array_equal(x.grad, xt.grad.numpy())


@pytest.mark.parametrize("layer", [nn.MaxPool2d(2, stride=1, padding=1), nn.AvgPool2d(3, 2, 1)])
def test_pooling_gradcheck(layer):
    x = np.random.default_rng(0).permutation(50).reshape(1, 2, 5, 5) * 0.1  # no ties
    assert mg.gradcheck(layer, mg.Tensor(x, requires_grad=True))


def test_pooling_keeps_float32_and_refuses_bad_input():
    x = mg.Tensor(np.ones((1, 1, 4, 4), dtype=np.float32), requires_grad=True)
    for layer in (nn.MaxPool2d(2), nn.AvgPool2d(2)):
        out = layer(x)
        out.sum().backward()
        assert out.dtype == np.float32 and x.grad.dtype == np.float32
        x.grad = None
    with pytest.raises(ValueError, match=r"MaxPool2d\(kernel_size=\(2, 2\)\) got input of "
                                         r"shape \(4, 4\): expected \(N, C, H, W\)"):
        nn.MaxPool2d(2)(np.ones((4, 4)))
    with pytest.raises(ValueError, match=r"AvgPool2d\(kernel_size=\(5, 5\)\) got input of shape "
                                         r"\(1, 1, 4, 4\): the \(dilated\) kernel 5x5 is larger"):
        nn.AvgPool2d(5)(np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="padding .* must be at most half of kernel_size"):
        nn.MaxPool2d(2, padding=2)


# --------------------------------------------------------------------------- BatchNorm2d


def test_batch_norm2d_matches_torch_in_train_and_eval(torch):
    layer, t_layer = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    layer.weight.data = _normal(3, seed=1)
    layer.bias.data = _normal(3, seed=2)
    pairs = [(layer.weight, t_layer.weight), (layer.bias, t_layer.bias)]
    running = layer.running_mean
    version = running._version
    for seed in (3, 4):
        _compare(torch, layer, t_layer, _normal(4, 3, 5, 2, seed=seed) * 2 + 1, pairs)
    assert running._version > version  # written in place, and said so
    np.testing.assert_allclose(layer.running_mean.data, t_layer.running_mean.numpy())
    np.testing.assert_allclose(layer.running_var.data, t_layer.running_var.numpy())
    layer.eval()
    t_layer.eval()
    _compare(torch, layer, t_layer, _normal(2, 3, 4, 4, seed=5), pairs)


def test_batch_norm2d_gradcheck_and_errors():
    layer = nn.BatchNorm2d(2)
    layer.weight.data = _normal(2, seed=1)
    assert mg.gradcheck(layer, mg.Tensor(_normal(2, 2, 3, 2), requires_grad=True))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(num_features=2\) got input of shape "
                                         r"\(2, 3, 4, 4\): expected \(N, 2, H, W\)"):
        layer(np.ones((2, 3, 4, 4)))
    with pytest.raises(ValueError, match="BatchNorm2d: expected more than 1 value per channel"):
        layer(np.ones((1, 2, 1, 1)))
    with pytest.raises(ValueError, match="BatchNorm2d: momentum"):
        nn.BatchNorm2d(2, momentum=2.0)


# --------------------------------------------------------------------------- Conv2d


@pytest.mark.parametrize("cfg", [
    dict(kernel_size=3),
    dict(kernel_size=(2, 3), stride=2, padding=1),
    dict(kernel_size=3, stride=(2, 1), padding=(2, 1), dilation=2),
    dict(kernel_size=3, padding=1, groups=2),
    dict(kernel_size=2, groups=4, dilation=(1, 2), bias=False),
])
def test_conv2d_matches_torch(torch, cfg):
    layer = nn.Conv2d(4, 8, rng=0, **cfg)
    t_layer = torch.nn.Conv2d(4, 8, **cfg)
    pairs = [(layer.W, t_layer.weight)]
    if layer.b is not None:
        pairs.append((layer.b, t_layer.bias))
    _compare(torch, layer, t_layer, _normal(2, 4, 7, 6), pairs)


@pytest.mark.parametrize("cfg", [dict(kernel_size=2, stride=2, padding=1),
                                 dict(kernel_size=2, dilation=2, groups=2)])
def test_conv2d_gradcheck(cfg):
    layer = nn.Conv2d(2, 2, rng=0, **cfg)
    assert mg.gradcheck(layer, mg.Tensor(_normal(1, 2, 4, 4), requires_grad=True))


def test_conv2d_init_is_torchs_and_float32_is_kept():
    layer = nn.Conv2d(3, 64, 3, groups=1, rng=0)
    bound = 1 / np.sqrt(3 * 3 * 3)
    assert layer.W.shape == (64, 3, 3, 3) and np.abs(layer.W.data).max() <= bound
    assert np.abs(layer.W.data).max() > 0.9 * bound and np.abs(layer.b.data).max() <= bound
    np.testing.assert_array_equal(nn.Conv2d(3, 64, 3, rng=0).W.data, layer.W.data)
    layer32 = nn.Conv2d(2, 3, 3, padding=1, rng=0, dtype=np.float32)
    x = mg.Tensor(_normal(1, 2, 4, 4).astype(np.float32), requires_grad=True)
    out = layer32(x)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == layer32.W.grad.dtype == layer32.b.grad.dtype == np.float32


def test_conv2d_refuses_bad_input():
    layer = nn.Conv2d(3, 4, 3, rng=0)
    with pytest.raises(ValueError, match=r"Conv2d\(in_channels=3\) got input of shape "
                                         r"\(1, 2, 5, 5\): expected \(N, 3, H, W\)"):
        layer(np.ones((1, 2, 5, 5)))
    with pytest.raises(ValueError, match=r"expected \(N, 3, H, W\)"):
        layer(np.ones((3, 5, 5)))
    with pytest.raises(ValueError, match=r"Conv2d got input of shape \(1, 3, 2, 5\): the "
                                         r"\(dilated\) kernel 3x3 is larger than the padded "
                                         r"input 2x5"):
        layer(np.ones((1, 3, 2, 5)))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)


def test_conv2d_used_twice_in_one_graph_keeps_both_calls_apart(torch):
    layer = nn.Conv2d(2, 2, 3, padding=1, rng=0)
    t_layer = torch.nn.Conv2d(2, 2, 3, padding=1)
    with torch.no_grad():
        t_layer.weight.copy_(torch.tensor(layer.W.data))
        t_layer.bias.copy_(torch.tensor(layer.b.data))
    x = _normal(1, 2, 4, 4)
    X, xt = mg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (layer(layer(X).tanh()) ** 2).sum().backward()
    (t_layer(t_layer(xt).tanh()) ** 2).sum().backward()
    np.testing.assert_allclose(X.grad, xt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.W.grad, t_layer.weight.grad.numpy(), rtol=1e-10)


# --------------------------------------------------------------------------- by hand


def test_a_small_conv_net_by_hand_equals_autograd():
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, rng=0), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout2d(0.3),
        nn.MaxPool2d(2), nn.AvgPool2d(2, stride=1), nn.Flatten(), nn.LayerNorm(16),
        nn.Dense(16, 3, rng=1),
    )
    model[3].eval()  # a deterministic mask: dropout is checked above
    x = _normal(2, 1, 6, 6)
    upstream = _normal(2, 3, seed=1)
    out, contexts = model.manual_forward(x)
    dx = model.manual_backward(contexts, upstream)
    manual = {name: p.grad.copy() for name, p in model.named_parameters()}
    model.zero_grad()
    X = mg.Tensor(x, requires_grad=True)
    out_auto = model(X)
    out_auto.backward(upstream)
    np.testing.assert_allclose(out, out_auto.data, rtol=1e-12)
    np.testing.assert_allclose(dx, X.grad, rtol=1e-12)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(manual[name], p.grad, rtol=1e-12, err_msg=name)


def test_embedding_forward_and_backward_by_hand():
    layer = nn.Embedding(4, 2, rng=0)
    ctx = Context()
    out = layer.forward(ctx, np.array([3, 3, 0]), *layer.param_arrays())
    np.testing.assert_array_equal(out, layer.W.data[[3, 3, 0]])
    dx, dW = layer.backward(ctx, np.ones((3, 2)))
    assert dx is None
    np.testing.assert_array_equal(dW, [[1, 1], [0, 0], [0, 0], [2, 2]])
