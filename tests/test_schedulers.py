"""Learning-rate schedulers against torch.optim.lr_scheduler: alone, chained, after a manual
change of the rate, resumed, and saved; 100 steps each, compared for exact equality (both
sides do the same Python float arithmetic)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

STEPS = 100

# (name, minigrad factory, torch class name, keyword arguments); chosen so that 100 steps
# cross several decays and, for the cosine, several bottoms (its division-by-zero branch).
SCHEDULERS = [
    ("step", optim.StepLR, "StepLR", {"step_size": 7, "gamma": 0.5}),
    ("exponential", optim.ExponentialLR, "ExponentialLR", {"gamma": 0.95}),
    ("cosine", optim.CosineAnnealingLR, "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.01}),
    ("cosine_long", optim.CosineAnnealingLR, "CosineAnnealingLR", {"T_max": 30}),
]
IDS = [entry[0] for entry in SCHEDULERS]


def test_every_scheduler_class_is_compared() -> None:
    classes = {cls for cls in vars(optim).values()
               if isinstance(cls, type) and issubclass(cls, optim.LRScheduler)
               and cls is not optim.LRScheduler
               # these are compared with torch in test_schedulers_more.py
               and not cls.__module__.startswith("minigrad.optim.lr_scheduler_")}
    assert classes == {entry[1] for entry in SCHEDULERS}


def _run(torch: Any, chosen: list[tuple[str, Any, str, dict[str, Any]]], lr: float = 1.0,
         manual: dict[int, float] | None = None, last_epoch: int = -1
         ) -> tuple[list[list[float]], list[list[float]], Any, Any]:
    """Step both libraries side by side; returns the rates (and each scheduler's last rate)."""
    manual = manual or {}
    ours_opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=lr)
    theirs_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    if last_epoch >= 0:
        ours_opt.initial_lr = lr
        theirs_opt.param_groups[0]["initial_lr"] = lr
    ours = [make(ours_opt, **kwargs, last_epoch=last_epoch) for _, make, _, kwargs in chosen]
    theirs = [getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs,
                                                      last_epoch=last_epoch)
              for _, _, name, kwargs in chosen]
    ours_lrs, theirs_lrs = [[ours_opt.lr]], [[theirs_opt.param_groups[0]["lr"]]]
    for step in range(STEPS):
        if step in manual:
            ours_opt.lr = manual[step]
            theirs_opt.param_groups[0]["lr"] = manual[step]
        ours_opt.step()
        theirs_opt.step()  # before the schedulers, as torch asks (it warns otherwise)
        for a, b in zip(ours, theirs):
            a.step()
            b.step()
        ours_lrs.append([ours_opt.lr] + [a.get_last_lr()[0] for a in ours])
        theirs_lrs.append([theirs_opt.param_groups[0]["lr"]] + [b.get_last_lr()[0]
                                                                for b in theirs])
    for a, b in zip(ours, theirs):
        assert a.last_epoch == b.last_epoch == last_epoch + 1 + STEPS
        assert a.base_lrs == b.base_lrs
    assert ours_opt.initial_lr == theirs_opt.param_groups[0]["initial_lr"]
    return ours_lrs, theirs_lrs, ours, theirs


@pytest.mark.parametrize("entry", SCHEDULERS, ids=IDS)
def test_alone_matches_torch(torch: Any, entry: tuple[Any, ...]) -> None:
    ours, theirs, _, _ = _run(torch, [entry], lr=0.3)
    assert ours == theirs


@pytest.mark.parametrize("first, second", list(itertools.product(SCHEDULERS, repeat=2)),
                         ids=[f"{a}+{b}" for a, b in itertools.product(IDS, repeat=2)])
def test_chained_pairs_match_torch(torch: Any, first: tuple[Any, ...],
                                   second: tuple[Any, ...]) -> None:
    ours, theirs, _, _ = _run(torch, [first, second])
    assert ours == theirs


def test_step_then_exponential_compose_as_in_torch(torch: Any) -> None:
    # The example: a decay every step by 0.1 and by 0.9, three steps.
    ours_opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    first = optim.StepLR(ours_opt, step_size=1, gamma=0.1)
    second = optim.ExponentialLR(ours_opt, gamma=0.9)
    for _ in range(3):
        first.step()
        second.step()
    assert ours_opt.lr == pytest.approx((0.1 * 0.9) ** 3, rel=1e-12)
    theirs_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    schedulers = [torch.optim.lr_scheduler.StepLR(theirs_opt, step_size=1, gamma=0.1),
                  torch.optim.lr_scheduler.ExponentialLR(theirs_opt, gamma=0.9)]
    for _ in range(3):
        theirs_opt.step()
        for scheduler in schedulers:
            scheduler.step()
    assert ours_opt.lr == theirs_opt.param_groups[0]["lr"]


@pytest.mark.parametrize("entry", SCHEDULERS, ids=IDS)
def test_manual_change_midway_is_kept_like_torch(torch: Any, entry: tuple[Any, ...]) -> None:
    ours, theirs, _, _ = _run(torch, [entry], manual={50: 0.02})
    assert ours == theirs
    # The schedule carries on from the rate set by hand instead of overwriting it.
    assert ours[51][0] != _run(torch, [entry])[0][51][0]


