"""Param groups, as torch.optim has them: per-group hyper-parameters for every optimizer
(trajectories equal torch's in float64 to 1e-12), add_param_group mid-training, live edits
of ``param_groups``, the attributes over the groups, errors that name the group, every
scheduler over two groups (rates equal torch's exactly over 100 steps), and state dicts
with groups that resume bit for bit (an old one-group state still loads)."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from optim_state import assert_refused_unchanged

import minigrad as mg
from minigrad import nn, optim

STEPS = 50
SHAPES = [(3, 2), (4,), (2, 2)]
# Parameters 0 and 1 form group 0, parameter 2 group 1.
SPLIT = [[0, 1], [2]]


def _initial() -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    return [rng.normal(size=shape) for shape in SHAPES]


def _grad(index: int, w: np.ndarray, t: int) -> np.ndarray:
    """A deterministic gradient of the current weights: a quadratic's pull towards a target,
    a wiggle and a drift; step 0 is ten times larger (AMSGrad's maximum then matters)."""
    target = np.linspace(-1.0, 1.0, w.size).reshape(w.shape) * (index + 1)
    g = 2.0 * (w - target) + 0.3 * np.sin(3.0 * w + t) + 0.05 * np.cos(0.1 * t)
    return 10.0 * g if t == 0 else g


# (id, class name in both libraries, constructor defaults, options of group 0 and group 1)
CONFIGS: list[tuple[str, str, dict[str, Any], list[dict[str, Any]]]] = [
    ("sgd", "SGD", dict(lr=0.05, momentum=0.9),
     [dict(lr=0.02, weight_decay=0.01), dict(momentum=0.5, dampening=0.2)]),
    ("sgd_nesterov_maximize", "SGD", dict(lr=0.03, momentum=0.8),
     [dict(nesterov=True), dict(momentum=0.0, maximize=True, weight_decay=0.1)]),
    ("adam", "Adam", dict(lr=0.01),
     [dict(lr=0.03, betas=(0.8, 0.95)), dict(weight_decay=0.1, amsgrad=True)]),
    ("adamw", "AdamW", dict(lr=0.01, weight_decay=0.05),
     [dict(weight_decay=0.2, betas=(0.85, 0.99)), dict(lr=0.004, amsgrad=True)]),
    ("nadam", "NAdam", dict(lr=0.01),
     [dict(momentum_decay=0.01, betas=(0.8, 0.9)),
      dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)]),
    ("radam", "RAdam", dict(lr=0.01),
     # beta2=0.9: rho_t crosses 5 early in group 0, late (after step 5) in group 1
     [dict(betas=(0.9, 0.9)), dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)]),
    ("adamax", "Adamax", dict(lr=0.02),
     [dict(lr=0.05, eps=1e-3), dict(betas=(0.8, 0.9), weight_decay=0.1)]),
    ("rmsprop", "RMSprop", dict(lr=0.01),
     [dict(centered=True, momentum=0.8), dict(lr=0.02, alpha=0.9, weight_decay=0.05)]),
    # (a group's own initial_accumulator_value: see test_adagrad_uses_the_groups_accumulator)
    ("adagrad", "Adagrad", dict(lr=0.05, initial_accumulator_value=0.3),
     [dict(lr_decay=0.05), dict(lr=0.1, weight_decay=0.1, eps=1e-6)]),
]
IDS = [c[0] for c in CONFIGS]

Hook = Callable[[int, Any, list[Any]], None]


def _groups(params: list[Any], options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"params": [params[i] for i in indices], **opts}
            for indices, opts in zip(SPLIT, options)]


def _ours(name: str, defaults: dict[str, Any], options: list[dict[str, Any]],
          steps: range = range(STEPS), hook: Hook | None = None,
          params: list[nn.Parameter] | None = None, opt: Any = None
          ) -> tuple[list[np.ndarray], list[nn.Parameter], Any]:
    params = params if params is not None else [nn.Parameter(w) for w in _initial()]
    opt = opt if opt is not None else getattr(optim, name)(_groups(params, options), **defaults)
    out = []
    for t in steps:
        if hook is not None:
            hook(t, opt, params)
        for i, p in enumerate(params):
            p.grad = _grad(i, p.data, t)
        opt.step()
        out.append(np.concatenate([p.data.ravel() for p in params]))
    return out, params, opt


def _theirs(torch: Any, name: str, defaults: dict[str, Any], options: list[dict[str, Any]],
            hook: Hook | None = None) -> list[np.ndarray]:
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in _initial()]
    opt = getattr(torch.optim, name)(_groups(params, options), foreach=False, **defaults)
    return _torch_run(torch, opt, params, hook)


def _torch_run(torch: Any, opt: Any, params: list[Any], hook: Hook | None = None
               ) -> list[np.ndarray]:
    """torch's parameters after each of STEPS steps of ``opt`` on the shared gradients."""
    out = []
    for t in range(STEPS):
        if hook is not None:
            hook(t, opt, params)
        for i, p in enumerate(params):
            p.grad = torch.from_numpy(_grad(i, p.detach().numpy(), t))
        opt.step()
        out.append(np.concatenate([p.detach().numpy().ravel().copy() for p in params]))
    return out


def _assert_close(ours: list[np.ndarray], theirs: list[np.ndarray], name: str) -> None:
    assert len(ours) == len(theirs) == STEPS
    for t, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"{name} step {t}")


# --------------------------------------------------------------------------- trajectories


def test_every_optimizer_is_compared() -> None:
    classes = {cls.__name__ for cls in vars(optim).values()
               if isinstance(cls, type) and issubclass(cls, optim.Optimizer)
               and cls is not optim.Optimizer}
    assert classes == {c[1] for c in CONFIGS}


