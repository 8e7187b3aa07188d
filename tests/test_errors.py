"""The bad-input catalogue: every public entry point, fed what users get wrong.

Each row of ``CASES`` is one mistake: wrong shapes, wrong dtypes (strings, objects, complex,
ints where floats are meant), NaN/inf where they cannot be used, empty batches, wrong label
types and ranges, mismatched prediction/target shapes, backward twice, optimizers without
parameters, negative or zero hyper-parameters, unknown names, and truncated, corrupt or
hostile save files. Each must raise exactly one exception type whose message names the thing,
what was expected and what came, and must leave the model (weights, buffers, training
flags, dropout generators), the optimizer (its state dict) and every ``.grad`` as they were.

Below the table: the decisions that are not errors (layers pass NaN through; zero values
that PyTorch accepts are accepted) and anomaly mode naming a layer, a loss, and fit().
"""

from __future__ import annotations

import inspect
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import experiments, nn, optim

# --------------------------------------------------------------------------- the world


@dataclass
class World:
    """A small trained model with an optimizer that has state and parameters with grads."""

    model: nn.Sequential
    opt: optim.Adam
    X: np.ndarray
    y: np.ndarray
    path: Path
    prepared: Any = None


def make_world(path: Path) -> World:
    model = nn.Sequential(nn.Dense(3, 4, rng=0), nn.BatchNorm1d(4), nn.ReLU(),
                          nn.Dropout(0.25, rng=1), nn.Dense(4, 2, rng=2))
    opt = optim.Adam(model.parameters(), lr=0.01)
    X = np.random.default_rng(0).normal(size=(8, 3))
    y = np.arange(8) % 2
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(2):
        opt.zero_grad()
        loss_fn(model(X), y).backward()
        opt.step()
    # Gradients present but not yet applied, so a bad call that touches them is seen.
    opt.zero_grad()
    loss_fn(model(X), y).backward()
    return World(model, opt, X, y, path)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def snapshot(w: World) -> dict[str, Any]:
    """Everything a failed call must leave alone."""
    return {
        "model": w.model.state_dict(),
        "optimizer": w.opt.state_dict(),
        "grads": {name: None if p.grad is None else p.grad.copy()
                  for name, p in w.model.named_parameters()},
        "training": [m.training for m in w.model.modules()],
        "dropout rng": [m.rng.bit_generator.state for m in w.model.modules()
                        if isinstance(m, nn.Dropout)],
        "default dtype": mg.get_default_dtype(),
    }


def same_bits(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_unchanged(before: dict[str, Any], after: dict[str, Any]) -> None:
    for part in ("model", "optimizer", "grads"):
        assert before[part].keys() == after[part].keys(), part
        for key in before[part]:
            assert same_bits(before[part][key], after[part][key]), f"{part}: {key} changed"
    for part in ("training", "dropout rng", "default dtype"):
        assert before[part] == after[part], f"{part} changed"


# --------------------------------------------------------------------------- helpers


def tensor(*shape: int, value: float = 0.5) -> mg.Tensor:
    return mg.Tensor(np.full(shape, value), requires_grad=True)


def fit(w: World, X: Any = None, y: Any = None, **kwargs: Any) -> Any:
    """mg.fit on the world, with the world's data unless told otherwise."""
    kwargs.setdefault("loss", nn.CrossEntropyLoss())
    kwargs.setdefault("optimizer", w.opt)
    kwargs.setdefault("epochs", 2)
    kwargs.setdefault("verbose", 0)
    return mg.fit(w.model, w.X if X is None else X, w.y if y is None else y, **kwargs)


def with_value(array: np.ndarray, index: tuple[int, ...], value: float) -> np.ndarray:
    out = array.astype(np.float64)
    out[index] = value
    return out


def npy_bytes(header: dict[str, Any], payload: bytes) -> bytes:
    """A .npy member with the given header dict and data bytes (the header is not checked)."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + payload


def write_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def saved_model(w: World, name: str = "model.npz") -> Path:
    path = w.path / name
    mg.save(w.model, path)
    return path


def truncated(w: World) -> Path:
    path = saved_model(w)
    path.write_bytes(path.read_bytes()[:-40])
    return path


def corrupt_lzma(w: World) -> Path:
    buffer = io.BytesIO()
    np.save(buffer, np.arange(64.0))
    path = write_zip(w.path / "lzma.npz", {"W.npy": buffer.getvalue()}, zipfile.ZIP_LZMA)
    raw = bytearray(path.read_bytes())
    start = raw.index(b"W.npy") + 20  # inside the compressed stream of the only member
    for i in range(start, start + 16):
        raw[i] ^= 0x5A
    path.write_bytes(bytes(raw))
    return path


def _encrypted(w: World) -> Path:
    """A save file whose first member has the zip 'encrypted' flag set."""
    path = saved_model(w, "encrypted.npz")
    raw = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local, central
        position = raw.index(signature) + offset
        raw[position] |= 0x1
    path.write_bytes(bytes(raw))
    return path


class _RunsCode:
    """Unpickling it creates a file: the proof that loading ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.marker, "w"))


def hostile(w: World) -> Path:
    buffer = io.BytesIO()
    np.save(buffer, np.array([_RunsCode(w.path / "ran")], dtype=object), allow_pickle=True)
    return write_zip(w.path / "hostile.npz", {"0.W.npy": buffer.getvalue()})


def no_marker(w: World) -> None:
    assert not (w.path / "ran").exists(), "loading the file ran code"


class Composite(nn.Module):
    def forward(self, x: Any) -> Any:
        return x


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[World], Any]
    error: type[BaseException]
    fragments: tuple[str, ...]
    setup: Callable[[World], Any] | None = None  # runs before the snapshot
    after: Callable[[World], None] | None = None  # an extra check once it has raised


C = Case
ADAM_STATE_ERROR = "Adam.load_state_dict failed (nothing was changed)"

