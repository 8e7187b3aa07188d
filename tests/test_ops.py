"""Every op: forward value, gradient against finite differences, kinks, dtype, bad shapes.

Gradients are checked with ``mg.gradcheck`` (vector-Jacobian products with a random upstream
gradient, float64, central differences) on hypothesis-generated shapes and values that
include 0-d tensors, size-1 axes and broadcasting pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.testing import arrays, broadcastable_shapes, matmul_shapes, shapes


def leaf(array: Any) -> mg.Tensor:
    return mg.Tensor(array, requires_grad=True)


def inputs(arrays_: list[np.ndarray], grad_mask: list[bool]) -> list[mg.Tensor]:
    return [mg.Tensor(a, requires_grad=g) for a, g in zip(arrays_, grad_mask)]


# Which operands of a binary op require grad: both, or only one (the other is a constant,
# which exercises the "skip what nobody needs" path of every backward).
GRAD_MASKS = st.sampled_from([[True, True], [True, False], [False, True]])


# --------------------------------------------------------------------------- binary ops

BINARY = {
    "add": (lambda a, b: a + b, np.add, {}, {}),
    "sub": (lambda a, b: a - b, np.subtract, {}, {}),
    "mul": (lambda a, b: a * b, np.multiply, {}, {}),
    "div": (lambda a, b: a / b, np.divide, {}, {"avoid": (0.0,), "margin": 0.5}),
    "pow": (lambda a, b: a**b, np.power, {"low": 0.5, "high": 2.0}, {"low": -2.0, "high": 2.0}),
    "maximum": (mg.maximum, np.maximum, {}, {}),
    "minimum": (mg.minimum, np.minimum, {}, {}),
}


@pytest.mark.parametrize("name", list(BINARY))
@given(data=st.data(), pair=broadcastable_shapes(2), mask=GRAD_MASKS)
def test_binary_op_gradients_with_broadcasting(name, data, pair, mask):
    fn, reference, x_kwargs, y_kwargs = BINARY[name]
    x = data.draw(arrays(pair[0], **x_kwargs), label="x")
    y = data.draw(arrays(pair[1], **y_kwargs), label="y")
    if name in ("maximum", "minimum"):
        # A difference smaller than the finite-difference step is neither a tie nor a
        # clean choice; exact ties are pinned by their own test below.
        gap = np.abs(np.subtract(x, y))
        assume(np.all((gap == 0) | (gap > 1e-3)))
    a, b = inputs([x, y], mask)
    out = fn(a, b)
    assert isinstance(out, mg.Tensor)
    np.testing.assert_allclose(out.data, reference(x, y), rtol=1e-12)
    assert mg.gradcheck(fn, a, b)


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_op_with_incompatible_shapes_names_op_and_shapes(name):
    fn = BINARY[name][0]
    a, b = leaf(np.ones((2, 3))), leaf(np.ones(4))
    with pytest.raises(ValueError, match=rf"{name}.*\(2, 3\).*\(4,\)"):
        fn(a, b)
    with pytest.raises(ValueError, match=rf"{name}.*\(4,\).*\(2, 3\)"):
        fn(np.ones(4), a)


# --------------------------------------------------------------------------- reflected forms

REFLECTED = {
    "2 - t": (lambda t: 2 - t, {}),
    "2.5 + t": (lambda t: 2.5 + t, {}),
    "3 * t": (lambda t: 3 * t, {}),
    "1 / t": (lambda t: 1 / t, {"avoid": (0.0,), "margin": 0.5}),
    "2 ** t": (lambda t: 2**t, {}),
    "0.5 ** t": (lambda t: 0.5**t, {}),
    "t ** 2": (lambda t: t**2, {}),
    "t ** 3": (lambda t: t**3, {}),
    "t ** 1": (lambda t: t**1, {}),
    "t ** 0": (lambda t: t**0, {}),
    "t ** 0.5": (lambda t: t**0.5, {"low": 0.1}),
    "t ** -1.5": (lambda t: t**-1.5, {"low": 0.3}),
    "t ** -1": (lambda t: t**-1, {"avoid": (0.0,), "margin": 0.5}),
    "-t": (lambda t: -t, {}),
    "t - 1": (lambda t: t - 1, {}),
    "t / 4": (lambda t: t / 4, {}),
    "np.float64(2) * t": (lambda t: np.float64(2.0) * t, {}),
}


@pytest.mark.parametrize("name", list(REFLECTED))
@given(data=st.data())
def test_scalar_and_reflected_forms(name, data):
    fn, kwargs = REFLECTED[name]
    x = data.draw(arrays(**kwargs), label="x")
    out = fn(leaf(x))
    assert isinstance(out, mg.Tensor)
    np.testing.assert_allclose(out.data, fn(x), rtol=1e-12)
    assert mg.gradcheck(fn, leaf(x))


ARRAY_REFLECTED = {
    "array + t": (lambda c, t: c + t, {}),
    "array - t": (lambda c, t: c - t, {}),
    "array * t": (lambda c, t: c * t, {}),
    "array / t": (lambda c, t: c / t, {"avoid": (0.0,), "margin": 0.5}),
    "positive array ** t": (lambda c, t: (np.abs(c) + 0.5) ** t, {}),
}


@pytest.mark.parametrize("name", list(ARRAY_REFLECTED))
@given(data=st.data(), pair=broadcastable_shapes(2))
def test_array_on_the_left_stays_a_tensor(name, data, pair):
    fn, kwargs = ARRAY_REFLECTED[name]
    c = data.draw(arrays(pair[0]), label="constant")
    x = data.draw(arrays(pair[1], **kwargs), label="x")
    out = fn(c, leaf(x))
    assert isinstance(out, mg.Tensor) and out.requires_grad
    np.testing.assert_allclose(out.data, fn(c, x), rtol=1e-12)
    assert mg.gradcheck(lambda t: fn(c, t), leaf(x))


def test_pow_zero_exponent_has_zero_gradient_at_zero():
    # d/dx x**0 = 0 everywhere, x = 0 included (as torch), not 0 * inf = NaN.
    x = leaf([0.0, 2.0])
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


def test_tensor_exponent_at_zero_base_gives_zero_exponent_gradient():
    base = mg.Tensor([0.0, 2.0])
    p = leaf([2.0, 3.0])
    (base**p).sum().backward()
    np.testing.assert_allclose(p.grad, [0.0, 8.0 * np.log(2.0)])


def test_tensor_exponent_of_a_negative_base_gives_nan_quietly():
    # As PyTorch: d/dp (-2)^p = (-2)^p log(-2) is NaN, not a made-up number nor a warning.
    p = leaf([2.0])
    (mg.Tensor([-2.0]) ** p).sum().backward()
    assert np.isnan(p.grad[0])


# --------------------------------------------------------------------------- matmul


@given(data=st.data(), pair=matmul_shapes(), mask=GRAD_MASKS)
def test_matmul_gradients_1d_2d_and_batched(data, pair, mask):
    x = data.draw(arrays(pair[0]), label="x")
    y = data.draw(arrays(pair[1]), label="y")
    a, b = inputs([x, y], mask)
    out = a @ b
    np.testing.assert_allclose(out.data, x @ y, rtol=1e-12, atol=1e-12)
    assert mg.gradcheck(lambda p, q: p @ q, a, b)


@pytest.mark.parametrize(("left", "right"), [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)),
                                             ((4, 2, 3), (3,)), ((3,), (4, 3, 2)),
                                             ((2, 1, 2, 3), (5, 3, 2))])
def test_matmul_fixed_shapes(left, right):
    rng = np.random.default_rng(1)
    x, y = leaf(rng.standard_normal(left)), leaf(rng.standard_normal(right))
    assert mg.gradcheck(lambda p, q: p @ q, x, y)
    assert x.grad is None  # gradcheck works on copies


def test_matmul_with_array_operand_on_either_side():
    w = leaf(np.arange(6.0).reshape(3, 2))
    m = np.ones((2, 3))
    out = m @ w
    assert isinstance(out, mg.Tensor)
    np.testing.assert_array_equal(out.data, m @ w.data)
    assert mg.gradcheck(lambda t: m @ t, w)
    assert mg.gradcheck(lambda t: t @ m, w)


@pytest.mark.parametrize(("left", "right"), [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3, 4), (5, 4, 2)),
                                             ((2, 3), (2,))])
def test_matmul_with_misaligned_shapes_names_op_and_shapes(left, right):
    pattern = rf"matmul.*{re_shape(left)}.*{re_shape(right)}"
    with pytest.raises(ValueError, match=pattern):
        leaf(np.ones(left)) @ leaf(np.ones(right))


def test_matmul_refuses_0d():
    with pytest.raises(ValueError, match=r"matmul.*at least 1-D"):
        leaf(np.ones(3)) @ mg.Tensor(2.0)


def re_shape(shape: tuple[int, ...]) -> str:
    return str(shape).replace("(", r"\(").replace(")", r"\)")


# --------------------------------------------------------------------------- reductions


@st.composite
def reduction_case(draw: Any) -> tuple[tuple[int, ...], Any, bool]:
    """A shape, an axis (None, an int, or a tuple, negative ones included) and keepdims."""
    shape = draw(shapes())
    ndim = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"])) if ndim else "none"
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-ndim, ndim - 1))
    else:
        chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                               unique=True))
        axis = tuple(a - ndim if draw(st.booleans()) else a for a in chosen)
    return shape, axis, draw(st.booleans())


def distinct_values(draw: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Values with pairwise gaps far above the finite-difference step (no near-ties)."""
    size = int(np.prod(shape))
    order = draw(st.permutations(range(size)))
    return ((np.array(order, dtype=np.float64) - size / 2) * 0.37).reshape(shape)