@pytest.mark.parametrize(("name", "cls", "defaults", "options"), CONFIGS, ids=IDS)
def test_per_group_hyper_parameters_match_torch(torch: Any, name: str, cls: str,
                                                defaults: dict[str, Any],
                                                options: list[dict[str, Any]]) -> None:
    ours, _, opt = _ours(cls, defaults, options)
    _assert_close(ours, _theirs(torch, cls, defaults, options), name)
    # The groups' own values were used: one group with the defaults goes elsewhere.
    alone, _, _ = _ours(cls, defaults, [{}, {}])
    assert np.abs(ours[-1] - alone[-1]).max() > 1e-3
    assert [len(g["params"]) for g in opt.param_groups] == [2, 1]
    for group, given in zip(opt.param_groups, options):
        for key, value in {**defaults, **given}.items():
            assert group[key] == value, (key, group[key], value)


@pytest.mark.parametrize(("name", "cls", "defaults", "options"), CONFIGS, ids=IDS)
def test_add_param_group_mid_training_matches_torch(torch: Any, name: str, cls: str,
                                                    defaults: dict[str, Any],
                                                    options: list[dict[str, Any]]) -> None:
    def hook(t: int, opt: Any, params: list[Any]) -> None:
        if t == 10:  # parameter 2, frozen so far, joins with its own values
            opt.add_param_group({"params": [params[2]], **options[1]})

    def ours_make(params: list[nn.Parameter]) -> Any:
        return getattr(optim, cls)([{"params": params[:2], **options[0]}], **defaults)

    params = [nn.Parameter(w) for w in _initial()]
    ours, _, opt = _ours(cls, defaults, options, hook=hook, params=params,
                         opt=ours_make(params))
    t_params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in _initial()]
    theirs_opt = getattr(torch.optim, cls)([{"params": t_params[:2], **options[0]}],
                                           foreach=False, **defaults)
    theirs = _torch_run(torch, theirs_opt, t_params, hook)
    _assert_close(ours, theirs, name)
    np.testing.assert_array_equal(ours[9][-4:], _initial()[2].ravel())  # frozen until added
    assert len(opt.param_groups) == 2 and opt.params == params


@pytest.mark.parametrize(("name", "cls", "defaults", "options"),
                         [CONFIGS[0], CONFIGS[2], CONFIGS[7]], ids=["sgd", "adam", "rmsprop"])
def test_live_edits_of_param_groups_match_torch(torch: Any, name: str, cls: str,
                                                defaults: dict[str, Any],
                                                options: list[dict[str, Any]]) -> None:
    def hook(t: int, opt: Any, params: list[Any]) -> None:
        if t == 7:
            opt.param_groups[1]["lr"] = 0.07
            opt.param_groups[0]["weight_decay"] = 0.3
        if t == 30:  # a negative rate, as a LambdaLR may set: accepted, as in torch
            opt.param_groups[1]["lr"] = -0.001

    ours, _, _ = _ours(cls, defaults, options, hook=hook)
    _assert_close(ours, _theirs(torch, cls, defaults, options, hook=hook), name)
    plain, _, _ = _ours(cls, defaults, options)
    assert not np.array_equal(ours[8], plain[8])  # the edit did change the next step


def test_switching_a_state_on_mid_run_is_handled() -> None:
    # torch fails with a KeyError when amsgrad, centered or momentum is switched on in a
    # group that has state; minigrad starts the missing entry as torch would have started it.
    for cls, key, value, entry in [("Adam", "amsgrad", True, "max_exp_avg_sq"),
                                   ("RMSprop", "centered", True, "grad_avg"),
                                   ("RMSprop", "momentum", 0.5, "momentum_buffer"),
                                   ("SGD", "momentum", 0.5, "momentum_buffer")]:
        def hook(t: int, opt: Any, params: list[Any], key: str = key, value: Any = value
                 ) -> None:
            if t == 3:
                opt.param_groups[1][key] = value

        ours, _, opt = _ours(cls, {"lr": 0.01}, [{}, {}], steps=range(6), hook=hook)
        assert entry in opt.state[2] and entry not in opt.state[0], (cls, key)
        assert np.isfinite(ours[-1]).all()
        fresh = getattr(optim, cls)(_groups([nn.Parameter(w) for w in _initial()], [{}, {}]),
                                    lr=0.01)
        fresh.load_state_dict(opt.state_dict())  # the state it made loads back
        # ... and switched off again, the entry stays (as in torch) and still loads
        opt.param_groups[1][key] = False if isinstance(value, bool) else 0.0
        fresh.load_state_dict(opt.state_dict())
        assert entry in fresh.state[2]


def test_adagrad_uses_the_groups_accumulator(torch: Any) -> None:
    # torch 2.13 starts every sum at the constructor's initial_accumulator_value and ignores
    # the group's (its key is there, unused); minigrad uses the group's, so a group behaves
    # as an optimizer of its own with those values would.
    options = [dict(initial_accumulator_value=2.0), dict(lr=0.1)]
    ours, _, opt = _ours("Adagrad", {"lr": 0.05}, options, steps=range(5))
    params = [nn.Parameter(w) for w in _initial()]
    alone, _, _ = _ours("Adagrad", {}, [], steps=range(5), params=params[:2] + [params[2]],
                        opt=optim.Adagrad(params[:2], lr=0.05, initial_accumulator_value=2.0))
    np.testing.assert_array_equal(ours[-1][:10], alone[-1][:10])
    theirs = _theirs(torch, "Adagrad", {"lr": 0.05}, options)
    assert not np.allclose(ours[-1][:10], theirs[4][:10])  # torch used 0 for group 0
    np.testing.assert_allclose(ours[-1][10:], theirs[4][10:], rtol=1e-12)


