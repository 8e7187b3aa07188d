"""The primitive differentiable ops, each a ``Function`` with its derivative beside it.

Binary ops broadcast like NumPy and hand their gradients to ``unbroadcast``. Constants
(Python numbers, masks, index arrays) arrive as plain values and get no gradient. Ops
without hyper-parameters are stateless and shared as one instance each (``ADD``, ``MUL``,
``EXP``, ...): the per-call state lives on the context, never on the op.

The ops live in one module per family, and this package re-exports them:

* :mod:`~minigrad.ops.arithmetic`: Add, Sub, Mul, Div, Pow, Neg, MatMul;
* :mod:`~minigrad.ops.reductions`: Sum, Mean, Max, Min (the ``Axis`` type, ``normalize_axis``);
* :mod:`~minigrad.ops.elementwise`: Exp, Log, Sqrt, Abs, Tanh, Sigmoid, Relu, Clip, Maximum,
  Minimum, Where, AsType, and the overflow-free ``sigmoid`` helper on plain arrays;
* :mod:`~minigrad.ops.shape`: Reshape, Transpose, BroadcastTo, GetItem, SetItem, Concatenate,
  Stack;
* :mod:`~minigrad.ops.unary`: Sin, Cos, Log1p, Expm1, Sign, Clone;
* :mod:`~minigrad.ops.statistics`: Var, Std, Prod, Norm, Cumsum;
* :mod:`~minigrad.ops.indexing`: Gather, IndexSelect (``integer_index``);
* :mod:`~minigrad.ops._util`: the shape helper and broadcast error the binary ops share.

The modules import only :mod:`minigrad.autograd` and each other at their top:
:mod:`minigrad.tensor` imports this package, so importing it back would be a cycle.
"""

from minigrad.ops.arithmetic import (
    ADD,
    DIV,
    FLOOR_DIVIDE,
    MATMUL,
    MUL,
    NEG,
    POW,
    REMAINDER,
    SUB,
    Add,
    Div,
    FloorDivide,
    MatMul,
    Mul,
    Neg,
    Pow,
    Remainder,
    Sub,
)
from minigrad.ops.elementwise import (
    ABS,
    EXP,
    LOG,
    MAXIMUM,
    MINIMUM,
    RELU,
    SIGMOID,
    SQRT,
    TANH,
    WHERE,
    Abs,
    AsType,
    Clip,
    Exp,
    Log,
    Maximum,
    Minimum,
    Relu,
    Sigmoid,
    Sqrt,
    Tanh,
    Where,
    sigmoid,
)
from minigrad.ops.indexing import Gather, IndexSelect, integer_index
from minigrad.ops.reductions import Axis, Max, Mean, Min, Sum, normalize_axis
from minigrad.ops.shape import (
    BroadcastTo,
    Concatenate,
    GetItem,
    Reshape,
    SetItem,
    Stack,
    Transpose,
)
from minigrad.ops.statistics import Cumsum, Norm, Prod, Std, Var
from minigrad.ops.unary import (
    CLONE,
    COS,
    EXPM1,
    LOG1P,
    SIGN,
    SIN,
    Clone,
    Cos,
    Expm1,
    Log1p,
    Sign,
    Sin,
)

__all__ = [
    "ABS", "ADD", "DIV", "EXP", "LOG", "MATMUL", "MAXIMUM", "MINIMUM", "MUL", "NEG", "POW",
    "RELU", "SIGMOID", "SQRT", "SUB", "TANH", "WHERE", "Abs", "Add", "AsType", "Axis",
    "BroadcastTo", "Clip", "Concatenate", "Div", "Exp", "GetItem", "Log", "MatMul", "Max",
    "Maximum", "Mean", "Min", "Minimum", "Mul", "Neg", "Pow", "Relu", "Reshape", "SetItem",
    "Sigmoid", "Sqrt", "Stack", "Sub", "Sum", "Tanh", "Transpose", "Where", "normalize_axis",
    "sigmoid", "CLONE", "COS", "EXPM1", "LOG1P", "REMAINDER", "SIGN", "SIN", "Clone", "Cos",
    "Cumsum", "Expm1", "Gather", "IndexSelect", "Log1p", "Norm", "Prod", "Remainder", "Sign",
    "Sin", "Std", "Var", "FLOOR_DIVIDE", "FloorDivide", "integer_index",
]
