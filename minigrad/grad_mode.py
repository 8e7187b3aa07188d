"""Grad mode, per thread: whether operations are recorded, and whether anomalies are checked.

``no_grad()`` (inference, optimizer updates by hand), ``enable_grad()`` and
``set_grad_enabled(flag)`` are context managers and decorators. Each thread has its own mode:
a thread inside ``no_grad()`` leaves another thread's training alone.
"""

from __future__ import annotations

import contextlib
import threading


class _GradMode(threading.local):
    # Class attributes are the per-thread defaults: a new thread starts with grad enabled
    # and anomaly detection off, whatever another thread has set.
    enabled: bool = True
    anomaly: bool = False
    record: bool = False  # mg.viz.record(): nodes keep their output values
    # anomaly or record: the one flag the per-op hot path reads (each read of a per-thread
    # attribute costs about 50 ns, and ops run by the million).
    watch: bool = False


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether operations in this thread are recorded for backward."""
    return _mode.enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Enable or disable recording in this thread; a context manager and a decorator.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.Tensor([1.0], requires_grad=True)
    >>> with mg.set_grad_enabled(False):
    ...     (x * 2).requires_grad
    False
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        # One object may be entered by several threads at once (a decorated function run
        # in two threads): each thread keeps its own stack of modes to restore.
        self._previous = threading.local()

    def __enter__(self) -> None:
        stack = self._previous.__dict__.setdefault("stack", [])
        stack.append(_mode.enabled)
        _mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._previous.stack.pop()


class no_grad(set_grad_enabled):
    """Record nothing inside this block or decorated function (per thread).

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.Tensor([2.0], requires_grad=True)
    >>> with mg.no_grad():
    ...     y = w * 3
    >>> y.requires_grad
    False
    """

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record operations again inside a ``no_grad`` region."""

    def __init__(self) -> None:
        super().__init__(True)
