"""The shortcuts of the loss layers, pinned against their general paths.

* ``_in_unit_interval`` decides with one integer reduction that probabilities lie in [0, 1]
  (in (0, 1), where no log can be of 0, for BCELoss's predictions);
* ``_class_labels`` decides with one integer reduction that class labels lie in [0, C), and
  then looks for ``ignore_index`` only where a label can equal it;
* ``_reduce`` divides ``np.add.reduce`` by the count instead of calling ``np.mean`` for
  float32 and float64;
* ``_label_index`` picks and puts each sample's class score by its flat position.

Each shortcut is checked against its exact specification, or the loss is run twice, once as
it is and once with the shortcut switched off (the general path, which raises the
diagnosis), and both runs must give the same error message, or the same bits and no warning.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minigrad import nn
from minigrad.nn.losses import base, binary, classification

FLOATS: tuple[Any, ...] = (np.float16, np.float32, np.float64)
INTS: tuple[Any, ...] = (np.int8, np.int16, np.int32, np.int64,
                         np.uint8, np.uint16, np.uint32, np.uint64)


def _bits(array: Any) -> tuple[str, tuple[int, ...], bytes] | None:
    if array is None:
        return None
    array = np.asarray(array)
    return array.dtype.str, array.shape, np.ascontiguousarray(array).tobytes()


def _outcome(make: Callable[[], Any], pred: np.ndarray, target: np.ndarray) -> Any:
    """What a hand-driven forward and backward give: the value's and gradient's bits, or the
    error; with the warnings raised on the way."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            loss = make()
            ctx = nn.Context()
            value = loss.forward(ctx, pred, target)
            dout = np.full(np.shape(value), 0.75, dtype=np.asarray(value).dtype)
            grad, _ = loss.backward(ctx, dout)
            result: Any = (type(value).__name__, _bits(value), _bits(grad))
        except (ValueError, TypeError, IndexError) as error:
            result = (type(error).__name__, str(error))
    return result, [f"{w.category.__name__}: {w.message}" for w in caught]


def _same_as_general_path(make: Callable[[], Any], pred: np.ndarray, target: np.ndarray,
                          *switches: Any) -> Any:
    """Run with the shortcuts and without (``switches`` are mock.patch objects that turn them
    off): both must agree, warnings included (a float16 gradient may warn on either path,
    as the gradient floor 1e-12 is 0 in float16). Returns the outcome."""
    fast, fast_warnings = _outcome(make, pred, target)
    with contextlib.ExitStack() as stack:
        for switch in switches:
            stack.enter_context(switch)
        general, general_warnings = _outcome(make, pred, target)
    assert fast == general
    assert fast_warnings == general_warnings
    # Nor may a log warn, on either path: BCELoss's log(0) is clamped, never reported.
    assert not [text for text in fast_warnings if "encountered in log" in text]
    return fast


def _no_bce_shortcut() -> Any:
    return mock.patch.object(binary, "_in_unit_interval", lambda array, strictly=False: False)


def _no_label_shortcut() -> Any:
    return mock.patch.object(classification, "_LABEL_READINGS", {})


def _no_mean_shortcut() -> Any:
    return mock.patch.object(base, "_EXACT_MEAN_SIZE", {})


# --------------------------------------------------------------------------- [0, 1]


def _unit_spec(values: np.ndarray, strictly: bool) -> np.ndarray:
    """What _in_unit_interval must answer for each single value: inside the interval, and
    not -0.0 (sent to the general path, which accepts it)."""
    with np.errstate(invalid="ignore"):
        inside = (values > 0) & (values < 1) if strictly else (values >= 0) & (values <= 1)
    return inside & ~((values == 0) & np.signbit(values))


@pytest.mark.parametrize("strictly", [False, True])
def test_unit_interval_on_every_float16(strictly: bool) -> None:
    # All 65536 float16 numbers: every NaN payload of either sign, both infinities, both
    # zeros, every subnormal, and each neighbour of 0 and 1.
    values = np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    answers = [base._in_unit_interval(values[i:i + 1], strictly) for i in range(values.size)]
    assert answers == _unit_spec(values, strictly).tolist()


