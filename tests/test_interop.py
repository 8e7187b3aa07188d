"""minigrad.interop: to_torch / from_torch against PyTorch, export_onnx run by onnxruntime.

One table, ``ACTIVATIONS``, holds every registered activation at its defaults and with each
constructor parameter at a non-default value; both directions of the torch conversion and
the ONNX export are checked on every row (a test keeps the table complete).
"""

from __future__ import annotations

import contextlib
import inspect
import pickle
import subprocess
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from optional import missing

import minigrad as mg
from minigrad import nn
from minigrad.experiments import make_cnn
from minigrad.interop import export_onnx, from_torch, to_torch
from minigrad.nn.activations import registry

# (registry name, constructor arguments): every activation with its defaults, then each
# constructor parameter at a non-default value. PReLU's slopes are randomized after
# construction; its ``dtype`` follows the test's dtype.
ACTIVATIONS: list[tuple[str, dict[str, Any]]] = [
    ("identity", {}), ("sigmoid", {}), ("tanh", {}), ("relu", {}), ("relu6", {}),
    ("leaky_relu", {}), ("leaky_relu", {"alpha": 0.25}),
    ("swish", {}), ("swish", {"beta": 1.7}), ("swish", {"beta": -0.6}),
    ("hard_swish", {}), ("hard_sigmoid", {}),
    ("softmax", {}), ("softmax", {"axis": 1}), ("log_softmax", {}), ("log_softmax", {"axis": 1}),
    ("softmin", {}), ("softmin", {"axis": 1}),
    ("elu", {}), ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {}), ("celu", {"alpha": 1.5}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}),
    ("softplus", {}), ("softplus", {"beta": 2.0}), ("softplus", {"threshold": 1.5}),
    ("softplus", {"beta": 0.5, "threshold": 3.0}),
    ("mish", {}), ("softsign", {}), ("log_sigmoid", {}),
    ("hardtanh", {}), ("hardtanh", {"min_val": -0.3, "max_val": 0.7}),
    ("prelu", {}), ("prelu", {"num_parameters": 3, "init": 0.2}),
    ("tanhshrink", {}), ("softshrink", {}), ("softshrink", {"lambd": 0.2}),
    ("hardshrink", {}), ("hardshrink", {"lambd": 0.3}),
    ("threshold", {"threshold": 0.1, "value": -0.3}),
    ("threshold", {"threshold": -1.5, "value": 2.0}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in kwargs.items()) for name, kwargs in ACTIVATIONS]


@contextlib.contextmanager
def _default_dtype(dtype: str) -> Iterator[None]:
    previous = mg.get_default_dtype()
    mg.set_default_dtype(dtype)
    try:
        yield
    finally:
        mg.set_default_dtype(previous)


def _activation(name: str, kwargs: dict[str, Any], dtype: str | None = None) -> nn.Module:
    with _default_dtype(dtype or str(mg.get_default_dtype())):
        layer = nn.get_activation(name, **kwargs)
    if isinstance(layer, nn.PReLU):  # slopes of both signs, one per channel
        layer.weight.data[...] = np.random.default_rng(3).uniform(-1.5, 1.5, layer.weight.shape)
    return layer


def _activation_input(layer: nn.Module, dtype: str, non_finite: bool = False) -> np.ndarray:
    """(2, 3, 4, 5) values around the kinks and the saturations, some far out, and with
    ``non_finite`` a NaN and both infinities."""
    x = np.random.default_rng(0).normal(scale=3.0, size=(2, 3, 4, 5))
    special = [0.0, -3.0, 3.0, 6.0, -1.0, 1.0, 25.0, -25.0, 40.0, -40.0,
               *getattr(layer, "kinks", ())]
    if non_finite:
        special += [np.nan, np.inf, -np.inf]
    x.flat[7:7 + len(special)] = special
    return x.astype(dtype)


def test_the_activation_table_covers_every_activation_and_parameter() -> None:
    for name in nn.activation_names():
        rows = [kwargs for row_name, kwargs in ACTIVATIONS if row_name == name]
        assert rows, f"ACTIVATIONS has no row for {name!r}"
        params = inspect.signature(registry._NAMES[name]).parameters
        for param in params.values():
            if param.name == "dtype":
                continue  # the tests run every row in float64 and in float32
            changed = [kw for kw in rows
                       if param.name in kw and kw[param.name] != param.default]
            assert changed, f"no row of ACTIVATIONS sets {name}'s {param.name} to a " \
                            f"non-default value"