CASES = [
    # ---------------------------------------------------------------- tensors and ops
    C("tensor of strings", lambda w: mg.Tensor(["a", "b"]), TypeError,
      ("Tensor", "expected numbers", "<U1")),
    C("tensor of objects", lambda w: mg.Tensor(np.array([1.0, None], dtype=object)), TypeError,
      ("Tensor", "dtype object")),
    C("tensor of complex", lambda w: mg.Tensor(np.ones(2, dtype=complex)), TypeError,
      ("Tensor", "complex", "complex128")),
    C("tensor with int dtype", lambda w: mg.Tensor([1.0], dtype=np.int32), TypeError,
      ("Tensor", "float dtype", "int32")),
    C("default dtype int", lambda w: mg.set_default_dtype(int), TypeError,
      ("set_default_dtype", "float dtype", "int64")),
    C("add shapes", lambda w: w.model[0].W + mg.Tensor(np.ones(5)), ValueError,
      ("add", "(3, 4)", "(5,)", "cannot be broadcast")),
    C("matmul misaligned", lambda w: w.model[0].W @ w.model[0].W, ValueError,
      ("matmul", "(3, 4) and (3, 4)", "not aligned")),
    C("reshape size", lambda w: w.model[0].W.reshape(5, 2), ValueError,
      ("reshape", "(3, 4)", "12 elements", "(5, 2)")),
    C("sum axis", lambda w: w.model[0].W.sum(axis=2), ValueError,
      ("sum", "axis 2", "2 dims")),
    C("float index", lambda w: w.model[0].W[np.array([0.5])], IndexError,
      ("getitem", "integers or booleans", "float64")),
    C("where float condition", lambda w: mg.where(np.ones(4), w.model[0].b, 0.0), TypeError,
      ("where", "boolean", "float64")),
    C("item of many", lambda w: w.model[0].W.item(), ValueError,
      ("item()", "12 elements")),
    C("clip bounds reversed", lambda w: w.model[0].W.clip(1.0, -1.0), ValueError,
      ("clip", "min (1.0)", "max (-1.0)")),
    C("concatenate nothing", lambda w: mg.concatenate([]), ValueError,
      ("concatenate", "at least one tensor")),
    C("concatenate widths", lambda w: mg.concatenate([w.model[0].W, w.model[4].W], axis=0),
      ValueError, ("concatenate along axis 0", "(3, 4), (4, 2)")),
    C("retain_grad without grad", lambda w: mg.Tensor([1.0]).retain_grad(), RuntimeError,
      ("retain_grad()", "does not require grad")),
    C("requires_grad of a result", lambda w: w.prepared.requires_grad_(False), RuntimeError,
      ("requires_grad", "leaf tensor", ".detach()"),
      setup=lambda w: w.model[0].W * 2.0),
    C("seed as string", lambda w: mg.manual_seed("42"), TypeError,
      ("manual_seed", "non-negative int", "'42'")),
    # ---------------------------------------------------------------- backward
    C("backward twice", lambda w: w.prepared.backward(), RuntimeError,
      ("backward", "second time", "retain_graph=True"),
      setup=lambda w: _backward_once(w)),
    C("backward under no_grad output", lambda w: w.prepared.backward(), RuntimeError,
      ("backward()", "does not require grad", "no_grad"),
      setup=lambda w: _forward_without_grad(w)),
    C("backward non-scalar", lambda w: w.prepared.backward(), RuntimeError,
      ("backward()", "shape (8, 2)", "needs a gradient"),
      setup=lambda w: w.model(w.X)),
    C("backward gradient shape", lambda w: w.prepared.backward(np.ones(3)), ValueError,
      ("backward(gradient)", "(8, 2)", "(3,)"),
      setup=lambda w: w.model(w.X)),
    C("backward gradient strings", lambda w: w.prepared.backward(np.full((8, 2), "g")),
      TypeError, ("backward(gradient)", "<U1"),
      setup=lambda w: w.model(w.X)),
    C("backward gradient complex", lambda w: w.prepared.backward(np.ones((8, 2), complex)),
      TypeError, ("backward(gradient)", "complex128"),
      setup=lambda w: w.model(w.X)),
    # ---------------------------------------------------------------- building layers
    C("dense zero inputs", lambda w: nn.Dense(0, 2), ValueError,
      ("Dense", "in_features", "positive integer", "got 0")),
    C("dense negative outputs", lambda w: nn.Dense(2, -3), ValueError,
      ("Dense", "out_features", "positive integer", "got -3")),
    C("dense size as string", lambda w: nn.Dense("3", 2), ValueError,
      ("Dense", "in_features", "got '3'")),
    C("dense unknown init", lambda w: nn.Dense(2, 2, init="magic"), ValueError,
      ("unknown init 'magic'", "xavier", "he")),
    C("dense int dtype", lambda w: nn.Dense(2, 2, dtype=int), TypeError,
      ("Dense", "float dtype", "int64")),
    C("dense nonsense dtype", lambda w: nn.Dense(2, 2, dtype="float99"), TypeError,
      ("Dense", "float dtype", "'float99'")),
    C("dense string rng", lambda w: nn.Dense(2, 2, rng="seed"), TypeError,
      ("Dense", "rng", "str")),
    C("dense negative seed", lambda w: nn.Dense(2, 2, rng=-1), ValueError,
      ("Dense", "seed", ">= 0", "-1")),
    C("dropout negative p", lambda w: nn.Dropout(-0.1), ValueError,
      ("Dropout", "[0, 1]", "-0.1")),
    C("dropout p above one", lambda w: nn.Dropout(1.5), ValueError,
      ("Dropout", "[0, 1]", "1.5")),
    C("dropout nan p", lambda w: nn.Dropout(float("nan")), ValueError,
      ("Dropout", "[0, 1]", "nan")),
    C("dropout p as string", lambda w: nn.Dropout("half"), TypeError,
      ("Dropout", "p must be a number", "str")),
    C("batchnorm zero features", lambda w: nn.BatchNorm1d(0), ValueError,
      ("BatchNorm1d", "num_features", "positive integer", "got 0")),
    C("batchnorm zero eps", lambda w: nn.BatchNorm1d(4, eps=0.0), ValueError,
      ("BatchNorm1d", "eps", "> 0", "got 0.0")),
    C("batchnorm negative eps", lambda w: nn.BatchNorm1d(4, eps=-1e-5), ValueError,
      ("BatchNorm1d", "eps", "> 0", "-1e-05")),
    C("batchnorm infinite eps", lambda w: nn.BatchNorm1d(4, eps=float("inf")), ValueError,
      ("BatchNorm1d", "eps", "finite", "inf")),
    C("batchnorm negative momentum", lambda w: nn.BatchNorm1d(4, momentum=-0.1), ValueError,
      ("BatchNorm1d", "momentum", "[0, 1]", "-0.1")),
    C("batchnorm momentum above one", lambda w: nn.BatchNorm1d(4, momentum=1.5), ValueError,
      ("BatchNorm1d", "momentum", "[0, 1]", "1.5")),
    C("batchnorm bool dtype", lambda w: nn.BatchNorm1d(4, dtype=bool), TypeError,
      ("BatchNorm1d", "float dtype", "bool")),
    C("prelu zero parameters", lambda w: nn.PReLU(0), ValueError,
      ("PReLU", "num_parameters", "positive integer", "got 0")),
    # ---------------------------------------------------------------- calling layers
    C("model input too wide", lambda w: w.model(np.ones((8, 5))), ValueError,
      ("Dense(in_features=3)", "(8, 5)", "expected (..., 3)")),
    C("model scalar input", lambda w: w.model(np.float64(1.0)), ValueError,
      ("Dense(in_features=3)", "shape ()", "expected (..., 3)")),
    C("model string input", lambda w: w.model(np.full((8, 3), "x")), TypeError,
      ("Dense", "expected numbers", "<U1")),
    C("model object input", lambda w: w.model(np.full((8, 3), None)), TypeError,
      ("Dense", "dtype object")),
    C("model complex input", lambda w: w.model(np.ones((8, 3), dtype=complex)), TypeError,
      ("Dense", "complex128")),
    C("model ragged input", lambda w: w.model([[1.0, 2.0, 3.0], [1.0]]), TypeError,
      ("Dense", "cannot make an array", "list")),
    C("batchnorm wrong width", lambda w: w.model[1](np.ones((8, 5))), ValueError,
      ("BatchNorm1d(num_features=4)", "(8, 5)", "expected (N, 4)")),
    C("batchnorm one sample in training", lambda w: w.model(w.X[:1]), ValueError,
      ("BatchNorm1d", "more than 1 value per channel", "(1, 4)")),
    C("empty batch in training", lambda w: w.model(np.zeros((0, 3))), ValueError,
      ("BatchNorm1d", "more than 1 value per channel", "(0, 4)")),
    C("prelu slope count", lambda w: nn.PReLU(3)(np.ones((2, 4))), ValueError,
      ("PReLU(num_parameters=3)", "(2, 4)", "expected (N, 3, ...)")),
    C("softmax axis", lambda w: nn.Softmax(axis=2)(np.ones((2, 3))), ValueError,
      ("Softmax(axis=2)", "(2, 3)", "out of range")),
    C("log-softmax of a scalar", lambda w: nn.LogSoftmax()(np.float64(1.0)), ValueError,
      ("LogSoftmax", "0-d input", "at least one dimension")),
    C("manual backprop of a composite", lambda w: nn.Sequential(Composite()).manual_forward(
        w.X), TypeError, ("manual backprop", "Layers", "Composite")),
    C("manual backward misshapen dout",
      lambda w: w.model.manual_backward(w.prepared, np.ones((1, 2))), ValueError,
      ("manual_backward", "dout must have the output's shape (8, 2)", "got (1, 2)"),
      setup=lambda w: w.model.manual_forward(w.X)[1]),
    C("manual backward string dout",
      lambda w: w.model.manual_backward(w.prepared, "dout"), TypeError,
      ("Sequential.manual_backward(dout)", "expected numbers", "<U4"),
      setup=lambda w: w.model.manual_forward(w.X)[1]),
    C("manual backward context count",
      lambda w: w.prepared.manual_backward([], np.ones((8, 2))), ValueError,
      ("manual_backward", "expected 5 contexts", "got 0"),
      setup=lambda w: w.model),
    # ---------------------------------------------------------------- activations by name
    C("unknown activation", lambda w: nn.get_activation("relu7"), ValueError,
      ("unknown activation 'relu7'", "did you mean", "relu6", "leaky_relu")),
    C("activation name not a string", lambda w: nn.get_activation(None), TypeError,
      ("get_activation", "NoneType")),
    C("activation unknown parameter", lambda w: nn.get_activation("leaky_relu", slope=0.2),
      TypeError, ("LeakyReLU", "unexpected parameter(s) slope", "alpha=0.1")),
    C("activation missing parameters", lambda w: nn.get_activation("threshold"), TypeError,
      ("Threshold", "missing required parameter(s) threshold, value")),
    C("leaky slope as string", lambda w: nn.LeakyReLU("0.1"), TypeError,
      ("LeakyReLU", "alpha", "real number", "'0.1'")),
    C("leaky slope nan", lambda w: nn.LeakyReLU(float("nan")), ValueError,
      ("LeakyReLU", "alpha", "finite", "nan")),
    C("celu zero alpha", lambda w: nn.CELU(alpha=0.0), ValueError,
      ("CELU", "alpha", "positive", "0.0")),
    C("softplus zero beta", lambda w: nn.Softplus(beta=0.0), ValueError,
      ("Softplus", "beta", "non-zero")),
    C("hardtanh bounds reversed", lambda w: nn.Hardtanh(1.0, -1.0), ValueError,
      ("Hardtanh", "min_val", "max_val", "min_val=1.0, max_val=-1.0")),
    C("gelu approximation", lambda w: nn.GELU("fast"), ValueError,
      ("GELU", "'none' or 'tanh'", "'fast'")),
    C("softshrink negative band", lambda w: nn.Softshrink(-0.5), ValueError,
      ("Softshrink", "lambd", ">= 0", "-0.5")),
    C("register a taken name", lambda w: nn.register_activation("relu", nn.Tanh), ValueError,
      ("register_activation", "'relu'", "taken by ReLU", "overwrite=True")),
    C("register a non-layer", lambda w: nn.register_activation("cube", lambda x: x ** 3),
      TypeError, ("register_activation('cube')", "subclass of nn.Layer", "function")),
    # ---------------------------------------------------------------- losses
    C("mse shapes differ", lambda w: nn.MSELoss()(tensor(8, 2), np.zeros(8)), ValueError,
      ("MSELoss", "prediction shape (8, 2)", "target shape (8,)")),
    C("mse target of strings", lambda w: nn.MSELoss()(tensor(8, 2), np.full((8, 2), "a")),
      TypeError, ("MSELoss", "target", "<U1")),
    C("mse target of objects", lambda w: nn.MSELoss()(tensor(8, 2), None), TypeError,
      ("MSELoss", "target", "object")),
    C("mse complex target", lambda w: nn.MSELoss()(tensor(2), np.ones(2, dtype=complex)),
      TypeError, ("MSELoss", "target", "complex128")),
    C("mse string prediction", lambda w: nn.MSELoss()(np.full(2, "p"), np.ones(2)), TypeError,
      ("MSELoss prediction", "<U1")),
    C("mse empty batch", lambda w: nn.MSELoss()(tensor(0, 2), np.zeros((0, 2))), ValueError,
      ("MSELoss", "empty batch", "(0, 2)")),
    C("loss reduction", lambda w: nn.MSELoss(reduction="avg"), ValueError,
      ("MSELoss", "'mean', 'sum' or 'none'", "'avg'")),
    C("huber zero delta", lambda w: nn.HuberLoss(delta=0.0), ValueError,
      ("HuberLoss", "delta", "positive", "0.0")),
    C("bce prediction above one", lambda w: nn.BCELoss()(tensor(4, 1, value=1.5),
                                                         np.ones((4, 1))), ValueError,
      ("BCELoss", "predictions must lie in [0, 1]", "1.5", "BCEWithLogitsLoss")),
    C("bce nan prediction", lambda w: nn.BCELoss()(tensor(4, 1, value=np.nan), np.ones((4, 1))),
      ValueError, ("BCELoss", "predictions must lie in [0, 1]", "nan")),
    C("bce target two", lambda w: nn.BCELoss()(tensor(4, 1), np.full((4, 1), 2.0)), ValueError,
      ("BCELoss", "targets must lie in [0, 1]", "2.0")),
    C("bce weight of strings", lambda w: nn.BCELoss(weight=["a"]), TypeError,
      ("BCELoss weight", "<U1")),
    C("bce weight shape", lambda w: nn.BCELoss(weight=np.ones(3))(tensor(4, 2), np.ones((4, 2))),
      ValueError, ("BCELoss", "weight of shape (3,)", "(4, 2)")),
    C("cross-entropy float labels", lambda w: nn.CrossEntropyLoss()(tensor(8, 2), w.y * 1.0),
      TypeError, ("CrossEntropyLoss", "class labels must be integers", "float64", "(8,)")),
    C("cross-entropy bool labels", lambda w: nn.CrossEntropyLoss()(tensor(8, 2), w.y > 0),
      TypeError, ("CrossEntropyLoss", "class labels must be integers", "bool")),
    C("cross-entropy label too big", lambda w: nn.CrossEntropyLoss()(tensor(8, 2), w.y + 1),
      ValueError, ("CrossEntropyLoss", "[0, 2)", "from 1 to 2")),
    C("cross-entropy negative label", lambda w: nn.CrossEntropyLoss()(tensor(8, 2), w.y - 1),
      ValueError, ("CrossEntropyLoss", "[0, 2)", "from -1 to 0")),
    C("cross-entropy label count", lambda w: nn.CrossEntropyLoss()(tensor(8, 2), w.y[:7]),
      ValueError, ("CrossEntropyLoss", "needs class labels of shape (8,), got (7,)",
                   "class probabilities would need shape (8, 2)")),
    C("cross-entropy one-hot width", lambda w: nn.CrossEntropyLoss()(tensor(8, 2),
                                                                    np.eye(3)[w.y]),
      ValueError, ("CrossEntropyLoss", "probability target", "(8, 2)", "got (8, 3)")),
    C("cross-entropy scalar logits", lambda w: nn.CrossEntropyLoss()(tensor(), np.array(0)),
      ValueError, ("CrossEntropyLoss", "class axis", "0-d")),
    C("cross-entropy smoothing", lambda w: nn.CrossEntropyLoss(label_smoothing=1.5), ValueError,
      ("CrossEntropyLoss", "label_smoothing", "[0, 1]", "1.5")),
    C("nll float labels", lambda w: nn.NLLLoss()(tensor(8, 2), w.y * 1.0), TypeError,
      ("NLLLoss", "class labels must be integers", "float64")),
    # ---------------------------------------------------------------- optimizers
    C("optimizer without parameters", lambda w: optim.SGD([], lr=0.1), ValueError,
      ("SGD", "empty parameter list")),
    C("optimizer of a frozen generator", lambda w: optim.Adam(iter([])), ValueError,
      ("Adam", "empty parameter list")),
    C("optimizer given the model", lambda w: optim.SGD(w.model, lr=0.1), TypeError,
      ("SGD", "Sequential", "pass model.parameters()")),
    C("optimizer given arrays", lambda w: optim.SGD([np.ones(2)], lr=0.1), TypeError,
      ("SGD", "item 0", "ndarray", "expected a Parameter")),
    C("negative lr", lambda w: optim.SGD(w.model.parameters(), lr=-0.1), ValueError,
      ("SGD", "lr", ">= 0", "-0.1")),
    C("lr as string", lambda w: optim.SGD(w.model.parameters(), lr="fast"), TypeError,
      ("SGD", "lr", "number", "str")),
    C("nan lr", lambda w: optim.Adam(w.model.parameters(), lr=float("nan")), ValueError,
      ("Adam", "lr", "finite", "nan")),
    C("negative momentum", lambda w: optim.SGD(w.model.parameters(), momentum=-0.9),
      ValueError, ("SGD", "momentum", ">= 0", "-0.9")),
    C("negative weight decay", lambda w: optim.SGD(w.model.parameters(), weight_decay=-1e-4),
      ValueError, ("SGD", "weight_decay", ">= 0", "-0.0001")),
    C("nesterov without momentum", lambda w: optim.SGD(w.model.parameters(), nesterov=True),
      ValueError, ("SGD", "nesterov=True needs momentum > 0", "momentum=0.0")),
    C("beta2 of one", lambda w: optim.Adam(w.model.parameters(), betas=(0.9, 1.0)), ValueError,
      ("Adam", "betas[1]", "[0.0, 1.0)", "1.0")),
    C("negative beta1", lambda w: optim.Adam(w.model.parameters(), betas=(-0.1, 0.9)),
      ValueError, ("Adam", "betas[0]", ">= 0", "-0.1")),
    C("betas not a pair", lambda w: optim.Adam(w.model.parameters(), betas=0.9), TypeError,
      ("Adam", "betas must be a pair", "0.9")),
    C("negative eps", lambda w: optim.Adam(w.model.parameters(), eps=-1e-8), ValueError,
      ("Adam", "eps", ">= 0", "-1e-08")),
    C("zero eps", lambda w: optim.Adam(w.model.parameters(), eps=0.0), ValueError,
      ("Adam", "eps must be > 0", "0/0 = NaN")),
    C("zero eps rmsprop", lambda w: optim.RMSprop(w.model.parameters(), eps=0), ValueError,
      ("RMSprop", "eps must be > 0")),
    C("negative adamw decay", lambda w: optim.AdamW(w.model.parameters(), weight_decay=-0.01),
      ValueError, ("AdamW", "weight_decay", ">= 0", "-0.01")),
    C("rmsprop alpha above one", lambda w: optim.RMSprop(w.model.parameters(), alpha=2.0),
      ValueError, ("RMSprop", "alpha", "[0.0, 1.0]", "2.0")),
    C("rmsprop negative momentum", lambda w: optim.RMSprop(w.model.parameters(), momentum=-1),
      ValueError, ("RMSprop", "momentum", ">= 0", "-1.0")),
    C("adagrad negative decay", lambda w: optim.Adagrad(w.model.parameters(), lr_decay=-1),
      ValueError, ("Adagrad", "lr_decay", ">= 0", "-1.0")),
    C("adagrad negative accumulator",
      lambda w: optim.Adagrad(w.model.parameters(), initial_accumulator_value=-1), ValueError,
      ("Adagrad", "initial_accumulator_value", ">= 0", "-1.0")),
    # A gradient is checked when it is assigned (as in PyTorch), before any step can use it.
    C("assigning a misshapen grad", lambda w: setattr(w.model[4].b, "grad", np.ones(5)),
      ValueError, ("Tensor.grad", "shape (2,)", "got shape (5,)")),
    C("assigning a string grad", lambda w: setattr(w.model[1].bias, "grad", np.full(4, "g")),
      TypeError, ("Tensor.grad", "dtype float64", "<U1")),
    C("optimizer state of None", lambda w: w.opt.load_state_dict(None), TypeError,
      ("Adam.load_state_dict", "dict of arrays", "NoneType")),
    C("optimizer state with int keys", lambda w: w.opt.load_state_dict({0: np.ones(1)}),
      TypeError, ("Adam.load_state_dict", "str keys", "non-str key 0")),
    C("optimizer state of another kind",
      lambda w: w.opt.load_state_dict(optim.SGD(w.model.parameters()).state_dict()), ValueError,
      (ADAM_STATE_ERROR, "kind: expected 'Adam', got 'SGD'", "missing key hyper.beta1")),
    C("optimizer state from a model", lambda w: w.opt.load_state_dict(w.model.state_dict()),
      ValueError, (ADAM_STATE_ERROR, "kind: expected 'Adam', got None")),
    C("optimizer state with eps 0",
      lambda w: w.opt.load_state_dict({**w.opt.state_dict(), "hyper.eps": np.array(0.0)}),
      ValueError, (ADAM_STATE_ERROR, "eps must be > 0")),
    C("model state of None", lambda w: w.model.load_state_dict(None), TypeError,
      ("load_state_dict into Sequential", "dict of arrays", "NoneType")),
    C("model state of strings",
      lambda w: w.model.load_state_dict({k: np.full(v.shape, "s")
                                         for k, v in w.model.state_dict().items()}),
      ValueError, ("load_state_dict into Sequential failed (nothing was changed)",
                   "load_state_dict['0.W']", "<U1")),
    C("model state of another architecture",
      lambda w: w.model.load_state_dict(nn.Sequential(nn.Dense(3, 5), nn.BatchNorm1d(5), nn.ReLU(),
                                                      nn.Dropout(), nn.Dense(5, 2)).state_dict()),
      ValueError, ("nothing was changed", "0.W: expected shape (3, 4), got (3, 5)")),
    # ---------------------------------------------------------------- schedulers, clipping
    C("step size zero", lambda w: optim.StepLR(w.opt, step_size=0), ValueError,
      ("StepLR", "step_size", "positive integer", "got 0")),
    C("step size fractional", lambda w: optim.StepLR(w.opt, step_size=1.5), ValueError,
      ("StepLR", "step_size", "positive integer", "1.5")),
    C("step gamma zero", lambda w: optim.StepLR(w.opt, step_size=2, gamma=0.0), ValueError,
      ("StepLR", "gamma", "> 0", "0.0")),
    C("exponential negative gamma", lambda w: optim.ExponentialLR(w.opt, gamma=-0.5),
      ValueError, ("ExponentialLR", "gamma", "-0.5")),
    C("cosine zero period", lambda w: optim.CosineAnnealingLR(w.opt, T_max=0), ValueError,
      ("CosineAnnealingLR", "T_max", "positive integer", "got 0")),
    C("cosine negative floor", lambda w: optim.CosineAnnealingLR(w.opt, T_max=5, eta_min=-1),
      ValueError, ("CosineAnnealingLR", "eta_min", ">= 0", "-1.0")),
    C("scheduler without optimizer", lambda w: optim.StepLR("adam", step_size=1), TypeError,
      ("StepLR", "expected an Optimizer", "str")),
    C("scheduler state of None", lambda w: optim.StepLR(w.prepared, 1).load_state_dict(None),
      TypeError, ("StepLR.load_state_dict", "NoneType"),
      setup=lambda w: optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=0.1)),
    C("clip negative norm", lambda w: optim.clip_grad_norm_(w.model.parameters(), -1.0),
      ValueError, ("clip_grad_norm_", "max_norm", ">= 0", "-1.0")),
    C("clip zero norm type", lambda w: optim.clip_grad_norm_(w.model.parameters(), 1.0, 0.0),
      ValueError, ("clip_grad_norm_", "norm_type", "> 0", "0.0")),
    # ---------------------------------------------------------------- fit and evaluate
    C("fit nan in X", lambda w: fit(w, X=with_value(w.X, (2, 1), np.nan)), ValueError,
      ("fit", "X contains NaN or infinity", "index (2, 1)", "nan")),
    C("fit inf in X", lambda w: fit(w, X=with_value(w.X, (0, 0), -np.inf)), ValueError,
      ("fit", "X contains NaN or infinity", "-inf")),
    C("fit nan in y", lambda w: fit(w, y=with_value(np.eye(2)[w.y], (3, 0), np.nan)),
      ValueError, ("fit", "y contains NaN or infinity", "index (3, 0)")),
    C("fit nan in validation X",
      lambda w: fit(w, validation_data=(with_value(w.X, (1, 1), np.nan), w.y)), ValueError,
      ("fit", "X_val contains NaN or infinity", "index (1, 1)")),
    C("fit X of strings", lambda w: fit(w, X=np.full((8, 3), "x")), TypeError,
      ("fit", "X must hold real numbers", "<U1")),
    C("fit y of objects", lambda w: fit(w, y=np.full(8, None)), TypeError,
      ("fit", "y must hold real numbers", "object")),
    C("fit complex X", lambda w: fit(w, X=w.X.astype(complex)), TypeError,
      ("fit", "X must hold real numbers", "complex128")),
    C("fit ragged X", lambda w: fit(w, X=[[1.0, 2.0, 3.0], [1.0]], y=w.y[:2]), TypeError,
      ("fit", "cannot make an array of X", "inhomogeneous")),
    C("fit scalar X", lambda w: fit(w, X=1.0), ValueError,
      ("fit", "X must have a batch axis", "scalar")),
    C("fit empty", lambda w: fit(w, X=w.X[:0], y=w.y[:0]), ValueError,
      ("fit", "X and y are empty")),
    C("fit lengths differ", lambda w: fit(w, y=w.y[:7]), ValueError,
      ("fit", "X has 8 samples but y has 7")),
    C("fit validation lengths differ", lambda w: fit(w, validation_data=(w.X, w.y[:5])),
      ValueError, ("fit", "X_val has 8 samples but y_val has 5")),
    C("fit validation not a pair", lambda w: fit(w, validation_data=(w.X,)), ValueError,
      ("fit", "validation_data must be a pair (X_val, y_val)")),
    C("fit validation too wide", lambda w: fit(w, validation_data=(np.ones((4, 5)), w.y[:4])),
      ValueError, ("fit", "first batch of (X_val, y_val)", "Dense(in_features=3)", "(4, 5)")),
    C("fit X too wide", lambda w: fit(w, X=np.ones((8, 5))), ValueError,
      ("fit", "first batch of (X, y) fails before training", "Dense(in_features=3)",
       "expected (..., 3)")),
    C("fit float labels", lambda w: fit(w, y=w.y.astype(float)), TypeError,
      ("fit", "first batch", "class labels must be integers", "float64")),
    C("fit label out of range", lambda w: fit(w, y=np.r_[5, w.y[1:]], batch_size=None),
      ValueError, ("fit", "first batch", "[0, 2)", "from 0 to 5")),
    C("fit prediction/target mismatch", lambda w: fit(w, y=np.eye(3)[w.y]), ValueError,
      ("fit", "first batch", "probability target", "(8, 2)", "(8, 3)")),
    C("fit zero epochs", lambda w: fit(w, epochs=0), ValueError,
      ("fit", "epochs must be a positive integer", "got 0")),
    C("fit fractional epochs", lambda w: fit(w, epochs=2.5), ValueError,
      ("fit", "epochs must be a positive integer", "2.5")),
    C("fit zero batch", lambda w: fit(w, batch_size=0), ValueError,
      ("fit", "batch_size must be a positive integer or None", "got 0")),
    C("fit batch as string", lambda w: fit(w, batch_size="4"), ValueError,
      ("fit", "batch_size", "'4'")),
    C("fit single-sample batch with batchnorm", lambda w: fit(w, batch_size=7), ValueError,
      ("fit", "8 samples and batch_size=7", "single sample", "BatchNorm1d")),
    C("fit verbose", lambda w: fit(w, verbose=3), ValueError,
      ("fit", "verbose must be 0, 1 or 2", "3")),
    C("fit unknown metric", lambda w: fit(w, metrics=("f1",)), ValueError,
      ("fit", "unknown metric 'f1'", "accuracy")),
    C("fit metric that fails", lambda w: fit(w, metrics=(_strict_metric,)), ValueError,
      ("fit", "first batch of (X, y)", "strict_metric wants probabilities")),
    C("fit model not a module", lambda w: mg.fit("model", w.X, w.y, loss=nn.MSELoss(),
                                                 optimizer=w.opt, verbose=0), TypeError,
      ("fit", "model must be an nn.Module", "str")),
    C("fit without loss", lambda w: fit(w, loss=None), TypeError,
      ("fit", "loss must be callable", "NoneType")),
    C("fit loss class not instance", lambda w: fit(w, loss=nn.CrossEntropyLoss), TypeError,
      ("CrossEntropyLoss", "positional")),
    C("fit without optimizer", lambda w: fit(w, optimizer=None), TypeError,
      ("fit", "optimizer must have zero_grad()", "NoneType")),
    C("fit callback not a callback", lambda w: fit(w, callbacks=[print]), TypeError,
      ("fit", "callbacks[0] must be a Callback", "builtin_function_or_method")),
    C("fit early stopping patience", lambda w: fit(w, callbacks=[mg.EarlyStopping(patience=-1)]),
      ValueError, ("EarlyStopping", "patience", ">= 0", "-1")),
    C("evaluate nan", lambda w: mg.evaluate(w.model, with_value(w.X, (0, 2), np.inf), w.y,
                                            loss=nn.CrossEntropyLoss()), ValueError,
      ("evaluate", "X contains NaN or infinity", "index (0, 2)")),
    C("evaluate lengths differ", lambda w: mg.evaluate(w.model, w.X, w.y[:3],
                                                       loss=nn.CrossEntropyLoss()), ValueError,
      ("evaluate", "X has 8 samples but y has 3")),
    # ---------------------------------------------------------------- save and load
    C("save into a missing folder", lambda w: mg.save(w.model, w.path / "no" / "m.npz"),
      FileNotFoundError, ("save", "directory", "does not exist")),
    C("save without a path", lambda w: mg.save(w.model, None), TypeError,
      ("save", "path", "path-like", "NoneType")),
    C("save objects", lambda w: mg.save({"W": np.array([1, None], dtype=object)},
                                        w.path / "o.npz"), TypeError,
      ("save", "'W'", "object", "pickle")),
    C("save something without state", lambda w: mg.save(42, w.path / "n.npz"), TypeError,
      ("save", "Module, an optimizer or a dict", "int")),
    C("load a missing file", lambda w: mg.load(w.path / "absent.npz"), FileNotFoundError,
      ("load", "no such file", "absent.npz")),
    C("load without a path", lambda w: mg.load(None), TypeError,
      ("load", "path", "path-like", "NoneType")),
    C("load a truncated file", lambda w: mg.load(w.prepared), ValueError,
      ("load", "model.npz", "corrupt or not a minigrad save file"), setup=truncated),
    C("load random bytes", lambda w: mg.load(w.prepared), ValueError,
      ("load", "noise.npz", "corrupt"),
      setup=lambda w: _write(w.path / "noise.npz", np.random.default_rng(1).bytes(500))),
    C("load a pickle", lambda w: mg.load(w.prepared), ValueError,
      ("load", "hostile.npz", "pickled", "refuses", "arbitrary code"),
      setup=hostile, after=no_marker),
    C("load a huge declared shape", lambda w: mg.load(w.prepared), ValueError,
      ("load", "corrupt", "declares shape (100000000000,)", "holds 64 bytes"),
      setup=lambda w: write_zip(w.path / "huge.npz", {"W.npy": npy_bytes(
          {"descr": "<f8", "fortran_order": False, "shape": (10**11,)}, bytes(64))})),
    C("load a negative shape", lambda w: mg.load(w.prepared), ValueError,
      ("load", "corrupt", "negative dimension"),
      setup=lambda w: write_zip(w.path / "neg.npz", {"W.npy": npy_bytes(
          {"descr": "<f8", "fortran_order": False, "shape": (-8,)}, bytes(64))})),
    C("load an unparsable header", lambda w: mg.load(w.prepared), ValueError,
      ("load", "corrupt", "header that does not parse"),
      setup=lambda w: write_zip(w.path / "header.npz", {
          "W.npy": b"\x93NUMPY\x01\x00\x16\x00{'descr': __import__(\n"})),
    C("load a datetime array", lambda w: mg.load(w.prepared), ValueError,
      ("load", "unsupported dtype '<M8[s]'"),
      setup=lambda w: write_zip(w.path / "time.npz", {"t.npy": npy_bytes(
          {"descr": "<M8[s]", "fortran_order": False, "shape": (1,)}, bytes(8))})),
    C("load a corrupt lzma member", lambda w: mg.load(w.prepared), ValueError,
      ("load", "lzma.npz", "corrupt"), setup=corrupt_lzma),
    C("load an encrypted member", lambda w: mg.load(w.prepared), ValueError,
      ("load", "corrupt", "'0.W.npy' is encrypted"), setup=lambda w: _encrypted(w)),
    C("load a text member", lambda w: mg.load(w.prepared), ValueError,
      ("load", "notes.txt", "not an .npy array"),
      setup=lambda w: write_zip(w.path / "notes.npz", {"notes.txt": b"hello"})),
    # ---------------------------------------------------------------- data, experiments
    C("moons negative count", lambda w: mg.data.make_moons(n_samples=-5), ValueError,
      ("make_moons", "n_samples", ">= 2", "-5")),
    C("blobs negative spread", lambda w: mg.data.make_blobs(cluster_std=-1.0), ValueError,
      ("make_blobs", "cluster_std", ">= 0", "-1.0")),
    C("one-hot negative label", lambda w: mg.data.one_hot(np.array([0, -1])), ValueError,
      ("one_hot", "labels must be >= 0", "-1")),
    C("batches of zero", lambda w: mg.data.iterate_batches(w.X, w.y, 0), ValueError,
      ("iterate_batches", "batch_size", ">= 1", "got 0")),
    C("unknown dataset", lambda w: experiments.load_dataset("mnist"), ValueError,
      ("unknown dataset 'mnist'", "xor", "moons")),
    C("unknown optimizer", lambda w: experiments.make_optimizer("lbfgs",
                                                                w.model.parameters(), 0.1),
      ValueError, ("unknown optimizer 'lbfgs'", "sgd or adam")),
    C("unknown activation for an MLP", lambda w: experiments.make_mlp(2, [4], 1, "sigmoidal"),
      ValueError, ("unknown activation 'sigmoidal'", "sigmoid")),
    C("unknown init for an MLP", lambda w: experiments.make_mlp(2, [4], 1, "tanh", init="best"),
      ValueError, ("unknown init 'best'", "lecun")),
    # ---------------------------------------------------------------- gradcheck
    C("gradcheck zero step", lambda w: mg.gradcheck(nn.Tanh(), tensor(3), eps=0.0), ValueError,
      ("gradcheck", "eps", "> 0", "0.0")),
    C("gradcheck negative tolerance", lambda w: mg.gradcheck(nn.Tanh(), tensor(3), atol=-1e-5),
      ValueError, ("gradcheck", "atol", ">= 0", "-1e-05")),
    C("gradcheck step as string", lambda w: mg.gradcheck(nn.Tanh(), tensor(3), eps="1e-6"),
      TypeError, ("gradcheck", "eps", "number", "str")),
    C("gradcheck of a non-function", lambda w: mg.gradcheck(42, tensor(3)), TypeError,
      ("gradcheck", "fn must be a function or module", "int")),
    C("gradcheck with nothing to check",
      lambda w: mg.gradcheck(nn.Tanh(), mg.Tensor(np.ones(3))), ValueError,
      ("gradcheck", "no input requires grad")),
]


