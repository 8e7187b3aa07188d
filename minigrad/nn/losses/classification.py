"""Losses on class scores against class labels: CrossEntropyLoss and NLLLoss.

The scores have the classes on axis 1 (or on the only axis of a single sample).
``_class_scores`` moves that axis last, where the arithmetic wants it, and ``_classes_back``
puts a gradient's back; ``_class_labels`` checks integer labels against the scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.losses.base import _Loss, _plain_target

__all__ = ["CrossEntropyLoss", "NLLLoss"]


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
                  soft_allowed: bool) -> np.ndarray:
    """Integer labels of the scores' shape without the class axis, each in [0, C)."""
    ndim = len(scores_shape)
    num_classes = scores_shape[1] if ndim > 1 else scores_shape[0]
    shape = scores_shape[:1] + scores_shape[2:] if ndim > 1 else ()
    other = (f" or class probabilities of shape {scores_shape}" if soft_allowed
             else "; for probability targets use CrossEntropyLoss on logits")
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: class labels must be integers, got a {target.dtype} target of shape "
            f"{target.shape}; pass integer labels of shape {shape} (y.astype(int); a Tensor "
            f"always holds floats, so pass labels as a NumPy array){other}")
    if target.shape != shape:
        fix = f" (reshape them to {shape})" if target.size == int(np.prod(shape)) else ""
        # Its own clause: "got (3,) or class probabilities of ..." would misread as what came.
        alternative = (f"; class probabilities would need shape {scores_shape}" if soft_allowed
                       else other)
        raise ValueError(f"{name}: input of shape {scores_shape} needs class labels of shape "
                         f"{shape}, got {target.shape}{fix}{alternative}")
    low, high = int(target.min()), int(target.max())
    if low < 0 or high >= num_classes:
        raise ValueError(f"{name}: class labels must lie in [0, {num_classes}) for "
                         f"{num_classes} classes, got labels from {low} to {high}")
    # (N, d1, ...) already lines up with the scores once their class axis is last.
    return target.astype(np.intp, copy=False)


def _not_probabilities(name: str, target: np.ndarray, scores_shape: tuple[int, ...]) -> str:
    """Why an integer (or bool) target shaped like the scores is refused, and what to pass."""
    axis = 1 if len(scores_shape) > 1 else 0
    labels_shape = scores_shape[:axis] + scores_shape[axis + 1:]
    return (f"{name}: the target has the logits' shape {scores_shape} but dtype "
            f"{target.dtype}; class labels are integers without the class axis (shape "
            f"{labels_shape}) and class probabilities are floats, so it is neither. Pass labels "
            f"of shape {labels_shape} (y.argmax(axis={axis}) of a one-hot array), or the "
            f"probabilities / one-hot rows as floats (y.astype(float))")


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits, against class labels or class probabilities.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over the samples, add them up, or return one loss per sample.
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
    to 1 (a class label y is the one-hot q), divided by N for ``"mean"``. The softmax and
    the log are fused, so logits of +-1e4 give exact limits with no overflow. The ``weight``
    and ``ignore_index`` options of PyTorch are not provided, and ``CrossEntropyLoss`` takes
    keyword arguments only so that ``CrossEntropyLoss(weights)`` cannot be misread.

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

    def __init__(self, *, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
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
        ctx.probs, ctx.ndim = exps / total, logits.ndim
        smoothing = self.label_smoothing
        if target.shape == logits.shape or (target.ndim == logits.ndim
                                            and target.dtype.kind == "f"):
            if target.shape != logits.shape:
                raise ValueError(f"{name}: a probability target must have the logits' shape "
                                 f"{logits.shape}, got {target.shape}; for class labels pass "
                                 f"an integer array of shape {logits.shape[:1] + logits.shape[2:]}")
            if target.dtype.kind != "f":
                raise ValueError(_not_probabilities(name, target, logits.shape))
            q = _classes_last(target.astype(logits.dtype, copy=False))
        else:
            labels = _class_labels(name, target, logits.shape, soft_allowed=True)
            if not smoothing:
                ctx.q, ctx.labels = None, labels
                if shifted.ndim == 2:  # (N, C): plain indexing is ~4x cheaper than take_along
                    picked = shifted[np.arange(len(labels)), labels]
                    return self._reduce(ctx, log_total[:, 0] - picked, logits.dtype)
                picked = np.take_along_axis(shifted, labels[..., None], axis=-1)
                return self._reduce(ctx, (log_total - picked)[..., 0], logits.dtype)
            q = np.zeros_like(x)
            np.put_along_axis(q, labels[..., None], 1.0, axis=-1)
        if smoothing:
            q = q * (1.0 - smoothing) + smoothing / num_classes
        ctx.q = q
        return self._reduce(ctx, (q * (log_total - shifted)).sum(axis=-1), logits.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        probs, q = ctx.probs, ctx.q
        upstream = self._upstream(ctx, dout, probs.shape[:-1])
        upstream = upstream[..., None] if upstream.ndim else upstream
        if q is not None:
            dx = (probs * q.sum(axis=-1, keepdims=True) - q) * upstream
        else:
            dx = probs.copy()
            if dx.ndim == 2:
                dx[np.arange(len(ctx.labels)), ctx.labels] -= 1.0
            else:
                index = ctx.labels[..., None]
                np.put_along_axis(dx, index, np.take_along_axis(dx, index, axis=-1) - 1.0,
                                  axis=-1)
            dx *= upstream
        return _classes_back(dx, ctx.ndim), None

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, label_smoothing={self.label_smoothing}"


class NLLLoss(_Loss):
    """Negative log-likelihood of the true class, given log-probabilities and class labels.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over the samples, add them up, or return one loss per sample.

    Notes
    -----
    The input holds log-probabilities (a LogSoftmax output) of shape (N, C) (or (C,), or
    (N, C, d1, ...) with the classes on axis 1); the target holds integer labels in [0, C).
    ``NLLLoss(LogSoftmax(x))`` equals ``CrossEntropyLoss(x)``.

    .. math:: \\ell_n = -z_{n, y_n}, \\qquad
        \\frac{\\partial \\ell_n}{\\partial z_{n, c}} = -[c = y_n]

    Plain text: loss = -z[n, y[n]]; dz is -1 at each sample's true class and 0 elsewhere,
    divided by N for ``"mean"``. PyTorch's ``weight`` and ``ignore_index`` are not provided;
    keyword arguments only.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> z = np.log(np.array([[0.5, 0.5], [0.25, 0.75]]))
    >>> round(nn.NLLLoss()(z, np.array([0, 1])).item(), 4)
    0.4904
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, ctx: Context, log_probs: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        name = "NLLLoss"
        log_probs = self._prediction(log_probs)
        z = _class_scores(name, log_probs)
        labels = _class_labels(name, _plain_target(target, name), log_probs.shape,
                               soft_allowed=False)
        ctx.labels, ctx.shape, ctx.ndim = labels, z.shape, log_probs.ndim
        picked = np.take_along_axis(z, labels[..., None], axis=-1)[..., 0]
        return self._reduce(ctx, -picked, log_probs.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        labels = ctx.labels
        upstream = self._upstream(ctx, dout, labels.shape)
        dz = np.zeros(ctx.shape, dtype=ctx.dtype)
        np.put_along_axis(dz, labels[..., None], -(upstream[..., None] if upstream.ndim
                                                    else upstream), axis=-1)
        return _classes_back(dz, ctx.ndim), None