# --------------------------------------------------------------------------- attributes


def test_attributes_read_group_zero_and_write_every_group() -> None:
    a, b = nn.Parameter([1.0]), nn.Parameter([2.0])
    opt = optim.Adam([{"params": [a], "lr": 0.1, "betas": (0.8, 0.95)},
                      {"params": [b], "weight_decay": 0.1}], lr=0.01)
    assert (opt.lr, opt.betas, opt.beta1, opt.beta2, opt.weight_decay) == (
        0.1, (0.8, 0.95), 0.8, 0.95, 0.0)
    assert opt.defaults["lr"] == 0.01 and opt.defaults["betas"] == (0.9, 0.999)
    opt.lr, opt.weight_decay = 0.5, 0.2  # as the playground sets them
    opt.beta1 = 0.7  # each group keeps its own beta2
    assert [(g["lr"], g["weight_decay"], g["betas"]) for g in opt.param_groups] == [
        (0.5, 0.2, (0.7, 0.95)), (0.5, 0.2, (0.7, 0.999))]
    with pytest.raises(ValueError, match=r"Adam: param group 0: betas\[1\] must lie in"):
        opt.beta2 = 1.0
    with pytest.raises(ValueError, match="Adam: param group 0: eps must be > 0"):
        opt.eps = 0.0
    assert opt.beta2 == 0.95 and opt.param_groups[1]["eps"] == 1e-8  # nothing changed
    sgd = optim.SGD([{"params": [nn.Parameter([1.0])], "nesterov": True},
                     {"params": [nn.Parameter([1.0])]}], momentum=0.9)
    with pytest.raises(ValueError, match="SGD: param group 0: nesterov=True needs momentum"):
        sgd.momentum = 0.0  # fine for group 1, not for group 0: refused for both
    assert [g["momentum"] for g in sgd.param_groups] == [0.9, 0.9]
    one = optim.SGD([nn.Parameter([1.0])], lr=0.1)
    with pytest.raises(TypeError, match="SGD: lr must be a number, got str"):
        one.lr = "fast"  # type: ignore[assignment]
    one.lr = -0.1  # any finite rate once made, as a scheduler may set it (torch too)
    assert one.param_groups[0]["lr"] == -0.1


def test_initial_lr_attribute_is_per_group_underneath() -> None:
    opt = optim.SGD([{"params": [nn.Parameter([1.0])], "lr": 0.4},
                     {"params": [nn.Parameter([1.0])], "lr": 0.1, "initial_lr": 0.2}])
    assert opt.initial_lr is None and opt.param_groups[1]["initial_lr"] == 0.2
    optim.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.4, 0.2]  # setdefault, as torch
    opt.initial_lr = 0.3
    assert [g["initial_lr"] for g in opt.param_groups] == [0.3, 0.3]
    opt.initial_lr = None
    assert all("initial_lr" not in g for g in opt.param_groups)


def test_groups_are_the_optimizers_own_copies() -> None:
    w = nn.Parameter([1.0])
    given = {"params": [w], "lr": 0.1}
    opt = optim.SGD([given])
    given["lr"] = 5.0
    assert opt.lr == 0.1 and opt.param_groups[0] is not given
    assert "group 1 (1 params): lr=0.2" in repr(
        optim.SGD([given, {"params": [nn.Parameter([0.0])], "lr": 0.2}]))


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda a, b: optim.SGD([{"params": [a]}, {"params": [b], "lr": -0.1}]), ValueError,
     "SGD: param group 1: lr must be >= 0.0, got -0.1"),
    (lambda a, b: optim.Adam([{"params": [a], "betas": (0.9, 1.0)}]), ValueError,
     "Adam: param group 0: betas[1] must lie in [0.0, 1.0)"),
    (lambda a, b: optim.RMSprop([{"params": [a]}, {"params": [b], "eps": 0.0}]), ValueError,
     "RMSprop: param group 1: eps must be > 0"),
    (lambda a, b: optim.SGD([{"params": [a]}, {"params": [b], "nesterov": True}]), ValueError,
     "SGD: param group 1: nesterov=True needs momentum > 0"),
    (lambda a, b: optim.NAdam([{"params": [a], "decoupled_weight_decay": "yes"}]), TypeError,
     "NAdam: param group 0: decoupled_weight_decay must be True or False, got 'yes'"),
    (lambda a, b: optim.Adagrad([{"params": [a], "lr_decay": "0.1"}]), TypeError,
     "Adagrad: param group 0: lr_decay must be a number, got str"),
    (lambda a, b: optim.SGD([{"params": [a]}, {"params": [b], "momentom": 0.9}]), ValueError,
     "SGD: param group 1: unknown key 'momentom'; a param group of SGD takes 'params', 'lr', "
     "'momentum'"),
    (lambda a, b: optim.Adam([{"params": [a], "beta1": 0.8}]), ValueError,
     "unknown key 'beta1'; a param group of Adam takes 'params', 'lr', 'betas'"),
    (lambda a, b: optim.SGD([{"params": [a]}, {"lr": 0.1}]), ValueError,
     "SGD: param group 1: 'params' is missing"),
    (lambda a, b: optim.SGD([{"params": [a, b]}, {"params": [b]}]), ValueError,
     "SGD: param group 1: parameter 0 of params is already in param group 0; a parameter "
     "can be in one group only"),
    (lambda a, b: optim.SGD([{"params": [a]}, b]), TypeError,
     "SGD: item 1 of params is a Parameter but item 0 is a dict; give either Parameters or "
     "param groups"),
    (lambda a, b: optim.SGD([a, {"params": [b]}]), TypeError, "item 1 of params is a dict"),
    (lambda a, b: optim.SGD({"params": [a]}), TypeError, "put the group in a list: [group]"),
    (lambda a, b: optim.SGD([{"params": {a, b}}]), TypeError,
     "SGD: param group 0: params must be an ordered collection, got a set"),
    (lambda a, b: optim.SGD([{"params": [a]}, {"params": [b * 2.0]}]), ValueError,
     "SGD: param group 1: item 0 of params is not a leaf tensor"),
    (lambda a, b: optim.SGD([{"params": [a]}, {"params": [np.ones(2)]}]), TypeError,
     "SGD: param group 1: item 0 of params is a ndarray, expected a Parameter or Tensor"),
    (lambda a, b: optim.SGD([{"params": [a]}, "b"]), TypeError,
     "item 1 of params is a str but item 0 is a dict"),
    (lambda a, b: optim.SGD([{"params": [a], "initial_lr": math.nan}]), ValueError,
     "SGD: param group 0: initial_lr must be finite"),
    (lambda a, b: optim.SGD([]), ValueError, "SGD: optimizer got an empty parameter list"),
], ids=["negative lr", "beta2 of 1", "eps 0", "nesterov without momentum", "bad flag",
        "lr_decay str", "unknown key", "flat beta key", "no params", "in two groups",
        "dict then parameter", "parameter then dict", "a lone dict", "a set", "not a leaf",
        "an array", "a str", "nan initial_lr", "empty list"])
