"""Every optimizer on a 0-d parameter (a learnable scalar) follows PyTorch's trajectory.

On a 0-d array NumPy's arithmetic returns NumPy scalars, not arrays, so an in-place update
of optimizer state (``buf *= momentum``) can silently rebind a local name instead of
changing the stored state. These trajectories catch that.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from minigrad import nn, optim

STEPS = 30

CONFIGS: list[tuple[str, str, dict[str, Any]]] = [
    ("SGD", "SGD", dict(lr=0.05)),
    ("SGD", "SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", "SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1)),
    ("SGD", "SGD", dict(lr=0.05, momentum=0.9, maximize=True)),
    ("SGD", "SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", "SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("Adam", "Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", "Adam", dict(lr=0.05, amsgrad=True, maximize=True)),
    ("AdamW", "AdamW", dict(lr=0.05, weight_decay=0.1)),
    ("NAdam", "NAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", "RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("Adamax", "Adamax", dict(lr=0.05, weight_decay=0.1)),
    ("RMSprop", "RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("Adagrad", "Adagrad", dict(lr=0.1, weight_decay=0.1, lr_decay=0.01)),
]


def _grad(w: np.ndarray, t: int) -> np.ndarray:
    """A deterministic gradient of the current weights (a pull towards 1, and a wiggle)."""
    return 2.0 * (w - 1.0) + 0.3 * np.sin(3.0 * w + t)


@pytest.mark.parametrize(("ours", "theirs", "kwargs"), CONFIGS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONFIGS)])
def test_scalar_parameter_follows_torch(torch: Any, ours: str, theirs: str,
                                        kwargs: dict[str, Any]) -> None:
    start = [np.array(-0.7), np.array([0.4, -1.2])]  # a 0-d parameter next to a vector
    params = [nn.Parameter(w.copy()) for w in start]
    opt = getattr(optim, ours)(params, **kwargs)
    twins = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in start]
    twin_opt = getattr(torch.optim, theirs)(twins, foreach=False, **kwargs)
    for t in range(STEPS):
        for p, q in zip(params, twins):
            p.grad = _grad(p.data, t)
            q.grad = torch.from_numpy(np.asarray(_grad(q.detach().numpy(), t)))
        opt.step()
        twin_opt.step()
        for p, q in zip(params, twins):
            assert p.data.shape == tuple(q.shape)
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-12, atol=1e-14,
                                       err_msg=f"{ours} {kwargs} step {t}")
    assert abs(float(params[0].data) - float(start[0])) > 0.05  # it did move
