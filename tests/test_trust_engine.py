"""Engine paths that once gave a wrong answer without an error, checked against PyTorch.

In-place changes between forward and backward, type promotion, pow at a zero base, reduction
axes, NumPy functions on Tensors, gradient assignment and custom backward methods that write
into ``dout``. Each test failed on the engine before the fix it pins.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim

# --------------------------------------------------------------------------- in-place changes


def test_a_step_between_forward_and_backward_raises_like_torch(torch):
    # The issue's example: l2's gradient would have used the weights after the step (the
    # second layer's W carries the gradient back to the first).
    model = nn.Sequential(nn.Dense(3, 4, rng=0), nn.Tanh(), nn.Dense(4, 2, rng=1))
    opt = optim.SGD(model.parameters(), lr=0.1)
    out = model(np.ones((4, 3)))
    l1, l2 = out.sum(), (out * 2).sum()
    l1.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=r"Dense.backward.*parameter W.*modified by an "
                                           r"in-place operation.*version 1"):
        l2.backward()

    t_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    t_opt = torch.optim.SGD(t_model.parameters(), lr=0.1)
    t_out = t_model(torch.ones(4, 3))
    t_l1, t_l2 = t_out.sum(), (t_out * 2).sum()
    t_l1.backward(retain_graph=True)
    t_opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        t_l2.backward()


def test_backward_after_step_is_fine_when_nothing_saved_was_changed():
    # The usual loop (forward, backward, step) and a step after the backward never raise;
    # nor does a change to a tensor that the node did not save (an addend), as in torch.
    w = mg.Tensor([1.0, 2.0], requires_grad=True)
    b = mg.Tensor([0.5, 0.5], requires_grad=True)
    opt = optim.SGD([w, b], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        (w * w + b).sum().backward()
        opt.step()
    opt.zero_grad()
    y = (w + b).sum()
    with mg.no_grad():
        b -= 1.0
    y.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


@pytest.mark.parametrize("change", ["zero_", "setitem", "isub", "step", "load_state_dict"])
def test_every_in_place_api_bumps_the_version_and_backward_notices(change):
    model = nn.Sequential(nn.Dense(2, 2, rng=0))
    W = model[0].W
    # The input requires grad, so the layer saved W for dx.
    loss = (model(mg.Tensor(np.ones((1, 2)), requires_grad=True)) ** 2).sum()
    before = W._version
    with mg.no_grad():
        if change == "zero_":
            W.zero_()
        elif change == "setitem":
            W[0, 0] = 5.0
        elif change == "isub":
            W -= 1.0
        elif change == "step":
            W.grad = np.ones_like(W.data)
            optim.SGD([W], lr=0.1).step()
        else:
            model.load_state_dict({k: v + 1 for k, v in model.state_dict().items()})
    assert W._version > before
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_writing_to_data_is_the_unchecked_escape_hatch():
    # Documented: .data writes are not versioned, as in PyTorch.
    w = mg.Tensor([2.0], requires_grad=True)
    y = w * w
    w.data[0] = 3.0
    y.backward()
    assert w._version == 0 and w.grad[0] == 6.0


def test_views_and_detached_tensors_share_the_version():
    w = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    d = w.detach()
    d[0] = 7.0  # no grad on d: allowed, and it is w's memory
    assert w._version == 1
    with pytest.raises(RuntimeError, match="its input 0"):
        y.backward()


def test_a_leaf_that_requires_grad_refuses_in_place_changes_while_recording(torch):
    w = mg.Tensor([1.0], requires_grad=True)
    for change in (lambda: w.__isub__(1.0), lambda: w.__setitem__(0, 1.0), w.zero_):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
            change()
    t = torch.ones(1, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        t -= 1.0


def test_in_place_update_under_no_grad_moves_the_models_own_parameter():
    # Before: `w -= ...` made a new Tensor and left the model's parameter where it was.
    model = nn.Dense(2, 1, rng=0)
    w = model.W
    start = w.data.copy()
    (model(np.ones((1, 2)))).sum().backward()
    with mg.no_grad():
        w -= 0.5 * w.grad
    assert model.W is w
    np.testing.assert_allclose(model.W.data, start - 0.5)


def test_in_place_ops_inside_a_graph_match_torch(torch):
    x = np.array([[0.5, -1.0, 2.0]])
    a = mg.Tensor(x, requires_grad=True)
    h = a * 3.0
    h += a            # recorded: h is now 4a
    h[0, 1] = 10.0    # recorded: that element no longer depends on a
    h *= 2.0          # recorded
    (h * h).sum().backward()

    ta = torch.tensor(x, requires_grad=True)
    th = ta * 3.0
    th += ta
    th[0, 1] = 10.0
    th *= 2.0
    (th * th).sum().backward()
    np.testing.assert_allclose(h.data, th.detach().numpy())
    np.testing.assert_allclose(a.grad, ta.grad.numpy())


def test_setitem_value_gets_its_gradient(torch):
    v = mg.Tensor([2.0, 3.0], requires_grad=True)
    h = mg.Tensor(np.zeros((2, 2)))
    h[1] = v
    (h * h).sum().backward()
    tv = torch.tensor([2.0, 3.0], requires_grad=True)
    th = torch.zeros(2, 2)
    th[1] = tv
    (th * th).sum().backward()
    np.testing.assert_allclose(v.grad, tv.grad.numpy())


def test_in_place_with_a_shape_that_does_not_fit_is_refused_and_changes_nothing():
    t = mg.Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"\+=.*shape \(2, 3\).*shape \(3,\)"):
        t += np.ones((2, 3))
    np.testing.assert_array_equal(t.data, np.ones(3))
    assert t._version == 0


# --------------------------------------------------------------------------- type promotion


PROMOTION_CASES = {
    "bool array": lambda: np.array([True, True, True]),
    "int array": lambda: np.array([1, 2, 3]),
    "0-d float64 array": lambda: np.array(2.0),
    "np.float64": lambda: np.float64(2.0),
    "list": lambda: [1.0, 2.0, 3.0],
    "python int": lambda: 3,
}


@pytest.mark.parametrize("name", sorted(PROMOTION_CASES))
@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow"])
def test_a_float32_tensor_stays_float32_against_constants(name, op, torch):
    make = PROMOTION_CASES[name]
    x = mg.Tensor(np.array([1.0, 2.0, 3.0], np.float32), requires_grad=True)
    for result in (getattr(x, f"__{op}__")(make()), getattr(x, f"__r{op}__")(make())):
        assert result.dtype == np.float32, (name, op)
        result.sum().backward()
        assert x.grad.dtype == np.float32
    other = make()
    if isinstance(other, list) or (name == "bool array" and op in ("sub", "pow")):
        return  # torch takes no lists, and refuses - and ** with bool tensors
    t_other = torch.tensor(other) if isinstance(other, np.ndarray) else other
    t_x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float32)
    assert getattr(t_x, f"__{op}__")(t_other).dtype == torch.float32


def test_a_0d_float64_tensor_does_not_promote_a_float32_one_but_gets_a_float64_grad(torch):
    x = mg.Tensor(np.ones(3, np.float32), requires_grad=True)
    s = mg.Tensor(2.0, requires_grad=True)
    for y in (x * s, s * x, mg.maximum(x, s), mg.where(np.array([True, False, True]), x, s)):
        assert y.dtype == np.float32
    (x * s).sum().backward()
    assert (x.grad.dtype, s.grad.dtype) == (np.float32, np.float64)
    assert s.grad == 3.0

    tx = torch.ones(3, dtype=torch.float32, requires_grad=True)
    ts = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    (tx * ts).sum().backward()
    assert (tx * ts).dtype == torch.float32 and ts.grad.dtype == torch.float64


def test_float32_meets_float64_with_dimensions_promotes_like_torch():
    x = mg.Tensor(np.ones(2, np.float32))
    assert (x * np.ones(2)).dtype == np.float64
    assert (x * mg.Tensor(np.ones(2))).dtype == np.float64
    assert (mg.Tensor(np.float32(2.0)) * mg.Tensor(2.0)).dtype == np.float64  # both 0-d


# --------------------------------------------------------------------------- pow at zero


def test_pow_at_a_zero_base_matches_torch(torch):
    base = np.array([0.0, 0.0, 0.0, 0.0, 1.0, -2.0, -2.0, 2.0])
    expo = np.array([0.0, 2.0, -1.0, 0.5, 0.0, 0.5, 2.0, -1.5])
    x, e = mg.Tensor(base, requires_grad=True), mg.Tensor(expo, requires_grad=True)
    out = x ** e
    out.sum().backward()
    tx, te = torch.tensor(base, requires_grad=True), torch.tensor(expo, requires_grad=True)
    t_out = tx ** te
    t_out.sum().backward()
    np.testing.assert_array_equal(out.data, t_out.detach().numpy())
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    np.testing.assert_array_equal(e.grad, te.grad.numpy())


@pytest.mark.parametrize("constant_base", [0.0, 2.0])
def test_pow_with_a_constant_base_or_exponent_at_zero_matches_torch(constant_base, torch):
    values = np.array([0.0, 2.0, -1.0])
    x = mg.Tensor(values, requires_grad=True)
    (constant_base ** x).sum().backward()
    tx = torch.tensor(values, requires_grad=True)
    (constant_base ** tx).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
    for p in (0.0, -1.0, 0.5):
        x = mg.Tensor(values, requires_grad=True)
        (x ** p).sum().backward()
        tx = torch.tensor(values, requires_grad=True)
        (tx ** p).sum().backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), equal_nan=True)


# --------------------------------------------------------------------------- axes


@pytest.mark.parametrize("axis", [np.int64(0), np.int32(-1), [0, 1], (1,), [np.int64(1)]])
@pytest.mark.parametrize("method", ["sum", "mean", "max", "min"])
def test_reductions_take_any_integer_like_axis_and_lists_like_torch_dim(axis, method, torch):
    data = np.arange(6.0).reshape(2, 3)
    x = mg.Tensor(data, requires_grad=True)
    y = getattr(x, method)(axis=axis)
    y.sum().backward()
    dims = tuple(int(a) for a in np.atleast_1d(axis))
    tx = torch.tensor(data, requires_grad=True)
    ty = getattr(torch, {"max": "amax", "min": "amin"}.get(method, method))(tx, dim=dims)
    ty.sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy())
    np.testing.assert_allclose(x.grad, tx.grad.numpy())


@pytest.mark.parametrize("axis, error", [(1.0, TypeError), ("0", TypeError), (True, TypeError),
                                         ([0, 0], ValueError), ([0, 5], ValueError)])
def test_bad_axes_are_refused_with_the_op_name(axis, error):
    with pytest.raises(error, match="sum: axis"):
        mg.Tensor(np.ones((2, 3))).sum(axis=axis)


# --------------------------------------------------------------------------- NumPy on Tensors


def test_numpy_functions_on_tensors_keep_the_gradient():
    data = np.array([[1.0, -2.0], [0.5, 3.0]])
    x = mg.Tensor(data, requires_grad=True)
    y = np.sum(np.exp(x) * np.ones(2), axis=1) + np.mean(x) + np.maximum(x, 0.0).sum()
    assert isinstance(y, mg.Tensor)
    y.sum().backward()
    expected = np.exp(data) + 2 * (1.0 / 4) + 2 * (data > 0)  # y has 2 elements
    np.testing.assert_allclose(x.grad, expected)


def test_numpy_functions_that_only_read_values_give_plain_results():
    x = mg.Tensor([[1.0, np.nan], [3.0, -1.0]], requires_grad=True)
    np.testing.assert_array_equal(np.isnan(x), [[False, True], [False, False]])
    assert np.argmax(mg.Tensor([1.0, 5.0, 2.0])) == 1
    assert np.allclose(mg.Tensor([1.0]), [1.0])
    assert int(mg.Tensor([2.7])) == 2 and float(mg.Tensor([2.5])) == 2.5


@pytest.mark.parametrize("call", [lambda t: np.arcsin(t), lambda t: np.diff(t),
                                  lambda t: np.add(t, 1.0, out=np.zeros(2)),
                                  lambda t: np.sum(t, dtype=np.float32),
                                  lambda t: np.add.reduce(t)])
def test_numpy_functions_without_a_rule_say_what_to_call(call):
    with pytest.raises(TypeError, match=r"(t\.data|tensor\.sum\(axis)"):
        call(mg.Tensor([1.0, 2.0], requires_grad=True))


def test_asarray_of_a_tensor_that_requires_grad_is_read_only():
    w = mg.Tensor([1.0, 2.0], requires_grad=True)
    view = np.asarray(w)
    with pytest.raises(ValueError, match="read-only"):
        view[0] = 5.0
    assert w.data[0] == 1.0
    np.asarray(mg.Tensor([1.0]))[0] = 2.0  # without grad: the data itself, writable


def test_a_tensor_as_an_index_is_refused_with_what_to_use_instead():
    x = mg.Tensor([1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match=r"getitem: a Tensor cannot be an index.*x > 0"):
        x[mg.Tensor(np.array([True, False, True]))]
    np.testing.assert_array_equal(x[x > 1.5].data, [2.0, 3.0])


# --------------------------------------------------------------------------- gradients


def test_assigning_a_misshapen_grad_is_refused_at_assignment(torch):
    w = mg.Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"Tensor.grad: expected .* shape \(2, 3\).*\(3,\)"):
        w.grad = np.ones(3)
    assert w.grad is None
    w.grad = np.zeros((2, 3))
    t = torch.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="same size"):
        t.grad = torch.ones(3)


class _DoubleInPlace(mg.Function):
    """A custom op whose backward writes into dout: the classic aliasing mistake."""

    def forward(self, ctx, x):
        return x * 2.0

    def backward(self, ctx, dout):
        dout *= 2.0
        return dout


class _Double(mg.Function):
    def forward(self, ctx, x):
        return x * 2.0

    def backward(self, ctx, dout):
        return dout * 2.0


def test_a_custom_backward_that_writes_into_dout_is_caught():
    # y feeds two branches through one Add: both receive the same dout array, so writing
    # into it would have changed the other branch's gradient.
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = x + x
    z = _DoubleInPlace()(y) + y
    with pytest.raises(RuntimeError, match=r"_DoubleInPlace.backward wrote into its dout"):
        z.sum().backward()
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = x + x
    (_Double()(y) + y).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
