"""Every registered activation through one table of tests, plus registry, PReLU, GELU and erf.

The table is built from ``nn.activation_names()``, so an activation registered in
``minigrad.nn.activations`` is checked by every table test without editing this file (it
only needs an entry in ``REFERENCES`` and, if it has kinks, in ``KINK_DERIVATIVES``; the
tests that enforce this say so when they fail).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn
from minigrad.autograd import Context
from minigrad.nn import erf as erf_module
from minigrad.nn.activations import gelu as gelu_module
from minigrad.nn.activations import registry
from minigrad.testing import arrays, shapes

# Arguments for activations that have required hyper-parameters (the rest use defaults).
REQUIRED_KWARGS: dict[str, dict[str, Any]] = {"threshold": {"threshold": 0.1, "value": -2.0}}
# Non-default settings run through the same table, so other code paths get checked too.
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("leaky_relu", {"alpha": 0.3}),
    ("swish", {"beta": 1.7}),
    ("elu", {"alpha": 2.0}),
    ("celu", {"alpha": 0.5}),
    ("gelu", {"approximate": "tanh"}),
    ("softplus", {"beta": 2.0, "threshold": 4.0}),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}),
    ("softshrink", {"lambd": 1.2}),
    ("hardshrink", {"lambd": 0.0}),
    ("softmax", {"axis": 0}),
    ("log_softmax", {"axis": 0}),
    ("softmin", {"axis": 0}),
]
NAMES = nn.activation_names()
CASES = [(name, REQUIRED_KWARGS.get(name, {})) for name in NAMES] + VARIANTS
IDS = [name + "".join(f"-{k}={v}" for k, v in kwargs.items()) for name, kwargs in CASES]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def make(name: str, **kwargs: Any) -> nn.Layer:
    return nn.get_activation(name, **kwargs)


def kinks_of(layer: nn.Layer) -> tuple[float, ...]:
    return tuple(getattr(layer, "kinks", ()))


def normalises_along_axis(layer: nn.Layer) -> bool:
    # Softmax-like layers reduce along an axis, so they need at least one dimension.
    return hasattr(layer, "axis")


@contextmanager
def strict_numerics() -> Iterator[None]:
    """Fail on any warning and on overflow, invalid or divide-by-zero (underflow is benign)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            yield


def drive_by_hand(layer: nn.Layer, x: np.ndarray, dout: np.ndarray) -> tuple[Any, tuple]:
    ctx = Context()
    out = layer.forward(ctx, x, *layer.param_arrays())
    grads = layer.backward(ctx, dout)
    return out, grads if isinstance(grads, tuple) else (grads,)


def derivative_at(layer: nn.Layer, value: float) -> float:
    x = mg.Tensor([value], requires_grad=True)
    layer(x).backward(np.ones(1))
    assert x.grad is not None
    return float(x.grad[0])


# --------------------------------------------------------------------------- (1) gradients


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_backward_matches_finite_differences(name: str, kwargs: dict, data: Any) -> None:
    layer = make(name, **kwargs)
    shape = data.draw(shapes(min_dims=1 if normalises_along_axis(layer) else 0, max_dims=3))
    x = data.draw(arrays(shape, low=-5.0, high=5.0, avoid=kinks_of(layer), margin=1e-3))
    assert mg.gradcheck(layer, mg.Tensor(x, requires_grad=True))


# --------------------------------------------------------------------------- (2) kinks

