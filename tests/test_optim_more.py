"""NAdam, RAdam and Adamax against torch.optim: 100-step trajectories (float64, the same
initial weights, a deterministic gradient of the current weights), state_dict round trips
that resume exactly, and hyper-parameter checks that leave nothing changed."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from optim_state import assert_refused_unchanged

import minigrad as mg
from minigrad import nn, optim

STEPS = 100
SHAPES = [(3, 2), (4,)]

# (id, minigrad class, torch class name, keyword arguments shared by both)
CONFIGS: list[tuple[str, type, str, dict[str, Any]]] = [
    ("nadam", optim.NAdam, "NAdam", {}),
    ("nadam_lr", optim.NAdam, "NAdam", dict(lr=0.05, betas=(0.8, 0.95))),
    ("nadam_wd", optim.NAdam, "NAdam", dict(lr=0.02, weight_decay=0.1, momentum_decay=0.01)),
    ("nadam_decoupled", optim.NAdam, "NAdam",
     dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("nadam_maximize", optim.NAdam, "NAdam", dict(lr=0.01, weight_decay=0.05, maximize=True)),
    ("radam", optim.RAdam, "RAdam", {}),
    ("radam_lr", optim.RAdam, "RAdam", dict(lr=0.03, betas=(0.85, 0.99))),
    # beta2=0.9: rho_inf = 19, so rho_t crosses 5 early (the un-rectified steps come first)
    ("radam_wd", optim.RAdam, "RAdam", dict(lr=0.02, betas=(0.9, 0.9), weight_decay=0.1)),
    ("radam_decoupled", optim.RAdam, "RAdam",
     dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("radam_maximize", optim.RAdam, "RAdam", dict(lr=0.01, weight_decay=0.05, maximize=True)),
    ("adamax", optim.Adamax, "Adamax", {}),
    ("adamax_lr", optim.Adamax, "Adamax", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-3)),
    ("adamax_wd", optim.Adamax, "Adamax", dict(lr=0.02, weight_decay=0.1)),
    ("adamax_maximize", optim.Adamax, "Adamax", dict(lr=0.01, weight_decay=0.05, maximize=True)),
]
IDS = [c[0] for c in CONFIGS]


def _initial() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.normal(size=shape) for shape in SHAPES]


def _grad(index: int, w: np.ndarray, t: int) -> np.ndarray:
    """A deterministic gradient of the current weights: a quadratic's pull towards a target,
    a wiggle, and a drift with the step; exact zeros in one element for the first steps."""
    target = np.linspace(-1.0, 1.0, w.size).reshape(w.shape) * (index + 1)
    g = 2.0 * (w - target) + 0.3 * np.sin(3.0 * w + t) + 0.05 * np.cos(0.1 * t)
    if t < 4:
        g.flat[0] = 0.0
    return g


def _ours(cls: type, kwargs: dict[str, Any], steps: range,
          params: list[nn.Parameter] | None = None,
          opt: optim.Optimizer | None = None) -> tuple[list[np.ndarray], Any, Any]:
    params = params if params is not None else [nn.Parameter(w) for w in _initial()]
    opt = opt if opt is not None else cls(params, **kwargs)
    out = []
    for t in steps:
        for i, p in enumerate(params):
            p.grad = _grad(i, p.data, t)
        opt.step()
        out.append(np.concatenate([p.data.ravel() for p in params]))
    return out, params, opt


def _theirs(torch: Any, name: str, kwargs: dict[str, Any]) -> list[np.ndarray]:
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in _initial()]
    opt = getattr(torch.optim, name)(params, foreach=False, **kwargs)
    out = []
    for t in range(STEPS):
        for i, p in enumerate(params):
            p.grad = torch.from_numpy(_grad(i, p.detach().numpy(), t))
        opt.step()
        out.append(np.concatenate([p.detach().numpy().ravel().copy() for p in params]))
    return out


@pytest.mark.parametrize(("name", "cls", "torch_name", "kwargs"), CONFIGS, ids=IDS)
def test_trajectory_matches_torch(torch: Any, name: str, cls: type, torch_name: str,
                                  kwargs: dict[str, Any]) -> None:
    ours, _, _ = _ours(cls, kwargs, range(STEPS))
    theirs = _theirs(torch, torch_name, kwargs)
    for t, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"{name} step {t}")
    # the weights did move a long way: the comparison is not between two idle runs
    assert np.abs(ours[-1] - np.concatenate([w.ravel() for w in _initial()])).max() > 0.01


def test_defaults_match_torch(torch: Any) -> None:
    for cls, name in [(optim.NAdam, "NAdam"), (optim.RAdam, "RAdam"),
                      (optim.Adamax, "Adamax")]:
        ours = cls([nn.Parameter([1.0])])
        theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
        assert ours.lr == theirs["lr"] and ours.betas == theirs["betas"]
        assert ours.eps == theirs["eps"] and ours.weight_decay == theirs["weight_decay"]
        for key in ("momentum_decay", "decoupled_weight_decay", "maximize"):
            if key in theirs:
                assert getattr(ours, key) == theirs[key], (name, key)


def test_radam_first_steps_are_unrectified_momentum() -> None:
    # beta2 = 0.999: rho_t <= 5 for t <= 5, so p -= lr * m_hat; m_hat = g for a constant g
    w = nn.Parameter([2.0, -1.0])
    opt = optim.RAdam([w], lr=0.1)
    for _ in range(5):
        w.grad = np.array([1.0, -3.0])
        opt.step()
    np.testing.assert_allclose(w.data, [2.0 - 0.5, -1.0 + 1.5], rtol=1e-12)


def test_adamax_eps_sits_inside_the_maximum() -> None:
    # a zero gradient: u = max(0, 0 + eps) = eps, m = 0: no NaN and no step
    w = nn.Parameter([1.0])
    opt = optim.Adamax([w], eps=1e-3)
    w.grad = np.zeros(1)
    opt.step()
    assert w.data[0] == 1.0 and opt.state[0]["exp_inf"][0] == 1e-3


@pytest.mark.parametrize(("name", "cls", "torch_name", "kwargs"), CONFIGS, ids=IDS)
def test_state_dict_round_trip_resumes_exactly(name: str, cls: type, torch_name: str,
                                               kwargs: dict[str, Any]) -> None:
    _, params, opt = _ours(cls, kwargs, range(10))
    buffer = io.BytesIO()
    np.savez(buffer, **opt.state_dict())  # flat arrays: no pickle needed
    saved = [p.data.copy() for p in params]
    expected, _, _ = _ours(cls, kwargs, range(10, 20), params, opt)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as archive:
        loaded = dict(archive)
    fresh = [nn.Parameter(w) for w in saved]
    resumed = cls(fresh, lr=0.5)  # hyper-parameters come from the state
    resumed.load_state_dict(loaded)
    assert resumed.state_dict().keys() == opt.state_dict().keys()
    got, _, _ = _ours(cls, {}, range(10, 20), fresh, resumed)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_state_dict_layout() -> None:
    _, _, opt = _ours(optim.NAdam, {}, range(2))
    state = opt.state_dict()
    assert sorted(k for k in state if k.startswith("state.0.")) == [
        "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.mu_product", "state.0.step"]
    assert state["state.0.mu_product"].shape == ()
    _, _, opt = _ours(optim.Adamax, {}, range(2))
    assert sorted(k for k in opt.state_dict() if k.startswith("state.1.")) == [
        "state.1.exp_avg", "state.1.exp_inf", "state.1.step"]


@pytest.mark.parametrize(("cls", "changes", "message"), [
    (optim.NAdam, {"state.0.mu_product": np.zeros(3)}, "state.0.mu_product: expected one "
                                                       "finite number"),
    (optim.NAdam, {"state.0.mu_product": None}, "state.0: missing mu_product"),
    (optim.NAdam, {"hyper.momentum_decay": np.array(-1.0)}, "momentum_decay must be >= 0"),
    (optim.RAdam, {"hyper.beta2": np.array(1.0)}, r"RAdam: betas\[1\] must lie in"),
    (optim.RAdam, {"state.1.exp_avg": np.zeros(3)}, r"state.1.exp_avg: expected shape \(4,\)"),
    (optim.Adamax, {"state.0.exp_avg_sq": np.zeros((3, 2))}, "unexpected key state.0.exp_avg_sq"),
    (optim.Adamax, {"kind": np.array("Adam")}, "kind: expected 'Adamax', got 'Adam'"),
])
def test_load_state_dict_validates_and_changes_nothing(cls: type, changes: dict[str, Any],
                                                       message: str) -> None:
    _, _, opt = _ours(cls, {}, range(2))
    assert_refused_unchanged(opt, opt.state_dict(), changes, message)


@pytest.mark.parametrize(("cls", "kwargs", "message"), [
    (optim.NAdam, dict(lr=-0.1), "NAdam: lr must be >= 0.0, got -0.1"),
    (optim.NAdam, dict(momentum_decay=-1e-3), "NAdam: momentum_decay must be >= 0.0"),
    (optim.NAdam, dict(betas=(1.0, 0.999)), r"NAdam: betas\[0\] must lie in \[0.0, 1.0\)"),
    (optim.NAdam, dict(eps=0.0), "NAdam: eps must be > 0"),
    (optim.RAdam, dict(weight_decay=-0.01), "RAdam: weight_decay must be >= 0.0"),
    (optim.RAdam, dict(betas=(0.9, -0.1)), r"RAdam: betas\[1\] must be >= 0.0"),
    (optim.RAdam, dict(lr=float("nan")), "RAdam: lr must be finite"),
    (optim.Adamax, dict(eps=-1e-8), "Adamax: eps must be >= 0.0"),
    (optim.Adamax, dict(betas=(0.9, 1.5)), r"Adamax: betas\[1\] must lie in"),
    (optim.Adamax, dict(weight_decay=float("inf")), "Adamax: weight_decay must be finite"),
])
def test_bad_hyper_parameters(cls: type, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cls([nn.Parameter([1.0])], **kwargs)


def test_wrongly_typed_hyper_parameters() -> None:
    with pytest.raises(TypeError, match="NAdam: decoupled_weight_decay must be True or False"):
        optim.NAdam([nn.Parameter([1.0])], decoupled_weight_decay="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="RAdam: lr must be a number, got str"):
        optim.RAdam([nn.Parameter([1.0])], lr="0.1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Adamax: betas must be a pair"):
        optim.Adamax([nn.Parameter([1.0])], betas=0.9)  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", [optim.NAdam, optim.RAdam, optim.Adamax])
def test_bad_gradient_changes_nothing(cls: type) -> None:
    _, params, opt = _ours(cls, {}, range(3))
    before_params = [p.data.copy() for p in params]
    before = opt.state_dict()
    params[0].grad = np.ones((3, 2))
    params[1]._grad = np.ones(5)  # a wrong shape behind the setter: refused before any move
    with pytest.raises(ValueError, match=f"{cls.__name__}.step: parameter 1 has shape"):
        opt.step()
    for p, w in zip(params, before_params):
        np.testing.assert_array_equal(p.data, w)
    for key, value in opt.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize("cls", [optim.NAdam, optim.RAdam, optim.Adamax])
def test_float32_stays_float32_and_none_grads_are_skipped(cls: type) -> None:
    a = nn.Parameter(np.ones(3, dtype=np.float32))
    b = nn.Parameter(np.ones(2, dtype=np.float32))
    opt = cls([a, b], lr=0.1)
    a.grad = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    opt.step()
    assert a.data.dtype == np.float32 and np.all(a.data != 1.0)
    assert np.all(b.data == 1.0) and not opt.state[1]
    assert all(v.dtype == np.float32 for k, v in opt.state[0].items()
               if isinstance(v, np.ndarray) and k != "mu_product")


@pytest.mark.parametrize("cls", [optim.NAdam, optim.RAdam, optim.Adamax])
def test_trains_a_small_model(cls: type) -> None:
    X, y = mg.data.make_xor()
    model = nn.Sequential(nn.Dense(2, 8, rng=0), nn.Tanh(), nn.Dense(8, 1, rng=1), nn.Sigmoid())
    history = mg.fit(model, X, y, loss=nn.BCELoss(), optimizer=cls(model.parameters(), lr=0.05),
                     epochs=200, batch_size=4, verbose=0)
    assert history["loss"][-1] < 0.5 * history["loss"][0]


def test_exported() -> None:
    for name in ("NAdam", "RAdam", "Adamax"):
        assert name in optim.__all__ and getattr(mg.optim, name) is getattr(optim, name)