REDUCTIONS = {
    "sum": (lambda t, axis, keep: t.sum(axis=axis, keepdims=keep), np.sum),
    "mean": (lambda t, axis, keep: t.mean(axis=axis, keepdims=keep), np.mean),
    "max": (lambda t, axis, keep: t.max(axis=axis, keepdims=keep), np.max),
    "min": (lambda t, axis, keep: t.min(axis=axis, keepdims=keep), np.min),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
@given(data=st.data(), case=reduction_case())
def test_reduction_gradients(name, data, case):
    shape, axis, keepdims = case
    fn, reference = REDUCTIONS[name]
    if name in ("max", "min"):
        x = distinct_values(data.draw, shape)
    else:
        x = data.draw(arrays(shape), label="x")
    out = fn(leaf(x), axis, keepdims)
    expected = reference(x, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert mg.gradcheck(lambda t: fn(t, axis, keepdims), leaf(x))


@pytest.mark.parametrize(
    ("name", "axis", "expected"),
    [
        ("max", None, [[0.0, 1 / 3, 0.0], [1 / 3, 1 / 3, 0.0]]),
        ("max", (0, 1), [[0.0, 1 / 3, 0.0], [1 / 3, 1 / 3, 0.0]]),
        ("max", 1, [[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]]),
        ("max", 0, [[0.0, 0.5, 0.5], [1.0, 0.5, 0.5]]),
        ("min", None, [[1 / 3, 0.0, 1 / 3], [0.0, 0.0, 1 / 3]]),
        ("min", -1, [[0.5, 0.0, 0.5], [0.0, 0.0, 1.0]]),
    ],
)
@pytest.mark.parametrize("keepdims", [False, True])
def test_max_min_split_gradient_equally_among_ties(name, axis, expected, keepdims):
    x = leaf([[1.0, 3.0, 1.0], [3.0, 3.0, 1.0]])
    out = getattr(x, name)(axis=axis, keepdims=keepdims)
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(x.grad, expected)


@pytest.mark.parametrize("name", list(REDUCTIONS))
@pytest.mark.parametrize("axis", [2, -3, (0, 2)])
def test_reduction_axis_out_of_range(name, axis):
    with pytest.raises(ValueError, match=rf"{name}: axis -?\d is out of range"):
        REDUCTIONS[name][0](leaf(np.ones((2, 3))), axis, False)


# --------------------------------------------------------------------------- unary ops

UNARY = {
    "exp": (lambda t: t.exp(), np.exp, {}),
    "log": (lambda t: t.log(), np.log, {"low": 0.1}),
    "sqrt": (lambda t: t.sqrt(), np.sqrt, {"low": 0.1}),
    "abs": (lambda t: t.abs(), np.abs, {"avoid": (0.0,)}),
    "tanh": (lambda t: t.tanh(), np.tanh, {}),
    "sigmoid": (lambda t: t.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), {"low": -30.0,
                                                                          "high": 30.0}),
    "relu": (lambda t: t.relu(), lambda x: np.maximum(x, 0.0), {"avoid": (0.0,)}),
    "neg": (lambda t: -t, np.negative, {}),
}


@pytest.mark.parametrize("name", list(UNARY))
@given(data=st.data())
def test_unary_op_gradients(name, data):
    fn, reference, kwargs = UNARY[name]
    x = data.draw(arrays(**kwargs), label="x")
    np.testing.assert_allclose(fn(leaf(x)).data, reference(x), rtol=1e-12)
    assert mg.gradcheck(fn, leaf(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_ops_are_quiet_and_finite_for_large_inputs(dtype):
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4], dtype=dtype)
    for name in ("tanh", "sigmoid", "relu", "abs"):
        t = leaf(x)
        out = UNARY[name][0](t)
        out.backward(np.ones_like(x))
        assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(t.grad)), name
    np.testing.assert_allclose(mg.Tensor(x).sigmoid().data, [0.0, np.exp(-50.0), 0.5, 1.0, 1.0],
                               rtol=1e-6, atol=0)