def _strict_metric(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    if y_pred.min() < 0:
        raise ValueError("strict_metric wants probabilities, got a negative score")
    return 1.0


def _backward_once(w: World) -> mg.Tensor:
    loss = nn.CrossEntropyLoss()(w.model(w.X), w.y)
    loss.backward()
    return loss


def _forward_without_grad(w: World) -> mg.Tensor:
    with mg.no_grad():
        return nn.CrossEntropyLoss()(w.model(w.X), w.y)


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_raises_one_clear_error_and_changes_nothing(case: Case, world: World):
    if case.setup is not None:
        world.prepared = case.setup(world)
    before = snapshot(world)
    with pytest.raises(case.error) as info:
        case.call(world)
    assert type(info.value) is case.error, f"{type(info.value).__name__}: {info.value}"
    message = str(info.value)
    missing = [fragment for fragment in case.fragments if fragment not in message]
    assert not missing, f"message {message!r} lacks {missing}"
    assert_unchanged(before, snapshot(world))
    if case.after is not None:
        case.after(world)


def test_the_world_notices_a_change(world: World):
    # The state check above can fail: a step, a forward in training mode, or a new grad
    # are each seen.
    for change in (lambda: world.opt.step(), lambda: world.model(world.X),
                   lambda: setattr(world.model[0].b, "grad", None),
                   lambda: world.model[3](np.ones((2, 2))), lambda: world.model.eval()):
        before = snapshot(world)
        change()
        with pytest.raises(AssertionError):
            assert_unchanged(before, snapshot(world))


def test_a_bad_step_after_good_ones_keeps_the_last_good_weights(world: World):
    # fit checks the loss before stepping: once it turns NaN, the weights are those of the
    # last finite step, and the optimizer state too. (The running statistics of BatchNorm
    # have seen the failing forward, as in any framework.)
    X, y = world.X, world.y

    class Poison(mg.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float], fit_state: Any) -> None:
            # After the second epoch a weight goes NaN, so the next forward's loss is NaN.
            if epoch == 1:
                self.model[4].W.data[0, 0] = np.nan
                self.kept = snapshot(world)

    poison = Poison()
    with pytest.raises(FloatingPointError, match="loss became nan at epoch 3"):
        mg.fit(world.model, X, y, loss=nn.CrossEntropyLoss(), optimizer=world.opt, epochs=5,
               batch_size=None, verbose=0, callbacks=[poison])
    after = snapshot(world)
    buffers = {name for name, _ in world.model.named_buffers()}
    for part in ("model", "optimizer", "grads"):
        for key, value in poison.kept[part].items():
            if key not in buffers:
                assert same_bits(value, after[part][key]), f"{part}: {key}"


