"""Unary elementwise ops of the PyTorch vocabulary: Sin, Cos, Log1p, Expm1, Sign, Clone.

Each derivative sits next to its forward; the shared instances (``SIN``, ..., ``CLONE``)
are stateless, the per-call state lives on the context.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd import Context, Function

__all__ = ["CLONE", "COS", "EXPM1", "LOG1P", "SIGN", "SIN", "Clone", "Cos", "Expm1", "Log1p",
           "Sign", "Sin"]


class Sin(Function):
    """sin(x).  d/dx = cos(x)."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.sin(x)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout * np.cos(ctx.x)


class Cos(Function):
    """cos(x).  d/dx = -sin(x)."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.cos(x)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return -dout * np.sin(ctx.x)


class Log1p(Function):
    """log(1 + x), accurate for small x.  d/dx = 1 / (1 + x)."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.log1p(x)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout / (1.0 + ctx.x)


class Expm1(Function):
    """exp(x) - 1, accurate for small x.  d/dx = exp(x) = out + 1."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        out = np.expm1(x)
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout * (ctx.out + 1.0)


class Sign(Function):
    """sign(x) in {-1, 0, 1}.  d/dx = 0 everywhere (0 at x = 0 too), as in PyTorch."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.sign(x)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.zeros_like(dout)


class Clone(Function):
    """A recorded copy of x (new memory).  d/dx = dout."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout


SIN, COS, LOG1P, EXPM1, SIGN, CLONE = Sin(), Cos(), Log1p(), Expm1(), Sign(), Clone()
