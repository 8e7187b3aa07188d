"""Finite-difference gradient checking, public so learners can check their own layers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad.grad_mode import no_grad
from minigrad.tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic gradient disagrees with central finite differences."""


def gradcheck(
    fn: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Check ``fn``'s backward against central differences, in float64.

    The check is in vector-Jacobian form: a random upstream gradient ``u`` (shaped like
    the output) is backpropagated, and each input element's analytic gradient is compared
    with ``(sum(u * f(x + eps)) - sum(u * f(x - eps))) / (2 eps)``. Summing the output
    instead would miss bugs whose effect sums to zero (a softmax's, for one).

    Parameters
    ----------
    fn : callable
        A function of Tensors returning a Tensor, or a layer/module; a module's parameters
        are checked as well as the inputs (in float64), and its parameters (data, dtype,
        grad) and buffers are as before when gradcheck returns or raises. The module
        must be deterministic: put Dropout in eval mode.
    *inputs : Tensor or array_like
        The arguments of ``fn``. Tensors with ``requires_grad=True`` are checked; the rest
        are passed as constants.
    eps, atol, rtol : float
        Step of the central difference and the tolerance
        ``|analytic - numeric| <= atol + rtol * |numeric|``.
    seed : int, default=0
        Seed of the random upstream gradient.

    Returns
    -------
    bool
        True when every element agrees.

    Raises
    ------
    GradcheckError
        Naming the input, the worst element, and the analytic and numeric values.
    ValueError
        When no input (and no parameter of the module) requires grad.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.Tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    >>> mg.gradcheck(lambda t: (t * t).exp(), x)
    True
    """
    _check_number("atol", atol, positive=False)
    _check_number("rtol", rtol, positive=False)
    for name, analytic, numeric in compare_gradients(fn, *inputs, eps=eps, seed=seed):
        excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if not np.all(excess <= 0):  # also catches NaN
            worst = np.unravel_index(np.nanargmax(np.where(np.isnan(excess), np.inf, excess)),
                                     excess.shape)
            raise GradcheckError(
                f"gradcheck failed for {name} (shape {analytic.shape}) at index "
                f"{tuple(int(i) for i in worst)}: analytic {analytic[worst]:.8g}, "
                f"numeric {numeric[worst]:.8g} (tolerance atol={atol} + rtol={rtol} * |numeric|)"
            )
    return True


def compare_gradients(
    fn: Callable[..., Tensor], *inputs: Any, eps: float = 1e-6, seed: int = 0,
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(name, analytic, numeric)`` for every checked input and parameter, as in gradcheck.

    The arrays are float64 vector-Jacobian products with the same random upstream gradient;
    :func:`gradcheck` compares them with a tolerance, this returns them for inspection
    (the ``minigrad gradcheck`` command prints the worst difference of each).
    """
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be a function or module, got {type(fn).__name__}")
    _check_number("eps", eps, positive=True)
    args = [
        Tensor(x.data.astype(np.float64), requires_grad=x.requires_grad)
        if isinstance(x, Tensor) else x
        for x in inputs
    ]
    checked: list[tuple[str, Tensor]] = [
        (f"input {i}", x) for i, x in enumerate(args) if isinstance(x, Tensor) and x.requires_grad
    ]
    params = _module_parameters(fn)
    saved = [(p, p.data, p.grad) for _, p in params]
    # Buffers change during the many forward calls (BatchNorm's running statistics, in
    # place); their values are put back so the check leaves the module as it found it.
    named_buffers = getattr(fn, "named_buffers", None)
    buffers = [(b, b.data, b.data.copy()) for _, b in named_buffers()] if named_buffers else []
    try:
        for _, p in params:
            p.data, p.grad = p.data.astype(np.float64), None
        checked += params
        if not checked:
            raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
        return _differences(fn, args, checked, eps, seed)
    finally:
        for p, data, grad in saved:
            p.data, p.grad = data, grad
        for b, data, values in buffers:
            data[...] = values
            b.data = data


def _check_number(what: str, value: Any, positive: bool) -> None:
    """A tolerance or step: a finite real number, > 0 or >= 0 (a step of 0 divides by 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"gradcheck: {what} must be a number, got {type(value).__name__}")
    low_ok = value > 0 if positive else value >= 0
    if not (low_ok and np.isfinite(value)):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"gradcheck: {what} must be a finite number {bound}, got {value!r}")


def _module_parameters(fn: Any) -> list[tuple[str, Tensor]]:
    named = getattr(fn, "named_parameters", None)
    if named is None:
        return []
    return [(f"parameter {name!r}", p) for name, p in named()]


def _differences(
    fn: Callable[..., Tensor], args: list[Any], checked: list[tuple[str, Tensor]],
    eps: float, seed: int,
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    out = fn(*args)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    if not out.requires_grad:
        raise GradcheckError("gradcheck: the output does not depend on any checked input")
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(upstream)

    def projected() -> float:
        with no_grad():
            return float(np.sum(upstream * fn(*args).data))

    results = []
    for name, tensor in checked:
        analytic = tensor.grad if tensor.grad is not None else np.zeros_like(tensor.data)
        numeric = np.empty_like(tensor.data)
        flat, numeric_flat = tensor.data.reshape(-1), numeric.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = projected()
            flat[i] = original - eps
            minus = projected()
            flat[i] = original
            numeric_flat[i] = (plus - minus) / (2 * eps)
        results.append((name, analytic, numeric))
    return results