# --------------------------------------------------------------------------- not errors


def _activation(name: str) -> nn.Layer:
    if name == "threshold":
        return nn.get_activation(name, threshold=0.1, value=-1.0)
    return nn.get_activation(name)


NORMALISES_A_ROW = {"softmax", "softmin", "log_softmax"}


@pytest.mark.parametrize("name", nn.activation_names())
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_pass_nan_through_without_warning(name: str, dtype: type):
    # NaN is not an error in a layer: it flows on (quietly), and detect_anomaly() names the
    # first op that made it. Only the NaN's own place (or its row, for the softmax
    # family) is affected.
    x = mg.Tensor(np.array([[np.nan, 0.7, -1.3], [0.4, -0.2, 2.0]], dtype=dtype),
                  requires_grad=True)
    out = _activation(name)(x)
    out.backward(np.ones(out.shape, dtype=dtype))
    assert out.dtype == dtype and x.grad is not None and x.grad.dtype == dtype
    if name in NORMALISES_A_ROW:
        assert np.isnan(out.data[0]).all() and np.isfinite(out.data[1]).all()
        return
    assert np.isnan(out.data[0, 0])
    assert np.isfinite(out.data[:, 1:]).all() and np.isfinite(out.data[1]).all()
    assert np.isfinite(x.grad[:, 1:]).all() and np.isfinite(x.grad[1]).all()


