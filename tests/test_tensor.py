"""Tensor: construction, array facts, dtype rules, repr, comparisons and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

# --------------------------------------------------------------------------- construction


@pytest.mark.parametrize(
    ("data", "shape"),
    [
        ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], (2, 3)),
        (2.5, ()),
        (np.arange(6.0).reshape(3, 2), (3, 2)),
        ([], (0,)),
    ],
)
def test_tensor_from_lists_scalars_and_arrays(data, shape):
    t = mg.Tensor(data)
    assert isinstance(t.data, np.ndarray)
    assert t.shape == shape
    assert t.ndim == len(shape)
    assert t.size == int(np.prod(shape))
    np.testing.assert_array_equal(t.data, np.asarray(data))
    assert t.grad is None
    assert t.requires_grad is False


def test_tensor_copies_its_data():
    source = np.array([1.0, 2.0])
    t = mg.Tensor(source)
    source[0] = 99.0
    assert t.data[0] == 1.0


def test_tensor_from_tensor_copies():
    a = mg.Tensor([1.0, 2.0], requires_grad=True)
    b = mg.Tensor(a)
    b.data[0] = 5.0
    assert a.data[0] == 1.0
    assert b.requires_grad is False


def test_array_facts():
    t = mg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert t.dtype == np.float64
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T.data, t.data.T)
    assert t.numpy() is t.data
    assert len(t) == 2
    assert [row.shape for row in t] == [(3,), (3,)]
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert mg.Tensor([[7.0]]).item() == 7.0
    assert isinstance(mg.Tensor(np.float32(2.0)).item(), float)
    assert float(mg.Tensor(3.0)) == 3.0
    np.testing.assert_array_equal(np.asarray(t), t.data)


def test_item_on_many_elements_raises():
    with pytest.raises(ValueError, match="2 elements"):
        mg.Tensor([1.0, 2.0]).item()


def test_len_of_0d_raises():
    with pytest.raises(TypeError, match="0-d"):
        len(mg.Tensor(1.0))


@pytest.mark.parametrize(("value", "expected"), [(0.0, False), (2.0, True), ([0.0], False),
                                                 ([[3.0]], True)])
def test_truth_value_of_one_element(value, expected):
    # Like NumPy: the truth of the value, not of the length.
    assert bool(mg.Tensor(value)) is expected


def test_truth_value_of_many_elements_is_ambiguous():
    with pytest.raises(ValueError, match="ambiguous"):
        bool(mg.Tensor([1.0, 2.0]))


def test_repr_is_readable():
    assert repr(mg.Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert repr(mg.Tensor([1.0], requires_grad=True)) == "Tensor([1.], requires_grad=True)"
    assert "dtype=float32" in repr(mg.Tensor(np.ones(2, np.float32)))
    x = mg.Tensor([1.0], requires_grad=True)
    assert repr(x * 2.0) == "Tensor([2.], grad_fn=Mul)"
    assert repr(mg.Tensor(np.ones((2, 2)))) == "Tensor([[1., 1.],\n        [1., 1.]])"


# --------------------------------------------------------------------------- dtype rules


@pytest.mark.parametrize("data", [[1, 2], 3, True, np.array([1, 2], np.int8),
                                  np.array([True, False]), np.uint16(4)])
def test_int_and_bool_data_become_default_float(data):
    assert mg.Tensor(data).dtype == np.float64


def test_set_default_dtype_changes_int_and_python_float_data():
    assert mg.get_default_dtype() == np.float64
    mg.set_default_dtype(np.float32)
    try:
        assert mg.get_default_dtype() == np.float32
        assert mg.Tensor([1, 2]).dtype == np.float32
        assert mg.Tensor(True).dtype == np.float32
        assert mg.Tensor([1.5, 2.5]).dtype == np.float32
        assert mg.Tensor(0.5).dtype == np.float32
        # An array says its own dtype: it is kept.
        assert mg.Tensor(np.ones(2)).dtype == np.float64
    finally:
        mg.set_default_dtype(np.float64)
    assert mg.Tensor([1, 2]).dtype == np.float64


def test_set_default_dtype_refuses_non_float():
    with pytest.raises(TypeError, match="float dtype"):
        mg.set_default_dtype(np.int32)
    assert mg.get_default_dtype() == np.float64


def test_float_arrays_keep_their_dtype():
    assert mg.Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert mg.Tensor(np.ones(2, np.float16)).dtype == np.float16
    assert mg.Tensor(np.ones(2), dtype=np.float32).dtype == np.float32


def test_explicit_dtype_must_be_float():
    with pytest.raises(TypeError, match="float dtype"):
        mg.Tensor([1.0], dtype=np.int64)


@pytest.mark.parametrize("constant", [1.0001, 2, True, np.float64(1.5), np.float32(1.5),
                                      np.int64(3), np.bool_(True)])
def test_scalar_constants_never_upcast_float32(constant):
    t = mg.Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    for result in (t * constant, constant * t, t + constant, constant - t, t / constant,
                   t ** 2, mg.maximum(t, constant), mg.where(t.data > 1, t, constant)):
        assert result.dtype == np.float32
    (t * constant).sum().backward()
    assert t.grad.dtype == np.float32


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ("abc", "not supported"),
        (["a", "b"], "not supported"),
        ([object()], "not supported"),
        (None, "not supported"),
        (np.array([1 + 2j]), "complex.*not supported"),
        (3j, "complex.*not supported"),
        ([[1.0], [1.0, 2.0]], "cannot make an array"),
    ],
)
def test_unsupported_data_raises_type_error(data, pattern):
    with pytest.raises(TypeError, match=pattern):
        mg.Tensor(data)


@pytest.mark.parametrize("other", ["x", [1 + 1j], None])
def test_unsupported_operand_raises_type_error(other):
    with pytest.raises(TypeError, match="add"):
        mg.Tensor([1.0]) + other


# --------------------------------------------------------------------------- comparisons


@pytest.mark.parametrize("compare", [
    lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b, lambda a, b: a >= b,
    lambda a, b: a == b, lambda a, b: a != b,
])
def test_comparisons_return_bool_arrays_and_record_nothing(compare):
    a = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mg.Tensor([3.0, 2.0, 1.0], requires_grad=True)
    for other in (b, 2.0, b.data):
        result = compare(a, other)
        assert type(result) is np.ndarray
        assert result.dtype == np.bool_
        np.testing.assert_array_equal(result, compare(a.data, np.asarray(getattr(
            other, "data", other))))
    # A mask built from comparisons feeds where() without a gradient of its own.
    mg.where(compare(a, b), a, b).sum().backward()
    np.testing.assert_array_equal(a.grad + b.grad, np.ones(3))


def test_tensors_are_hashable_by_identity():
    a, b = mg.Tensor([1.0]), mg.Tensor([1.0])
    assert len({a, b, a}) == 2


# --------------------------------------------------------------------------- grad state


def test_detach_shares_data_and_leaves_the_graph():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    d = y.detach()
    assert d.requires_grad is False and d.is_leaf and d.grad_fn is None
    assert d.data is y.data
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad, d.data)  # no path through d back to x


def test_requires_grad_setter_only_on_leaves():
    x = mg.Tensor([1.0])
    x.requires_grad = True
    assert x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad
    x.requires_grad_()
    y = x * 2.0
    assert not y.is_leaf and y.grad_fn is not None
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False
    assert y.requires_grad


def test_turning_requires_grad_off_stops_recording():
    x = mg.Tensor([1.0], requires_grad=True)
    x.requires_grad = False
    assert (x * 2.0).requires_grad is False