# ----------------------------------------------------------------- PyTorch


def _mlp() -> nn.Sequential:
    layers: list[nn.Module] = [nn.Dense(4, 3, rng=0)]
    for i, (name, kwargs) in enumerate(ACTIVATIONS):
        layers += [_activation(name, kwargs), nn.Dense(3, 3, rng=i + 1)]
    layers += [nn.Dropout(0.3), nn.Sequential(nn.Dense(3, 5, rng=99), nn.LayerNorm(5)),
               nn.Dense(5, 3, bias=False, rng=7)]
    model = nn.Sequential(*layers)
    _randomize(model)
    return model


def _cnn() -> nn.Sequential:
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, rng=0), nn.BatchNorm2d(4), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, (3, 2), stride=(1, 2), padding=(1, 0), dilation=(1, 1), groups=2,
                  rng=1),
        nn.AvgPool2d(2, stride=1, padding=1), nn.Dropout2d(0.2),
        nn.Sequential(nn.Flatten(), nn.Dense(6 * 6 * 2, 8, rng=2), nn.BatchNorm1d(8)),
        nn.Tanh(), nn.Dense(8, 3, rng=3),
    )
    _randomize(model)
    return model


def _randomize(model: nn.Module) -> None:
    """Non-trivial values everywhere (running variances positive), so a swap would show."""
    rng = np.random.default_rng(42)
    for _, p in model.named_parameters():
        p.data[...] = rng.normal(size=p.shape)
    for name, b in model.named_buffers():
        b.data[...] = rng.uniform(0.5, 2.0, size=b.shape) if name.endswith("var") \
            else rng.normal(size=b.shape)


def _state_equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for key in a:
        assert a[key].dtype == b[key].dtype, key
        assert a[key].shape == b[key].shape, key
        assert np.array_equal(a[key], b[key]), key


def _compare(torch, model: nn.Module, x: np.ndarray, grads: bool = True,  # type: ignore[no-untyped-def]
             rtol: float = 0.0, atol: float = 1e-12, grad_rtol: float | None = None) -> None:
    """Same outputs, same input gradient and same parameter gradients after one backward."""
    tmodel = to_torch(model)
    xt = torch.from_numpy(x.copy()).requires_grad_(x.dtype.kind == "f")
    out_t = tmodel(xt)
    xm = mg.Tensor(x, requires_grad=True) if x.dtype.kind == "f" else x
    out_m = model(xm)
    assert out_m.dtype == out_t.detach().numpy().dtype
    np.testing.assert_allclose(out_m.data, out_t.detach().numpy(), rtol=rtol, atol=atol)
    if not grads:
        return
    rtol = rtol if grad_rtol is None else grad_rtol
    upstream = np.random.default_rng(5).normal(size=out_m.shape).astype(out_m.dtype)
    model.zero_grad()
    out_m.backward(upstream)
    out_t.backward(torch.from_numpy(upstream))
    if x.dtype.kind == "f":
        np.testing.assert_allclose(xm.grad, xt.grad.numpy(), rtol=rtol, atol=atol)
    tparams = dict(tmodel.named_parameters())
    for name, p in model.named_parameters():
        *path, leaf = name.split(".")
        tname = ".".join([*path, {"W": "weight", "b": "bias"}.get(leaf, leaf)])
        tgrad = tparams[tname].grad.numpy()
        if isinstance(_owner(model, name), nn.Dense):
            tgrad = tgrad.T
        np.testing.assert_allclose(p.grad, tgrad, rtol=rtol, atol=atol, err_msg=name)


def _owner(model: nn.Module, name: str) -> nn.Module:
    module = model
    for part in name.split(".")[:-1]:
        module = module[int(part)]  # type: ignore[index]
    return module