# (name, kwargs, x at a kink, the derivative PyTorch's backward gives there)
KINK_DERIVATIVES: list[tuple[str, dict[str, Any], float, float]] = [
    ("relu", {}, 0.0, 0.0),
    ("leaky_relu", {}, 0.0, 0.1),
    ("leaky_relu", {"alpha": 0.3}, 0.0, 0.3),
    ("prelu", {}, 0.0, 0.25),
    ("relu6", {}, 0.0, 0.0),
    ("relu6", {}, 6.0, 0.0),
    ("hardtanh", {}, -1.0, 0.0),
    ("hardtanh", {}, 1.0, 0.0),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}, -2.0, 0.0),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}, 0.5, 0.0),
    ("hard_sigmoid", {}, -3.0, 0.0),
    ("hard_sigmoid", {}, 3.0, 0.0),
    ("hard_swish", {}, -3.0, 0.0),
    ("hard_swish", {}, 3.0, 1.0),
    ("softshrink", {}, -0.5, 0.0),
    ("softshrink", {}, 0.5, 0.0),
    ("hardshrink", {}, -0.5, 0.0),
    ("hardshrink", {}, 0.5, 0.0),
    ("hardshrink", {"lambd": 0.0}, 0.0, 0.0),
    ("threshold", {"threshold": 0.1, "value": -2.0}, 0.1, 0.0),
    ("elu", {"alpha": 2.0}, 0.0, 2.0),
    ("selu", {}, 0.0, SELU_SCALE * SELU_ALPHA),
    ("celu", {"alpha": 0.5}, 0.0, 1.0),
    # Softplus switches to the identity strictly above its threshold (a jump of ~2e-9).
    ("softplus", {}, 20.0, 1.0 / (1.0 + float(np.exp(-20.0)))),
    ("softplus", {}, 20.5, 1.0),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "x", "expected"), KINK_DERIVATIVES,
    ids=[f"{n}{kw or ''}@{x}" for n, kw, x, _ in KINK_DERIVATIVES],
)
def test_derivative_at_kink_is_pinned(name: str, kwargs: dict, x: float, expected: float) -> None:
    assert derivative_at(make(name, **kwargs), x) == expected


@pytest.mark.parametrize("name", NAMES)
def test_every_declared_kink_is_pinned(name: str) -> None:
    kwargs = REQUIRED_KWARGS.get(name, {})
    pinned = {x for n, kw, x, _ in KINK_DERIVATIVES if n == name and kw == kwargs}
    missing = set(kinks_of(make(name, **kwargs))) - pinned
    assert not missing, f"add the derivative of {name!r} at {sorted(missing)} to KINK_DERIVATIVES"


# --------------------------------------------------------------------------- (3) extremes

EXTREMES = [-1e4, -1e3, -20.0, -1.0, 0.0, 1.0, 20.0, 1e3, 1e4]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_extreme_inputs_stay_finite_without_warnings(name: str, kwargs: dict, dtype: Any) -> None:
    layer = make(name, **kwargs)
    rng = np.random.default_rng(0)
    for shape in [(1, len(EXTREMES)), (len(EXTREMES), 1)]:
        x = np.array(EXTREMES, dtype=dtype).reshape(shape)
        dout = rng.standard_normal(shape).astype(dtype)
        with strict_numerics():
            out, grads = drive_by_hand(layer, x, dout)
            t = mg.Tensor(x, requires_grad=True)
            y = layer(t)
            y.backward(dout)
        assert np.all(np.isfinite(out)), f"{name} output {out}"
        assert all(np.all(np.isfinite(g)) for g in grads), f"{name} gradient {grads}"
        assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(t.grad))


# --------------------------------------------------------------------------- (4) dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_dtype_is_preserved(name: str, kwargs: dict, dtype: Any) -> None:
    layer = make(name, **kwargs)
    rng = np.random.default_rng(1)
    x = rng.uniform(-4.0, 4.0, size=(3, 4)).astype(dtype)
    dout = rng.standard_normal((3, 4)).astype(dtype)
    out, (dx, *dparams) = drive_by_hand(layer, x, dout)
    assert out.dtype == dtype and dx.dtype == dtype
    for grad, param in zip(dparams, layer.param_arrays()):
        assert grad.dtype == param.dtype  # parameter gradients keep the parameter's dtype
    t = mg.Tensor(x, requires_grad=True)
    y = layer(t)
    y.backward(dout)
    assert y.dtype == dtype and t.grad is not None and t.grad.dtype == dtype


