"""``Tensor``: an ndarray that remembers how it was made, so gradients can flow back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from minigrad import hooks, inplace, ops, vocabulary
from minigrad.autograd import (
    LeafNode,
    Node,
    apply,
    run_backward,
)
from minigrad.dtypes import as_float_array
from minigrad.versions import version_of


def _operands(x: Tensor, other: Any, op: str) -> tuple[Any, Any]:
    """``x`` and ``other`` ready for a binary op, with PyTorch's type promotion.

    A float tensor's dtype wins over Python numbers, NumPy scalars, 0-d arrays, lists and
    integer or bool arrays (``float32 * np.array([True, False])`` stays float32), and a
    tensor with dimensions wins over a 0-d tensor of another float dtype. Between float
    arrays or tensors that both have dimensions, NumPy's promotion applies (float32 with
    float64 gives float64), as in PyTorch.
    """
    if isinstance(other, Tensor):
        if other.data.dtype == x.data.dtype or (x.data.ndim == 0) == (other.data.ndim == 0):
            return x, other
        if other.data.ndim == 0:
            return x, apply(ops.AsType(x.data.dtype), other)
        return apply(ops.AsType(other.data.dtype), x), other
    if isinstance(other, np.generic):
        # Checked before Python numbers, since np.float64 is a subclass of float. A NumPy
        # scalar would promote float32 to float64 (NEP 50); take the Python number it holds.
        if other.dtype.kind in "iufb":
            return x, other.item()
    elif isinstance(other, (bool, int, float)):
        return x, other
    if isinstance(other, np.ndarray):
        kind = other.dtype.kind
        if kind in "iub":
            return x, other.astype(x.data.dtype)
        if kind == "f" and other.ndim == 0 and x.data.ndim > 0:
            return x, other.item()
        return x, as_float_array(other, where=op)
    # Lists and other sequences of numbers have no dtype of their own: they take x's.
    array = as_float_array(other, where=op)
    return x, array.astype(x.data.dtype, copy=False)


def _binary(op: Any, name: str) -> tuple[Any, Any]:
    """The operator ``x op y`` and its reflected form ``y op x`` for one binary op.

    Python numbers, the most frequent constants, go straight to the op (they never change
    the tensor's dtype); anything else goes through :func:`_operands` first.
    """

    def forward(self: Tensor, other: Any) -> Tensor:
        cls = other.__class__
        if cls is float or cls is int:
            return apply(op, self, other)
        x, y = _operands(self, other, name)
        return apply(op, x, y)

    def reflected(self: Tensor, other: Any) -> Tensor:
        cls = other.__class__
        if cls is float or cls is int:
            return apply(op, other, self)
        x, y = _operands(self, other, name)
        return apply(op, y, x)

    return forward, reflected


class Tensor:
    """An n-dimensional array with an optional gradient.

    Parameters
    ----------
    data : array_like
        Numbers. Float data keeps its dtype; int and bool data become the default float
        dtype (see :func:`set_default_dtype`). The data is copied.
    requires_grad : bool, default=False
        Whether operations on this tensor are recorded so that ``backward()`` can fill
        ``.grad``.
    dtype : dtype, optional
        A float dtype to convert to.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.Tensor([[1.0, -2.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([[ 2., -4.]])
    """

    __slots__ = ("data", "_grad", "_node", "_requires_grad", "__weakref__")

    data: np.ndarray
    _grad: np.ndarray | None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = np.array(as_float_array(data, dtype), copy=True)
        self._grad = None
        self._node: Node | LeafNode | None = None
        self._requires_grad = bool(requires_grad)

    @classmethod
    def _wrap(cls, data: Any, node: Node | None) -> Tensor:
        """Wrap an op's output without copying or validating (the hot path)."""
        tensor = object.__new__(cls)
        tensor.data = data if data.__class__ is np.ndarray else np.asarray(data)
        tensor._grad = None
        tensor._node = node
        tensor._requires_grad = node is not None
        return tensor

    # ----------------------------------------------------------------- autograd state

    @property
    def grad(self) -> np.ndarray | None:
        """The accumulated gradient (an array shaped like ``data``), or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        # Checked here, as PyTorch does: a misshapen gradient accepted now would broadcast
        # silently in a later accumulation or optimizer step.
        if value is None:
            self._grad = None
            return
        array = value.data if isinstance(value, Tensor) else np.asarray(value)
        if array.shape != self.data.shape:
            raise ValueError(f"Tensor.grad: expected an array of shape {self.data.shape} "
                             f"(the tensor's), got shape {array.shape}")
        if array.dtype != self.data.dtype:
            raise TypeError(f"Tensor.grad: expected dtype {self.data.dtype} (the tensor's), "
                            f"got {array.dtype}; convert it with .astype({self.data.dtype})")
        self._grad = array

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has had (PyTorch's ``_version``)."""
        return version_of(self.data)

    @property
    def requires_grad(self) -> bool:
        """Whether a gradient flows to (or through) this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if not self.is_leaf:
            raise RuntimeError(
                "requires_grad can only be changed on a leaf tensor; use .detach() to cut "
                "this tensor out of its graph"
            )
        self._requires_grad = bool(flag)
        if not flag:
            self._node = None

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return ``self``."""
        self.requires_grad = flag
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than recorded by an op."""
        return self._node is None or self._node.__class__ is LeafNode

    @property
    def grad_fn(self) -> Any:
        """The op or layer that made this tensor, or None for a leaf."""
        node = self._node
        return node._fn if isinstance(node, Node) else None

    def _graph_node(self) -> Node | LeafNode:
        node = self._node
        if node is None:
            # Made on first use; the leaf node refers back weakly (no reference cycle).
            node = self._node = LeafNode(self)
        return node

    def retain_grad(self) -> Tensor:
        """Keep this intermediate tensor's gradient in ``.grad`` during backward."""
        node = self._node
        if isinstance(node, Node):
            import weakref

            node._retained = weakref.ref(self)
        elif not self._requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        return self

    register_hook = hooks.register_tensor_hook

    def detach(self) -> Tensor:
        """A tensor sharing this data, outside any graph (no grad)."""
        return Tensor._wrap(self.data, None)

    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        Parameters
        ----------
        gradient : array_like, optional
            The upstream gradient, shaped like ``self``. Required unless ``self`` holds one
            element.
        retain_graph : bool, default=False
            Keep the saved arrays so the same graph can be backpropagated again.
        """
        self._backward(gradient, retain_graph, None)

    def _backward(self, gradient: Any, retain_graph: bool, observer: Any) -> None:
        """``backward``, with an optional observer of every step (see ``run_backward``)."""
        if not self._requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the "
                "computation had requires_grad=True (or it ran under no_grad())"
            )
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() on a tensor of shape {self.shape} needs a gradient of that "
                    "shape; only a one-element output gets the implicit gradient 1"
                )
            grad = np.ones(self.data.shape, self.data.dtype)  # ones_like costs ~2 us more
        else:
            grad = as_float_array(gradient, where="backward(gradient)")
            if grad.shape != self.shape:
                raise ValueError(
                    f"backward(gradient): expected a gradient of shape {self.shape}, "
                    f"got {grad.shape}"
                )
            grad = grad.astype(self.dtype, copy=False)
        run_backward(self._graph_node(), grad, retain_graph, observer)

    # ----------------------------------------------------------------- array facts

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return len(self.data)

    def __bool__(self) -> bool:
        # NumPy's rule: the truth of the single value (0-d included), ambiguous otherwise.
        # Without it, bool() fell back to len(): True for [0.0], TypeError for a 0-d tensor.
        return bool(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def item(self) -> float:
        """The single value of a one-element tensor, as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item(): the tensor has {self.data.size} elements, not one")
        return float(self.data.reshape(()))

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __float__(self) -> float:
        return self.item()

    def __int__(self) -> int:
        """The single value, truncated toward zero (as ``int(torch_tensor)``)."""
        return int(self.item())

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The data for NumPy (``np.asarray(t)``).

        For a tensor that requires grad it is a read-only view: a graph may have saved that
        very array for backward, and a write through NumPy would change it unseen. Write
        through ``.data`` (the documented escape hatch) or ask for a copy.
        """
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        if copy:
            return self.data.copy()
        if self._requires_grad:
            view = self.data.view()
            view.flags.writeable = False
            return view
        return self.data

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        from minigrad.numpy_interop import array_ufunc

        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        from minigrad.numpy_interop import array_function

        return array_function(func, args, kwargs)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = []
        if self.data.dtype != np.float64:
            extras.append(f"dtype={self.data.dtype}")
        if isinstance(self._node, Node) and self._node._fn is not None:
            extras.append(f"grad_fn={self._node._fn.op_name}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"

    # ----------------------------------------------------------------- arithmetic

    __add__, __radd__ = _binary(ops.ADD, "add")
    __sub__, __rsub__ = _binary(ops.SUB, "sub")
    __mul__, __rmul__ = _binary(ops.MUL, "mul")
    __truediv__, __rtruediv__ = _binary(ops.DIV, "div")
    __pow__, __rpow__ = _binary(ops.POW, "pow")
    __mod__, __rmod__ = _binary(ops.REMAINDER, "mod")
    # Floor division has no gradient (piecewise constant): its result is outside any graph.
    __floordiv__, __rfloordiv__ = vocabulary.floordiv, vocabulary.rfloordiv

    def __neg__(self) -> Tensor:
        return apply(ops.NEG, self)
    __matmul__, __rmatmul__ = _binary(ops.MATMUL, "matmul")

    def __getitem__(self, index: Any) -> Tensor:
        return apply(ops.GetItem(index), self)

    # In-place changes, with PyTorch's rules and tracked versions (see minigrad.inplace).
    __iadd__, __isub__ = inplace.iadd, inplace.isub
    __imul__, __itruediv__ = inplace.imul, inplace.itruediv
    __setitem__, zero_ = inplace.setitem, inplace.zero_

    # Comparisons give boolean arrays: they have no gradient.
    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _value(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _value(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _value(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _value(other)

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data == _value(other)

    def __ne__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data != _value(other)

    __hash__ = object.__hash__

    # ----------------------------------------------------------------- reductions

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.Sum(axis, keepdims), self)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.Mean(axis, keepdims), self)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.Max(axis, keepdims), self)

    def min(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.Min(axis, keepdims), self)

    # ----------------------------------------------------------------- elementwise

    def exp(self) -> Tensor:
        return apply(ops.EXP, self)

    def log(self) -> Tensor:
        return apply(ops.LOG, self)

    def sqrt(self) -> Tensor:
        return apply(ops.SQRT, self)

    def abs(self) -> Tensor:
        return apply(ops.ABS, self)

    def tanh(self) -> Tensor:
        return apply(ops.TANH, self)

    def sigmoid(self) -> Tensor:
        return apply(ops.SIGMOID, self)

    def relu(self) -> Tensor:
        return apply(ops.RELU, self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        return apply(ops.Clip(min, max), self)

    # ----------------------------------------------------------------- shape

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return apply(ops.Reshape(shape), self)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return apply(ops.Transpose(axes or None), self)

    @property
    def T(self) -> Tensor:
        return apply(ops.Transpose(None), self)

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        return apply(ops.BroadcastTo(tuple(shape)), self)

    # ----------------------------------------------------------------- PyTorch vocabulary
    # Thin wrappers, one op each (see minigrad.vocabulary and the ops' docstrings).
    argmax, argmin = vocabulary.argmax, vocabulary.argmin
    sin, cos, log1p, expm1 = vocabulary.sin, vocabulary.cos, vocabulary.log1p, vocabulary.expm1
    sign, clone = vocabulary.sign, vocabulary.clone
    squeeze, unsqueeze, permute = vocabulary.squeeze, vocabulary.unsqueeze, vocabulary.permute
    view, expand, flatten = vocabulary.view, vocabulary.expand, vocabulary.flatten
    var, std, prod = vocabulary.var, vocabulary.std, vocabulary.prod
    norm, cumsum = vocabulary.norm, vocabulary.cumsum
    softmax, log_softmax = vocabulary.softmax, vocabulary.log_softmax
    split, chunk, gather = vocabulary.split, vocabulary.chunk, vocabulary.gather
    index_select, masked_fill = vocabulary.index_select, vocabulary.masked_fill

    # ----------------------------------------------------------------- dtype

    def astype(self, dtype: Any) -> Tensor:
        """This tensor in another float dtype; the gradient flows back in the original one."""
        if np.dtype(dtype) == self.data.dtype:
            return self
        return apply(ops.AsType(dtype), self)

    def float(self) -> Tensor:
        """As float32 (PyTorch's ``.float()``)."""
        return self.astype(np.float32)

    def double(self) -> Tensor:
        """As float64 (PyTorch's ``.double()``)."""
        return self.astype(np.float64)


def _value(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value