def _edges(dtype: Any) -> list[Any]:
    """Values of ``dtype`` where a wrong test of [0, 1] would show first."""
    info = np.finfo(dtype)
    unsigned = base._UNIT_BITS[np.dtype(dtype)][0]
    zero, one = np.zeros((), dtype), np.ones((), dtype)
    nans = [np.array(bits, dtype=unsigned).view(dtype)[()] for bits in (
        np.array(np.nan, dtype).view(unsigned),                     # quiet NaN
        np.array(-np.nan, dtype).view(unsigned),                    # with the sign bit set
        np.array(np.inf, dtype).view(unsigned) + 1,                 # signalling NaN
        np.iinfo(unsigned).max,                                     # all bits set
    )]
    return [zero, -zero, one, -one, np.nextafter(zero, one), np.nextafter(zero, -one),
            np.nextafter(one, zero), np.nextafter(one, 2 * one), info.smallest_subnormal,
            -info.smallest_subnormal, info.max, -info.max, np.inf, -np.inf, *nans]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(data=st.data())
def test_unit_interval_decides_exactly(dtype: Any, data: st.DataObject) -> None:
    elements = st.one_of(st.sampled_from(_edges(dtype)),
                         st.floats(width=np.finfo(dtype).bits),
                         st.floats(0.0, 1.0, width=np.finfo(dtype).bits))
    values = data.draw(hnp.arrays(dtype, hnp.array_shapes(max_dims=2, max_side=5),
                                  elements=elements))
    for strictly in (False, True):
        assert base._in_unit_interval(values, strictly) == bool(
            _unit_spec(values, strictly).all())


def test_unit_interval_refuses_what_it_cannot_read() -> None:
    # Another byte order, a long double, an empty array: always the general path.
    assert not base._in_unit_interval(np.full(3, 0.5, dtype=">f8"))
    assert not base._in_unit_interval(np.full(3, 0.5, dtype=np.longdouble))
    assert not base._in_unit_interval(np.zeros(0))


def _probability_arrays(dtype: Any, shape: tuple[int, ...]) -> st.SearchStrategy[Any]:
    """Arrays of probabilities half of the time (the shortcut's case), else arrays where
    edge values and any other floats may mix with them."""
    width = np.finfo(dtype).bits
    valid = st.floats(0.0, 1.0, width=width)
    mixed = st.one_of(valid, st.sampled_from(_edges(dtype)), st.floats(width=width))
    return st.one_of(hnp.arrays(dtype, shape, elements=valid),
                     hnp.arrays(dtype, shape, elements=mixed))


@given(data=st.data())
def test_bce_matches_its_general_path(data: st.DataObject) -> None:
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
    dtype = data.draw(st.sampled_from(FLOATS))
    pred = data.draw(_probability_arrays(dtype, shape))
    target = data.draw(_probability_arrays(data.draw(st.sampled_from(FLOATS)), shape))
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    weight = data.draw(st.sampled_from([None, np.linspace(0.5, 2.0, 4)[:shape[-1]] if shape
                                        else np.array(1.5)]))
    outcome = _same_as_general_path(lambda: nn.BCELoss(weight=weight, reduction=reduction),
                                    pred, target, _no_bce_shortcut())
    with np.errstate(over="ignore", invalid="ignore"):  # the cast the loss makes, and NaN
        cast = target.astype(dtype)
        valid = ((pred >= 0) & (pred <= 1)).all() and ((cast >= 0) & (cast <= 1)).all()
    refused = outcome[0] == "ValueError" and "must lie in [0, 1]" in outcome[1]
    assert refused == (not valid)


@pytest.mark.parametrize("bad", [np.nan, -np.nan, np.inf, -np.inf, -1e-300, 1.0000001, 2.0])
@pytest.mark.parametrize("where", ["predictions", "targets"])
def test_bce_refuses_each_bad_value_with_the_same_message(bad: float, where: str) -> None:
    pred = np.array([[0.25], [0.5], [0.75]])
    target = np.array([[0.0], [1.0], [1.0]])
    (pred if where == "predictions" else target)[1, 0] = bad
    outcome = _same_as_general_path(nn.BCELoss, pred, target, _no_bce_shortcut())
    assert outcome[0] == "ValueError"
    assert outcome[1].startswith(f"BCELoss: {where} must lie in [0, 1]; found 1 value(s)")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("edge", ["-0.0", "0.0", "1.0", "tiniest", "below 1"])
