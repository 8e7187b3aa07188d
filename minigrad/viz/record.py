"""``record()``: keep every recorded node's output value, for drawing and tracing.

The engine frees intermediate arrays as soon as nothing needs them (DESIGN §2), so a graph
normally knows shapes but not values. Inside ``record()`` each node made by ``apply`` also
keeps its output array as ``node._value`` (freed together with the node), which
:func:`minigrad.viz.draw_graph` and :func:`minigrad.viz.trace_backward` then show.
"""

from __future__ import annotations

import contextlib
import threading

from minigrad.grad_mode import _mode

__all__ = ["record"]


class record(contextlib.ContextDecorator):
    """Keep the output value of every node recorded in this block (this thread only).

    A context manager and a decorator. On exit the previous setting comes back, so blocks
    nest. Values cost memory: use it for a small model and one batch, not for training.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.Tensor([1.0, -2.0], requires_grad=True)
    >>> with mg.viz.record():
    ...     y = (x * 3).relu()
    >>> y._node._value
    array([3., 0.])
    >>> "_value" in (x * 3)._node.__dict__
    False
    """

    def __init__(self) -> None:
        # One object may be entered by several threads (a decorated function run in two
        # threads): each thread keeps its own stack of settings to restore.
        self._previous = threading.local()

    def __enter__(self) -> record:
        stack = self._previous.__dict__.setdefault("stack", [])
        stack.append(_mode.record)
        _mode.record = True
        return self

    def __exit__(self, *exc: object) -> None:
        _mode.record = self._previous.stack.pop()
