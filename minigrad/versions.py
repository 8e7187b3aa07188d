"""Versions of memory, so that backward notices arrays changed in place after the forward.

What a node saved for its backward must still hold the values of the forward pass. Every
in-place change made through minigrad's API (an optimizer step, load_state_dict, zero_(),
item assignment, in-place operators) calls :func:`bump_version` on the array it wrote (an
optimizer step, :func:`bump_versions` on all of them at once).
Versions belong to memory, not to Tensor objects: they are kept per root array (the one that
owns the buffer), so a view, a detached tensor and the tensor itself share one version, as
in PyTorch. Writing to ``.data`` directly is not seen: that is the documented escape hatch.

Checking costs nothing in the usual loop (forward, backward, step): each node is stamped
with :data:`clock`, a count of all in-place changes so far, and backward looks at the saved
arrays of a node only when the clock has moved since that node was recorded.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["bump_version", "bump_versions", "check_saved", "clock", "version_of"]

clock = 0  # in-place changes so far, through minigrad's API
_versions: dict[int, list[int]] = {}  # id(root array) -> [version, clock of its last change]
_versions_lock = threading.Lock()


def _root(array: np.ndarray) -> np.ndarray:
    """The array that owns ``array``'s memory (itself, unless it is a view)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def bump_version(array: np.ndarray) -> None:
    """Record that ``array``'s memory was changed in place.

    A later ``backward`` through a node that saved this memory before the change raises
    instead of computing a gradient from the new values.
    """
    bump_versions((array,))


def bump_versions(arrays: Sequence[np.ndarray]) -> None:
    """:func:`bump_version` for each of ``arrays``, in order, taking the lock once.

    An optimizer step writes every parameter: taking the lock once for all of them rather
    than once for each is a visible saving in a small model's step.
    """
    global clock
    with _versions_lock:
        for array in arrays:
            # A parameter owns its memory: no call to _root for it (a tenth of the work).
            root = array if array.base is None else _root(array)
            clock += 1
            key = id(root)
            entry = _versions.get(key)
            if entry is None:
                _versions[key] = [1, clock]
                # Forget the entry with the array, before its id can be reused by another.
                weakref.finalize(root, _versions.pop, key, None)
            else:
                entry[0] += 1
                entry[1] = clock


def version_of(array: np.ndarray) -> int:
    """How many in-place changes ``array``'s memory has had through minigrad's API."""
    entry = _versions.get(id(_root(array)))
    return 0 if entry is None else entry[0]


def _saved_arrays(node: Any) -> list[tuple[str, np.ndarray]]:
    """The arrays a node's forward saved on its context, by attribute name."""
    found = []
    for name, value in node.__dict__.items():
        if isinstance(value, np.ndarray):
            found.append((name, value))
        elif isinstance(value, (tuple, list)):
            found.extend((f"{name}[{i}]", v) for i, v in enumerate(value)
                         if isinstance(v, np.ndarray))
    return found


def check_saved(node: Any) -> None:
    """Raise if an array ``node`` saved was changed in place after it was recorded."""
    for name, array in _saved_arrays(node):
        entry = _versions.get(id(_root(array)))
        if entry is not None and entry[1] > node._clock:
            fn = node._fn
            raise RuntimeError(
                f"{fn.op_name}.backward: one of the arrays it needs "
                f"({_describe_saved(node, array, name)}, shape {array.shape}, {array.dtype}) "
                "was modified by an in-place operation "
                f"after the forward pass; it is now at version {entry[0]}. An optimizer step, "
                "load_state_dict, zero_(), an item assignment or an in-place operator changed "
                "it: call backward() before changing the tensor, or run the forward pass again"
            )


def _describe_saved(node: Any, array: np.ndarray, name: str) -> str:
    """Name a saved array by the input it belongs to, for the error message."""
    from minigrad.autograd import LeafNode

    root = _root(array)
    for index, parent in enumerate(node._parents):
        if parent.__class__ is LeafNode:
            tensor = parent.tensor_ref()
            if tensor is not None and _root(tensor.data) is root:
                # A layer's inputs are x, then its own parameters in definition order.
                named = getattr(node._fn, "named_parameters", None)
                if index > 0 and callable(named):
                    return f"its parameter {[n for n, _ in named()][index - 1]}"
                return f"its input {index}, a leaf tensor"
    return f"saved as ctx.{name}"
