"""Metrics for ``fit()`` and ``evaluate()``: accuracy, and which metrics a loss gets by default."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from minigrad.nn.losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss

# A metric takes the targets and the model's outputs (arrays) and returns one number.
Metric = Callable[[np.ndarray, np.ndarray], float]


def accuracy(y_true: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5) -> float:
    """Share of correct predictions.

    With one output per sample the prediction is ``y_pred > threshold``; with several it is
    the arg-max, compared with integer labels or with the arg-max of one-hot targets.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_pred.ndim >= 2 and y_pred.shape[-1] > 1:
        labels = y_true.argmax(axis=-1) if y_true.ndim == y_pred.ndim else y_true
        return float(np.mean(y_pred.argmax(axis=-1) == labels))
    predicted = (y_pred.reshape(len(y_pred), -1) > threshold).astype(int)
    return float(np.mean(predicted == np.asarray(y_true).reshape(len(y_true), -1)))


# Losses whose targets are classes: their default metric is accuracy. Any other loss
# (MSELoss, L1Loss, HuberLoss, a user's callable) logs the loss alone by default, as Keras
# logs nothing but the loss unless metrics are asked for.
CLASSIFICATION_LOSSES = (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss)


def resolve_metrics(metrics: Iterable[str | Metric] | None, loss: Any
                    ) -> list[tuple[str, Metric]]:
    """``(name, fn)`` pairs; ``None`` means the loss's default (see CLASSIFICATION_LOSSES)."""
    if metrics is None:
        metrics = ("accuracy",) if isinstance(loss, CLASSIFICATION_LOSSES) else ()
    elif isinstance(metrics, str):
        metrics = (metrics,)
    # BCEWithLogitsLoss takes logits: a single output splits the classes at 0.
    threshold = 0.0 if isinstance(loss, BCEWithLogitsLoss) else 0.5
    resolved: list[tuple[str, Metric]] = []
    for metric in metrics:
        if metric in ("accuracy", "acc"):
            resolved.append(("accuracy", lambda t, p: accuracy(t, p, threshold)))
        elif callable(metric):
            resolved.append((getattr(metric, "__name__", "metric"), metric))
        else:
            raise ValueError(f"fit: unknown metric {metric!r}; use 'accuracy' or a callable "
                             "metric(y_true, y_pred) -> float")
    return resolved
