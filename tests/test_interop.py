"""minigrad.interop: to_torch / from_torch against PyTorch, export_onnx against ONNX's evaluator."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.interop import from_torch, to_torch


def _every_activation() -> list[nn.Module]:
    return [
        nn.Identity(), nn.Sigmoid(), nn.Tanh(), nn.LogSigmoid(), nn.Softsign(), nn.ReLU(),
        nn.ReLU6(), nn.LeakyReLU(), nn.PReLU(num_parameters=6, init=0.2), nn.PReLU(),
        nn.Threshold(0.1, -0.3), nn.Hardtanh(-0.5, 0.7), nn.HardSigmoid(), nn.HardSwish(),
        nn.Swish(), nn.SiLU(), nn.Mish(), nn.Softplus(), nn.Softplus(beta=2.0, threshold=1.5),
        nn.GELU(), nn.GELU(approximate="tanh"), nn.ELU(), nn.ELU(alpha=0.5), nn.SELU(),
        nn.CELU(alpha=1.5), nn.Tanhshrink(), nn.Softshrink(), nn.Softshrink(lambd=0.2),
        nn.Hardshrink(lambd=0.3), nn.Softmax(axis=1), nn.Softmin(), nn.LogSoftmax(axis=-1),
    ]


def _mlp() -> nn.Sequential:
    layers: list[nn.Module] = [nn.Dense(4, 6, rng=0)]
    for i, act in enumerate(_every_activation()):
        layers += [act, nn.Dense(6, 6, rng=i + 1)]
    layers += [nn.Dropout(0.3), nn.Sequential(nn.Dense(6, 5, rng=99), nn.LayerNorm(5)),
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


def _compare(torch, model: nn.Module, x: np.ndarray, grads: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Same outputs, same input gradient and same parameter gradients after one backward."""
    tmodel = to_torch(model)
    upstream = None
    xt = torch.from_numpy(x.copy()).requires_grad_(x.dtype.kind == "f")
    out_t = tmodel(xt)
    xm = mg.Tensor(x, requires_grad=True) if x.dtype.kind == "f" else x
    out_m = model(xm)
    np.testing.assert_allclose(out_m.data, out_t.detach().numpy(), rtol=0, atol=1e-12)
    if not grads:
        return
    upstream = np.random.default_rng(5).normal(size=out_m.shape)
    model.zero_grad()
    out_m.backward(upstream)
    out_t.backward(torch.from_numpy(upstream))
    if x.dtype.kind == "f":
        np.testing.assert_allclose(xm.grad, xt.grad.numpy(), rtol=0, atol=1e-12)
    tparams = dict(tmodel.named_parameters())
    for name, p in model.named_parameters():
        *path, leaf = name.split(".")
        tname = ".".join([*path, {"W": "weight", "b": "bias"}.get(leaf, leaf)])
        tgrad = tparams[tname].grad.numpy()
        if isinstance(_owner(model, name), nn.Dense):
            tgrad = tgrad.T
        np.testing.assert_allclose(p.grad, tgrad, rtol=0, atol=1e-12, err_msg=name)


def _owner(model: nn.Module, name: str) -> nn.Module:
    module = model
    for part in name.split(".")[:-1]:
        module = module[int(part)]  # type: ignore[index]
    return module


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
    previous = mg.get_default_dtype()
    mg.set_default_dtype(dtype)
    try:
        model = build()
    finally:
        mg.set_default_dtype(previous)
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
    with pytest.raises(ValueError, match="beta"):
        to_torch(nn.Swish(beta=2.0))
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
            "try:\n"
            "    to_torch(mg.nn.ReLU())\n"
            "except ImportError as e:\n"
            "    assert 'pip install torch' in str(e)\n"
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
        if os.environ.get("CI"):
            pytest.fail("onnx is missing in CI: the dev extra must install onnx>=1.15")
        pytest.skip("needs onnx: pip install 'onnx>=1.15'")
    return onnx_module