# torch's CPU backward of these multiplies by a float32 constant (hardsigmoid's 1.0f / 6.0f),
# so its float64 gradient is off by up to 3e-8 relative; minigrad's is exact.
TORCH_FLOAT32_CONSTANT_IN_BACKWARD = {"hard_sigmoid": 1e-7}
# minigrad's float32 tanh-GELU gradient has 1 - s with s = sigmoid(2u) near 1: at x = 4.7 it
# is 1.5e-6 relative off the exact value (torch's 3e-7), so 1e-6 would fail on minigrad's
# rounding, not on the conversion.
FLOAT32_GRADIENT_RTOL = {"gelu-approximate=tanh": 3e-6}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "kwargs"), ACTIVATIONS, ids=IDS)
def test_every_activation_matches_torch(torch, name, kwargs, dtype) -> None:  # type: ignore[no-untyped-def]
    layer = _activation(name, kwargs, dtype)
    x = _activation_input(layer, dtype)  # NaN and infinities: tests/test_activation_nan.py
    tolerance = {"rtol": 0.0, "atol": 1e-12} if dtype == "float64" else \
        {"rtol": 1e-6, "atol": 1e-6}
    grad_rtol = TORCH_FLOAT32_CONSTANT_IN_BACKWARD.get(name) if dtype == "float64" else \
        FLOAT32_GRADIENT_RTOL.get(IDS[ACTIVATIONS.index((name, kwargs))])
    _compare(torch, layer, x, grad_rtol=grad_rtol, **tolerance)
    back = from_torch(to_torch(layer))
    assert type(back) is type(layer) and repr(back) == repr(layer)
    _state_equal(back.state_dict(), layer.state_dict())


def test_swish_with_a_beta_is_a_small_torch_module(torch) -> None:  # type: ignore[no-untyped-def]
    from minigrad.interop.torch import Swish

    assert isinstance(to_torch(nn.Swish()), torch.nn.SiLU)
    tswish = to_torch(nn.Swish(beta=2.5))
    assert type(tswish) is Swish and tswish.beta == 2.5 and repr(tswish) == "Swish(beta=2.5)"
    x = torch.linspace(-4.0, 4.0, 9)
    assert torch.equal(tswish(x), x * torch.sigmoid(2.5 * x))
    again = pickle.loads(pickle.dumps(torch.nn.Sequential(tswish)))  # found by its module path
    assert type(again[0]) is Swish and again[0].beta == 2.5
    assert from_torch(Swish(0.5)).beta == 0.5


def test_mlp_with_every_activation_matches_torch(torch) -> None:  # type: ignore[no-untyped-def]
    model = _mlp().eval()
    x = np.random.default_rng(1).normal(size=(7, 4))
    _compare(torch, model, x)


def test_cnn_with_batchnorm_in_eval_matches_torch(torch) -> None:  # type: ignore[no-untyped-def]
    model = _cnn().eval()
    tmodel = to_torch(model)
    assert not any(m.training for m in tmodel.modules())
    x = np.random.default_rng(2).normal(size=(3, 2, 10, 6))
    _compare(torch, model, x)


