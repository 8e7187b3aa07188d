"""More learning-rate schedulers: MultiStepLR, LambdaLR, LinearLR, CosineAnnealingWarmRestarts.

Each computes the rates as ``torch.optim.lr_scheduler`` 2.13 does, one per param group: the
chainable ones (MultiStepLR, LinearLR) from each group's current ``lr``, the others
(LambdaLR, CosineAnnealingWarmRestarts) from ``base_lrs`` and the step count, so they
overwrite what a scheduler before them set, as in torch. The base class, its
``state_dict`` layout and the older schedulers are in :mod:`minigrad.optim.lr_scheduler`;
OneCycleLR, ReduceLROnPlateau and SequentialLR have a module each
(``lr_scheduler_onecycle``, ``lr_scheduler_plateau``, ``lr_scheduler_sequential``). The
small argument and state checks they share are here.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from minigrad.optim.checks import _number
from minigrad.optim.lr_scheduler import LRScheduler, _positive_int
from minigrad.optim.optimizer import Optimizer

__all__ = ["CosineAnnealingWarmRestarts", "LambdaLR", "LinearLR", "MultiStepLR"]


def _int_at_least(owner: str, name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{owner}: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _int_list(owner: str, name: str, values: Any, low: int) -> list[int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Iterable, np.ndarray)):
        raise TypeError(f"{owner}: {name} must be a list of integers, got "
                        f"{type(values).__name__}")
    return [_int_at_least(owner, f"{name}[{i}]", v, low) for i, v in enumerate(values)]


def _array_of_ints(arrays: dict[str, np.ndarray], key: str, low: int) -> list[str]:
    value = arrays[key]
    if value.ndim != 1 or (value.size and value.dtype.kind not in "iu") \
            or (value.size and int(value.min()) < low):
        return [f"{key}: expected a list of integers >= {low}, got {value!r}"]
    return []


def _string_in(arrays: dict[str, np.ndarray], key: str, choices: Sequence[str]) -> list[str]:
    value = arrays[key]
    if value.shape != () or value.dtype.kind != "U" or str(value) not in choices:
        return [f"{key}: expected one of {', '.join(map(repr, choices))}, got {value!r}"]
    return []


# --------------------------------------------------------------------------- MultiStepLR


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each milestone epoch.

    Parameters
    ----------
    optimizer : Optimizer
        Whose param groups' ``lr`` to set.
    milestones : list of int
        Epochs (``last_epoch`` values, >= 0) at which to decay; a repeated milestone decays
        once per repetition, as in torch.
    gamma : float, default=0.1
        Decay factor (> 0).
    last_epoch : int, default=-1
        See :class:`~minigrad.optim.LRScheduler`.

    Notes
    -----
    PyTorch's chainable rule: at a step whose ``last_epoch`` is a milestone counted ``k``
    times, ``lr = lr * gamma**k``; otherwise ``lr`` is left as it is. Alone it gives
    ``base_lr * gamma ** bisect_right(sorted(milestones), last_epoch)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
    >>> lrs = []
    >>> for _ in range(4):
    ...     sched.step()
    ...     lrs.append(opt.lr)
    >>> lrs
    [0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(_int_list("MultiStepLR", "milestones", milestones, 0))
        self.gamma = _number("MultiStepLR", "gamma", gamma)
        if self.gamma <= 0:
            raise ValueError(f"MultiStepLR: gamma must be > 0, got {self.gamma}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = self._lrs()
        if self.last_epoch not in self.milestones:
            return lrs
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in lrs]

    def _closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch)
                for base in self._bases()]

    def _hyper(self) -> dict[str, float]:
        return {"gamma": self.gamma}

    def _extra_state(self) -> dict[str, np.ndarray]:
        return {"milestones": np.array(sorted(self.milestones.elements()), dtype=np.int64)}

    def _check_extra(self, arrays: dict[str, np.ndarray]) -> list[str]:
        return _array_of_ints(arrays, "milestones", 0)

    def _load_extra(self, arrays: dict[str, np.ndarray]) -> None:
        self.milestones = Counter(int(m) for m in arrays["milestones"])


# --------------------------------------------------------------------------- LambdaLR


class LambdaLR(LRScheduler):
    """Set each param group's learning rate to ``base_lr * lr_lambda(epoch)``.

    Parameters
    ----------
    optimizer : Optimizer
        Whose param groups' ``lr`` to set.
    lr_lambda : callable or list of callables
        ``epoch -> factor`` (a number); one for every group, or a list with one per param
        group (as torch).
    last_epoch : int, default=-1
        See :class:`~minigrad.optim.LRScheduler`.

    Notes
    -----
    PyTorch's rule, per group i: ``lr_i = base_lr_i * lr_lambdas[i](last_epoch)``, whatever
    the current rate; so it overrides a scheduler that ran before it on the same optimizer.
    ``state_dict`` does not hold the functions (PyTorch saves only a callable object's
    ``__dict__``).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.5)
    >>> sched = optim.LambdaLR(opt, lambda epoch: 1.0 / (epoch + 1))
    >>> sched.step(); sched.step()
    >>> opt.lr
    0.16666666666666666
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        # (a wrong optimizer is refused by LRScheduler.__init__, with its message)
        count = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 1
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != count:
                raise ValueError(f"LambdaLR: expected {count} lr_lambdas (one per param "
                                 f"group), got {len(lr_lambda)}")
            self.lr_lambdas: list[Callable[[int], float]] = list(lr_lambda)
            self._names = [f"lr_lambda[{i}]" for i in range(count)]
        else:
            self.lr_lambdas = [lr_lambda] * count  # type: ignore[list-item]
            self._names = ["lr_lambda"] * count
        for function, name in zip(self.lr_lambdas, self._names):
            if not callable(function):
                raise TypeError(f"LambdaLR: {name} must be a function epoch -> factor, got "
                                f"{type(function).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        bases = self._bases()
        if len(self.lr_lambdas) != len(bases):
            raise ValueError(f"LambdaLR: the optimizer has {len(bases)} param groups but "
                             f"there are {len(self.lr_lambdas)} lr_lambdas")
        out = []
        for function, name, base in zip(self.lr_lambdas, self._names, bases):
            factor = function(self.last_epoch)
            if isinstance(factor, bool) or not isinstance(factor, (int, float, np.integer,
                                                                   np.floating)):
                raise TypeError(f"LambdaLR: {name}({self.last_epoch}) must return a number, "
                                f"got {type(factor).__name__}")
            out.append(base * factor)
        return out

    def _hyper(self) -> dict[str, float]:
        return {}


# --------------------------------------------------------------------------- LinearLR


class LinearLR(LRScheduler):
    """Scale the learning rate linearly from ``start_factor`` to ``end_factor`` (a warm-up).

    Parameters
    ----------
    optimizer : Optimizer
        Whose param groups' ``lr`` to set.
    start_factor : float, default=1/3
        The factor at epoch 0, in (0, 1].
    end_factor : float, default=1.0
        The factor from epoch ``total_iters`` on, in [0, 1].
    total_iters : int, default=5
        Epochs the change takes.
    last_epoch : int, default=-1
        See :class:`~minigrad.optim.LRScheduler`.

    Notes
    -----
    PyTorch's chainable rule, with :math:`t` = ``last_epoch``, :math:`s` = ``start_factor``,
    :math:`e` = ``end_factor``, :math:`T` = ``total_iters``: at the first step (:math:`t =
    0`) ``lr = lr * s``; for :math:`0 < t \\le T`::

        lr = lr * (1 + (e - s) / (T * s + (t - 1) * (e - s)))

    and after :math:`T` the rate is left as it is. Alone it gives ``base_lr * (s + (e - s)
    * min(t, T) / T)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> lrs = [opt.lr]
    >>> for _ in range(3):
    ...     sched.step()
    ...     lrs.append(opt.lr)
    >>> lrs
    [0.5, 0.75, 1.0, 1.0]
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        self.start_factor = _number("LinearLR", "start_factor", start_factor, high=1.0)
        if self.start_factor <= 0:
            raise ValueError(f"LinearLR: start_factor must lie in (0, 1], got "
                             f"{self.start_factor}")
        self.end_factor = _number("LinearLR", "end_factor", end_factor, high=1.0)
        self.total_iters = _positive_int("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = self._lrs()
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in lrs]
        if self._is_initial or self.last_epoch > self.total_iters:
            return lrs
        change = self.end_factor - self.start_factor
        return [lr * (1.0 + change / (self.total_iters * self.start_factor
                                      + (self.last_epoch - 1) * change)) for lr in lrs]

    def _closed_form_lr(self) -> list[float]:
        return [base * (self.start_factor + (self.end_factor - self.start_factor)
                        * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base in self._bases()]

    def _hyper(self) -> dict[str, float]:
        return {"start_factor": self.start_factor, "end_factor": self.end_factor,
                "total_iters": self.total_iters}


# --------------------------------------------------------------------------- warm restarts


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing from ``base_lr`` to ``eta_min`` that restarts every ``T_i`` epochs.

    Parameters
    ----------
    optimizer : Optimizer
        Whose param groups' ``lr`` to set.
    T_0 : int
        Epochs until the first restart.
    T_mult : int, default=1
        Each period is ``T_mult`` times the one before (>= 1).
    eta_min : float, default=0
        The lowest learning rate.
    last_epoch : int, default=-1
        See :class:`~minigrad.optim.LRScheduler`.

    Notes
    -----
    SGDR (Loshchilov & Hutter), PyTorch's form: each step adds one to ``T_cur``; when
    ``T_cur >= T_i`` it wraps (``T_cur = T_cur % T_i``) and ``T_i = T_i * T_mult``; then::

        lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    It is not chainable: the rate comes from ``base_lr`` alone. As in torch, resuming
    with ``last_epoch`` sets ``T_cur = last_epoch`` and ``T_i = T_0``.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.CosineAnnealingWarmRestarts(opt, T_0=2)
    >>> lrs = []
    >>> for _ in range(3):
    ...     sched.step()
    ...     lrs.append(round(opt.lr, 12))
    >>> lrs
    [0.5, 1.0, 0.5]
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        name = "CosineAnnealingWarmRestarts"
        self.T_0 = _positive_int(name, "T_0", T_0)
        self.T_mult = _positive_int(name, "T_mult", T_mult)
        self.eta_min = _number(name, "eta_min", eta_min)
        self.T_i = self.T_0
        self.T_cur = int(last_epoch) if isinstance(last_epoch, (int, np.integer)) else -1
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base in self._bases()]

    def step(self) -> None:
        """Advance one epoch (restarting when the period ends) and set the groups' rates."""
        if self.last_epoch < 0:
            self.T_i, self.T_cur, epoch = self.T_0, 0, 0
        else:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        self.last_epoch = epoch
        self._write(self.get_lr())

    def _hyper(self) -> dict[str, float]:
        return {"T_0": self.T_0, "T_mult": self.T_mult, "eta_min": self.eta_min}

    def _extra_state(self) -> dict[str, np.ndarray]:
        return {"T_i": np.array(self.T_i, dtype=np.int64),
                "T_cur": np.array(self.T_cur, dtype=np.int64)}

    def _check_extra(self, arrays: dict[str, np.ndarray]) -> list[str]:
        problems = []
        for key, low in (("T_i", 1), ("T_cur", 0)):
            value = arrays[key]
            if value.shape != () or value.dtype.kind not in "iu" or int(value) < low:
                problems.append(f"{key}: expected an integer >= {low}, got {value!r}")
        return problems

    def _load_extra(self, arrays: dict[str, np.ndarray]) -> None:
        self.T_i, self.T_cur = int(arrays["T_i"]), int(arrays["T_cur"])