@pytest.mark.parametrize(("name", "expected"), [("abs", 0.0), ("relu", 0.0)])
def test_kink_derivative_at_zero(name, expected):
    x = leaf([0.0, -0.0])
    UNARY[name][0](x).sum().backward()
    np.testing.assert_array_equal(x.grad, [expected, expected])


def test_relu_output_is_nonnegative_zero():
    out = leaf([-2.0, 0.0, 3.0]).relu()
    np.testing.assert_array_equal(out.data, [0.0, 0.0, 3.0])
    assert not np.any(np.signbit(out.data))


@given(data=st.data(), bounds=st.tuples(st.floats(-2, 2), st.floats(0, 2)),
       which=st.sampled_from(["both", "min", "max"]))
def test_clip_gradient(data, bounds, which):
    lo, width = bounds
    hi = lo + width
    lo_arg = None if which == "max" else lo
    hi_arg = None if which == "min" else hi
    x = data.draw(arrays(avoid=(lo, hi), margin=1e-3), label="x")
    out = leaf(x).clip(lo_arg, hi_arg)
    np.testing.assert_array_equal(out.data, np.clip(x, lo_arg, hi_arg))
    assert mg.gradcheck(lambda t: t.clip(lo_arg, hi_arg), leaf(x))


def test_clip_bounds_are_inclusive_like_torch_clamp():
    x = leaf([-1.0, -0.5, 0.0, 1.0, 2.0])
    x.clip(-1.0, 1.0).backward(np.ones(5))
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 1.0, 1.0, 0.0])
    y = leaf([-2.0, 0.5])
    y.clip(min=0.5).backward(np.ones(2))
    np.testing.assert_array_equal(y.grad, [0.0, 1.0])


