"""What ``fit()`` records and who it tells: History, FitState and the callbacks.

A callback sees the model, each batch's end and each epoch's logs; ``EarlyStopping`` stops
training when a monitored value stops improving and can put back the best weights;
``LRScheduler`` steps a learning-rate scheduler per epoch or per batch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.nn.module import Module
from minigrad.optim.lr_scheduler import LRScheduler as _Scheduler
from minigrad.optim.lr_scheduler_plateau import ReduceLROnPlateau

# --------------------------------------------------------------------------- history


class History:
    """What ``fit()`` recorded: one value per epoch for each loss and metric.

    ``history.history`` maps ``"loss"``, ``"accuracy"``, ``"val_loss"`` ... to lists, as in
    Keras; ``history["loss"]`` is a shortcut. ``diagnostics`` holds one
    :class:`~minigrad.diagnostics.GradientFlow` report per epoch when asked for.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.diagnostics: list[Any] = []
        self.stopped_epoch: int | None = None

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.history.get("loss", []))

    def last(self) -> dict[str, float]:
        """The final epoch's values."""
        return {key: values[-1] for key, values in self.history.items() if values}

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items())
        return f"History(epochs={self.epochs}, {last})"


# --------------------------------------------------------------------------- callbacks


class Callback:
    """Base class: override the hooks you need. ``fit`` sets ``self.model`` first."""

    model: Module

    def on_train_begin(self, fit_state: FitState) -> None:
        """Called once before the first epoch."""

    def on_batch_end(self, batch: int, fit_state: FitState) -> None:
        """Called after each optimizer step; ``batch`` counts the epoch's batches from 0."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float], fit_state: FitState) -> None:
        """Called after each epoch with its losses and metrics; may set
        ``fit_state.stop_training = True``."""

    def on_train_end(self, fit_state: FitState) -> None:
        """Called once after the last epoch."""


class EarlyStopping(Callback):
    """Stop when a monitored value has not improved for ``patience`` epochs, as Keras does.

    Parameters
    ----------
    monitor : str, default="val_loss"
        A key of the epoch logs (``"loss"``, ``"val_accuracy"`` ...).
    patience : int, default=10
        Epochs without improvement after which training stops (Keras's default is 0).
    min_delta : float, default=0.0
        The smallest change that counts as an improvement (its sign is ignored).
    mode : {"auto", "min", "max"}, default="auto"
        Whether lower or higher is better; ``"auto"`` takes "max" when the name (without
        ``val_``) ends in "acc", "accuracy" or "auc", else "min".
    baseline : float, optional
        A value to reach: an epoch that improves on the best so far but not on
        ``baseline`` still counts as an epoch without improvement, so a run that never
        beats the baseline stops after ``patience`` epochs.
    restore_best_weights : bool, default=True
        When this callback stops training, put back the weights (and buffers) of the best
        epoch (Keras's default is False; restoring is what one nearly always wants). As in
        Keras 2 (tf.keras), weights are restored only when this callback stops training, not
        when the run simply reaches its last epoch.
    start_from_epoch : int, default=0
        Epochs to wait before monitoring (a warm-up that cannot stop training).

    Notes
    -----
    Keras's rule, epoch by epoch (``epoch`` counts from 0): nothing happens before
    ``start_from_epoch``; otherwise ``wait`` grows by one, then an improvement (``value <
    best - min_delta`` in "min" mode, ``value > best + min_delta`` in "max" mode; the first
    monitored epoch always improves) records the best value, epoch and weights and resets
    ``wait`` to 0 if the value also improves on ``baseline``. Without improvement, training
    stops once ``wait >= patience`` (and ``epoch > 0``): with ``patience=3``, three epochs
    without improvement after the best one. ``stopped_epoch`` is then that epoch (0 when the
    callback did not stop training) and ``best_epoch`` the best one.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import nn, optim
    >>> X = np.linspace(-1, 1, 16).reshape(-1, 1)
    >>> model = nn.Sequential(nn.Dense(1, 1, rng=0))
    >>> stopper = mg.EarlyStopping(monitor="loss", patience=2, min_delta=1.0)
    >>> history = mg.fit(model, X, 2 * X, loss=nn.MSELoss(), epochs=50, verbose=0,
    ...                  optimizer=optim.SGD(model.parameters(), lr=0.1), callbacks=[stopper])
    >>> history.epochs, stopper.best_epoch, stopper.stopped_epoch
    (3, 0, 2)
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 10, min_delta: float = 0.0,
                 mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = True, start_from_epoch: int = 0) -> None:
        for name, value in (("patience", patience), ("start_from_epoch", start_from_epoch)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"EarlyStopping: {name} must be an integer >= 0, got {value!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if not isinstance(monitor, str):
            raise TypeError(f"EarlyStopping: monitor must be a str such as 'val_loss', got "
                            f"{type(monitor).__name__}")
        for name, number in (("min_delta", min_delta), ("baseline", baseline)):
            if number is None and name == "baseline":
                continue
            if isinstance(number, bool) or not isinstance(number, (int, float, np.integer,
                                                                   np.floating)):
                raise TypeError(f"EarlyStopping: {name} must be a number, got {number!r}")
        if mode == "auto":
            name = monitor.removeprefix("val_")
            mode = "max" if name.endswith(("acc", "accuracy", "auc")) else "min"
        self.monitor, self.patience, self.min_delta = monitor, int(patience), abs(min_delta)
        self.mode, self.restore_best_weights = mode, restore_best_weights
        self.baseline = None if baseline is None else float(baseline)
        self.start_from_epoch = int(start_from_epoch)
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_state: dict[str, np.ndarray] | None = None
        self.wait = 0
        self.stopped_epoch = 0

    def _improves(self, value: float, reference: float) -> bool:
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, fit_state: FitState) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, float], fit_state: FitState) -> None:
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping: monitored value {self.monitor!r} is not logged; available: "
                f"{', '.join(sorted(logs))} (val_* values need validation_data)"
            )
        if epoch < self.start_from_epoch:
            return
        value = logs[self.monitor]
        if self.restore_best_weights and self.best_state is None:
            # Until something improves, the first monitored epoch's weights are the best.
            self.best_state, self.best_epoch = self.model.state_dict(), epoch
        self.wait += 1
        if self._improves(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_state = self.model.state_dict()
            if self.baseline is None or self._improves(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            fit_state.stop_training = True
            if self.restore_best_weights and self.best_state is not None:
                self.model.load_state_dict(self.best_state)

    def __repr__(self) -> str:
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
                f"min_delta={self.min_delta}, mode={self.mode!r}, baseline={self.baseline}, "
                f"restore_best_weights={self.restore_best_weights}, "
                f"start_from_epoch={self.start_from_epoch})")


class LRScheduler(Callback):
    """Step a learning-rate scheduler from ``fit``: after every epoch or every batch.

    (This is the callback; the schedulers themselves are in :mod:`minigrad.optim`.)

    Parameters
    ----------
    scheduler : minigrad.optim.LRScheduler
        Any scheduler, made for the optimizer passed to ``fit``.
    interval : {"epoch", "batch"}, default="epoch"
        Step after each epoch (StepLR, CosineAnnealingLR ...) or after each optimizer step
        (OneCycleLR, warm-ups counted in batches).
    monitor : str, default="val_loss"
        For :class:`~minigrad.optim.ReduceLROnPlateau` only: the key of the epoch logs
        passed to ``scheduler.step(metric)`` (``"loss"``, ``"val_accuracy"`` ...; its
        ``mode`` says whether lower or higher is better).

    Notes
    -----
    The same calls as the hand loop ``for epoch ...: for batch ...: opt.step();
    [scheduler.step()]``, then ``[scheduler.step()]`` or ``scheduler.step(logs[monitor])``
    once the epoch's logs (validation included) are known. ReduceLROnPlateau needs epoch
    logs, so it only runs with ``interval="epoch"``.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import nn, optim
    >>> X = np.linspace(-1, 1, 16).reshape(-1, 1)
    >>> model = nn.Sequential(nn.Dense(1, 1, rng=0))
    >>> opt = optim.SGD(model.parameters(), lr=0.1)
    >>> decay = mg.LRScheduler(optim.StepLR(opt, step_size=2, gamma=0.5))
    >>> _ = mg.fit(model, X, 2 * X, loss=nn.MSELoss(), optimizer=opt, epochs=4, verbose=0,
    ...            callbacks=[decay])
    >>> opt.lr
    0.025
    """

    def __init__(self, scheduler: _Scheduler, interval: str = "epoch",
                 monitor: str = "val_loss") -> None:
        if not isinstance(scheduler, _Scheduler):
            raise TypeError(f"LRScheduler: scheduler must be a minigrad.optim scheduler "
                            f"(StepLR, OneCycleLR ...), got {type(scheduler).__name__}")
        if interval not in ("epoch", "batch"):
            raise ValueError(f"LRScheduler: interval must be 'epoch' or 'batch', got "
                             f"{interval!r}")
        if not isinstance(monitor, str):
            raise TypeError(f"LRScheduler: monitor must be a str such as 'val_loss', got "
                            f"{type(monitor).__name__}")
        self.plateau = isinstance(scheduler, ReduceLROnPlateau)
        if self.plateau and interval == "batch":
            raise ValueError("LRScheduler: ReduceLROnPlateau steps on an epoch's monitored "
                             "value, so it needs interval='epoch'")
        self.scheduler, self.interval, self.monitor = scheduler, interval, monitor

    def on_batch_end(self, batch: int, fit_state: FitState) -> None:
        if self.interval == "batch":
            self.scheduler.step()

    def on_epoch_end(self, epoch: int, logs: dict[str, float], fit_state: FitState) -> None:
        if self.interval != "epoch":
            return
        if self.plateau:
            if self.monitor not in logs:
                raise KeyError(
                    f"LRScheduler: monitored value {self.monitor!r} is not logged; available: "
                    f"{', '.join(sorted(logs))} (val_* values need validation_data)")
            assert isinstance(self.scheduler, ReduceLROnPlateau)
            self.scheduler.step(logs[self.monitor])
        else:
            self.scheduler.step()

    def __repr__(self) -> str:
        monitor = f", monitor={self.monitor!r}" if self.plateau else ""
        return f"LRScheduler({self.scheduler!r}, interval={self.interval!r}{monitor})"


# --------------------------------------------------------------------------- state


class FitState:
    """Shared by ``fit`` and its callbacks: set ``stop_training`` to end after this epoch."""

    def __init__(self, model: Module, history: History) -> None:
        self.model, self.history, self.stop_training = model, history, False
