"""The PyTorch Tensor vocabulary (argmax ... masked_fill, ``//`` and ``%``) against PyTorch.

Every method is compared with torch in value and gradient (float64, a random upstream
gradient) on shapes with ties, zeros and negative axes; gradients are also checked by finite
differences away from kinks, and float32 stays float32 in values and gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import arrays, shapes

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4))
B = RNG.normal(size=(2, 3, 4))
TIES = np.array([[1.0, 3.0, 3.0, -3.0], [2.0, 2.0, -1.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
ZEROS = np.array([[2.0, 0.0, 3.0, 1.5], [0.0, 4.0, 0.0, 2.0], [1.0, -2.0, 3.0, 0.5]])
INF = float("inf")


def _outputs(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def compare(torch: Any, fn: Any, t_fn: Any, x: np.ndarray, seed: int = 1) -> None:
    """fn(mg tensor) and t_fn(torch tensor) agree in value and in the gradient of a random
    weighted sum of the outputs (a list of outputs, as split gives, included)."""
    rng = np.random.default_rng(seed)
    m = mg.Tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    m_out, t_out = _outputs(fn(m)), _outputs(t_fn(t))
    assert len(m_out) == len(t_out)
    m_loss, t_loss = None, None
    for mo, to in zip(m_out, t_out):
        expected = to.detach().numpy()
        assert mo.shape == expected.shape
        np.testing.assert_allclose(mo.data, expected, rtol=1e-12, atol=1e-14)
        u = rng.normal(size=expected.shape)
        m_term, t_term = (mo * u).sum(), (to * torch.tensor(u)).sum()
        m_loss = m_term if m_loss is None else m_loss + m_term
        t_loss = t_term if t_loss is None else t_loss + t_term
    assert m_loss is not None and t_loss is not None
    m_loss.backward()
    t_loss.backward()
    expected_grad = np.zeros_like(x) if t.grad is None else t.grad.numpy()
    np.testing.assert_allclose(m.grad, expected_grad, rtol=1e-12, atol=1e-14)


# name -> (minigrad call, torch call, input)
CASES: dict[str, tuple[Any, Any, np.ndarray]] = {
    "sin": (lambda t: t.sin(), lambda t: t.sin(), B),
    "cos": (lambda t: t.cos(), lambda t: t.cos(), B),
    "log1p": (lambda t: t.log1p(), lambda t: t.log1p(), np.abs(A) - 0.5),
    "log1p tiny": (lambda t: t.log1p(), lambda t: t.log1p(), A * 1e-12),
    "expm1": (lambda t: t.expm1(), lambda t: t.expm1(), A),
    "sign at zeros": (lambda t: t.sign(), lambda t: t.sign(), ZEROS),
    "clone": (lambda t: t.clone() * 2.0, lambda t: t.clone() * 2.0, A),
    "squeeze all": (lambda t: t.squeeze(), lambda t: t.squeeze(), np.ones((1, 3, 1, 2))),
    "squeeze -2": (lambda t: t.squeeze(-2), lambda t: t.squeeze(-2), np.ones((1, 3, 1, 2))),
    "squeeze not 1": (lambda t: t.squeeze(1), lambda t: t.squeeze(1), np.ones((1, 3, 1, 2))),
    "squeeze tuple": (lambda t: t.squeeze((0, -2)), lambda t: t.squeeze((0, -2)),
                      np.ones((1, 3, 1, 2))),
    "unsqueeze 0": (lambda t: t.unsqueeze(0), lambda t: t.unsqueeze(0), A),
    "unsqueeze -1": (lambda t: t.unsqueeze(-1), lambda t: t.unsqueeze(-1), A),
    "unsqueeze -2": (lambda t: t.unsqueeze(-2), lambda t: t.unsqueeze(-2), A),
    "permute": (lambda t: t.permute(2, 0, 1), lambda t: t.permute(2, 0, 1), B),
    "permute negative": (lambda t: t.permute((-1, 0, -2)), lambda t: t.permute(-1, 0, -2), B),
    "view": (lambda t: t.view(4, -1), lambda t: t.view(4, -1), B),
    "view of transpose": (lambda t: t.T.view(-1), lambda t: t.T.reshape(-1), A),
    "expand": (lambda t: t.expand(2, -1, 4), lambda t: t.expand(2, -1, 4), A[:, :1]),
    "expand tuple": (lambda t: t.expand((3, 4)), lambda t: t.expand((3, 4)), A[:1]),
    "flatten": (lambda t: t.flatten(), lambda t: t.flatten(), B),
    "flatten 1": (lambda t: t.flatten(1), lambda t: t.flatten(1), B),
    "flatten 0..-2": (lambda t: t.flatten(0, -2), lambda t: t.flatten(0, -2), B),
    "flatten 0-d": (lambda t: t.flatten(), lambda t: t.flatten(), np.array(2.0)),
    "var": (lambda t: t.var(), lambda t: t.var(), B),
    "var axis -1": (lambda t: t.var(-1), lambda t: t.var(-1), B),
    "var keepdims": (lambda t: t.var(1, keepdims=True), lambda t: t.var(1, keepdim=True), B),
    "var tuple": (lambda t: t.var((0, 2)), lambda t: t.var((0, 2)), B),
    "var correction 0": (lambda t: t.var(0, correction=0), lambda t: t.var(0, correction=0), A),
    "var ddof 0": (lambda t: t.var(0, ddof=0), lambda t: t.var(0, correction=0), A),
    "std": (lambda t: t.std(), lambda t: t.std(), B),
    "std axis -1": (lambda t: t.std(-1), lambda t: t.std(-1), TIES),
    "std keepdims": (lambda t: t.std(1, keepdims=True), lambda t: t.std(1, keepdim=True), TIES),
    "std correction 0": (lambda t: t.std(0, correction=0), lambda t: t.std(0, correction=0), A),
    "prod": (lambda t: t.prod(), lambda t: t.prod(), A),
    "prod with zeros": (lambda t: t.prod(), lambda t: t.prod(), ZEROS),
    "prod one zero": (lambda t: t.prod(), lambda t: t.prod(), ZEROS[0]),
    "prod rows": (lambda t: t.prod(1), lambda t: t.prod(1), ZEROS),
    "prod columns": (lambda t: t.prod(-2), lambda t: t.prod(-2), ZEROS),
    "prod keepdims": (lambda t: t.prod(0, keepdims=True), lambda t: t.prod(0, keepdim=True),
                      ZEROS),
    "prod tuple": (lambda t: t.prod((0, -1)), lambda t: t.prod(-1).prod(0), B),
    "norm 2": (lambda t: t.norm(), lambda t: t.norm(), B),
    "norm 2 zeros": (lambda t: t.norm(2, -1), lambda t: t.norm(2, -1), TIES),
    "norm 1": (lambda t: t.norm(1, -1), lambda t: t.norm(1, -1), TIES),
    "norm 1 all": (lambda t: t.norm(1), lambda t: t.norm(1), ZEROS),
    "norm inf ties": (lambda t: t.norm(INF, 1), lambda t: t.norm(INF, 1), TIES),
    "norm inf keepdims": (lambda t: t.norm(INF, 0, keepdims=True),
                          lambda t: t.norm(INF, 0, keepdim=True), TIES),
    "norm inf all": (lambda t: t.norm(INF), lambda t: t.norm(INF), TIES),
    "norm fro": (lambda t: t.norm("fro"), lambda t: t.norm("fro"), A),
    "norm fro axes": (lambda t: t.norm("fro", (1, 2)), lambda t: t.norm("fro", (1, 2)), B),
    "norm np.inf": (lambda t: t.norm(np.inf, -1), lambda t: t.norm(INF, -1), A),
    "cumsum 0": (lambda t: t.cumsum(0), lambda t: t.cumsum(0), B),
    "cumsum -1": (lambda t: t.cumsum(-1), lambda t: t.cumsum(-1), B),
    "softmax": (lambda t: t.softmax(), lambda t: t.softmax(-1), B),
    "softmax 0": (lambda t: t.softmax(0), lambda t: t.softmax(0), A),
    "softmax big": (lambda t: t.softmax(), lambda t: t.softmax(-1), A * 1000.0),
    "log_softmax": (lambda t: t.log_softmax(), lambda t: t.log_softmax(-1), B),
    "log_softmax -2": (lambda t: t.log_softmax(-2), lambda t: t.log_softmax(-2), A * 1000.0),
    "split size": (lambda t: t.split(3, 1), lambda t: t.split(3, 1), A),
    "split sizes": (lambda t: t.split([1, 2, 1], -1), lambda t: t.split([1, 2, 1], -1), B),
    "split axis 0": (lambda t: t.split(2), lambda t: t.split(2), A),
    "chunk": (lambda t: t.chunk(3, -1), lambda t: t.chunk(3, -1), A),
    "chunk uneven": (lambda t: t.chunk(4), lambda t: t.chunk(4), np.ones((6, 2))),
    "gather": (lambda t: t.gather(1, np.array([[0, 0], [3, 1], [2, 2]])),
               lambda t: t.gather(1, _t(np.array([[0, 0], [3, 1], [2, 2]]))), A),
    "gather -1 small": (lambda t: t.gather(-1, np.array([[[1], [1]]])),
                        lambda t: t.gather(-1, _t(np.array([[[1], [1]]]))), B),
    "gather 0": (lambda t: t.gather(0, np.array([[2, 0, 0, 1]])),
                 lambda t: t.gather(0, _t(np.array([[2, 0, 0, 1]]))), A),
    "index_select": (lambda t: t.index_select(0, np.array([2, 0, 2])),
                     lambda t: t.index_select(0, _t(np.array([2, 0, 2]))), A),
    "index_select -1": (lambda t: t.index_select(-1, np.array([3, 3, 1])),
                        lambda t: t.index_select(-1, _t(np.array([3, 3, 1]))), B),
    "masked_fill": (lambda t: t.masked_fill(A > 0, -1.5),
                    lambda t: t.masked_fill(_t(A > 0), -1.5), A),
    "masked_fill broadcast": (lambda t: t.masked_fill(np.array([True, False, True, False]), 0.0),
                              lambda t: t.masked_fill(_t(np.array([True, False, True, False])),
                                                      0.0), B),
    "mod": (lambda t: t % 0.75, lambda t: t % 0.75, A),
    "mod negative": (lambda t: t % -0.75, lambda t: t % -0.75, A),
    # torch has no derivative for number % tensor; a tensor of that number has one.
    "rmod": (lambda t: 2.5 % t, lambda t: t.new_full(t.shape, 2.5) % t, A),
    "mod tensor": (lambda t: t % (t * 0.3 + 2.0), lambda t: t % (t * 0.3 + 2.0), A),
}


def _t(array: np.ndarray) -> Any:
    import torch

    return torch.from_numpy(array)


@pytest.mark.parametrize("name", list(CASES))
def test_value_and_gradient_match_torch(torch, name):
    fn, t_fn, x = CASES[name]
    compare(torch, fn, t_fn, x)


@pytest.mark.parametrize("name", list(CASES))
def test_float32_stays_float32_in_values_and_gradients(name):
    fn, _, x = CASES[name]
    m = mg.Tensor(x.astype(np.float32), requires_grad=True)
    outs = _outputs(fn(m))
    assert all(o.dtype == np.float32 for o in outs)
    loss = outs[0].sum()
    for o in outs[1:]:
        loss = loss + o.sum()
    loss.backward()
    assert m.grad is not None and m.grad.dtype == np.float32


def test_mod_gradient_of_the_divisor_matches_torch(torch):
    x, y = A, np.abs(A.T[:3, :1]) + 0.5
    m_x, m_y = mg.Tensor(x, requires_grad=True), mg.Tensor(y, requires_grad=True)
    t_x, t_y = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    (m_x % m_y).sum().backward()
    (t_x % t_y).sum().backward()
    np.testing.assert_allclose(m_y.grad, t_y.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(m_x.grad, t_x.grad.numpy(), rtol=1e-12)


def test_floordiv_matches_torch_and_its_backward_raises_like_torch(torch):
    x, y = A * 3.0, np.array([0.75, -1.0, 2.0, 1.5])
    m = mg.Tensor(x, requires_grad=True)
    for out, expected in ((m // y, torch.tensor(x) // torch.tensor(y)),
                          (m // 2, torch.tensor(x) // 2), (7.0 // m, 7.0 // torch.tensor(x)),
                          (m // mg.Tensor(y), torch.tensor(x) // torch.tensor(y))):
        np.testing.assert_array_equal(out.data, expected.numpy())
        assert out.requires_grad
    assert (mg.Tensor(x, dtype=np.float32) // 2).dtype == np.float32
    # Both record the call and refuse to backpropagate through it, rather than passing a
    # gradient of 0 that would hide the missing derivative.
    with pytest.raises(RuntimeError, match="FloorDivide.backward.*not implemented"):
        (m + m // 2).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        (t + t // 2).sum().backward()
    with mg.no_grad():
        assert not (m // 2).requires_grad


def test_numpy_functions_route_to_the_new_methods(torch):
    x = mg.Tensor(ZEROS, requires_grad=True)
    out = np.sin(x) + np.cos(x) + np.log1p(np.abs(x)) + np.expm1(x) + np.sign(x)
    out = out + np.cumsum(x, axis=1) + x % 1.5 + np.remainder(x, 2.0)
    assert isinstance(out, mg.Tensor) and out.requires_grad
    assert isinstance(np.floor_divide(x, 2.0), mg.Tensor)
    stats = np.prod(x, axis=0).sum() + np.var(x) + np.std(x, axis=1, ddof=1).sum()
    assert isinstance(stats, mg.Tensor)
    # NumPy's own default ddof is 0; np.var on a tensor keeps it.
    np.testing.assert_allclose(np.var(x).item(), np.var(ZEROS))
    np.testing.assert_allclose(np.std(x, axis=1, ddof=1).data, np.std(ZEROS, axis=1, ddof=1))
    np.testing.assert_allclose(np.prod(x, axis=0).data, np.prod(ZEROS, axis=0))
    np.testing.assert_allclose(np.cumsum(x).data, np.cumsum(ZEROS))
    assert np.argmax(x) == 5  # read-only: a plain integer


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("which", ["argmax", "argmin"])
def test_argmax_argmin_match_torch_with_ties(torch, axis, keepdims, which):
    x = mg.Tensor(TIES, requires_grad=True)
    got = getattr(x, which)(axis, keepdims)
    expected = getattr(torch.tensor(TIES), which)(dim=axis, keepdim=keepdims).numpy()
    assert isinstance(got, np.ndarray) and got.dtype.kind == "i"
    np.testing.assert_array_equal(got, expected)
    if not keepdims or axis is not None:
        assert got.shape == expected.shape


def test_sign_gradient_is_zero_everywhere_including_zero():
    x = mg.Tensor([-2.0, 0.0, 3.0], requires_grad=True)
    (x.sign() * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_clone_is_a_recorded_copy_in_new_memory():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.grad_fn is not None and not np.shares_memory(x.data, y.data)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_prod_gradients_at_zeros_follow_torch_rule():
    # One zero: only the zero gets the product of the rest; two zeros: all 0.
    x = mg.Tensor([[2.0, 0.0, 3.0], [0.0, 4.0, 0.0], [1.0, 2.0, 3.0]], requires_grad=True)
    x.prod(1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [6.0, 3.0, 2.0]])


def test_norm_gradients_at_zero_and_inf_ties():
    zero = mg.Tensor(np.zeros(3), requires_grad=True)
    for p in (1, 2, INF, "fro"):
        zero.grad = None
        zero.norm(p).backward()
        np.testing.assert_array_equal(zero.grad, np.zeros(3))
    x = mg.Tensor([3.0, -3.0, 1.0, 3.0], requires_grad=True)
    x.norm(INF).backward()
    np.testing.assert_allclose(x.grad, [1 / 3, -1 / 3, 0.0, 1 / 3])


def test_std_of_a_constant_slice_has_zero_gradient_without_warnings():
    x = mg.Tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]], requires_grad=True)
    x.std(1).sum().backward()
    np.testing.assert_array_equal(x.grad[0], [0.0, 0.0, 0.0])
    assert np.all(np.isfinite(x.grad))


def test_vocabulary_errors_name_the_method():
    x = mg.Tensor(A, requires_grad=True)
    with pytest.raises(ValueError, match="norm: p must be"):
        x.norm(3)
    with pytest.raises(ValueError, match="split: sizes"):
        x.split([1, 1], 0)
    with pytest.raises(TypeError, match="masked_fill: mask must be a boolean"):
        x.masked_fill(np.ones((3, 4)), 0.0)
    with pytest.raises(ValueError, match="gather"):
        x.gather(1, np.array([0, 1]))
    with pytest.raises(TypeError, match="gather: index must hold integers"):
        x.gather(1, np.zeros((3, 1)))
    with pytest.raises(ValueError, match="unsqueeze: axis 3"):
        x.unsqueeze(3)
    with pytest.raises(ValueError, match="expand"):
        x.expand(-1, 4, 4)
    with pytest.raises(ValueError, match="var/std"):
        x.var(correction=0, ddof=1)
    with pytest.raises(ValueError, match="flatten: start_axis"):
        x.flatten(1, 0)


# --------------------------------------------------------------------------- finite differences

SMOOTH: dict[str, tuple[Any, dict[str, Any]]] = {
    "sin": (lambda t: t.sin(), {}),
    "cos": (lambda t: t.cos(), {}),
    "log1p": (lambda t: t.log1p(), {"low": -0.9}),
    "expm1": (lambda t: t.expm1(), {}),
    "var": (lambda t: t.var(-1, correction=0), {}),
    "std": (lambda t: t.std(0, keepdims=True), {}),
    "prod": (lambda t: t.prod(-1), {"low": -2.0, "high": 2.0}),
    "norm 2": (lambda t: t.norm(2, -1), {}),
    "norm 1": (lambda t: t.norm(1, 0), {"avoid": (0.0,), "margin": 1e-2}),
    "norm inf": (lambda t: t.norm(INF, -1), {}),
    "cumsum": (lambda t: t.cumsum(-1), {}),
    "softmax": (lambda t: t.softmax(-1), {}),
    "log_softmax": (lambda t: t.log_softmax(0), {}),
    "mod": (lambda t: t % 1.25, {}),
}


@pytest.mark.parametrize("name", list(SMOOTH))
@given(data=st.data())
def test_gradients_match_finite_differences(name, data):
    fn, kwargs = SMOOTH[name]
    x = data.draw(arrays(shapes(min_dims=1), **kwargs), label="x")
    if name == "norm inf":
        # Away from ties for the largest |x| and from 0.
        top = np.sort(np.abs(x), axis=-1)
        assume(np.all(top[..., -1] > 1e-2))
        assume(x.shape[-1] == 1 or np.all(top[..., -1] - top[..., -2] > 1e-3))
    if name in ("norm 2", "std"):
        assume(np.all(np.abs(x).max() > 1e-2))
        if name == "std":
            assume(np.all(x.std(axis=0) > 1e-2))
        else:
            assume(np.all(np.sqrt((x * x).sum(-1)) > 1e-2))
    if name == "mod":
        ratio = x / 1.25
        assume(np.all(np.abs(ratio - np.round(ratio)) > 1e-3))
    assert mg.gradcheck(fn, mg.Tensor(x, requires_grad=True))


@given(data=st.data())
def test_prod_finite_differences_hold_through_zeros(data):
    x = data.draw(arrays((3, 4), low=-2.0, high=2.0), label="x")
    zeros = data.draw(st.lists(st.integers(0, 11), max_size=3), label="zeros")
    x.reshape(-1)[zeros] = 0.0
    assert mg.gradcheck(lambda t: t.prod(1), mg.Tensor(x, requires_grad=True))
    assert mg.gradcheck(lambda t: t.prod(), mg.Tensor(x, requires_grad=True))
