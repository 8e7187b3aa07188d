"""Conv2d: 2-D convolution (cross-correlation) of NCHW inputs, by im2col and einsum."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from minigrad.autograd import Context
from minigrad.nn.layer import Layer
from minigrad.nn.layers import _float_dtype, _generator
from minigrad.nn.module import Parameter


def _pair(owner: str, name: str, value: Any, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= ``minimum``, as a pair (torch's ``_pair``)."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                             or v < minimum for v in pair):
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum} or a pair of them, "
                         f"got {value!r}")
    return int(pair[0]), int(pair[1])


def _windows(owner: str, x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
             padding: tuple[int, int], dilation: tuple[int, int], fill: float = 0.0
             ) -> tuple[np.ndarray, np.ndarray]:
    """``(padded, windows)``: windows has shape (N, C, OH, OW, kh, kw) and is a view.

    A strided view over the padded input (im2col without the copy): each output pixel's
    receptive field, so the convolution and pooling are one reduction, no loop over pixels.
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if x.shape[2] + 2 * ph < span_h or x.shape[3] + 2 * pw < span_w:
        raise ValueError(
            f"{owner} got input of shape {x.shape}: the (dilated) kernel {span_h}x{span_w} is "
            f"larger than the padded input {x.shape[2] + 2 * ph}x{x.shape[3] + 2 * pw}"
        )
    if ph or pw:
        padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    else:
        padded = x
    view = sliding_window_view(padded, (span_h, span_w), axis=(2, 3))
    return padded, view[:, :, ::sh, ::sw, ::dh, ::dw]


def _scatter_windows(dwindows: np.ndarray, padded_shape: tuple[int, ...],
                     stride: tuple[int, int], padding: tuple[int, int],
                     dilation: tuple[int, int]) -> np.ndarray:
    """The adjoint of :func:`_windows` (col2im): sum window gradients back onto the input.

    One slice-add per kernel position (kh * kw of them), never a loop over pixels; within one
    kernel position the output pixels touch distinct input pixels, so ``+=`` is exact.
    """
    _, _, out_h, out_w, kh, kw = dwindows.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    dpadded = np.zeros(padded_shape, dtype=dwindows.dtype)
    for i in range(kh):
        for j in range(kw):
            dpadded[:, :, i * dh:i * dh + sh * (out_h - 1) + 1:sh,
                    j * dw:j * dw + sw * (out_w - 1) + 1:sw] += dwindows[:, :, :, :, i, j]
    return dpadded[:, :, ph:padded_shape[2] - ph, pw:padded_shape[3] - pw]


