"""Learning-rate schedulers: the LRScheduler base, StepLR, ExponentialLR, CosineAnnealingLR.

The others (MultiStepLR, LambdaLR, LinearLR, OneCycleLR, CosineAnnealingWarmRestarts,
ReduceLROnPlateau, SequentialLR) are in ``lr_scheduler_more`` and the ``lr_scheduler_*``
modules beside it.

They are chainable, as ``torch.optim.lr_scheduler``'s are: each :meth:`~LRScheduler.step`
computes the new rate from the optimizer's *current* ``lr`` (torch's recursive ``get_lr``
forms), never from a closed form of the epoch count. So two schedulers on one optimizer
compose (a warm-up and a decay, ``StepLR`` and ``ExponentialLR`` multiply), and a rate set by
hand (``opt.lr = 0.01``) between steps is where the schedule carries on from.

Every scheduler works on each of the optimizer's param groups, as torch's do: the rate of
group ``i`` is ``optimizer.param_groups[i]["lr"]``; the first scheduler records it as the
group's ``"initial_lr"`` (shared by every later scheduler as ``base_lrs[i]``), and
:meth:`~LRScheduler.get_last_lr` has one rate per group. With one group, ``opt.lr`` and
``opt.initial_lr`` are those of group 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from minigrad.optim.checks import _describe_state, _number
from minigrad.optim.optimizer import Optimizer

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "StepLR"]


class LRScheduler:
    """Base class of the schedulers, as ``torch.optim.lr_scheduler.LRScheduler``.

    Parameters
    ----------
    optimizer : Optimizer
        Whose param groups' ``lr`` to schedule.
    last_epoch : int, default=-1
        ``-1`` starts a schedule: each param group's ``"initial_lr"`` is set to its ``"lr"``
        unless an earlier scheduler set it already. A value >= 0 resumes a schedule after
        that many steps and needs every group's ``"initial_lr"`` (restored by the
        optimizer's ``load_state_dict``), as in PyTorch.

    Notes
    -----
    Construction performs torch's initial step: ``last_epoch`` becomes ``last_epoch + 1``
    (0 for a new schedule) and the rates are computed once, which for the schedulers here
    leaves a new schedule's rates unchanged. Each :meth:`step` (call it after
    ``optimizer.step()``, usually once per epoch) adds one to ``last_epoch``, computes
    :meth:`get_lr` (one rate per param group) from the groups' current ``"lr"`` and writes
    each into its group. ``base_lrs`` is the groups' ``"initial_lr"``; :meth:`get_last_lr`
    is the rates written last. A scheduler computing from ``base_lrs`` refuses an optimizer
    that gained a group after the scheduler was made (torch fails there too). torch's
    deprecated ``step(epoch)`` (closed forms) is not offered.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, (int, np.integer)) \
                or last_epoch < -1:
            raise ValueError(f"{name}: last_epoch must be an integer >= -1, got {last_epoch!r}")
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", float(group["lr"]))
        else:
            missing = [i for i, group in enumerate(groups) if "initial_lr" not in group]
            if missing:
                raise ValueError(
                    f"{name}: resuming with last_epoch={last_epoch} needs optimizer.initial_lr "
                    f"(param_groups[{missing[0]}]['initial_lr']), which the optimizer does not "
                    "have; load the optimizer's state_dict saved with the schedule first, or "
                    "start a new schedule with last_epoch=-1")
        self.optimizer = optimizer
        self.base_lrs: list[float] = [float(group["initial_lr"]) for group in groups]
        self.last_epoch = int(last_epoch)
        self._last_lr: list[float] = []
        self._is_initial = False
        self._initial_step()

    def _initial_step(self) -> None:
        """torch's initial step: :meth:`step` with ``_is_initial`` set (also SequentialLR's)."""
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The rates for the current ``last_epoch``, one per param group, from the groups'
        current ``"lr"`` (or from ``base_lrs``).

        :meth:`step` calls it after advancing ``last_epoch``; to read the rates in use, call
        :meth:`get_last_lr`.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr")

    def _hyper(self) -> dict[str, float]:
        raise NotImplementedError(f"{type(self).__name__} does not define _hyper")

    def _closed_form_lr(self) -> list[float] | None:
        """The rates at ``last_epoch`` from ``base_lrs`` alone, or None (torch's
        ``_get_closed_form_lr``; :class:`SequentialLR` restarts a scheduler with it)."""
        return None

    def _lrs(self) -> list[float]:
        """The optimizer's current rates, one per param group."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def _bases(self) -> list[float]:
        """``base_lrs``, refused when the optimizer's groups no longer match them."""
        count = len(self.optimizer.param_groups)
        if len(self.base_lrs) != count:
            raise ValueError(f"{type(self).__name__}: the optimizer has {count} param groups "
                             f"but this scheduler was made for {len(self.base_lrs)}; make "
                             "the scheduler after the last add_param_group")
        return self.base_lrs

    def step(self) -> None:
        """Advance one epoch and write the new rates into the optimizer's param groups."""
        self._update_lr()

    def _update_lr(self, epoch: int | None = None) -> None:
        """torch's ``_update_lr``: one more epoch by :meth:`get_lr`, or jump to ``epoch`` by
        the closed form where there is one (by :meth:`get_lr` where there is none)."""
        previous = self.last_epoch
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = self._closed_form_lr()
                values = self.get_lr() if closed is None else closed
            groups = self.optimizer.param_groups
            if len(values) != len(groups):
                self._bases()  # the usual cause: a group added after the scheduler was made
                raise ValueError(f"{type(self).__name__}: get_lr gave {len(values)} rates for "
                                 f"{len(groups)} param groups")
        except Exception:
            self.last_epoch = previous  # a refused step (OneCycleLR past its end) changes nothing
            raise
        self._write(values)

    def _write(self, values: list[float]) -> None:
        """Set each param group's ``"lr"`` and remember the rates (torch's ``_last_lr``)."""
        groups = self.optimizer.param_groups
        for group, lr in zip(groups, values):
            group["lr"] = float(lr)
        self._last_lr = [group["lr"] for group in groups]

    def _extra_state(self) -> dict[str, np.ndarray]:
        """State beyond the 0-d hyper-parameters (``state_dict`` keys without a prefix)."""
        return {}

    def _check_extra(self, arrays: dict[str, np.ndarray]) -> list[str]:
        """Problems with the :meth:`_extra_state` entries of a state to load."""
        return []

    def _load_extra(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore the :meth:`_extra_state` entries (checked already)."""

    def get_last_lr(self) -> list[float]:
        """The rates this scheduler set last, one per param group (PyTorch's form)."""
        return list(self._last_lr)

    def _upgrade(self, state: dict[str, Any]) -> dict[str, Any]:
        """A state saved by an older minigrad in today's layout (checked afterwards)."""
        return state

    def state_dict(self) -> dict[str, np.ndarray]:
        """``kind``, ``base_lrs`` and ``last_lr`` (one number per param group),
        ``last_epoch`` and ``hyper.<name>`` as arrays.

        As in PyTorch, the optimizer's rate is not part of it: the optimizer's own
        ``state_dict`` carries ``lr`` and ``initial_lr``.
        """
        out = {"kind": np.array(type(self).__name__),
               "base_lrs": np.array(self.base_lrs, dtype=np.float64),
               "last_epoch": np.array(self.last_epoch, dtype=np.int64),
               "last_lr": np.array(self._last_lr, dtype=np.float64)}
        out.update({f"hyper.{k}": np.array(v) for k, v in self._hyper().items()})
        out.update(self._extra_state())
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved; the optimizer is not touched (as PyTorch).

        Load the optimizer's state too (it holds ``lr``); everything is checked before
        anything changes.
        """
        name = type(self).__name__
        if not isinstance(state, Mapping) or not all(isinstance(k, str) for k in state):
            raise TypeError(f"{name}.load_state_dict: expected a dict of arrays by str keys "
                            f"(from state_dict() or mg.load), got {_describe_state(state)}")
        state = self._upgrade(dict(state))
        hyper = {f"hyper.{k}" for k in self._hyper()}
        expected = {"kind", "base_lrs", "last_epoch", "last_lr", *hyper, *self._extra_state()}
        problems = [f"missing key {k}" for k in sorted(expected - set(state))]
        problems += [f"unexpected key {k}" for k in sorted(set(state) - expected)]
        if not problems:
            arrays = {k: np.asarray(v) for k, v in state.items()}
            if str(arrays["kind"]) != name:
                problems.append(f"kind: expected {name!r}, got {str(arrays['kind'])!r}")
            epoch = arrays["last_epoch"]
            # -1: a scheduler of a SequentialLR that has not taken over yet
            if epoch.shape != () or epoch.dtype.kind not in "iu" or int(epoch) < -1:
                problems.append(f"last_epoch: expected an integer >= -1, got {epoch!r}")
            for key, count in (("base_lrs", len(self.base_lrs)),
                               ("last_lr", len(self.optimizer.param_groups))):
                problems += _numbers_per_group(arrays, key, count)
            for key in sorted(hyper):
                value = arrays[key]
                if value.shape != () or value.dtype.kind not in "iuf" or not np.isfinite(value):
                    problems.append(f"{key}: expected a finite number, got {value!r}")
            problems += self._check_extra(arrays)
        if problems:
            raise ValueError(f"{name}.load_state_dict failed (nothing was changed): "
                             + "; ".join(problems))
        for key in self._hyper():
            setattr(self, key, type(getattr(self, key))(arrays[f"hyper.{key}"].item()))
        self.base_lrs = [float(v) for v in arrays["base_lrs"]]
        self.last_epoch = int(arrays["last_epoch"])
        self._last_lr = [float(v) for v in arrays["last_lr"]]
        self._load_extra(arrays)

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self._hyper().items())
        return f"{type(self).__name__}({body}, last_epoch={self.last_epoch})"


def _numbers_per_group(arrays: dict[str, np.ndarray], key: str, count: int) -> list[str]:
    """Problems with ``arrays[key]``, which must hold ``count`` finite numbers (one per
    param group)."""
    value = arrays[key]
    if value.shape != (count,) or value.dtype.kind not in "iuf" or not np.isfinite(value).all():
        wanted = ("one finite number in a list" if count == 1
                  else f"a list of {count} finite numbers, one per param group")
        return [f"{key}: expected {wanted}, got {value!r}"]
    return []


def _positive_int(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Parameters
    ----------
    optimizer : Optimizer
        Whose param groups' ``lr`` to set.
    step_size : int
        Epochs between decays.
    gamma : float, default=0.1
        Decay factor (> 0).
    last_epoch : int, default=-1
        See :class:`LRScheduler`.

    Notes
    -----
    PyTorch's chainable rule: at each step whose ``last_epoch`` is a non-zero multiple of
    ``step_size``, ``lr = lr * gamma``; otherwise ``lr`` is left as it is. Alone it gives
    ``base_lr * gamma ** (last_epoch // step_size)``.

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

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = _number("StepLR", "gamma", gamma)
        if self.gamma <= 0:
            raise ValueError(f"StepLR: gamma must be > 0, got {self.gamma}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = self._lrs()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self._bases()]

    def _hyper(self) -> dict[str, float]:
        return {"step_size": self.step_size, "gamma": self.gamma}


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch.

    Parameters
    ----------
    optimizer : Optimizer
        Whose param groups' ``lr`` to set.
    gamma : float
        Decay factor (> 0).
    last_epoch : int, default=-1
        See :class:`LRScheduler`.

    Notes
    -----
    PyTorch's chainable rule: each step sets ``lr = lr * gamma`` (the initial step at
    construction leaves it as it is). Alone it gives ``base_lr * gamma ** last_epoch``.

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

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _number("ExponentialLR", "gamma", gamma)
        if self.gamma <= 0:
            raise ValueError(f"ExponentialLR: gamma must be > 0, got {self.gamma}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = self._lrs()
        # Resuming (last_epoch >= 0 given), the initial step must not decay once more.
        return lrs if self._is_initial else [lr * self.gamma for lr in lrs]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self._bases()]

    def _hyper(self) -> dict[str, float]:
        return {"gamma": self.gamma}


class CosineAnnealingLR(LRScheduler):
    r"""Anneal the learning rate from ``base_lr`` to ``eta_min`` along a half cosine.

    Parameters
    ----------
    optimizer : Optimizer
        Whose param groups' ``lr`` to set.
    T_max : int
        Epochs from ``base_lr`` down to ``eta_min``.
    eta_min : float, default=0
        The lowest learning rate.
    last_epoch : int, default=-1
        See :class:`LRScheduler`.

    Notes
    -----
    PyTorch's recursive form, with :math:`t` = ``last_epoch``:

    .. math::

        \eta_t = \eta_{\min} + (\eta_{t-1} - \eta_{\min})
                 \frac{1 + \cos(\pi t / T_{\max})}{1 + \cos(\pi (t - 1) / T_{\max})}

    and, at the steps where that denominator is 0 (:math:`t - 1 - T_{\max}` a multiple of
    :math:`2 T_{\max}`), :math:`\eta_t = \eta_{t-1} + (\eta_{\mathrm{base}} - \eta_{\min})
    (1 - \cos(\pi / T_{\max})) / 2`. Plain text: ``lr = eta_min + (lr - eta_min) * (1 +
    cos(pi*t/T_max)) / (1 + cos(pi*(t-1)/T_max))``. Alone it follows the closed form
    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2`` (to rounding), rising
    again past ``T_max``; chained or after a manual change it scales the current rate.

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

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _number("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs, t, period = self._lrs(), self.last_epoch, self.T_max
        if self._is_initial:
            return lrs
        if (t - 1 - period) % (2 * period) == 0:
            # The bottom of the cosine: the ratio below would divide by zero.
            return [lr + (base - self.eta_min) * (1.0 - math.cos(math.pi / period)) / 2.0
                    for base, lr in zip(self._bases(), lrs)]
        ratio = ((1.0 + math.cos(math.pi * t / period))
                 / (1.0 + math.cos(math.pi * (t - 1) / period)))
        return [ratio * (lr - self.eta_min) + self.eta_min for lr in lrs]

    def _closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self._bases()]

    def _hyper(self) -> dict[str, float]:
        return {"T_max": self.T_max, "eta_min": self.eta_min}
