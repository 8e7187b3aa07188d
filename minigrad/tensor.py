"""``Tensor``: an ndarray that remembers how it was made, so gradients can flow back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from minigrad import ops
from minigrad.autograd import LeafNode, Node, apply, run_backward

_default_dtype: np.dtype = np.dtype(np.float64)


def set_default_dtype(dtype: Any) -> None:
    """Set the float dtype that int/bool data and lists of numbers become (float64 at start)."""
    global _default_dtype
    new = np.dtype(dtype)
    if new.kind != "f":
        raise TypeError(f"set_default_dtype: expected a float dtype, got {new}")
    _default_dtype = new


def get_default_dtype() -> np.dtype:
    """The float dtype that int/bool data and lists of numbers become."""
    return _default_dtype


def as_float_array(data: Any, dtype: Any = None, *, where: str = "Tensor") -> np.ndarray:
    """Convert ``data`` to a float ndarray, or raise a TypeError that names ``where``.

    Floats keep their dtype; ints and bools become the default float dtype; complex,
    string and object data are refused rather than silently mangled.
    """
    if isinstance(data, Tensor):
        data = data.data
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise TypeError(f"{where}: cannot make an array from {type(data).__name__}: {error}") \
            from None
    kind = array.dtype.kind
    if kind in "iub":
        array = array.astype(_default_dtype)
    elif (kind == "f" and array.dtype != _default_dtype and array.dtype == np.float64
          and not isinstance(data, (np.ndarray, np.generic))):
        # Python floats (and lists of them) have no dtype of their own: like ints, they
        # take the default, as the docstring of set_default_dtype promises.
        array = array.astype(_default_dtype)
    elif kind == "c":
        raise TypeError(f"{where}: complex data ({array.dtype}) is not supported")
    elif kind != "f":
        raise TypeError(
            f"{where}: expected numbers, got data of dtype {array.dtype} "
            f"({type(data).__name__}); strings and objects are not supported"
        )
    if dtype is not None:
        target = np.dtype(dtype)
        if target.kind != "f":
            raise TypeError(f"{where}: dtype must be a float dtype, got {target}")
        array = array.astype(target, copy=False)
    return array


def _operand(value: Any, op: str) -> Any:
    """An operand for a binary op: Tensors as they are, Python numbers kept weak."""
    cls = value.__class__
    if cls is float or cls is Tensor or cls is int:  # the common cases, decided at once
        return value
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.generic):
        # Checked before Python numbers, since np.float64 is a subclass of float. A NumPy
        # scalar would promote float32 to float64 (NEP 50); treat it as the Python number
        # it holds, the way PyTorch does.
        if value.dtype.kind in "iufb":
            return value.item()
    elif isinstance(value, (bool, int, float)):
        return value
    return as_float_array(value, where=op)


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

    __slots__ = ("data", "grad", "_node", "_requires_grad", "__weakref__")
    # NumPy defers to Tensor's reflected operators (array + tensor stays a Tensor).
    __array_ufunc__ = None

    data: np.ndarray
    grad: np.ndarray | None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = np.array(as_float_array(data, dtype), copy=True)
        self.grad = None
        self._node: Node | LeafNode | None = None
        self._requires_grad = bool(requires_grad)

    @classmethod
    def _wrap(cls, data: Any, node: Node | None) -> Tensor:
        """Wrap an op's output without copying or validating (the hot path)."""
        tensor = object.__new__(cls)
        tensor.data = data if data.__class__ is np.ndarray else np.asarray(data)
        tensor.grad = None
        tensor._node = node
        tensor._requires_grad = node is not None
        return tensor

    # ----------------------------------------------------------------- autograd state

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
        node = self._graph_node()
        if isinstance(node, LeafNode):
            from minigrad.autograd import _store_grad

            _store_grad(self, grad, {id(grad)})
            return
        run_backward(node, grad, retain_graph)

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

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

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

    def __add__(self, other: Any) -> Tensor:
        return apply(ops.ADD, self, _operand(other, "add"))

    def __radd__(self, other: Any) -> Tensor:
        return apply(ops.ADD, _operand(other, "add"), self)

    def __sub__(self, other: Any) -> Tensor:
        return apply(ops.SUB, self, _operand(other, "sub"))

    def __rsub__(self, other: Any) -> Tensor:
        return apply(ops.SUB, _operand(other, "sub"), self)

    def __mul__(self, other: Any) -> Tensor:
        return apply(ops.MUL, self, _operand(other, "mul"))

    def __rmul__(self, other: Any) -> Tensor:
        return apply(ops.MUL, _operand(other, "mul"), self)

    def __truediv__(self, other: Any) -> Tensor:
        return apply(ops.DIV, self, _operand(other, "div"))

    def __rtruediv__(self, other: Any) -> Tensor:
        return apply(ops.DIV, _operand(other, "div"), self)

    def __pow__(self, other: Any) -> Tensor:
        return apply(ops.POW, self, _operand(other, "pow"))

    def __rpow__(self, other: Any) -> Tensor:
        return apply(ops.POW, _operand(other, "pow"), self)

    def __neg__(self) -> Tensor:
        return apply(ops.NEG, self)

    def __matmul__(self, other: Any) -> Tensor:
        return apply(ops.MATMUL, self, _operand(other, "matmul"))

    def __rmatmul__(self, other: Any) -> Tensor:
        return apply(ops.MATMUL, _operand(other, "matmul"), self)

    def __getitem__(self, index: Any) -> Tensor:
        return apply(ops.GetItem(index), self)

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

    def flatten(self) -> Tensor:
        return self.reshape(-1)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return apply(ops.Transpose(axes or None), self)

    @property
    def T(self) -> Tensor:
        return apply(ops.Transpose(None), self)

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        return apply(ops.BroadcastTo(tuple(shape)), self)


def _value(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value
