"""SequentialLR: run schedulers one after another, switching at milestone epochs."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad.optim.checks import _describe_state
from minigrad.optim.lr_scheduler import LRScheduler
from minigrad.optim.lr_scheduler_more import _array_of_ints, _int_at_least, _int_list
from minigrad.optim.lr_scheduler_plateau import ReduceLROnPlateau
from minigrad.optim.optimizer import Optimizer

__all__ = ["SequentialLR"]


class SequentialLR(LRScheduler):
    """Hand the optimizer from one scheduler to the next at the milestone epochs.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer every scheduler in ``schedulers`` was made for.
    schedulers : list of LRScheduler
        Run in turn (not ReduceLROnPlateau, whose step needs a metric).
    milestones : list of int
        Increasing epochs at which the next scheduler takes over; one fewer than
        ``schedulers``.
    last_epoch : int, default=-1
        The epochs already done.

    Notes
    -----
    PyTorch's rule. Construction puts each param group's ``"lr"`` back to its
    ``"initial_lr"``, undoes the construction step of every scheduler (``last_epoch -= 1``)
    and redoes it for the first one only. Each :meth:`step` adds one to ``last_epoch``; the
    scheduler in charge (``bisect_right(milestones, last_epoch)``) steps, except at its own
    milestone, where it restarts at epoch 0 from its closed form (from ``get_lr`` when it
    has none, such as LambdaLR). Make the schedulers just before the SequentialLR and step only it.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> warm = optim.LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> decay = optim.ExponentialLR(opt, gamma=0.5)
    >>> sched = optim.SequentialLR(opt, [warm, decay], milestones=[2])
    >>> lrs = [opt.lr]
    >>> for _ in range(4):
    ...     sched.step()
    ...     lrs.append(opt.lr)
    >>> lrs
    [0.5, 0.75, 1.0, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1) -> None:
        name = "SequentialLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError(f"{name}: expects at least one scheduler, got none")
        for index, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"{name}: schedulers[{index}] must be an LRScheduler, got "
                                f"{type(scheduler).__name__}")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(f"{name}: schedulers[{index}] is a ReduceLROnPlateau, whose "
                                 "step needs a metric; step it yourself instead")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"{name}: schedulers[{index}] ({type(scheduler).__name__}) "
                                 "belongs to another optimizer")
        milestones = _int_list(name, "milestones", milestones, 1)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"{name}: expects one milestone fewer than schedulers, got "
                             f"{len(schedulers)} schedulers and {len(milestones)} milestones")
        if any(b <= a for a, b in zip(milestones, milestones[1:])):
            raise ValueError(f"{name}: milestones must increase, got {milestones}")
        last_epoch = _int_at_least(name, "last_epoch", last_epoch, -1)
        groups = optimizer.param_groups
        missing = [i for i, group in enumerate(groups) if "initial_lr" not in group]
        if missing:
            raise ValueError(f"{name}: optimizer.initial_lr is not set (param_groups"
                             f"[{missing[0]}]['initial_lr']); make the schedulers on this "
                             "optimizer first")
        self._schedulers = schedulers
        self._milestones = milestones
        self.optimizer = optimizer
        self.last_epoch = last_epoch + 1
        self.base_lrs = [float(group["initial_lr"]) for group in groups]
        self._is_initial = False
        for group in groups:
            group["lr"] = float(group["initial_lr"])
        self._undo(self)
        index = bisect_right(self._milestones, 0)
        self._schedulers[index]._initial_step()
        self._last_lr = self._schedulers[index].get_last_lr()

    @staticmethod
    def _undo(scheduler: LRScheduler) -> None:
        if isinstance(scheduler, SequentialLR):
            for inner in scheduler._schedulers:
                SequentialLR._undo(inner)
        else:
            scheduler.last_epoch -= 1

    def _initial_step(self) -> None:
        # As torch's (inherited) _initial_step on a nested SequentialLR: a plain step.
        self.step()

    def get_lr(self) -> list[float]:
        return self._lrs()

    def step(self) -> None:
        """Advance one epoch: the scheduler in charge steps, or restarts at its milestone."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def _hyper(self) -> dict[str, float]:
        return {}

    def _extra_state(self) -> dict[str, np.ndarray]:
        return {"milestones": np.array(self._milestones, dtype=np.int64)}

    def _check_extra(self, arrays: dict[str, np.ndarray]) -> list[str]:
        problems = _array_of_ints(arrays, "milestones", 1)
        if not problems and list(arrays["milestones"]) != self._milestones:
            problems.append(f"milestones: this SequentialLR has {self._milestones}, the state "
                            f"is for {arrays['milestones'].tolist()}")
        return problems

    def state_dict(self) -> dict[str, np.ndarray]:
        """The own state (as :class:`LRScheduler`'s) plus ``schedulers.<i>.<key>`` for each
        scheduler's."""
        out = super().state_dict()
        for index, scheduler in enumerate(self._schedulers):
            out.update({f"schedulers.{index}.{k}": v
                        for k, v in scheduler.state_dict().items()})
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore every scheduler's state and its own; on any problem nothing changes."""
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise TypeError("SequentialLR.load_state_dict: expected a dict of arrays by str "
                            f"keys, got {_describe_state(state)}")
        snapshots = [s.state_dict() for s in self._schedulers]
        own = {k: v for k, v in state.items() if not k.startswith("schedulers.")}
        known = {f"schedulers.{i}." for i in range(len(self._schedulers))}
        stray = [k for k in state if k.startswith("schedulers.")
                 and not any(k.startswith(prefix) for prefix in known)]
        if stray:
            raise ValueError("SequentialLR.load_state_dict failed (nothing was changed): "
                             f"unexpected keys {', '.join(sorted(stray))}")
        try:
            for index, scheduler in enumerate(self._schedulers):
                prefix = f"schedulers.{index}."
                scheduler.load_state_dict({k[len(prefix):]: v for k, v in state.items()
                                           if k.startswith(prefix)})
            super().load_state_dict(own)
        except (TypeError, ValueError):
            for scheduler, snapshot in zip(self._schedulers, snapshots):
                scheduler.load_state_dict(snapshot)
            raise
