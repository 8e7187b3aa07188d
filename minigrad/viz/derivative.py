"""``derivative``: f'(x) of an element-wise activation, from the layer's own backward."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.dtypes import as_float_array
from minigrad.nn.activations import LogSoftmax, Softmax, Softmin, get_activation
from minigrad.nn.layer import Layer
from minigrad.tensor import Tensor

__all__ = ["derivative"]

_NOT_ELEMENTWISE = (Softmax, Softmin, LogSoftmax)


def derivative(activation: Layer | str, x: Any, **settings: Any) -> np.ndarray:
    """The derivative f'(x), element by element, computed by the activation's own backward.

    Runs ``forward`` on a fresh :class:`~minigrad.Context`, then ``backward`` with
    ``dout = ones``: for an element-wise activation that is exactly f'(x), kink choices
    included (``derivative("relu", 0.0)`` is 0, as the layer's backward decides).

    Parameters
    ----------
    activation : Layer or str
        An activation layer (``nn.LeakyReLU(alpha=0.2)``, or your own element-wise Layer)
        or a registry name (``"leaky_relu"``).
    x : array_like or Tensor
        Where to evaluate the derivative.
    **settings
        Hyper-parameters for a registry name (``derivative("threshold", x, threshold=1.0,
        value=-1.0)``).

    Returns
    -------
    ndarray
        f'(x), shaped like ``x``.

    Raises
    ------
    ValueError
        For Softmax, Softmin and LogSoftmax, whose derivative is a Jacobian rather than one
        number per element.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.viz.derivative("relu", [-1.0, 0.0, 2.0])
    array([0., 0., 1.])
    >>> mg.viz.derivative("sigmoid", 0.0)
    array(0.25)
    """
    if isinstance(activation, str):
        layer = get_activation(activation, **settings)
    elif settings:
        raise TypeError("derivative: settings are for a registry name; pass them to the "
                        "layer you built instead")
    else:
        layer = activation
    name = type(layer).__name__
    if not isinstance(layer, Layer):
        raise TypeError(f"derivative: expected an activation Layer or a registry name, got "
                        f"{name}")
    if isinstance(layer, _NOT_ELEMENTWISE):
        raise ValueError(
            f"derivative: {name} is not element-wise: each output depends on every input "
            "along its axis, so its derivative is a Jacobian matrix (diag(y) - y y^T per row "
            "for softmax), not one number per element. Its backward with dout = ones gives "
            "all zeros for softmax, because each row of the output sums to 1. For a "
            "Jacobian-vector product with your own v: ctx = mg.Context(); "
            f"y = layer.forward(ctx, x); dx = layer.backward(ctx, v) (or "
            "y = layer(mg.Tensor(x, requires_grad=True)); y.backward(v))."
        )
    array = x.data if isinstance(x, Tensor) else as_float_array(x, where="derivative")
    ctx = Context()
    out = layer.forward(ctx, array, *layer.param_arrays())
    if np.shape(out) != array.shape:
        raise ValueError(f"derivative: {name} is not element-wise: input of shape "
                         f"{array.shape} gave an output of shape {np.shape(out)}")
    grads = layer.backward(ctx, np.ones_like(out))
    dx = grads[0] if isinstance(grads, tuple) else grads
    return np.asarray(dx)
