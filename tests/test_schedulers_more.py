"""MultiStepLR, LambdaLR, LinearLR, OneCycleLR, CosineAnnealingWarmRestarts,
ReduceLROnPlateau and SequentialLR against torch.optim.lr_scheduler (2.13): alone, chained
with each other and with the older schedulers, after a manual change of the rate, resumed,
and saved; 100 steps each, compared for exact equality (both sides do the same Python float
arithmetic).

Each factory takes the scheduler module (``minigrad.optim`` or
``torch.optim.lr_scheduler``, whose class names are the same) and an optimizer. OneCycleLR
is compared with torch's ``cycle_momentum=False``: minigrad cycles only the rate.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

STEPS = 100
Factory = Callable[[Any, Any], Any]


def _torch_only(lib: Any, **kwargs: Any) -> dict[str, Any]:
    return {} if lib is optim else kwargs


def _metric(t: int) -> float:
    """A validation loss that improves, stalls (so the plateau scheduler fires) and wobbles."""
    return max(0.2, 1.0 - 0.04 * t) + 0.01 * ((t * 37) % 11) / 11 + (0.3 if t % 23 == 0 else 0)


def _warm_then_cosine(lib: Any, opt: Any) -> Any:
    return lib.SequentialLR(opt, [lib.LinearLR(opt, start_factor=0.1, total_iters=10),
                                  lib.CosineAnnealingLR(opt, T_max=20, eta_min=0.01)],
                            milestones=[10])


def _three_stages(lib: Any, opt: Any) -> Any:
    return lib.SequentialLR(opt, [lib.ExponentialLR(opt, gamma=0.9),
                                  lib.LambdaLR(opt, lambda e: 1.0 / (1 + e)),
                                  lib.CosineAnnealingWarmRestarts(opt, T_0=7, T_mult=2)],
                            milestones=[15, 40])


NEW: list[tuple[str, Factory]] = [
    ("multistep", lambda L, o: L.MultiStepLR(o, milestones=[5, 20, 20, 61], gamma=0.5)),
    ("lambda", lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e + 0.1 * math.sin(e))),
    ("linear", lambda L, o: L.LinearLR(o)),
    ("linear_long", lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.7,
                                            total_iters=37)),
    ("onecycle", lambda L, o: L.OneCycleLR(o, max_lr=0.8, total_steps=100,
                                           **_torch_only(L, cycle_momentum=False))),
    ("onecycle_three_linear", lambda L, o: L.OneCycleLR(
        o, max_lr=2.0, epochs=11, steps_per_epoch=10, pct_start=0.25,
        anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0, three_phase=True,
        **_torch_only(L, cycle_momentum=False))),
    ("warm_restarts", lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=10, eta_min=0.01)),
    ("warm_restarts_mult", lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)),
    ("plateau", lambda L, o: L.ReduceLROnPlateau(o, patience=2, factor=0.5)),
    ("plateau_max_abs", lambda L, o: L.ReduceLROnPlateau(
        o, mode="max", factor=0.7, patience=1, threshold=0.01, threshold_mode="abs",
        cooldown=2, min_lr=0.05)),
    ("sequential", _warm_then_cosine),
    ("sequential_three", _three_stages),
]
OLD: list[tuple[str, Factory]] = [
    ("step", lambda L, o: L.StepLR(o, step_size=7, gamma=0.5)),
    ("exponential", lambda L, o: L.ExponentialLR(o, gamma=0.95)),
    ("cosine", lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=0.01)),
]
ALL = NEW + OLD
NEW_IDS = [n for n, _ in NEW]


def _step(scheduler: Any, t: int) -> None:
    if type(scheduler).__name__ == "ReduceLROnPlateau":
        scheduler.step(_metric(t))
    else:
        scheduler.step()


def _run(torch: Any, chosen: list[Factory], lr: float = 1.0,
         manual: dict[int, float] | None = None) -> tuple[list[list[float]], list[list[float]]]:
    """Step both libraries side by side; the rates (and each scheduler's last rate)."""
    manual = manual or {}
    ours_opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=lr)
    theirs_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    ours = [make(optim, ours_opt) for make in chosen]
    theirs = [make(torch.optim.lr_scheduler, theirs_opt) for make in chosen]
    ours_lrs = [[ours_opt.lr] + [a.get_last_lr()[0] for a in ours]]
    theirs_lrs = [[theirs_opt.param_groups[0]["lr"]] + [b.get_last_lr()[0] for b in theirs]]
    for t in range(STEPS):
        if t in manual:
            ours_opt.lr = manual[t]
            theirs_opt.param_groups[0]["lr"] = manual[t]
        ours_opt.step()
        theirs_opt.step()  # before the schedulers, as torch asks (it warns otherwise)
        for a, b in zip(ours, theirs):
            _step(a, t)
            _step(b, t)
        ours_lrs.append([ours_opt.lr] + [a.get_last_lr()[0] for a in ours])
        theirs_lrs.append([theirs_opt.param_groups[0]["lr"]]
                          + [b.get_last_lr()[0] for b in theirs])
    for a, b in zip(ours, theirs):
        assert a.last_epoch == b.last_epoch
    assert ours_opt.initial_lr == theirs_opt.param_groups[0].get("initial_lr")
    return ours_lrs, theirs_lrs