@pytest.mark.parametrize("where", ["predictions", "targets"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_accepts_each_edge_value_as_the_general_path_does(dtype: Any, edge: str,
                                                              where: str,
                                                              reduction: str) -> None:
    value = {"-0.0": -0.0, "0.0": 0.0, "1.0": 1.0, "tiniest": np.finfo(dtype).smallest_subnormal,
             "below 1": np.nextafter(dtype(1), dtype(0))}[edge]
    pred = np.array([0.25, 0.5, 0.75], dtype=dtype)
    target = np.array([0.0, 1.0, 0.5], dtype=dtype)
    (pred if where == "predictions" else target)[1] = value
    outcome = _same_as_general_path(lambda: nn.BCELoss(reduction=reduction), pred, target,
                                    _no_bce_shortcut())
    assert outcome[0] == "ndarray"


# --------------------------------------------------------------------------- class labels


@given(data=st.data())
def test_labels_match_their_general_path(data: st.DataObject) -> None:
    dtype = data.draw(st.sampled_from(INTS))
    info = np.iinfo(dtype)
    # More classes than an int8 holds labels >= 0 too: -100 as an int8 reads 156.
    classes = data.draw(st.one_of(st.integers(1, 6), st.sampled_from([127, 128, 129, 200, 257])))
    candidates = [v for v in (info.min, -129, -128, -101, -100, -56, -1, classes - 1, classes,
                              classes + 1, 127, 128, 255, 256, info.max)
                  if info.min <= v <= info.max]
    shape = data.draw(st.sampled_from([(), (1,), (5,), (3, 2)]))
    # Valid labels half of the time (the shortcut's case), else edge values mixed in.
    valid = st.integers(0, min(classes - 1, info.max))
    labels = data.draw(st.one_of(
        hnp.arrays(dtype, shape, elements=valid),
        hnp.arrays(dtype, shape, elements=st.one_of(valid, st.sampled_from(candidates)))))
    scores_shape = (classes,) if not shape else shape[:1] + (classes,) + shape[1:]
    scores = np.linspace(-2.0, 3.0, int(np.prod(scores_shape))).reshape(scores_shape)
    ignore_index = data.draw(st.sampled_from([-100, -56, -1, 0, classes - 1, classes, 255]))
    weight = data.draw(st.sampled_from([None, np.linspace(0.5, 2.0, classes)]))
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    kind = data.draw(st.sampled_from([nn.CrossEntropyLoss, nn.NLLLoss]))
    outcome = _same_as_general_path(
        lambda: kind(weight=weight, ignore_index=ignore_index, reduction=reduction),
        scores, labels, _no_label_shortcut())
    counted = (labels >= 0) & (labels < classes) | (labels == ignore_index)
    assert (outcome[0] == "ValueError") == (not counted.all())


@pytest.mark.parametrize("dtype", INTS)
def test_each_label_just_outside_is_refused_with_the_same_message(dtype: Any) -> None:
    scores = np.zeros((3, 4))
    info = np.iinfo(dtype)
    for bad in (-1, 4, info.max, info.min):
        if not info.min <= bad <= info.max or 0 <= bad < 4:
            continue  # not representable, or a class
        labels = np.array([0, bad, 3], dtype=dtype)
        outcome = _same_as_general_path(nn.CrossEntropyLoss, scores, labels,
                                        _no_label_shortcut())
        assert outcome == ("ValueError", f"CrossEntropyLoss: class labels must lie in [0, 4) "
                                         f"for 4 classes, got labels from {min(0, bad)} to "
                                         f"{max(3, bad)}")


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
@pytest.mark.parametrize("ignore_index", [-100, -56])
def test_negative_labels_with_more_classes_than_the_dtype_holds(dtype: Any,
                                                                ignore_index: int) -> None:
    # Read as unsigned, an int8 -100 is 156 and -56 is 200: below C = 200, yet negative.
    classes = 200 if dtype == np.int8 else 40000
    scores = np.linspace(-1.0, 1.0, 2 * classes).reshape(2, classes)
    labels = np.array([3, ignore_index], dtype=dtype)
    outcome = _same_as_general_path(lambda: nn.CrossEntropyLoss(ignore_index=ignore_index,
                                                                reduction="none"),
                                    scores, labels, _no_label_shortcut())
    assert outcome[0] == "ndarray"
    assert np.frombuffer(outcome[1][2], np.float64)[1] == 0.0  # ignored, not another score
    other = -100 if ignore_index == -56 else -56
    outcome = _same_as_general_path(lambda: nn.CrossEntropyLoss(ignore_index=other),
                                    scores, labels, _no_label_shortcut())
    assert outcome == ("ValueError", f"CrossEntropyLoss: class labels must lie in [0, {classes}) "
                                     f"for {classes} classes, got labels from {ignore_index} to 3")


@pytest.mark.parametrize("ignore_index", [0, 2])
def test_an_ignore_index_among_the_classes_is_still_found(ignore_index: int) -> None:
    # Labels in [0, C) pass the one reduction; those equal to ignore_index must still count
    # for nothing.
    scores = np.array([[1.0, 2.0, 0.5], [0.0, 1.0, 3.0], [2.0, 2.0, 1.0]])
    labels = np.array([0, 2, 1])
    loss = nn.CrossEntropyLoss(ignore_index=ignore_index, reduction="none")(scores, labels)
    assert loss.data[labels == ignore_index].tolist() == [0.0]
    assert (loss.data[labels != ignore_index] > 0).all()
    _same_as_general_path(lambda: nn.CrossEntropyLoss(ignore_index=ignore_index), scores,
                          labels, _no_label_shortcut())


@given(data=st.data())
def test_label_index_picks_and_puts_like_take_along_axis(data: st.DataObject) -> None:
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    classes = data.draw(st.integers(1, 5))
    labels = data.draw(hnp.arrays(np.intp, shape, elements=st.integers(0, classes - 1)))
    # Scores with the classes last, as a view that is not C-contiguous.
    full = np.arange(labels.size * classes * 2, dtype=np.float64)
    scores = full.reshape(*shape, classes, 2)[..., 0] if shape else full.reshape(classes, 2)[:, 0]
    index = classification._label_index(labels, classes)
    expected = np.take_along_axis(scores, labels[..., None], axis=-1)
    assert _bits(scores.take(index)) == _bits(expected)
    put = np.zeros(scores.shape)
    put.put(index, -scores.take(index))
    along = np.zeros(scores.shape)
    np.put_along_axis(along, labels[..., None], -expected, axis=-1)
    assert _bits(put) == _bits(along)


# --------------------------------------------------------------------------- the mean


@given(data=st.data())
def test_mean_matches_np_mean_bit_for_bit(data: st.DataObject) -> None:
    dtype = data.draw(st.sampled_from(FLOATS))
    width = np.finfo(dtype).bits
    elements = st.one_of(st.floats(-1.0, 1.0, width=width), st.floats(width=width))
    pred = data.draw(hnp.arrays(dtype, data.draw(hnp.array_shapes(max_dims=2, max_side=40)),
                                elements=elements))
    target = np.zeros_like(pred)
    for make in (nn.L1Loss, nn.MSELoss):
        fast, _ = _outcome(make, pred, target)
        with _no_mean_shortcut():
            general, _ = _outcome(make, pred, target)
        assert fast == general


def test_float32_quotient_equals_np_mean_rounding() -> None:
    # np.mean divides a float32 sum by an intp count in float64, then rounds to float32; the
    # shortcut divides in float32. Counts up to the bound of _EXACT_MEAN_SIZE, the bound
    # itself and the one below it included (a count not exact in float32 would differ).
    limit = base._EXACT_MEAN_SIZE[np.dtype(np.float32)]
    rng = np.random.default_rng(0)
    sums = (rng.standard_normal(4000) * 10.0 ** rng.integers(-30, 30, 4000)).astype(np.float32)
    for count in (1, 3, 7, 10, 1000003, limit // 3, limit - 3, limit - 1, limit):
        expected = (sums.astype(np.float64) / np.intp(count)).astype(np.float32)
        assert _bits(sums / np.float32(count)) == _bits(expected), count


def test_float16_keeps_np_mean() -> None:
    # np.mean sums float16 in float32: np.add.reduce would sum in float16.
    assert np.dtype(np.float16) not in base._EXACT_MEAN_SIZE
    values = np.full(4096, 1.0, dtype=np.float16)
    values[0] = 2048.0
    value = nn.L1Loss()(values, np.zeros_like(values))
    assert _bits(value.data) == _bits(np.asarray(values.mean()))
