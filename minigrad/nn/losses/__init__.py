"""Loss functions, each a Layer whose forward and hand-written backward work on NumPy arrays.

A loss is called as ``loss(prediction, target)``. The prediction is a Tensor (the gradient
flows back into it) or anything array-like (then the result records no graph). The target
is an ndarray, a list or a Tensor and **never receives a gradient**: a Tensor target is used
through its ``.data``, as if detached (PyTorch would also differentiate MSE-like losses with
respect to the target; here the target is data).

Driven by hand, the same methods run without the engine::

    ctx = nn.Context()
    value = loss.forward(ctx, prediction_array, target_array)
    dprediction, _ = loss.backward(ctx, 1.0)

The names, defaults and values follow ``torch.nn``. Targets are checked before anything is
computed: shapes must match exactly (no silent broadcasting of ``(N, 1)`` against ``(N,)``),
class labels must be integers in ``[0, C)``, and an empty batch is an error.

The losses live in one module per kind, and this package re-exports them:

* :mod:`~minigrad.nn.losses.regression`: MSELoss, L1Loss, HuberLoss, SmoothL1Loss;
* :mod:`~minigrad.nn.losses.binary`: BCELoss, BCEWithLogitsLoss;
* :mod:`~minigrad.nn.losses.classification`: CrossEntropyLoss, NLLLoss;
* :mod:`~minigrad.nn.losses.divergence`: KLDivLoss;
* :mod:`~minigrad.nn.losses.base`: the base classes and target checks they share.
"""

from minigrad.nn.losses.binary import BCELoss, BCEWithLogitsLoss
from minigrad.nn.losses.classification import CrossEntropyLoss, NLLLoss
from minigrad.nn.losses.divergence import KLDivLoss
from minigrad.nn.losses.regression import HuberLoss, L1Loss, MSELoss, SmoothL1Loss

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "KLDivLoss",
           "L1Loss", "MSELoss", "NLLLoss", "SmoothL1Loss"]
