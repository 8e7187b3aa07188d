"""The base classes every loss builds on, and the target checks they share.

``_Loss`` holds the reduction, the call and the upstream-gradient scaling;
``_ElementwiseLoss`` adds the checks for a prediction and a target of one shape.
``_plain_target`` turns a target into a plain ndarray (a Tensor target is used detached);
``_bad_values`` finds the entries outside an interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context, apply
from minigrad.dtypes import as_float_array
from minigrad.hooks import call_with_hooks
from minigrad.nn.layer import Layer
from minigrad.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _plain_target(target: Any, where: str) -> np.ndarray:
    """The target as a plain ndarray (a Tensor's data, detached); dtype kept for labels."""
    if isinstance(target, Tensor):
        return target.data
    try:
        array = np.asarray(target)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where}: cannot make an array of the target "
                        f"({type(target).__name__}): {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: the target must hold numbers, got dtype {array.dtype}")
    return array


def _bad_values(array: np.ndarray, low: float, high: float) -> tuple[int, float] | None:
    """(count, first offending value) of entries outside [low, high] (NaN counts), or None."""
    # Two reductions decide the usual, valid case; a NaN fails both comparisons.
    if array.size and array.min() >= low and array.max() <= high:
        return None
    bad = ~((array >= low) & (array <= high))
    if not bad.any():
        return None
    return int(bad.sum()), float(array[bad].flat[0])


class _Loss(Layer):
    """What every loss shares: the reduction, the call, and the upstream-gradient scaling."""

    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction = reduction

    def __call__(self, pred: Any, target: Any) -> Tensor:  # type: ignore[override]
        if self._hooks is not None:
            return call_with_hooks(self, self._record_loss, (pred, target))
        return self._record_loss(pred, target)

    def _record_loss(self, pred: Any, target: Any) -> Tensor:
        name = type(self).__name__
        if not isinstance(pred, Tensor):
            pred = as_float_array(pred, where=f"{name} prediction")
        return apply(self, pred, _plain_target(target, name))

    def _prediction(self, pred: Any) -> np.ndarray:
        name = type(self).__name__
        pred = as_float_array(pred, where=f"{name} prediction")
        if pred.size == 0:
            raise ValueError(f"{name}: got an empty batch (prediction shape {pred.shape}); "
                             "a loss needs at least one element")
        return pred

    def _reduce(self, ctx: Context, values: np.ndarray, dtype: np.dtype,
                total: Any = None) -> np.ndarray:
        """Reduce ``values``; ``total`` is the divisor of a mean (default: their number)."""
        ctx.count, ctx.dtype = (values.size if total is None else total), dtype
        if self.reduction == "none":
            return values
        if self.reduction == "sum":
            return np.asarray(values.sum())
        if total is None:
            return np.asarray(values.mean())
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 is NaN, as in PyTorch
            return np.asarray(values.sum() / total)

    def _upstream(self, ctx: Context, dout: Any, shape: tuple[int, ...]) -> np.ndarray:
        """The gradient of the reduced loss with respect to each unreduced value."""
        dout = np.asarray(dout, dtype=ctx.dtype)
        if self.reduction == "none":
            if dout.shape != shape:
                raise ValueError(f"{type(self).__name__}.backward: with reduction='none' dout "
                                 f"must have shape {shape}, got {dout.shape}")
            return dout
        if dout.size != 1:
            raise ValueError(f"{type(self).__name__}.backward: with reduction="
                             f"{self.reduction!r} dout must be a single number, got shape "
                             f"{dout.shape}")
        dout = dout.reshape(())
        if self.reduction == "sum":
            return dout
        # A mean over nothing (every target ignored) passes no gradient, as in PyTorch.
        return dout * (1.0 / ctx.count) if ctx.count else dout * 0.0

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class _ElementwiseLoss(_Loss):
    """A loss computed element by element on a prediction and a target of the same shape."""

    def _pair(self, pred: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
        name = type(self).__name__
        pred = self._prediction(pred)
        target = _plain_target(target, name)
        if target.shape != pred.shape:
            hint = (f"reshape the target to {pred.shape}" if target.size == pred.size
                    else f"expected a target of shape {pred.shape}")
            raise ValueError(f"{name}: prediction shape {pred.shape} and target shape "
                             f"{target.shape} differ; {hint}")
        # The prediction's dtype wins, so a float64 target never upcasts a float32 loss.
        return pred, target.astype(pred.dtype, copy=False)

    def _weight(self, weight: np.ndarray | None, pred: np.ndarray, what: str
                ) -> np.ndarray | None:
        """An optional weight array, checked to broadcast to ``pred`` and cast to its dtype."""
        if weight is None:
            return None
        try:
            fits = np.broadcast_shapes(weight.shape, pred.shape) == pred.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"{type(self).__name__}: {what} of shape {weight.shape} does "
                             f"not broadcast to the prediction's shape {pred.shape}")
        return weight.astype(pred.dtype, copy=False)