@pytest.mark.parametrize("first, second", [(SCHEDULERS[0], SCHEDULERS[2]),
                                           (SCHEDULERS[1], SCHEDULERS[0]),
                                           (SCHEDULERS[3], SCHEDULERS[1])],
                         ids=["step+cosine", "exponential+step", "cosine_long+exponential"])
def test_chained_with_manual_changes_match_torch(torch: Any, first: tuple[Any, ...],
                                                 second: tuple[Any, ...]) -> None:
    ours, theirs, _, _ = _run(torch, [first, second], manual={13: 0.5, 61: 2.0})
    assert ours == theirs


@pytest.mark.parametrize("entry", SCHEDULERS, ids=IDS)
@pytest.mark.parametrize("last_epoch", [6, 20])
def test_resumed_with_last_epoch_matches_torch(torch: Any, entry: tuple[Any, ...],
                                               last_epoch: int) -> None:
    ours, theirs, _, _ = _run(torch, [entry], lr=0.7, last_epoch=last_epoch)
    assert ours == theirs


def test_initial_lr_is_recorded_once_and_shared_like_torch() -> None:
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.4)
    assert opt.initial_lr is None
    first = optim.ExponentialLR(opt, gamma=0.5)
    first.step()
    second = optim.CosineAnnealingLR(opt, T_max=4)
    # The second scheduler's base is the rate the first one started from, as in torch.
    assert opt.initial_lr == 0.4 and first.base_lrs == second.base_lrs == [0.4]
    assert opt.lr == 0.2 and second.get_last_lr() == [0.2]


def test_resuming_without_initial_lr_is_refused() -> None:
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.4)
    with pytest.raises(ValueError, match=r"StepLR: resuming with last_epoch=3 needs "
                                         r"optimizer.initial_lr"):
        optim.StepLR(opt, step_size=2, last_epoch=3)
    with pytest.raises(ValueError, match="last_epoch must be an integer >= -1, got -2"):
        optim.StepLR(opt, step_size=2, last_epoch=-2)
    assert opt.lr == 0.4 and opt.initial_lr is None


def test_initial_lr_travels_with_the_optimizer_state() -> None:
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.4)
    assert "initial_lr" not in opt.state_dict()
    scheduler = optim.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        scheduler.step()
    saved_opt, saved_sched = opt.state_dict(), scheduler.state_dict()
    assert float(saved_opt["initial_lr"]) == 0.4
    # PyTorch's order for a checkpoint: scheduler first, then the optimizer's state (which
    # the scheduler's construction would otherwise overwrite), then the scheduler's state.
    fresh = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.4)
    resumed = optim.StepLR(fresh, step_size=2, gamma=0.5)
    fresh.load_state_dict(saved_opt)
    resumed.load_state_dict(saved_sched)
    assert fresh.initial_lr == 0.4 and fresh.lr == opt.lr == 0.2
    for _ in range(5):
        scheduler.step()
        resumed.step()
        assert fresh.lr == opt.lr and resumed.get_last_lr() == scheduler.get_last_lr()
    with pytest.raises(ValueError, match="initial_lr: expected a finite number"):
        fresh.load_state_dict({**saved_opt, "initial_lr": np.array(np.nan)})


def test_scheduler_state_dict_leaves_the_optimizer_alone_like_torch(torch: Any) -> None:
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    scheduler = optim.ExponentialLR(opt, gamma=0.5)
    scheduler.step()
    state = scheduler.state_dict()
    other_opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.3)
    other = optim.ExponentialLR(other_opt, gamma=0.9)
    other.load_state_dict(state)
    assert other_opt.lr == 0.3  # torch's load_state_dict does not touch the optimizer either
    assert (other.gamma, other.last_epoch, other.get_last_lr(), other.base_lrs) == (
        0.5, 1, [0.5], [1.0])
    theirs_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    theirs = torch.optim.lr_scheduler.ExponentialLR(theirs_opt, gamma=0.9)
    theirs.load_state_dict({**theirs.state_dict(), "gamma": 0.5, "last_epoch": 1})
    assert theirs_opt.param_groups[0]["lr"] == 0.3


MAKERS: list[Callable[[optim.Optimizer], optim.LRScheduler]] = [
    lambda o: optim.StepLR(o, step_size=3, gamma=0.5),
    lambda o: optim.ExponentialLR(o, gamma=0.9),
    lambda o: optim.CosineAnnealingLR(o, T_max=5, eta_min=0.1),
]


@pytest.mark.parametrize("make", MAKERS, ids=["step", "exponential", "cosine"])
def test_scheduler_state_round_trip_is_validated(make: Callable[..., Any]) -> None:
    scheduler = make(optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0))
    scheduler.step()
    state = scheduler.state_dict()
    other = make(optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0))
    for bad, message in [({**state, "last_lr": np.array(1.0)}, "last_lr: expected one"),
                         ({k: v for k, v in state.items() if k != "base_lrs"},
                          "missing key base_lrs")]:
        with pytest.raises(ValueError, match=message):
            other.load_state_dict(bad)
        assert other.last_epoch == 0
    other.load_state_dict(state)
    assert other.get_last_lr() == scheduler.get_last_lr() and other.last_epoch == 1