def test_layers_and_losses_pass_nan_through():
    X = np.array([[np.nan, 1.0, 2.0], [0.5, -1.0, 0.0], [1.0, 1.0, 1.0]])
    dense = nn.Dense(3, 2, rng=0)
    assert np.isnan(dense(X).data[0]).all() and np.isfinite(dense(X).data[1:]).all()
    bn = nn.BatchNorm1d(3).eval()
    assert np.isnan(bn(X).data[0, 0]) and np.isfinite(bn(X).data[1:]).all()
    drop = nn.Dropout(0.5, rng=0).eval()
    assert np.isnan(drop(X).data[0, 0])
    loss = nn.MSELoss()(mg.Tensor(X, requires_grad=True), np.zeros((3, 3)))
    assert np.isnan(loss.item())


def test_loss_of_a_prediction_without_grad_is_a_plain_value():
    pred = mg.Tensor([[0.2], [0.9]])  # requires no grad: evaluation, or a frozen model
    for loss_fn, target in ((nn.MSELoss(), np.array([[0.0], [1.0]])),
                            (nn.BCELoss(), np.array([[0.0], [1.0]])),
                            (nn.CrossEntropyLoss(), np.array([0, 0]))):
        value = loss_fn(pred, target)
        assert not value.requires_grad and np.isfinite(value.item())
        with pytest.raises(RuntimeError, match="does not require grad"):
            value.backward()
    assert nn.MSELoss()(np.array([1.0, 3.0]), [1.0, 1.0]).item() == 2.0  # plain arrays too


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.0),  # PyTorch accepts lr=0: a frozen run, or a warmup start
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.0, weight_decay=0.0, dampening=0.0),
    lambda ps: optim.Adam(ps, lr=0.0, betas=(0.0, 0.0), weight_decay=0.0),
    lambda ps: optim.RMSprop(ps, alpha=0.0, momentum=0.0),
    lambda ps: optim.RMSprop(ps, alpha=1.0),
    lambda ps: optim.Adagrad(ps, lr_decay=0.0, initial_accumulator_value=0.0),
], ids=["sgd lr 0", "sgd zeros", "adam zeros", "rmsprop alpha 0", "rmsprop alpha 1",
        "adagrad zeros"])