# Activations whose ONNX form has no float32-rounded attribute: exact in float64.
def _exact_activations() -> list[nn.Module]:
    return [
        nn.Identity(), nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.Softsign(), nn.ELU(),
        nn.ELU(alpha=0.5), nn.CELU(alpha=1.5), nn.LeakyReLU(alpha=0.25),
        nn.PReLU(num_parameters=6, init=0.2), nn.PReLU(), nn.Softplus(), nn.HardSwish(),
        nn.Hardtanh(-0.3, 0.7), nn.ReLU6(), nn.Threshold(0.1, -0.3), nn.Softshrink(0.25),
        nn.Hardshrink(0.5), nn.Swish(), nn.Swish(beta=1.7), nn.Mish(), nn.GELU(),
        nn.LogSigmoid(), nn.Tanhshrink(), nn.Softmax(axis=1), nn.Softmin(),
        nn.LogSoftmax(axis=-1),
    ]


def _onnx_mlp(activations: list[nn.Module], dtype: str) -> nn.Sequential:
    previous = mg.get_default_dtype()
    mg.set_default_dtype(dtype)
    try:
        layers: list[nn.Module] = [nn.Dense(4, 6, rng=0)]
        for i, act in enumerate(activations):
            layers += [act, nn.Dense(6, 6, rng=i + 1)]
        model = nn.Sequential(*layers, nn.Dropout(0.5),
                              nn.Sequential(nn.Dense(6, 3, bias=False, rng=9)))
    finally:
        mg.set_default_dtype(previous)
    _randomize(model)
    for p in model.parameters():  # keep activations in a moderate range
        p.data *= 0.5
    return model


def _run_onnx(onnx, path, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    from onnx.reference import ReferenceEvaluator

    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)
    assert loaded.opset_import[0].version == 17
    (out,) = ReferenceEvaluator(loaded).run(None, {"input": x})
    return out


def test_onnx_export_float64_matches_exactly(onnx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = _onnx_mlp(_exact_activations(), "float64")
    path = tmp_path / "mlp.onnx"
    mg.interop.export_onnx(model, path, (None, 4))
    x = np.random.default_rng(8).normal(size=(5, 4))
    out = _run_onnx(onnx, path, x)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, model.eval()(x).data, rtol=0, atol=1e-9)


def test_onnx_export_float32_every_activation(onnx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    acts = _exact_activations() + [nn.LeakyReLU(), nn.SELU(), nn.HardSigmoid(),
                                   nn.Softshrink(0.1)]
    model = _onnx_mlp(acts, "float32")
    path = tmp_path / "mlp32.onnx"
    proto = mg.interop.export_onnx(model, path, (3, 4))
    assert [d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim] == [3, 3]
    x = np.random.default_rng(9).normal(size=(3, 4)).astype(np.float32)
    out = _run_onnx(onnx, path, x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, model.eval()(x).data, rtol=0, atol=1e-5)


def test_onnx_float_attributes_are_close_in_float64(onnx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = _onnx_mlp([nn.LeakyReLU(), nn.SELU(), nn.HardSigmoid()], "float64")
    mg.interop.export_onnx(model, tmp_path / "m.onnx", (None, 4))
    x = np.random.default_rng(10).normal(size=(4, 4))
    out = _run_onnx(onnx, tmp_path / "m.onnx", x)
    np.testing.assert_allclose(out, model.eval()(x).data, rtol=1e-7, atol=1e-7)


def test_onnx_flatten_and_prelu_per_channel(onnx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = nn.Sequential(nn.PReLU(num_parameters=2), nn.Flatten(), nn.Dense(6, 2, rng=0))
    model[0].weight.data[...] = [0.1, -0.7]
    mg.interop.export_onnx(model, tmp_path / "f.onnx", (None, 2, 3))
    x = np.random.default_rng(11).normal(size=(4, 2, 3))
    out = _run_onnx(onnx, tmp_path / "f.onnx", x)
    np.testing.assert_allclose(out, model(x).data, rtol=0, atol=1e-12)


def test_onnx_unsupported_layers_raise(onnx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match=r"Conv2d.*supported: .*Dense"):
        mg.interop.export_onnx(nn.Sequential(nn.Conv2d(1, 1, 1)), tmp_path / "x.onnx",
                               (1, 1, 2, 2))
    with pytest.raises(ValueError, match="tanh"):
        mg.interop.export_onnx(nn.Sequential(nn.GELU(approximate="tanh")),
                               tmp_path / "x.onnx", (1, 2))
    assert not (tmp_path / "x.onnx").exists()
