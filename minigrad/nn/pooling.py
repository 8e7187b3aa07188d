"""Pooling of NCHW inputs: MaxPool2d and AvgPool2d, on strided window views."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.conv import _pair, _scatter_windows, _windows
from minigrad.nn.layer import Layer


class _Pool2d(Layer):
    """Shared arguments and checks of the 2-D pooling layers."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        name = type(self).__name__
        self.kernel_size = _pair(name, "kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else _pair(name, "stride", stride, 1)
        self.padding = _pair(name, "padding", padding, 0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            # torch's rule: a window made only of padding would have no input in it.
            raise ValueError(f"{name}: padding {self.padding} must be at most half of "
                             f"kernel_size {self.kernel_size}")

    def _window_view(self, x: np.ndarray, fill: float) -> tuple[np.ndarray, np.ndarray]:
        name = f"{type(self).__name__}(kernel_size={self.kernel_size})"
        if x.ndim != 4:
            raise ValueError(f"{name} got input of shape {x.shape}: expected (N, C, H, W)")
        return _windows(name, x, self.kernel_size, self.stride, self.padding, (1, 1), fill)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Maximum over each (kh, kw) window of an (N, C, H, W) input, as torch.nn.MaxPool2d.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window size.
    stride : int or (int, int), optional
        Step between windows; defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int), default=0
        Implicit -inf added on each side (never the maximum), at most half the kernel.

    Notes
    -----
    The gradient goes only to the position of each window's maximum; with ties, to the
    first one in row-major order within the window, as PyTorch does:

    .. math:: y_{n,c,h,w} = \\max_{i,j} X^{w}_{n,c,h,w,i,j},\\qquad
              \\frac{\\partial L}{\\partial X^{w}_{n,c,h,w,i,j}} =
              G_{n,c,h,w}\\,[(i, j) = \\mathrm{argmax}]

    Plain text: arg = windows.reshape(..., kh * kw).argmax(-1); y = the max; dx =
    col2im(dout where the window index equals arg, else 0). Overlapping windows (stride <
    kernel) that share a maximum both send it their gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.MaxPool2d(2)(np.arange(16.0).reshape(1, 1, 4, 4)).data
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        padded, windows = self._window_view(x, -np.inf)
        flat = windows.reshape(windows.shape[:4] + (-1,))
        arg = flat.argmax(axis=-1)  # the first maximum, as torch
        ctx.arg, ctx.padded_shape = arg, padded.shape
        return np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        kh, kw = self.kernel_size
        positions = np.arange(kh * kw).reshape(kh, kw)
        dwindows = np.where(ctx.arg[..., None, None] == positions, dout[..., None, None],
                            np.zeros((), dtype=dout.dtype))
        return _scatter_windows(dwindows, ctx.padded_shape, self.stride, self.padding, (1, 1))


class AvgPool2d(_Pool2d):
    """Mean over each (kh, kw) window of an (N, C, H, W) input, as torch.nn.AvgPool2d.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window size.
    stride : int or (int, int), optional
        Step between windows; defaults to ``kernel_size``.
    padding : int or (int, int), default=0
        Zeros added on each side, at most half the kernel. They count in the mean
        (``count_include_pad=True``, PyTorch's default): the divisor is always kh * kw.

    Notes
    -----
    .. math:: y_{n,c,h,w} = \\frac{1}{k_h k_w} \\sum_{i,j} X^{w}_{n,c,h,w,i,j},\\qquad
              \\frac{\\partial L}{\\partial X^{w}_{n,c,h,w,i,j}} = \\frac{G_{n,c,h,w}}{k_h k_w}

    Plain text: y = windows.mean((-2, -1)); dx = col2im(dout / (kh * kw) broadcast over
    each window), overlapping windows summing.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.AvgPool2d(2)(np.arange(16.0).reshape(1, 1, 4, 4)).data
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        padded, windows = self._window_view(x, 0.0)
        ctx.padded_shape = padded.shape
        return windows.mean(axis=(-2, -1))

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        kh, kw = self.kernel_size
        share = dout * (1.0 / (kh * kw))
        dwindows = np.broadcast_to(share[..., None, None], share.shape + (kh, kw))
        return _scatter_windows(dwindows, ctx.padded_shape, self.stride, self.padding, (1, 1))
