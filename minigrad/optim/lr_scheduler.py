"""Learning-rate schedulers: the LRScheduler base, StepLR, ExponentialLR, CosineAnnealingLR.

Each sets ``optimizer.lr`` from a closed form of the number of epochs stepped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from minigrad.optim.optimizer import Optimizer, _describe_state, _number

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "StepLR"]


class LRScheduler:
    """Base class: sets ``optimizer.lr`` from a closed form of the epoch count.

    ``last_epoch`` starts at 0 with the optimizer's learning rate as ``base_lr``; each
    :meth:`step` (call it once per epoch, after ``optimizer.step()``) adds one and writes
    the new rate into ``optimizer.lr``.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.last_epoch = 0
        self._apply()

    def lr_at(self, epoch: int) -> float:
        """The learning rate after ``epoch`` scheduler steps."""
        raise NotImplementedError(f"{type(self).__name__} does not define lr_at")

    def _hyper(self) -> dict[str, float]:
        raise NotImplementedError(f"{type(self).__name__} does not define _hyper")

    def _apply(self) -> None:
        self._last_lr = self.lr_at(self.last_epoch)
        self.optimizer.lr = self._last_lr

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The learning rate set last, in a one-element list (PyTorch's form)."""
        return [self._last_lr]

    def state_dict(self) -> dict[str, np.ndarray]:
        """``kind``, ``base_lr``, ``last_epoch`` and ``hyper.<name>`` as 0-d arrays."""
        out = {"kind": np.array(type(self).__name__), "base_lr": np.array(self.base_lr),
               "last_epoch": np.array(self.last_epoch, dtype=np.int64)}
        out.update({f"hyper.{k}": np.array(v) for k, v in self._hyper().items()})
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved and set the optimizer's rate to match."""
        name = type(self).__name__
        if not isinstance(state, Mapping) or not all(isinstance(k, str) for k in state):
            raise TypeError(f"{name}.load_state_dict: expected a dict of arrays by str keys "
                            f"(from state_dict() or mg.load), got {_describe_state(state)}")
        expected = {"kind", "base_lr", "last_epoch", *(f"hyper.{k}" for k in self._hyper())}
        problems = [f"missing key {k}" for k in sorted(expected - set(state))]
        problems += [f"unexpected key {k}" for k in sorted(set(state) - expected)]
        if not problems:
            arrays = {k: np.asarray(v) for k, v in state.items()}
            if str(arrays["kind"]) != name:
                problems.append(f"kind: expected {name!r}, got {str(arrays['kind'])!r}")
            epoch = arrays["last_epoch"]
            if epoch.shape != () or epoch.dtype.kind not in "iu" or int(epoch) < 0:
                problems.append(f"last_epoch: expected an integer >= 0, got {epoch!r}")
            for key in expected - {"kind", "last_epoch"}:
                value = arrays[key]
                if value.shape != () or value.dtype.kind not in "iuf" or not np.isfinite(value):
                    problems.append(f"{key}: expected a finite number, got {value!r}")
        if problems:
            raise ValueError(f"{name}.load_state_dict failed (nothing was changed): "
                             + "; ".join(problems))
        for key in self._hyper():
            setattr(self, key, type(getattr(self, key))(arrays[f"hyper.{key}"].item()))
        self.base_lr = float(arrays["base_lr"])
        self.last_epoch = int(arrays["last_epoch"])
        self._apply()

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self._hyper().items())
        return f"{type(self).__name__}({body}, last_epoch={self.last_epoch})"


def _positive_int(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Parameters
    ----------
    optimizer : Optimizer
        Whose ``lr`` to set.
    step_size : int
        Epochs between decays.
    gamma : float, default=0.1
        Decay factor (> 0).

    Notes
    -----
    ``lr = base_lr * gamma ** (last_epoch // step_size)``

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(opt.lr)
    ...     sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = _number("StepLR", "gamma", gamma)
        if self.gamma <= 0:
            raise ValueError(f"StepLR: gamma must be > 0, got {self.gamma}")
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)

    def _hyper(self) -> dict[str, float]:
        return {"step_size": self.step_size, "gamma": self.gamma}


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch.

    Parameters
    ----------
    optimizer : Optimizer
        Whose ``lr`` to set.
    gamma : float
        Decay factor (> 0).

    Notes
    -----
    ``lr = base_lr * gamma ** last_epoch``

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.ExponentialLR(opt, gamma=0.5)
    >>> sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _number("ExponentialLR", "gamma", gamma)
        if self.gamma <= 0:
            raise ValueError(f"ExponentialLR: gamma must be > 0, got {self.gamma}")
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** epoch

    def _hyper(self) -> dict[str, float]:
        return {"gamma": self.gamma}


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate from ``base_lr`` to ``eta_min`` along a half cosine.

    Parameters
    ----------
    optimizer : Optimizer
        Whose ``lr`` to set.
    T_max : int
        Epochs from ``base_lr`` down to ``eta_min``.
    eta_min : float, default=0
        The lowest learning rate.

    Notes
    -----
    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * last_epoch / T_max)) / 2``, the
    closed form PyTorch documents; past ``T_max`` it rises again along the same cosine.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.CosineAnnealingLR(opt, T_max=2)
    >>> sched.step()
    >>> round(opt.lr, 12)
    0.5
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _number("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        cosine = (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0
        return self.eta_min + (self.base_lr - self.eta_min) * cosine

    def _hyper(self) -> dict[str, float]:
        return {"T_max": self.T_max, "eta_min": self.eta_min}
