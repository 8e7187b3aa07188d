"""Losses: values and gradients against closed forms and finite differences, reductions,
extreme logits, dtype, by-hand == autograd, and the errors a user sees for bad targets."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn
from minigrad.testing import arrays, shapes

REDUCTIONS = ("mean", "sum", "none")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x)  # test data stays moderate, so the naive form is a fair oracle
    return e / e.sum(axis=-1, keepdims=True)


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


@dataclass
class Case:
    """A loss with sample data and independent closed forms of its unreduced value/grad."""

    make: Callable[[str], nn.Layer]
    data: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]  # d value_i / d prediction


def _huber_value(p: np.ndarray, y: np.ndarray, delta: float = 1.5) -> np.ndarray:
    d = np.abs(p - y)
    return np.where(d <= delta, d ** 2 / 2, delta * d - delta ** 2 / 2)


def _elementwise_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0, 2, (5, 3)), rng.normal(0, 2, (5, 3))


def _probability_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0.05, 0.95, (6, 2)), rng.uniform(0, 1, (6, 2))


def _class_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0, 2, (5, 4)), rng.integers(0, 4, 5)


def _soft_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0, 2, (5, 4)), rng.dirichlet(np.ones(4), 5)


POS_WEIGHT = np.array([0.5, 3.0])

CASES = {
    "mse": Case(lambda r: nn.MSELoss(reduction=r), _elementwise_data,
                lambda p, y: (p - y) ** 2, lambda p, y: 2 * (p - y)),
    "l1": Case(lambda r: nn.L1Loss(reduction=r), _elementwise_data,
               lambda p, y: np.abs(p - y), lambda p, y: np.sign(p - y)),
    "huber": Case(lambda r: nn.HuberLoss(delta=1.5, reduction=r), _elementwise_data,
                  _huber_value, lambda p, y: np.clip(p - y, -1.5, 1.5)),
    "bce": Case(lambda r: nn.BCELoss(reduction=r), _probability_data,
                lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)),
                lambda p, y: -y / p + (1 - y) / (1 - p)),
    "bce_logits": Case(lambda r: nn.BCEWithLogitsLoss(reduction=r), _elementwise_data,
                       lambda x, y: y * np.log1p(np.exp(-x)) + (1 - y) * np.log1p(np.exp(x)),
                       lambda x, y: _sigmoid(x) - y),
    "bce_logits_pos_weight": Case(
        lambda r: nn.BCEWithLogitsLoss(reduction=r, pos_weight=POS_WEIGHT),
        lambda rng: (rng.normal(0, 2, (4, 2)), rng.uniform(0, 1, (4, 2))),
        lambda x, y: -(POS_WEIGHT * y * np.log(_sigmoid(x)) + (1 - y) * np.log(1 - _sigmoid(x))),
        lambda x, y: -POS_WEIGHT * y * (1 - _sigmoid(x)) + (1 - y) * _sigmoid(x)),
    "cross_entropy": Case(lambda r: nn.CrossEntropyLoss(reduction=r), _class_data,
                          lambda x, y: -np.log(_softmax(x)[np.arange(len(y)), y]),
                          lambda x, y: _softmax(x) - _one_hot(y, x.shape[1])),
    "cross_entropy_soft": Case(lambda r: nn.CrossEntropyLoss(reduction=r), _soft_data,
                               lambda x, q: -(q * np.log(_softmax(x))).sum(axis=1),
                               lambda x, q: _softmax(x) - q),
    "cross_entropy_smoothing": Case(
        lambda r: nn.CrossEntropyLoss(reduction=r, label_smoothing=0.2), _class_data,
        # torch's definition: (1 - s) * NLL + s * mean over classes of -log p
        lambda x, y: (0.8 * -np.log(_softmax(x)[np.arange(len(y)), y])
                      + 0.2 * -np.log(_softmax(x)).mean(axis=1)),
        lambda x, y: _softmax(x) - (0.8 * _one_hot(y, 4) + 0.2 / 4)),
    "nll": Case(lambda r: nn.NLLLoss(reduction=r), _class_data,
                lambda z, y: -z[np.arange(len(y)), y], lambda z, y: -_one_hot(y, z.shape[1])),
}


def _expected(case: Case, p: np.ndarray, y: np.ndarray, reduction: str, upstream: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    values, grad = case.value(p, y), case.grad(p, y)
    if reduction == "none":
        return values, grad * upstream.reshape(upstream.shape + (1,) * (grad.ndim - values.ndim))
    if reduction == "sum":
        return values.sum(), grad * upstream
    return values.mean(), grad * upstream / values.size


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(CASES))
def test_value_and_gradient_match_closed_forms(name: str, reduction: str) -> None:
    case = CASES[name]
    rng = np.random.default_rng(0)
    p, y = case.data(rng)
    pred = mg.Tensor(p, requires_grad=True)
    out = case.make(reduction)(pred, y)
    upstream = rng.normal(size=out.shape)
    out.backward(upstream)
    value, grad = _expected(case, p, y, reduction, upstream)
    np.testing.assert_allclose(out.data, value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pred.grad, grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(CASES))
def test_by_hand_equals_autograd(name: str, reduction: str) -> None:
    case = CASES[name]
    rng = np.random.default_rng(1)
    p, y = case.data(rng)
    loss = case.make(reduction)
    pred = mg.Tensor(p, requires_grad=True)
    out = loss(pred, y)
    upstream = rng.normal(size=out.shape)
    out.backward(upstream)
    ctx = nn.Context()
    value = loss.forward(ctx, p, y)
    dpred, dtarget = loss.backward(ctx, upstream)
    assert dtarget is None
    np.testing.assert_array_equal(value, out.data)
    np.testing.assert_array_equal(dpred, pred.grad)


def test_one_loss_object_used_twice_in_one_graph() -> None:
    loss = nn.CrossEntropyLoss()
    rng = np.random.default_rng(2)
    a, b = (mg.Tensor(rng.normal(size=(3, 4)), requires_grad=True) for _ in range(2))
    ya, yb = np.array([0, 1, 2]), np.array([3, 3, 0])
    (loss(a, ya) + 2.0 * loss(b, yb)).backward()
    np.testing.assert_allclose(a.grad, (_softmax(a.data) - _one_hot(ya, 4)) / 3)
    np.testing.assert_allclose(b.grad, 2 * (_softmax(b.data) - _one_hot(yb, 4)) / 3)


def test_bce_weight_and_bce_with_logits_weight() -> None:
    rng = np.random.default_rng(3)
    p, y, w = rng.uniform(0.1, 0.9, (4, 3)), rng.uniform(0, 1, (4, 3)), np.array([1.0, 2.0, 0.5])
    out = nn.BCELoss(weight=w, reduction="sum")(p, y)
    np.testing.assert_allclose(out.item(), np.sum(-w * (y * np.log(p) + (1 - y) * np.log(1 - p))))
    x = mg.Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    nn.BCEWithLogitsLoss(weight=w, reduction="sum")(x, y).backward()
    np.testing.assert_allclose(x.grad, w * (_sigmoid(x.data) - y))


def test_cross_entropy_spatial_equals_flattened() -> None:
    rng = np.random.default_rng(4)
    logits, labels = rng.normal(size=(2, 3, 5)), rng.integers(0, 3, (2, 5))
    x = mg.Tensor(logits, requires_grad=True)
    nn.CrossEntropyLoss()(x, labels).backward()
    flat = logits.transpose(0, 2, 1).reshape(-1, 3)
    x_flat = mg.Tensor(flat, requires_grad=True)
    expected = nn.CrossEntropyLoss()(x_flat, labels.reshape(-1))
    expected.backward()
    np.testing.assert_allclose(nn.CrossEntropyLoss()(logits, labels).item(), expected.item())
    np.testing.assert_allclose(x.grad, x_flat.grad.reshape(2, 5, 3).transpose(0, 2, 1))


def test_cross_entropy_one_sample_and_one_hot() -> None:
    logits = np.array([[0.5, -1.0, 2.0]])
    by_label = nn.CrossEntropyLoss()(logits, np.array([2])).item()
    assert nn.CrossEntropyLoss()(logits[0], np.array(2)).item() == pytest.approx(by_label)
    # A float one-hot array shaped like the logits is a probability target; an integer one
    # is refused, as in PyTorch (tests/test_loss_targets.py).
    assert nn.CrossEntropyLoss()(logits, np.array([[0.0, 0.0, 1.0]])).item() == pytest.approx(
        by_label)
    with pytest.raises(ValueError, match="CrossEntropyLoss: the target has the logits' shape"):
        nn.CrossEntropyLoss()(logits, np.array([[0, 0, 1]]))


def test_nll_of_log_softmax_equals_cross_entropy() -> None:
    rng = np.random.default_rng(5)
    logits, labels = rng.normal(size=(6, 4)), rng.integers(0, 4, 6)
    log_probs = np.log(_softmax(logits))
    assert nn.NLLLoss()(log_probs, labels).item() == pytest.approx(
        nn.CrossEntropyLoss()(logits, labels).item(), rel=1e-12)


def test_tensor_target_gets_no_gradient_and_array_like_prediction_records_nothing() -> None:
    target = mg.Tensor([[0.0], [1.0]], requires_grad=True)
    pred = mg.Tensor([[0.5], [0.5]], requires_grad=True)
    out = nn.MSELoss()(pred, target)
    out.backward()
    assert target.grad is None
    np.testing.assert_allclose(pred.grad, [[0.5], [-0.5]])
    plain = nn.MSELoss()([[0.5], [0.5]], [[0.0], [1.0]])
    assert not plain.requires_grad and plain.item() == pytest.approx(0.25)


# --------------------------------------------------------------------------- finite differences


def _elementwise_loss_case(name: str) -> Callable[[str], nn.Layer]:
    return {"mse": nn.MSELoss, "l1": nn.L1Loss, "huber": lambda r: nn.HuberLoss(0.8, r),
            "bce_logits": lambda r: nn.BCEWithLogitsLoss(reduction=r,
                                                         pos_weight=np.array(1.7))}[name]


@pytest.mark.parametrize("name", ["mse", "l1", "huber", "bce_logits"])
@given(shape=shapes(min_dims=0, max_dims=3), data=st.data())
def test_elementwise_gradcheck(name: str, shape: tuple[int, ...], data: Any) -> None:
    reduction = data.draw(st.sampled_from(REDUCTIONS))
    target = data.draw(arrays(shape, low=-2, high=2))
    # Differences kept off the kinks of L1 (0) and Huber (+-0.8).
    diff = data.draw(arrays(shape, low=-3, high=3, avoid=(0.0, -0.8, 0.8), margin=1e-2))
    pred = mg.Tensor(target + diff, requires_grad=True)
    loss = _elementwise_loss_case(name)(reduction)
    if name == "bce_logits":
        target = data.draw(arrays(shape, low=0, high=1))
    assert mg.gradcheck(lambda t: loss(t, target), pred)


@given(shape=shapes(min_dims=0, max_dims=3), data=st.data())
def test_bce_gradcheck(shape: tuple[int, ...], data: Any) -> None:
    reduction = data.draw(st.sampled_from(REDUCTIONS))
    p = data.draw(arrays(shape, low=0.05, high=0.95))
    y = data.draw(arrays(shape, low=0.0, high=1.0))
    loss = nn.BCELoss(reduction=reduction)
    assert mg.gradcheck(lambda t: loss(t, y), mg.Tensor(p, requires_grad=True))


@given(n=st.integers(1, 4), c=st.integers(1, 5), spatial=st.sampled_from([(), (3,)]),
       soft=st.booleans(), smoothing=st.sampled_from([0.0, 0.1]), data=st.data())
def test_cross_entropy_gradcheck(n: int, c: int, spatial: tuple[int, ...], soft: bool,
                                 smoothing: float, data: Any) -> None:
    reduction = data.draw(st.sampled_from(REDUCTIONS))
    logits = data.draw(arrays((n, c, *spatial), low=-5, high=5))
    if soft:
        # Not normalised on purpose: the gradient is p * sum(q) - q, as torch's autograd.
        target = data.draw(arrays((n, c, *spatial), low=0.0, high=1.0))
    else:
        target = np.asarray(data.draw(arrays((n, *spatial), low=0, high=c - 1e-9)),
                            dtype=np.int64)
    loss = nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)
    assert mg.gradcheck(lambda t: loss(t, target), mg.Tensor(logits, requires_grad=True))


@given(n=st.integers(1, 4), c=st.integers(1, 5), data=st.data())
def test_nll_gradcheck(n: int, c: int, data: Any) -> None:
    reduction = data.draw(st.sampled_from(REDUCTIONS))
    z = data.draw(arrays((n, c), low=-5, high=0))
    labels = np.asarray(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    loss = nn.NLLLoss(reduction=reduction)
    assert mg.gradcheck(lambda t: loss(t, labels), mg.Tensor(z, requires_grad=True))


# --------------------------------------------------------------------------- extremes, dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_at_extreme_logits(dtype: type) -> None:
    logits = mg.Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4]], dtype=dtype),
                       requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.CrossEntropyLoss(reduction="none")(logits, np.array([0, 0]))
        out.backward(np.ones(2, dtype=dtype))
    assert out.dtype == dtype and logits.grad.dtype == dtype
    np.testing.assert_array_equal(out.data, [0.0, 2e4])
    np.testing.assert_array_equal(logits.grad, [[0.0, 0.0, 0.0], [-1.0, 1.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_at_extreme_logits(dtype: type) -> None:
    x = mg.Tensor(np.array([1e4, 1e4, -1e4, -1e4], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.BCEWithLogitsLoss(reduction="none")(x, np.array([1.0, 0.0, 1.0, 0.0]))
        out.backward(np.ones(4, dtype=dtype))
    assert out.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_array_equal(out.data, [0.0, 1e4, 1e4, 0.0])
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, -1.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_exact_zero_and_one_probabilities_is_finite(dtype: type) -> None:
    p = mg.Tensor(np.array([0.0, 0.0, 1.0, 1.0], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.BCELoss(reduction="none")(p, np.array([0.0, 1.0, 0.0, 1.0]))
        out.backward(np.ones(4, dtype=dtype))
    assert out.dtype == dtype and p.grad.dtype == dtype
    np.testing.assert_array_equal(out.data, [0.0, 100.0, 100.0, 0.0])  # logs clamped at -100
    # PyTorch's gradient: (p - y) / max(p (1 - p), float32(1e-12)).
    np.testing.assert_allclose(p.grad, [0.0, -1e12, 1e12, 0.0], rtol=1e-7)


@pytest.mark.parametrize("name", list(CASES))
def test_float32_prediction_keeps_float32_with_float64_target(name: str) -> None:
    case = CASES[name]
    p, y = case.data(np.random.default_rng(6))
    pred = mg.Tensor(p.astype(np.float32), requires_grad=True)
    out = case.make("mean")(pred, y)  # y is float64 (or int64 labels)
    out.backward()
    assert out.dtype == np.float32 and pred.grad.dtype == np.float32
    assert out.item() == pytest.approx(case.value(p, y).mean(), rel=1e-5)


def test_integer_targets_become_the_prediction_dtype() -> None:
    pred = mg.Tensor(np.array([0.25, 0.75], dtype=np.float32), requires_grad=True)
    out = nn.BCELoss()(pred, [0, 1])
    assert out.dtype == np.float32
    assert out.item() == pytest.approx(-np.log(0.75))


# --------------------------------------------------------------------------- errors


def test_elementwise_shape_mismatch_is_not_broadcast() -> None:
    message = ("MSELoss: prediction shape (4, 1) and target shape (4,) differ; "
               "reshape the target to (4, 1)")
    with pytest.raises(ValueError) as error:
        nn.MSELoss()(mg.Tensor(np.zeros((4, 1))), np.zeros(4))
    assert str(error.value) == message
    with pytest.raises(ValueError, match=r"BCEWithLogitsLoss: .* expected a target of shape "
                                         r"\(4, 1\)"):
        nn.BCEWithLogitsLoss()(np.zeros((4, 1)), np.zeros(3))


def test_cross_entropy_refuses_float_labels() -> None:
    with pytest.raises(TypeError, match=r"CrossEntropyLoss: class labels must be integers, "
                                        r"got a float64 target of shape \(4,\).*astype\(int\)"
                                        r".*class probabilities of shape \(4, 3\)"):
        nn.CrossEntropyLoss()(np.zeros((4, 3)), np.array([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(TypeError, match="NLLLoss: class labels must be integers"):
        nn.NLLLoss()(np.zeros((2, 3)), mg.Tensor([0, 1]))  # a Tensor always holds floats


@pytest.mark.parametrize("labels", [[0, 3], [-1, 2]])
def test_labels_out_of_range(labels: list[int]) -> None:
    low, high = min(labels), max(labels)
    for loss in (nn.CrossEntropyLoss(), nn.NLLLoss()):
        with pytest.raises(ValueError, match=rf"{type(loss).__name__}: class labels must lie in "
                                             rf"\[0, 3\) for 3 classes, got labels from "
                                             rf"{low} to {high}"):
            loss(np.zeros((2, 3)), np.array(labels))


def test_class_target_shapes() -> None:
    with pytest.raises(ValueError, match=r"needs class labels of shape \(4,\), got \(4, 1\) "
                                         r"\(reshape them to \(4,\)\)"):
        nn.CrossEntropyLoss()(np.zeros((4, 3)), np.zeros((4, 1), dtype=int))
    with pytest.raises(ValueError, match=r"probability target must have the logits' shape "
                                         r"\(4, 3\), got \(4, 2\)"):
        nn.CrossEntropyLoss()(np.zeros((4, 3)), np.full((4, 2), 0.5))
    with pytest.raises(ValueError, match="NLLLoss: .*use CrossEntropyLoss on logits"):
        nn.NLLLoss()(np.zeros((4, 3)), np.zeros((4, 3), dtype=int))
    with pytest.raises(ValueError, match="CrossEntropyLoss: the input needs a class axis"):
        nn.CrossEntropyLoss()(np.array(1.0), np.array(0))


@pytest.mark.parametrize("bad", [-0.25, 1.5, np.nan])
def test_bce_refuses_values_outside_unit_interval(bad: float) -> None:
    with pytest.raises(ValueError, match=r"BCELoss: predictions must lie in \[0, 1\]; found 1 "
                                         r"value\(s\) outside .*BCEWithLogitsLoss"):
        nn.BCELoss()(np.array([0.5, bad]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"BCELoss: targets must lie in \[0, 1\]"):
        nn.BCELoss()(np.array([0.5, 0.5]), np.array([0.0, bad]))


@pytest.mark.parametrize("name", list(CASES))
def test_empty_batch_and_bad_reduction(name: str) -> None:
    loss = CASES[name].make("mean")
    target = np.zeros(0, dtype=int) if "soft" not in name and name in (
        "cross_entropy", "cross_entropy_smoothing", "nll") else np.zeros((0, 2))
    with pytest.raises(ValueError, match=rf"{type(loss).__name__}: got an empty batch"):
        loss(np.zeros((0, 2)), target)
    with pytest.raises(ValueError, match=rf"{type(loss).__name__}: reduction must be 'mean', "
                                         r"'sum' or 'none', got 'avg'"):
        CASES[name].make("avg")


def test_bad_constructor_arguments_and_targets() -> None:
    with pytest.raises(ValueError, match="HuberLoss: delta must be a positive number"):
        nn.HuberLoss(delta=0.0)
    with pytest.raises(ValueError, match=r"label_smoothing must lie in \[0, 1\]"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"weight of shape \(3,\) does not broadcast"):
        nn.BCELoss(weight=np.ones(3))(np.full((2, 2), 0.5), np.ones((2, 2)))
    with pytest.raises(TypeError, match="MSELoss: the target must hold numbers"):
        nn.MSELoss()(np.zeros(2), np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"with reduction='none' dout must have shape \(2,\)"):
        loss = nn.MSELoss(reduction="none")
        ctx = nn.Context()
        loss.forward(ctx, np.zeros(2), np.ones(2))
        loss.backward(ctx, np.ones(3))