@pytest.mark.parametrize(("lo", "hi", "pattern"), [(None, None, "at least one"),
                                                   (1.0, 0.0, "greater than max")])
def test_clip_bad_bounds(lo, hi, pattern):
    with pytest.raises(ValueError, match=pattern):
        leaf([1.0]).clip(lo, hi)


@pytest.mark.parametrize("fn", [mg.maximum, mg.minimum])
def test_maximum_minimum_ties_split_gradient_in_half(fn):
    a = leaf([1.0, 2.0, 3.0])
    b = leaf([1.0, 5.0, 0.0])
    fn(a, b).backward(np.ones(3))
    chosen_a = [0.5, 0.0, 1.0] if fn is mg.maximum else [0.5, 1.0, 0.0]
    np.testing.assert_array_equal(a.grad, chosen_a)
    np.testing.assert_array_equal(b.grad, 1.0 - np.array(chosen_a))
    c = leaf([2.0, 2.0])
    fn(c, 2.0).backward(np.ones(2))
    np.testing.assert_array_equal(c.grad, [0.5, 0.5])


# --------------------------------------------------------------------------- where


@given(data=st.data(), three=broadcastable_shapes(3), mask=GRAD_MASKS)
def test_where_gradient(data, three, mask):
    cond = data.draw(hnp.arrays(np.bool_, three[0]), label="cond")
    x = data.draw(arrays(three[1]), label="a")
    y = data.draw(arrays(three[2]), label="b")
    a, b = inputs([x, y], mask)
    out = mg.where(cond, a, b)
    np.testing.assert_array_equal(out.data, np.where(cond, x, y))
    assert mg.gradcheck(lambda p, q: mg.where(cond, p, q), a, b)