def test_bad_groups_are_refused_with_the_group_named(make: Callable[..., Any], error: type,
                                                    message: str) -> None:
    a, b = nn.Parameter([1.0]), nn.Parameter([2.0])
    with pytest.raises(error, match=re.escape(message)):
        make(a, b)


def test_duplicates_across_groups_are_refused_as_by_torch(torch: Any) -> None:
    t = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="some parameters appear in more than one"):
        torch.optim.SGD([{"params": [t]}, {"params": [t]}], lr=0.1)
    w = nn.Parameter([1.0, 2.0])
    with pytest.raises(ValueError, match="already in param group 0"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    # Within one group a repeated parameter is kept once, as minigrad does for a plain list
    # (torch warns and will refuse it).
    assert optim.SGD([{"params": [w, w]}]).params == [w]


def test_add_param_group_refusals_leave_the_optimizer_unchanged() -> None:
    a, b, c = nn.Parameter([1.0]), nn.Parameter([2.0]), nn.Parameter([3.0])
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    a.grad = np.ones(1)
    opt.step()
    before = (list(opt.params), [dict(g) for g in opt.param_groups], opt.state_dict())
    for bad, message in [({"params": [b, a]}, "SGD: param group 1: parameter 1 of params is "
                                              "already in param group 0"),
                         ({"params": [c], "lr": -1.0}, "SGD: param group 1: lr must be >="),
                         ({"params": [c], "betas": (0.9, 0.9)}, "unknown key 'betas'"),
                         ([c], "SGD: param group 1: a param group must be a dict")]:
        with pytest.raises((TypeError, ValueError), match=message.replace("(", r"\(")):
            opt.add_param_group(bad)  # type: ignore[arg-type]
        assert opt.params == before[0] and opt.param_groups == before[1]
        assert opt.state_dict().keys() == before[2].keys()
    opt.add_param_group({"params": c})  # a lone Tensor stands for [tensor], as in torch
    assert opt.param_groups[1]["params"] == [c] and opt.param_groups[1]["momentum"] == 0.9
    assert opt.state[-1] == {} and opt.params == [a, c]


def test_a_bad_live_value_is_refused_at_step_before_anything_moves() -> None:
    _, params, opt = _ours("Adam", {"lr": 0.01}, [{}, {}], steps=range(2))
    saved = [p.data.copy() for p in params]
    state = opt.state_dict()
    for key, value, error, message in [
            ("lr", "0.1", TypeError, "Adam: param group 1: lr must be a number, got str"),
            ("lr", math.inf, ValueError, "Adam: param group 1: lr must be finite"),
            ("betas", 0.9, TypeError, "Adam: param group 1: betas must be a pair"),
            ("weight_decay", -1.0, ValueError, "param group 1: weight_decay must be >= 0.0")]:
        good = opt.param_groups[1][key]
        opt.param_groups[1][key] = value
        for p in params:
            p.grad = np.ones_like(p.data)
        with pytest.raises(error, match=message):
            opt.step()
        opt.param_groups[1][key] = good
        for p, w in zip(params, saved):
            np.testing.assert_array_equal(p.data, w)
        assert all(np.array_equal(v, state[k]) for k, v in opt.state_dict().items())
    del opt.param_groups[0]["eps"]
    with pytest.raises(ValueError, match=r"Adam: param group 0: 'eps' is missing"):
        opt.step()


def test_editing_a_groups_parameter_list_is_refused_at_step() -> None:
    a, b = nn.Parameter([1.0]), nn.Parameter([2.0])
    opt = optim.SGD([{"params": [a]}], lr=0.1)
    opt.param_groups[0]["params"].append(b)  # torch-era habit; add_param_group is the way
    a.grad = b.grad = np.ones(1)
    with pytest.raises(RuntimeError, match=r"param_groups\[0\]\['params'\] was changed in "
                                           "place.*add_param_group"):
        opt.step()
    assert a.data[0] == 1.0 and b.data[0] == 2.0


def test_empty_groups_are_allowed_as_in_torch(torch: Any) -> None:
    # torch accepts a group without parameters (and even only such groups); a plain empty
    # list is refused by both.
    torch.optim.SGD([{"params": []}], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        torch.optim.SGD([], lr=0.1)
    assert optim.SGD([{"params": []}], lr=0.1).params == []
    options = [dict(lr=0.02), dict(momentum=0.5)]

    def hook(t: int, opt: Any, params: list[Any]) -> None:
        if t == 5:
            opt.add_param_group({"params": []})

    def make_ours(params: list[nn.Parameter]) -> Any:
        return optim.SGD([{"params": []}, *_groups(params, options)], lr=0.05, momentum=0.9)

    params = [nn.Parameter(w) for w in _initial()]
    ours, _, opt = _ours("SGD", {}, options, hook=hook, params=params, opt=make_ours(params))
    t_params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in _initial()]
    theirs_opt = torch.optim.SGD([{"params": []}, *_groups(t_params, options)], lr=0.05,
                                 momentum=0.9, foreach=False)
    theirs = _torch_run(torch, theirs_opt, t_params, hook)
    _assert_close(ours, theirs, "empty groups")
    assert [len(g["params"]) for g in opt.param_groups] == [0, 2, 1, 0]
    fresh = optim.SGD([{"params": []}, *_groups([nn.Parameter(w) for w in _initial()],
                                                options), {"params": []}], momentum=0.9)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.state_dict().keys() == opt.state_dict().keys()


# --------------------------------------------------------------------------- schedulers


def _metric(t: int) -> float:
    """A validation loss that improves, stalls (so the plateau scheduler fires) and wobbles."""
    return max(0.2, 1.0 - 0.04 * t) + 0.01 * ((t * 37) % 11) / 11 + (0.3 if t % 23 == 0 else 0)


def _torch_only(lib: Any, **kwargs: Any) -> dict[str, Any]:
    return {} if lib is optim else kwargs


Factory = Callable[[Any, Any], Any]

SCHEDULERS: list[tuple[str, Factory]] = [
    ("step", lambda L, o: L.StepLR(o, step_size=7, gamma=0.5)),
    ("exponential", lambda L, o: L.ExponentialLR(o, gamma=0.95)),
    ("cosine", lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=0.01)),
    ("multistep", lambda L, o: L.MultiStepLR(o, milestones=[5, 20, 20, 61], gamma=0.5)),
    ("lambda_one", lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e + 0.1 * math.sin(e))),
    ("lambda_per_group", lambda L, o: L.LambdaLR(o, [lambda e: 0.97 ** e,
                                                     lambda e: 1.0 / (1 + 0.1 * e)])),
    ("linear", lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.7, total_iters=37)),
    ("onecycle", lambda L, o: L.OneCycleLR(o, max_lr=0.8, total_steps=100,
                                           **_torch_only(L, cycle_momentum=False))),
    ("onecycle_per_group", lambda L, o: L.OneCycleLR(
        o, max_lr=[2.0, 0.3], epochs=11, steps_per_epoch=10, pct_start=0.25,
        anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0, three_phase=True,
        **_torch_only(L, cycle_momentum=False))),
    ("warm_restarts", lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2,
                                                                 eta_min=0.001)),
    ("plateau", lambda L, o: L.ReduceLROnPlateau(o, patience=2, factor=0.5)),
    ("plateau_per_group", lambda L, o: L.ReduceLROnPlateau(
        o, mode="max", factor=0.7, patience=1, threshold=0.01, threshold_mode="abs",
        cooldown=2, min_lr=[0.05, 0.004])),
    ("sequential", lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=10),
            L.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1.0]),
            L.CosineAnnealingWarmRestarts(o, T_0=7)], milestones=[10, 40])),
]
SCHEDULER_IDS = [n for n, _ in SCHEDULERS]
BY_NAME = dict(SCHEDULERS)
CHAINS = [("step", "exponential"), ("linear", "cosine"), ("multistep", "plateau_per_group"),
          ("lambda_per_group", "step"), ("warm_restarts", "multistep")]


