"""What ``fit()`` records and who it tells: History, FitState and the callbacks.

A callback sees the model and each epoch's logs; ``EarlyStopping`` stops training when a
monitored value stops improving and can put back the best weights.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.nn.module import Module

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

    def on_epoch_end(self, epoch: int, logs: dict[str, float], fit_state: FitState) -> None:
        """Called after each epoch with its losses and metrics; may set
        ``fit_state.stop_training = True``."""

    def on_train_end(self, fit_state: FitState) -> None:
        """Called once after the last epoch."""


class EarlyStopping(Callback):
    """Stop when a monitored value has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default="val_loss"
        A key of the epoch logs (``"loss"``, ``"val_accuracy"`` ...).
    patience : int, default=10
        Epochs without improvement before stopping.
    min_delta : float, default=0.0
        The smallest change that counts as an improvement.
    mode : {"auto", "min", "max"}, default="auto"
        Whether lower or higher is better; ``"auto"`` takes "max" for accuracy-like names.
    restore_best_weights : bool, default=True
        Put back the weights of the best epoch when training ends (Keras's default is
        False; restoring is what one nearly always wants, so it is the default here).
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 10, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.mode, self.restore_best_weights = mode, restore_best_weights
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_state: dict[str, np.ndarray] | None = None
        self.wait = 0

    def on_train_begin(self, fit_state: FitState) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch, self.best_state, self.wait = None, None, 0

    def on_epoch_end(self, epoch: int, logs: dict[str, float], fit_state: FitState) -> None:
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping: monitored value {self.monitor!r} is not logged; available: "
                f"{', '.join(sorted(logs))} (val_* values need validation_data)"
            )
        value = logs[self.monitor]
        better = (value < self.best - self.min_delta if self.mode == "min"
                  else value > self.best + self.min_delta)
        if better:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_state = self.model.state_dict()
            return
        self.wait += 1
        if self.wait > self.patience:
            fit_state.stop_training = True

    def on_train_end(self, fit_state: FitState) -> None:
        if self.restore_best_weights and self.best_state is not None:
            self.model.load_state_dict(self.best_state)


# --------------------------------------------------------------------------- state


class FitState:
    """Shared by ``fit`` and its callbacks: set ``stop_training`` to end after this epoch."""

    def __init__(self, model: Module, history: History) -> None:
        self.model, self.history, self.stop_training = model, history, False
