"""Loss functions, each a Layer whose forward and hand-written backward work on NumPy arrays.

A loss is called as ``loss(prediction, target)``. The prediction is a Tensor (the gradient
flows back into it) or anything array-like (then the result records no graph). The target
is an ndarray, a list or a Tensor and **never receives a gradient**: a Tensor target is used
through its ``.data``, as if detached (PyTorch would also differentiate MSE-like losses with
respect to the target; here the target is data).

Driven by hand, the same methods run without the engine::

    ctx = nn.Context()
    value = loss.forward(ctx, prediction_array, target_array)
    dprediction, _ = loss.backward(ctx, 1.0)

The names, defaults and values follow ``torch.nn``. Targets are checked before anything is
computed: shapes must match exactly (no silent broadcasting of ``(N, 1)`` against ``(N,)``),
class labels must be integers in ``[0, C)``, and an empty batch is an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context, apply
from minigrad.nn.module import Layer
from minigrad.ops import sigmoid
from minigrad.tensor import Tensor, as_float_array

_REDUCTIONS = ("mean", "sum", "none")

# PyTorch clamps each log of BCELoss at -100 so probabilities of exactly 0 or 1 stay finite,
# and divides its gradient by max(p (1 - p), eps) with eps the float32 nearest 1e-12 (also
# in float64), which is the value used here so the two agree to the last bit.
_LOG_FLOOR = -100.0
_BCE_GRAD_EPS = float(np.float32(1e-12))


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

    def _reduce(self, ctx: Context, values: np.ndarray, dtype: np.dtype) -> np.ndarray:
        ctx.count, ctx.dtype = values.size, dtype
        if self.reduction == "none":
            return values
        return np.asarray(values.sum() if self.reduction == "sum" else values.mean())

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
        return dout * (1.0 / ctx.count) if self.reduction == "mean" else dout

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


class MSELoss(_ElementwiseLoss):
    """Mean squared error between a prediction and a target of the same shape.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over every element, add them up, or return the per-element losses.

    Notes
    -----
    With d = prediction - target, the per-element loss and its derivative are

    .. math:: \\ell = d^2, \\qquad \\frac{\\partial \\ell}{\\partial p} = 2 d

    Plain text: loss = (p - y)**2; dp = 2 (p - y), divided by the number of elements for
    ``"mean"``.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import nn
    >>> pred = mg.Tensor([[1.0], [2.0]], requires_grad=True)
    >>> loss = nn.MSELoss()(pred, np.array([[0.0], [4.0]]))
    >>> loss.item()
    2.5
    >>> loss.backward()
    >>> pred.grad
    array([[ 1.], [-2.]])
    """

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        pred, target = self._pair(pred, target)
        diff = pred - target
        ctx.diff = diff
        return self._reduce(ctx, diff * diff, pred.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        diff = ctx.diff
        return 2.0 * diff * self._upstream(ctx, dout, diff.shape), None


class L1Loss(_ElementwiseLoss):
    """Mean absolute error between a prediction and a target of the same shape.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over every element, add them up, or return the per-element losses.

    Notes
    -----
    .. math:: \\ell = |p - y|, \\qquad \\frac{\\partial \\ell}{\\partial p} = \\mathrm{sign}(p - y)

    Plain text: loss = |p - y|; dp = sign(p - y), which is 0 where p == y (as PyTorch).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.L1Loss()(mg.Tensor([1.0, -1.0]), [0.0, 1.0]).item()
    1.5
    """

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        pred, target = self._pair(pred, target)
        diff = pred - target
        ctx.diff = diff
        return self._reduce(ctx, np.abs(diff), pred.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        diff = ctx.diff
        return np.sign(diff) * self._upstream(ctx, dout, diff.shape), None


class HuberLoss(_ElementwiseLoss):
    """Squared error for small differences, absolute error (times delta) for large ones.

    Parameters
    ----------
    delta : float, default=1.0
        Where the loss changes from quadratic to linear; must be positive.
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over every element, add them up, or return the per-element losses.

    Notes
    -----
    With d = p - y:

    .. math::
        \\ell = \\begin{cases} \\tfrac12 d^2 & |d| < \\delta \\\\
        \\delta (|d| - \\tfrac12 \\delta) & \\text{otherwise} \\end{cases},
        \\qquad \\frac{\\partial \\ell}{\\partial p} = \\mathrm{clip}(d, -\\delta, \\delta)

    Plain text: loss = 0.5 d**2 if |d| < delta else delta (|d| - delta / 2);
    dp = clip(d, -delta, delta). The derivative is continuous, so ``|d| == delta`` needs no
    convention.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.HuberLoss(delta=1.0, reduction="none")(mg.Tensor([0.5, 3.0]), [0.0, 0.0]).tolist()
    [0.125, 2.5]
    """

    def __init__(self, delta: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if isinstance(delta, bool) or not isinstance(delta, (int, float, np.integer,
                                                             np.floating)):
            raise TypeError(f"HuberLoss: delta must be a number, got {type(delta).__name__}")
        if not delta > 0 or not np.isfinite(delta):
            raise ValueError(f"HuberLoss: delta must be a positive number, got {delta!r}")
        self.delta = float(delta)

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        pred, target = self._pair(pred, target)
        delta = self.delta
        diff = pred - target
        size = np.abs(diff)
        ctx.diff = diff
        values = np.where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
        return self._reduce(ctx, values, pred.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        diff = ctx.diff
        return (np.clip(diff, -self.delta, self.delta)
                * self._upstream(ctx, dout, diff.shape)), None

    def extra_repr(self) -> str:
        return f"delta={self.delta}, reduction={self.reduction!r}"


class BCELoss(_ElementwiseLoss):
    """Binary cross-entropy between predicted probabilities and targets in [0, 1].

    Parameters
    ----------
    weight : array_like, optional
        A rescaling weight broadcast against the prediction (for instance one per element
        or per column).
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over every element, add them up, or return the per-element losses.

    Notes
    -----
    The prediction p must already be a probability (the output of a Sigmoid); for raw
    scores use :class:`BCEWithLogitsLoss`, which is also more accurate. As in PyTorch,
    each log is clamped at -100, so p of exactly 0 or 1 gives a finite loss (at most 100):

    .. math::
        \\ell = -w\\,[\\,y \\max(\\log p, -100) + (1 - y) \\max(\\log(1 - p), -100)\\,],
        \\qquad \\frac{\\partial \\ell}{\\partial p} = w\\,\\frac{p - y}{\\max(p (1 - p),
        \\epsilon)}

    Plain text: loss = -w (y log p + (1 - y) log(1 - p)); dp = w (p - y) / (p (1 - p)).
    The gradient is PyTorch's: away from p = 0 and 1 it is the exact derivative; there its
    denominator is floored at epsilon = float32(1e-12), so it stays finite (about 1e12 when
    wrong, 0 when right). Predictions or targets outside [0, 1] (NaN included) raise
    ValueError, as in PyTorch.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> p = mg.Tensor([0.5, 1.0], requires_grad=True)
    >>> loss = nn.BCELoss(reduction="sum")(p, [1.0, 0.0])
    >>> round(loss.item(), 4)
    100.6931
    """

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = None if weight is None else as_float_array(weight, where="BCELoss weight")

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        pred, target = self._pair(pred, target)
        for what, array, hint in (
            ("predictions", pred,
             "; apply a Sigmoid first, or use BCEWithLogitsLoss on raw scores"),
            ("targets", target, ""),
        ):
            bad = _bad_values(array, 0.0, 1.0)
            if bad is not None:
                raise ValueError(f"BCELoss: {what} must lie in [0, 1]; found {bad[0]} value(s) "
                                 f"outside (e.g. {bad[1]}){hint}")
        weight = self._weight(self.weight, pred, "weight")
        with np.errstate(divide="ignore"):  # log(0) = -inf is clamped to -100 just below
            log_p = np.maximum(np.log(pred), _LOG_FLOOR)
            log_not_p = np.maximum(np.log1p(-pred), _LOG_FLOOR)
        values = (target - 1.0) * log_not_p - target * log_p
        if weight is not None:
            values = values * weight
        ctx.pred, ctx.target, ctx.weight = pred, target, weight
        return self._reduce(ctx, values, pred.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        pred = ctx.pred
        dpred = (pred - ctx.target) / np.maximum(pred * (1.0 - pred), _BCE_GRAD_EPS)
        if ctx.weight is not None:
            dpred = dpred * ctx.weight
        return dpred * self._upstream(ctx, dout, pred.shape), None


class BCEWithLogitsLoss(_ElementwiseLoss):
    """Binary cross-entropy on raw scores (logits): a Sigmoid and BCELoss in one stable step.

    Parameters
    ----------
    weight : array_like, optional
        A rescaling weight broadcast against the prediction.
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over every element, add them up, or return the per-element losses.
    pos_weight : array_like, optional
        Weight of the positive term, broadcast against the prediction (usually one per
        class, shape ``(C,)``): above 1 it raises recall, below 1 precision.

    Notes
    -----
    With logit x, target y, sigma the logistic function and
    :math:`l_w = 1 + (\\text{pos\\_weight} - 1)\\,y` (1 without pos_weight):

    .. math::
        \\ell = w\\,[\\,(1 - y)\\,x + l_w \\log(1 + e^{-x})\\,],\\qquad
        \\frac{\\partial \\ell}{\\partial x} = w\\,[\\,l_w\\,\\sigma(x) - \\text{pos\\_weight}
        \\cdot y\\,]

    Without pos_weight this is :math:`\\max(x, 0) - x y + \\log(1 + e^{-|x|})` with derivative
    :math:`\\sigma(x) - y`. Plain text: loss = max(x, 0) - x y + log1p(exp(-|x|));
    dx = sigmoid(x) - y. The softplus is evaluated as ``max(-x, 0) + log1p(exp(-|x|))``, so
    no exponential of a large positive number is ever taken: logits of +-1e4 give exact
    limits (0 when right, |x| when wrong) without overflow.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> x = mg.Tensor([0.0, 1e4, -1e4], requires_grad=True)
    >>> loss = nn.BCEWithLogitsLoss(reduction="none")(x, [1.0, 1.0, 1.0])
    >>> [round(v, 4) for v in loss.tolist()]
    [0.6931, 0.0, 10000.0]
    """

    def __init__(self, weight: Any = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight = (None if weight is None
                       else as_float_array(weight, where="BCEWithLogitsLoss weight"))
        self.pos_weight = (None if pos_weight is None
                           else as_float_array(pos_weight, where="BCEWithLogitsLoss pos_weight"))

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        x, target = self._pair(pred, target)
        weight = self._weight(self.weight, x, "weight")
        pos_weight = self._weight(self.pos_weight, x, "pos_weight")
        softplus_neg = np.maximum(-x, 0.0) + np.log1p(np.exp(-np.abs(x)))  # log(1 + e^-x)
        if pos_weight is None:
            values = (1.0 - target) * x + softplus_neg
        else:
            values = (1.0 - target) * x + (1.0 + (pos_weight - 1.0) * target) * softplus_neg
        if weight is not None:
            values = values * weight
        ctx.x, ctx.target, ctx.weight, ctx.pos_weight = x, target, weight, pos_weight
        return self._reduce(ctx, values, x.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        x, target, pos_weight = ctx.x, ctx.target, ctx.pos_weight
        if pos_weight is None:
            dx = sigmoid(x) - target
        else:
            dx = (1.0 + (pos_weight - 1.0) * target) * sigmoid(x) - pos_weight * target
        if ctx.weight is not None:
            dx = dx * ctx.weight
        return dx * self._upstream(ctx, dout, x.shape), None


# --------------------------------------------------------------------------- class scores


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
    (N, d1, ...)), or class probabilities (one-hot or soft) shaped like the logits (an
    integer one-hot array counts as probabilities); float labels of shape (N,) are refused
    rather than guessed at. With log-softmax
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
