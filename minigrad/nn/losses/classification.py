"""Losses on class scores against class labels: CrossEntropyLoss and NLLLoss.

The scores have the classes on axis 1 (or on the only axis of a single sample).
``_class_scores`` moves that axis last, where the arithmetic wants it, and ``_classes_back``
puts a gradient's back; ``_class_labels`` checks integer labels against the scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.dtypes import as_float_array
from minigrad.nn.losses.base import _Loss, _plain_target
from minigrad.tensor import Tensor

__all__ = ["CrossEntropyLoss", "NLLLoss"]

_USE_CROSS_ENTROPY = "; for probability targets use CrossEntropyLoss on logits"

# For each native integer dtype: the unsigned dtype of its width, and how many values >= 0
# the dtype holds (2**7 for int8, 2**8 for uint8). Read through that unsigned dtype (a view:
# the same bits, no arithmetic), a label >= 0 reads as itself and a negative one (two's
# complement) as itself + 2**bits, which is at least that count. Another byte order takes
# the general path.
_LABEL_READINGS = {np.dtype(t): (np.dtype(f"u{np.dtype(t).itemsize}"), int(np.iinfo(t).max) + 1)
                   for t in (np.int8, np.int16, np.int32, np.int64,
                             np.uint8, np.uint16, np.uint32, np.uint64)}


def _classes_last(array: np.ndarray) -> np.ndarray:
    """Move the class axis (1 for (N, C, d1, ...), else the last) to the end."""
    return np.moveaxis(array, 1, -1) if array.ndim > 2 else array


def _classes_back(array: np.ndarray, ndim: int) -> np.ndarray:
    return np.moveaxis(array, -1, 1) if ndim > 2 else array


def _class_scores(name: str, scores: np.ndarray) -> np.ndarray:
    if scores.ndim == 0:
        raise ValueError(f"{name}: the input needs a class axis: shape (C,), (N, C) or "
                         "(N, C, d1, ...); got a 0-d array")
    return _classes_last(scores)


def _class_labels(name: str, target: np.ndarray, scores_shape: tuple[int, ...],
                  soft_allowed: bool, ignore_index: int | None = None
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer labels of the scores' shape without the class axis, each in [0, C) or equal
    to ``ignore_index``, and the mask of those equal to it (None when there are none)."""
    ndim = len(scores_shape)
    num_classes = scores_shape[1] if ndim > 1 else scores_shape[0]
    shape = scores_shape[:1] + scores_shape[2:] if ndim > 1 else ()
    if target.dtype.kind not in "iu":
        other = (f" or class probabilities of shape {scores_shape}" if soft_allowed
                 else _USE_CROSS_ENTROPY)
        raise TypeError(
            f"{name}: class labels must be integers, got a {target.dtype} target of shape "
            f"{target.shape}; pass integer labels of shape {shape} (y.astype(int); a Tensor "
            f"always holds floats, so pass labels as a NumPy array){other}")
    if target.shape != shape:
        fix = f" (reshape them to {shape})" if target.size == int(np.prod(shape)) else ""
        # Its own clause: "got (3,) or class probabilities of ..." would misread as what came.
        alternative = (f"; class probabilities would need shape {scores_shape}" if soft_allowed
                       else _USE_CROSS_ENTROPY)
        raise ValueError(f"{name}: input of shape {scores_shape} needs class labels of shape "
                         f"{shape}, got {target.shape}{fix}{alternative}")
    # One integer reduction decides the usual case, about 3 us cheaper on a small batch
    # than the mask, min and max below (see _LABEL_READINGS): every label is in [0, C)
    # exactly when the largest reading is below both C and the first reading of a negative.
    reading = _LABEL_READINGS.get(target.dtype)
    in_range = (reading is not None and target.size > 0
                and int(np.maximum.reduce(target.view(reading[0]), axis=None))
                < min(num_classes, reading[1]))
    if not in_range:
        checked = target if ignore_index is None else target[target != ignore_index]
        low, high = (int(checked.min()), int(checked.max())) if checked.size else (0, 0)
        if low < 0 or high >= num_classes:
            raise ValueError(f"{name}: class labels must lie in [0, {num_classes}) for "
                             f"{num_classes} classes, got labels from {low} to {high}")
    # (N, d1, ...) already lines up with the scores once their class axis is last.
    labels = target.astype(np.intp, copy=False)
    if ignore_index is None or (in_range and not 0 <= ignore_index < num_classes):
        return labels, None  # no label can equal ignore_index
    ignored = labels == ignore_index
    return labels, ignored if ignored.any() else None