def _step(scheduler: Any, t: int) -> None:
    if type(scheduler).__name__ == "ReduceLROnPlateau":
        scheduler.step(_metric(t))
    else:
        scheduler.step()


def _schedule(torch: Any, chosen: list[Factory], manual: dict[int, tuple[int, float]] | None = None,
              ) -> tuple[list[list[float]], list[list[float]], Any, Any]:
    """Step both libraries side by side, two groups (lr 1.0 and 0.05); every row holds the
    groups' rates and each scheduler's ``get_last_lr()``."""
    manual = manual or {}
    ours_opt = optim.SGD([{"params": [mg.Tensor([0.0], requires_grad=True)]},
                          {"params": [mg.Tensor([0.0], requires_grad=True)], "lr": 0.05}],
                         lr=1.0)
    theirs_opt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)]},
                                  {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.05}],
                                 lr=1.0)
    ours = [make(optim, ours_opt) for make in chosen]
    theirs = [make(torch.optim.lr_scheduler, theirs_opt) for make in chosen]

    def row(opt: Any, schedulers: list[Any]) -> list[float]:
        out = [g["lr"] for g in opt.param_groups]
        for s in schedulers:
            out += s.get_last_lr()
        return out

    ours_rows, theirs_rows = [row(ours_opt, ours)], [row(theirs_opt, theirs)]
    for t in range(100):
        if t in manual:
            group, lr = manual[t]
            ours_opt.param_groups[group]["lr"] = lr
            theirs_opt.param_groups[group]["lr"] = lr
        ours_opt.step()
        theirs_opt.step()  # before the schedulers, as torch asks (it warns otherwise)
        for a, b in zip(ours, theirs):
            _step(a, t)
            _step(b, t)
        ours_rows.append(row(ours_opt, ours))
        theirs_rows.append(row(theirs_opt, theirs))
    for a, b in zip(ours, theirs):
        assert a.last_epoch == b.last_epoch
        assert len(a.get_last_lr()) == 2
        if hasattr(b, "base_lrs"):
            assert a.base_lrs == b.base_lrs
    assert [g.get("initial_lr") for g in ours_opt.param_groups] == [
        g.get("initial_lr") for g in theirs_opt.param_groups]
    return ours_rows, theirs_rows, ours_opt, ours