def test_where_with_a_scalar_branch_and_bad_condition():
    x = leaf([1.0, -2.0, 3.0])
    mg.where(x > 0, x, 0.0).backward(np.ones(3))
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])
    with pytest.raises(TypeError, match="where: condition must be boolean"):
        mg.where(np.array([1.0, 0.0, 1.0]), x, 0.0)
    with pytest.raises(ValueError, match="where"):
        mg.where(np.ones((2, 2), bool), x, 0.0)


# --------------------------------------------------------------------------- shape ops


@st.composite
def reshape_case(draw: Any) -> tuple[tuple[int, ...], Any]:
    shape = draw(shapes())
    size = int(np.prod(shape))
    target = draw(st.sampled_from([(size,), tuple(reversed(shape)), (*shape, 1), (1, *shape),
                                   (-1,), (1, -1)]))
    return shape, target


@given(data=st.data(), case=reshape_case())
def test_reshape_gradient(data, case):
    shape, target = case
    x = data.draw(arrays(shape), label="x")
    out = leaf(x).reshape(target)
    np.testing.assert_array_equal(out.data, x.reshape(target))
    assert mg.gradcheck(lambda t: t.reshape(target), leaf(x))
    assert mg.gradcheck(lambda t: t.reshape(*target).flatten(), leaf(x))


@given(data=st.data(), shape=shapes(min_dims=1))
def test_transpose_gradient(data, shape):
    ndim = len(shape)
    axes = tuple(data.draw(st.permutations(range(ndim)), label="axes"))
    # Some axes negative, some not (NumPy accepts the mix).
    negative = data.draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim))
    axes = tuple(a - ndim if neg else a for a, neg in zip(axes, negative))
    x = data.draw(arrays(shape), label="x")
    np.testing.assert_array_equal(leaf(x).transpose(axes).data, np.transpose(x, axes))
    assert mg.gradcheck(lambda t: t.transpose(*axes), leaf(x))
    assert mg.gradcheck(lambda t: t.transpose(), leaf(x))
    assert mg.gradcheck(lambda t: t.T, leaf(x))


@given(data=st.data(), pair=broadcastable_shapes(2))
def test_broadcast_to_gradient(data, pair):
    target = np.broadcast_shapes(*pair)
    x = data.draw(arrays(pair[0]), label="x")
    np.testing.assert_array_equal(leaf(x).broadcast_to(target).data, np.broadcast_to(x, target))
    assert mg.gradcheck(lambda t: t.broadcast_to(target), leaf(x))


def test_transpose_with_mixed_sign_axes():
    x = leaf(np.arange(24.0).reshape(2, 3, 4))
    y = x.transpose(-1, 0, 1)
    assert y.shape == (4, 2, 3)
    y.backward(np.arange(24.0).reshape(4, 2, 3))
    np.testing.assert_array_equal(x.grad, np.transpose(np.arange(24.0).reshape(4, 2, 3),
                                                       (1, 2, 0)))