def test_batchnorm_in_training_updates_the_same_running_stats(torch) -> None:  # type: ignore[no-untyped-def]
    model = nn.Sequential(nn.Dense(3, 4, rng=0), nn.BatchNorm1d(4, momentum=0.3), nn.ReLU())
    _randomize(model)
    tmodel = to_torch(model)
    assert all(m.training for m in tmodel.modules())
    x = np.random.default_rng(3).normal(size=(9, 3))
    out_t = tmodel(torch.from_numpy(x))
    out_m = model(x)
    np.testing.assert_allclose(out_m.data, out_t.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(model[1].running_mean.data, tmodel[1].running_mean.numpy(),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(model[1].running_var.data, tmodel[1].running_var.numpy(),
                               rtol=0, atol=1e-12)


def test_embedding_matches_torch(torch) -> None:  # type: ignore[no-untyped-def]
    model = nn.Sequential(nn.Embedding(10, 4, rng=0), nn.Flatten(), nn.Dense(12, 2, rng=1))
    x = np.random.default_rng(4).integers(0, 10, size=(5, 3))
    _compare(torch, model, x)
    _state_equal(from_torch(to_torch(model)).state_dict(), model.state_dict())


@pytest.mark.parametrize("build", [_mlp, _cnn])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_is_bit_for_bit(torch, build, dtype) -> None:  # type: ignore[no-untyped-def]
    with _default_dtype(dtype):
        model = build()
    assert all(p.dtype == np.dtype(dtype) for p in model.parameters())
    model.eval()
    model[1].train()  # a mix of modes survives too
    back = from_torch(to_torch(model))
    _state_equal(back.state_dict(), model.state_dict())
    assert [m.training for m in back.modules()] == [m.training for m in model.modules()]
    assert repr(back) == repr(model)


def test_torch_state_dict_has_the_torch_layout(torch) -> None:  # type: ignore[no-untyped-def]
    model = nn.Sequential(nn.Dense(3, 2, rng=0))
    tmodel = to_torch(model)
    assert tuple(tmodel[0].weight.shape) == (2, 3)
    assert np.array_equal(tmodel[0].weight.detach().numpy(), model[0].W.data.T)
    assert tmodel[0].weight.dtype == torch.float64


def test_from_torch_of_a_torch_model(torch) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(
        torch.nn.Linear(4, 5), torch.nn.LeakyReLU(), torch.nn.Sequential(torch.nn.Linear(5, 2)),
        torch.nn.Softmax(dim=-1),
    ).double().eval()
    model = from_torch(tmodel)
    assert isinstance(model[1], nn.LeakyReLU) and model[1].alpha == 0.01
    x = np.random.default_rng(6).normal(size=(3, 4))
    np.testing.assert_allclose(model(x).data, tmodel(torch.from_numpy(x)).detach().numpy(),
                               rtol=0, atol=1e-12)


def test_unsupported_layers_raise_type_error_naming_them(torch) -> None:  # type: ignore[no-untyped-def]
    class Custom(nn.Module):
        def forward(self, x):  # type: ignore[no-untyped-def]
            return x

    with pytest.raises(TypeError, match=r"Custom.*supported: .*Dense"):
        to_torch(nn.Sequential(nn.Dense(2, 2), Custom()))
    with pytest.raises(TypeError, match=r"LSTM.*supported: .*Linear"):
        from_torch(torch.nn.Sequential(torch.nn.LSTM(2, 2)))
    with pytest.raises(ValueError, match="ceil_mode"):
        from_torch(torch.nn.MaxPool2d(2, ceil_mode=True))
    with pytest.raises(ValueError, match="padding_idx"):
        from_torch(torch.nn.Embedding(3, 2, padding_idx=0))


def test_interop_imports_without_torch() -> None:
    code = ("import sys; sys.modules['torch'] = None; sys.modules['onnx'] = None\n"
            "import minigrad as mg\n"
            "assert 'minigrad.interop' not in sys.modules\n"
            "from minigrad.interop import to_torch, export_onnx\n"
            "assert mg.interop.to_torch is to_torch\n"
            "for call in (lambda: to_torch(mg.nn.Swish(beta=2.0)),\n"
            "             lambda: mg.interop.torch.Swish):\n"
            "    try:\n"
            "        call()\n"
            "    except ImportError as e:\n"
            "        assert 'pip install torch' in str(e)\n"
            "    else:\n"
            "        raise AssertionError('no ImportError')\n"
            "try:\n"
            "    export_onnx(mg.nn.ReLU(), 'x.onnx', (1, 2))\n"
            "except ImportError as e:\n"
            "    assert 'pip install' in str(e) and 'onnx' in str(e)\n"
            "else:\n"
            "    raise AssertionError('no ImportError')\n")
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)


# ----------------------------------------------------------------- ONNX


@pytest.fixture(scope="module")
def onnx():  # type: ignore[no-untyped-def]
    """The onnx package; skips locally without it, fails in CI (the dev extra installs it)."""
    try:
        import onnx as onnx_module
        import onnx.reference  # noqa: F401
    except ImportError:
        missing("onnx", "pip install 'onnx>=1.15'")
    return onnx_module


# Float tolerances against minigrad. In float64 a graph is exact up to rounding, except where
# ONNX holds a constant as a float32 attribute (LeakyRelu's and Elu's alpha, Selu's and
# HardSigmoid's constants, the normalisations' epsilon): there the float32 rounding of the
# constant shows, 3e-8 relative to the term it scales (more relative to an output that nearly
# cancels, x / 6 + 0.5 near x = -3: hence the absolute part).
FLOAT32 = {"rtol": 1e-5, "atol": 1e-6}
FLOAT64 = {"rtol": 1e-12, "atol": 1e-12}
FLOAT64_ATTRIBUTES = {"rtol": 1e-7, "atol": 1e-7}
FLOAT32_ATTRIBUTE_LAYERS = (nn.LeakyReLU, nn.ELU, nn.SELU, nn.HardSigmoid, nn.HardSwish,
                            nn.BatchNorm1d, nn.LayerNorm)


# onnxruntime's float32 Sigmoid (MLAS's logistic) is up to 5e-8 absolute off in its tail
# (sigmoid(-15): 3.58e-7 for 3.06e-7): x * sigmoid(-0.6 x) at x = 25 shows it as 1.3e-6.
ORT_FLOAT32 = {"swish-beta=-0.6": {"rtol": 1e-5, "atol": 2e-6}}


def _ort_runs_float64(layer: nn.Module) -> bool:
    """Whether onnxruntime's CPU provider has float64 kernels for the layer's ONNX operators.

    It has none for Conv, AveragePool, Elu (so CELU), Selu, Softplus (so Mish, LogSigmoid),
    Softsign, HardSigmoid, HardSwish and Erf (exact GELU); such graphs are checked in float64
    with onnx's reference evaluator, and in onnxruntime exported as float32.
    """
    if isinstance(layer, nn.GELU):
        return layer.approximate == "tanh"
    return not isinstance(layer, (nn.Conv2d, nn.AvgPool2d, nn.ELU, nn.CELU, nn.SELU,
                                  nn.Softplus, nn.Mish, nn.LogSigmoid, nn.Softsign,
                                  nn.HardSigmoid, nn.HardSwish))


def _leaves(model: nn.Module) -> list[nn.Module]:
    if isinstance(model, nn.Sequential):
        return [leaf for layer in model.layers for leaf in _leaves(layer)]
    return [model]


def _float64_tolerance(model: nn.Module) -> dict[str, float]:
    # Also exact GELU: onnxruntime has no float64 Erf, and the reference evaluator computes
    # Erf in float32 (math.erf vectorized with a float32 result), 6e-8 off.
    rounded = any(isinstance(m, FLOAT32_ATTRIBUTE_LAYERS)
                  or (isinstance(m, nn.GELU) and m.approximate == "none")
                  for m in _leaves(model))
    return FLOAT64_ATTRIBUTES if rounded else FLOAT64


def _export(onnx, model: nn.Module, path, input_shape, **kwargs: Any):  # type: ignore[no-untyped-def]
    """Export, then load the file and check it as a reader would; returns the loaded proto."""
    export_onnx(model, path, input_shape, **kwargs)
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)
    assert [(o.domain, o.version) for o in loaded.opset_import] == [("", 17)]
    return loaded


