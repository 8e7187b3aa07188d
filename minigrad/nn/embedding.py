"""Embedding: a lookup table of learnable vectors indexed by integers."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context, apply
from minigrad.hooks import call_with_hooks
from minigrad.nn.layer import Layer
from minigrad.nn.layers import _float_dtype, _generator
from minigrad.nn.module import Parameter
from minigrad.tensor import Tensor


class Embedding(Layer):
    """Row lookup: ``y = W[indices]``, for integer token ids of any shape.

    Parameters
    ----------
    num_embeddings : int
        Number of rows of the table (valid ids are ``0 .. num_embeddings - 1``).
    embedding_dim : int
        Length of each vector.
    rng : None, int or numpy.random.Generator
        Seed of the initial table, drawn from N(0, 1) as in PyTorch.
    dtype : float dtype, optional
        Dtype of the table (default: ``mg.get_default_dtype()``).

    Raises
    ------
    TypeError
        For float (or bool) indices, or a Tensor (whose data is always float): pass an
        integer array or list.
    ValueError
        For an index outside ``[0, num_embeddings)`` (negative ids are refused, as in torch).

    Notes
    -----
    The output for index array ``I`` of shape S has shape S + (D,). Each row used receives
    the sum of the upstream gradients of every position that looked it up:

    .. math:: y_s = W_{I_s},\\qquad \\frac{\\partial L}{\\partial W_k} = \\sum_{s: I_s = k} G_s

    Plain text: out = W[idx]; dW = zeros_like(W); np.add.at(dW, idx, dout) (a repeated id
    accumulates). The indices get no gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> emb = nn.Embedding(10, 3, rng=0)
    >>> emb(np.array([[1, 2], [2, 9]])).shape
    (2, 2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, rng: Any = None,
                 dtype: Any = None) -> None:
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Embedding: {name} must be a positive integer, got {value!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        table = _generator("Embedding", rng).standard_normal((self.num_embeddings,
                                                              self.embedding_dim))
        self.W = Parameter(table, dtype=_float_dtype("Embedding", dtype))

    def __call__(self, x: Any) -> Tensor:
        # Not Layer.__call__: that turns its input into floats, and ids must stay integers.
        if self._hooks is not None:
            return call_with_hooks(self, self._lookup, (x,))
        return self._lookup(x)

    def _lookup(self, x: Any) -> Tensor:
        if isinstance(x, Tensor):
            raise TypeError(
                f"Embedding got a Tensor of {x.dtype} values: expected integer indices as a "
                f"NumPy array or list (a Tensor always holds floats)"
            )
        return apply(self, np.asarray(x), self.W)

    def forward(self, ctx: Context, x: np.ndarray,  # type: ignore[override]
                W: np.ndarray) -> np.ndarray:
        if x.dtype.kind not in "iu":
            raise TypeError(
                f"Embedding(num_embeddings={self.num_embeddings}) got indices of dtype "
                f"{x.dtype}: expected an integer dtype"
            )
        if x.size and (x.min() < 0 or x.max() >= W.shape[0]):
            bad = x[(x < 0) | (x >= W.shape[0])].ravel()[0]
            raise ValueError(
                f"Embedding(num_embeddings={W.shape[0]}) got index {bad}: expected indices "
                f"in [0, {W.shape[0] - 1}]"
            )
        ctx.x, ctx.shape = x, W.shape
        return W[x]

    def backward(self, ctx: Context, dout: np.ndarray) -> Any:
        dW = None
        if ctx.needs_grad(1):
            dW = np.zeros(ctx.shape, dtype=dout.dtype)
            # np.add.at, not dW[idx] += dout: fancy-index assignment keeps only the last
            # of repeated ids instead of summing them.
            np.add.at(dW, ctx.x.reshape(-1), dout.reshape(-1, ctx.shape[1]))
        return None, dW

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