@pytest.mark.parametrize(("call", "pattern"), [
    (lambda t: t.reshape(4, 2), r"reshape.*\(2, 3\).*\(4, 2\)"),
    (lambda t: t.transpose(0, 0), r"transpose.*\(2, 3\)"),
    (lambda t: t.broadcast_to((3, 3)), r"broadcast_to.*\(2, 3\).*\(3, 3\)"),
])
def test_shape_ops_with_bad_arguments(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call(leaf(np.ones((2, 3))))


# --------------------------------------------------------------------------- getitem


@given(data=st.data(), shape=shapes(min_dims=1))
def test_getitem_basic_indices(data, shape):
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True), label="index")
    x = data.draw(arrays(shape), label="x")
    np.testing.assert_array_equal(leaf(x)[index].data, x[index])
    assert mg.gradcheck(lambda t: t[index], leaf(x))


@given(data=st.data(), shape=shapes(min_dims=1))
def test_getitem_integer_arrays(data, shape):
    index = data.draw(hnp.integer_array_indices(shape), label="index")
    x = data.draw(arrays(shape), label="x")
    np.testing.assert_array_equal(leaf(x)[index].data, x[index])
    assert mg.gradcheck(lambda t: t[index], leaf(x))


@given(data=st.data(), shape=shapes(min_dims=1))
def test_getitem_boolean_masks(data, shape):
    mask = data.draw(hnp.arrays(np.bool_, shape), label="mask")
    x = data.draw(arrays(shape), label="x")
    np.testing.assert_array_equal(leaf(x)[mask].data, x[mask])
    assert mg.gradcheck(lambda t: t[mask], leaf(x))
    positive = x > 0  # a mask made from the data, fixed before the finite differences
    assert mg.gradcheck(lambda t: t[positive], leaf(x))


def test_getitem_repeated_indices_accumulate():
    x = leaf([10.0, 20.0, 30.0])
    x[[0, 0, 2, 0]].backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [7.0, 0.0, 3.0])
    m = leaf(np.zeros((2, 2)))
    m[np.array([1, 1]), [0, 0]].sum().backward()
    np.testing.assert_array_equal(m.grad, [[0.0, 0.0], [2.0, 0.0]])


@pytest.mark.parametrize("index", [np.array([0.0, 1.0]), mg.Tensor([0.0, 1.0]), [0.5],
                                   (0, np.array([1.0]))])
def test_getitem_with_float_index_array_raises(index):
    with pytest.raises(IndexError, match="integers or booleans"):
        leaf(np.ones((3, 3)))[index]


@pytest.mark.parametrize("index", [1.0, 5, (0, 0, 0)])
def test_getitem_bad_index_names_op_and_shape(index):
    with pytest.raises(IndexError, match=r"getitem.*\(3, 3\)"):
        leaf(np.ones((3, 3)))[index]


# --------------------------------------------------------------------------- join


@given(data=st.data(), base=shapes(min_dims=1),
       sizes=st.lists(st.integers(1, 3), min_size=1, max_size=3))
def test_concatenate_gradient(data, base, sizes):
    axis = data.draw(st.integers(-len(base), len(base) - 1), label="axis")
    parts = []
    for size in sizes:
        shape = list(base)
        shape[axis] = size
        parts.append(data.draw(arrays(tuple(shape)), label="part"))
    mask = data.draw(st.lists(st.booleans(), min_size=len(parts), max_size=len(parts)))
    assume(any(mask))
    tensors = inputs(parts, mask)
    np.testing.assert_array_equal(mg.concatenate(tensors, axis=axis).data,
                                  np.concatenate(parts, axis=axis))
    assert mg.gradcheck(lambda *ts: mg.concatenate(ts, axis=axis), *tensors)