def test_every_scheduler_class_is_compared_over_groups() -> None:
    classes = {cls for cls in vars(optim).values()
               if isinstance(cls, type) and issubclass(cls, optim.LRScheduler)
               and cls is not optim.LRScheduler}
    opt = optim.SGD([{"params": [mg.Tensor([0.0], requires_grad=True)]},
                     {"params": [mg.Tensor([0.0], requires_grad=True)]}], lr=1.0)
    assert {type(make(optim, opt)) for _, make in SCHEDULERS} == classes


@pytest.mark.parametrize(("name", "make"), SCHEDULERS, ids=SCHEDULER_IDS)
def test_scheduler_over_two_groups_matches_torch(torch: Any, name: str, make: Factory) -> None:
    ours, theirs, _, _ = _schedule(torch, [make])
    assert ours == theirs
    assert len({row[0] for row in ours}) > 2 and len({row[1] for row in ours}) > 2
    ratios = {round(row[1] / row[0], 9) for row in ours}
    if name == "onecycle_per_group":  # each group cycles up to its own max_lr
        assert ratios == {0.15}
    elif name.endswith("per_group"):  # group 1 follows its own schedule, not group 0's scaled
        assert len(ratios) > 2


@pytest.mark.parametrize("first, second", CHAINS, ids=[f"{a}+{b}" for a, b in CHAINS])
def test_chained_over_two_groups_matches_torch(torch: Any, first: str, second: str) -> None:
    ours, theirs, _, _ = _schedule(torch, [BY_NAME[first], BY_NAME[second]])
    assert ours == theirs


@pytest.mark.parametrize("name", ["step", "cosine", "lambda_per_group", "plateau"])
def test_manual_change_of_one_group_matches_torch(torch: Any, name: str) -> None:
    ours, theirs, _, _ = _schedule(torch, [BY_NAME[name]], manual={13: (1, 0.5), 50: (0, 0.02)})
    assert ours == theirs


@pytest.mark.parametrize("name", ["step", "lambda_per_group", "linear", "warm_restarts"])
def test_resumed_with_last_epoch_over_groups_matches_torch(torch: Any, name: str) -> None:
    resumable: dict[str, Callable[[Any, Any, int], Any]] = {
        "step": lambda L, o, e: L.StepLR(o, step_size=7, gamma=0.5, last_epoch=e),
        "lambda_per_group": lambda L, o, e: L.LambdaLR(
            o, [lambda t: 0.97 ** t, lambda t: 1.0 / (1 + 0.1 * t)], last_epoch=e),
        "linear": lambda L, o, e: L.LinearLR(o, start_factor=0.25, total_iters=30,
                                             last_epoch=e),
        "warm_restarts": lambda L, o, e: L.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2,
                                                                       last_epoch=e)}
    # initial_lr given in the groups, as a resumed torch run has it
    ours_opt = optim.SGD([{"params": [mg.Tensor([0.0], requires_grad=True)],
                           "initial_lr": 0.7},
                          {"params": [mg.Tensor([0.0], requires_grad=True)], "lr": 0.1,
                           "initial_lr": 0.2}], lr=0.7)
    theirs_opt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)],
                                   "initial_lr": 0.7},
                                  {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1,
                                   "initial_lr": 0.2}], lr=0.7)
    ours = resumable[name](optim, ours_opt, 20)
    theirs = resumable[name](torch.optim.lr_scheduler, theirs_opt, 20)
    for _ in range(100):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert [g["lr"] for g in ours_opt.param_groups] == [
            g["lr"] for g in theirs_opt.param_groups]


