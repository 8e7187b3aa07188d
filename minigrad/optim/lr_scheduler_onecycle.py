"""OneCycleLR: the 1cycle learning-rate policy (Smith & Topin), as torch computes it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad.optim.checks import _number
from minigrad.optim.lr_scheduler import LRScheduler, _numbers_per_group, _positive_int
from minigrad.optim.lr_scheduler_more import _string_in
from minigrad.optim.optimizer import Optimizer

__all__ = ["OneCycleLR"]


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm up to ``max_lr``, then anneal far below the start.

    Call :meth:`step` after every batch. Only the learning rate cycles: this is torch's
    ``OneCycleLR(..., cycle_momentum=False)`` (cycling the momentum is not offered).

    Parameters
    ----------
    optimizer : Optimizer
        Whose param groups' ``lr`` to set.
    max_lr : float or list of float
        The peak rate: one for every param group, or a list with one per group.
    total_steps : int, optional
        Steps in the cycle; else ``epochs * steps_per_epoch``.
    epochs, steps_per_epoch : int, optional
        Used when ``total_steps`` is None.
    pct_start : float, default=0.3
        Fraction of the cycle spent rising, in [0, 1].
    anneal_strategy : {"cos", "linear"}, default="cos"
        The shape of each phase.
    div_factor : float, default=25.0
        The start rate is ``max_lr / div_factor`` (> 0).
    final_div_factor : float, default=1e4
        The final rate is ``max_lr / div_factor / final_div_factor`` (> 0).
    three_phase : bool, default=False
        Rise, fall back to the start rate symmetrically, then anneal to the final rate.
    last_epoch : int, default=-1
        The number of batches done when resuming; see :class:`~minigrad.optim.LRScheduler`.

    Notes
    -----
    PyTorch's closed form, per param group. A new schedule sets each group's
    ``"initial_lr"`` to ``max_lr / div_factor`` (replacing what an earlier scheduler
    recorded, as torch does) and ``min_lr = max_lr / div_factor / final_div_factor``. The
    phases end at steps ``pct_start * T - 1`` and ``T - 1`` (three phases: ``pct_start * T -
    1``, ``2 * pct_start * T - 2``, ``T - 1``), ``T = total_steps``; within a phase from
    ``start`` to ``end`` (rates) and from step ``a`` to ``b``, with ``pct = (t - a) / (b -
    a)``::

        cos:    lr = end + (start - end) / 2 * (cos(pi * pct) + 1)
        linear: lr = (end - start) * pct + start

    Stepping past ``total_steps`` raises ValueError. Each OneCycleLR keeps its own
    ``max_lrs`` and ``min_lrs`` (torch keeps them in the param groups, where a second
    OneCycleLR on the same optimizer overwrites the first's).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="linear")
    >>> opt.lr
    0.04
    >>> for _ in range(2):
    ...     sched.step()
    >>> opt.lr
    1.0
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | Sequence[float],
                 total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False, last_epoch: int = -1) -> None:
        name = "OneCycleLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")
        if total_steps is not None:
            self.total_steps = _positive_int(name, "total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (_positive_int(name, "epochs", epochs)
                                * _positive_int(name, "steps_per_epoch", steps_per_epoch))
        else:
            raise ValueError(f"{name}: give total_steps, or both epochs and steps_per_epoch")
        count = len(optimizer.param_groups)
        if isinstance(max_lr, (list, tuple, np.ndarray)):
            if len(max_lr) != count:
                raise ValueError(f"{name}: max_lr has {len(max_lr)} values, the optimizer has "
                                 f"{count} param groups")
            self.max_lrs = [_number(name, f"max_lr[{i}]", v) for i, v in enumerate(max_lr)]
        else:
            self.max_lrs = [_number(name, "max_lr", max_lr)] * count
        self.pct_start = _number(name, "pct_start", pct_start, high=1.0)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{name}: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self.div_factor = _number(name, "div_factor", div_factor)
        self.final_div_factor = _number(name, "final_div_factor", final_div_factor)
        for key, value in (("div_factor", self.div_factor),
                           ("final_div_factor", self.final_div_factor)):
            if value <= 0:
                raise ValueError(f"{name}: {key} must be > 0, got {value}")
        if not isinstance(three_phase, (bool, np.bool_)):
            raise TypeError(f"{name}: three_phase must be True or False, got {three_phase!r}")
        self.three_phase = bool(three_phase)
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, (int, np.integer)) \
                or last_epoch < -1:
            raise ValueError(f"{name}: last_epoch must be an integer >= -1, got {last_epoch!r}")
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, self.max_lrs):
                group["initial_lr"] = peak / self.div_factor
        super().__init__(optimizer, last_epoch)

    @property
    def max_lr(self) -> float:
        """Param group 0's peak rate (all of them: ``max_lrs``)."""
        return self.max_lrs[0]

    @property
    def min_lrs(self) -> list[float]:
        """The final rates, one per param group: ``max_lr / div_factor / final_div_factor``."""
        return [peak / self.div_factor / self.final_div_factor for peak in self.max_lrs]

    @property
    def min_lr(self) -> float:
        """Param group 0's final rate (all of them: ``min_lrs``)."""
        return self.min_lrs[0]

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the schedule has "
                             f"total_steps={self.total_steps}")
        groups = self.optimizer.param_groups
        if len(groups) != len(self.max_lrs):
            raise ValueError(f"OneCycleLR: the optimizer has {len(groups)} param groups but "
                             f"this scheduler was made for {len(self.max_lrs)}; make the "
                             "scheduler after the last add_param_group")
        total = self.total_steps
        if self.three_phase:
            phases = [(float(self.pct_start * total) - 1, "initial", "max"),
                      (float(2 * self.pct_start * total) - 2, "max", "initial"),
                      (total - 1, "initial", "min")]
        else:
            phases = [(float(self.pct_start * total) - 1, "initial", "max"),
                      (total - 1, "max", "min")]
        out = []
        for group, peak in zip(groups, self.max_lrs):
            # torch reads initial_lr from the group at every step, and keeps min_lr in the
            # group from initial_lr at construction.
            lrs = {"initial": group["initial_lr"], "max": peak,
                   "min": peak / self.div_factor / self.final_div_factor}
            start_step = 0.0
            for i, (end_step, start, end) in enumerate(phases):
                if step <= end_step or i == len(phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    out.append(self._anneal(lrs[start], lrs[end], pct))
                    break
                start_step = end_step
        return out

    def _hyper(self) -> dict[str, float]:
        return {"total_steps": self.total_steps,
                "pct_start": self.pct_start, "div_factor": self.div_factor,
                "final_div_factor": self.final_div_factor}

    def _extra_state(self) -> dict[str, np.ndarray]:
        return {"max_lrs": np.array(self.max_lrs, dtype=np.float64),
                "anneal_strategy": np.array(self.anneal_strategy),
                "three_phase": np.array(self.three_phase)}

    def _upgrade(self, state: dict[str, Any]) -> dict[str, Any]:
        # Before param groups: one max_lr, as hyper.max_lr.
        if "hyper.max_lr" in state and "max_lrs" not in state:
            old = np.asarray(state.pop("hyper.max_lr"))
            state["max_lrs"] = np.full(len(self.max_lrs), old.item()) if old.shape == () else old
        return state

    def _check_extra(self, arrays: dict[str, np.ndarray]) -> list[str]:
        problems = _numbers_per_group(arrays, "max_lrs", len(self.max_lrs))
        problems += _string_in(arrays, "anneal_strategy", ("cos", "linear"))
        if arrays["three_phase"].shape != () or arrays["three_phase"].dtype.kind != "b":
            problems.append(f"three_phase: expected True or False, got "
                            f"{arrays['three_phase']!r}")
        return problems

    def _load_extra(self, arrays: dict[str, np.ndarray]) -> None:
        self.max_lrs = [float(v) for v in arrays["max_lrs"]]
        self.anneal_strategy = str(arrays["anneal_strategy"])
        self.three_phase = bool(arrays["three_phase"])
