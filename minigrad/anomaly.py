"""``detect_anomaly()``: stop at the first op or layer that makes a NaN or an infinity."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from minigrad.autograd import Function, Node
from minigrad.grad_mode import _mode

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(FloatingPointError):
    """An op or layer produced NaN or inf while ``detect_anomaly()`` was on."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op or layer whose output or input gradient holds NaN or inf.

    The error names the op or layer and the line of user code that called it in forward.
    Checking every array costs time, so use it while hunting a NaN, not always. The mode
    is per thread.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.Tensor([0.0, 1.0], requires_grad=True)
    >>> with mg.detect_anomaly():
    ...     y = x.log()          # log(0) = -inf
    Traceback (most recent call last):
    ...
    minigrad.anomaly.AnomalyError: Log produced -inf in forward, called at ...
    """
    previous = _mode.anomaly
    _mode.anomaly = True
    try:
        with np.errstate(all="ignore"):  # the check below reports it, with a better message
            yield
    finally:
        _mode.anomaly = previous


def user_frame() -> str:
    """'file:line in function' of the innermost caller outside minigrad."""
    frame = sys._getframe(1)
    # Compared with a trailing separator: a user directory such as ".../minigrad_demo"
    # shares the package directory's prefix but is not inside it.
    inside = _PACKAGE_DIR + os.sep
    while frame is not None and (
        os.path.dirname(os.path.abspath(frame.f_code.co_filename)) + os.sep
    ).startswith(inside):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "an unknown place"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


def _describe(array: np.ndarray) -> str:
    kinds = []
    if np.isnan(array).any():
        kinds.append("NaN")
    if np.isposinf(array).any():
        kinds.append("inf")
    if np.isneginf(array).any():
        kinds.append("-inf")
    return "/".join(kinds)


def check_forward(fn: Function, node: Node | None, out: Any) -> None:
    """Called by ``apply`` in anomaly mode after every forward."""
    origin = user_frame()
    if node is not None:
        node._origin = origin
    array = np.asarray(out)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise AnomalyError(
            f"{fn.op_name} produced {_describe(array)} in forward, called at {origin}"
        )


def check_backward(node: Node, grads: tuple[Any, ...]) -> None:
    """Called by the engine in anomaly mode after every backward."""
    for index, grad in enumerate(grads):
        if grad is None:
            continue
        array = np.asarray(grad)
        if not np.isfinite(array).all():
            name = node._fn.op_name if node._fn is not None else "an op"
            raise AnomalyError(
                f"{name}.backward produced {_describe(array)} in the gradient of input "
                f"{index}; the forward call was at {node._origin or 'an unknown place'}"
            )