def _run_ort(onnxruntime, proto, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only
    session = onnxruntime.InferenceSession(proto.SerializeToString(), options,
                                           providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input": x})
    return out


def _run_reference(proto, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    from onnx.reference import ReferenceEvaluator

    # The evaluator's own NumPy (exp in Sigmoid) overflows quietly far out: not ours to report.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        (out,) = ReferenceEvaluator(proto).run(None, {"input": x})
    return out


def _check_onnx(onnx, onnxruntime, tmp_path, model: nn.Module, x: np.ndarray,  # type: ignore[no-untyped-def]
                input_shape: tuple[Any, ...] | None = None,
                float32: dict[str, float] = FLOAT32) -> None:
    """The export of ``model`` run on ``x`` gives minigrad's eval-mode output.

    float32: onnxruntime. float64: onnxruntime when it has the kernels, else the float32
    export of the float64 model in onnxruntime; and onnx's reference evaluator always.
    """
    shape = tuple(x.shape) if input_shape is None else input_shape
    modes = [m.training for m in model.modules()]
    model.eval()
    expected = model(x).data
    for m, mode in zip(model.modules(), modes):
        m.training = mode
    state = {k: v.copy() for k, v in model.state_dict().items()}
    # dtype given: a model without parameters (a lone activation) has no dtype of its own.
    proto = _export(onnx, model, tmp_path / "model.onnx", shape, dtype=x.dtype)
    # The export leaves the model alone: modes, weights and running statistics.
    assert [m.training for m in model.modules()] == modes
    _state_equal(model.state_dict(), state)
    if x.dtype == np.float32:
        out = _run_ort(onnxruntime, proto, x)
        assert out.dtype == np.float32 and out.shape == expected.shape
        np.testing.assert_allclose(out, expected, **float32)
        return
    tolerance = _float64_tolerance(model)
    if all(_ort_runs_float64(m) for m in _leaves(model)):
        out = _run_ort(onnxruntime, proto, x)
        assert out.dtype == np.float64
        np.testing.assert_allclose(out, expected, **tolerance)
    else:
        as32 = _export(onnx, model, tmp_path / "model32.onnx", shape, dtype="float32")
        out = _run_ort(onnxruntime, as32, x.astype(np.float32))
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, expected, **float32)
    out = _run_reference(proto, x)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, **tolerance)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "kwargs"), ACTIVATIONS, ids=IDS)
