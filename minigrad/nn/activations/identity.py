"""Identity: the activation that returns its input (a regression network's output layer)."""

from __future__ import annotations

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.activations.base import _Activation

__all__ = ["Identity"]


class Identity(_Activation):
    r"""The identity: returns its input unchanged (the seed's output layer for regression).

    Notes
    -----
    .. math:: f(x) = x, \qquad f'(x) = 1

    Plain text: f(x) = x; f'(x) = 1, so dx = dout. No kinks. The output is the input array
    itself (no copy), as in PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Identity()(np.array([-1.5, 2.0])).data
    array([-1.5,  2. ])
    """

    kinks = ()

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        return x

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout
