"""Optimizers against plain-NumPy references written from torch.optim's documented rules,
state_dict round trips, validation, schedulers and gradient clipping."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim

# --------------------------------------------------------------------------- references
# Each reference is written from PyTorch's pseudo-code, one parameter at a time, with the
# step counter t starting at 1. A reference step maps (theta, g, state, t) -> theta.

Step = Callable[[np.ndarray, np.ndarray, dict[str, Any], int], np.ndarray]


def ref_sgd(lr: float, momentum: float = 0.0, dampening: float = 0.0, nesterov: bool = False,
            weight_decay: float = 0.0, maximize: bool = False) -> Step:
    def step(theta: np.ndarray, g: np.ndarray, s: dict[str, Any], t: int) -> np.ndarray:
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            s["b"] = momentum * s["b"] + (1 - dampening) * g if t > 1 else g
            g = g + momentum * s["b"] if nesterov else s["b"]
        return theta - lr * g
    return step


def ref_adam(lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
             weight_decay: float = 0.0, amsgrad: bool = False, decoupled: bool = False
             ) -> Step:
    beta1, beta2 = betas

    def step(theta: np.ndarray, g: np.ndarray, s: dict[str, Any], t: int) -> np.ndarray:
        if decoupled:
            theta = theta * (1 - lr * weight_decay)
        elif weight_decay != 0:
            g = g + weight_decay * theta
        s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * g
        s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * g ** 2
        v = s["v"]
        if amsgrad:
            # What torch computes: the running max of the raw second moment, then corrected.
            s["vmax"] = v = np.maximum(s.get("vmax", 0.0), s["v"])
        m_hat = s["m"] / (1 - beta1 ** t)
        return theta - lr * m_hat / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return step


def ref_rmsprop(lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False
                ) -> Step:
    def step(theta: np.ndarray, g: np.ndarray, s: dict[str, Any], t: int) -> np.ndarray:
        if weight_decay != 0:
            g = g + weight_decay * theta
        s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g ** 2
        v_tilde = s["v"]
        if centered:
            s["g_ave"] = alpha * s.get("g_ave", 0.0) + (1 - alpha) * g
            v_tilde = v_tilde - s["g_ave"] ** 2
        if momentum > 0:
            s["b"] = momentum * s.get("b", 0.0) + g / (np.sqrt(v_tilde) + eps)
            return theta - lr * s["b"]
        return theta - lr * g / (np.sqrt(v_tilde) + eps)
    return step


def ref_adagrad(lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> Step:
    def step(theta: np.ndarray, g: np.ndarray, s: dict[str, Any], t: int) -> np.ndarray:
        gamma = lr / (1 + (t - 1) * lr_decay)
        if weight_decay != 0:
            g = g + weight_decay * theta
        s["sum"] = s.get("sum", initial_accumulator_value) + g * g
        return theta - gamma * g / (np.sqrt(s["sum"]) + eps)
    return step


CONFIGS: list[tuple[str, type, dict[str, Any], Step]] = [
    ("sgd", optim.SGD, dict(lr=0.1), ref_sgd(0.1)),
    ("sgd_momentum", optim.SGD, dict(lr=0.1, momentum=0.9), ref_sgd(0.1, 0.9)),
    ("sgd_dampening_wd", optim.SGD, dict(lr=0.05, momentum=0.8, dampening=0.3,
                                         weight_decay=0.1), ref_sgd(0.05, 0.8, 0.3, False, 0.1)),
    ("sgd_nesterov", optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
     ref_sgd(0.05, 0.9, 0.0, True, 0.01)),
    ("sgd_maximize", optim.SGD, dict(lr=0.05, momentum=0.5, weight_decay=0.1, maximize=True),
     ref_sgd(0.05, 0.5, 0.0, False, 0.1, maximize=True)),
    ("adam", optim.Adam, dict(lr=0.01), ref_adam(0.01)),
    ("adam_wd", optim.Adam, dict(lr=0.01, betas=(0.8, 0.95), weight_decay=0.1),
     ref_adam(0.01, (0.8, 0.95), weight_decay=0.1)),
    # A fast-forgetting beta2, so the second moment falls after the spike at step 1.
    ("adam_amsgrad", optim.Adam, dict(lr=0.02, betas=(0.9, 0.6), amsgrad=True, eps=1e-6),
     ref_adam(0.02, (0.9, 0.6), eps=1e-6, amsgrad=True)),
    ("adamw", optim.AdamW, dict(lr=0.01, weight_decay=0.2),
     ref_adam(0.01, weight_decay=0.2, decoupled=True)),
    ("adamw_amsgrad", optim.AdamW, dict(lr=0.01, betas=(0.8, 0.5), amsgrad=True),
     ref_adam(0.01, (0.8, 0.5), weight_decay=1e-2, amsgrad=True, decoupled=True)),
    ("rmsprop", optim.RMSprop, dict(lr=0.01), ref_rmsprop(0.01)),
    ("rmsprop_centered_momentum", optim.RMSprop,
     dict(lr=0.01, alpha=0.9, centered=True, momentum=0.8, weight_decay=0.05),
     ref_rmsprop(0.01, 0.9, weight_decay=0.05, momentum=0.8, centered=True)),
    ("adagrad", optim.Adagrad, dict(lr=0.1), ref_adagrad(0.1)),
    ("adagrad_decay", optim.Adagrad,
     dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3),
     ref_adagrad(0.1, 0.05, 0.1, 0.3)),
]
IDS = [c[0] for c in CONFIGS]
SHAPES = [(3, 2), (4,)]


def _grad(index: int, theta: np.ndarray, t: int) -> np.ndarray:
    """A gradient that depends on where the parameter is, so trajectories matter.

    Step 1 is ten times larger, so second moments shrink afterwards (AMSGrad's max matters).
    """
    offset = np.linspace(-1.0, 1.5, theta.size).reshape(theta.shape)
    spike = 10.0 if t == 1 else 1.0
    return spike * ((index + 1.0) * theta ** 3 - offset + 0.3 * math.cos(t))


def _params(dtype: Any = np.float64) -> list[nn.Parameter]:
    rng = np.random.default_rng(7)
    return [nn.Parameter(rng.normal(size=s), dtype=dtype) for s in SHAPES]


def _run(opt: optim.Optimizer, params: list[nn.Parameter], steps: range) -> list[np.ndarray]:
    trajectory = []
    for t in steps:
        for i, p in enumerate(params):
            p.grad = _grad(i, p.data, t)
        opt.step()
        trajectory.append(np.concatenate([p.data.ravel() for p in params]))
    return trajectory


@pytest.mark.parametrize(("name", "cls", "kwargs", "reference"), CONFIGS, ids=IDS)
def test_matches_reference_over_several_steps(name: str, cls: type, kwargs: dict[str, Any],
                                              reference: Step) -> None:
    params = _params()
    opt = cls(params, **kwargs)
    thetas = [p.data.copy() for p in params]
    states: list[dict[str, Any]] = [{} for _ in params]
    for t in range(1, 7):
        grads = [_grad(i, theta, t) for i, theta in enumerate(thetas)]
        thetas = [reference(theta, g, s, t) for theta, g, s in zip(thetas, grads, states)]
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
        for p, theta in zip(params, thetas):
            np.testing.assert_allclose(p.data, theta, rtol=1e-12, atol=1e-14,
                                       err_msg=f"{name} step {t}")


def test_sgd_first_momentum_step_is_undampened_plain_step() -> None:
    (w,) = params = [nn.Parameter([1.0, -2.0])]
    opt = optim.SGD(params, lr=0.1, momentum=0.9, dampening=0.5)
    w.grad = np.array([0.5, 1.0])
    opt.step()
    np.testing.assert_array_equal(w.data, [0.95, -2.1])
    np.testing.assert_array_equal(opt.state[0]["momentum_buffer"], [0.5, 1.0])
    w.grad = np.array([1.0, 1.0])
    opt.step()  # b = 0.9 b + 0.5 g
    np.testing.assert_allclose(opt.state[0]["momentum_buffer"], [0.95, 1.4])


def test_adam_first_step_is_lr_times_sign_thanks_to_bias_correction() -> None:
    w = nn.Parameter([3.0, -1.0, 0.5])
    opt = optim.Adam([w], lr=0.01)
    w.grad = np.array([100.0, -0.001, 2.0])
    opt.step()
    np.testing.assert_allclose(w.data, [2.99, -0.99, 0.49], rtol=1e-6)


def test_adamw_decay_is_decoupled_from_the_gradient() -> None:
    a, b = nn.Parameter([2.0, -4.0]), nn.Parameter([2.0, -4.0])
    adamw, adam = optim.AdamW([a], lr=0.1, weight_decay=0.5), optim.Adam([b], lr=0.1,
                                                                        weight_decay=0.5)
    a.grad, b.grad = np.zeros(2), np.zeros(2)
    adamw.step()
    adam.step()
    np.testing.assert_array_equal(a.data, [2.0 * 0.95, -4.0 * 0.95])  # shrunk, no Adam step
    np.testing.assert_allclose(b.data, [1.9, -3.9], rtol=1e-6)  # decay went through Adam
    np.testing.assert_array_equal(adamw.state[0]["exp_avg"], [0.0, 0.0])


@pytest.mark.parametrize(("name", "cls", "kwargs", "reference"), CONFIGS, ids=IDS)
def test_maximize_equals_minimizing_the_negated_gradient(name: str, cls: type,
                                                         kwargs: dict[str, Any],
                                                         reference: Step) -> None:
    up, down = _params(), _params()
    opt_up = cls(up, **{**kwargs, "maximize": not kwargs.get("maximize", False)})
    opt_down = cls(down, **kwargs)
    for t in range(3):
        for i, (p, q) in enumerate(zip(up, down)):
            p.grad = _grad(i, p.data, t)
            q.grad = -p.grad
        opt_up.step()
        opt_down.step()
    for p, q in zip(up, down):
        np.testing.assert_array_equal(p.data, q.data)


# --------------------------------------------------------------------------- step mechanics


@pytest.mark.parametrize(("name", "cls", "kwargs", "reference"), CONFIGS, ids=IDS)
def test_none_grads_are_skipped_and_grads_never_mutated(name: str, cls: type,
                                                        kwargs: dict[str, Any],
                                                        reference: Step) -> None:
    params = _params()
    opt = cls(params, **kwargs)
    frozen = params[1].data.copy()
    for t in range(1, 4):
        params[0].grad = grad = _grad(0, params[0].data, t)
        kept = grad.copy()
        opt.step()
        assert params[0].grad is grad
        np.testing.assert_array_equal(grad, kept)
    np.testing.assert_array_equal(params[1].data, frozen)
    assert opt.state[1] == {}
    # The skipped parameter starts its own step count when it first gets a gradient.
    params[1].grad = _grad(1, params[1].data, 1)
    theta = reference(params[1].data.copy(), params[1].grad, {}, 1)
    params[0].grad = None
    opt.step()
    np.testing.assert_allclose(params[1].data, theta, rtol=1e-12, atol=1e-14)


def test_zero_grad_sets_none_and_updates_are_in_place() -> None:
    params = _params()
    arrays = [p.data for p in params]
    opt = optim.SGD(params, lr=0.1)
    for i, p in enumerate(params):
        p.grad = _grad(i, p.data, 0)
    opt.step()
    assert all(p.data is a for p, a in zip(params, arrays))
    opt.zero_grad()
    assert all(p.grad is None for p in params)


@pytest.mark.parametrize(("name", "cls", "kwargs", "reference"), CONFIGS, ids=IDS)
def test_float32_stays_float32(name: str, cls: type, kwargs: dict[str, Any],
                               reference: Step) -> None:
    params32, params64 = _params(np.float32), _params()
    opt32, opt64 = cls(params32, **kwargs), cls(params64, **kwargs)
    for t in range(3):
        for i, (p, q) in enumerate(zip(params32, params64)):
            p.grad = _grad(i, p.data, t).astype(np.float32)
            q.grad = _grad(i, q.data, t)
        opt32.step()
        opt64.step()
    for p, q, state in zip(params32, params64, opt32.state):
        assert p.dtype == np.float32
        assert all(v.dtype == np.float32 for k, v in state.items() if k != "step")
        np.testing.assert_allclose(p.data, q.data, rtol=1e-4, atol=1e-5)


def test_trains_a_small_model() -> None:
    rng = np.random.default_rng(8)
    X = rng.normal(size=(32, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    model = nn.Sequential(nn.Dense(3, 1, rng=0))
    loss_fn, opt = nn.MSELoss(), optim.Adam(model.parameters(), lr=0.1)
    first = None
    for _ in range(100):
        loss = loss_fn(model(X), y)
        first = loss.item() if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 1e-3 * first


# --------------------------------------------------------------------------- construction


def test_parameter_list_handling() -> None:
    a, b = nn.Parameter([1.0]), nn.Parameter([2.0])
    assert optim.SGD(p for p in (a, b, a)).params == [a, b]  # generator, duplicate once
    with pytest.raises(ValueError, match="SGD: optimizer got an empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match=r"Adam: item 1 of params is a ndarray, expected a "
                                        r"Parameter or Tensor"):
        optim.Adam([a, np.zeros(2)])
    with pytest.raises(TypeError, match="pass model.parameters()"):
        optim.SGD(nn.Sequential(nn.Dense(2, 2)))
    with pytest.raises(TypeError, match=r"got a single Tensor; wrap it in a list"):
        optim.SGD(a)
    with pytest.raises(ValueError, match="not a leaf tensor"):
        optim.SGD([a * 2.0])


BAD_HYPER = [
    (optim.SGD, dict(lr=-0.1), "SGD: lr must be >= 0.0, got -0.1"),
    (optim.SGD, dict(momentum=-0.5), "SGD: momentum must be >= 0.0"),
    (optim.SGD, dict(weight_decay=-1), "SGD: weight_decay must be >= 0.0"),
    (optim.SGD, dict(nesterov=True), "SGD: nesterov=True needs momentum > 0 and dampening"),
    (optim.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "dampening == 0"),
    (optim.SGD, dict(lr=float("nan")), "SGD: lr must be finite"),
    (optim.Adam, dict(betas=(1.0, 0.999)), r"Adam: betas\[0\] must lie in \[0.0, 1.0\)"),
    (optim.Adam, dict(betas=(0.9, -0.1)), r"Adam: betas\[1\] must be >= 0.0"),
    (optim.Adam, dict(eps=-1e-8), "Adam: eps must be >= 0.0"),
    (optim.AdamW, dict(weight_decay=-0.01), "AdamW: weight_decay must be >= 0.0"),
    (optim.AdamW, dict(lr=-1.0), "AdamW: lr must be >= 0.0"),
    (optim.RMSprop, dict(alpha=-0.9), "RMSprop: alpha must be >= 0.0"),
    (optim.RMSprop, dict(momentum=-0.1), "RMSprop: momentum must be >= 0.0"),
    (optim.Adagrad, dict(lr_decay=-0.1), "Adagrad: lr_decay must be >= 0.0"),
    (optim.Adagrad, dict(initial_accumulator_value=-1.0), "initial_accumulator_value must be"),
]


@pytest.mark.parametrize(("cls", "kwargs", "message"), BAD_HYPER)
def test_bad_hyper_parameters(cls: type, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cls([nn.Parameter([1.0])], **kwargs)


def test_wrongly_typed_hyper_parameters() -> None:
    with pytest.raises(TypeError, match="SGD: lr must be a number, got str"):
        optim.SGD([nn.Parameter([1.0])], lr="0.1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Adam: amsgrad must be True or False"):
        optim.Adam([nn.Parameter([1.0])], amsgrad="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Adam: betas must be a pair"):
        optim.Adam([nn.Parameter([1.0])], betas=0.9)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- state_dict


@pytest.mark.parametrize(("name", "cls", "kwargs", "reference"), CONFIGS, ids=IDS)
def test_state_dict_round_trip_resumes_bit_identically(name: str, cls: type,
                                                       kwargs: dict[str, Any],
                                                       reference: Step) -> None:
    params = _params()
    opt = cls(params, **kwargs)
    _run(opt, params, range(3))
    buffer = io.BytesIO()
    np.savez(buffer, **opt.state_dict())  # flat arrays: no pickle needed
    saved_params = [p.data.copy() for p in params]
    expected = _run(opt, params, range(3, 6))

    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as archive:
        loaded = dict(archive)
    fresh = [nn.Parameter(data) for data in saved_params]
    resumed = cls(fresh, lr=0.5)  # different hyper-parameters are overwritten
    resumed.load_state_dict(loaded)
    assert resumed.lr == opt.lr
    for got, want in zip(_run(resumed, fresh, range(3, 6)), expected):
        np.testing.assert_array_equal(got, want)


def test_state_dict_layout() -> None:
    params = _params()
    opt = optim.Adam(params, lr=0.01, amsgrad=True)
    params[1].grad = np.ones(4)
    opt.step()
    state = opt.state_dict()
    assert sorted(state) == sorted([
        "kind", "num_params", "hyper.lr", "hyper.beta1", "hyper.beta2", "hyper.eps",
        "hyper.weight_decay", "hyper.amsgrad", "hyper.maximize", "state.1.step",
        "state.1.exp_avg", "state.1.exp_avg_sq", "state.1.max_exp_avg_sq"])
    assert str(state["kind"]) == "Adam" and int(state["state.1.step"]) == 1
    assert all(isinstance(v, np.ndarray) for v in state.values())
    state["state.1.exp_avg"][:] = 99.0  # a copy: the optimizer is unaffected
    assert not np.any(opt.state[1]["exp_avg"] == 99.0)


def _corrupt(state: dict[str, np.ndarray], **changes: Any) -> dict[str, np.ndarray]:
    out = dict(state)
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            del out[key]
        else:
            out[key] = value
    return out


@pytest.mark.parametrize(("changes", "message"), [
    (dict(kind=np.array("SGD")), "kind: expected 'Adam', got 'SGD'"),
    (dict(num_params=np.array(3)), "num_params: this optimizer has 2 parameters"),
    # (a negative rate loads: a schedule such as LambdaLR may set one, as in torch)
    (dict(hyper__lr=np.array(np.inf)), "Adam: lr must be finite"),
    (dict(hyper__eps=np.array(-1.0)), "Adam: eps must be >= 0.0"),
    (dict(hyper__beta1=None), "missing key hyper.beta1"),
    (dict(hyper__momentum=np.array(0.9)), "unexpected key hyper.momentum"),
    (dict(state__0__exp_avg=np.zeros((2, 3))), r"state.0.exp_avg: expected shape \(3, 2\)"),
    (dict(state__0__exp_avg=None), "state.0: missing exp_avg"),
    (dict(state__5__exp_avg=np.zeros(2)), "no parameter with index '5'"),
    (dict(state__0__momentum_buffer=np.zeros((3, 2))), "unexpected key state.0.momentum_buffer"),
    (dict(state__0__step=np.array(0)), "state.0.step: expected a positive integer"),
])
def test_load_state_dict_validates_and_changes_nothing(changes: dict[str, Any],
                                                       message: str) -> None:
    params = _params()
    opt = optim.Adam(params, lr=0.01)
    _run(opt, params, range(2))
    good = opt.state_dict()
    before = {k: v.copy() for k, v in opt.state_dict().items()}
    optim.Adam(_params(), lr=0.5).load_state_dict(good)  # the uncorrupted state is fine
    with pytest.raises(ValueError, match="Adam.load_state_dict failed") as error:
        opt.load_state_dict(_corrupt(good, **changes))
    assert re.search(message, str(error.value)), str(error.value)
    after = opt.state_dict()
    assert sorted(after) == sorted(before)
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])


# --------------------------------------------------------------------------- schedulers


def _lrs(scheduler: optim.LRScheduler, count: int) -> list[float]:
    out = []
    for _ in range(count):
        out.append(scheduler.optimizer.lr)
        assert scheduler.get_last_lr() == [scheduler.optimizer.lr]
        scheduler.step()
    return out


def test_step_lr() -> None:
    opt = optim.SGD([nn.Parameter([0.0])], lr=0.2)
    sched = optim.StepLR(opt, step_size=3, gamma=0.5)
    assert _lrs(sched, 8) == [0.2 * 0.5 ** (e // 3) for e in range(8)]
    assert sched.last_epoch == 8


def test_exponential_lr() -> None:
    opt = optim.Adam([nn.Parameter([0.0])], lr=0.1)
    np.testing.assert_allclose(_lrs(optim.ExponentialLR(opt, gamma=0.9), 6),
                               [0.1 * 0.9 ** e for e in range(6)], rtol=1e-15)


def test_cosine_annealing_lr() -> None:
    opt = optim.SGD([nn.Parameter([0.0])], lr=1.0)
    lrs = _lrs(optim.CosineAnnealingLR(opt, T_max=4, eta_min=0.2), 9)
    expected = [0.2 + 0.8 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(9)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-15)
    assert lrs[0] == 1.0 and lrs[4] == pytest.approx(0.2) and lrs[2] == pytest.approx(0.6)


def test_scheduler_state_round_trip_and_validation() -> None:
    opt = optim.SGD([nn.Parameter([0.0])], lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(5):
        sched.step()
    state = sched.state_dict()
    other_opt = optim.SGD([nn.Parameter([0.0])], lr=1.0)
    other = optim.StepLR(other_opt, step_size=7, gamma=0.9)
    other.load_state_dict(state)
    # As in PyTorch, the scheduler's state leaves the optimizer alone; its own state has lr.
    assert (other.last_epoch, other.step_size, other.gamma, other_opt.lr) == (5, 2, 0.5, 1.0)
    other_opt.load_state_dict(opt.state_dict())
    assert other_opt.lr == 0.25 and other.get_last_lr() == [0.25]
    with pytest.raises(ValueError, match="kind: expected 'StepLR', got 'ExponentialLR'"):
        other.load_state_dict({**state, "kind": np.array("ExponentialLR")})
    assert other.last_epoch == 5


@pytest.mark.parametrize(("make", "message"), [
    (lambda o: optim.StepLR(o, step_size=0), "StepLR: step_size must be a positive integer"),
    (lambda o: optim.StepLR(o, step_size=2, gamma=0.0), "StepLR: gamma must be > 0"),
    (lambda o: optim.ExponentialLR(o, gamma=-0.5), "ExponentialLR: gamma must be >= 0.0"),
    (lambda o: optim.CosineAnnealingLR(o, T_max=2.5), "T_max must be a positive integer"),
    (lambda o: optim.CosineAnnealingLR(o, T_max=3, eta_min=-1.0), "eta_min must be >= 0.0"),
])
def test_scheduler_arguments_are_validated(make: Callable[[optim.Optimizer], Any],
                                           message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make(optim.SGD([nn.Parameter([0.0])], lr=0.1))
    with pytest.raises(TypeError, match="StepLR: expected an Optimizer"):
        optim.StepLR(object(), step_size=1)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- clipping


def _with_grads(*grads: Any) -> list[nn.Parameter]:
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros(np.shape(g)) if g is not None else [0.0])
        p.grad = None if g is None else np.asarray(g, dtype=np.float64)
        params.append(p)
    return params


def test_clip_grad_norm_scales_like_torch() -> None:
    params = _with_grads([3.0, 0.0], [[4.0]], None)
    originals = [p.grad for p in params]
    total = optim.clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(total, float) and total == 5.0
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad, [3.0 * coef, 0.0], rtol=1e-15)
    np.testing.assert_allclose(params[1].grad, [[4.0 * coef]], rtol=1e-15)
    np.testing.assert_array_equal(originals[0], [3.0, 0.0])  # out of place
    assert params[2].grad is None


def test_clip_grad_norm_leaves_small_gradients_alone() -> None:
    params = _with_grads([0.3, 0.4])
    grad = params[0].grad
    assert optim.clip_grad_norm_(params, max_norm=1.0) == pytest.approx(0.5)
    assert params[0].grad is grad


@pytest.mark.parametrize(("norm_type", "expected"), [(1.0, 10.0), (float("inf"), 4.0),
                                                     (3.0, (27 + 64 + 27 + 1) ** (1 / 3))])
def test_clip_grad_norm_other_norms(norm_type: float, expected: float) -> None:
    params = _with_grads([3.0, -4.0], [3.0], [[0.0, 0.0], [-1.0, 0.0]]) if norm_type == 3.0 \
        else _with_grads([3.0, -4.0], [3.0])
    assert optim.clip_grad_norm_(params, 2.0, norm_type=norm_type) == pytest.approx(
        expected, rel=1e-13)
    joint = np.concatenate([p.grad.ravel() for p in params])
    assert np.linalg.norm(joint, ord=norm_type) == pytest.approx(
        2.0 * expected / (expected + 1e-6), rel=1e-12)


def test_clip_grad_norm_huge_gradients_and_errors() -> None:
    params = _with_grads([3e200, 4e200])
    assert optim.clip_grad_norm_(params, 1.0) == pytest.approx(5e200)
    np.testing.assert_allclose(params[0].grad, [0.6, 0.8])
    bad = _with_grads([np.inf, 1.0])
    assert optim.clip_grad_norm_(bad, 1.0) == math.inf
    with pytest.raises(RuntimeError, match="total norm of the gradients is inf"):
        optim.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="clip_grad_norm_: max_norm must be >= 0.0"):
        optim.clip_grad_norm_(params, -1.0)
    with pytest.raises(ValueError, match="norm_type must be > 0"):
        optim.clip_grad_norm_(params, 1.0, norm_type=0.0)
    assert optim.clip_grad_norm_(_with_grads(None), 1.0) == 0.0


def test_float32_grads_stay_float32_after_clipping() -> None:
    p = nn.Parameter(np.zeros(2, dtype=np.float32))
    p.grad = np.array([30.0, 40.0], dtype=np.float32)
    optim.clip_grad_norm_([p], 5.0)
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad, [3.0, 4.0], rtol=1e-6)


def test_optimizer_is_exported() -> None:
    assert mg.optim is optim