# --------------------------------------------------------------------------- (5) by hand


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_manual_path_is_bit_identical_to_autograd(name: str, kwargs: dict) -> None:
    layer = make(name, **kwargs)
    rng = np.random.default_rng(2)
    # Random values plus the kinks themselves: both paths must take the same branch there.
    x = np.concatenate([rng.uniform(-5.0, 5.0, 16), kinks_of(layer), np.zeros(4)])[:20]
    x = x.reshape(4, 5)
    dout = np.ascontiguousarray(rng.standard_normal((4, 5)))
    dout_before = dout.copy()

    out, grads = drive_by_hand(layer, x, dout)
    assert np.array_equal(dout, dout_before), "backward modified dout in place"

    t = mg.Tensor(x, requires_grad=True)
    y = layer(t)
    y.backward(dout)
    assert np.array_equal(y.data, out)
    assert np.array_equal(t.grad, grads[0])
    params = [p for _, p in layer.named_parameters()]
    for p, manual in zip(params, grads[1:]):
        assert np.array_equal(p.grad, manual)


# --------------------------------------------------------------------------- (6) reuse


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_one_layer_used_twice_in_a_graph(name: str, kwargs: dict, data: Any) -> None:
    layer = make(name, **kwargs)
    # x and 2x both go through the layer, so x keeps away from kinks and from kinks / 2.
    avoid = kinks_of(layer) + tuple(k / 2.0 for k in kinks_of(layer))
    x = data.draw(arrays((2, 3), low=-4.0, high=4.0, avoid=avoid, margin=1e-3))
    assert mg.gradcheck(lambda t: layer(t) + layer(t * 2.0), mg.Tensor(x, requires_grad=True))


# --------------------------------------------------------------------------- (7) oracles


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _np_relu6(x: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(0.0, x), 6.0)


_erf_reference = np.vectorize(math.erf)


def _np_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


# Plain textbook formulas (the seed article's where it has one), fine on moderate inputs.
REFERENCES: dict[str, Callable[..., np.ndarray]] = {
    "identity": lambda x: x,
    "sigmoid": _np_sigmoid,
    "tanh": lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)),
    "relu": lambda x: np.maximum(0.0, x),
    "leaky_relu": lambda x, alpha=0.1: np.where(x >= 0, x, alpha * x),
    "relu6": _np_relu6,
    "swish": lambda x, beta=1.0: x * _np_sigmoid(beta * x),
    "hard_swish": lambda x: x * _np_relu6(x + 3.0) / 6.0,
    "hard_sigmoid": lambda x: _np_relu6(x + 3.0) / 6.0,
    "softmax": lambda x, axis=-1: _np_softmax(x, axis),
    "log_softmax": lambda x, axis=-1: np.log(_np_softmax(x, axis)),
    "softmin": lambda x, axis=-1: _np_softmax(-x, axis),
    "elu": lambda x, alpha=1.0: np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1.0)),
    "selu": lambda x: SELU_SCALE * (
        np.maximum(0.0, x) + np.minimum(0.0, SELU_ALPHA * (np.exp(np.minimum(x, 0)) - 1.0))
    ),
    "celu": lambda x, alpha=1.0: np.maximum(0.0, x) + np.minimum(
        0.0, alpha * (np.exp(np.minimum(x, 0) / alpha) - 1.0)
    ),
    "gelu": lambda x, approximate="none": (
        0.5 * x * (1.0 + _erf_reference(x / math.sqrt(2.0))) if approximate == "none"
        else 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    ),
    "softplus": lambda x, beta=1.0, threshold=20.0: np.where(
        beta * x > threshold, x, np.log(1.0 + np.exp(beta * x)) / beta
    ),
    "mish": lambda x: x * np.tanh(np.log(1.0 + np.exp(x))),
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "log_sigmoid": lambda x: np.log(_np_sigmoid(x)),
    "hardtanh": lambda x, min_val=-1.0, max_val=1.0: np.minimum(np.maximum(x, min_val), max_val),
    "prelu": lambda x: np.where(x >= 0, x, 0.25 * x),
    "tanhshrink": lambda x: x - np.tanh(x),
    "softshrink": lambda x, lambd=0.5: np.sign(x) * np.maximum(np.abs(x) - lambd, 0.0),
    "hardshrink": lambda x, lambd=0.5: np.where(np.abs(x) > lambd, x, 0.0),
    "threshold": lambda x, threshold, value: np.where(x > threshold, x, value),
}


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_values_match_reference_formula(name: str, kwargs: dict) -> None:
    assert name in REFERENCES, f"add a plain NumPy reference for {name!r} to REFERENCES"
    x = np.linspace(-6.0, 6.0, 49).reshape(7, 7)
    out = make(name, **kwargs)(x).data
    np.testing.assert_allclose(out, REFERENCES[name](x, **kwargs), rtol=1e-10, atol=1e-12)