def test_scheduler_argument_lists_must_have_one_value_per_group() -> None:
    opt = optim.SGD([{"params": [mg.Tensor([0.0], requires_grad=True)]},
                     {"params": [mg.Tensor([0.0], requires_grad=True)]}], lr=1.0)
    with pytest.raises(ValueError, match=r"LambdaLR: expected 2 lr_lambdas \(one per param "
                                         r"group\), got 1"):
        optim.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(TypeError, match=r"LambdaLR: lr_lambda\[1\] must be a function"):
        optim.LambdaLR(opt, [lambda e: 1.0, 0.5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"lr_lambda\[1\]\(0\) must return a number"):
        optim.LambdaLR(opt, [lambda e: 1.0, lambda e: "x"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="OneCycleLR: max_lr has 3 values, the optimizer has "
                                         "2 param groups"):
        optim.OneCycleLR(opt, max_lr=[1.0, 2.0, 3.0], total_steps=10)
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau: min_lr\[0\] must be >= 0.0"):
        optim.ReduceLROnPlateau(opt, min_lr=[-1.0, 0.0])
    with pytest.raises(ValueError, match="min_lr has 1 values"):
        optim.ReduceLROnPlateau(opt, min_lr=[0.1])
    fresh = optim.SGD([{"params": [mg.Tensor([0.0], requires_grad=True)]},
                       {"params": [mg.Tensor([0.0], requires_grad=True)], "lr": 0.5}])
    with pytest.raises(ValueError, match=r"needs optimizer.initial_lr \(param_groups\[0\]"):
        optim.StepLR(fresh, step_size=2, last_epoch=3)
    fresh.param_groups[0]["initial_lr"] = 0.01
    with pytest.raises(ValueError, match=r"param_groups\[1\]\['initial_lr'\]"):
        optim.StepLR(fresh, step_size=2, last_epoch=3)


def test_a_group_added_after_the_scheduler(torch: Any) -> None:
    # As torch: a chainable scheduler carries the new group along; one that computes from
    # base_lrs cannot (torch fails inside zip; minigrad says why).
    def two(lib: Any, opt: Any) -> tuple[Any, Any]:
        return lib.StepLR(opt, step_size=2, gamma=0.5), lib.LambdaLR(opt, lambda e: 0.9 ** e)

    ours_opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    theirs_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    (ours_step, ours_lambda), (theirs_step, theirs_lambda) = two(optim, ours_opt), two(
        torch.optim.lr_scheduler, theirs_opt)
    ours_opt.add_param_group({"params": [mg.Tensor([0.0], requires_grad=True)], "lr": 0.5})
    theirs_opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5})
    for _ in range(5):
        ours_opt.step()
        theirs_opt.step()
        ours_step.step()
        theirs_step.step()
        assert ours_step.get_last_lr() == theirs_step.get_last_lr()
    assert len(ours_step.get_last_lr()) == 2
    with pytest.raises(ValueError):
        theirs_lambda.step()
    with pytest.raises(ValueError, match="LambdaLR: the optimizer has 2 param groups but this "
                                         "scheduler was made for 1; make the scheduler after"):
        ours_lambda.step()


def test_fit_with_a_two_group_optimizer_and_a_scheduler_callback() -> None:
    X = np.linspace(-1, 1, 16).reshape(-1, 1)
    model = nn.Sequential(nn.Dense(1, 4, rng=0), nn.Tanh(), nn.Dense(4, 1, rng=1))
    opt = optim.SGD([{"params": model[0].parameters(), "lr": 0.05},
                     {"params": model[2].parameters()}], lr=0.1, momentum=0.5)
    callback = mg.LRScheduler(optim.StepLR(opt, step_size=2, gamma=0.5))
    history = mg.fit(model, X, np.sin(2 * X), loss=nn.MSELoss(), optimizer=opt, epochs=4,
                     verbose=0, callbacks=[callback])
    assert history["loss"][-1] < history["loss"][0]
    assert [g["lr"] for g in opt.param_groups] == [0.0125, 0.025]
    assert callback.scheduler.get_last_lr() == [0.0125, 0.025]


# --------------------------------------------------------------------------- state dicts


@pytest.mark.parametrize(("name", "cls", "defaults", "options"), CONFIGS, ids=IDS)
def test_state_dict_with_groups_resumes_bit_identically(name: str, cls: str,
                                                        defaults: dict[str, Any],
                                                        options: list[dict[str, Any]],
                                                        tmp_path: Any) -> None:
    _, params, opt = _ours(cls, defaults, options, steps=range(10))
    optim.ExponentialLR(opt, gamma=0.9).step()  # initial_lr in every group, rates changed
    opt.param_groups[1]["initial_lr"] = 0.123
    mg.save(opt, tmp_path / "opt.npz")  # flat arrays: no pickle
    saved = [p.data.copy() for p in params]
    expected, _, _ = _ours(cls, defaults, options, steps=range(10, 20), params=params, opt=opt)

    fresh = [nn.Parameter(w) for w in saved]
    # the same groups, other values: the loaded state decides
    resumed = getattr(optim, cls)(_groups(fresh, [{}, {"lr": 0.5}]), lr=0.7)
    resumed.load_state_dict(mg.load(tmp_path / "opt.npz"))
    assert [g.get("initial_lr") for g in resumed.param_groups] == [opt.initial_lr, 0.123]
    for ours_group, their_group in zip(resumed.param_groups, opt.param_groups):
        assert {k: v for k, v in ours_group.items() if k != "params"} == {
            k: v for k, v in their_group.items() if k != "params"}
    got, _, _ = _ours(cls, {}, [], steps=range(10, 20), params=fresh, opt=resumed)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_state_dict_layout_with_groups() -> None:
    _, _, opt = _ours("Adam", {"lr": 0.01}, [{"lr": 0.02}, {"amsgrad": True}], steps=range(2))
    state = opt.state_dict()
    assert state["group_sizes"].tolist() == [2, 1] and int(state["num_params"]) == 3
    assert float(state["hyper.lr"]) == 0.02 and float(state["group.1.hyper.lr"]) == 0.01
    assert bool(state["group.1.hyper.amsgrad"]) and not bool(state["hyper.amsgrad"])
    assert sorted(k for k in state if k.startswith("group.1.")) == sorted(
        f"group.1.hyper.{k}" for k in ("lr", "beta1", "beta2", "eps", "weight_decay",
                                       "amsgrad", "maximize"))
    assert "state.2.max_exp_avg_sq" in state and "state.0.max_exp_avg_sq" not in state
    assert all(isinstance(v, np.ndarray) for v in state.values())


