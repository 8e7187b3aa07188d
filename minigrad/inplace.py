"""In-place changes of a Tensor: ``t += 1``, ``t[0] = 5``, ``t.zero_()``.

The functions here are Tensor's methods (``Tensor.__iadd__ = inplace.iadd``, ...).

PyTorch's rules: a leaf that requires grad may be changed in place only under
no_grad() (an optimizer's job); an array a recorded node saved for backward may be
changed, but then that backward raises instead of using the new values (see
:mod:`minigrad.versions`). A tensor inside a recorded graph is changed by recording the change
as an op and making this Tensor object its output: its old values stay with the
nodes that saved them, so every gradient stays right.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

# A cycle by design: tensor.py builds Tensor on this mixin, and the methods here need
# Tensor's operand rules at call time (the module object is complete by then).
from minigrad import ops, tensor
from minigrad.autograd import Context, apply
from minigrad.grad_mode import _mode
from minigrad.ops.shape import plain_index
from minigrad.versions import bump_version

if TYPE_CHECKING:
    from minigrad.tensor import Tensor


def _writable(self: Tensor, what: str, value: Any = None) -> bool:
    """True to write into ``data``; False to record the change as an op instead."""
    recording = _mode.enabled and (
        self._requires_grad or (isinstance(value, tensor.Tensor) and value._requires_grad))
    if recording and self._requires_grad and self.is_leaf:
        raise RuntimeError(
            f"{what}: a leaf tensor that requires grad cannot be changed in place while "
            "gradients are recorded; do it under `with mg.no_grad():` (as optimizers do)"
        )
    return not recording


def _become(self: Tensor, result: Tensor) -> Tensor:
    """Make this Tensor object the output of ``result``'s recorded op."""
    self.data, self._node = result.data, result._node
    self._requires_grad = result._requires_grad
    return self


def _inplace(self: Tensor, op: Any, other: Any, what: str) -> Tensor:
    if not _writable(self, what, other):
        x, y = tensor._operands(self, other, what)
        return _become(self, apply(op, x, y))
    value = tensor._value(other)
    try:
        # np.broadcast_shapes first: a result of another shape cannot go back into self.
        if np.broadcast_shapes(self.data.shape, np.shape(value)) != self.data.shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"{what}: a value of shape {np.shape(value)} cannot be applied in "
                         f"place to a tensor of shape {self.data.shape}") from None
    result = op.forward(Context(), self.data, value)
    self.data[...] = result
    bump_version(self.data)
    return self


def iadd(self: Tensor, other: Any) -> Tensor:
    return _inplace(self, ops.ADD, other, "+=")


def isub(self: Tensor, other: Any) -> Tensor:
    return _inplace(self, ops.SUB, other, "-=")


def imul(self: Tensor, other: Any) -> Tensor:
    return _inplace(self, ops.MUL, other, "*=")


def itruediv(self: Tensor, other: Any) -> Tensor:
    return _inplace(self, ops.DIV, other, "/=")


def setitem(self: Tensor, index: Any, value: Any) -> None:
    if not _writable(self, "item assignment", value):
        value = tensor._operands(self, value, "setitem")[1]
        _become(self, apply(ops.SetItem(index), self, value))
        return
    index = plain_index(index, "setitem")
    try:
        self.data[index] = tensor._value(value)
    except (ValueError, IndexError) as error:
        raise type(error)(f"setitem: {error} (tensor of shape {self.data.shape})") from None
    bump_version(self.data)


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0 in place and return ``self`` (PyTorch's ``zero_``)."""
    if _writable(self, "zero_()"):
        self.data[...] = 0
        bump_version(self.data)
        return self
    return _become(self, self * 0.0)
