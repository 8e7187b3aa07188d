r"""Every activation as a Layer with a hand-written forward and backward, plus a name registry.

Each class computes on plain NumPy arrays: ``forward(ctx, x)`` saves what the derivative
needs on the per-call ``ctx`` and ``backward(ctx, dout)`` returns ``dx`` (``(dx, dweight)``
for :class:`PReLU`), so one object can be used many times in one graph and can be driven by
hand. Conventions shared by all of them:

* numerically stable forms: ``exp`` is only taken of arguments that cannot overflow, so no
  ``RuntimeWarning`` and no NaN/inf appear in forward or backward for finite inputs (tested
  at ``|x| = 1e4`` in float32 and float64);
* derivatives at kinks follow PyTorch's backward formulas; each class states its choice;
* the dtype of ``x`` is the dtype of the output and of ``dx`` (constants are Python floats);
* ``kinks`` lists the inputs where the derivative jumps, so tests and gradient checks can
  keep finite differences away from them.

:func:`get_activation` builds an activation from its snake_case name (``"leaky_relu"``),
:func:`activation_names` lists the names and :func:`register_activation` adds a user's own.

The classes live in one module per family, and this package re-exports them:

* :mod:`~minigrad.nn.activations.identity`: Identity;
* :mod:`~minigrad.nn.activations.squashing`: Sigmoid, Tanh, LogSigmoid, Softsign;
* :mod:`~minigrad.nn.activations.relu`: ReLU, LeakyReLU, PReLU, Threshold;
* :mod:`~minigrad.nn.activations.hard`: Hardtanh, ReLU6, HardSigmoid, HardSwish;
* :mod:`~minigrad.nn.activations.smooth`: Swish (alias SiLU), Mish, Softplus;
* :mod:`~minigrad.nn.activations.gelu`: GELU;
* :mod:`~minigrad.nn.activations.exponential`: ELU, SELU, CELU;
* :mod:`~minigrad.nn.activations.shrink`: Tanhshrink, Softshrink, Hardshrink;
* :mod:`~minigrad.nn.activations.softmax`: Softmax, Softmin, LogSoftmax;
* :mod:`~minigrad.nn.activations.base`: the base class they share;
* :mod:`~minigrad.nn.activations.registry`: the name registry, filled with the built-in
  names when it is imported (importing this package imports it).
"""

from minigrad.nn.activations.exponential import CELU, ELU, SELU
from minigrad.nn.activations.gelu import GELU
from minigrad.nn.activations.hard import HardSigmoid, HardSwish, Hardtanh, ReLU6
from minigrad.nn.activations.identity import Identity
from minigrad.nn.activations.registry import _CANONICAL as _CANONICAL
from minigrad.nn.activations.registry import _NAMES as _NAMES
from minigrad.nn.activations.registry import (
    activation_names,
    get_activation,
    register_activation,
)
from minigrad.nn.activations.relu import LeakyReLU, PReLU, ReLU, Threshold
from minigrad.nn.activations.shrink import Hardshrink, Softshrink, Tanhshrink
from minigrad.nn.activations.smooth import Mish, SiLU, Softplus, Swish
from minigrad.nn.activations.softmax import LogSoftmax, Softmax, Softmin
from minigrad.nn.activations.squashing import LogSigmoid, Sigmoid, Softsign, Tanh

__all__ = [
    "CELU", "ELU", "GELU", "HardSigmoid", "HardSwish", "Hardshrink", "Hardtanh", "Identity",
    "LeakyReLU", "LogSigmoid", "LogSoftmax", "Mish", "PReLU", "ReLU", "ReLU6", "SELU", "SiLU",
    "Sigmoid", "Softmax", "Softmin", "Softplus", "Softshrink", "Softsign", "Swish", "Tanh",
    "Tanhshrink", "Threshold", "activation_names", "get_activation", "register_activation",
]
