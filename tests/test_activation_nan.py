"""NaN in, NaN out: every registered activation matches PyTorch on NaN and infinite inputs.

Values and gradients (with a random upstream gradient) are compared with torch's, NaN
positions included, so an activation that turns a NaN into a number (``Threshold`` used to
return its ``value``) or a number into a NaN cannot hide. Infinite inputs are compared too,
and neither may warn (the suite turns warnings into errors).

PyTorch's CPU kernels are not consistent at NaN: for ReLU6, Hardtanh, HardSwish, ELU, SELU,
CELU, Softshrink and Hardshrink, the gradient at a NaN input from the vectorized loop
differs from the one from the scalar loop that handles the last few elements of a tensor
(e.g. Hardtanh: 0 vs the upstream gradient). The reference here is the vectorized loop,
which computes all but those last elements: torch sees each input followed by padding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

NAN, INF = np.nan, np.inf

# name -> (keyword arguments for nn.get_activation, the torch module with the same settings).
# A name with "(...)" is a further setting of the registered activation before it.
TORCH_TWINS: dict[str, tuple[dict[str, Any], Callable[[Any], Any]]] = {
    "identity": ({}, lambda torch: torch.nn.Identity()),
    "sigmoid": ({}, lambda torch: torch.nn.Sigmoid()),
    "tanh": ({}, lambda torch: torch.nn.Tanh()),
    "relu": ({}, lambda torch: torch.nn.ReLU()),
    "leaky_relu": ({}, lambda torch: torch.nn.LeakyReLU(0.1)),
    "relu6": ({}, lambda torch: torch.nn.ReLU6()),
    "swish": ({}, lambda torch: torch.nn.SiLU()),
    "swish(beta=2)": ({"beta": 2.0}, lambda torch: _Scaled(torch.nn.SiLU(), 2.0)),
    "hard_swish": ({}, lambda torch: torch.nn.Hardswish()),
    "hard_sigmoid": ({}, lambda torch: torch.nn.Hardsigmoid()),
    "softmax": ({}, lambda torch: torch.nn.Softmax(dim=-1)),
    "log_softmax": ({}, lambda torch: torch.nn.LogSoftmax(dim=-1)),
    "softmin": ({}, lambda torch: torch.nn.Softmin(dim=-1)),
    "elu": ({}, lambda torch: torch.nn.ELU()),
    "selu": ({}, lambda torch: torch.nn.SELU()),
    "celu": ({}, lambda torch: torch.nn.CELU()),
    "celu(alpha=2)": ({"alpha": 2.0}, lambda torch: torch.nn.CELU(alpha=2.0)),
    "gelu": ({}, lambda torch: torch.nn.GELU()),
    "gelu(tanh)": ({"approximate": "tanh"}, lambda torch: torch.nn.GELU(approximate="tanh")),
    "softplus": ({}, lambda torch: torch.nn.Softplus()),
    "softplus(beta=2)": ({"beta": 2.0, "threshold": 5.0},
                         lambda torch: torch.nn.Softplus(beta=2.0, threshold=5.0)),
    "mish": ({}, lambda torch: torch.nn.Mish()),
    "softsign": ({}, lambda torch: torch.nn.Softsign()),
    "log_sigmoid": ({}, lambda torch: torch.nn.LogSigmoid()),
    "hardtanh": ({}, lambda torch: torch.nn.Hardtanh()),
    "prelu": ({}, lambda torch: torch.nn.PReLU(init=0.25)),
    "tanhshrink": ({}, lambda torch: torch.nn.Tanhshrink()),
    "softshrink": ({}, lambda torch: torch.nn.Softshrink(0.5)),
    "hardshrink": ({}, lambda torch: torch.nn.Hardshrink(0.5)),
    "threshold": ({"threshold": 0.1, "value": 20.0},
                  lambda torch: torch.nn.Threshold(0.1, 20.0)),
}


class _Scaled:
    """torch's ``x * sigmoid(beta * x)`` (SiLU has no beta): ``silu(beta * x) / beta``."""

    def __init__(self, silu: Any, beta: float) -> None:
        self.silu, self.beta = silu, beta

    def __call__(self, x: Any) -> Any:
        return self.silu(x * self.beta) / self.beta

    def parameters(self) -> list[Any]:
        return []


