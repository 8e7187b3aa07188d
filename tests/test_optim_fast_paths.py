"""The shortcuts of ``Optimizer.step`` and of the updates, pinned against the plain rules.

``step`` checks every gradient before any parameter moves, casts a gradient only when its
dtype is not the parameter's, re-checks a group's values only when one was replaced, and
bumps the versions of everything it wrote under one lock acquisition; Adam writes its
formulas as in-place operations on its temporaries. Each test here compares with the rule
written out plainly (bit for bit) or checks what the shortcut must not skip.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.versions import bump_versions, version_of

# --------------------------------------------------------------------------- references


def _sgd_reference(w: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float,
                   momentum: float = 0.0, dampening: float = 0.0, nesterov: bool = False,
                   weight_decay: float = 0.0, maximize: bool = False) -> None:
    """SGD's rule, as in the docstring, updating ``w`` and ``state`` in place."""
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * w
    if momentum:
        if "buf" not in state:
            state["buf"] = g.copy()
        else:
            state["buf"] = momentum * state["buf"] + (1.0 - dampening) * g \
                if dampening else momentum * state["buf"] + g
        g = g + momentum * state["buf"] if nesterov else state["buf"]
    w -= lr * g


def _adam_reference(w: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float,
                    betas: tuple[float, float], eps: float, weight_decay: float = 0.0,
                    amsgrad: bool = False, maximize: bool = False,
                    decoupled: bool = False) -> np.ndarray:
    """Adam's rule written as one expression per line (the form before the in-place
    rewrite); returns the new ``w``."""
    beta1, beta2 = betas
    g = -g if maximize else g
    if weight_decay:
        if decoupled:
            w = w * (1.0 - lr * weight_decay)
        else:
            g = g + weight_decay * w
    if not state:
        state.update(step=0, m=np.zeros_like(w), v=np.zeros_like(w))
    state["step"] += 1
    t = state["step"]
    state["m"] = beta1 * state["m"] + (1.0 - beta1) * g
    state["v"] = beta2 * state["v"] + (1.0 - beta2) * (g * g)
    second = state["v"]
    if amsgrad:
        state["vmax"] = np.maximum(state.get("vmax", np.zeros_like(w)), state["v"])
        second = state["vmax"]
    denom = np.sqrt(second) / math.sqrt(1.0 - beta2 ** t) + eps
    return w - (lr / (1.0 - beta1 ** t)) * (state["m"] / denom)


def _bits(array: Any) -> bytes:
    return np.ascontiguousarray(array).tobytes()


# --------------------------------------------------------------------------- the checks