def _label_index(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Where each label's score sits in the scores (classes last) read in C order, with a
    trailing axis of 1: ``scores.take(index)`` is ``take_along_axis(scores, labels[...,
    None], axis=-1)`` and ``put`` its converse, whatever the number of axes, at a quarter of
    the cost on a small batch (sample n's row starts at n * C)."""
    starts = np.arange(0, labels.size * num_classes, num_classes)
    return starts.reshape(*labels.shape, 1) + labels[..., None]


def _not_probabilities(name: str, target: np.ndarray, scores_shape: tuple[int, ...]) -> str:
    """Why an integer (or bool) target shaped like the scores is refused, and what to pass."""
    axis = 1 if len(scores_shape) > 1 else 0
    labels_shape = scores_shape[:axis] + scores_shape[axis + 1:]
    return (f"{name}: the target has the logits' shape {scores_shape} but dtype "
            f"{target.dtype}; class labels are integers without the class axis (shape "
            f"{labels_shape}) and class probabilities are floats, so it is neither. Pass labels "
            f"of shape {labels_shape} (y.argmax(axis={axis}) of a one-hot array), or the "
            f"probabilities / one-hot rows as floats (y.astype(float))")


def _label_factor(labels: np.ndarray, ignored: np.ndarray | None,
                  weight: np.ndarray | None, dtype: np.dtype
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """Labels safe to index with, and each sample's factor ``w[y] * (y != ignore_index)``
    (None when every sample counts fully: no weight, nothing ignored)."""
    if ignored is None:
        return labels, None if weight is None else weight[labels]
    labels = np.where(ignored, 0, labels)
    factor = np.ones(labels.shape, dtype) if weight is None else weight[labels]
    return labels, np.where(ignored, 0.0, factor).astype(dtype, copy=False)


class _ClassWeighted(_Loss):
    """``weight`` (one per class) and ``ignore_index``, shared by CrossEntropy and NLL."""

    def __init__(self, weight: Any, ignore_index: int, reduction: str) -> None:
        super().__init__(reduction)
        name = type(self).__name__
        if weight is not None:
            weight = as_float_array(weight.data if isinstance(weight, Tensor) else weight,
                                    where=f"{name} weight")
            if weight.ndim != 1:
                raise ValueError(f"{name}: weight must hold one number per class (shape "
                                 f"(C,)), got shape {weight.shape}")
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
            raise TypeError(f"{name}: ignore_index must be an integer, got "
                            f"{type(ignore_index).__name__}")
        self.weight: np.ndarray | None = weight
        self.ignore_index = int(ignore_index)

    def _class_weight(self, num_classes: int, dtype: np.dtype) -> np.ndarray | None:
        weight = self.weight
        if weight is None:
            return None
        if weight.shape != (num_classes,):
            raise ValueError(f"{type(self).__name__}: weight must hold one number per class, "
                             f"({num_classes},) for {num_classes} classes, got shape "
                             f"{weight.shape}")
        return weight.astype(dtype, copy=False)

    def extra_repr(self) -> str:
        weight = "" if self.weight is None else f"weight={self.weight.tolist()}, "
        return f"{weight}ignore_index={self.ignore_index}, reduction={self.reduction!r}"


class CrossEntropyLoss(_ClassWeighted):
    """Softmax cross-entropy on logits, against class labels or class probabilities.

    Parameters
    ----------
    weight : array_like, optional
        One rescaling weight per class, shape (C,).
    ignore_index : int, default=-100
        Samples whose label is this value contribute nothing (neither to the loss nor to
        the divisor of the mean). Class labels only.
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over the samples, add them up, or return one loss per sample. With
        ``weight`` or ignored labels, ``"mean"`` is PyTorch's weighted mean: the sum
        divided by the sum of ``weight[y_n]`` over the samples not ignored (for
        probability targets, by the number of samples).
    label_smoothing : float, default=0.0
        In [0, 1]: the target becomes ``(1 - s) * target + s / C``, as in PyTorch.

    Notes
    -----
    The logits have shape (N, C) (also (C,) for one sample, or (N, C, d1, ...) with the
    classes on axis 1). The target is either integer class labels of shape (N,) (or
    (N, d1, ...)), or float class probabilities (one-hot or soft) shaped like the logits.
    As in PyTorch, what fits neither is refused rather than guessed at: float labels of
    shape (N,) (``TypeError``), and an integer or bool target shaped like the logits
    (``ValueError``: labels have no class axis, probabilities are floats). With log-softmax
    :math:`\\log p_c = x_c - \\log\\sum_k e^{x_k}` (evaluated after subtracting the row
    maximum) and target distribution q:

    .. math::
        \\ell = -\\sum_c q_c \\log p_c, \\qquad
        \\frac{\\partial \\ell}{\\partial x_j} = p_j \\sum_c q_c - q_j

    Plain text: loss = -sum(q * log_softmax(x)); dx = softmax(x) - q for a target that sums
    to 1 (a class label y is the one-hot q), divided by N for ``"mean"``. With class
    weights w, q becomes :math:`w \\odot q` in both formulas, which for a label y gives
    :math:`\\ell = -w_y \\log p_y` and :math:`\\partial \\ell / \\partial x_j = w_y (p_j -
    [j = y])`; an ignored sample has q = 0. The softmax and the log are fused, so logits of
    +-1e4 give exact limits with no overflow. ``CrossEntropyLoss`` takes keyword arguments
    only so that ``CrossEntropyLoss(weights)`` cannot be misread.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import nn
    >>> logits = mg.Tensor([[2.0, 0.0], [0.0, 0.0]], requires_grad=True)
    >>> loss = nn.CrossEntropyLoss()(logits, np.array([0, 1]))
    >>> round(loss.item(), 4)
    0.4100
    >>> loss.backward()
    >>> logits.grad.round(4)
    array([[-0.0596,  0.0596],
           [ 0.25  , -0.25  ]])
    """

    def __init__(self, *, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, ignore_index, reduction)
        if isinstance(label_smoothing, bool) or not isinstance(
                label_smoothing, (int, float, np.integer, np.floating)):
            raise TypeError("CrossEntropyLoss: label_smoothing must be a number, got "
                            f"{type(label_smoothing).__name__}")
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError("CrossEntropyLoss: label_smoothing must lie in [0, 1], got "
                             f"{label_smoothing!r}")
        self.label_smoothing = float(label_smoothing)

    def forward(self, ctx: Context, logits: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        name = "CrossEntropyLoss"
        logits = self._prediction(logits)
        x = _class_scores(name, logits)
        target = _plain_target(target, name)
        num_classes = x.shape[-1]
        shifted = x - x.max(axis=-1, keepdims=True)
        exps = np.exp(shifted)
        total = exps.sum(axis=-1, keepdims=True)
        log_total = np.log(total)  # total >= 1: the row maximum contributes e^0
        ctx.probs, ctx.ndim, ctx.factor = exps / total, logits.ndim, None
        smoothing = self.label_smoothing
        weight = self._class_weight(num_classes, logits.dtype)
        divisor = None
        if target.shape == logits.shape or (target.ndim == logits.ndim
                                            and target.dtype.kind == "f"):
            if target.shape != logits.shape:
                raise ValueError(f"{name}: a probability target must have the logits' shape "
                                 f"{logits.shape}, got {target.shape}; for class labels pass "
                                 f"an integer array of shape {logits.shape[:1] + logits.shape[2:]}")
            if target.dtype.kind != "f":
                raise ValueError(_not_probabilities(name, target, logits.shape))
            if self.ignore_index >= 0:
                raise ValueError(f"{name}: ignore_index={self.ignore_index} is not supported "
                                 "with class-probability targets (as in PyTorch)")
            q = _classes_last(target.astype(logits.dtype, copy=False))
            ignored = None
        else:
            labels, ignored = _class_labels(name, target, logits.shape, soft_allowed=True,
                                            ignore_index=self.ignore_index)
            labels, factor = _label_factor(labels, ignored, weight, logits.dtype)
            if factor is not None:
                # PyTorch's weighted mean: divided by the weights of the counted samples.
                divisor = factor.sum()
            if not smoothing:
                index = _label_index(labels, num_classes)
                ctx.q, ctx.index, ctx.factor = None, index, factor
                values = (log_total - shifted.take(index))[..., 0]
                if factor is not None:
                    values = values * factor
                return self._reduce(ctx, values, logits.dtype, divisor)
            q = np.zeros_like(x)
            np.put_along_axis(q, labels[..., None], 1.0, axis=-1)
        if smoothing:
            q = q * (1.0 - smoothing) + smoothing / num_classes
        # Weighting the target weights every term: sum_c w_c q_c (-log p_c).
        if weight is not None:
            q = q * weight
        if ignored is not None:
            q = q * ~ignored[..., None]  # ignored samples count for nothing
        ctx.q = q
        return self._reduce(ctx, (q * (log_total - shifted)).sum(axis=-1), logits.dtype,
                            divisor)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        probs, q = ctx.probs, ctx.q
        upstream = self._upstream(ctx, dout, probs.shape[:-1])
        if ctx.factor is not None:
            upstream = upstream * ctx.factor
        upstream = upstream[..., None] if upstream.ndim else upstream
        if q is not None:
            dx = (probs * q.sum(axis=-1, keepdims=True) - q) * upstream
        else:
            dx = probs.copy()
            dx.put(ctx.index, dx.take(ctx.index) - 1.0)
            dx *= upstream
        return _classes_back(dx, ctx.ndim), None

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, label_smoothing={self.label_smoothing}"


class NLLLoss(_ClassWeighted):
    """Negative log-likelihood of the true class, given log-probabilities and class labels.

    Parameters
    ----------
    weight : array_like, optional
        One rescaling weight per class, shape (C,).
    ignore_index : int, default=-100
        Samples whose label is this value contribute nothing.
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over the samples, add them up, or return one loss per sample. ``"mean"``
        divides by the sum of ``weight[y_n]`` over the samples not ignored (by their
        number without weights), as PyTorch does; if every sample is ignored it is NaN.

    Notes
    -----
    The input holds log-probabilities (a LogSoftmax output) of shape (N, C) (or (C,), or
    (N, C, d1, ...) with the classes on axis 1); the target holds integer labels in [0, C).
    ``NLLLoss(LogSoftmax(x))`` equals ``CrossEntropyLoss(x)``.

    .. math:: \\ell_n = -w_{y_n} z_{n, y_n}, \\qquad
        \\frac{\\partial \\ell_n}{\\partial z_{n, c}} = -w_{y_n} [c = y_n]

    Plain text: loss = -w[y[n]] z[n, y[n]] (w = 1 without weights, 0 for an ignored
    sample); dz is -w[y[n]] at each sample's true class and 0 elsewhere, divided by
    sum(w[y[n]]) for ``"mean"``. Keyword arguments only.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> z = np.log(np.array([[0.5, 0.5], [0.25, 0.75]]))
    >>> round(nn.NLLLoss()(z, np.array([0, 1])).item(), 4)
    0.4904
    """

    def __init__(self, *, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(weight, ignore_index, reduction)

    def forward(self, ctx: Context, log_probs: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        name = "NLLLoss"
        log_probs = self._prediction(log_probs)
        z = _class_scores(name, log_probs)
        labels, ignored = _class_labels(name, _plain_target(target, name), log_probs.shape,
                                        soft_allowed=False, ignore_index=self.ignore_index)
        weight = self._class_weight(z.shape[-1], log_probs.dtype)
        labels, factor = _label_factor(labels, ignored, weight, log_probs.dtype)
        index = _label_index(labels, z.shape[-1])
        ctx.index, ctx.shape, ctx.ndim, ctx.factor = index, z.shape, log_probs.ndim, factor
        values = -z.take(index)[..., 0]
        if factor is None:
            return self._reduce(ctx, values, log_probs.dtype)
        return self._reduce(ctx, values * factor, log_probs.dtype, factor.sum())

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        index = ctx.index
        upstream = self._upstream(ctx, dout, index.shape[:-1])
        if ctx.factor is not None:
            upstream = upstream * ctx.factor
        dz = np.zeros(ctx.shape, dtype=ctx.dtype)
        dz.put(index, -upstream)  # one per sample, in the order of the labels
        return _classes_back(dz, ctx.ndim), None