def test_an_old_one_group_state_dict_still_loads() -> None:
    # Written by hand in the layout minigrad used before param groups.
    old = {"kind": np.array("SGD"), "num_params": np.array(2),
           "hyper.lr": np.array(0.05), "hyper.momentum": np.array(0.9),
           "hyper.dampening": np.array(0.0), "hyper.nesterov": np.array(False),
           "hyper.weight_decay": np.array(0.01), "hyper.maximize": np.array(False),
           "initial_lr": np.array(0.1),
           "state.0.momentum_buffer": np.array([0.5, -0.5]),
           "state.1.momentum_buffer": np.array([[1.0]])}
    a, b = nn.Parameter([1.0, 2.0]), nn.Parameter([[3.0]])
    opt = optim.SGD([a, b], lr=0.3)
    opt.load_state_dict(old)
    assert (opt.lr, opt.momentum, opt.weight_decay, opt.initial_lr) == (0.05, 0.9, 0.01, 0.1)
    np.testing.assert_array_equal(opt.state[1]["momentum_buffer"], [[1.0]])
    # and a one-group optimizer still writes exactly that layout
    assert opt.state_dict().keys() == old.keys()
    a.grad, b.grad = np.zeros(2), np.zeros((1, 1))
    opt.step()  # b = 0.9 b + 0.01 p: the loaded buffer and decay in use
    np.testing.assert_allclose(a.data, [1.0 - 0.05 * (0.45 + 0.01),
                                        2.0 - 0.05 * (-0.45 + 0.02)], rtol=1e-15)


@pytest.mark.parametrize(("target", "message"), [
    ("one", r"group_sizes: this optimizer's param groups hold \[3\] parameters, the "
            r"state's \[2, 1\]"),
    ("other_split", r"group_sizes: this optimizer's param groups hold \[1, 2\] parameters, "
                    r"the state's \[2, 1\]"),
])
def test_a_state_for_other_groups_is_refused(target: str, message: str) -> None:
    _, _, opt = _ours("SGD", {"lr": 0.1, "momentum": 0.9}, [{}, {"lr": 0.2}], steps=range(2))
    params = [nn.Parameter(w) for w in _initial()]
    other = (optim.SGD(params, lr=0.1, momentum=0.9) if target == "one" else
             optim.SGD([{"params": params[:1]}, {"params": params[1:]}], momentum=0.9))
    before = other.state_dict()
    with pytest.raises(ValueError, match=message):
        other.load_state_dict(opt.state_dict())
    assert other.state_dict().keys() == before.keys()
    one_group = optim.SGD([nn.Parameter(w) for w in _initial()], lr=0.1).state_dict()
    with pytest.raises(ValueError, match=r"group_sizes: this optimizer has 2 param groups "
                                         r"\(holding \[2, 1\] parameters\), the state is for "
                                         "one group"):
        opt.load_state_dict(one_group)


def test_bad_group_entries_in_a_state_are_refused_and_change_nothing() -> None:
    _, _, opt = _ours("Adam", {"lr": 0.01}, [{}, {"lr": 0.02}], steps=range(2))
    good = opt.state_dict()
    for change, message in [({"group.1.hyper.beta2": np.array(1.0)},
                             r"Adam: param group 1: betas\[1\] must lie in"),
                            ({"group.1.hyper.eps": None}, "missing key group.1.hyper.eps"),
                            ({"group.2.hyper.lr": np.array(0.1)},
                             "unexpected key group.2.hyper.lr"),
                            ({"group.1.initial_lr": np.array(np.nan)},
                             "group.1.initial_lr: expected a finite number"),
                            ({"group_sizes": np.array([1.5, 1.5])},
                             "group_sizes: expected a list of integers")]:
        assert_refused_unchanged(opt, good, change, message)


def test_scheduler_state_with_groups_round_trips() -> None:
    def make() -> tuple[Any, Any]:
        opt = optim.SGD([{"params": [mg.Tensor([0.0], requires_grad=True)]},
                         {"params": [mg.Tensor([0.0], requires_grad=True)], "lr": 0.05}],
                        lr=1.0)
        return opt, optim.OneCycleLR(opt, max_lr=[0.8, 0.1], total_steps=60)

    opt, scheduler = make()
    for _ in range(20):
        scheduler.step()
    buffer = io.BytesIO()
    np.savez(buffer, **{f"opt.{k}": v for k, v in opt.state_dict().items()},
             **{f"sched.{k}": v for k, v in scheduler.state_dict().items()})
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as archive:
        loaded = dict(archive)
    fresh_opt, fresh = make()
    fresh_opt.load_state_dict({k[4:]: v for k, v in loaded.items() if k.startswith("opt.")})
    fresh.load_state_dict({k[6:]: v for k, v in loaded.items() if k.startswith("sched.")})
    assert fresh.max_lrs == [0.8, 0.1] and fresh.get_last_lr() == scheduler.get_last_lr()
    for _ in range(30):
        scheduler.step()
        fresh.step()
        assert fresh.get_last_lr() == scheduler.get_last_lr()
        assert [g["lr"] for g in fresh_opt.param_groups] == [g["lr"] for g in opt.param_groups]
    with pytest.raises(ValueError, match="last_lr: expected a list of 2 finite numbers, one "
                                         "per param group"):
        fresh.load_state_dict({**scheduler.state_dict(), "last_lr": np.array([0.1])})


def test_old_one_group_scheduler_states_still_load() -> None:
    # Before param groups OneCycleLR saved hyper.max_lr and ReduceLROnPlateau hyper.min_lr.
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    cycle = optim.OneCycleLR(opt, max_lr=0.5, total_steps=10)
    state = cycle.state_dict()
    old = {**{k: v for k, v in state.items() if k != "max_lrs"}, "hyper.max_lr": np.array(0.9)}
    cycle.load_state_dict(old)
    assert cycle.max_lrs == [0.9] and cycle.max_lr == 0.9
    plateau = optim.ReduceLROnPlateau(opt, min_lr=0.01)
    state = plateau.state_dict()
    old = {**{k: v for k, v in state.items() if k != "min_lrs"}, "hyper.min_lr": np.array(0.2)}
    plateau.load_state_dict(old)
    assert plateau.min_lrs == [0.2]