def test_every_new_scheduler_class_is_compared() -> None:
    names = {"MultiStepLR", "LambdaLR", "LinearLR", "OneCycleLR",
             "CosineAnnealingWarmRestarts", "ReduceLROnPlateau", "SequentialLR"}
    made = set()
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    for _, make in NEW:
        made.add(type(make(optim, opt)).__name__)
    assert made == names
    assert all(issubclass(getattr(optim, n), optim.LRScheduler) for n in names)


@pytest.mark.parametrize("make", [m for _, m in NEW], ids=NEW_IDS)
def test_alone_matches_torch(torch: Any, make: Factory) -> None:
    ours, theirs = _run(torch, [make], lr=0.3)
    assert ours == theirs
    assert len({row[0] for row in ours}) > 2  # the rate did change


# Two OneCycleLRs on one optimizer differ on purpose: torch keeps max_lr and min_lr in the
# param group, so the second overwrites the first's; minigrad's keep their own.
PAIRS = [(a, b) for a, b in itertools.product(ALL, repeat=2)
         if (a[0] in NEW_IDS or b[0] in NEW_IDS)
         and not (a[0].startswith("onecycle") and b[0].startswith("onecycle"))]


@pytest.mark.parametrize("first, second", PAIRS, ids=[f"{a[0]}+{b[0]}" for a, b in PAIRS])
def test_chained_pairs_match_torch(torch: Any, first: tuple[str, Factory],
                                   second: tuple[str, Factory]) -> None:
    ours, theirs = _run(torch, [first[1], second[1]])
    assert ours == theirs


@pytest.mark.parametrize("make", [m for _, m in NEW], ids=NEW_IDS)
def test_manual_change_midway_matches_torch(torch: Any, make: Factory) -> None:
    ours, theirs = _run(torch, [make], manual={13: 0.5, 50: 0.02})
    assert ours == theirs


RESUMABLE = [("multistep", lambda L, o, e: L.MultiStepLR(o, milestones=[5, 20, 61],
                                                         gamma=0.5, last_epoch=e)),
             ("lambda", lambda L, o, e: L.LambdaLR(o, lambda t: 0.97 ** t, last_epoch=e)),
             ("linear", lambda L, o, e: L.LinearLR(o, start_factor=0.25, total_iters=30,
                                                   last_epoch=e)),
             ("warm_restarts", lambda L, o, e: L.CosineAnnealingWarmRestarts(
                 o, T_0=4, T_mult=2, last_epoch=e))]


@pytest.mark.parametrize("make", [m for _, m in RESUMABLE], ids=[n for n, _ in RESUMABLE])
@pytest.mark.parametrize("last_epoch", [3, 20])
def test_resumed_with_last_epoch_matches_torch(torch: Any, make: Callable[..., Any],
                                               last_epoch: int) -> None:
    ours_opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.7)
    theirs_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.7)
    ours_opt.initial_lr = 0.7
    theirs_opt.param_groups[0]["initial_lr"] = 0.7
    ours = make(optim, ours_opt, last_epoch)
    theirs = make(torch.optim.lr_scheduler, theirs_opt, last_epoch)
    for _ in range(STEPS):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        assert ours_opt.lr == theirs_opt.param_groups[0]["lr"]
        assert ours.last_epoch == theirs.last_epoch


@pytest.mark.parametrize("make", [m for _, m in NEW], ids=NEW_IDS)
def test_state_dict_round_trip_resumes_exactly(make: Factory) -> None:
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.4)
    scheduler = make(optim, opt)
    for t in range(30):
        _step(scheduler, t)
    saved_opt, saved = opt.state_dict(), scheduler.state_dict()
    assert all(isinstance(v, np.ndarray) for v in saved.values())
    fresh_opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.4)
    fresh = make(optim, fresh_opt)
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved)
    for t in range(30, 60):
        _step(scheduler, t)
        _step(fresh, t)
        assert fresh_opt.lr == opt.lr and fresh.get_last_lr() == scheduler.get_last_lr()
        assert fresh.last_epoch == scheduler.last_epoch