class _Recording(optim.SGD):
    """SGD that remembers the gradient array each update is given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: dict[int, np.ndarray] = {}

    def _update(self, index: int, p: mg.Tensor, grad: np.ndarray, hyper: Any) -> None:
        self.seen[index] = grad
        super()._update(index, p, grad, hyper)


def test_a_grad_of_the_parameters_dtype_is_used_as_it_is():
    w = mg.Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    w.grad = np.full((2, 3), 0.5, dtype=np.float32)
    opt = _Recording([w], lr=0.1)
    opt.step()
    assert opt.seen[0] is w.grad


@pytest.mark.parametrize("param_dtype, grad_dtype", [
    (np.float64, np.float32), (np.float32, np.float64), (np.float16, np.float32),
    (np.float32, np.int32), (np.float64, np.uint8),
])
def test_a_grad_of_another_real_dtype_is_cast_to_the_parameters(param_dtype, grad_dtype):
    # Set behind the setter's back (it refuses another dtype): step casts, as it always has.
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(3, 2)).astype(param_dtype)
    grads = [(rng.normal(size=(3, 2)) * 3).astype(grad_dtype) for _ in range(4)]
    w = mg.Tensor(w0, requires_grad=True)
    opt = _Recording([w], lr=0.1, momentum=0.9, nesterov=True)
    expected, state = w0.copy(), {}
    for g in grads:
        w._grad = g
        opt.step()
        assert opt.seen[0].dtype == param_dtype
        _sgd_reference(expected, g.astype(param_dtype), state, 0.1, momentum=0.9, nesterov=True)
    assert w.data.dtype == param_dtype and opt.state[0]["momentum_buffer"].dtype == param_dtype
    assert _bits(w.data) == _bits(expected)


def test_the_real_numbers_check_holds_for_a_grad_of_the_parameters_own_dtype():
    # Through the .data escape hatch a parameter may hold complex numbers; its grad then has
    # the very same dtype, and the check must still refuse it (before anything moves).
    good = mg.Tensor([1.0, 2.0], requires_grad=True)
    good.grad = np.ones(2)
    odd = mg.Tensor([1.0], requires_grad=True)
    odd.data = np.array([1.0 + 1.0j])
    odd._grad = np.array([1.0j])
    opt = optim.SGD([good, odd], lr=0.1, momentum=0.9)
    with pytest.raises(TypeError, match=r"SGD.step: the grad of parameter 1 must hold real "
                                        r"numbers, got dtype complex128"):
        opt.step()
    np.testing.assert_array_equal(good.data, [1.0, 2.0])
    assert opt.state == [{}, {}] and good._version == 0


@pytest.mark.parametrize("bad", ["shape", "dtype"])
def test_a_bad_grad_in_the_last_group_leaves_every_group_unchanged(bad):
    rng = np.random.default_rng(1)
    params = [mg.Tensor(rng.normal(size=s), requires_grad=True) for s in [(2, 2), (3,), (4,)]]
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}], lr=0.1)
    for p in params:
        p.grad = rng.normal(size=p.shape)
    opt.step()
    before = [p.data.copy() for p in params]
    state = [{k: np.copy(v) for k, v in s.items()} for s in opt.state]
    versions = [p._version for p in params]
    params[2]._grad = np.ones(5) if bad == "shape" else np.ones(4, dtype=np.complex128)
    error = (ValueError, r"Adam.step: parameter 2 has shape \(4,\) but its grad has shape "
                         r"\(5,\)") if bad == "shape" else \
        (TypeError, r"Adam.step: the grad of parameter 2 must hold real numbers")
    with pytest.raises(error[0], match=error[1]):
        opt.step()
    for p, old in zip(params, before):
        assert _bits(p.data) == _bits(old)
    for s, old in zip(opt.state, state):
        assert s.keys() == old.keys()
        assert all(_bits(s[k]) == _bits(old[k]) for k in s)
    assert [p._version for p in params] == versions


# --------------------------------------------------------------------------- the group check


@pytest.mark.parametrize("key, value, expected", [
    ("lr", np.float32(0.5), 0.5), ("lr", np.array(0.5), 0.5), ("nesterov", 1, None),
    ("momentum", np.float64(0.9), 0.9),
])
def test_a_group_value_replaced_by_an_equal_object_is_checked_again(key, value, expected):
    # The cache of checked values compares by identity: an equal value of another type is
    # still normalised (a Python float) or refused (1 is not a flag).
    w = mg.Tensor([1.0], requires_grad=True)
    w.grad = np.ones(1)
    opt = optim.SGD([w], lr=0.5, momentum=0.9)
    opt.step()
    opt.param_groups[0][key] = value
    if expected is None:
        with pytest.raises(TypeError, match=f"{key} must be True or False"):
            opt.step()
        return
    opt.step()
    assert type(opt.param_groups[0][key]) is float and opt.param_groups[0][key] == expected


# --------------------------------------------------------------------------- groups, no grads


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_two_groups_with_missing_grads_match_the_rule_bit_for_bit(dtype):
    rng = np.random.default_rng(2)
    shapes = [(3, 2), (4,), (1,), (2, 2), (1, 1), ()]
    starts = [rng.normal(size=s).astype(dtype) for s in shapes]
    params = [mg.Tensor(w, requires_grad=True) for w in starts]
    options = [dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
               dict(lr=0.2, momentum=0.5, nesterov=True, maximize=True)]
    split = [[0, 1, 2], [3, 4, 5]]
    opt = optim.SGD([{"params": [params[i] for i in idx], **o} for idx, o in
                     zip(split, options)])
    expected = [w.copy() for w in starts]
    states: list[dict[str, Any]] = [{} for _ in params]
    for t in range(12):
        for i, p in enumerate(params):
            # Each parameter sits some steps out: its state must stay its own.
            p.grad = None if (t + i) % 3 == 0 else rng.normal(size=p.shape).astype(dtype)
        opt.step()
        for idx, o in zip(split, options):
            for i in idx:
                if params[i].grad is not None:
                    _sgd_reference(expected[i], params[i].grad, states[i], **o)
    for p, e in zip(params, expected):
        assert p.data.dtype == dtype and _bits(p.data) == _bits(e)


# --------------------------------------------------------------------------- Adam in place


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("options", [
    {}, dict(amsgrad=True), dict(weight_decay=0.1), dict(maximize=True, amsgrad=True),
    dict(weight_decay=0.1, decoupled=True), dict(weight_decay=0.1, decoupled=True,
                                                 amsgrad=True),
])
def test_adam_matches_its_rule_written_plainly_bit_for_bit(dtype, options):
    options = dict(options)
    cls = optim.AdamW if options.pop("decoupled", False) else optim.Adam
    hyper = dict(lr=0.01, betas=(0.8, 0.99), eps=1e-3 if dtype == np.float16 else 1e-8)
    rng = np.random.default_rng(3)
    shapes = [(5, 4), (3,), ()]  # a 0-d parameter: its temporaries are NumPy scalars
    starts = [rng.normal(size=s).astype(dtype) for s in shapes]
    params = [mg.Tensor(w, requires_grad=True) for w in starts]
    opt = cls(params, **hyper, **options)
    expected = [w.copy() for w in starts]
    states: list[dict[str, Any]] = [{} for _ in params]
    for t in range(15):
        for i, p in enumerate(params):
            p.grad = None if (t + i) % 4 == 3 else rng.normal(size=p.shape).astype(dtype)
        opt.step()
        for i, p in enumerate(params):
            if p.grad is not None:
                expected[i] = _adam_reference(expected[i], p.grad, states[i], **hyper,
                                              **options, decoupled=cls is optim.AdamW)
    for p, e, s, state in zip(params, expected, opt.state, states):
        assert p.data.dtype == dtype and _bits(p.data) == _bits(e)
        assert _bits(s["exp_avg"]) == _bits(state["m"])
        assert _bits(s["exp_avg_sq"]) == _bits(state["v"])


# --------------------------------------------------------------------------- versions


def test_step_bumps_each_written_parameter_once_and_no_other():
    params = [mg.Tensor(np.ones(3), requires_grad=True) for _ in range(4)]
    opt = optim.SGD([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}], lr=0.1)
    params[0].grad = np.ones(3)
    params[3].grad = np.ones(3)
    opt.step()
    assert [p._version for p in params] == [1, 0, 0, 1]
    opt.step()
    assert [p._version for p in params] == [2, 0, 0, 2]


def test_a_graph_recorded_before_step_refuses_backward_for_a_parameter_of_any_group():
    a = mg.Tensor([1.0, 2.0], requires_grad=True)
    b = mg.Tensor([3.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    b.grad = np.ones(1)  # only the second group's parameter moves
    x = mg.Tensor([2.0], requires_grad=True)
    y = (x * b).sum()  # saves b for x's gradient
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_an_update_that_raises_half_way_still_bumps_what_was_written_before():
    class Failing(optim.SGD):
        def _update(self, index: int, p: mg.Tensor, grad: np.ndarray, hyper: Any) -> None:
            if index == 1:
                raise FloatingPointError("overflow")
            super()._update(index, p, grad, hyper)

    params = [mg.Tensor(np.ones(2), requires_grad=True) for _ in range(3)]
    for p in params:
        p.grad = np.ones(2)
    with pytest.raises(FloatingPointError):
        Failing(params, lr=0.1).step()
    assert [p._version for p in params] == [1, 0, 0]
    np.testing.assert_array_equal(params[0].data, [0.9, 0.9])


def test_bump_versions_counts_every_array_and_shares_a_root_with_its_views():
    a, b = np.zeros(4), np.zeros(2)
    view = a[1:]
    bump_versions([a, b, view])
    assert (version_of(a), version_of(b), version_of(view)) == (2, 1, 2)
    bump_versions([])
    assert version_of(a) == 2


def test_bump_versions_from_many_threads_loses_no_count():
    # Optimizers stepping in several threads (tests/test_concurrency.py) share the table.
    arrays = [np.zeros(1), np.zeros(1)]
    start = threading.Barrier(4)

    def work() -> None:
        start.wait()
        for _ in range(2000):
            bump_versions(arrays)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [version_of(a) for a in arrays] == [8000, 8000]
