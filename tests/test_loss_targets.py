"""Loss targets that fit no reading are refused, as in PyTorch, instead of being guessed at.

CrossEntropyLoss takes integer class labels without the class axis, or float class
probabilities shaped like the logits. An integer (or bool) target shaped like the logits is
neither; it used to be read as probabilities, silently.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

RNG = np.random.default_rng(7)

# logits shape -> (class axis, labels shape)
SHAPES = {(4, 3): (1, (4,)), (3,): (0, ()), (2, 3, 5): (1, (2, 5)), (3, 3): (1, (3,))}


def _one_hot_like(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    axis = SHAPES[shape][0]
    labels = RNG.integers(0, shape[axis], SHAPES[shape][1])
    return (np.arange(shape[axis]).reshape((-1,) + (1,) * (len(shape) - axis - 1))
            == np.expand_dims(labels, axis)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_integer_target_shaped_like_the_logits_is_refused(shape: tuple[int, ...],
                                                          dtype: Any) -> None:
    target = _one_hot_like(shape, dtype)
    axis, labels_shape = SHAPES[shape]
    with pytest.raises(ValueError) as info:
        nn.CrossEntropyLoss()(mg.Tensor(RNG.normal(size=shape), requires_grad=True), target)
    message = str(info.value)
    for part in ("CrossEntropyLoss", f"the logits' shape {shape}",
                 f"dtype {np.dtype(dtype)}", f"labels of shape {labels_shape}",
                 f"y.argmax(axis={axis})", "as floats (y.astype(float))"):
        assert part in message, (part, message)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_torch_refuses_them_too_and_agrees_on_the_float_one_hot(torch: Any,
                                                                shape: tuple[int, ...]) -> None:
    logits = RNG.normal(size=shape)
    target = _one_hot_like(shape, np.int64)
    with pytest.raises(RuntimeError, match="Expected floating point type for target"):
        torch.nn.CrossEntropyLoss()(torch.tensor(logits), torch.tensor(target))
    ours = nn.CrossEntropyLoss()(logits, target.astype(np.float64)).item()
    theirs = torch.nn.CrossEntropyLoss()(torch.tensor(logits),
                                         torch.tensor(target.astype(np.float64))).item()
    assert ours == pytest.approx(theirs, rel=1e-12)
    labels = target.argmax(axis=SHAPES[shape][0])
    assert nn.CrossEntropyLoss()(logits, labels).item() == pytest.approx(ours, rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_one_hot_from_the_data_helper_is_still_a_probability_target(dtype: Any) -> None:
    logits = RNG.normal(size=(5, 3))
    labels = np.array([0, 2, 1, 1, 0])
    by_label = nn.CrossEntropyLoss()(logits, labels).item()
    target = mg.data.one_hot(labels, 3, dtype=dtype)
    assert nn.CrossEntropyLoss()(logits, target).item() == pytest.approx(by_label, rel=1e-6)
    assert nn.CrossEntropyLoss()(logits, mg.Tensor(target)).item() == pytest.approx(
        by_label, rel=1e-6)


def test_nll_loss_refuses_an_integer_target_shaped_like_its_input() -> None:
    with pytest.raises(ValueError, match=r"NLLLoss: input of shape \(4, 3\) needs class labels "
                                         r"of shape \(4,\), got \(4, 3\)"):
        nn.NLLLoss()(np.log(np.full((4, 3), 1 / 3)), np.eye(3, dtype=np.int64)[[0, 1, 2, 0]])


@pytest.mark.parametrize("loss", [nn.MSELoss(), nn.L1Loss(), nn.HuberLoss(),
                                  nn.BCELoss(), nn.BCEWithLogitsLoss()])
@pytest.mark.parametrize("pred_shape, target_shape", [((4, 1), (4,)), ((4,), (4, 1)),
                                                      ((4, 3), (3,)), ((4, 3), (4, 1))])
def test_elementwise_losses_never_broadcast_the_target(loss: nn.Layer, pred_shape: tuple[int, ...],
                                                       target_shape: tuple[int, ...]) -> None:
    # torch warns and broadcasts (MSE of (4, 1) against (4,) averages a 4 x 4 table);
    # minigrad's policy is an error that names the loss and both shapes.
    name = type(loss).__name__
    with pytest.raises(ValueError, match=rf"{name}: prediction shape {pred_shape}".replace(
            "(", r"\(").replace(")", r"\)")):
        loss(mg.Tensor(np.full(pred_shape, 0.5), requires_grad=True), np.full(target_shape, 0.5))