@pytest.mark.parametrize("make", [m for _, m in NEW], ids=NEW_IDS)
def test_bad_state_is_refused_and_changes_nothing(make: Factory) -> None:
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.4)
    scheduler = make(optim, opt)
    for t in range(5):
        _step(scheduler, t)
    good = scheduler.state_dict()
    for bad in ({**good, "last_epoch": np.array(-3)}, {**good, "surprise": np.array(1.0)}):
        with pytest.raises(ValueError, match="load_state_dict failed"):
            scheduler.load_state_dict(bad)
        after = scheduler.state_dict()
        assert after.keys() == good.keys()
        for key in good:
            np.testing.assert_array_equal(after[key], good[key])


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda o: optim.MultiStepLR(o, milestones=[2, -1]), ValueError,
     r"MultiStepLR: milestones\[1\] must be an integer >= 0"),
    (lambda o: optim.MultiStepLR(o, milestones=3), TypeError, "milestones must be a list"),
    (lambda o: optim.MultiStepLR(o, milestones=[2], gamma=0.0), ValueError, "gamma must be > 0"),
    (lambda o: optim.LambdaLR(o, 0.5), TypeError, "lr_lambda must be a function"),
    (lambda o: optim.LambdaLR(o, lambda e: "x"), TypeError, r"lr_lambda\(0\) must return a"),
    (lambda o: optim.LinearLR(o, start_factor=0.0), ValueError, r"start_factor must lie in \(0"),
    (lambda o: optim.LinearLR(o, end_factor=1.5), ValueError, "end_factor must lie in"),
    (lambda o: optim.LinearLR(o, total_iters=0), ValueError, "total_iters must be a positive"),
    (lambda o: optim.OneCycleLR(o, max_lr=1.0), ValueError, "give total_steps, or both"),
    (lambda o: optim.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="exp"),
     ValueError, "anneal_strategy must be 'cos' or 'linear'"),
    (lambda o: optim.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1.5), ValueError,
     r"pct_start must lie in \[0.0, 1.0\]"),
    (lambda o: optim.OneCycleLR(o, max_lr=1.0, total_steps=10, div_factor=0), ValueError,
     "div_factor must be > 0"),
    (lambda o: optim.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "T_0 must be a"),
    (lambda o: optim.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5), ValueError,
     "T_mult must be a positive integer"),
    (lambda o: optim.ReduceLROnPlateau(o, factor=1.0), ValueError,
     r"factor must lie in \[0.0, 1.0\)"),
    (lambda o: optim.ReduceLROnPlateau(o, mode="up"), ValueError, "mode must be 'min' or"),
    (lambda o: optim.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold_mode"),
    (lambda o: optim.ReduceLROnPlateau(o, patience=-1), ValueError, "patience must be an"),
    (lambda o: optim.SequentialLR(o, [], milestones=[]), ValueError, "at least one scheduler"),
    (lambda o: optim.SequentialLR(o, [optim.StepLR(o, 2), optim.StepLR(o, 3)], milestones=[]),
     ValueError, "one milestone fewer than schedulers"),
    (lambda o: optim.SequentialLR(o, [optim.ReduceLROnPlateau(o)], milestones=[]), ValueError,
     "is a ReduceLROnPlateau"),
    (lambda o: optim.SequentialLR(o, [optim.StepLR(optim.SGD(
        [mg.Tensor([0.0], requires_grad=True)]), 2)], milestones=[]), ValueError,
     "belongs to another optimizer"),
])
def test_bad_arguments_are_refused(make: Callable[[optim.Optimizer], Any], error: type,
                                   message: str) -> None:
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.4)
    with pytest.raises(error, match=message):
        make(opt)
    assert opt.lr == 0.4


def test_onecycle_past_its_end_is_refused_and_changes_nothing(torch: Any) -> None:
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.4)
    scheduler = optim.OneCycleLR(opt, max_lr=1.0, total_steps=5)
    for _ in range(5):
        scheduler.step()
    before = (opt.lr, scheduler.last_epoch, scheduler.get_last_lr())
    with pytest.raises(ValueError, match="tried to step 6 times; the schedule has "
                                         "total_steps=5"):
        scheduler.step()
    assert (opt.lr, scheduler.last_epoch, scheduler.get_last_lr()) == before
    theirs_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.4)
    theirs = torch.optim.lr_scheduler.OneCycleLR(theirs_opt, max_lr=1.0, total_steps=5,
                                                 cycle_momentum=False)
    for _ in range(5):
        theirs_opt.step()
        theirs.step()
    assert theirs_opt.param_groups[0]["lr"] == opt.lr
    with pytest.raises(ValueError, match="Tried to step 6 times"):
        theirs.step()


def test_plateau_metric_must_be_a_number() -> None:
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.4)
    scheduler = optim.ReduceLROnPlateau(opt)
    with pytest.raises(TypeError, match="metrics must be a number"):
        scheduler.step("low")
    assert scheduler.last_epoch == 0
    scheduler.step(mg.Tensor(1.5))  # a 0-d Tensor or array is accepted, as in torch
    scheduler.step(np.array(1.0))
    assert scheduler.best == 1.0 and scheduler.last_epoch == 2


