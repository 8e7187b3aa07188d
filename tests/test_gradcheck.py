"""mg.gradcheck itself, and the hypothesis strategies of minigrad.testing."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, find, given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn
from minigrad.testing import arrays, broadcastable_shapes, matmul_shapes, shapes


def leaf(data: Any) -> mg.Tensor:
    return mg.Tensor(data, requires_grad=True)


class ThreeX(mg.Function):
    """3x, with a deliberately wrong backward (2 dout instead of 3 dout)."""

    def forward(self, ctx: mg.Context, x: np.ndarray) -> np.ndarray:
        return 3.0 * x

    def backward(self, ctx: mg.Context, dout: np.ndarray) -> np.ndarray:
        return 2.0 * dout


class IgnoresDout(mg.Function):
    """2x whose backward ignores dout: right for f(x).sum(), wrong for any other upstream."""

    def forward(self, ctx: mg.Context, x: np.ndarray) -> np.ndarray:
        return 2.0 * x

    def backward(self, ctx: mg.Context, dout: np.ndarray) -> np.ndarray:
        return np.full_like(dout, 2.0)


# --------------------------------------------------------------------------- gradcheck


@pytest.mark.parametrize("fn", [
    lambda t: (t * t).exp(),
    lambda t: (t @ t.T).tanh().sum(axis=0),
    lambda t: mg.maximum(t, 0.5) / (1.0 + t.abs()),
])
def test_gradcheck_returns_true_for_correct_functions(fn):
    x = leaf(np.array([[0.3, -1.2, 2.0], [1.1, 0.7, -0.4]]))
    assert mg.gradcheck(fn, x) is True


def test_gradcheck_names_input_index_analytic_and_numeric():
    x = leaf(np.linspace(-1.0, 1.0, 6).reshape(2, 3))
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(ThreeX(), x)
    message = str(info.value)
    match = re.search(r"input 0 \(shape \(2, 3\)\) at index \((\d+), (\d+)\): "
                      r"analytic (\S+), numeric (\S+)", message)
    assert match, message
    index = (int(match[1]), int(match[2]))
    analytic, numeric = float(match[3]), float(match[4])
    # The upstream gradient is gradcheck's seeded random one; the reported element is the
    # worst, i.e. where |upstream| is largest (the error there is |upstream|).
    upstream = np.random.default_rng(0).standard_normal((2, 3))
    assert index == np.unravel_index(np.argmax(np.abs(upstream)), (2, 3))
    assert analytic == pytest.approx(2.0 * upstream[index], rel=1e-6)
    assert numeric == pytest.approx(3.0 * upstream[index], rel=1e-6)


def test_gradcheck_names_the_wrong_input():
    a, b = leaf([1.0, 2.0]), leaf([0.5, -0.5])
    with pytest.raises(mg.GradcheckError, match="input 1"):
        mg.gradcheck(lambda p, q: p * 2.0 + ThreeX()(q), a, b)


def test_gradcheck_sees_bugs_that_a_summed_output_hides():
    x = leaf([0.5, -1.0, 2.0])
    IgnoresDout()(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])  # looks right for the sum
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(IgnoresDout(), leaf([0.5, -1.0, 2.0]))


def test_gradcheck_leaves_its_inputs_alone_and_works_in_float64():
    x = leaf(np.array([0.5, 1.5], np.float32))
    c = np.array([2.0, 3.0])
    seen = []

    def fn(t: mg.Tensor, constant: np.ndarray) -> mg.Tensor:
        seen.append(t.dtype)
        return t * constant

    assert mg.gradcheck(fn, x, c)
    assert set(seen) == {np.dtype(np.float64)}
    assert x.grad is None and x.dtype == np.float32
    np.testing.assert_array_equal(x.data, [0.5, 1.5])
    np.testing.assert_array_equal(c, [2.0, 3.0])


def test_gradcheck_skips_tensors_that_do_not_require_grad():
    x, c = leaf([1.0, 2.0]), mg.Tensor([3.0, 4.0])
    # Only x is checked: a wrong gradient for c would not matter, as c gets none.
    assert mg.gradcheck(lambda p, q: p * q, x, c)


@pytest.mark.parametrize("inputs", [(mg.Tensor([1.0]),), (np.array([1.0]),), ()])
def test_gradcheck_rejects_calls_where_nothing_requires_grad(inputs):
    with pytest.raises(ValueError, match="no input requires grad"):
        mg.gradcheck(lambda *ts: mg.Tensor([1.0], requires_grad=True) * 2.0, *inputs)


def test_gradcheck_rejects_outputs_that_are_not_tensors_or_do_not_depend_on_inputs():
    with pytest.raises(TypeError, match="must return a Tensor"):
        mg.gradcheck(lambda t: t.data * 2.0, leaf([1.0]))
    with pytest.raises(mg.GradcheckError, match="does not depend"):
        mg.gradcheck(lambda t: mg.Tensor([2.0]), leaf([1.0]))


class ScaledDense(nn.Dense):
    """Dense whose weight gradient is 1.5 times too large."""

    def backward(self, ctx: mg.Context, dout: np.ndarray) -> Any:
        dx, dW, db = super().backward(ctx, dout)
        return dx, None if dW is None else 1.5 * dW, db


def snapshot(layer: nn.Module) -> list[tuple[Any, ...]]:
    return [(p, p.data, p.data.copy(), p.dtype, p.grad, None if p.grad is None else
             p.grad.copy()) for p in layer.parameters()]


def assert_restored(before: list[tuple[Any, ...]]) -> None:
    for p, data, values, dtype, grad, grad_values in before:
        assert p.data is data and p.dtype == dtype
        np.testing.assert_array_equal(p.data, values)
        assert p.grad is grad
        if grad is not None:
            np.testing.assert_array_equal(p.grad, grad_values)


def test_gradcheck_on_a_layer_checks_its_parameters_and_restores_them():
    layer = nn.Dense(3, 2, rng=0, dtype=np.float32)
    x = np.random.default_rng(1).standard_normal((4, 3))
    layer(x).sum().backward()  # existing gradients must survive the check
    before = snapshot(layer)
    assert mg.gradcheck(layer, leaf(x))
    assert_restored(before)
    assert mg.gradcheck(layer, mg.Tensor(x))  # parameters only
    assert_restored(before)


def test_gradcheck_on_a_broken_layer_names_the_parameter_and_restores_it():
    layer = ScaledDense(3, 2, rng=0, dtype=np.float32)
    before = snapshot(layer)
    x = np.random.default_rng(1).standard_normal((4, 3))
    with pytest.raises(mg.GradcheckError, match="parameter 'W'"):
        mg.gradcheck(layer, mg.Tensor(x))
    assert_restored(before)


def test_gradcheck_leaves_a_layers_buffers_as_they_were():
    # BatchNorm in training updates its running statistics on every call; the 2n + 1
    # calls of a gradcheck must not leave them drifted.
    bn = nn.BatchNorm1d(2)
    x = np.random.default_rng(3).standard_normal((5, 2))
    bn(x)
    buffers = [(b, b.data, b.data.copy()) for _, b in bn.named_buffers()]
    assert mg.gradcheck(bn, leaf(x))
    for b, data, values in buffers:
        assert b.data is data
        np.testing.assert_array_equal(b.data, values)


def test_gradcheck_on_a_sequential_model():
    model = nn.Sequential(nn.Dense(3, 4, rng=0), nn.Dense(4, 2, rng=1))
    assert mg.gradcheck(model, leaf(np.random.default_rng(2).standard_normal((2, 3))))
    broken = nn.Sequential(nn.Dense(3, 4, rng=0), ScaledDense(4, 2, rng=1))
    with pytest.raises(mg.GradcheckError, match="parameter '1.W'"):
        mg.gradcheck(broken, mg.Tensor(np.ones((2, 3))))


# --------------------------------------------------------------------------- strategies


def covers_everything(kinks: list[float], margin: float, low: float, high: float) -> bool:
    return len(kinks) * 4 * margin >= (high - low) / 2


@given(data=st.data(), kinks=st.lists(st.floats(-3.5, 3.5), min_size=1, max_size=5),
       margin=st.floats(1e-4, 0.2), dtype=st.sampled_from([np.float64, np.float32]),
       shape=shapes(max_dims=2, max_side=8))
def test_arrays_keep_margin_from_every_kink(data, kinks, margin, dtype, shape):
    assume(not covers_everything(kinks, margin, -3.0, 3.0))
    x = data.draw(arrays(shape, dtype=dtype, avoid=kinks, margin=margin))
    assert x.dtype == dtype and x.shape == shape
    assert np.all(np.isfinite(x))
    assert np.all((x >= -3.0) & (x <= 3.0))
    distance = np.min(np.abs(x.astype(np.float64)[..., None] - np.asarray(kinks)), axis=-1)
    assert np.all(distance >= margin)


@given(x=arrays((50,), avoid=(0.0, 0.0025), margin=1e-3))
def test_arrays_with_close_kinks(x):
    # Pushing 2 * margin past one kink would land near the other one.
    assert np.all(np.abs(x) >= 1e-3) and np.all(np.abs(x - 0.0025) >= 1e-3)


@given(x=arrays((20,), dtype=np.float32, low=0.1, high=0.7))
def test_arrays_accept_bounds_float32_cannot_represent(x):
    assert x.dtype == np.float32
    assert np.all((x >= 0.1) & (x <= 0.7))


def test_arrays_reach_the_kinks_neighbourhood():
    # The strategy does produce values just outside the margin, not only far ones.
    found = find(arrays((1,), avoid=(0.0,), margin=0.01), lambda a: abs(a[0]) < 0.05)
    assert 0.01 <= abs(found[0]) < 0.05


@given(pair=matmul_shapes())
def test_matmul_shapes_are_valid_for_numpy(pair):
    a, b = pair
    assert len(a) >= 1 and len(b) >= 1
    np.matmul(np.ones(a), np.ones(b))


@pytest.mark.parametrize("condition", [
    lambda p: len(p[0]) == 1 and len(p[1]) == 1,
    lambda p: len(p[0]) == 1 and len(p[1]) >= 3,
    lambda p: len(p[0]) >= 3 and len(p[1]) == 1,
    lambda p: len(p[0]) == 2 and len(p[1]) == 2,
    lambda p: len(p[0]) >= 3 and len(p[1]) >= 3 and p[0][:-2] != p[1][:-2],
])
def test_matmul_shapes_cover_1d_2d_and_broadcast_batches(condition):
    find(matmul_shapes(), condition)


@given(pair=broadcastable_shapes(2))
def test_broadcastable_shapes_broadcast(pair):
    np.broadcast_shapes(*pair)


def test_shapes_include_0d_and_size_1_axes():
    find(shapes(), lambda s: s == ())
    find(shapes(), lambda s: len(s) >= 2 and 1 in s)