@given(data=st.data(), shape=shapes(), count=st.integers(1, 3))
def test_stack_gradient(data, shape, count):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    parts = [data.draw(arrays(shape), label="part") for _ in range(count)]
    tensors = [leaf(p) for p in parts]
    np.testing.assert_array_equal(mg.stack(tensors, axis=axis).data, np.stack(parts, axis=axis))
    assert mg.gradcheck(lambda *ts: mg.stack(ts, axis=axis), *tensors)


def test_join_with_an_array_part_and_bad_shapes():
    x = leaf([1.0, 2.0])
    out = mg.concatenate([x, np.array([5.0]), x], axis=0)
    out.backward(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    np.testing.assert_array_equal(x.grad, [5.0, 7.0])
    with pytest.raises(ValueError, match=r"concatenate.*\(2,\).*\(2, 2\)"):
        mg.concatenate([x, leaf(np.ones((2, 2)))])
    with pytest.raises(ValueError, match=r"stack.*\(2,\).*\(3,\)"):
        mg.stack([x, leaf(np.ones(3))])
    for join in (mg.concatenate, mg.stack):
        with pytest.raises(ValueError, match="at least one"):
            join([])


# --------------------------------------------------------------------------- float32


class Probe(mg.Function):
    """Identity that records the dtype of the gradient reaching it (a test spy)."""

    def __init__(self) -> None:
        self.seen: list[np.dtype] = []

    def forward(self, ctx: mg.Context, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, ctx: mg.Context, dout: np.ndarray) -> np.ndarray:
        self.seen.append(dout.dtype)
        return dout


FLOAT32_CASES = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow scalar": lambda a, b: a**2 + a**0.5 + a**-1,
    "pow tensor": lambda a, b: a**b,
    "rpow": lambda a, b: 2**a + 0.5**b,
    "reflected": lambda a, b: 2 - a + 1 / b + 3 * a,
    "neg": lambda a, b: -a,
    "constants": lambda a, b: a * 1.0001 + np.float64(2.0) * b + np.int64(3) - np.float32(1),
    "matmul": lambda a, b: a @ b.T,
    "matmul 1-D": lambda a, b: a[0] @ b[1],
    "sum": lambda a, b: a.sum(axis=0) + b.sum(),
    "mean": lambda a, b: a.mean(axis=1, keepdims=True) + b.mean(),
    "max": lambda a, b: a.max(axis=0) + b.max(),
    "min": lambda a, b: a.min(axis=(0, 1)) + b.min(axis=-1).sum(),
    "exp log sqrt": lambda a, b: a.exp() + a.log() + b.sqrt(),
    "abs tanh sigmoid relu": lambda a, b: a.abs() + a.tanh() + b.sigmoid() + b.relu(),
    "clip": lambda a, b: a.clip(0.5, 1.5) + b.clip(min=0.2),
    "maximum minimum": lambda a, b: mg.maximum(a, b) + mg.minimum(a, 1.0),
    "where": lambda a, b: mg.where(a.data > 1.0, a, b) + mg.where(b.data > 1.0, 0.5, b),
    "shape": lambda a, b: a.reshape(3, 2) + b.T.transpose(1, 0).transpose().broadcast_to((2, 3, 2)),
    "getitem": lambda a, b: a[0] + b[:, 1].sum() + a[[0, 0]].sum() + b[b.data > 1].sum(),
    "join": lambda a, b: mg.concatenate([a, b], axis=1).sum() + mg.stack([a, b]).sum(),
}


@pytest.mark.parametrize("name", list(FLOAT32_CASES))
def test_float32_stays_float32_in_results_and_gradients(name):
    rng = np.random.default_rng(0)
    leaves = [leaf(rng.uniform(0.3, 2.0, (2, 3)).astype(np.float32)) for _ in range(2)]
    probes = [Probe(), Probe()]
    out = FLOAT32_CASES[name](*(p(x) for p, x in zip(probes, leaves)))
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, np.float32))
    seen = probes[0].seen + probes[1].seen
    assert seen, "no gradient reached the inputs"
    assert all(dtype == np.float32 for dtype in seen), seen
    for x in leaves:
        assert x.grad is None or x.grad.dtype == np.float32
