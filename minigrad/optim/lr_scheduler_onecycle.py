"""OneCycleLR: the 1cycle learning-rate policy (Smith & Topin), as torch computes it."""

from __future__ import annotations

import math

import numpy as np

from minigrad.optim.lr_scheduler import LRScheduler, _positive_int
from minigrad.optim.lr_scheduler_more import _string_in
from minigrad.optim.optimizer import Optimizer, _number

__all__ = ["OneCycleLR"]


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm up to ``max_lr``, then anneal far below the start.

    Call :meth:`step` after every batch. Only the learning rate cycles: minigrad's
    optimizers have no param groups to carry torch's momentum cycling, so this is torch's
    ``OneCycleLR(..., cycle_momentum=False)``.

    Parameters
    ----------
    optimizer : Optimizer
        Whose ``lr`` to set.
    max_lr : float
        The peak rate.
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
    PyTorch's closed form. A new schedule sets ``optimizer.initial_lr = max_lr /
    div_factor`` (replacing what an earlier scheduler recorded, as torch does) and
    ``min_lr = initial_lr / final_div_factor``. The phases end at steps ``pct_start * T -
    1`` and ``T - 1`` (three phases: ``pct_start * T - 1``, ``2 * pct_start * T - 2``, ``T -
    1``), ``T = total_steps``; within a phase from ``start`` to ``end`` (rates) and from step
    ``a`` to ``b``, with ``pct = (t - a) / (b - a)``::

        cos:    lr = end + (start - end) / 2 * (cos(pi * pct) + 1)
        linear: lr = (end - start) * pct + start

    Stepping past ``total_steps`` raises ValueError. Each OneCycleLR keeps its own
    ``max_lr`` and ``min_lr`` (torch keeps them in the param group, where a second
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

    def __init__(self, optimizer: Optimizer, max_lr: float, total_steps: int | None = None,
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
        self.max_lr = _number(name, "max_lr", max_lr)
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
            optimizer.initial_lr = self.max_lr / self.div_factor
        super().__init__(optimizer, last_epoch)

    @property
    def min_lr(self) -> float:
        """The final rate: ``initial_lr / final_div_factor``."""
        return self.max_lr / self.div_factor / self.final_div_factor

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the schedule has "
                             f"total_steps={self.total_steps}")
        initial = self.optimizer.initial_lr
        assert initial is not None
        # torch keeps min_lr in the param group from initial_lr at construction.
        lrs = {"initial": initial, "max": self.max_lr,
               "min": self.max_lr / self.div_factor / self.final_div_factor}
        total = self.total_steps
        if self.three_phase:
            phases = [(float(self.pct_start * total) - 1, "initial", "max"),
                      (float(2 * self.pct_start * total) - 2, "max", "initial"),
                      (total - 1, "initial", "min")]
        else:
            phases = [(float(self.pct_start * total) - 1, "initial", "max"),
                      (total - 1, "max", "min")]
        start_step = 0.0
        for i, (end_step, start, end) in enumerate(phases):
            if step <= end_step or i == len(phases) - 1:
                pct = (step - start_step) / (end_step - start_step)
                return [self._anneal(lrs[start], lrs[end], pct)]
            start_step = end_step
        raise AssertionError("unreachable")  # pragma: no cover

    def _hyper(self) -> dict[str, float]:
        return {"max_lr": self.max_lr, "total_steps": self.total_steps,
                "pct_start": self.pct_start, "div_factor": self.div_factor,
                "final_div_factor": self.final_div_factor}

    def _extra_state(self) -> dict[str, np.ndarray]:
        return {"anneal_strategy": np.array(self.anneal_strategy),
                "three_phase": np.array(self.three_phase)}

    def _check_extra(self, arrays: dict[str, np.ndarray]) -> list[str]:
        problems = _string_in(arrays, "anneal_strategy", ("cos", "linear"))
        if arrays["three_phase"].shape != () or arrays["three_phase"].dtype.kind != "b":
            problems.append(f"three_phase: expected True or False, got "
                            f"{arrays['three_phase']!r}")
        return problems

    def _load_extra(self, arrays: dict[str, np.ndarray]) -> None:
        self.anneal_strategy = str(arrays["anneal_strategy"])
        self.three_phase = bool(arrays["three_phase"])