def test_zero_hyper_parameters_that_make_sense_are_accepted(make: Callable[..., Any]):
    # Zero is refused only where it breaks something (eps of adaptive methods, sizes,
    # epochs, batch sizes, periods and decay factors of schedulers); elsewhere it is a
    # legitimate choice, as in PyTorch. A dead unit (all-zero grads) stays finite.
    w = mg.Tensor([[1.0, -2.0]], requires_grad=True)
    opt = make([w])
    for _ in range(3):
        w.grad = np.array([[0.5, 0.0]])
        opt.step()
    assert np.isfinite(w.data).all()


def test_zero_sized_choices_that_are_accepted():
    assert np.array_equal(nn.Dropout(0.0)(np.ones((2, 2))).data, np.ones((2, 2)))
    assert not nn.Dropout(1.0)(np.ones((2, 2))).data.any()
    bn = nn.BatchNorm1d(2, momentum=0.0)  # frozen running statistics
    bn(np.array([[1.0, 2.0], [3.0, 5.0]]))
    assert np.array_equal(bn.running_mean.data, [0.0, 0.0])
    assert nn.Dense(3, 2)(np.zeros((0, 3))).shape == (0, 2)  # an empty batch through a layer


# --------------------------------------------------------------------------- anomaly mode


def here(offset: int = 1) -> str:
    """'test_errors.py:<line of the caller + offset>'."""
    frame = inspect.currentframe().f_back  # type: ignore[union-attr]
    return f"{os.path.basename(__file__)}:{frame.f_lineno + offset}"  # type: ignore[union-attr]


