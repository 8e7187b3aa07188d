"""Toy datasets, splitting, scaling, one-hot targets and batching (minigrad.data)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import data

MAKERS = {
    "xor": lambda **kw: data.make_xor(n_samples=40, **kw),
    "moons": lambda **kw: data.make_moons(n_samples=41, **kw),
    "circles": lambda **kw: data.make_circles(n_samples=41, **kw),
    "spirals": lambda **kw: data.make_spirals(n_samples=41, n_classes=4, **kw),
    "blobs": lambda **kw: data.make_blobs(
        n_samples=41, centers=3, cluster_std=kw.pop("noise", 1.0), **kw),
}
N_CLASSES = {"xor": 2, "moons": 2, "circles": 2, "spirals": 4, "blobs": 3}


# --------------------------------------------------------------------------- datasets


@pytest.mark.parametrize("name", MAKERS)
def test_maker_shapes_dtypes_and_labels(name):
    X, y = MAKERS[name](noise=0.1, rng=0)
    n = 40 if name == "xor" else 41
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert set(y.tolist()) == set(range(N_CLASSES[name]))
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", MAKERS)
def test_maker_same_seed_same_data_other_seed_other_data(name):
    X1, y1 = MAKERS[name](noise=0.2, rng=7)
    X2, y2 = MAKERS[name](noise=0.2, rng=7)
    X3, _ = MAKERS[name](noise=0.2, rng=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)
    X4, _ = MAKERS[name](noise=0.2, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(X1, X4)


@pytest.mark.parametrize("name", ["xor", "moons", "circles", "spirals"])
def test_noise_moves_points_by_about_its_size(name):
    clean, y_clean = MAKERS[name](noise=0.0, rng=0)
    noisy, y_noisy = MAKERS[name](noise=0.3, rng=0)
    np.testing.assert_array_equal(y_clean, y_noisy)
    shift = noisy - clean
    assert 0.2 < shift.std() < 0.4
    # Without noise the seed does not matter.
    np.testing.assert_array_equal(clean, MAKERS[name](noise=0.0, rng=123)[0])


def test_xor_default_is_the_four_corners_with_xor_labels():
    X, y = data.make_xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_noisy_xor_clouds_keep_the_xor_label_of_their_corner():
    X, y = data.make_xor(n_samples=400, noise=0.1, rng=0)
    corner = np.round(X).clip(0, 1).astype(int)  # noise 0.1 rarely crosses the midline
    agree = np.mean(y == (corner[:, 0] ^ corner[:, 1]))
    assert agree > 0.98
    assert np.bincount(y).tolist() == [200, 200]


def test_moons_and_circles_geometry():
    X, y = data.make_moons(10)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert np.all(upper[:, 1] >= -1e-12) and np.all(lower[:, 1] <= 0.5 + 1e-12)
    X, y = data.make_circles(11, factor=0.3)
    radius = np.hypot(*X.T)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    assert np.bincount(y).tolist() == [5, 6]
    # No duplicated points: the circle must not repeat its start at angle 2 pi.
    assert len(np.unique(np.round(X, 9), axis=0)) == 11


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_spirals_have_k_balanced_arms(n_classes):
    X, y = data.make_spirals(n_samples=20 * n_classes, n_classes=n_classes)
    assert np.bincount(y).tolist() == [20] * n_classes
    # Each arm is the previous one rotated by 2 pi / k.
    angle = 2 * np.pi / n_classes
    rotation = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    np.testing.assert_allclose(X[y == 0] @ rotation, X[y == 1], atol=1e-12)
    assert len(np.unique(np.round(X, 9), axis=0)) == len(X)


def test_spirals_uneven_count_differs_by_at_most_one():
    _, y = data.make_spirals(n_samples=11, n_classes=3)
    assert np.bincount(y).tolist() == [4, 4, 3]


def test_blobs_centers_and_std():
    centers = np.array([[0.0, 0.0, 0.0], [10.0, -10.0, 5.0]])
    X, y = data.make_blobs(4000, centers=centers, cluster_std=[0.5, 2.0], rng=0)
    assert X.shape == (4000, 3) and np.bincount(y).tolist() == [2000, 2000]
    np.testing.assert_allclose(X[y == 0].mean(axis=0), centers[0], atol=0.05)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), centers[1], atol=0.2)
    np.testing.assert_allclose(X[y == 0].std(axis=0), 0.5, rtol=0.1)
    np.testing.assert_allclose(X[y == 1].std(axis=0), 2.0, rtol=0.1)
    X, y = data.make_blobs(9, centers=4, n_features=5, rng=1)
    assert X.shape == (9, 5) and np.bincount(y).tolist() == [3, 2, 2, 2]


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: data.make_xor(3), ValueError, "n_samples must be >= 4"),
        (lambda: data.make_xor(4.0), TypeError, "integer"),
        (lambda: data.make_moons(100, noise=-0.1), ValueError, "noise"),
        (lambda: data.make_moons(100, noise=float("nan")), ValueError, "noise"),
        (lambda: data.make_circles(factor=1.0), ValueError, "factor"),
        (lambda: data.make_spirals(n_classes=1), ValueError, "n_classes"),
        (lambda: data.make_spirals(n_samples=2, n_classes=3), ValueError, "n_samples"),
        (lambda: data.make_blobs(centers=[1, 2]), ValueError, "shape"),
        (lambda: data.make_blobs(centers=2, cluster_std=[1, 2, 3]), ValueError, "cluster_std"),
        (lambda: data.make_blobs(centers=2, cluster_std=-1.0), ValueError, "cluster_std"),
        (lambda: data.make_moons(rng="seed"), TypeError, "rng"),
    ],
)
def test_maker_bad_inputs(call, error, words):
    with pytest.raises(error, match=words):
        call()


# --------------------------------------------------------------------------- targets


def test_one_hot_values_width_and_dtype():
    out = data.one_hot(np.array([2, 0, 1, 2]))
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert out.dtype == mg.get_default_dtype()
    assert data.one_hot([1], num_classes=4).shape == (1, 4)
    assert data.one_hot([0.0, 1.0], dtype=np.float32).dtype == np.float32
    assert data.one_hot([], num_classes=3).shape == (0, 3)


@pytest.mark.parametrize(
    ("y", "num_classes", "words"),
    [([0, 3], 3, "out of range"), ([-1, 0], None, ">= 0"), ([0.5], None, "whole-number"),
     ([[0, 1]], None, "1-D"), ([], None, "empty")],
)
def test_one_hot_refuses_bad_labels(y, num_classes, words):
    with pytest.raises(ValueError, match=words):
        data.one_hot(y, num_classes)


def test_binary_targets_column_for_bce():
    _, y = data.make_xor()
    targets = data.binary_targets(y, dtype=np.float32)
    assert targets.shape == (4, 1) and targets.dtype == np.float32
    np.testing.assert_array_equal(targets.ravel(), [0, 1, 1, 0])
    with pytest.raises(ValueError, match="0 or 1"):
        data.binary_targets([0, 2])


# --------------------------------------------------------------------------- splitting


def test_split_sizes_disjoint_and_complete():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.25, rng=0)
    assert len(X_test) == 3 and len(X_train) == 7  # ceil(0.25 * 10), like scikit-learn
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(10))
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)  # rows stay paired
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)
    assert len(data.train_test_split(X, y, test_size=4, rng=0)[1]) == 4


def test_split_same_seed_same_split():
    X, y = data.make_moons(50, noise=0.1, rng=0)
    first = data.train_test_split(X, y, rng=3)
    second = data.train_test_split(X, y, rng=3)
    other = data.train_test_split(X, y, rng=4)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[3], other[3])


@given(st.integers(2, 6), st.integers(4, 12), st.sampled_from([0.1, 0.2, 0.25, 0.5]),
       st.integers(0, 2**16))
@settings(max_examples=25)
def test_stratified_split_keeps_exact_proportions_on_balanced_set(k, per_class, size, seed):
    y = np.repeat(np.arange(k), per_class)
    X = np.random.default_rng(seed).normal(size=(y.size, 2))
    n_test = int(np.ceil(size * y.size))
    if n_test % k or n_test < k or y.size - n_test < k:
        return  # exact proportions exist only when every class gets the same count
    _, _, y_train, y_test = data.train_test_split(X, y, size, rng=seed, stratify=y)
    assert np.bincount(y_test, minlength=k).tolist() == [n_test // k] * k
    assert np.bincount(y_train, minlength=k).tolist() == [per_class - n_test // k] * k


def test_stratified_split_unbalanced_rounds_each_class_share():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.zeros((100, 1))
    _, _, y_train, y_test = data.train_test_split(X, y, 0.2, rng=0, stratify=True)
    assert np.bincount(y_test).tolist() == [12, 6, 2]
    assert np.bincount(y_train).tolist() == [48, 24, 8]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"test_size": 0.0}, ValueError, r"\(0, 1\)"),
        ({"test_size": 1.0}, ValueError, r"\(0, 1\)"),
        ({"test_size": 10}, ValueError, r"\[1, 9\]"),
        ({"test_size": 0}, ValueError, r"\[1, 9\]"),
        ({"test_size": "half"}, TypeError, "test_size"),
        ({"stratify": np.array([0] * 9 + [1])}, ValueError, "only 1 sample"),
        ({"stratify": np.arange(10) % 5, "test_size": 0.2}, ValueError, "classes"),
        ({"stratify": np.zeros(4)}, ValueError, "stratify"),
    ],
)
def test_split_bad_inputs(kwargs, error, words):
    X, y = np.zeros((10, 2)), np.arange(10) % 2
    with pytest.raises(error, match=words):
        data.train_test_split(X, y, **kwargs)


def test_split_length_mismatch():
    with pytest.raises(ValueError, match="X has 10 samples but y has 9"):
        data.train_test_split(np.zeros((10, 2)), np.zeros(9))


# --------------------------------------------------------------------------- scaling


def test_standardizer_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal(3.0, 2.0, size=(200, 3))
    X_test = rng.normal(3.0, 2.0, size=(50, 3))
    scaler = data.Standardizer()
    Z_train = scaler.fit_transform(X_train)
    np.testing.assert_allclose(Z_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z_train.std(axis=0), 1.0)
    np.testing.assert_allclose(scaler.transform(X_test),
                               (X_test - X_train.mean(0)) / X_train.std(0))
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X_test)), X_test)


def test_standardizer_constant_feature_becomes_zero_without_warning():
    X = np.column_stack([np.full(7, 0.1), np.arange(7.0), np.zeros(7)])
    Z = data.Standardizer().fit_transform(X)
    assert np.all(np.isfinite(Z))
    np.testing.assert_allclose(Z[:, 0], 0.0, atol=1e-12)  # the mean of 0.1s rounds
    np.testing.assert_array_equal(Z[:, 2], 0.0)
    np.testing.assert_allclose(Z[:, 1].std(), 1.0)


def test_standardizer_keeps_float32_and_checks_use():
    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    assert data.Standardizer().fit_transform(X).dtype == np.float32
    with pytest.raises(RuntimeError, match="fit"):
        data.Standardizer().transform(X)
    with pytest.raises(ValueError, match="3 features"):
        data.Standardizer().fit(X).transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="2-D"):
        data.Standardizer().fit(np.zeros(3))


# --------------------------------------------------------------------------- batching


@given(st.integers(1, 30), st.integers(1, 12), st.booleans(), st.integers(0, 1000))
@settings(max_examples=40)
def test_batches_cover_every_sample_once_per_epoch(n, batch_size, shuffle, seed):
    X = np.arange(n * 2).reshape(n, 2)
    y = np.arange(n)
    batches = list(data.iterate_batches(X, y, batch_size, shuffle=shuffle, rng=seed))
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(n))
    assert all(len(yb) == batch_size for _, yb in batches[:-1])
    assert 1 <= len(batches[-1][1]) <= batch_size
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0], 2 * yb)
    if not shuffle:
        np.testing.assert_array_equal(seen, y)


@given(st.integers(1, 30), st.integers(1, 12))
@settings(max_examples=30)
def test_drop_last_skips_only_the_short_batch(n, batch_size):
    y = np.arange(n)
    batches = list(data.iterate_batches(y[:, None], y, batch_size, rng=0, drop_last=True))
    assert len(batches) == n // batch_size
    assert all(len(yb) == batch_size for _, yb in batches)
    seen = np.concatenate([yb for _, yb in batches]) if batches else np.array([])
    assert len(set(seen.tolist())) == len(seen)


def test_shuffle_is_seeded():
    y = np.arange(50)

    def order(rng):
        return np.concatenate([yb for _, yb in data.iterate_batches(y, y, 8, rng=rng)])

    np.testing.assert_array_equal(order(5), order(5))
    assert not np.array_equal(order(5), order(6))
    assert not np.array_equal(order(5), y)
    # One Generator across epochs: a new order every epoch, the same sequence every run.
    run1 = np.random.default_rng(9)
    run2 = np.random.default_rng(9)
    epochs1 = [order(run1) for _ in range(2)]
    epochs2 = [order(run2) for _ in range(2)]
    assert not np.array_equal(epochs1[0], epochs1[1])
    np.testing.assert_array_equal(epochs1, epochs2)


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        ((np.zeros((5, 2)), np.zeros(4), 2), ValueError, "5 samples but y has 4"),
        ((np.zeros((5, 2)), np.zeros(5), 0), ValueError, "batch_size must be >= 1"),
        ((np.zeros((5, 2)), np.zeros(5), 2.0), TypeError, "batch_size"),
        ((np.zeros((5, 2)), np.zeros(5), True), TypeError, "batch_size"),
    ],
)
def test_batches_bad_inputs_fail_at_the_call(args, error, words):
    with pytest.raises(error, match=words):
        data.iterate_batches(*args)  # no next(): the check must not wait for the first batch


def test_batches_accept_tensors():
    X = mg.Tensor(np.arange(6.0).reshape(3, 2))
    batches = list(data.iterate_batches(X, np.arange(3), 2, shuffle=False))
    np.testing.assert_array_equal(batches[0][0], [[0, 1], [2, 3]])
