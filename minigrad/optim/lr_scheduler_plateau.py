"""ReduceLROnPlateau: lower the learning rate when a monitored metric stops improving."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad.optim.checks import _number
from minigrad.optim.lr_scheduler import LRScheduler, _numbers_per_group
from minigrad.optim.lr_scheduler_more import _int_at_least, _string_in
from minigrad.optim.optimizer import Optimizer

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rate by ``factor`` when a metric has stopped improving.

    Call ``step(metric)`` once per epoch with the monitored value (a validation loss, say).

    Parameters
    ----------
    optimizer : Optimizer
        Whose param groups' ``lr`` to set.
    mode : {"min", "max"}, default="min"
        Whether lower or higher values are better.
    factor : float, default=0.1
        The decay factor, in [0, 1).
    patience : int, default=10
        Bad epochs tolerated: the rate drops at the ``patience + 1``-th in a row.
    threshold : float, default=1e-4
        How much better a value must be to count as an improvement (>= 0).
    threshold_mode : {"rel", "abs"}, default="rel"
        ``"rel"``: better than ``best * (1 - threshold)`` (min mode) or ``best * (1 +
        threshold)`` (max mode); ``"abs"``: better than ``best -/+ threshold``.
    cooldown : int, default=0
        Epochs after a reduction during which bad epochs are not counted.
    min_lr : float or list of float, default=0
        The rate never goes below it: one for every param group, or a list with one per
        group.
    eps : float, default=1e-8
        A reduction smaller than this is skipped.

    Notes
    -----
    PyTorch's rule, per ``step(metric)``: ``last_epoch += 1``; an improvement on ``best``
    (see ``threshold_mode``) records it and resets ``num_bad_epochs`` to 0, anything else
    adds one; during cooldown ``cooldown_counter`` falls by one and ``num_bad_epochs`` is
    reset; when ``num_bad_epochs > patience``::

        new_lr = max(lr * factor, min_lr)
        if lr - new_lr > eps: lr = new_lr

    for each param group (with its own ``min_lr``), then ``cooldown_counter = cooldown`` and
    ``num_bad_epochs = 0``. It reads and scales the groups' current rates, so it chains with
    the other schedulers. As torch, a group added later takes the single ``min_lr`` (a
    list given for ``min_lr`` cannot grow, and the reduction is refused). Unlike them it takes
    no construction step and leaves ``optimizer.initial_lr`` alone, as in torch; a NaN
    metric counts as a bad epoch.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    >>> for loss in [1.0, 0.9, 0.95, 0.93, 0.92]:
    ...     sched.step(loss)
    >>> opt.lr
    0.5
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | Sequence[float] = 0.0,
                 eps: float = 1e-8) -> None:
        name = "ReduceLROnPlateau"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        self.factor = _number(name, "factor", factor, high=1.0, high_open=True)
        self.patience = _int_at_least(name, "patience", patience, 0)
        self.threshold = _number(name, "threshold", threshold)
        self.cooldown = _int_at_least(name, "cooldown", cooldown, 0)
        count = len(optimizer.param_groups)
        self.default_min_lr: float | None
        if isinstance(min_lr, (list, tuple, np.ndarray)):
            if len(min_lr) != count:
                raise ValueError(f"{name}: min_lr has {len(min_lr)} values, the optimizer has "
                                 f"{count} param groups")
            self.min_lrs = [_number(name, f"min_lr[{i}]", v) for i, v in enumerate(min_lr)]
            self.default_min_lr = None
        else:
            self.default_min_lr = _number(name, "min_lr", min_lr)
            self.min_lrs = [self.default_min_lr] * count
        self.eps = _number(name, "eps", eps)
        self.mode, self.threshold_mode = mode, threshold_mode
        self.optimizer = optimizer
        self.base_lrs = [float(lr) for lr in self._lrs()]
        self.last_epoch = 0
        self._last_lr = [float(lr) for lr in self._lrs()]
        self._is_initial = False
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        """Whether bad epochs are being ignored after a reduction."""
        return self.cooldown_counter > 0

    def _is_better(self, value: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return value < best * (1.0 - self.threshold)
        if self.mode == "min":
            return value < best - self.threshold
        if self.threshold_mode == "rel":
            return value > best * (self.threshold + 1.0)
        return value > best + self.threshold

    def get_lr(self) -> list[float]:
        return self._lrs()

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Record one epoch's ``metrics`` (a number) and reduce the rate on a plateau."""
        if isinstance(metrics, np.ndarray) and metrics.size == 1:
            metrics = metrics.item()
        elif hasattr(metrics, "item") and callable(metrics.item):
            metrics = metrics.item()  # a one-element Tensor
        if isinstance(metrics, bool) or not isinstance(metrics, (int, float, np.integer,
                                                                 np.floating)):
            raise TypeError(f"ReduceLROnPlateau.step: metrics must be a number (the monitored "
                            f"value), got {type(metrics).__name__}")
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [float(lr) for lr in self._lrs()]

    def _reduce(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} param groups, but "
                    f"min_lr was given for {len(self.min_lrs)} (a group was added since); "
                    "set scheduler.min_lrs to one value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def _hyper(self) -> dict[str, float]:
        return {"factor": self.factor, "patience": self.patience, "threshold": self.threshold,
                "cooldown": self.cooldown, "eps": self.eps}

    def _extra_state(self) -> dict[str, np.ndarray]:
        return {"min_lrs": np.array(self.min_lrs, dtype=np.float64),
                "mode": np.array(self.mode), "threshold_mode": np.array(self.threshold_mode),
                "best": np.array(self.best, dtype=np.float64),
                "num_bad_epochs": np.array(self.num_bad_epochs, dtype=np.int64),
                "cooldown_counter": np.array(self.cooldown_counter, dtype=np.int64)}

    def _upgrade(self, state: dict[str, Any]) -> dict[str, Any]:
        # Before param groups: one min_lr, as hyper.min_lr.
        if "hyper.min_lr" in state and "min_lrs" not in state:
            old = np.asarray(state.pop("hyper.min_lr"))
            state["min_lrs"] = np.full(len(self.min_lrs), old.item()) if old.shape == () else old
        return state

    def _check_extra(self, arrays: dict[str, np.ndarray]) -> list[str]:
        problems = _numbers_per_group(arrays, "min_lrs", len(self.min_lrs))
        problems += _string_in(arrays, "mode", ("min", "max"))
        problems += _string_in(arrays, "threshold_mode", ("rel", "abs"))
        best = arrays["best"]
        if best.shape != () or best.dtype.kind not in "iuf" or np.isnan(best):
            problems.append(f"best: expected a number, got {best!r}")
        for key in ("num_bad_epochs", "cooldown_counter"):
            value = arrays[key]
            if value.shape != () or value.dtype.kind not in "iu" or int(value) < 0:
                problems.append(f"{key}: expected an integer >= 0, got {value!r}")
        return problems

    def _load_extra(self, arrays: dict[str, np.ndarray]) -> None:
        self.min_lrs = [float(v) for v in arrays["min_lrs"]]
        self.mode, self.threshold_mode = str(arrays["mode"]), str(arrays["threshold_mode"])
        self.best = float(arrays["best"])
        self.num_bad_epochs = int(arrays["num_bad_epochs"])
        self.cooldown_counter = int(arrays["cooldown_counter"])
