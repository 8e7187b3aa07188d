"""Grad mode, per thread: whether operations are recorded, and whether anomalies are checked.

``no_grad()`` (inference, optimizer updates by hand), ``enable_grad()`` and
``set_grad_enabled(flag)`` are context managers and decorators. Each thread has its own mode:
a thread inside ``no_grad()`` leaves another thread's training alone.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any


class _GradMode(threading.local):
    # Class attributes are the per-thread defaults: a new thread starts with grad enabled
    # and anomaly detection off, whatever another thread has set.
    enabled: bool = True
    anomaly: bool = False
    record: bool = False  # mg.viz.record(): nodes keep their output values
    # Kept up to date by __setattr__ from the three above:
    watch: bool = False  # anomaly or record: the one per-thread flag apply reads
    departed: bool = False  # this thread's mode is not the default one

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in ("enabled", "anomaly", "record"):
            super().__setattr__("watch", self.anomaly or self.record)
            departed = not self.enabled or self.watch
            if departed != self.departed:
                super().__setattr__("departed", departed)
                _count_departure(1 if departed else -1)


_mode = _GradMode()

# A read of a per-thread attribute costs about 60 ns, and apply made two per op: while every
# thread is in the default mode (grad on, nothing watched), apply reads this module global
# instead. A thread counts itself here before any op of its own runs in another mode, so a
# thread that reads True is in the default mode. A thread that ended without leaving its
# mode only keeps everyone on the per-thread reads: slower, never wrong.
all_default = True
_departed_threads = 0
_departures_lock = threading.Lock()


def _count_departure(change: int) -> None:
    global all_default, _departed_threads
    with _departures_lock:
        _departed_threads += change
        all_default = _departed_threads == 0


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