def mlp() -> nn.Sequential:
    return nn.Sequential(nn.Dense(3, 4, rng=0), nn.Tanh(), nn.Dense(4, 2, rng=1))


def test_anomaly_names_the_layer_with_a_nan_weight_and_the_model_call():
    model = mlp()
    model[2].W.data[1, 0] = np.nan
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError) as info:
        where = here()
        model(np.ones((5, 3)))
    message = str(info.value)
    assert message.startswith("Dense produced NaN in forward")
    assert f"{where} in " in message


def test_anomaly_names_a_loss_whose_target_holds_inf():
    model = mlp()
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError) as info:
        prediction = model(np.ones((5, 3)))
        where = here()
        nn.MSELoss()(prediction, np.full((5, 2), np.inf))
    assert str(info.value).startswith("MSELoss produced inf in forward")
    assert f"{where} in " in str(info.value)


class BuggyScale(nn.Layer):
    """A user's layer whose backward divides by the input: NaN/inf where x is 0."""

    def forward(self, ctx: nn.Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        ctx.x = x
        return 2.0 * x

    def backward(self, ctx: nn.Context, dout: np.ndarray) -> np.ndarray:
        return dout * (2.0 * ctx.x) / ctx.x  # 0 / 0 where x == 0


def test_anomaly_names_a_layer_whose_backward_makes_nan_and_its_forward_call():
    model = nn.Sequential(nn.Dense(3, 2, rng=0), BuggyScale(), nn.Tanh())
    x = np.zeros((2, 3))  # Dense's bias is zero, so BuggyScale sees zeros
    with mg.detect_anomaly():
        where = here()
        out = model(x)
        with pytest.raises(mg.AnomalyError) as info:
            out.sum().backward()
    message = str(info.value)
    assert message.startswith("BuggyScale.backward produced NaN in the gradient of input 0")
    assert "; the forward call was at " in message and f"{where} in " in message


def test_anomaly_through_fit_names_the_layer_and_the_fit_call_and_changes_nothing():
    model = mlp()
    model[0].W.data[0, 0] = np.inf
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    before = model.state_dict()
    X, y = np.random.default_rng(0).normal(size=(6, 3)), np.arange(6) % 2
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError) as info:
        where = here()
        mg.fit(model, X, y, loss=nn.CrossEntropyLoss(), optimizer=opt, epochs=3, verbose=0)
    assert str(info.value).startswith("Dense produced ")
    assert f"{where} in " in str(info.value)
    for name, value in model.state_dict().items():
        assert same_bits(value, before[name]), name
    assert opt.state_dict().keys() == {"kind", "num_params", *(f"hyper.{k}" for k in (
        "lr", "momentum", "dampening", "nesterov", "weight_decay", "maximize"))}


def test_anomaly_through_fit_names_a_backward_layer():
    model = nn.Sequential(nn.Dense(3, 2, rng=0, init="zeros"), BuggyScale())
    opt = optim.SGD(model.parameters(), lr=0.1)
    X, y = np.ones((4, 3)), np.zeros((4, 2))
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError) as info:
        where = here()
        mg.fit(model, X, y, loss=nn.MSELoss(), optimizer=opt, verbose=0, metrics=())
    assert str(info.value).startswith("BuggyScale.backward produced NaN")
    assert f"{where} in " in str(info.value)
