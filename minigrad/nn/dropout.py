"""Dropout2d: dropout of whole channels (feature maps)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.layer import Layer
from minigrad.nn.layers import _generator


class Dropout2d(Layer):
    """Channel dropout: in training, zero each whole channel of an NCHW input with prob. ``p``.

    Neighbouring pixels of a feature map are strongly correlated, so dropping single
    pixels hardly regularises a convolutional network; dropping a whole map does. The kept
    channels are scaled by ``1 / (1 - p)``; in eval mode the layer is the identity.

    Parameters
    ----------
    p : float, default=0.5
        Probability of zeroing a channel, in ``[0, 1]``.
    rng : None, int or numpy.random.Generator
        Seed of the masks; the generator lives on the layer (``self.rng``), as in Dropout.

    Notes
    -----
    With the mask ``m`` of shape (N, C, 1, 1) (1 where the channel is kept):

    .. math:: y = \\frac{m \\odot x}{1 - p},\\qquad
              \\frac{\\partial L}{\\partial x} = \\frac{m \\odot G}{1 - p}

    Plain text: y = x * mask / (1 - p); dx = dout * mask / (1 - p), the mask broadcast over
    H and W. In eval mode y = x and dx = dout.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> out = nn.Dropout2d(0.5, rng=0)(np.ones((1, 4, 2, 2))).data
    >>> out[0, :, 0, 0].tolist() == out[0, :, 1, 1].tolist()
    True
    """

    def __init__(self, p: float = 0.5, rng: Any = None) -> None:
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
            raise TypeError(f"Dropout2d: p must be a number, got {type(p).__name__}")
        if not 0.0 <= p <= 1.0:  # also refuses NaN
            raise ValueError(f"Dropout2d: p must be a probability in [0, 1], got {p}")
        self.p = float(p)
        self.rng = _generator("Dropout2d", rng)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        if x.ndim != 4:
            raise ValueError(f"Dropout2d got input of shape {x.shape}: expected (N, C, H, W)")
        if not self.training or self.p == 0.0:
            ctx.mask = None
            return x
        keep = self.rng.random(x.shape[:2] + (1, 1)) >= self.p
        # 1 / (1 - p) would divide by zero at p = 1, where nothing is kept anyway.
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        ctx.mask = keep.astype(x.dtype) * scale
        return x * ctx.mask

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout if ctx.mask is None else dout * ctx.mask

    def extra_repr(self) -> str:
        return f"p={self.p}"