def test_onnx_every_activation(onnx, onnxruntime, tmp_path, name, kwargs, dtype) -> None:  # type: ignore[no-untyped-def]
    layer = _activation(name, kwargs, dtype)
    float32 = ORT_FLOAT32.get(IDS[ACTIVATIONS.index((name, kwargs))], FLOAT32)
    # NaN and infinities too, where minigrad keeps or makes them elementwise. Not for the
    # softmax family: one poisons its whole row, and onnxruntime's float64 LogSoftmax even
    # turns the row [nan, 1, 2] into [nan, 45.05, 46.05], a fault of its own.
    x = _activation_input(layer, dtype, non_finite=not hasattr(layer, "axis"))
    _check_onnx(onnx, onnxruntime, tmp_path, layer, x, float32=float32)


def _image(shape: tuple[int, ...], dtype: str, seed: int = 0) -> np.ndarray:
    # Shifted below zero, so a max-pool window reaching into zero padding would show.
    return (np.random.default_rng(seed).normal(size=shape) - 1.5).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_onnx_cnn_of_the_digits_lesson(onnx, onnxruntime, tmp_path, dtype) -> None:  # type: ignore[no-untyped-def]
    # examples/cnn_digits.py's model: Conv2d -> activation -> MaxPool2d -> Flatten -> Dense.
    with _default_dtype(dtype):
        model = make_cnn((1, 8, 8), 10, "relu", channels=4, rng=0)
    x = _image((5, 1, 8, 8), dtype)
    _check_onnx(onnx, onnxruntime, tmp_path, model, x, (None, 1, 8, 8))