# --------------------------------------------------------------------------- fit callback

X_FIT = np.linspace(-1.0, 1.0, 20).reshape(-1, 1)
Y_FIT = np.sin(3.0 * X_FIT)
X_VAL, Y_VAL = X_FIT[::3] + 0.05, np.sin(3.0 * (X_FIT[::3] + 0.05))
CALLBACK_CASES: list[tuple[str, Callable[[optim.Optimizer], Any], str, str]] = [
    ("step_epoch", lambda o: optim.StepLR(o, step_size=3, gamma=0.5), "epoch", "val_loss"),
    ("onecycle_batch", lambda o: optim.OneCycleLR(o, max_lr=0.3, epochs=12,
                                                  steps_per_epoch=4), "batch", "val_loss"),
    ("sequential_batch", lambda o: optim.SequentialLR(
        o, [optim.LinearLR(o, total_iters=6), optim.CosineAnnealingWarmRestarts(o, T_0=5)],
        milestones=[6]), "batch", "val_loss"),
    ("plateau_loss", lambda o: optim.ReduceLROnPlateau(o, patience=1, factor=0.5,
                                                       threshold=0.05), "epoch", "loss"),
    ("plateau_val_loss", lambda o: optim.ReduceLROnPlateau(o, patience=0, factor=0.7,
                                                           threshold=0.02), "epoch",
     "val_loss"),
]


def _model() -> Any:
    return mg.nn.Sequential(mg.nn.Dense(1, 8, rng=0), mg.nn.Tanh(), mg.nn.Dense(8, 1, rng=1))


@pytest.mark.parametrize(("make", "interval", "monitor"), [c[1:] for c in CALLBACK_CASES],
                         ids=[c[0] for c in CALLBACK_CASES])
def test_callback_in_fit_matches_a_hand_loop(make: Callable[[optim.Optimizer], Any],
                                             interval: str, monitor: str) -> None:
    epochs, batch_size, loss_fn = 12, 5, mg.nn.MSELoss()
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    callback = mg.LRScheduler(make(opt), interval=interval, monitor=monitor)
    history = mg.fit(model, X_FIT, Y_FIT, loss=loss_fn, optimizer=opt, epochs=epochs,
                     batch_size=batch_size, shuffle=False, verbose=0,
                     validation_data=(X_VAL, Y_VAL), callbacks=[callback])

    hand = _model()
    hand_opt = optim.SGD(hand.parameters(), lr=0.1, momentum=0.5)
    scheduler = make(hand_opt)
    lrs = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(X_FIT), batch_size):
            xb, yb = X_FIT[start:start + batch_size], Y_FIT[start:start + batch_size]
            value = loss_fn(hand(xb), yb)
            hand_opt.zero_grad()
            value.backward()
            hand_opt.step()
            total += value.item() * len(xb)
            if interval == "batch":
                scheduler.step()
        logs = {"loss": total / len(X_FIT),
                "val_loss": mg.evaluate(hand, X_VAL, Y_VAL, loss=loss_fn)["loss"]}
        if isinstance(scheduler, optim.ReduceLROnPlateau):
            scheduler.step(logs[monitor])
        elif interval == "epoch":
            scheduler.step()
        lrs.append(hand_opt.lr)
    assert history["loss"][-1] == logs["loss"] and history["val_loss"][-1] == logs["val_loss"]
    assert opt.lr == hand_opt.lr and len(set(lrs)) > 1  # the rate did change
    for (name, a), (_, b) in zip(model.state_dict().items(), hand.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert callback.scheduler.last_epoch == scheduler.last_epoch


def test_callback_arguments_are_checked() -> None:
    opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.4)
    with pytest.raises(TypeError, match="scheduler must be a minigrad.optim scheduler"):
        mg.LRScheduler(opt)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="interval must be 'epoch' or 'batch', got 'step'"):
        mg.LRScheduler(optim.StepLR(opt, 2), interval="step")
    with pytest.raises(ValueError, match="ReduceLROnPlateau steps on an epoch's monitored"):
        mg.LRScheduler(optim.ReduceLROnPlateau(opt), interval="batch")
    assert "LRScheduler" in mg.__all__ and mg.LRScheduler is not optim.LRScheduler


def test_callback_names_a_missing_monitored_value() -> None:
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    callback = mg.LRScheduler(optim.ReduceLROnPlateau(opt))  # monitors val_loss
    with pytest.raises(KeyError, match="'val_loss' is not logged; available: loss"):
        mg.fit(model, X_FIT, Y_FIT, loss=mg.nn.MSELoss(), optimizer=opt, epochs=2,
               verbose=0, callbacks=[callback])
