"""The base classes every loss builds on, and the target checks they share.

``_Loss`` holds the reduction, the call and the upstream-gradient scaling;
``_ElementwiseLoss`` adds the checks for a prediction and a target of one shape.
``_plain_target`` turns a target into a plain ndarray (a Tensor target is used detached);
``_bad_values`` finds the entries outside an interval, and ``_in_unit_interval`` decides the
usual, valid case of [0, 1] faster.
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

# Up to how many values np.add.reduce(values) / n, in the values' dtype, equals values.mean()
# bit for bit. np.mean sums the same way, then divides by n as an intp: a float64 sum in
# float64, the same division as here while n is exact in float64 (n <= 2**53); a float32
# sum in float64, then rounds the quotient to float32, which is the correctly rounded
# float32 quotient computed here as long as n is exact in float32 (n <= 2**24), because
# rounding a quotient first to 53 bits, then to 24, never differs from rounding it to 24
# bits at once (53 >= 2 * 24 + 2). A float16 mean is summed in float32, so it keeps np.mean,
# and so does any other dtype.
_EXACT_MEAN_SIZE = {np.dtype(np.float64): 2**53, np.dtype(np.float32): 2**24}


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


# For each native float dtype: the unsigned integer dtype of its width, the bits of 1.0
# read as it (a Python int, so that comparisons with it are exact on every NumPy version),
# and the number 1 of that unsigned type (so that stepping readings stays unsigned). A dtype
# missing here (another byte order, long double) takes the general path.
_UNIT_BITS = {np.dtype(t): (np.dtype(u), int(np.array(1.0, t).view(u)), u(1))
              for t, u in ((np.float16, np.uint16), (np.float32, np.uint32),
                           (np.float64, np.uint64))}


def _in_unit_interval(array: np.ndarray, strictly: bool = False) -> bool:
    """True only if every entry lies in [0, 1] (in (0, 1) when ``strictly``).

    False also for a -0.0, an empty array and a dtype other than native float16/32/64: a
    False means "diagnose with ``_bad_values``", never "invalid" by itself.

    It is the one cheap test of the usual, valid case: a single integer reduction (about
    1.2 us on a small batch) where ``_bad_values`` takes two float ones (about 2.7 us). Read
    as an unsigned integer of the same width, the bits of a float with the sign bit clear
    grow with its value (+0.0 reads 0, then come the subnormals, the normal numbers up to
    1.0 and beyond, +inf, and the NaNs with the sign bit clear); every float with the sign
    bit set (negative numbers, -inf, -0.0, the NaNs with it set) reads above all of those.
    So the largest reading is at most that of 1.0 exactly when every entry is in
    [+0.0, 1.0]: NaN, inf and anything just outside [0, 1] fail, and only -0.0 (valid) is
    sent to the full check needlessly. No float arithmetic happens, so nothing can round,
    overflow or warn.
    """
    unit = _UNIT_BITS.get(array.dtype)
    if unit is None or not array.size:
        return False
    unsigned, highest, one = unit
    bits = array.view(unsigned)
    if strictly:
        # (0, 1) reads 1 .. highest - 1. Subtracting 1 in the unsigned type wraps +0.0's 0
        # round to the largest integer and maps (0, 1) to 0 .. highest - 2: one maximum
        # still decides.
        bits, highest = bits - one, highest - 2
    return int(np.maximum.reduce(bits, axis=None)) <= highest


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
        # A float ndarray, what the engine passes, is returned unchanged by as_float_array:
        # skipping the call saves about 1 us.
        if pred.__class__ is not np.ndarray or pred.dtype.kind != "f":
            pred = as_float_array(pred, where=f"{type(self).__name__} prediction")
        if pred.size == 0:
            raise ValueError(f"{type(self).__name__}: got an empty batch (prediction shape "
                             f"{pred.shape}); a loss needs at least one element")
        return pred

    def _reduce(self, ctx: Context, values: np.ndarray, dtype: np.dtype,
                total: Any = None) -> np.ndarray:
        """Reduce ``values``; ``total`` is the divisor of a mean (default: their number)."""
        ctx.count, ctx.dtype = (values.size if total is None else total), dtype
        if self.reduction == "none":
            return values
        if (self.reduction == "mean" and total is None
                and values.size > _EXACT_MEAN_SIZE.get(values.dtype, 0)):
            return np.asarray(values.mean())  # float16, or a count too large to be exact
        # What values.sum() and values.mean() run, without their Python wrappers (about 2 us
        # of a mean on a small batch).
        summed = np.add.reduce(values, axis=None)
        if self.reduction == "sum":
            return np.asarray(summed)
        if total is None:
            # Bit for bit values.mean(), as _EXACT_MEAN_SIZE explains.
            return np.asarray(summed / values.dtype.type(values.size))
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 is NaN, as in PyTorch
            return np.asarray(summed / total)

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