# Composite versions from Tensor ops: autograd differentiates them, a second opinion on the
# hand-written backward (values and gradients).
COMPOSITES: dict[str, Callable[[mg.Tensor], mg.Tensor]] = {
    "sigmoid": lambda t: 1.0 / (1.0 + (-t).exp()),
    "tanh": lambda t: ((t * 2.0).exp() - 1.0) / ((t * 2.0).exp() + 1.0),
    "swish": lambda t: t / (1.0 + (-t).exp()),
    "softplus": lambda t: (1.0 + t.exp()).log(),
    "mish": lambda t: t * (1.0 + t.exp()).log().tanh(),
    "log_sigmoid": lambda t: -((1.0 + (-t).exp()).log()),
    "softsign": lambda t: t / (1.0 + t.abs()),
    "softmax": lambda t: t.exp() / t.exp().sum(axis=-1, keepdims=True),
    "log_softmax": lambda t: t - t.exp().sum(axis=-1, keepdims=True).log(),
    "softmin": lambda t: (-t).exp() / (-t).exp().sum(axis=-1, keepdims=True),
    "elu": lambda t: mg.where(t.data > 0, t, t.exp() - 1.0),
    "hard_swish": lambda t: t * mg.minimum(mg.maximum(t + 3.0, 0.0), 6.0) / 6.0,
    "tanhshrink": lambda t: t - t.tanh(),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_value_and_gradient_match_composite_oracle(name: str) -> None:
    x = np.linspace(-4.9, 4.9, 36).reshape(6, 6)  # no point sits on a kink
    dout = np.random.default_rng(3).standard_normal((6, 6))
    t_layer, t_oracle = mg.Tensor(x, requires_grad=True), mg.Tensor(x, requires_grad=True)
    y_layer, y_oracle = make(name)(t_layer), COMPOSITES[name](t_oracle)
    y_layer.backward(dout)
    y_oracle.backward(dout)
    np.testing.assert_allclose(y_layer.data, y_oracle.data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(t_layer.grad, t_oracle.grad, rtol=1e-10, atol=1e-13)


# --------------------------------------------------------------------------- (8) the seed


def test_softmax_reproduces_the_seed_article() -> None:
    out = nn.Softmax()(np.array([0.5, 2.8, 5.0, 1.0, 3.0])).data
    expected = [0.00870909, 0.08686608, 0.7839675, 0.01435887, 0.10609846]
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out.sum() == pytest.approx(1.0, abs=1e-15)


def test_softmax_survives_the_seed_overflow_case() -> None:
    x = mg.Tensor([1010.0, 1020.0, 1000.0, 990.0, 1050.0], requires_grad=True)
    with strict_numerics():
        y = nn.Softmax()(x)
        y.backward(np.array([1.0, -2.0, 0.5, 0.0, 3.0]))
    expected = [4.24835426e-18, 9.35762297e-14, 1.92874985e-22, 8.75651076e-27, 1.0]
    np.testing.assert_allclose(y.data, expected, rtol=1e-8)
    assert np.all(np.isfinite(x.grad))


def test_sigmoid_of_minus_1000_is_exactly_zero_without_warning() -> None:
    with strict_numerics():
        out = nn.Sigmoid()(np.array([-1000.0, 1000.0])).data
    assert out.tolist() == [0.0, 1.0]


def test_log_forms_stay_finite_where_the_plain_forms_underflow() -> None:
    with strict_numerics():
        softmax = nn.Softmax()(np.array([0.0, -2000.0])).data
        log_softmax = nn.LogSoftmax()(np.array([0.0, -2000.0])).data
        sigmoid = nn.Sigmoid()(np.array([-2000.0])).data
        log_sigmoid = nn.LogSigmoid()(np.array([-2000.0])).data
    assert softmax[1] == 0.0 and sigmoid[0] == 0.0  # log of these would be -inf
    assert log_softmax.tolist() == [0.0, -2000.0]
    assert log_sigmoid.tolist() == [-2000.0]


# --------------------------------------------------------------------------- (9) registry

CANONICAL = [
    "identity", "sigmoid", "tanh", "relu", "leaky_relu", "relu6", "swish", "hard_swish",
    "hard_sigmoid", "softmax", "log_softmax", "softmin", "elu", "selu", "celu", "gelu",
    "softplus", "mish", "softsign", "log_sigmoid", "hardtanh", "prelu", "tanhshrink",
    "softshrink", "hardshrink", "threshold",
]
ALIASES = {
    "linear": nn.Identity, "silu": nn.Swish, "h_swish": nn.HardSwish,
    "hardswish": nn.HardSwish, "hardsigmoid": nn.HardSigmoid,
}


def test_activation_names_are_sorted_canonical_names_without_aliases() -> None:
    names = nn.activation_names()
    assert names == sorted(names)
    assert set(CANONICAL) <= set(names)
    assert not set(ALIASES) & set(names)


@pytest.mark.parametrize(("alias", "cls"), sorted(ALIASES.items()))
def test_aliases_build_the_same_class(alias: str, cls: type) -> None:
    assert type(make(alias)) is cls


@pytest.mark.parametrize(
    ("spelling", "cls"),
    [("ReLU", nn.ReLU), ("Leaky-ReLU", nn.LeakyReLU), ("leaky relu", nn.LeakyReLU),
     ("  LOG_SOFTMAX ", nn.LogSoftmax), ("Hard-Swish", nn.HardSwish), ("SiLU", nn.Swish)],
)
def test_names_are_case_insensitive_and_hyphens_count_as_underscores(
    spelling: str, cls: type
) -> None:
    assert type(make(spelling)) is cls


def test_get_activation_returns_a_new_instance_with_its_kwargs() -> None:
    first, second = make("prelu"), make("prelu")
    assert first is not second and first.weight is not second.weight
    assert make("leaky_relu", alpha=0.2).alpha == 0.2
    assert repr(make("gelu", approximate="tanh")) == "GELU(approximate='tanh')"


def test_unknown_name_lists_valid_names_and_suggests() -> None:
    with pytest.raises(ValueError, match="unknown activation 'rellu'") as info:
        make("rellu")
    message = str(info.value)
    assert "did you mean 'relu'" in message
    assert all(name in message for name in CANONICAL)


def test_name_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="activation name"):
        nn.get_activation(nn.ReLU)  # type: ignore[arg-type]


def test_bad_kwargs_name_the_activation_and_what_it_accepts() -> None:
    with pytest.raises(TypeError, match=r"LeakyReLU got unexpected parameter\(s\) slope"):
        make("leaky_relu", slope=0.2)
    with pytest.raises(TypeError, match=r"it accepts: alpha=0\.1"):
        make("leaky_relu", slope=0.2)
    with pytest.raises(TypeError, match="ReLU got unexpected.*no parameters"):
        make("relu", alpha=0.2)
    with pytest.raises(TypeError, match=r"Threshold got missing required parameter\(s\) "
                                        r"threshold, value; it accepts: threshold, value"):
        make("threshold")
    with pytest.raises(TypeError, match=r"missing required parameter\(s\) value"):
        make("threshold", threshold=0.5)


@pytest.fixture
def scratch_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations inside a test stay inside it."""
    monkeypatch.setattr(registry, "_NAMES", dict(registry._NAMES))
    monkeypatch.setattr(registry, "_CANONICAL", set(registry._CANONICAL))


class Square(nn.Layer):
    kinks = ()

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        ctx.x = x
        return x * x

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return 2.0 * ctx.x * dout


@pytest.mark.usefixtures("scratch_registry")
def test_user_registration_works_and_can_swap_a_builtin() -> None:
    nn.register_activation("Square", Square, aliases=["sq"])
    assert "square" in nn.activation_names() and "sq" not in nn.activation_names()
    layer = make("SQ")
    assert layer(np.array([3.0])).data.tolist() == [9.0]
    assert mg.gradcheck(layer, mg.Tensor([0.5, -2.0], requires_grad=True))

    with pytest.raises(ValueError, match="'relu' is already taken by ReLU.*overwrite=True"):
        nn.register_activation("relu", Square)
    nn.register_activation("relu", Square, overwrite=True)
    assert type(make("relu")) is Square
    model = nn.Sequential(nn.Dense(2, 3, rng=0), make("relu"))
    assert isinstance(model[1], Square)


@pytest.mark.usefixtures("scratch_registry")
def test_registration_refuses_non_layers_and_bad_names() -> None:
    with pytest.raises(TypeError, match="subclass of nn.Layer"):
        nn.register_activation("seq", nn.Sequential)  # a Module without hand-written backward
    with pytest.raises(TypeError, match="subclass of nn.Layer"):
        nn.register_activation("square", Square())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a valid name"):
        nn.register_activation("2x", Square)
    with pytest.raises(ValueError, match="'silu' is already taken"):
        nn.register_activation("my_silu", Square, aliases=["silu"])
    assert "my_silu" not in nn.activation_names()  # nothing half-registered


# --------------------------------------------------------------------------- hyper-parameters


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: nn.Softshrink(lambd=-0.1), ValueError, "Softshrink: lambd must be >= 0"),
        (lambda: nn.Hardshrink(lambd=-1.0), ValueError, "Hardshrink: lambd must be >= 0"),
        (lambda: nn.Hardtanh(1.0, 1.0), ValueError, "Hardtanh: min_val must be less than"),
        (lambda: nn.GELU("fast"), ValueError, "GELU: approximate must be 'none' or 'tanh'"),
        (lambda: nn.CELU(alpha=0.0), ValueError, "CELU: alpha must be positive"),
        (lambda: nn.Softplus(beta=0.0), ValueError, "Softplus: beta must be non-zero"),
        (lambda: nn.PReLU(num_parameters=0), ValueError, "PReLU: num_parameters"),
        (lambda: nn.PReLU(dtype=np.int64), TypeError, "PReLU: dtype must be a float dtype"),
        (lambda: nn.LeakyReLU(alpha="0.1"), TypeError, "LeakyReLU: alpha must be a real"),
        (lambda: nn.ELU(alpha=float("nan")), ValueError, "ELU: alpha must be finite"),
        (lambda: nn.Softmax(axis=1.0), TypeError, "Softmax: axis must be an integer"),
    ],
)
def test_bad_hyper_parameters_are_refused(build: Callable, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        build()


@pytest.mark.parametrize("cls", [nn.Softmax, nn.LogSoftmax, nn.Softmin])
def test_softmax_family_checks_its_axis(cls: type) -> None:
    with pytest.raises(ValueError, match=r"axis=-1\) got a 0-d input"):
        cls()(np.array(1.0))
    with pytest.raises(ValueError, match=r"axis=2\) got input of shape \(2, 3\)"):
        cls(axis=2)(np.ones((2, 3)))


def test_softmax_axis_selects_the_normalised_axis() -> None:
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(nn.Softmax(axis=0)(x).data.sum(axis=0), np.ones(3))
    np.testing.assert_allclose(nn.Softmax(axis=1)(x).data.sum(axis=1), np.ones(2))


@pytest.mark.parametrize(
    ("layer", "text"),
    [
        (nn.LeakyReLU(), "LeakyReLU()"),
        (nn.LeakyReLU(alpha=0.2), "LeakyReLU(alpha=0.2)"),
        (nn.Softplus(beta=2.0), "Softplus(beta=2.0)"),
        (nn.Hardtanh(-2.0, 2.0), "Hardtanh(min_val=-2.0, max_val=2.0)"),
        (nn.ReLU6(), "ReLU6()"),
        (nn.Threshold(0.5, 0.0), "Threshold(threshold=0.5, value=0.0)"),
        (nn.PReLU(num_parameters=3), "PReLU(num_parameters=3)"),
        (nn.PReLU(num_parameters=2, init=0.5), "PReLU(num_parameters=2, init=0.5)"),
        (nn.PReLU(init=0.5), "PReLU(init=0.5)"),
        (nn.Softmax(axis=0), "Softmax(axis=0)"),
        (nn.Swish(beta=2.0), "Swish(beta=2.0)"),
    ],
)
def test_repr_shows_non_default_hyper_parameters(layer: nn.Layer, text: str) -> None:
    assert repr(layer) == text


# --------------------------------------------------------------------------- (10) PReLU


@settings(max_examples=15, deadline=None)
@given(x=arrays(shapes(min_dims=0, max_dims=3), avoid=(0.0,)), init=st.floats(-1.0, 1.0))
def test_prelu_single_slope_gradient_includes_weight(x: np.ndarray, init: float) -> None:
    layer = nn.PReLU(init=init)
    assert mg.gradcheck(layer, mg.Tensor(x, requires_grad=True))  # checks layer.weight too


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_prelu_per_channel_gradient_includes_weight(data: Any) -> None:
    channels = data.draw(st.integers(2, 4))
    trailing = data.draw(shapes(min_dims=0, max_dims=2, max_side=3))
    x = data.draw(arrays((2, channels, *trailing), avoid=(0.0,)))
    layer = nn.PReLU(num_parameters=channels)
    layer.weight.data = np.linspace(-0.5, 0.9, channels)
    assert mg.gradcheck(layer, mg.Tensor(x, requires_grad=True))


def test_prelu_weight_gradient_sums_over_all_but_the_channel_axis() -> None:
    rng = np.random.default_rng(4)
    x, dout = rng.standard_normal((5, 3, 2)), rng.standard_normal((5, 3, 2))
    layer = nn.PReLU(num_parameters=3, init=0.1)
    layer(mg.Tensor(x, requires_grad=True)).backward(dout)
    expected = np.where(x > 0, 0.0, x * dout).sum(axis=(0, 2))
    np.testing.assert_allclose(layer.weight.grad, expected, rtol=1e-14)


def test_prelu_weight_is_a_discovered_parameter() -> None:
    layer = nn.PReLU(num_parameters=4)
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer.num_parameters() == 4  # Module's count of trainable numbers still works
    model = nn.Sequential(nn.Dense(2, 3, rng=0), nn.PReLU(3))
    assert [n for n, _ in model.named_parameters()] == ["0.W", "0.b", "1.weight"]
    assert model.state_dict()["1.weight"].tolist() == [0.25, 0.25, 0.25]


def test_prelu_learns_its_slope() -> None:
    layer = nn.PReLU(init=0.25)
    x = mg.Tensor([[-2.0, 1.0]])  # the data batch needs no gradient
    y = layer(x)
    y.backward(np.ones((1, 2)))
    assert x.grad is None and layer.weight.grad.tolist() == [-2.0]


def test_prelu_rejects_a_channel_mismatch() -> None:
    with pytest.raises(ValueError, match=r"PReLU\(num_parameters=3\) got input of shape \(4, 2\)"):
        nn.PReLU(3)(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        nn.PReLU(3)(np.ones(3))


def test_prelu_computes_in_the_input_dtype_and_returns_weight_grad_in_its_own() -> None:
    layer = nn.PReLU(dtype=np.float32)
    assert layer.weight.dtype == np.float32
    out, (dx, dweight) = drive_by_hand(layer, -np.ones((2, 2)), np.ones((2, 2)))
    assert out.dtype == np.float64 and dx.dtype == np.float64 and dweight.dtype == np.float32
    assert dweight.tolist() == [-4.0]


# --------------------------------------------------------------------------- (11) GELU and erf


def test_gelu_exact_and_tanh_approximation_differ_slightly() -> None:
    x = np.linspace(-4.0, 4.0, 161)
    exact, approx = nn.GELU()(x).data, nn.GELU(approximate="tanh")(x).data
    gap = np.max(np.abs(exact - approx))
    assert 1e-5 < gap < 1e-3
    np.testing.assert_allclose(exact, REFERENCES["gelu"](x), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(
        approx, REFERENCES["gelu"](x, approximate="tanh"), rtol=1e-13, atol=1e-15
    )


def test_gelu_negative_tail_is_accurate() -> None:
    # x * Phi(x) with Phi from erfc: 1 + erf(x / sqrt 2) would have cancelled to 0 here.
    x = np.array([-10.0, -20.0])
    expected = x * 0.5 * np.array([math.erfc(10.0 / math.sqrt(2)), math.erfc(20.0 / math.sqrt(2))])
    np.testing.assert_allclose(nn.GELU()(x).data, expected, rtol=1e-13)
    assert np.all(nn.GELU()(x).data < 0.0)


def test_gelu_without_scipy_uses_minigrads_erfc(monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.linspace(-7.0, 7.0, 57)
    with_default = nn.GELU()(x).data
    monkeypatch.setattr(gelu_module, "_erfc_impl", erf_module.erfc)
    fallback = nn.GELU()(x).data
    np.testing.assert_allclose(fallback, with_default, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(fallback, REFERENCES["gelu"](x), rtol=1e-13, atol=1e-15)
    assert mg.gradcheck(nn.GELU(), mg.Tensor(x.reshape(3, 19), requires_grad=True))
    assert nn.GELU()(x.astype(np.float32)).dtype == np.float32


def _ulps(got: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.abs(got - expected) / np.spacing(np.abs(expected))


def test_own_erf_matches_math_erf_to_a_few_ulps() -> None:
    rng = np.random.default_rng(5)
    x = np.concatenate([
        rng.uniform(-6.0, 6.0, 20000), rng.uniform(-0.5, 0.5, 5000),
        np.geomspace(1e-300, 0.4, 200), [0.0, 0.46875, 4.0, -4.0, 30.0],
    ])
    ulps = _ulps(erf_module.erf(x), np.array([math.erf(v) for v in x]))
    assert ulps.max() <= 4 and ulps.mean() < 0.5
    assert np.array_equal(erf_module.erf(-x), -erf_module.erf(x))


def test_own_erfc_matches_math_erfc_to_a_few_ulps() -> None:
    rng = np.random.default_rng(6)
    x = np.concatenate([rng.uniform(-6.0, 26.0, 20000), [0.0, 0.46875, 4.0, -4.0]])
    ulps = _ulps(erf_module.erfc(x), np.array([math.erfc(v) for v in x]))
    assert ulps.max() <= 8 and ulps.mean() < 1.5


def test_own_erf_special_values_and_dtypes() -> None:
    erf, erfc = erf_module.erf, erf_module.erfc
    with strict_numerics():
        values = erf(np.array([np.inf, -np.inf, 1e300, -1e300]))
        tails = erfc(np.array([np.inf, -np.inf, 1e300, 40.0]))
    assert values.tolist() == [1.0, -1.0, 1.0, -1.0]
    assert tails.tolist() == [0.0, 2.0, 0.0, 0.0]
    assert np.isnan(erf(np.array([np.nan])))[0] and np.isnan(erfc(np.array([np.nan])))[0]
    assert erf(np.array([0.5], dtype=np.float32)).dtype == np.float32
    assert erf(np.array([1, 2])).dtype == np.float64
    assert float(erf(0.5)) == pytest.approx(math.erf(0.5), rel=1e-16)
    with pytest.raises(TypeError, match="erf: expected real numbers"):
        erf(np.array(["a"]))