class Conv2d(Layer):
    """2-D convolution of an (N, C_in, H, W) input, as torch.nn.Conv2d (a cross-correlation).

    Parameters
    ----------
    in_channels, out_channels : int
        C_in and C_out; both must be divisible by ``groups``.
    kernel_size : int or (int, int)
        (kh, kw).
    stride, padding, dilation : int or (int, int), default=1, 0, 1
        Step between windows, zeros added on each side, spacing of the kernel taps.
    groups : int, default=1
        Channels are split into ``groups`` independent convolutions (``groups=in_channels``
        is a depthwise convolution).
    bias : bool, default=True
        Learn a bias per output channel.
    rng : None, int or numpy.random.Generator
        Seed of the initial weights.
    dtype : float dtype, optional
        Parameter dtype (default: ``mg.get_default_dtype()``).

    Notes
    -----
    ``W`` has shape (C_out, C_in / groups, kh, kw) and ``b`` shape (C_out,), both drawn from
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = C_in / groups * kh * kw: PyTorch's
    default (kaiming-uniform with a = sqrt(5)). Output size per axis:
    ``(H + 2 * padding - dilation * (k - 1) - 1) // stride + 1``. With X_w the receptive
    field (window) of output pixel (h, w), within one group:

    .. math:: y_{n,o,h,w} = b_o + \\sum_{c,i,j} W_{o,c,i,j} X^{w}_{n,c,h,w,i,j},\\quad
              \\frac{\\partial L}{\\partial W_{o,c,i,j}} = \\sum_{n,h,w} G_{n,o,h,w}
              X^{w}_{n,c,h,w,i,j},\\quad
              \\frac{\\partial L}{\\partial X^{w}_{n,c,h,w,i,j}} = \\sum_o G_{n,o,h,w}
              W_{o,c,i,j}

    Plain text: windows = im2col(x); y = einsum("nchwij,ocij->nohw", windows, W) + b;
    dW = einsum("nohw,nchwij->ocij", dout, windows); db = dout.sum((0, 2, 3));
    dx = col2im(einsum("nohw,ocij->nchwij", dout, W)), where col2im adds each window's
    gradient back onto the input pixels it was read from (overlapping windows sum).

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> conv = nn.Conv2d(3, 8, kernel_size=3, padding=1, rng=0)
    >>> conv(np.zeros((2, 3, 16, 16))).shape
    (2, 8, 16, 16)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 rng: Any = None, dtype: Any = None) -> None:
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("groups", groups)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Conv2d: {name} must be a positive integer, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.groups = int(groups)
        self.kernel_size = _pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = _pair("Conv2d", "stride", stride, 1)
        self.padding = _pair("Conv2d", "padding", padding, 0)
        self.dilation = _pair("Conv2d", "dilation", dilation, 1)
        dtype = _float_dtype("Conv2d", dtype)
        generator = _generator("Conv2d", rng)
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        bound = 1.0 / math.sqrt(shape[1] * shape[2] * shape[3])
        self.W = Parameter(generator.uniform(-bound, bound, size=shape), dtype=dtype)
        self.b = Parameter(generator.uniform(-bound, bound, size=self.out_channels),
                           dtype=dtype) if bias else None

    def forward(self, ctx: Context, x: np.ndarray, W: np.ndarray,  # type: ignore[override]
                b: np.ndarray | None = None) -> np.ndarray:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"Conv2d(in_channels={self.in_channels}) got input of shape {x.shape}: "
                f"expected (N, {self.in_channels}, H, W)"
            )
        if x.dtype != W.dtype:
            x = x.astype(W.dtype)  # the layer's dtype wins, as in Dense
        padded, windows = _windows("Conv2d", x, self.kernel_size, self.stride, self.padding,
                                   self.dilation)
        n, _, out_h, out_w, kh, kw = windows.shape
        g = self.groups
        # Groups as an explicit axis: (N, g, C_in/g, ...) against (g, C_out/g, C_in/g, ...).
        grouped = windows.reshape(n, g, -1, out_h, out_w, kh, kw)
        W_g = W.reshape(g, -1, *W.shape[1:])
        out = np.einsum("ngchwij,gocij->ngohw", grouped, W_g, optimize=True)
        out = out.reshape(n, self.out_channels, out_h, out_w)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)  # out is a fresh array
        ctx.padded_shape = padded.shape
        ctx.grouped = grouped if ctx.needs_grad(1) else None
        ctx.W_g = W_g if ctx.needs_grad(0) else None
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> Any:
        n, _, out_h, out_w = dout.shape
        dout_g = dout.reshape(n, self.groups, -1, out_h, out_w)
        dx = dW = db = None
        if ctx.needs_grad(0):
            dwindows = np.einsum("ngohw,gocij->ngchwij", dout_g, ctx.W_g, optimize=True)
            dwindows = dwindows.reshape(n, self.in_channels, out_h, out_w,
                                        *self.kernel_size)
            dx = _scatter_windows(dwindows, ctx.padded_shape, self.stride, self.padding,
                                  self.dilation)
        if ctx.needs_grad(1):
            dW = np.einsum("ngohw,ngchwij->gocij", dout_g, ctx.grouped, optimize=True)
            dW = dW.reshape(-1, *dW.shape[2:])
        if self.b is None:
            return dx, dW
        if ctx.needs_grad(2):
            db = dout.sum(axis=(0, 2, 3))
        return dx, dW, db

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, "
                f"groups={self.groups}, bias={self.b is not None}")