# Rows mix NaN with finite values at and around every kink (0, +-0.1, +-0.5, +-1, +-3, 6);
# a row without NaN shows that a NaN does not leak into its neighbours' rows (softmax).
INPUTS = {
    "nan only": np.full((2, 3), NAN),
    "nan mixed": np.array([
        [NAN, -3.0, -1.0, -0.5, 0.0, 0.1, 0.5, 1.0, 3.0, 6.0],
        [-6.0, -0.1, NAN, 0.3, -20.0, 25.0, NAN, 2.0, -2.5, 0.0],
        [-3.0, -1.0, -0.5, 0.0, 0.1, 0.5, 1.0, 3.0, 6.0, 0.05],
    ]),
    "infinite": np.array([
        [INF, -INF, 0.0, 1.0, -1.0],
        [-INF, 2.0, -INF, 0.5, -3.0],
        [INF, INF, 1.0, 2.0, 3.0],
        [-INF, -INF, -INF, -INF, -INF],
        [NAN, INF, -INF, 1.0, 2.0],
    ]),
}


# Normalising along an axis: torch sees exactly the input (padding would change the sums).
AXIS_WISE = {"softmax", "log_softmax", "softmin"}
# torch's CPU hardsigmoid_backward multiplies by the float32 constant 1.0f / 6.0f, so its
# float64 gradient is off by up to 3e-8 relative; minigrad's is exact.
RTOL = {("hard_sigmoid", "gradient"): 1e-7}
PADDING = 64  # more than two SIMD vectors of any width, so the inputs are all vectorized


def _case_names() -> list[str]:
    return list(TORCH_TWINS)


def _torch_reference(torch: Any, twin: Any, x: np.ndarray, upstream: np.ndarray,
                     padded: bool) -> tuple[np.ndarray, np.ndarray]:
    """torch's value and input gradient for ``x``; padded with zeros when ``padded``."""
    if padded:
        x_flat = np.concatenate([x.ravel(), np.zeros(PADDING)])
        upstream_flat = np.concatenate([upstream.ravel(), np.zeros(PADDING)])
    else:
        x_flat, upstream_flat = x, upstream
    x_theirs = torch.tensor(x_flat, dtype=torch.float64, requires_grad=True)
    out = twin(x_theirs)
    out.backward(torch.tensor(upstream_flat))
    value, grad = out.detach().numpy(), x_theirs.grad.numpy()
    if padded:
        value, grad = value[:x.size].reshape(x.shape), grad[:x.size].reshape(x.shape)
    return value, grad


def test_the_table_covers_every_registered_activation() -> None:
    registered = set(nn.activation_names())
    covered = {name.split("(")[0] for name in TORCH_TWINS}
    assert covered == registered, f"missing: {registered - covered}, stale: {covered - registered}"


@pytest.mark.parametrize("inputs", list(INPUTS))
@pytest.mark.parametrize("case", _case_names())
def test_value_and_gradient_match_torch_on_nan_and_inf(torch: Any, case: str,
                                                       inputs: str) -> None:
    kwargs, make_twin = TORCH_TWINS[case]
    x = INPUTS[inputs]
    upstream = np.random.default_rng(len(case) + x.size).normal(size=x.shape)

    layer = nn.get_activation(case.split("(")[0], **kwargs)
    x_ours = mg.Tensor(x.copy(), requires_grad=True)
    out = layer(x_ours)
    out.backward(upstream)

    twin = make_twin(torch)
    value, grad = _torch_reference(torch, twin, x, upstream, padded=case not in AXIS_WISE)

    def same(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
        rtol = RTOL.get((case, what), 1e-10)
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-13, equal_nan=True,
                                   err_msg=f"{case}: {what} on {inputs}")

    same(out.data, value, "value")
    same(x_ours.grad, grad, "gradient")
    # The zero padding adds nothing to a parameter's gradient (PReLU: x * dout = 0 there).
    for (name, ours), theirs in zip(layer.named_parameters(), twin.parameters()):
        same(ours.grad, theirs.grad.numpy(), f"gradient of {name}")


def test_threshold_keeps_nan() -> None:
    # The example, spelled out: a NaN is not "below the threshold".
    out = nn.Threshold(0.1, 20.0)(np.array([NAN, 0.0, 1.0]))
    np.testing.assert_array_equal(out.data, [NAN, 20.0, 1.0])


@pytest.mark.parametrize("inputs", list(INPUTS))
def test_tensor_relu_matches_torch_and_the_layer_on_nan_and_inf(torch: Any,
                                                                 inputs: str) -> None:
    # Tensor.relu() is its own op, not the nn.ReLU layer: the same NaN rule must hold.
    x = INPUTS[inputs]
    upstream = np.random.default_rng(x.size).normal(size=x.shape)
    ours = mg.Tensor(x.copy(), requires_grad=True)
    out = ours.relu()
    out.backward(upstream)
    value, grad = _torch_reference(torch, torch.relu, x, upstream, padded=True)
    np.testing.assert_array_equal(out.data, value)
    np.testing.assert_array_equal(ours.grad, grad)