@pytest.mark.parametrize("settings", [
    {"stride": 2}, {"padding": (1, 2)}, {"dilation": 2}, {"groups": 2}, {"bias": False},
    {"kernel_size": (2, 3), "stride": (2, 1), "padding": 1, "dilation": (2, 1), "groups": 4,
     "bias": False},
], ids=str)
def test_onnx_conv2d_variants(onnx, onnxruntime, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    settings = {"kernel_size": 3, **settings}
    with _default_dtype("float32"):
        model = nn.Sequential(nn.Conv2d(4, 8, rng=0, **settings), nn.Tanh())
    _check_onnx(onnx, onnxruntime, tmp_path, model, _image((3, 4, 9, 8), "float32"))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("pool", [nn.MaxPool2d, nn.AvgPool2d])
@pytest.mark.parametrize("settings", [
    {"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 0)}, {"kernel_size": 3, "stride": 1},
], ids=str)
def test_onnx_pooling(onnx, onnxruntime, tmp_path, pool, settings, dtype) -> None:  # type: ignore[no-untyped-def]
    model = pool(**settings)
    _check_onnx(onnx, onnxruntime, tmp_path, model, _image((2, 3, 7, 8), dtype))


def _trained_batchnorm(layer: nn.BatchNorm1d, x_shape: tuple[int, ...]) -> nn.BatchNorm1d:
    """Running statistics far from (0, 1), from a few forwards in training mode."""
    rng = np.random.default_rng(7)
    channel_shape = (1, x_shape[1]) + (1,) * (len(x_shape) - 2)
    for _ in range(12):
        layer(rng.normal(loc=rng.normal(size=channel_shape) * 2.0,
                         scale=rng.uniform(0.3, 3.0, channel_shape), size=x_shape))
    if layer.weight is not None and layer.bias is not None:
        layer.weight.data[...] = rng.normal(size=layer.weight.shape)
        layer.bias.data[...] = rng.normal(size=layer.bias.shape)
    return layer


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("build", "x_shape"), [
    (lambda: nn.BatchNorm2d(3, momentum=0.3), (4, 3, 5, 6)),
    (lambda: nn.BatchNorm2d(3, eps=1e-3, affine=False), (4, 3, 5, 6)),
    (lambda: nn.BatchNorm1d(5), (8, 5)),
    (lambda: nn.BatchNorm1d(5), (8, 5, 3)),
    (lambda: nn.BatchNorm2d(3, track_running_stats=False), (4, 3, 5, 6)),
    (lambda: nn.BatchNorm1d(5, affine=False, track_running_stats=False), (8, 5, 3)),
], ids=["bn2d", "bn2d-no-affine", "bn1d", "bn1d-3d", "bn2d-batch-stats",
        "bn1d-batch-stats-no-affine"])
def test_onnx_batchnorm_in_eval_mode(onnx, onnxruntime, tmp_path, build, x_shape, dtype) -> None:  # type: ignore[no-untyped-def]
    with _default_dtype(dtype):
        layer = _trained_batchnorm(build(), x_shape)
    assert layer.training  # exported in its eval form all the same
    if layer.running_mean is not None:
        assert np.abs(layer.running_mean.data).max() > 0.5
        assert np.abs(layer.running_var.data - 1.0).max() > 0.5
    x = np.random.default_rng(8).normal(loc=1.0, scale=2.0, size=x_shape).astype(dtype)
    _check_onnx(onnx, onnxruntime, tmp_path, layer, x, (None, *x_shape[1:]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("build", "x_shape"), [
    (lambda: nn.LayerNorm(6), (4, 6)),
    (lambda: nn.LayerNorm((4, 5), eps=1e-3), (2, 3, 4, 5)),
    (lambda: nn.LayerNorm(5, elementwise_affine=False), (3, 2, 5)),
], ids=["last-axis", "last-two-axes", "no-affine"])
def test_onnx_layernorm(onnx, onnxruntime, tmp_path, build, x_shape, dtype) -> None:  # type: ignore[no-untyped-def]
    with _default_dtype(dtype):
        layer = build()
    _randomize(layer)
    x = np.random.default_rng(9).normal(loc=2.0, scale=3.0, size=x_shape).astype(dtype)
    _check_onnx(onnx, onnxruntime, tmp_path, layer, x)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_onnx_cnn_with_every_layer_kind(onnx, onnxruntime, tmp_path, dtype) -> None:  # type: ignore[no-untyped-def]
    with _default_dtype(dtype):
        model = _cnn()
        model.layers.insert(3, nn.PReLU(num_parameters=4))
        model.layers += [nn.LayerNorm(3), nn.Dropout(0.5), nn.GELU(), nn.Softmax()]
        model[-4].weight.data[...] = [0.5, 2.0, -1.0]
    model.train()  # the export is the eval-mode model all the same
    x = _image((3, 2, 10, 6), dtype, seed=1)
    _check_onnx(onnx, onnxruntime, tmp_path, model, x, (None, 2, 10, 6))


@pytest.mark.parametrize(("start", "end"), [(1, -1), (2, -1), (1, 2), (2, 3), (0, 1), (0, -1)])
def test_onnx_flatten_any_axes_and_any_batch_size(onnx, onnxruntime, tmp_path, start, end) -> None:  # type: ignore[no-untyped-def]
    model = nn.Sequential(nn.Flatten(start, end), nn.Tanh())
    proto = _export(onnx, model, tmp_path / "f.onnx", (None, 2, 3, 4))
    out_dims = proto.graph.output[0].type.tensor_type.shape.dim
    assert out_dims[0].dim_param == ("" if start == 0 else "N")
    for batch in (1, 5):
        x = np.random.default_rng(batch).normal(size=(batch, 2, 3, 4))
        out = _run_ort(onnxruntime, proto, x)
        assert out.shape == model(x).shape
        np.testing.assert_allclose(out, model(x).data, **FLOAT64)


def test_onnx_symbolic_batch_runs_any_batch_size(onnx, onnxruntime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with _default_dtype("float32"):
        model = make_cnn((1, 8, 8), 3, "swish", channels=2, rng=1, beta=2.0)
    proto = _export(onnx, model, tmp_path / "cnn.onnx", (None, 1, 8, 8))
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    for batch in (1, 7):
        x = _image((batch, 1, 8, 8), "float32", seed=batch)
        np.testing.assert_allclose(_run_ort(onnxruntime, proto, x), model(x).data, **FLOAT32)


def test_onnx_float64_model_exported_as_float32(onnx, onnxruntime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = _cnn().eval()
    assert model[0].W.dtype == np.float64
    proto = _export(onnx, model, tmp_path / "m.onnx", (None, 2, 10, 6), dtype="float32")
    assert all(t.data_type == onnx.TensorProto.FLOAT for t in proto.graph.initializer)
    x = _image((3, 2, 10, 6), "float64")
    out = _run_ort(onnxruntime, proto, x.astype(np.float32))
    np.testing.assert_allclose(out, model(x).data, **FLOAT32)
    assert model[0].W.dtype == np.float64  # the model itself is untouched


def test_onnx_mlp_float64_matches_exactly(onnx, onnxruntime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A float64 MLP of the activations onnxruntime runs in float64 and that keep every
    # constant exact (no float32 attribute): onnxruntime agrees to float64 rounding.
    layers: list[nn.Module] = [nn.Dense(4, 3, rng=0)]
    for i, (name, kwargs) in enumerate(ACTIVATIONS):
        layer = _activation(name, kwargs)
        if _ort_runs_float64(layer) and not isinstance(layer, FLOAT32_ATTRIBUTE_LAYERS):
            layers += [layer, nn.Dense(3, 3, rng=i + 1)]
    model = nn.Sequential(*layers, nn.Dropout(0.5), nn.Sequential(nn.Dense(3, 2, rng=9)))
    _randomize(model)
    for p in model.parameters():  # keep activations in a moderate range
        p.data *= 0.5
    x = np.random.default_rng(8).normal(size=(5, 4))
    proto = _export(onnx, model, tmp_path / "mlp.onnx", (None, 4))
    np.testing.assert_allclose(_run_ort(onnxruntime, proto, x), model.eval()(x).data, **FLOAT64)


def test_onnx_graph_uses_the_native_operators(onnx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = nn.Sequential(nn.Conv2d(1, 2, 3, rng=0), nn.BatchNorm2d(2), nn.ReLU(),
                          nn.MaxPool2d(2), nn.AvgPool2d(1), nn.Flatten(), nn.Dense(2, 4),
                          nn.LayerNorm(4), nn.Softmax())
    proto = _export(onnx, model, tmp_path / "m.onnx", (None, 1, 4, 4))
    ops = [node.op_type for node in proto.graph.node]
    assert ops == ["Conv", "BatchNormalization", "Relu", "MaxPool", "AveragePool", "Flatten",
                   "MatMul", "Add", "LayerNormalization", "Softmax", "Identity"]


def test_onnx_unsupported_layers_raise(onnx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    class Custom(nn.Module):
        def forward(self, x):  # type: ignore[no-untyped-def]
            return x

    model = nn.Sequential(nn.Dense(2, 2), nn.Sequential(nn.ReLU(), Custom()))
    with pytest.raises(TypeError, match=r"Custom \(layer 1\.1\) has no ONNX export; "
                                        r"supported: .*Conv2d.*Dense"):
        export_onnx(model, tmp_path / "x.onnx", (1, 2))
    with pytest.raises(TypeError, match=r"Embedding.*supported: "):
        export_onnx(nn.Embedding(4, 2), tmp_path / "x.onnx", (1, 3))
    with pytest.raises(ValueError, match="float32 or float64, got float16"):
        export_onnx(nn.Dense(2, 2), tmp_path / "x.onnx", (1, 2), dtype="float16")
    with pytest.raises(ValueError, match=r"Dense\(in_features=2\) got input of shape"):
        export_onnx(nn.Dense(2, 2), tmp_path / "x.onnx", (1, 3))
    assert not (tmp_path / "x.onnx").exists()


def test_a_trained_model_predicts_the_same_in_torch_and_onnxruntime(  # type: ignore[no-untyped-def]
        torch, onnx, onnxruntime, tmp_path) -> None:
    # The way out, end to end: train with minigrad's fit, then take the model to torch and to
    # onnxruntime; every test point gets the same class, and the logits agree.
    X, y = mg.data.make_moons(300, noise=0.2, rng=0)
    X = X.astype(np.float32)
    X_train, X_test, y_train, y_test = mg.data.train_test_split(X, y, rng=0)
    with _default_dtype("float32"):
        model = nn.Sequential(nn.Dense(2, 16, rng=0), nn.GELU(), nn.Dropout(0.1, rng=0),
                              nn.Dense(16, 16, rng=1), nn.Swish(beta=1.5),
                              nn.Dense(16, 2, rng=2))
    mg.fit(model, X_train, y_train, loss=nn.CrossEntropyLoss(),
           optimizer=mg.optim.Adam(model.parameters(), lr=0.02), epochs=40, batch_size=32,
           verbose=0)
    model.eval()
    with mg.no_grad():
        logits = model(mg.Tensor(X_test)).data
    assert (logits.argmax(axis=1) == y_test).mean() > 0.9  # it did learn

    torch_model = to_torch(model).eval()
    with torch.no_grad():
        torch_logits = torch_model(torch.from_numpy(X_test)).numpy()
    np.testing.assert_allclose(torch_logits, logits, rtol=1e-5, atol=1e-5)
    assert (torch_logits.argmax(axis=1) == logits.argmax(axis=1)).all()

    proto = _export(onnx, model, tmp_path / "moons.onnx", (None, 2))
    ort_logits = _run_ort(onnxruntime, proto, X_test)
    np.testing.assert_allclose(ort_logits, logits, rtol=1e-5, atol=1e-5)
    assert (ort_logits.argmax(axis=1) == logits.argmax(axis=1)).all()
